import type { DrillBound, DrillKind, DrillReason, Host, Project } from '../../contract/index.js';
import type { SshPool } from '../ssh/pool.js';
import type { RemoteCommand } from '../ssh/quote.js';
import { installContext } from '../steps/master/step.js';
import { nodeName } from '../steps/master/pacemaker.js';
import { corosyncBound, parseCmapValue, parseKeepalivedConf, vrrpBound } from './bound.js';
import { parseFenceLog, type FenceLog } from './fence-log.js';

/**
 * What the drill reads off the cluster over SSH: who holds the VIP, the cluster's timers for the
 * bound, whether the target is a member again, when the new holder noticed. Read-only; every
 * command is a fixed script with positional arguments (ssh/quote.ts).
 */
export type VipOwner = 'keepalived' | 'pacemaker';

export interface DrillCluster {
  project: Project;
  profile: string;
  vip: string;
  owner: VipOwner;
  /** Hosts that may hold the VIP: keepalived's candidates, or every Pacemaker node. */
  candidates: Host[];
  tcpPort: number;
  /** Pacemaker node names by host id (the drill words nothing by them; the rejoin check needs them). */
  nodeNames: Map<string, string>;
}

/** The TCP port probed on a Pacemaker VIP: sshd, which every node runs (the lab reference probed it too); the profile fronts no service on its VIP. */
export const PACEMAKER_PROBE_PORT = 22;

export function drillCluster(project: Project): DrillCluster | { reason: DrillReason } {
  let ctx: ReturnType<typeof installContext>;
  try {
    ctx = installContext(project);
  } catch {
    return { reason: { code: 'no-vip', params: {} } };
  }
  if (!ctx.vip) return { reason: { code: 'no-vip', params: {} } };
  const owner: VipOwner = ctx.profile.ownsVip?.(ctx) ? 'pacemaker' : 'keepalived';
  const candidates = owner === 'pacemaker' ? [...ctx.masters, ...(ctx.plan.profile === 'pacemaker' ? ctx.workers : [])] : [...ctx.vipCandidates];
  const tcpPort = owner === 'pacemaker' ? PACEMAKER_PROBE_PORT : (ctx.profile.service?.frontendPort ?? PACEMAKER_PROBE_PORT);
  const nodeNames = new Map(owner === 'pacemaker' ? ctx.hosts.map((h) => [h.id, nodeName(h, ctx)] as const) : []);
  return { project, profile: ctx.profile.id, vip: ctx.vip, owner, candidates, tcpPort, nodeNames };
}

export async function runOn(pool: SshPool, host: Host, cmd: RemoteCommand, timeoutMs = 10_000, signal?: AbortSignal) {
  return pool.forHost(host).run(cmd, { sudo: host.user !== 'root', timeoutMs, ...(signal ? { signal } : {}) });
}

const HOLDS_VIP = `ip -o -4 addr show | grep -qF " $1/" && echo holds || echo not`;

/** Which candidates hold the VIP now, and which could not be asked. */
export async function vipHolders(pool: SshPool, cl: DrillCluster, timeoutMs = 5_000): Promise<{ holders: string[]; unreachable: string[] }> {
  const rs = await Promise.all(cl.candidates.map(async (h) => ({ h, r: await runOn(pool, h, { script: HOLDS_VIP, args: [cl.vip] }, timeoutMs) })));
  return {
    holders: rs.filter(({ r }) => r.status === 'ok' && r.stdout.trim() === 'holds').map(({ h }) => h.id),
    unreachable: rs.filter(({ r }) => r.status !== 'ok').map(({ h }) => h.id),
  };
}

const KEEPALIVED_CONF = `cat /etc/keepalived/keepalived.conf`;
const FENCING = `crm_attribute -t crm_config -n stonith-enabled -G -q 2>/dev/null || echo true`;
const CMAP = `corosync-cmapctl -g runtime.config.totem.token; corosync-cmapctl -g runtime.config.totem.consensus
echo "stonith-enabled = $(${FENCING})"`;

/** The survivors' timers a bound is computed from (readTimers), with `target` failing. */
export type BoundTimers = { owner: 'keepalived'; advertIntMs: number; priority: number } | { owner: 'pacemaker'; tokenMs: number; consensusMs: number; fencing: boolean };

/** The timers the survivors actually run with, when `targetId` fails (null: none could be read). One read serves every kind (boundOf). */
export async function readTimers(pool: SshPool, cl: DrillCluster, targetId: string): Promise<BoundTimers | null> {
  const others = cl.candidates.filter((h) => h.id !== targetId);
  if (others.length === 0) return null;
  if (cl.owner === 'keepalived') {
    const confs = await Promise.all(others.map((h) => runOn(pool, h, { script: KEEPALIVED_CONF })));
    const parsed = confs.filter((r) => r.status === 'ok').map((r) => parseKeepalivedConf(r.stdout));
    if (parsed.length === 0) return null;
    // The backup with the highest priority takes over; its advert_int is the cluster's (VRRP needs them equal).
    const next = parsed.reduce((a, b) => (b.priority > a.priority ? b : a));
    return { owner: 'keepalived', ...next };
  }
  const r = await runOn(pool, others[0]!, { script: CMAP });
  const tokenMs = parseCmapValue(r.stdout, 'runtime.config.totem.token');
  const consensusMs = parseCmapValue(r.stdout, 'runtime.config.totem.consensus');
  return tokenMs === null || consensusMs === null ? null : { owner: 'pacemaker', tokenMs, consensusMs, fencing: stonithOn(/^stonith-enabled = (.*)$/m.exec(r.stdout)?.[1] ?? '') };
}

