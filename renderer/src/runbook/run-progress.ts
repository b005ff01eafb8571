import type { HostRun, RunView } from '../../../electron/contract/index.js';

/** Durations (ms) of finished actions per action id, each from one host of one run ("runId/hostId"). */
export type DurationHistory = Record<string, Record<string, number>>;

const FINISHED = new Set(['done', 'already-done', 'skipped']);

/** Adds a run's finished action durations to a step's history (the same run seen again overwrites, not doubles). */
export function withDurations(history: DurationHistory | undefined, run: Pick<RunView, 'runId' | 'hosts'>): DurationHistory {
  const out: DurationHistory = { ...history };
  for (const h of run.hosts) {
    for (const a of h.actions) {
      if (a.status !== 'done' || a.durationMs === undefined) continue;
      out[a.actionId] = { ...out[a.actionId], [`${run.runId}/${h.hostId}`]: a.durationMs };
    }
  }
  return out;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export interface HostProgressView {
  done: number;
  total: number;
  /** 0..1 */
  fraction: number;
  elapsedMs: number;
  /** Time left from the history's median of each unfinished action; undefined when an action has never finished before. */
  etaMs: number | undefined;
}

/**
 * One host's progress. `runningForMs`: how long its current action has run as this window saw it
 * (the run view has no start time per action).
 */
export function hostProgress(h: HostRun, history: DurationHistory | undefined, runElapsedMs: number, runningForMs = 0): HostProgressView {
  const total = h.actions.length;
  const done = h.actions.filter((a) => FINISHED.has(a.status)).length;
  const active = h.status === 'running' || h.status === 'locking' || h.status === 'waiting';
  const spent = h.actions.reduce((sum, a) => sum + (a.durationMs ?? 0), 0);
  let eta: number | undefined = 0;
  if (!active) eta = 0;
  else {
    for (const a of h.actions) {
      if (FINISHED.has(a.status)) continue;
      const known = Object.values(history?.[a.actionId] ?? {});
      if (known.length === 0) {
        eta = undefined;
        break;
      }
      const m = median(known);
      eta += a.status === 'running' ? Math.max(0, m - runningForMs) : m;
    }
  }
  return { done, total, fraction: total === 0 ? 1 : done / total, elapsedMs: active ? Math.max(runElapsedMs, spent) : spent, etaMs: eta };
}

/** "1 h 02 min", "3 min 05 s", "12 s": a duration as the runner shows it (units from the locale). */
export function durationParts(ms: number): { h: number; m: number; s: number } {
  const total = Math.max(0, Math.round(ms / 1000));
  return { h: Math.floor(total / 3600), m: Math.floor((total % 3600) / 60), s: total % 60 };
}
