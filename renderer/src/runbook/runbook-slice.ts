import type { StateCreator } from 'zustand';
import type { AppError, HostRun, PlanView, RunView, StepState } from '../../../electron/contract/index.js';
import type { AppStore } from '../store/index.js';
import { withDurations, type DurationHistory } from './run-progress.js';

/**
 * The step runner's view: plans (dry runs), the latest run per step (live from events, else
 * rebuilt by the backend from the journal) and each step's state. Remote output never comes here:
 * it goes from `runbook.output` / the terminal dock straight to xterm.
 */
export interface RunbookSlice {
  runbookPlans: Record<string, { plan: PlanView; text: string }>;
  runbookRuns: Record<string, RunView>;
  runbookSteps: Record<string, StepState>;
  runbookErrors: Record<string, AppError | null>;
  /** Per step, the durations of finished actions from every run this window has seen: the ETA's basis. */
  runbookDurations: Record<string, DurationHistory>;
  setRunbookPlan(stepId: string, plan: PlanView, text: string): void;
  setRunbookSteps(steps: StepState[]): void;
  applyRun(run: RunView): void;
  applyHostProgress(stepId: string, runId: string, host: HostRun): void;
  setRunbookError(stepId: string, error: AppError | null): void;
  clearRunbook(): void;
}

export const createRunbookSlice: StateCreator<AppStore, [], [], RunbookSlice> = (set) => ({
  runbookPlans: {},
  runbookRuns: {},
  runbookSteps: {},
  runbookErrors: {},
  runbookDurations: {},
  setRunbookPlan: (stepId, plan, text) => set((s) => ({ runbookPlans: { ...s.runbookPlans, [stepId]: { plan, text } } })),
  setRunbookSteps: (steps) =>
    set((s) => {
      const runbookSteps = { ...s.runbookSteps };
      const runbookRuns = { ...s.runbookRuns };
      const runbookDurations = { ...s.runbookDurations };
      for (const st of steps) {
        runbookSteps[st.stepId] = st;
        if (st.lastRun) runbookDurations[st.stepId] = withDurations(runbookDurations[st.stepId], st.lastRun);
        // A run this window follows live is newer than the journal's view only while it runs.
        const live = runbookRuns[st.stepId];
        if (st.lastRun && !(live && live.runId === st.lastRun.runId && live.status === 'running' && st.lastRun.status !== 'running')) {
          runbookRuns[st.stepId] = st.lastRun;
        } else if (!st.lastRun) delete runbookRuns[st.stepId];
      }
      return { runbookSteps, runbookRuns, runbookDurations };
    }),
  applyRun: (run) =>
    set((s) => ({
      runbookRuns: { ...s.runbookRuns, [run.stepId]: run },
      runbookDurations: { ...s.runbookDurations, [run.stepId]: withDurations(s.runbookDurations[run.stepId], run) },
    })),
  applyHostProgress: (stepId, runId, host) =>
    set((s) => {
      const run = s.runbookRuns[stepId];
      // Progress of a run we have not seen start yet (or an older one): wait for its runbook.run.
      if (!run || run.runId !== runId) return {};
      return {
        runbookDurations: { ...s.runbookDurations, [stepId]: withDurations(s.runbookDurations[stepId], { runId, hosts: [host] }) },
        runbookRuns: {
          ...s.runbookRuns,
          [stepId]: { ...run, hosts: run.hosts.map((h) => (h.hostId === host.hostId ? host : h)) },
        },
      };
    }),
  setRunbookError: (stepId, error) => set((s) => ({ runbookErrors: { ...s.runbookErrors, [stepId]: error } })),
  clearRunbook: () => set({ runbookPlans: {}, runbookRuns: {}, runbookSteps: {}, runbookErrors: {}, runbookDurations: {} }),
});
