import { verifyPlanSchema, type Host, type PortRule, type Project, type VerifyPlan } from '../../../contract/index.js';
import { FW_TABLE } from '../master/firewall.js';
import { installContext, portsFor, vrrpHosts } from '../master/step.js';
import { plannedHosts } from '../storage/step.js';

/**
 * What step 7 holds the built cluster to, derived from the same plan the master install (and the
 * profile, and the storage step) built it from: which units run where, where the VIP lives and
 * on which port it answers, which ports each node opens, which time source each node follows.
 * Pure, so the checks are unit-tested without a host.
 */

export type InstallCtx = ReturnType<typeof installContext>;
export interface VerifyCtx extends InstallCtx {
  verify: VerifyPlan;
}

export function verifyContext(project: Project): VerifyCtx {
  return { ...installContext(project), verify: verifyPlanSchema.parse(project.verify ?? {}) };
}

export const isFirst = (h: Host, ctx: InstallCtx) => h.id === ctx.firstMaster.id;
const isVrrp = (h: Host, ctx: InstallCtx) => vrrpHosts(ctx).some((c) => c.id === h.id);
export const label = (h: Host) => h.name || h.address;

export interface ExpectedUnit {
  unit: string;
  /**
   * `active`: running now. `enabled`: nftables, a oneshot unit that loads /etc/nftables.conf at boot
   * (the install loads the rules itself, so the unit stays inactive); the loaded rules are the
   * firewall check's.
   */
  want: 'active' | 'enabled';
}

/** The units a host must run: the base platform's by role, then the profile's (its as-built units). */
export function expectedUnits(host: Host, ctx: InstallCtx): ExpectedUnit[] {
  const active = ['chrony', 'prometheus-node-exporter'];
  if (isFirst(host, ctx)) active.push('prometheus');
  if (isVrrp(host, ctx)) active.push('keepalived', ...(ctx.profile.service ? ['haproxy'] : []));
  active.push(...(ctx.profile.asBuilt?.units(host, ctx) ?? []));
  const out: ExpectedUnit[] = [...new Set(active)].map((unit) => ({ unit, want: 'active' }));
  if (ctx.plan.firewall.enabled) out.push({ unit: 'nftables', want: 'enabled' });
  return out;
}

/**
 * The TCP port the VIP is checked on: haproxy's frontend when keepalived and haproxy carry it,
 * else SSH (every node's sshd listens on all addresses, so the VIP's holder answers there too).
 */
export function vipPort(ctx: InstallCtx): number {
  if (vrrpHosts(ctx).length > 0 && ctx.profile.service) return ctx.profile.service.frontendPort;
  return ctx.firstMaster.port;
}

/** The TCP ports a host's firewall lets in (besides SSH), as planned. */
export function tcpPortsOf(host: Host, ctx: InstallCtx): number[] {
  return [...new Set(portsFor(host, ctx).filter((p: PortRule) => p.protocol === 'tcp').map((p) => p.port))].sort((a, b) => a - b);
}

/**
 * The firewall script's peer arguments for `from`: every other node with its planned TCP ports
 * (`<address> <port>…`). Bounded: the probes run in parallel on the node, 3 s each at worst.
 */
export function firewallPeers(from: Host, ctx: InstallCtx): string[] {
  return ctx.hosts.filter((h) => h.id !== from.id).map((h) => [h.address, ...tcpPortsOf(h, ctx)].join(' '));
}

/**
 * A TCP port the plan opens on no host, probed from the laptop on every node: the firewall must
 * drop it (no answer), as it drops whatever the plan does not name.
 */
export function unplannedPort(ctx: InstallCtx): number {
  const used = new Set([22, ...ctx.hosts.map((h) => h.port), ...ctx.hosts.flatMap((h) => tcpPortsOf(h, ctx))]);
  let p = 9999;
  while (used.has(p)) p++;
  return p;
}

/**
 * The time sources a node should follow (its chrony.conf, master/step.ts chronyFor): addresses of
 * cluster nodes, and whether upstream time servers count (masters with `timeServers`). The first
 * master with no time servers serves its own clock (`local stratum 8`).
 */
export function timeSourcesOf(host: Host, ctx: InstallCtx): { nodes: Host[]; upstream: boolean; local: boolean } {
  if (host.role === 'master') {
    const upstream = ctx.plan.timeServers.length > 0;
    if (isFirst(host, ctx)) return { nodes: [], upstream, local: !upstream };
    return { nodes: [ctx.firstMaster], upstream, local: false };
  }
  return { nodes: [...ctx.masters], upstream: false, local: false };
}

export const FIREWALL_TABLE = FW_TABLE;

/** Hosts with a storage array planned (step 4), with what to read back. */
export const storageHosts = plannedHosts;
