import type { TFunction } from 'i18next';
import type { DrillBound, DrillReason, DrillRecord, DrillTimelineEntry } from '../../../../electron/contract/index.js';

/** A duration in ms as the panel shows it: seconds with one decimal ("2.4 s"); null: "—". */
export function seconds(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * How a drill's recovery time compares: with the expected bound (the cluster's own timers) and
 * with the customer's RTO. `unknown` when the RTO was not measured (the VIP never came back, or
 * the drill was aborted before it could).
 */
export interface DrillVerdict {
  withinBound: 'yes' | 'no' | 'unknown';
  withinRto: 'yes' | 'no' | 'unknown';
}

export function drillVerdict(r: Pick<DrillRecord, 'figures' | 'rtoTargetMs'> & { bound: DrillBound | null }): DrillVerdict {
  const rto = r.figures.rtoMs;
  if (rto === null) return { withinBound: 'unknown', withinRto: 'unknown' };
  return {
    withinBound: r.bound ? (rto <= r.bound.boundMs ? 'yes' : 'no') : 'unknown',
    withinRto: rto <= r.rtoTargetMs ? 'yes' : 'no',
  };
}

/** The running/restoring states; everything else is an end. */
export function drillRunning(state: DrillRecord['state']): boolean {
  return state === 'running' || state === 'restoring';
}

/** The timeline in time order (events may arrive out of order across progress updates). */
export function sortedTimeline(timeline: readonly DrillTimelineEntry[]): DrillTimelineEntry[] {
  return [...timeline].sort((a, b) => a.atMs - b.atMs);
}

/** A reason in the technician's language (drill.reason.<code>); its params always go in. */
export function drillReasonText(t: TFunction, r: DrillReason): string {
  // A param the engine did not send reads as a dash, never as a raw `{{placeholder}}`.
  return t(`drill.reason.${r.code}`, { ...REASON_PARAM_DEFAULTS, ...r.params, defaultValue: r.code }).replace(/\{\{\s*[\w.]+\s*\}\}/g, '—');
}
const REASON_PARAM_DEFAULTS = { host: '—', hosts: '—', detail: '—', rtoMs: '—', targetMs: '—', kind: '—' };
