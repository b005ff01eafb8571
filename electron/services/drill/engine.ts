import { resolve } from 'node:path';
import {
  because, DRILL_KINDS, err, MASTER_INSTALL_STEP, ok, verifyPlanSchema, WORKER_JOIN_STEP,
  type DrillBound, type DrillEvent, type DrillKind, type DrillOption, type DrillProgress, type DrillReason, type DrillRecord, type DrillState, type DrillTimelineEntry,
  type Host, type Project, type Result,
} from '../../contract/index.js';
import type { Logger } from '../log/logger.js';
import { readJournal } from '../project/journal.js';
import { openProject } from '../project/project-store.js';
import { JournalState } from '../runbook/replay.js';
import type { SshPool } from '../ssh/pool.js';
import { withFencing } from './bound.js';
import { boundOf, detectedAt, drillCluster, fencedAt, fencingOn, isMember, readBound, readTimers, runOn, vipHolders, type BoundTimers, type DrillCluster } from './cluster.js';
import type { FaultInjector } from './fault.js';
import { createPowerFault } from './fault-power.js';
import type { SecretStore } from '../secrets/secret-store.js';
import { linkCutFault } from './fault-link-cut.js';
import { rebootFault, rebootTargets } from './fault-reboot.js';
import { serviceStopFault } from './fault-service-stop.js';
import { computeFigures, findOutage, outageUntil, type ProbeRecord } from './figures.js';
import { appendLine, listDrills, newDrillId, probeLogPath, probeLogSha256, readDrill, readProbes, type DrillHeader } from './journal.js';
import { Prober } from './prober.js';

/**
 * The failover drill runner (contract/drill.ts). One drill at a time per project folder; each runs
 * in this backend: journal `started`, inject the fault, probe the VIP and watch who holds it until
 * the service is back and stable (or the window ends), restore, wait for the target to rejoin,
 * re-verify, journal `ended`. Whatever happens in between (a failed inject, an abort, an exception),
 * the restore runs: the cluster ALWAYS ends restored, or the drill says `restore-failed`.
 */

/**
 * Re-verification after the restore. The app runs the verification step itself (reverify.ts,
 * stepReVerifier: every check of step 7 on the whole cluster); without a step runner (the drill's
 * lab test, the benchmark) `membershipCheck` below checks the target is a member and exactly one
 * node holds the VIP.
 */
export interface ReVerifier {
  verify(dir: string, cl: DrillCluster, target: Host, signal: AbortSignal): Promise<{ ok: true } | { ok: false; reason: DrillReason }>;
}

/** 3 × keepalived's default advert_int: longer than a preempting master takes to announce itself. */
export const SETTLE_MS = 3_000;

export function membershipCheck(pool: SshPool): ReVerifier {
  return {
    async verify(_dir, cl, target): Promise<{ ok: true } | { ok: false; reason: DrillReason }> {
      if (!(await isMember(pool, cl, target))) return { ok: false, reason: { code: 'not-rejoined', params: { host: target.name || target.address } } };
      // One holder, and the same one for SETTLE_MS: a rejoined keepalived preempts the VIP back a
      // moment after it starts, and the next drill must not begin in the middle of that move.
      let first: string | undefined;
      for (const end = Date.now() + SETTLE_MS; ;) {
        const { holders } = await vipHolders(pool, cl);
        if (holders.length !== 1 || (first !== undefined && holders[0] !== first)) {
          return { ok: false, reason: { code: 'verify-failed', params: { holders: holders.length } } };
        }
        first = holders[0];
        if (Date.now() >= end) return { ok: true };
        await sleep(500);
      }
    },
  };
}

export interface DrillTiming {
  /** How often the VIP's holder is read over SSH while the fault is on. */
  pollMs: number;
  /** The service must have answered this long, the VIP moved, before the restore starts. */
  stableMs: number;
  /** The longest the fault stays on: max(this, 3 × bound, RTO target + 5 s). */
  minWindowMs: number;
  /** How long the target may take to rejoin after the restore. */
  rejoinTimeoutMs: number;
}
export const DEFAULT_TIMING: DrillTiming = { pollMs: 250, stableMs: 2_000, minWindowMs: 15_000, rejoinTimeoutMs: 90_000 };

