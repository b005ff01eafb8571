import { causeChain, JOIN_STAGES, type ActionRun, type FindingView, type HostRun, type JoinStage, type PlanView } from '../../../../electron/contract/index.js';

/**
 * Step 6's per-host timelines, built from the dry run (which action is about which joining host,
 * in which stage: `PlannedAction.about` / `.stage`) and the live run (each action's status on the
 * host it runs on). An action running on the first master about worker W is W's: its state counts
 * in W's timeline, and retrying it means retrying the first master's run (`retryHostId`).
 */

export type StageState = 'pending' | 'running' | 'done' | 'failed' | 'waiting';

/**
 * Why a stage waits for the technician, from what the runner exposes: a host whose run lock
 * another laptop holds (`lock-held`), a host stopped because its key changed or is unknown
 * (`run-host-key-stopped`, or a connect failure caused by `conn-hostkey-*`), or because it needs
 * credentials (a password, a passphrase, sudo).
 */
export type WaitReason = 'lock' | 'hostkey' | 'credentials';

export interface StageView {
  stage: JoinStage;
  state: StageState;
  /** Actions of the stage (on any host), finished ones counted. */
  done: number;
  total: number;
  /** Time of the finished actions plus, while running, the running one's so far. */
  elapsedMs: number;
  waitReason?: WaitReason;
}

export interface FailureView {
  stage: JoinStage;
  /** The host whose run holds the failed action: what "Retry this host" retries. */
  retryHostId: string;
  actionId: string;
  title: string;
  exitCode?: number | null;
}

export interface HostTimeline {
  hostId: string;
  name: string;
  stages: StageView[];
  /** The first failed action in stage order, when one failed. */
  failure?: FailureView;
  /** The host's `join.failed` / `join.member` finding, when the run has one. */
  finding?: FindingView;
  /** Every stage done. */
  joined: boolean;
  waitReason?: WaitReason;
  /** Where a waiting host's run stopped: retried or resumed there once the technician acted. */
  waitHostId?: string;
  /**
   * A host that does not join but works for the joins (the first master reading a secret): a
   * member since step 5. Not a joining host: no "seen by the cluster" stage is about it.
   */
  clusterSide: boolean;
}

const FINISHED = new Set<ActionRun['status']>(['done', 'already-done', 'skipped']);
const STOPPED = new Set<ActionRun['status']>(['failed', 'interrupted', 'cancelled']);
const HOSTKEY_CAUSES = new Set(['conn-hostkey-unknown', 'conn-hostkey-changed', 'conn-hostkey-marked', 'run-host-key-stopped']);
const CREDENTIAL_CAUSES = new Set([
  'conn-no-password', 'conn-auth-failed', 'conn-no-agent', 'conn-key-needs-passphrase', 'conn-key-wrong-passphrase', 'conn-key-unreadable',
  'exec-sudo-required', 'exec-sudo-wrong',
]);

/** Whether a stopped host's run waits for the technician, and why (undefined: it does not). */
export function waitReasonOf(h: Pick<HostRun, 'status' | 'reason' | 'params' | 'lockHolder'>): WaitReason | undefined {
  if (h.status === 'lock-held' || h.lockHolder) return 'lock';
  if (h.status === 'running' || h.status === 'done' || h.status === 'locking') return undefined;
  const chain = [h.reason ?? '', ...causeChain(h.params?.cause)];
  if (chain.some((c) => HOSTKEY_CAUSES.has(c))) return 'hostkey';
  if (chain.some((c) => CREDENTIAL_CAUSES.has(c))) return 'credentials';
  return undefined;
}

/** Running actions' start times, as this window first saw them running (the run view has none). */
export type RunningSince = (runsOn: string, actionId: string) => number | undefined;

