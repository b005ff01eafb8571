import type { Host } from '../../../contract/index.js';
import type { Action, ActionArg, Finding, Phase, StdinArg } from '../../runbook/step-module.js';
import { StepRefusal } from '../../runbook/refusal.js';
import { expectedNames } from '../network/names.js';
import type { ClusterProfile, ProfileContext } from './profile.js';
import { bmcSecretId } from '../../../contract/index.js';
import {
  BMC_SECRETS, FENCE_DEVICE, FENCE_DEVICE_REMOVE, CLUSTER_SETUP, DEFAULT_CLUSTER, HACLUSTER_PASSWORD, HACLUSTER_SECRET_CHECK, HACLUSTER_SECRET_FILE, HACLUSTER_SECRET_MAKE,
  BMC_FORGET, HACLUSTER_SECRET_READ, HOST_AUTH, MEMBERS, NODE_ADD, NODE_REMOVE, NODE_SEEN, PROPERTIES, QUORUM_WAIT, SERVICES_OFF, VIP, VIP_RESOURCE,
} from './pacemaker-scripts.js';
import { pacemakerVerify } from './pacemaker-verify.js';
import { PACKAGES, SERVICES } from './scripts.js';

/**
 * The Pacemaker/Corosync (HA) profile (issue 19). The masters form the cluster in the master
 * install; the workers join it in step 6, one at a time from the first master (`pcs cluster node
 * add` rewrites corosync.conf on every member, so two at once would race).
 *
 * Master install, after the base phases:
 * - prepare (first master): the hacluster password, a secret output made once and kept on the node;
 * - each master's own phase: pcsd running, Debian's default one-node cluster destroyed, the
 *   hacluster password set;
 * - `pcm-setup` (first master): `pcs host auth` of the masters, `pcs cluster setup` with their plan
 *   addresses; `pcm-start` (masters in parallel): corosync and pacemaker started and enabled;
 *   `pcm-cluster` (first master): quorum (bounded wait), cluster properties, the VIP resource.
 *
 * Fencing: when every host of the cluster has a BMC in the inventory, each gets a fence_ipmilan
 * stonith device (made on the first master: the masters' in the install, a worker's when it joins)
 * and `stonith-enabled=true`. The BMC passwords come from the secret store on stdin and are kept
 * on every member (BMC_SECRET_DIR, root only) for the agent's `password_script`, so they are in
 * no argv and not in the CIB. A host without a BMC leaves fencing off: `stonith-enabled=false` and
 * a blocking finding (`pacemaker.fencing-off`, naming the hosts without one) to fix or waive.
 */

const LONG_MS = 15 * 60_000;
const SHORT_MS = 60_000;
// pcs talks to every node's pcsd and waits for corosync: on the lab under load (2 cores, a load
// of 40) `pcs cluster node add` took 2 min and `pcs host auth` 25 s, so its limits are wide.
const PCS_MS = 10 * 60_000;
/** corosync + pacemaker need ~20 s to elect a DC on the lab (lab-reference timings); a loaded machine more. */
const QUORUM_WAIT_S = 180;
const SEEN_WAIT_S = 180;
const VIP_WAIT_S = 120;

export const PCM_PHASES = {
  setup: 'pcm-setup',
  start: 'pcm-start',
  cluster: 'pcm-cluster',
  joinSecret: 'pcm-join-secret',
  joinPrepare: 'pcm-join-prepare',
  joinAdd: 'pcm-join-add',
  leaveCluster: 'pcm-leave-cluster',
  leaveNode: 'pcm-leave-node',
} as const;

// pacemaker-cli-utils (crm_mon, crm_attribute, crm_resource) is only a Recommends of pacemaker.
export const PCM_PACKAGES = ['pacemaker', 'pacemaker-cli-utils', 'corosync', 'pcs', 'resource-agents'] as const;
const SECRET = 'hacluster-password';
// fence_ipmilan runs ipmitool, only a Recommends of fence-agents (the lab's run failed: "Ipmitool not found").
const FENCE_PACKAGES = ['fence-agents', 'ipmitool'];