/**
 * How long the node-side guard timers wait before undoing a fault on their own: longer than any
 * drill's window plus its restore, short enough that a node whose laptop vanished is back within
 * minutes.
 */
export const DEFAULT_GUARD_S = 600;

export interface DrillEngineOptions {
  pool: SshPool;
  emit: (channel: 'drill.progress', payload: DrillProgress) => void;
  log?: Logger;
  faults?: FaultInjector[];
  /** The secret store: the power-off drill reads a host's BMC password from it (fault-power.ts). */
  secrets?: SecretStore;
  reverifier?: ReVerifier;
  guardS?: number;
  timing?: Partial<DrillTiming>;
  /** Whether the target is a cluster member again (default: cluster.ts isMember over SSH; unit tests: a fake). */
  member?: (cl: DrillCluster, target: Host) => Promise<boolean>;
  /**
   * Whether the technician accepted a Pacemaker cluster without fencing for this project (default:
   * fencingOffWaived, the install's finding waived). The benchmark, which drills a lab cluster
   * with no fence agent, answers yes.
   */
  fencingOffAccepted?: (dir: string) => Promise<boolean>;
  /** Called with each timeline event as it is journaled (the lab test's kill point). */
  onEvent?: (drillId: string, entry: DrillTimelineEntry) => void;
}

interface Running {
  id: string;
  dir: string;
  abort: AbortController;
  done: Promise<DrillRecord>;
}

/** The Pacemaker profile's `pacemaker.fencing-off` finding waived in the install or join run: the technician accepted the split-brain risk. */
export async function fencingOffWaived(dir: string): Promise<boolean> {
  const events = await readJournal(dir);
  if (!events.ok) return false;
  const state = JournalState.from(events.value);
  return [MASTER_INSTALL_STEP, WORKER_JOIN_STEP].some((s) => state.waiversOf(s).some((w) => w.code === 'pacemaker.fencing-off'));
}

/** Kinds that stop the target cleanly (the cluster is told): they need no fencing to be safe. */
const cleanStop = (kind: DrillKind) => kind === 'service-stop' || kind === 'reboot';

const unavailable = (detail: string) => because(err('unsupported', `This drill cannot run now: ${detail}`), 'drill-unavailable', { detail });

const sleep = (ms: number, signal?: AbortSignal) => new Promise<void>((r) => {
  const wake = () => { clearTimeout(t); signal?.removeEventListener('abort', wake); r(); };
  const t = setTimeout(wake, ms);
  signal?.addEventListener('abort', wake, { once: true });
});

export class DrillEngine {
  private readonly running = new Map<string, Running>();
  private readonly faults: Map<DrillKind, FaultInjector>;
  private readonly timing: DrillTiming;
  private readonly reverifier: ReVerifier;

  constructor(private readonly o: DrillEngineOptions) {
    const guard = o.guardS ?? DEFAULT_GUARD_S;
    const faults = o.faults ?? [serviceStopFault(o.pool, guard), linkCutFault(o.pool, guard), rebootFault(o.pool), ...(o.secrets ? [createPowerFault({ secrets: o.secrets })] : [])];
    this.faults = new Map(faults.map((f) => [f.kind, f]));
    this.timing = { ...DEFAULT_TIMING, ...o.timing };
    this.reverifier = o.reverifier ?? membershipCheck(o.pool);
  }

  private async load(dir: string): Promise<Result<{ project: Project; cl: DrillCluster; rtoTargetMs: number }>> {
    const opened = await openProject(dir);
    if (!opened.ok) return opened;
    const project = opened.value.project;
    const cl = drillCluster(project);
    if ('reason' in cl) return because(err('unsupported', 'This project has no cluster VIP to drill', 'Set a VIP in the network plan and run the master install.'), 'drill-no-vip');
    return ok({ project, cl, rtoTargetMs: verifyPlanSchema.parse(project.verify ?? {}).rtoS * 1000 });
  }

