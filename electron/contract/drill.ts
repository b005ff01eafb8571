import { z } from 'zod';

/**
 * The failover drill (wizard step 7, issue 20): an opt-in, disruptive test of the cluster's VIP.
 * The technician picks a kind and a target (by default the VIP's current holder); the backend
 * injects the fault, probes the VIP from the laptop every 100 ms (ICMP and the profile's TCP port)
 * and records a timeline; then it restores the target, waits for it to rejoin and re-verifies.
 *
 * A drill is journaled as it goes (the project folder's `drills/<id>.ndjson`, one fsync'd line per
 * event) so a drill interrupted by a closed laptop is found on the next start (`drill.list`'s
 * `pending`) and finished or undone (`drill.recover`), never left half-done. Its probe log (every
 * probe's time and outcome) is kept beside it, and the report carries its SHA-256.
 *
 * Kinds:
 * - `service-stop`: the profile's VIP owner stopped on the target (keepalived; Pacemaker:
 *   `pcs cluster stop`), started again to restore;
 * - `link-cut`: the target isolated from the cluster network (on real servers a guarded nftables
 *   rule on the node that removes itself after a timer; in the lab the lab's own `link down`);
 * - `power-off`: the target powered off through its BMC (`ipmitool`, credentials from the secret
 *   store; the lab's BMCs are `ipmi_sim`), powered on to restore. Only for hosts with a BMC.
 * - `reboot`: the verification plan's reboot test (verify plan `rebootHosts`, only those hosts):
 *   the target rebooted by its own OS (`systemctl reboot`); "restored" once it answers SSH from a new
 *   boot. The VIP moves only when the target held it; either way the VIP is probed throughout, and
 *   the target must come back, rejoin and pass the re-verification. Its rejoin time is counted from
 *   the reboot command, not from the restore.
 */

export const DRILL_KINDS = ['service-stop', 'link-cut', 'power-off', 'reboot'] as const;
export const drillKindSchema = z.enum(DRILL_KINDS);
export type DrillKind = z.infer<typeof drillKindSchema>;

/**
 * running: fault injected, probing; restoring: the fault is being undone; then one of the ends:
 * passed (VIP back within the RTO, target rejoined, re-verification passed), failed (any of those
 * not), aborted (the technician stopped it; restored), interrupted (found unfinished on start:
 * `drill.recover` restores it and ends it as aborted).
 */
export const DRILL_STATES = ['running', 'restoring', 'passed', 'failed', 'aborted', 'interrupted'] as const;
export const drillStateSchema = z.enum(DRILL_STATES);
export type DrillState = z.infer<typeof drillStateSchema>;

/**
 * Timeline events, in the order they usually happen. fault-injected: the fault's command went out;
 * fault-effective: the fault took effect, when that is later than the command and measured on the
 * target (a clean service stop: the target released the VIP; `pcs cluster stop` first runs
 * Pacemaker's shutdown transition, seconds during which the VIP still answers); outage-start: the
 * first failed probe; detected: the cluster noticed (a new holder started taking over, from its own
 * log/state when readable); fenced: Pacemaker's fencing of the target completed (its fencer's log on
 * a survivor); vip-moved: the VIP is held by another node; service-back: the first
 * probe that answered again after the outage (RTO = service-back − the fault: fault-effective when
 * there is one, else fault-injected); node-back: the target answers SSH again; rejoined: the target
 * is a member again; verified: re-verification ended.
 */
export const DRILL_EVENTS = [
  'started',
  'fault-injected',
  'fault-effective',
  'outage-start',
  'detected',
  'fenced',
  'vip-moved',
  'service-back',
  'restore-started',
  'node-back',
  'rejoined',
  'verified',
  'ended',
] as const;
export const drillEventSchema = z.enum(DRILL_EVENTS);
export type DrillEvent = z.infer<typeof drillEventSchema>;

export const drillTimelineEntrySchema = z.object({
  /** Milliseconds since the drill started (its `startedAt`). */
  atMs: z.number().min(0),
  event: drillEventSchema,
  /** The host the event is about (the new holder for vip-moved), when one. */
  hostId: z.string().optional(),
});
export type DrillTimelineEntry = z.infer<typeof drillTimelineEntrySchema>;

/** Measured figures in ms (null: did not happen or could not be measured). */
export const drillFiguresSchema = z.object({
  /** From the first failed probe to the first answered one after it. */
  outageMs: z.number().nullable(),
  /** From the fault (fault-effective when there is one, else fault-injected) to `detected`. */
  detectionMs: z.number().nullable(),
  /** From the fault to `vip-moved`. */
  vipMovedMs: z.number().nullable(),
  /** From the fault to `service-back`: the recovery time. */
  rtoMs: z.number().nullable(),
  /** From the restore to `rejoined`. */
  rejoinMs: z.number().nullable(),
  probesSent: z.number().int(),
  probesFailed: z.number().int(),
});
export type DrillFigures = z.infer<typeof drillFiguresSchema>;

