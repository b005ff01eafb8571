import { isOpenBlocking, type StepState } from '../../../electron/contract/index.js';

/** What the stepper shows for one wizard step. `partial`: some of its runner steps passed, others have not run. */
export const WIZARD_STEP_STATES = ['not-started', 'running', 'partial', 'passed', 'passed-waivers', 'blocking', 'failed'] as const;
export type WizardStepState = (typeof WIZARD_STEP_STATES)[number];

/**
 * The runner steps a wizard step must pass, in order. Read-only helper steps (reading disks or
 * interfaces for an editor) are left out: they feed a plan, they do not commission anything.
 */
export const WIZARD_RUNNER_STEPS: Readonly<Record<string, readonly string[]>> = {
  hardware: ['preflight', 'hardware'],
  network: ['network-hosts', 'network-check'],
  storage: ['storage'],
  master: ['master-install'],
  workers: ['worker-join'],
  verify: ['verification'],
};

/**
 * One wizard step's state from the runner's step states (the journal's view, or a live run).
 * A step whose runner steps are not registered in this build is `not-started`.
 */
export function wizardStepState(wizardStep: string, steps: Readonly<Record<string, StepState | undefined>>): WizardStepState {
  const ids = (WIZARD_RUNNER_STEPS[wizardStep] ?? []).filter((id) => steps[id]);
  if (ids.length === 0) return 'not-started';
  const states = ids.map((id) => steps[id]!);
  const runs = states.map((s) => s.lastRun);
  if (runs.some((r) => r?.status === 'running')) return 'running';
  if (runs.some((r) => r && r.status !== 'completed')) return 'failed';
  if (runs.some((r) => r && r.findings.some(isOpenBlocking))) return 'blocking';
  if (runs.every((r) => !r)) return 'not-started';
  if (!states.every((s) => s.passed)) return 'partial';
  return runs.some((r) => r!.findings.some((f) => f.severity === 'blocking' && f.waiver)) ? 'passed-waivers' : 'passed';
}

/** Inventory has no runner step: it is done when a project with hosts is saved. */
export function inventoryState(p: { dir: string; dirty: boolean; hostCount: number }): WizardStepState {
  return p.dir !== '' && !p.dirty && p.hostCount > 0 ? 'passed' : 'not-started';
}
