import type { HostRun, PlanView } from '../../../electron/contract/index.js';

export type PhaseHostState = 'waiting' | 'running' | 'done' | 'stopped';

export interface PhaseProgress {
  id: string;
  title: string;
  mode: 'parallel' | 'serial';
  state: PhaseHostState;
  hosts: { hostId: string; name: string; state: PhaseHostState; done: number; total: number }[];
  counts: Record<PhaseHostState, number>;
}

const FINISHED = new Set(['done', 'already-done', 'skipped']);
const STOPPED = new Set(['failed', 'interrupted', 'cancelled']);

/**
 * A run's per-host progress grouped by the plan's phases: for each phase, each of its hosts is
 * waiting (none of its actions of the phase started), running, done (all finished) or stopped (one
 * failed, was interrupted or cancelled). Which action is in which phase comes from the plan (the
 * run view does not carry it); an action the plan does not know is left out. Null when the plan
 * has no phases (the runner shows the flat table). Phases without hosts are left out.
 */
export function phaseProgress(plan: Pick<PlanView, 'phases' | 'hosts'> | undefined, hosts: readonly HostRun[]): PhaseProgress[] | null {
  if (!plan?.phases || plan.phases.length === 0) return null;
  const phaseOf = new Map<string, string>();
  for (const h of plan.hosts) for (const a of h.actions) if (a.phase) phaseOf.set(`${h.hostId}\u0000${a.id}`, a.phase);
  // A phase with no hosts (no other masters) has nothing to show.
  return plan.phases.filter((p) => p.hosts.length > 0).map((p) => {
    const rows = p.hosts.flatMap((hostId) => {
      const run = hosts.find((h) => h.hostId === hostId);
      if (!run) return [];
      const mine = run.actions.filter((a) => phaseOf.get(`${hostId}\u0000${a.actionId}`) === p.id);
      const done = mine.filter((a) => FINISHED.has(a.status)).length;
      const state: PhaseHostState = mine.some((a) => STOPPED.has(a.status))
        ? 'stopped'
        : mine.length > 0 && done === mine.length
          ? 'done'
          : mine.some((a) => a.status === 'running') || done > 0
            ? 'running'
            : 'waiting';
      return [{ hostId, name: run.name || run.address, state, done, total: mine.length }];
    });
    const counts: Record<PhaseHostState, number> = { waiting: 0, running: 0, done: 0, stopped: 0 };
    for (const r of rows) counts[r.state]++;
    const state: PhaseHostState = counts.stopped > 0 ? 'stopped' : rows.length > 0 && counts.done === rows.length ? 'done' : counts.running > 0 || counts.done > 0 ? 'running' : 'waiting';
    return { id: p.id, title: p.title, mode: p.mode, state, hosts: rows, counts };
  });
}