  async options(dir: string): Promise<Result<{ vip: string; tcpPort: number; holderHostId: string | null; problem?: DrillReason; rtoTargetMs: number; options: DrillOption[] }>> {
    const loaded = await this.load(dir);
    if (!loaded.ok) return loaded;
    const { project, cl, rtoTargetMs } = loaded.value;
    const { holders, unreachable } = await vipHolders(this.o.pool, cl);
    const problem: DrillReason | undefined = holders.length === 0
      ? (unreachable.length === cl.candidates.length ? { code: 'unreachable', params: { hosts: unreachable.join(', ') } } : { code: 'no-holder', params: {} })
      : holders.length > 1 ? { code: 'two-holders', params: { hosts: holders.join(', ') } } : undefined;
    const holderHostId = holders.length === 1 ? holders[0]! : null;
    const target = project.hosts.find((h) => h.id === holderHostId) ?? cl.candidates[0];
    const fencingUnwaived = (await fencingOn(this.o.pool, cl)) === false && !(await (this.o.fencingOffAccepted ?? fencingOffWaived)(dir));
    const options: DrillOption[] = [];
    // The survivors' timers, read once per target whatever the number of kinds bounded against it.
    const timers = new Map<string, Promise<BoundTimers | null>>();
    const timersOn = (id: string) => timers.get(id) ?? timers.set(id, readTimers(this.o.pool, cl, id).catch(() => null)).get(id)!;
    for (const kind of DRILL_KINDS) {
      const fault = this.faults.get(kind);
      let reason: DrillReason | undefined;
      // The reboot test's hosts are the plan's, not the holder: it is offered when the plan has any.
      const targets = kind === 'reboot' ? rebootTargets(project) : undefined;
      if (!fault) reason = kind === 'power-off' ? { code: 'no-bmc', params: {} } : { code: 'kind-unavailable', params: { kind } };
      else if (targets) {
        if (targets.length === 0) reason = { code: 'no-reboot-hosts', params: {} };
      } else if (target) {
        const a = await fault.available(target, project);
        if (!a.ok) reason = a.reason;
      }
      // A Pacemaker cluster without fencing: cutting a node's link leaves the VIP on two nodes (the lab
      // reference saw it). The option's blocking reason, until the fencing-off finding is waived.
      if (!reason && fencingUnwaived && !cleanStop(kind)) reason = { code: 'fencing-off', params: {} };
      const boundOn = targets ? (targets.includes(holderHostId ?? '') ? holderHostId : targets[0]) : target?.id;
      const bound = boundOn && fault ? boundOf(kind, await timersOn(boundOn)) : null;
      options.push({ kind, available: !reason, ...(reason ? { reason } : {}), bound, ...(targets ? { targets } : {}) });
    }
    return ok({ vip: cl.vip, tcpPort: cl.tcpPort, holderHostId, ...(problem ? { problem } : {}), rtoTargetMs, options });
  }