const t = (k: string) => `install.pacemaker.actions.${k}`;
const ph = (k: string) => `install.pacemaker.phases.${k}`;
const ids = (hs: readonly Host[]) => hs.map((h) => h.id);
const sudoOf = (h: Host) => h.user !== 'root';

/** The node's name in the cluster: its planned hostname (Pacemaker names a node by `uname -n`). */
export function nodeName(host: Host, ctx: ProfileContext): string {
  return expectedNames(ctx.project).find((e) => e.hostId === host.id)?.name || host.name || host.address;
}

/** The address corosync uses for a node: its plan address (the network step's), else the inventory's. */
function nodeAddress(host: Host, ctx: ProfileContext): string {
  return expectedNames(ctx.project).find((e) => e.hostId === host.id)?.address ?? host.address;
}

export const ownsVip = (ctx: ProfileContext): boolean => ctx.vip !== '' && ctx.plan.pacemaker.vipOwner === 'pacemaker';

/** Hosts with a BMC in the inventory: fencing candidates (fence_ipmilan). */
const bmcHosts = (ctx: ProfileContext) => ctx.hosts.filter((h) => h.bmc);

/** Fencing is on when every host of the cluster can be fenced through its BMC. */
export const fencingOn = (ctx: ProfileContext): boolean => ctx.hosts.length > 0 && ctx.hosts.every((h) => h.bmc);

/** Every member keeps the BMC passwords of all fenced nodes (any member may run a fence device). */
function bmcSecrets(host: Host, ctx: ProfileContext, phase: string, extra: Partial<Action> = {}): Action[] {
  if (!fencingOn(ctx)) return [];
  const fenced = bmcHosts(ctx);
  return [checked('pcm-bmc-secrets', t('bmcSecrets'), phase, host, BMC_SECRETS, fenced.map((h) => nodeName(h, ctx)), extra, SHORT_MS,
    { lines: fenced.map((h) => ({ secret: bmcSecretId(h.id) })), probe: true })];
}

/** The stonith device of `target`, made on the first master. */
function fenceDevice(host: Host, target: Host, ctx: ProfileContext, phase: string, extra: Partial<Action> = {}): Action[] {
  if (!fencingOn(ctx) || !target.bmc) return [];
  const b = target.bmc;
  return [checked(`pcm-fence-${target.id}`, t('fenceDevice'), phase, host, FENCE_DEVICE, [nodeName(target, ctx), b.address, String(b.port), b.user], extra, PCS_MS)];
}

function packages(ctx: ProfileContext): string[] {
  return [...PCM_PACKAGES, ...(bmcHosts(ctx).length > 0 ? FENCE_PACKAGES : [])];
}

const secretRef = (ctx: ProfileContext) => ({ output: SECRET, host: ctx.firstMaster.id });
const pairs = (hs: readonly Host[], ctx: ProfileContext) => hs.flatMap((h) => [nodeName(h, ctx), nodeAddress(h, ctx)]);

/**
 * An action whose script takes check|apply. `stdin`: its secret inputs, one per line (never
 * arguments: visible in /proc/<pid>/cmdline); `probeStdin` whether the check needs them too.
 */
function checked(id: string, title: string, phase: string, host: Host, script: string, args: readonly ActionArg[], extra: Partial<Action> = {}, timeoutMs = SHORT_MS,
  stdin: { lines: readonly StdinArg[]; probe: boolean } = { lines: [], probe: false }): Action {
  const input = stdin.lines.length > 0 ? { stdin: stdin.lines } : {};
  return {
    id, title, phase, sudo: sudoOf(host), timeoutMs, destructive: false,
    command: { script, args: ['apply', ...args], ...input }, probe: { script, args: ['check', ...args], ...(stdin.probe ? input : {}) }, ...extra,
  };
}

