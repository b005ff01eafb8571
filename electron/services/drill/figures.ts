import type { DrillFigures, DrillKind, DrillTimelineEntry } from '../../contract/index.js';

/** One probe as the probe log (`drills/<id>.probes.ndjson`) has it: when it was sent, what, and whether it answered. */
export interface ProbeRecord {
  /** Milliseconds since the drill started, at the probe's send time. */
  atMs: number;
  kind: 'icmp' | 'tcp';
  ok: boolean;
  /** Round trip (ICMP) or connect time (TCP) when it answered. */
  ms?: number;
}

export interface ProbeOutage {
  /** The first failed probe after the fault. */
  outageStartMs: number | null;
  /** The first answered probe after the last failed one: the service stayed back from here on. */
  serviceBackMs: number | null;
}

/**
 * Where the outage starts and ends in a probe log, looking only at probes sent between the fault and
 * `untilMs` (the restore: what the restore does to the service is not the failover's).
 *
 * service-back is the first probe answered after the LAST failed one of either kind, not after the
 * first: a VIP that comes back and drops again (a stale ARP entry on the way) has not recovered.
 * No failed probe: no outage (null, null) — the failover lost less than one probe interval.
 * Failed up to the end: outageStart set, serviceBack null.
 */
export function findOutage(probes: readonly ProbeRecord[], faultMs: number, untilMs = Infinity): ProbeOutage {
  const window = probes.filter((p) => p.atMs >= faultMs && p.atMs < untilMs).sort((a, b) => a.atMs - b.atMs);
  const failed = window.filter((p) => !p.ok);
  if (failed.length === 0) return { outageStartMs: null, serviceBackMs: null };
  const lastFail = failed[failed.length - 1]!.atMs;
  // Both kinds must answer again: ICMP back while haproxy is not (or the reverse) is not the service back.
  const backOf = (kind: ProbeRecord['kind']) => window.find((p) => p.kind === kind && p.ok && p.atMs > lastFail)?.atMs;
  const kinds = new Set(window.map((p) => p.kind));
  const backs = [...kinds].map(backOf);
  const serviceBackMs = backs.some((b) => b === undefined) ? null : Math.max(...(backs as number[]));
  return { outageStartMs: failed[0]!.atMs, serviceBackMs };
}

const at = (timeline: readonly DrillTimelineEntry[], event: DrillTimelineEntry['event']) => timeline.find((e) => e.event === event)?.atMs;

/**
 * Until when a drill's outage is looked for: the restore (what the restore does to the service is
 * not the failover's), but for a reboot, which nothing restores, until the target rejoined.
 */
export function outageUntil(timeline: readonly DrillTimelineEntry[], kind?: DrillKind): number {
  return at(timeline, kind === 'reboot' ? 'rejoined' : 'restore-started') ?? Infinity;
}

/**
 * The figures of a drill from its timeline and probe log. RTO is measured from the fault (when it
 * took effect on the target where that was measured, `fault-effective`, else its command) to the
 * service back; with no lost probe it is 0 (below the probes' 100 ms resolution) when the fault was
 * injected and the probes ran on, null when the fault never was. Rejoin is counted from the restore,
 * and the outage looked for until the restore, except for a reboot (`kind` 'reboot'), which nothing
 * restores: rejoin from the reboot, the outage until the target rejoined.
 */
export function computeFigures(timeline: readonly DrillTimelineEntry[], probes: readonly ProbeRecord[], kind?: DrillKind): DrillFigures {
  const sent = at(timeline, 'fault-injected');
  // The fault counts from when it took effect on the target, when that was measured (a clean stop:
  // the VIP released), else from its command; the outage is looked for from the command on.
  const fault = sent === undefined ? undefined : at(timeline, 'fault-effective') ?? sent;
  const restore = at(timeline, 'restore-started');
  const rejoined = at(timeline, 'rejoined');
  const detected = at(timeline, 'detected');
  const moved = at(timeline, 'vip-moved');
  const rejoinFrom = kind === 'reboot' ? fault : restore;
  const outage = sent === undefined ? { outageStartMs: null, serviceBackMs: null } : findOutage(probes, sent, outageUntil(timeline, kind));
  const probedAfterFault = fault !== undefined && probes.some((p) => p.atMs >= fault);
  let outageMs: number | null = null;
  let rtoMs: number | null = null;
  if (fault !== undefined && outage.outageStartMs === null && probedAfterFault) {
    outageMs = 0;
    rtoMs = 0;
  } else if (fault !== undefined && outage.outageStartMs !== null && outage.serviceBackMs !== null) {
    outageMs = outage.serviceBackMs - outage.outageStartMs;
    rtoMs = Math.max(0, outage.serviceBackMs - fault);
  }
  return {
    outageMs,
    detectionMs: fault !== undefined && detected !== undefined ? Math.max(0, detected - fault) : null,
    vipMovedMs: fault !== undefined && moved !== undefined ? Math.max(0, moved - fault) : null,
    rtoMs,
    rejoinMs: rejoinFrom !== undefined && rejoined !== undefined ? rejoined - rejoinFrom : null,
    probesSent: probes.length,
    probesFailed: probes.filter((p) => !p.ok).length,
  };
}