  async start(dir: string, req: { kind: DrillKind; targetHostId?: string; technician: string }): Promise<Result<{ drillId: string }>> {
    const key = resolve(dir);
    if (this.running.has(key)) return because(err('conflict', 'A drill is already running on this project', 'Wait for it to end, or abort it.'), 'drill-busy');
    const pending = (await listDrills(dir)).find((d) => d.endedAt === null);
    if (pending) return because(err('conflict', `Drill ${pending.id} was interrupted and is not restored yet`, 'Recover it first (drill.recover).'), 'drill-pending', { drillId: pending.id });
    const loaded = await this.load(dir);
    if (!loaded.ok) return loaded;
    const { project, cl, rtoTargetMs } = loaded.value;
    const fault = this.faults.get(req.kind);
    if (!fault) return unavailable(`the ${req.kind} drill is not in this build${req.kind === 'power-off' ? ' (no BMC support)' : ''}`);
    const { holders } = await vipHolders(this.o.pool, cl);
    if (holders.length !== 1) return unavailable(holders.length === 0 ? 'no host holds the VIP now' : `the VIP is held by ${holders.length} hosts`);
    const holder = holders[0]!;
    // The reboot test by default reboots the holder when the plan lists it, else the plan's first host.
    const rebootable = req.kind === 'reboot' ? rebootTargets(project) : [];
    const targetId = req.targetHostId ?? (req.kind === 'reboot' && !rebootable.includes(holder) ? rebootable[0] ?? holder : holder);
    const target = project.hosts.find((h) => h.id === targetId);
    if (!target) return because(err('not-found', `Host ${targetId} is not in the saved inventory`), 'cluster-host-unknown', { hostId: targetId });
    const a = await fault.available(target, project);
    if (!a.ok) return unavailable(`the ${req.kind} drill cannot run on ${target.name || target.address} (${a.reason.code})`);
    if (!cleanStop(req.kind) && (await fencingOn(this.o.pool, cl)) === false && !(await (this.o.fencingOffAccepted ?? fencingOffWaived)(dir))) {
      return unavailable('fencing is off: cutting a node can leave the VIP on two nodes (split brain); configure fencing, or waive the fencing-off finding');
    }
    const bound = await readBound(this.o.pool, cl, req.kind, target.id).catch(() => null);
    const startedAt = new Date();
    const id = newDrillId(req.kind, startedAt);
    const header: DrillHeader = {
      id, kind: req.kind, profile: cl.profile, targetHostId: target.id, vip: cl.vip, tcpPort: cl.tcpPort, technician: req.technician,
      startedAt: startedAt.toISOString(), bound, rtoTargetMs,
    };
    await appendLine(dir, id, { type: 'started', drill: header });
    const abort = new AbortController();
    const run: Running = { id, dir: key, abort, done: Promise.resolve(null as unknown as DrillRecord) };
    // run() restores whatever happens inside it; what could still throw is the journal's disk. Never
    // an unhandled rejection in the backend: the record is then what the journal says.
    run.done = this.run(dir, header, project, cl, target, fault, abort.signal, holder === target.id)
      .catch(async (e: unknown) => {
        this.o.log?.error('drill ended abnormally', { drillId: id, error: e instanceof Error ? e.message : String(e) });
        return (await readDrill(dir, id))!;
      })
      .finally(() => this.running.delete(key));
    this.running.set(key, run);
    return ok({ drillId: id });
  }

  /** The record once the drill ended (tests, the benchmark). */
  async whenDone(dir: string, id: string): Promise<DrillRecord | null> {
    const r = this.running.get(resolve(dir));
    if (r && r.id === id) return r.done;
    return readDrill(dir, id);
  }

  async abort(dir: string, id: string): Promise<Result<{ record: DrillRecord }>> {
    const r = this.running.get(resolve(dir));
    if (!r || r.id !== id) {
      const rec = await readDrill(dir, id);
      if (!rec) return because(err('not-found', `No drill ${id} in this project`), 'drill-not-found', { drillId: id });
      return because(err('conflict', `Drill ${id} is not running`), 'drill-not-running', { drillId: id });
    }
    r.abort.abort();
    return ok({ record: await r.done });
  }

  async list(dir: string): Promise<Result<{ drills: DrillRecord[]; pending: DrillRecord | null }>> {
    const drills = await listDrills(dir);
    const live = this.running.get(resolve(dir));
    // The live drill is "running" until its journal says it ended: the UI reloads the list on the
    // drill's last progress event, which comes after the journal's end line but before the run is
    // forgotten here (CI: the list said "running" under a "Drill ended" timeline, and stayed so).
    const isLive = (d: DrillRecord) => !!live && live.id === d.id && d.endedAt === null;
    const out = drills.map((d) => (isLive(d) ? { ...d, state: 'running' as DrillState, reasons: [] } : d));
    const pending = out.filter((d) => d.endedAt === null && !(live && live.id === d.id)).at(-1) ?? null;
    return ok({ drills: out, pending });
  }