/** The secret on the first master: made in the master install, read back (never made) in a join. */
function secretAction(ctx: ProfileContext, phase: string, make: boolean, extra: Partial<Action> = {}): Action {
  return {
    id: SECRET, title: t('secret'), phase, sudo: sudoOf(ctx.firstMaster), timeoutMs: SHORT_MS, destructive: false,
    command: { script: make ? HACLUSTER_SECRET_MAKE : HACLUSTER_SECRET_READ, args: [HACLUSTER_SECRET_FILE] },
    probe: { script: HACLUSTER_SECRET_CHECK, args: [HACLUSTER_SECRET_FILE] },
    output: { name: SECRET, secret: true, read: { script: HACLUSTER_SECRET_READ, args: [HACLUSTER_SECRET_FILE] } },
    ...extra,
  };
}

/** What makes a host ready to be a member: pcsd running, no default cluster, the hacluster password. */
function nodeConfiguration(host: Host, ctx: ProfileContext, phase: string, extra: Partial<Action> = {}): Action[] {
  return [
    checked('pcm-pcsd', t('pcsd'), phase, host, SERVICES, ['pcsd'], extra),
    checked('pcm-default-destroyed', t('defaultDestroyed'), phase, host, DEFAULT_CLUSTER, [ctx.plan.pacemaker.clusterName, nodeAddress(ctx.firstMaster, ctx)], extra, PCS_MS),
    checked('pcm-hacluster-password', t('password'), phase, host, HACLUSTER_PASSWORD, [], extra, SHORT_MS, { lines: [secretRef(ctx)], probe: true }),
  ];
}

/** The master install's actions for one host (the base phase `phase` is the host's own). */
function installActions(host: Host, ctx: ProfileContext): Action[] {
  if (host.role !== 'master') return [];
  const first = host.id === ctx.firstMaster.id;
  const own = first ? 'first-master' : 'masters';
  const a: Action[] = [];
  if (first) a.push(secretAction(ctx, 'prepare', true));
  a.push(...nodeConfiguration(host, ctx, own));
  if (fencingOn(ctx)) {
    // The profile's static package list is the same for every inventory: the fence agents come with fencing.
    a.push({ id: 'pcm-fence-agents', title: t('fenceAgents'), phase: own, sudo: sudoOf(host), timeoutMs: LONG_MS, destructive: false,
      command: { script: PACKAGES, args: ['apply', ...FENCE_PACKAGES] }, probe: { script: PACKAGES, args: ['check', ...FENCE_PACKAGES] } });
  }
  a.push(...bmcSecrets(host, ctx, own));
  const name = ctx.plan.pacemaker.clusterName;
  const firstAddr = nodeAddress(ctx.firstMaster, ctx);
  if (first) {
    a.push(checked('pcm-host-auth', t('hostAuth'), PCM_PHASES.setup, host, HOST_AUTH, pairs(ctx.masters, ctx), {}, PCS_MS, { lines: [secretRef(ctx)], probe: false }));
    a.push(checked('pcm-cluster-setup', t('clusterSetup'), PCM_PHASES.setup, host, CLUSTER_SETUP, [name, firstAddr, ...pairs(ctx.masters, ctx)], {}, PCS_MS));
  }
  // On each master itself (`pcs cluster start/enable --all` is these two units), so the probe is local.
  a.push(checked('pcm-start', t('start'), PCM_PHASES.start, host, SERVICES, ['corosync', 'pacemaker'], {}, PCS_MS));
  if (first) {
    a.push(checked('pcm-quorum', t('quorum'), PCM_PHASES.cluster, host, QUORUM_WAIT, [String(QUORUM_WAIT_S)], {}, (QUORUM_WAIT_S + 30) * 1000));
    a.push(checked('pcm-properties', t('properties'), PCM_PHASES.cluster, host, PROPERTIES,
      ['no-quorum-policy', ctx.plan.pacemaker.quorumPolicy, 'stonith-enabled', fencingOn(ctx) ? 'true' : 'false']));
    for (const m of ctx.masters) a.push(...fenceDevice(host, m, ctx, PCM_PHASES.cluster));
    if (ownsVip(ctx)) {
      a.push(checked('pcm-vip', t('vip'), PCM_PHASES.cluster, host, VIP, [VIP_RESOURCE, ctx.vip, String(VIP_WAIT_S), ...ctx.masters.map((m) => nodeName(m, ctx))], {}, (VIP_WAIT_S + 60) * 1000));
    }
  }
  return a;
}