export function joinTimelines(
  plan: Pick<PlanView, 'hosts'> | undefined,
  run: { hosts: readonly HostRun[]; findings: readonly FindingView[] } | undefined,
  opts: { now?: number; runningSince?: RunningSince } = {},
): HostTimeline[] {
  if (!plan) return [];
  const runs = new Map((run?.hosts ?? []).map((h) => [h.hostId, h]));
  const names = new Map(plan.hosts.map((h) => [h.hostId, h.name || h.address]));
  type Item = { runsOn: string; actionId: string; title: string; stage: JoinStage; r: ActionRun | undefined };
  const byAbout = new Map<string, Item[]>();
  for (const hp of plan.hosts) {
    for (const a of hp.actions) {
      if (!a.stage || !(JOIN_STAGES as readonly string[]).includes(a.stage)) continue;
      const about = a.about ?? hp.hostId;
      const r = runs.get(hp.hostId)?.actions.find((x) => x.actionId === a.id);
      const list = byAbout.get(about) ?? [];
      list.push({ runsOn: hp.hostId, actionId: a.id, title: a.title, stage: a.stage as JoinStage, r });
      byAbout.set(about, list);
    }
  }
  // The joining hosts: those a "seen by the cluster" stage is about (every profile checks each joiner).
  const joining = new Set([...byAbout].filter(([, items]) => items.some((i) => i.stage === 'seen')).map(([id]) => id));
  const now = opts.now ?? Date.now();
  // Timelines in inventory order, for every host some stage is about.
  return plan.hosts
    .filter((hp) => byAbout.has(hp.hostId))
    .map((hp) => {
      const items = byAbout.get(hp.hostId)!;
      let waitReason: WaitReason | undefined;
      let waitHostId: string | undefined;
      const stages: StageView[] = JOIN_STAGES.filter((s) => items.some((i) => i.stage === s)).map((stage) => {
        const mine = items.filter((i) => i.stage === stage);
        const done = mine.filter((i) => i.r && FINISHED.has(i.r.status)).length;
        let elapsedMs = 0;
        for (const i of mine) {
          if (i.r?.durationMs !== undefined && i.r.status !== 'running') elapsedMs += i.r.durationMs;
          if (i.r?.status === 'running') {
            const since = opts.runningSince?.(i.runsOn, i.actionId);
            if (since !== undefined) elapsedMs += Math.max(0, now - since);
          }
        }
        let state: StageState;
        let why: WaitReason | undefined;
        if (mine.some((i) => i.r && STOPPED.has(i.r.status))) state = 'failed';
        else if (done === mine.length) state = 'done';
        else if (mine.some((i) => i.r?.status === 'running')) state = 'running';
        else {
          // Unfinished actions on a host whose run waits for the technician: this stage waits too.
          const blocked = mine.find((i) => !(i.r && FINISHED.has(i.r.status)) && runs.get(i.runsOn) && waitReasonOf(runs.get(i.runsOn)!));
          why = blocked ? waitReasonOf(runs.get(blocked.runsOn)!) : undefined;
          if (blocked && !waitReason) {
            waitReason = why;
            waitHostId = blocked.runsOn;
          }
          state = why ? 'waiting' : done > 0 ? 'running' : 'pending';
        }
        return { stage, state, done, total: mine.length, elapsedMs, ...(why ? { waitReason: why } : {}) };
      });
      const failedItem = JOIN_STAGES.flatMap((s) => items.filter((i) => i.stage === s && i.r && STOPPED.has(i.r.status)))[0];
      const finding = run?.findings.find((f) => f.hostId === hp.hostId && (f.code === 'join.failed' || f.code === 'join.member' || f.code === 'join.cluster-side-failed'));
      return {
        hostId: hp.hostId,
        name: names.get(hp.hostId) ?? hp.hostId,
        stages,
        ...(failedItem
          ? { failure: { stage: failedItem.stage, retryHostId: failedItem.runsOn, actionId: failedItem.actionId, title: failedItem.title, ...(failedItem.r?.exitCode !== undefined ? { exitCode: failedItem.r.exitCode } : {}) } }
          : {}),
        ...(finding ? { finding } : {}),
        joined: stages.length > 0 && stages.every((s) => s.state === 'done'),
        ...(waitReason ? { waitReason, waitHostId: waitHostId! } : {}),
        clusterSide: !joining.has(hp.hostId),
      };
    })
    // The cluster side first: it runs before any worker is added.
    .sort((a, b) => Number(b.clusterSide) - Number(a.clusterSide));
}

export type HostState = 'joined' | 'prepared' | 'failed' | 'waiting' | 'running' | 'stopped' | 'pending';

/**
 * A timeline's state as its card's badge: `stopped` is a host part-way through whose run has
 * ended without a failure of its own (another host's failure stopped the phases): Resume or the
 * failed host's retry continues it.
 */
export function hostState(h: Pick<HostTimeline, 'joined' | 'failure' | 'waitReason' | 'stages'> & { clusterSide?: boolean }, runActive: boolean): HostState {
  if (h.joined) return h.clusterSide ? 'prepared' : 'joined';
  if (h.failure) return 'failed';
  if (h.waitReason) return 'waiting';
  if (!h.stages.some((s) => s.state !== 'pending')) return 'pending';
  return runActive ? 'running' : 'stopped';
}

/** "1 min 05 s" style durations are locale words; this gives the numbers. */
export function splitDuration(ms: number): { min: number; s: number } {
  const total = Math.floor(ms / 1000);
  return { min: Math.floor(total / 60), s: total % 60 };
}