  /** Restores an interrupted drill's target (the fault's restore is idempotent), waits for it to rejoin, re-verifies, ends it as aborted. */
  async recover(dir: string, id: string): Promise<Result<{ record: DrillRecord }>> {
    const live = this.running.get(resolve(dir));
    if (live?.id === id) return because(err('conflict', 'A failover drill is already running on this project', 'Abort it instead.'), 'drill-busy');
    const rec = await readDrill(dir, id);
    if (!rec) return because(err('not-found', `No drill ${id} in this project`), 'drill-not-found', { drillId: id });
    if (rec.endedAt !== null) return ok({ record: rec });
    const loaded = await this.load(dir);
    if (!loaded.ok) return loaded;
    const { project, cl } = loaded.value;
    const target = project.hosts.find((h) => h.id === rec.targetHostId);
    const fault = this.faults.get(rec.kind);
    if (!target || !fault) return unavailable(`drill ${id} cannot be restored by this build (${rec.kind} on ${rec.targetHostId})`);
    const t0 = Date.parse(rec.startedAt);
    const timeline = [...rec.timeline];
    const mark = async (event: DrillEvent, hostId?: string) => {
      const entry: DrillTimelineEntry = { atMs: Math.max(0, Date.now() - t0), event, ...(hostId ? { hostId } : {}) };
      timeline.push(entry);
      await appendLine(dir, id, { type: 'event', entry });
    };
    const reasons: DrillReason[] = [{ code: 'interrupted', params: {} }];
    const signal = new AbortController().signal;
    await this.restoreAndVerify(dir, id, cl, target, fault, project, mark, reasons, signal);
    const probes = await readProbes(dir, id);
    await mark('ended');
    const record: DrillRecord = {
      ...rec, state: 'aborted', endedAt: new Date().toISOString(), timeline, figures: computeFigures(timeline, probes, rec.kind), reasons,
      probeLogSha256: await probeLogSha256(dir, id),
    };
    await appendLine(dir, id, { type: 'ended', state: record.state, endedAt: record.endedAt!, figures: record.figures, reasons, probeLogSha256: record.probeLogSha256 });
    return ok({ record });
  }

  /** restore-started → restore → node-back → rejoined → verified; reasons appended on the way. */
  private async restoreAndVerify(
    dir: string, id: string, cl: DrillCluster, target: Host, fault: FaultInjector, project: Project,
    mark: (e: DrillEvent, hostId?: string) => Promise<void>, reasons: DrillReason[], signal: AbortSignal,
  ): Promise<boolean> {
    const label = target.name || target.address;
    await mark('restore-started', target.id);
    // Restores are retried: the first may meet a node still busy with the fault (a link that just came back).
    let restored = await fault.restore(target, project, signal);
    // (not a reboot's: its restore already waited as long as a server may take to come back)
    for (let i = 0; i < 5 && !restored.ok && restored.reason.code !== 'not-back'; i++) {
      await sleep(2_000);
      restored = await fault.restore(target, project, signal);
    }
    if (!restored.ok) {
      reasons.push(restored.reason.code === 'not-back' ? restored.reason : { code: 'restore-failed', params: { host: label, detail: String(restored.reason.params.detail ?? restored.reason.code) } });
      this.o.log?.error('drill restore failed', { drillId: id, host: target.id, reason: restored.reason.code });
      return false;
    }
    const back = await runOn(this.o.pool, target, { argv: ['true'] }, 15_000);
    if (back.status === 'ok') await mark('node-back', target.id);
    const end = Date.now() + this.timing.rejoinTimeoutMs;
    let member = false;
    while (Date.now() < end) {
      if ((member = await (this.o.member ?? ((c, t) => isMember(this.o.pool, c, t)))(cl, target).catch(() => false))) break;
      await sleep(500);
    }
    if (!member) {
      reasons.push({ code: 'not-rejoined', params: { host: label } });
      return false;
    }
    await mark('rejoined', target.id);
    // The VIP settles after a rejoin (keepalived preempts back to the highest priority): give it the
    // same time as a failover before the re-verification counts holders.
    let verified = await this.reverifier.verify(dir, cl, target, signal);
    for (const retryEnd = Date.now() + 15_000; !verified.ok && Date.now() < retryEnd;) {
      await sleep(1_000);
      verified = await this.reverifier.verify(dir, cl, target, signal);
    }
    await mark('verified', target.id);
    if (!verified.ok) {
      reasons.push(verified.reason);
      return false;
    }
    return true;
  }