/** Join: per worker, actions on the first master about it (`about`), one worker after the other. */
function joinActions(host: Host, ctx: ProfileContext): Action[] {
  const a: Action[] = [];
  if (host.role === 'master') a.push(...bmcSecrets(host, ctx, PCM_PHASES.joinSecret, { stage: 'configuration' }));
  if (host.id === ctx.firstMaster.id) {
    a.push(secretAction(ctx, PCM_PHASES.joinSecret, false, { stage: 'configuration' }));
    for (const w of ctx.workers) {
      const about = { about: w.id };
      a.push(checked(`pcm-auth-${w.id}`, t('hostAuth'), PCM_PHASES.joinAdd, host, HOST_AUTH, pairs([w], ctx), { ...about, stage: 'service' }, PCS_MS, { lines: [secretRef(ctx)], probe: false }));
      a.push(checked(`pcm-add-${w.id}`, t('nodeAdd'), PCM_PHASES.joinAdd, host, NODE_ADD, [nodeName(w, ctx), nodeAddress(w, ctx)], { ...about, stage: 'service' }, PCS_MS));
      a.push(...fenceDevice(host, w, ctx, PCM_PHASES.joinAdd, { ...about, stage: 'service' }));
      a.push(checked(`pcm-seen-${w.id}`, t('seen'), PCM_PHASES.joinAdd, host, NODE_SEEN, [nodeName(w, ctx), String(SEEN_WAIT_S)], { ...about, stage: 'seen' }, (SEEN_WAIT_S + 30) * 1000));
    }
    return a;
  }
  if (host.role === 'master') return a;
  const pkgs = packages(ctx);
  a.push({ id: 'pcm-packages', title: t('packages'), phase: PCM_PHASES.joinPrepare, stage: 'packages', sudo: sudoOf(host), timeoutMs: LONG_MS, destructive: false,
    command: { script: PACKAGES, args: ['apply', ...pkgs] }, probe: { script: PACKAGES, args: ['check', ...pkgs] } });
  a.push(...nodeConfiguration(host, ctx, PCM_PHASES.joinPrepare, { stage: 'configuration' }));
  a.push(...bmcSecrets(host, ctx, PCM_PHASES.joinPrepare, { stage: 'configuration' }));
  return a;
}

function leavePhases(ctx: ProfileContext, leaving: Host): Phase[] {
  if (leaving.id === ctx.firstMaster.id) {
    const host = leaving.name || leaving.address;
    throw new StepRefusal('leave-first-master', { host }, `${host} is the first master, which runs the cluster's side of every change: it cannot leave`);
  }
  return [
    { id: PCM_PHASES.leaveCluster, title: ph('leaveCluster'), hosts: [ctx.firstMaster.id], mode: 'serial' },
    { id: PCM_PHASES.leaveNode, title: ph('leaveNode'), hosts: [leaving.id], mode: 'serial' },
  ];
}

