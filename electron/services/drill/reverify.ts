import { isOpenBlocking, runPassed, VERIFICATION_STEP, type DrillReason } from '../../contract/index.js';
import type { Runbook } from '../runbook/engine.js';
import type { ReVerifier } from './engine.js';

/**
 * Re-verification after a drill's restore, by the verification step itself (steps/verify): a new
 * run of step 7 on the whole cluster, journaled and shown like one the technician starts, so every
 * check of the step (services, VIP, time, firewall, monitoring, storage, membership) must pass again
 * — not just the target's membership. Passed: the run completed and each blocking finding is waived.
 *
 * A node just back needs a moment for what others see of it: Prometheus scrapes every 10 s and
 * marks a target down until the next scrape answers. So a run that fails is tried again after
 * `gapMs`, up to `attempts` runs; each is a run of its own in the journal (the last one is the
 * verification the report shows).
 */
export interface StepReVerifierOptions {
  attempts?: number;
  gapMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function stepReVerifier(runbook: Pick<Runbook, 'start' | 'whenDone'>, opts: StepReVerifierOptions = {}): ReVerifier {
  const attempts = opts.attempts ?? 3;
  const gapMs = opts.gapMs ?? 10_000;
  return {
    async verify(dir) {
      let reason: DrillReason = { code: 'verify-failed', params: {} };
      for (let i = 0; i < attempts; i++) {
        if (i > 0) await sleep(gapMs);
        const started = await runbook.start(dir, VERIFICATION_STEP);
        if (!started.ok) {
          // Another verification run (the technician's) is going on: wait for the next attempt.
          reason = { code: 'verify-failed', params: { code: started.error.reason ?? started.error.code } };
          continue;
        }
        const run = await runbook.whenDone(started.value.runId);
        if (!run) {
          reason = { code: 'verify-failed', params: { runId: started.value.runId } };
          continue;
        }
        if (runPassed(run)) return { ok: true };
        reason = { code: 'verify-failed', params: { runId: run.runId, status: run.status, blocking: run.findings.filter(isOpenBlocking).length } };
      }
      return { ok: false, reason };
    },
  };
}