  /** `targetHeld`: the target held the VIP when the drill started (else no move is expected: a worker rebooted, a backup cut). */
  private async run(dir: string, h: DrillHeader, project: Project, cl: DrillCluster, target: Host, fault: FaultInjector, signal: AbortSignal, targetHeld: boolean): Promise<DrillRecord> {
    const t0 = Date.parse(h.startedAt);
    const timeline: DrillTimelineEntry[] = [];
    const probes: ProbeRecord[] = [];
    const reasons: DrillReason[] = [];
    let state: DrillState = 'running';
    let lastEmit = 0;
    const progress = (force = false) => {
      const now = Date.now();
      if (!force && now - lastEmit < 250) return;
      lastEmit = now;
      const last = probes.at(-1);
      this.o.emit('drill.progress', { dir, drillId: h.id, state, timeline: [...timeline], probesSent: probes.length, probesFailed: probes.filter((p) => !p.ok).length, lastProbeOk: last?.ok ?? true });
    };
    const mark = async (event: DrillEvent, hostId?: string, atMs = Math.max(0, Date.now() - t0)) => {
      const entry: DrillTimelineEntry = { atMs, event, ...(hostId ? { hostId } : {}) };
      timeline.push(entry);
      await appendLine(dir, h.id, { type: 'event', entry });
      this.o.onEvent?.(h.id, entry);
      progress(true);
    };
    const prober = new Prober({ vip: h.vip, tcpPort: h.tcpPort, t0, logPath: probeLogPath(dir, h.id), onProbe: (p) => { probes.push(p); progress(); } });
    await mark('started');
    prober.start();
    let injectedAt: number | null = null;
    let newHolder: Host | undefined;
    // A fenced failover's bound gets the fencing as it took (bound.ts withFencing), once read.
    let bound = h.bound;
    const survivors: DrillCluster = { ...cl, candidates: cl.candidates.filter((x) => x.id !== target.id) };
    try {
      // A second of probes before the fault: a VIP that does not answer before is not the drill's outage.
      await sleep(1_000, signal);
      if (!signal.aborted) {
        // The fault counts from when its command goes out (as the lab reference timed `systemctl stop`),
        // or from when it takes effect for a scheduled one (a reboot: leadMs later), and is journaled
        // before it goes: a backend that dies while it is on leaves a drill to recover.
        injectedAt = Date.now() + (fault.leadMs ?? 0);
        const faultMs = injectedAt - t0;
        await mark('fault-injected', target.id, faultMs);
        // Watched while the command runs: `pcs cluster stop` returns only once Pacemaker has moved the
        // resources away (a minute on a loaded machine), long after the VIP moved.
        let injectDone = false;
        const injecting = fault.inject(target, project, signal).then((r) => {
          injectDone = true;
          if (!r.ok) reasons.push(r.reason);
          return r;
        });
        const windowMs = Math.max(this.timing.minWindowMs, 3 * (h.bound?.boundMs ?? 0), h.rtoTargetMs + 5_000);
        let until = injectedAt + windowMs;
        let outageMarked = false;
        while (!signal.aborted && reasons.length === 0 && (Date.now() < until || !injectDone)) {
          // A slow command does not shorten the watch after it: the cluster reacts from then on too.
          if (!injectDone) until = Math.max(until, Date.now() + this.timing.stableMs + 1_000);
          const o = findOutage(probes, faultMs);
          if (!outageMarked && o.outageStartMs !== null) {
            outageMarked = true;
            await mark('outage-start', undefined, o.outageStartMs);
          }
          if (!newHolder && targetHeld) {
            // The survivors only: a cut or fenced target answers nothing, and waiting for its 3 s
            // timeout in every poll put "VIP moved" seconds after the service was back (fenced link cut: 5-10 s).
            const other = (await vipHolders(this.o.pool, survivors, 3_000)).holders[0];
            if (other) {
              newHolder = project.hosts.find((x) => x.id === other);
              await mark('vip-moved', other);
            }
          }
          const sinceFail = Date.now() - t0 - (probes.filter((p) => !p.ok && p.atMs >= faultMs).at(-1)?.atMs ?? faultMs);
          if (injectDone && newHolder && sinceFail >= this.timing.stableMs && probes.some((p) => p.atMs >= Date.now() - t0 - this.timing.stableMs)) break;
          // A reboot is watched from the restore on (waiting for the node's return) as soon as the VIP
          // has moved, or at once when the target did not hold it: its return is timed, not waited past.
          if (fault.kind === 'reboot' && injectDone && Date.now() >= injectedAt && (newHolder || !targetHeld)) break;
          await sleep(this.timing.pollMs, signal);
        }
        const injected = await injecting;
        // Measured on the target from its command's start: at most the SSH exchange's latency early,
        // so the RTO counted from it errs long, never short.
        if (injected.ok && injected.effectiveMs !== undefined && injected.effectiveMs > 0) await mark('fault-effective', target.id, faultMs + injected.effectiveMs);
      }
      if (injectedAt !== null && reasons.length === 0) {
        const faultMs = injectedAt - t0;
        const o = findOutage(probes, faultMs);
        // (a reboot's, once the target rejoined: below)
        if (o.serviceBackMs !== null && fault.kind !== 'reboot') await mark('service-back', undefined, o.serviceBackMs);
        if (newHolder) {
          const det = await detectedAt(this.o.pool, cl, newHolder, injectedAt - 1_000).catch(() => null);
          // The node's clock against the laptop's: a stamp before the fault is skew, clamped to it.
          if (det !== null) await mark('detected', newHolder.id, Math.min(Math.max(det - t0, faultMs), Date.now() - t0));
        }
        // Pacemaker with fencing on recovers a lost node's resources only once it is fenced: when, and
        // how long the fencing took, from the fencer's log on the survivors (the requester's clock).
        if (bound?.formula === 'corosync-fenced') {
          const fenced = await fencedAt(this.o.pool, survivors, target, injectedAt - 1_000).catch(() => null);
          if (fenced) {
            await mark('fenced', target.id, Math.min(Math.max(fenced.doneMs - t0, faultMs), Date.now() - t0));
            bound = withFencing(bound, fenced.doneMs - fenced.requestedMs);
          }
        }
      }
    } catch (e) {
      this.o.log?.error('drill failed', { drillId: h.id, error: e instanceof Error ? e.message : String(e) });
      reasons.push({ code: 'restore-failed', params: { detail: e instanceof Error ? e.message : String(e) } });
    }
    state = 'restoring';
    progress(true);
    // Always: a fault that failed half-way may still be half on.
    const restoredOk = await this.restoreAndVerify(dir, h.id, cl, target, fault, project, mark, reasons, new AbortController().signal)
      .catch((e: unknown) => { reasons.push({ code: 'restore-failed', params: { detail: e instanceof Error ? e.message : String(e) } }); return false; });
    // A reboot's outage was looked for until the target rejoined (figures.ts): its marks, once known.
    if (h.kind === 'reboot' && injectedAt !== null && !timeline.some((e) => e.event === 'service-back')) {
      const o = findOutage(probes, injectedAt - t0, outageUntil(timeline, h.kind));
      if (o.outageStartMs !== null && !timeline.some((e) => e.event === 'outage-start')) await mark('outage-start', undefined, o.outageStartMs);
      if (o.serviceBackMs !== null) await mark('service-back', undefined, o.serviceBackMs);
    }
    await prober.stop();
    timeline.sort((a, b) => a.atMs - b.atMs);
    const figures = computeFigures(timeline, probes, h.kind);
    if (injectedAt !== null && !signal.aborted) {
      if (figures.rtoMs === null) reasons.push({ code: 'vip-not-back', params: {} });
      else if (figures.rtoMs > h.rtoTargetMs) reasons.push({ code: 'rto-exceeded', params: { rtoMs: figures.rtoMs, targetMs: h.rtoTargetMs } });
      if (!newHolder && targetHeld) reasons.push({ code: 'no-holder', params: {} });
    }
    const ended: DrillState = signal.aborted ? 'aborted' : reasons.length === 0 && restoredOk ? 'passed' : 'failed';
    // The end's own progress event still says "restoring": the one with the final state goes out
    // only once the journal has its ended line, so a drill.list it prompts reads the final record.
    await mark('ended');
    state = ended;
    const sha = await probeLogSha256(dir, h.id);
    const record: DrillRecord = { ...h, bound, endedAt: new Date().toISOString(), state, timeline, figures, reasons, probeLogSha256: sha };
    await appendLine(dir, h.id, { type: 'ended', state, endedAt: record.endedAt!, figures, reasons, probeLogSha256: sha, ...(bound !== h.bound ? { bound } : {}) });
    progress(true);
    return record;
  }
}

export type { DrillBound };