export function boundOf(kind: DrillKind, t: BoundTimers | null): DrillBound | null {
  if (!t) return null;
  return t.owner === 'keepalived' ? vrrpBound(kind, t.advertIntMs, t.priority) : corosyncBound(kind, t.tokenMs, t.consensusMs, t.fencing);
}

/** The bound for `kind` with `target` failing, from the timers the survivors actually run with. */
export async function readBound(pool: SshPool, cl: DrillCluster, kind: DrillKind, targetId: string): Promise<DrillBound | null> {
  return boundOf(kind, await readTimers(pool, cl, targetId));
}

const KEEPALIVED_BACK = `systemctl is-active --quiet keepalived && echo back || echo down`;
const PCM_ONLINE = `crm_mon -1 --output-as=xml 2>/dev/null | grep -q "<node name=\\"$1\\" [^>]*online=\\"true\\"" && echo back || echo down`;

const BOOTED = `s=$(systemctl is-system-running 2>/dev/null); case $s in running|degraded) echo back ;; *) echo down ;; esac`;

/**
 * The target is a member again: keepalived running on it, or Pacemaker showing it online — as the
 * other nodes see it (a node cut off still shows itself online in its own crm_mon; the first
 * survivor that answers is asked). A host that is neither (a worker of a keepalived cluster,
 * rebooted) is back once its boot has finished (`systemctl is-system-running`: running, or degraded
 * — a failed unit is the verification's to report).
 */
export async function isMember(pool: SshPool, cl: DrillCluster, target: Host): Promise<boolean> {
  const candidate = cl.candidates.some((h) => h.id === target.id);
  if (candidate && cl.owner === 'pacemaker') {
    const cmd: RemoteCommand = { script: PCM_ONLINE, args: [cl.nodeNames.get(target.id) ?? target.name] };
    for (const other of cl.candidates.filter((h) => h.id !== target.id)) {
      const r = await runOn(pool, other, cmd, 10_000);
      if (r.status === 'ok') return r.stdout.trim() === 'back';
    }
    return false;
  }
  const r = await runOn(pool, target, candidate ? { script: KEEPALIVED_BACK } : { script: BOOTED }, 10_000);
  return r.status === 'ok' && r.stdout.trim() === 'back';
}

/** crm_attribute's stonith-enabled value: on unless false/no/0/off (absent: Pacemaker's default, on). */
export function stonithOn(value: string): boolean {
  return !/^(false|no|0|off)$/i.test(value.trim());
}

/** Pacemaker: stonith-enabled as the cluster has it (absent means Pacemaker's default, on). */
export async function fencingOn(pool: SshPool, cl: DrillCluster): Promise<boolean | null> {
  if (cl.owner !== 'pacemaker' || cl.candidates.length === 0) return null;
  const r = await runOn(pool, cl.candidates[0]!, { script: FENCING });
  if (r.status !== 'ok') return null;
  return stonithOn(r.stdout.trim().split('\n')[0] ?? '');
}

/**
 * When the new holder noticed, from its own journal (wall clock, ms): keepalived's transition to
 * MASTER, or corosync's lost token / new membership. The node's clock is chrony-synced to the
 * cluster's; the laptop's is not necessarily, so the caller clamps what it gets to the drill.
 */
const DETECTED = `since=$1 unit=$2 pattern=$3
journalctl -u "$unit" --since "@$since" -o short-unix --no-pager -q 2>/dev/null | grep -m1 -E "$pattern" | cut -d' ' -f1`;

export async function detectedAt(pool: SshPool, cl: DrillCluster, holder: Host, sinceMs: number): Promise<number | null> {
  const [unit, pattern] = cl.owner === 'keepalived'
    ? ['keepalived', 'Entering MASTER STATE|Transition to MASTER STATE']
    : ['corosync', 'Token has not been received|A new membership'];
  const r = await runOn(pool, holder, { script: DETECTED, args: [String(Math.floor(sinceMs / 1000)), unit, pattern] });
  const t = Number(r.stdout.trim());
  return r.status === 'ok' && Number.isFinite(t) && t > 0 ? Math.round(t * 1000) : null;
}

/**
 * Pacemaker's fencing of `target`, from the fencer's log (pacemaker-fenced in the pacemaker unit's
 * journal) on `survivors` (the cluster without the target): the node that requested it (the DC) logs
 * the request and the outcome, so its two stamps give the fencing's duration on one clock. Null: no
 * survivor logged a completed fencing of the target since `sinceMs` (fencing off, not needed, or not
 * finished).
 */
const FENCE_LOG = `since=$1
journalctl -u pacemaker --since "@$since" -o short-unix --no-pager -q 2>/dev/null | grep -E "pacemaker-fenced.*(Requesting peer fencing|Operation '[a-z]+' targeting)" | tail -n 50`;

export async function fencedAt(pool: SshPool, survivors: DrillCluster, target: Host, sinceMs: number): Promise<(FenceLog & { requestedMs: number }) | null> {
  const name = survivors.nodeNames.get(target.id) ?? target.name;
  const logs = await Promise.all(survivors.candidates.map((h) => runOn(pool, h, { script: FENCE_LOG, args: [String(Math.floor(sinceMs / 1000))] }, 10_000)));
  // The requester's log has both stamps; any other survivor only the outcome.
  const requested = (f: FenceLog | null): f is FenceLog & { requestedMs: number } => f !== null && f.requestedMs !== null;
  return logs.filter((r) => r.status === 'ok').map((r) => parseFenceLog(r.stdout, name)).find(requested) ?? null;
}
