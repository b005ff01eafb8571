import type { runbookRequests } from '../../contract/channels/runbook.js';
import type { ProfileLibrary } from '../steps/hardware/profile-files.js';
import { createHardwareStep } from '../steps/hardware/step.js';
import { Runbook } from '../runbook/engine.js';
import { networkAddressingStep } from '../steps/network/addressing.js';
import { DEFAULT_STEPS, ON_DEMAND_STEPS, stepRegistry } from '../steps/registry.js';
import type { HandlersFor } from './dispatcher.js';
import type { KnownHosts } from '../ssh/known-hosts.js';
import type { SshPool } from '../ssh/pool.js';
import type { TerminalManager } from '../terminal/terminal-manager.js';
import type { HandlerContext } from './handlers.js';

/** The step runner: dry run, run, cancel, retry, skip, waive, state (docs/architecture.md, The step runner). */
export function createRunbookHandlers(runbook: Runbook): HandlersFor<keyof typeof runbookRequests> {
  return {
    'runbook.plan': ({ dir, stepId }) => runbook.plan(dir, stepId),
    'runbook.start': ({ dir, stepId, resume, confirmation, takeOver }) =>
      runbook.start(dir, stepId, { resume, takeOver, ...(confirmation ? { confirmation } : {}) }),
    'runbook.cancel': async ({ runId }) => runbook.cancel(runId),
    'runbook.retry': ({ dir, stepId, hostId }) => runbook.retry(dir, stepId, hostId),
    'runbook.skip': ({ dir, stepId, hostId, actionId, reason, technician }) =>
      runbook.skip(dir, stepId, hostId, actionId, reason, technician),
    'runbook.waive': ({ dir, stepId, key, reason, technician }) => runbook.waive(dir, stepId, key, reason, technician),
    'runbook.withdrawWaiver': ({ dir, stepId, key, reason, technician }) => runbook.withdrawWaiver(dir, stepId, key, reason, technician),
    'runbook.state': ({ dir }) => runbook.state(dir),
  };
}

/**
 * The one step runner of the backend. Its registry is handed to it here (runbook/ never imports
 * a step); the network handlers run their on-demand steps on it too.
 */
export function createRunbook(ctx: HandlerContext, shared: { pool: SshPool; knownHosts: KnownHosts; terminals: TerminalManager; profiles: ProfileLibrary }): Runbook {
  const addressing = networkAddressingStep({ pool: shared.pool, knownHosts: shared.knownHosts, secrets: ctx.secrets, log: ctx.log });
  return new Runbook({
    pool: shared.pool,
    hostKeys: shared.pool.hostKeys,
    secrets: ctx.secrets,
    // The hardware step reads this app's profile folders (built-in and the company's).
    steps: stepRegistry([...DEFAULT_STEPS.map((s) => (s.id === 'hardware' ? createHardwareStep(shared.profiles) : s)), ...ON_DEMAND_STEPS, addressing]),
    emit: ctx.emit,
    log: ctx.log,
    // Each host's output also goes to a step pane in the terminal dock; the runner keeps its own
    // per-action transcripts, so the pane does not write another.
    openHostStream: (host, title, projectDir, run) =>
      shared.terminals.openStepStream({ hostId: host.id, hostLabel: host.name || host.address, title, projectDir, transcript: false, ...(run ? { run } : {}) }),
  });
}