function leaveActions(host: Host, ctx: ProfileContext, leaving: Host): Action[] {
  if (host.id === ctx.firstMaster.id) {
    return [
      // Its stonith device first: a device for a node that is gone would keep failing its monitor.
      ...(leaving.bmc ? [checked(`pcm-unfence-${leaving.id}`, t('fenceDeviceRemove'), PCM_PHASES.leaveCluster, host, FENCE_DEVICE_REMOVE, [nodeName(leaving, ctx)], { about: leaving.id }, PCS_MS)] : []),
      checked(`pcm-remove-${leaving.id}`, t('nodeRemove'), PCM_PHASES.leaveCluster, host, NODE_REMOVE, [nodeName(leaving, ctx)], { about: leaving.id }, PCS_MS),
    ];
  }
  if (host.id === leaving.id) {
    return [
      checked('pcm-services-off', t('servicesOff'), PCM_PHASES.leaveNode, host, SERVICES_OFF, []),
      // The others' BMC passwords (fencing) have no business on a node that left.
      checked('pcm-bmc-forget', t('bmcForget'), PCM_PHASES.leaveNode, host, BMC_FORGET, []),
    ];
  }
  return [];
}

function findings(step: 'master-install' | 'worker-join', _results: unknown, ctx: ProfileContext): Finding[] {
  if (step !== 'master-install') return [];
  const cluster = ctx.plan.pacemaker.clusterName;
  if (fencingOn(ctx)) {
    return [{ severity: 'info', code: 'pacemaker.fencing-on', params: { cluster, devices: ctx.hosts.length },
      message: `Cluster ${cluster}: fencing is on (fence_ipmilan through each host's BMC, ${ctx.hosts.length} devices)`, remediation: '' }];
  }
  const without = ctx.hosts.filter((h) => !h.bmc).map((h) => h.name || h.address);
  return [{
    severity: 'blocking', code: 'pacemaker.fencing-off', params: { cluster, noBmcHosts: without.join(', ') },
    message: `Cluster ${cluster}: fencing is off (stonith-enabled=false): hosts without a BMC in the inventory: ${without.join(', ')}`,
    remediation: 'Add each host\'s BMC (address, user, password) in the inventory and run the install again, or waive this finding to accept a cluster without fencing.',
  }];
}

export const pacemakerProfile: ClusterProfile = {
  id: 'pacemaker',
  title: 'install.profiles.pacemaker',
  packages: { master: PCM_PACKAGES, worker: [] },
  // pcsd (pcs host auth, node add) and corosync's knet link 0.
  ports: {
    master: [{ port: 2224, protocol: 'tcp' }, { port: 5405, protocol: 'udp' }],
    worker: [{ port: 2224, protocol: 'tcp' }, { port: 5405, protocol: 'udp' }],
  },
  sysctl: {},
  phases: (ctx) => [
    { id: PCM_PHASES.setup, title: ph('setup'), hosts: [ctx.firstMaster.id], mode: 'serial' },
    { id: PCM_PHASES.start, title: ph('start'), hosts: ids(ctx.masters), mode: 'parallel' },
    { id: PCM_PHASES.cluster, title: ph('cluster'), hosts: [ctx.firstMaster.id], mode: 'serial' },
  ],
  actions: installActions,
  ownsVip,
  join: {
    phases: (ctx) => [
      // Every master: the BMC passwords of new nodes; the first master also reads the hacluster secret back.
      { id: PCM_PHASES.joinSecret, title: ph('joinSecret'), hosts: fencingOn(ctx) ? ids(ctx.masters) : [ctx.firstMaster.id], mode: fencingOn(ctx) ? 'parallel' : 'serial' },
      { id: PCM_PHASES.joinPrepare, title: ph('joinPrepare'), hosts: ids(ctx.workers), mode: 'parallel' },
      { id: PCM_PHASES.joinAdd, title: ph('joinAdd'), hosts: [ctx.firstMaster.id], mode: 'serial' },
    ],
    actions: joinActions,
  },
  leave: { phases: leavePhases, actions: leaveActions },
  asBuilt: {
    units: () => ['pacemaker', 'corosync', 'pcsd'],
    packages: (_h, ctx) => packages(ctx),
    members: { script: MEMBERS },
  },
  verify: pacemakerVerify(nodeName, ownsVip),
  findings: (step, results, ctx) => findings(step, results, ctx),
};