/**
 * What the figure should be, from the cluster's own timers, shown beside the measurement:
 * vrrp: 3 × advert_int + skew (`advertIntMs`, `skewMs`); corosync: token + consensus + start
 * (`tokenMs`, `consensusMs`, `startMs`); corosync-fenced: the same plus the fencing of the lost node,
 * which Pacemaker waits for before it recovers anything (`fenceMs`, as long as the fencing took by
 * the fencer's own log: known once the drill ran; absent before); service: a clean stop hands over
 * at once (`startMs`).
 */
export const DRILL_BOUND_FORMULAS = ['vrrp', 'corosync', 'corosync-fenced', 'service'] as const;

/**
 * The text a bound is worded by (UI `drill.formula.<key>`, report `drills.formulas.<key>`): its
 * formula, but keepalived's clean stop has the backup's skew (serviceSkew) where Pacemaker's has only
 * the takeover, and a fenced bound before its fencing was measured says so (corosyncFencedPending).
 */
export function boundTextKey(b: { formula: (typeof DRILL_BOUND_FORMULAS)[number]; params: Record<string, number> }): string {
  if (b.formula === 'service' && b.params.skewMs !== undefined) return 'serviceSkew';
  if (b.formula === 'corosync-fenced' && b.params.fenceMs === undefined) return 'corosyncFencedPending';
  return b.formula;
}
export const drillBoundSchema = z.object({
  formula: z.enum(DRILL_BOUND_FORMULAS),
  params: z.record(z.string(), z.number()),
  boundMs: z.number(),
});
export type DrillBound = z.infer<typeof drillBoundSchema>;

/** Why a drill failed or cannot run, as a code the screens word (`drill.reason.<code>`) with params. */
export const DRILL_REASONS = [
  'no-vip',
  'no-holder',
  'two-holders',
  'kind-unavailable',
  'no-bmc',
  'bmc-secret-missing',
  'fencing-off',
  'rto-exceeded',
  'vip-not-back',
  'not-rejoined',
  'verify-failed',
  'restore-failed',
  'inject-failed',
  'unreachable',
  'busy',
  'interrupted',
  'no-reboot-hosts',
  'not-reboot-host',
  'not-back',
] as const;
export const drillReasonSchema = z.object({
  code: z.enum(DRILL_REASONS),
  params: z.record(z.string(), z.union([z.string(), z.number()])).default({}),
});
export type DrillReason = z.infer<typeof drillReasonSchema>;

export const drillRecordSchema = z.object({
  id: z.string(),
  kind: drillKindSchema,
  /** The cluster profile (`install.profile`) the drill ran on. */
  profile: z.string(),
  targetHostId: z.string(),
  vip: z.string(),
  /** The TCP port probed beside ICMP (the profile's service on the VIP). */
  tcpPort: z.number().int(),
  technician: z.string(),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  state: drillStateSchema,
  timeline: z.array(drillTimelineEntrySchema),
  figures: drillFiguresSchema,
  bound: drillBoundSchema.nullable(),
  /** The customer's RTO (verify plan `rtoS`) in ms. */
  rtoTargetMs: z.number(),
  /** Why it failed / was aborted; empty when it passed. */
  reasons: z.array(drillReasonSchema),
  /** SHA-256 of the probe log file (`drills/<id>.probes.ndjson`), set when the drill ended. */
  probeLogSha256: z.string().nullable(),
});
export type DrillRecord = z.infer<typeof drillRecordSchema>;

/** A kind as the UI offers it for a project: available or not (and why), and the expected bound. */
export const drillOptionSchema = z.object({
  kind: drillKindSchema,
  available: z.boolean(),
  reason: drillReasonSchema.optional(),
  bound: drillBoundSchema.nullable(),
  /** The only hosts this kind may target (`reboot`: the verify plan's reboot hosts); absent: any host, the VIP's holder by default. */
  targets: z.array(z.string()).optional(),
});
export type DrillOption = z.infer<typeof drillOptionSchema>;

/** A drill's live state (event `drill.progress`), at most every ~250 ms while it runs. */
export const drillProgressSchema = z.object({
  dir: z.string(),
  drillId: z.string(),
  state: drillStateSchema,
  /** The timeline so far. */
  timeline: z.array(drillTimelineEntrySchema),
  probesSent: z.number().int(),
  probesFailed: z.number().int(),
  /** The last probe answered (ICMP or TCP). */
  lastProbeOk: z.boolean(),
});
export type DrillProgress = z.infer<typeof drillProgressSchema>;
