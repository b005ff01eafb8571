/**
 * The backend in a process of its own, driven through its real handlers (the browser host's
 * dispatcher), so the VM-lab test can SIGKILL it in the middle of applying the storage plan:
 *   node --import tsx backend-process.ts <projectDir> <dataDir> start|resume
 * Both plan step `storage` and confirm exactly its changes (what the technician ticks); `start`
 * starts a run, `resume` continues the last one. Prints one JSON line with the run's end
 * state (or the error), then exits.
 */
import { STORAGE_STEP, type StepState } from '../../../../contract/index.js';
import { createDispatcher } from '../../../api/dispatcher.js';
import { createHandlers } from '../../../api/handlers.js';
import { createLogger } from '../../../log/logger.js';
import { MemorySecretStore } from '../../../secrets/secret-store.js';

const [dir, dataDir, mode] = process.argv.slice(2) as [string, string, 'start' | 'resume'];
const log = createLogger((l) => process.stderr.write(l + '\n'));
const dispatch = createDispatcher(createHandlers({ transport: 'browser', version: 'test', dataDir, secrets: new MemorySecretStore(), emit: () => {}, log }), log);

function fail(what: unknown): never {
  process.stdout.write(JSON.stringify({ error: what }) + '\n');
  process.exit(1);
}

// A resume of a destructive plan is confirmed again, as the technician does on screen.
const planned = await dispatch('runbook.plan', { dir, stepId: STORAGE_STEP });
if (!planned.ok) fail(planned.error);
const plan = (planned.value as { plan: { planHash: string; changes: { change: string }[] } }).plan;
const confirmation = { planHash: plan.planHash, changes: plan.changes.map((c) => c.change) };
const started = await dispatch('runbook.start', { dir, stepId: STORAGE_STEP, resume: mode === 'resume', confirmation });
if (!started.ok) fail(started.error);
const { runId } = started.value as { runId: string };
process.stderr.write(`started ${runId}\n`);
for (;;) {
  const s = await dispatch('runbook.state', { dir });
  if (!s.ok) fail(s.error);
  const step = (s.value as { steps: StepState[] }).steps.find((x) => x.stepId === STORAGE_STEP);
  if (step?.lastRun && step.lastRun.runId === runId && step.lastRun.status !== 'running') {
    process.stdout.write(JSON.stringify({ run: step.lastRun }) + '\n');
    process.exit(0);
  }
  await new Promise((r) => setTimeout(r, 500));
}
