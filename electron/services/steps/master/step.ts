import {
  installPlanSchema, MASTER_INSTALL_STEP, validateInstallPlan, vipCandidates,
  type Host, type InstallIssue, type PackageSource, type PortRule, type Project,
} from '../../../contract/index.js';
import type { Action, ActionResult, Finding, Phase, StepModule, StepResults } from '../../runbook/step-module.js';
import { StepRefusal } from '../../runbook/refusal.js';
import { expectedNames, planOf } from '../network/names.js';
import { firewallRules, FW_TABLE, keepsSsh } from './firewall.js';
import { isKit, KIT_SOURCE_ACTION, kitMismatchFinding, kitSession, phaseIds, withKitSource } from './kit-source.js';
import { profileById, profileIds, type ClusterProfile, type ProfileContext } from './profile.js';
import {
  ADMIN_KEY, ADMIN_KEY_CHECK, ADMIN_KEY_MAKE, ADMIN_KEY_READ, CHRONY_NO_POOL, FIREWALL_APPLY, FIREWALL_CHECK, FIREWALL_CONFIRM,
  AS_BUILT, FW_DIR, HOST_KEY_CHECK, HOST_KEY_LINE, KEEPALIVED, KEY_MESH, MANAGED_FILE, PACKAGES, SERVICES, VRRP_SECRET_CHECK,
  VRRP_SECRET_FILE, VRRP_SECRET_MAKE, VRRP_SECRET_READ,
} from './scripts.js';

/**
 * The master install's base platform (wizard step 5, issue 18). Four phases:
 *
 * 1. `prepare`, every host in parallel: package source, packages, sysctl, node-exporter, the
 *    node's own admin key (its public half an output) and its host key line (an output); on the
 *    first master also the VRRP secret (a secret output, made and kept there);
 * 2. `first-master`: the key mesh, chrony (serving), Prometheus, keepalived + haproxy when a VIP
 *    candidate, the firewall;
 * 3. `masters`, the other masters one at a time; 4. `workers` in parallel: the same minus
 *    Prometheus and the secret; workers follow the masters' time.
 *
 * The profile (profile.ts) adds packages, ports, sysctl, the service haproxy fronts and its own
 * phases and actions. Every action changing something has a probe, so a second run is all
 * "already done" and writes no file.
 */

export const PHASES = { prepare: 'prepare', firstMaster: 'first-master', masters: 'masters', workers: 'workers' } as const;

export const BASE_PACKAGES = ['chrony', 'nftables', 'prometheus-node-exporter'] as const;
export const BASE_SYSCTL: Readonly<Record<string, string>> = {
  // keepalived and services bound to the VIP on a host that does not hold it yet.
  'net.ipv4.ip_nonlocal_bind': '1',
};
const PORT = { nodeExporter: 9100, prometheus: 9090, ntp: 123 } as const;

const LONG_MS = 15 * 60_000;
const SHORT_MS = 60_000;

export const SOURCES_FILE = '/etc/apt/sources.list.d/rackside.list';
export const SYSCTL_FILE = '/etc/sysctl.d/90-rackside.conf';
export const CHRONY_FILE = '/etc/chrony/conf.d/rackside.conf';
export const PROMETHEUS_FILE = '/etc/prometheus/prometheus.yml';
export const HAPROXY_FILE = '/etc/haproxy/haproxy.cfg';

/** The apt source line of the plan's package source. */
export function sourcesList(src: PackageSource): string {
  // The kit is not a line of this file: kit-source.ts writes its own source, on the host's loopback.
  if (src.kind === 'kit') throw new Error('the site kit has its own apt source (kit-source.ts)');
  const line = src.kind === 'lab'
    // The lab nodes resolve rackside-lab-host to the lab's repository host (scripts/lab).
    ? 'deb [trusted=yes] http://rackside-lab-host:8080 ./'
    : `deb ${src.url} ${src.suite} ${src.components.join(' ')}`;
  return `# Managed by Rackside (master install): the cluster's package source.\n${line}\n`;
}

/** A plan that is no longer valid (a VIP candidate removed from the inventory…): every step built on it is refused, its rows coded as step 5 shows them. */
export class InstallPlanInvalid extends StepRefusal {
  constructor(readonly installIssues: InstallIssue[]) {
    super('plan-install-invalid', { count: installIssues.length }, `The install plan is not valid: ${installIssues.map((i) => `${i.field}: ${i.message}`).join('; ')}`,
      installIssues.map((i) => ({ row: 0, field: i.field, message: i.message, code: `install.issue.${i.code}`, ...(i.params ? { params: i.params } : {}) })));
  }
}

/** The install plan read and checked, and the hosts by role. Throws InstallPlanInvalid on an error (warnings pass). */
export function installContext(project: Project): ProfileContext & { profile: ClusterProfile; warnings: InstallIssue[] } {
  const plan = installPlanSchema.parse(project.install ?? {});
  const vip = planOf(project).vip;
  const issues = validateInstallPlan(project.install ?? {}, project.hosts, vip, profileIds());
  const errors = issues.filter((i) => i.severity === 'error');
  if (errors.length > 0) throw new InstallPlanInvalid(errors);
  const profile = profileById(plan.profile)!;
  const masters = project.hosts.filter((h) => h.role === 'master');
  const workers = project.hosts.filter((h) => h.role !== 'master');
  const byId = new Map(project.hosts.map((h) => [h.id, h]));
  const candidates = vip ? vipCandidates(plan, project.hosts).map((id) => byId.get(id)!) : [];
  return {
    project, plan, hosts: project.hosts, firstMaster: masters[0]!, masters, workers, vipCandidates: candidates, vip, profile,
    warnings: issues.filter((i) => i.severity === 'warning'),
  };
}

type Ctx = ReturnType<typeof installContext>;

/** The phase a host's own configuration runs in. */
function rolePhase(host: Host, ctx: Ctx): string {
  if (host.id === ctx.firstMaster.id) return PHASES.firstMaster;
  return host.role === 'master' ? PHASES.masters : PHASES.workers;
}

export function installPhases(ctx: Ctx): Phase[] {
  const ids = (hs: readonly Host[]) => hs.map((h) => h.id);
  const base: Phase[] = [
    { id: PHASES.prepare, title: 'install.phases.prepare', hosts: ids(ctx.hosts), mode: 'parallel' },
    { id: PHASES.firstMaster, title: 'install.phases.firstMaster', hosts: [ctx.firstMaster.id], mode: 'serial' },
    { id: PHASES.masters, title: 'install.phases.masters', hosts: ids(ctx.masters.slice(1)), mode: 'serial' },
    { id: PHASES.workers, title: 'install.phases.workers', hosts: ids(ctx.workers), mode: 'parallel' },
  ];
  return [...base, ...(ctx.profile.phases?.(ctx) ?? [])];
}

/** The hosts keepalived runs on: the VIP candidates, none when the profile holds the VIP itself (Pacemaker's IPaddr2). */
export const vrrpHosts = (ctx: Ctx): readonly Host[] => (ctx.profile.ownsVip?.(ctx) ? [] : ctx.vipCandidates);
const isCandidate = (host: Host, ctx: Ctx) => vrrpHosts(ctx).some((c) => c.id === host.id);

/** The packages a host gets: base, Prometheus on the first master, keepalived/haproxy on VIP candidates, the profile's. */
export function packagesFor(host: Host, ctx: Ctx): string[] {
  const out: string[] = [...BASE_PACKAGES];
  if (host.id === ctx.firstMaster.id) out.push('prometheus');
  if (isCandidate(host, ctx)) out.push('keepalived', ...(ctx.profile.service ? ['haproxy'] : []));
  out.push(...ctx.profile.packages[host.role === 'master' ? 'master' : 'worker']);
  return [...new Set(out)];
}

/** Inbound ports a host's firewall opens (besides SSH): by role, VIP candidacy, the profile's and the plan's. */
export function portsFor(host: Host, ctx: Ctx): PortRule[] {
  const role = host.role === 'master' ? 'master' : 'worker';
  const out: PortRule[] = [{ port: PORT.nodeExporter, protocol: 'tcp' }];
  if (role === 'master') out.push({ port: PORT.ntp, protocol: 'udp' });
  if (host.id === ctx.firstMaster.id) out.push({ port: PORT.prometheus, protocol: 'tcp' });
  const svc = ctx.profile.service;
  if (svc && svc.servedBy(ctx).some((h) => h.id === host.id)) out.push({ port: ctx.plan.servicePort ?? svc.port, protocol: 'tcp' });
  if (svc && isCandidate(host, ctx)) out.push({ port: svc.frontendPort, protocol: 'tcp' });
  out.push(...ctx.profile.ports[role], ...ctx.plan.ports[role]);
  return out;
}

export function sysctlFor(ctx: Ctx): string {
  const all = { ...BASE_SYSCTL, ...ctx.profile.sysctl, ...ctx.plan.sysctl };
  const keys = Object.keys(all).sort();
  return `# Managed by Rackside (master install).\n${keys.map((k) => `${k} = ${all[k]}`).join('\n')}\n`;
}

/** chrony: the first master serves (upstream servers from the plan, else its own clock), the other masters follow it, workers follow the masters. */
export function chronyFor(host: Host, ctx: Ctx): string {
  const lines = ['# Managed by Rackside (master install): time sources.'];
  const addr = (h: Host) => h.address;
  if (host.role === 'master') {
    for (const s of ctx.plan.timeServers) lines.push(`server ${s} iburst`);
    if (host.id !== ctx.firstMaster.id) lines.push(`server ${addr(ctx.firstMaster)} iburst`);
    // Serve the cluster even with no upstream reachable (first master preferred).
    lines.push(`local stratum ${host.id === ctx.firstMaster.id ? 8 : 9}`);
    for (const h of ctx.hosts) if (h.id !== host.id) lines.push(`allow ${addr(h)}`);
  } else {
    for (const m of ctx.masters) lines.push(`server ${addr(m)} iburst`);
  }
  return lines.join('\n') + '\n';
}

export function prometheusFor(ctx: Ctx): string {
  const targets = ctx.hosts.map((h) => `'${h.address}:${PORT.nodeExporter}'`).join(', ');
  return [
    '# Managed by Rackside (master install): every node\'s node-exporter.',
    'global:',
    '  scrape_interval: 10s',
    '  evaluation_interval: 15s',
    'scrape_configs:',
    '  - job_name: prometheus',
    '    static_configs:',
    `      - targets: ['localhost:${PORT.prometheus}']`,
    '  - job_name: node',
    '    static_configs:',
    `      - targets: [${targets}]`,
    '',
  ].join('\n');
}

export function haproxyFor(ctx: Ctx): string | null {
  const svc = ctx.profile.service;
  if (!svc) return null;
  const port = ctx.plan.servicePort ?? svc.port;
  const name = `rackside-${svc.name}`;
  return [
    '# Managed by Rackside (master install): the profile\'s service on the VIP.',
    'global',
    '  log /dev/log local0',
    '  user haproxy',
    '  group haproxy',
    '  daemon',
    'defaults',
    '  log global',
    '  mode tcp',
    '  timeout connect 5s',
    '  timeout client 1m',
    '  timeout server 1m',
    `frontend ${name}`,
    `  bind :${svc.frontendPort}`,
    `  default_backend ${name}`,
    `backend ${name}`,
    ...svc.servedBy(ctx).map((h) => `  server ${h.name || h.id} ${h.address}:${port} check`),
    '',
  ].join('\n');
}

/** The names a host's key is known under in every node's ssh_known_hosts: inventory name, planned name and FQDN, address. */
function knownNames(host: Host, project: Project): string {
  const e = expectedNames(project).find((x) => x.hostId === host.id);
  return [...new Set([host.name, e?.name, e?.fqdn, e?.address, host.address].filter((x): x is string => !!x))].join(',');
}

function managedFile(id: string, title: string, phase: string, sudo: boolean, path: string, content: string, perm: string, unit: string, hook: '' | 'apt-update' | 'sysctl', timeoutMs = SHORT_MS): Action {
  const args = (mode: string) => [mode, path, content, perm, unit, hook];
  return { id, title, phase, sudo, timeoutMs, destructive: false, command: { script: MANAGED_FILE, args: args('apply') }, probe: { script: MANAGED_FILE, args: args('check') } };
}

export function installActions(host: Host, ctx: Ctx): Action[] {
  const sudo = host.user !== 'root';
  const P = PHASES.prepare;
  const R = rolePhase(host, ctx);
  const t = (k: string) => `install.actions.${k}`;
  const pkgs = packagesFor(host, ctx);
  const a: Action[] = [
    // A kit's source is added around the host's package installs (withKitSource).
    ...(isKit(ctx.plan.packageSource) ? [] : [managedFile('package-source', t('packageSource'), P, sudo, SOURCES_FILE, sourcesList(ctx.plan.packageSource), '644', '', 'apt-update', LONG_MS)]),
    { id: 'packages', title: t('packages'), phase: P, sudo, timeoutMs: LONG_MS, destructive: false,
      command: { script: PACKAGES, args: ['apply', ...pkgs] }, probe: { script: PACKAGES, args: ['check', ...pkgs] } },
    managedFile('sysctl', t('sysctl'), P, sudo, SYSCTL_FILE, sysctlFor(ctx), '644', '', 'sysctl'),
    { id: 'node-exporter', title: t('nodeExporter'), phase: P, sudo, timeoutMs: SHORT_MS, destructive: false,
      command: { script: SERVICES, args: ['apply', 'prometheus-node-exporter'] }, probe: { script: SERVICES, args: ['check', 'prometheus-node-exporter'] } },
    { id: 'admin-key', title: t('adminKey'), phase: P, sudo, timeoutMs: SHORT_MS, destructive: false,
      command: { script: ADMIN_KEY_MAKE, args: [ADMIN_KEY] }, probe: { script: ADMIN_KEY_CHECK, args: [ADMIN_KEY] },
      output: { name: 'admin-key', read: { script: ADMIN_KEY_READ, args: [ADMIN_KEY] } } },
    { id: 'host-key', title: t('hostKey'), phase: P, sudo, timeoutMs: SHORT_MS, destructive: false,
      command: { script: HOST_KEY_LINE, args: [knownNames(host, ctx.project)] }, probe: { script: HOST_KEY_CHECK },
      output: { name: 'host-key', read: { script: HOST_KEY_LINE, args: [knownNames(host, ctx.project)] } } },
  ];
  if (host.id === ctx.firstMaster.id && vrrpHosts(ctx).length > 0) {
    // Made in the prepare phase, so every candidate's keepalived (first master included) uses a
    // value from an earlier phase.
    a.push({ id: 'vrrp-secret', title: t('vrrpSecret'), phase: P, sudo, timeoutMs: SHORT_MS, destructive: false,
      command: { script: VRRP_SECRET_MAKE, args: [VRRP_SECRET_FILE] }, probe: { script: VRRP_SECRET_CHECK, args: [VRRP_SECRET_FILE] },
      output: { name: 'vrrp-secret', secret: true, read: { script: VRRP_SECRET_READ, args: [VRRP_SECRET_FILE] } } });
  }
  const mesh = (mode: string) => ({ script: KEY_MESH, args: [mode, { output: 'admin-key', all: true }, '--', { output: 'host-key', all: true }] });
  a.push({ id: 'key-mesh', title: t('keyMesh'), phase: R, sudo, timeoutMs: SHORT_MS, destructive: false, command: mesh('apply'), probe: mesh('check') });
  a.push({ id: 'chrony-pool', title: t('chronyPool'), phase: R, sudo, timeoutMs: SHORT_MS, destructive: false,
    command: { script: CHRONY_NO_POOL, args: ['apply'] }, probe: { script: CHRONY_NO_POOL, args: ['check'] } });
  a.push(managedFile('chrony', t('chrony'), R, sudo, CHRONY_FILE, chronyFor(host, ctx), '644', 'chrony', ''));
  if (host.id === ctx.firstMaster.id) {
    a.push(managedFile('prometheus', t('prometheus'), R, sudo, PROMETHEUS_FILE, prometheusFor(ctx), '644', 'prometheus', ''));
  }
  const k = vrrpHosts(ctx).findIndex((c) => c.id === host.id);
  if (k >= 0) {
    const peers = vrrpHosts(ctx).filter((c) => c.id !== host.id).map((c) => c.address);
    const ka = (mode: string) => ({
      script: KEEPALIVED,
      args: [mode, String(ctx.plan.vrrp.routerId), ctx.vip, String(Math.max(1, 100 - 10 * k)), host.address, ...peers],
      stdin: [{ output: 'vrrp-secret', host: ctx.firstMaster.id }],
    });
    a.push({ id: 'keepalived', title: t('keepalived'), phase: R, sudo, timeoutMs: SHORT_MS, destructive: false, command: ka('apply'), probe: ka('check') });
    const hp = haproxyFor(ctx);
    if (hp) a.push(managedFile('haproxy', t('haproxy'), R, sudo, HAPROXY_FILE, hp, '644', 'haproxy', ''));
  }
  a.push(...(ctx.profile.actions?.(host, ctx) ?? []));
  if (ctx.plan.firewall.enabled) {
    const rules = firewallRulesFor(host, ctx);
    const check = { script: FIREWALL_CHECK, args: [rules, FW_TABLE] };
    a.push({ id: 'firewall', title: t('firewall'), phase: R, sudo, timeoutMs: SHORT_MS, destructive: false,
      command: { script: FIREWALL_APPLY, args: [FW_DIR, rules, String(ctx.plan.firewall.rollbackAfterS)] }, probe: check });
    // A separate action, so the confirmation travels over SSH after the new rules are in.
    a.push({ id: 'firewall-confirm', title: t('firewallConfirm'), phase: R, sudo, timeoutMs: SHORT_MS, destructive: false,
      command: { script: FIREWALL_CONFIRM, args: [FW_DIR] }, probe: check });
  }
  // Read-only, so no probe: every run records what the host runs now (report: as-built platform).
  a.push({ id: 'as-built', title: t('asBuilt'), phase: R, sudo, timeoutMs: SHORT_MS, destructive: false, capture: true,
    command: { script: AS_BUILT, args: pkgs } });
  return a;
}

export function firewallRulesFor(host: Host, ctx: Ctx): string {
  const peers = isCandidate(host, ctx) ? vrrpHosts(ctx).filter((c) => c.id !== host.id).map((c) => c.address) : [];
  const rules = firewallRules({ sshPort: host.port, ports: portsFor(host, ctx), vrrpPeers: peers });
  // The generator's guarantee, checked: a rule set that could cut the laptop's SSH is never planned.
  if (!keepsSsh(rules, host.port)) throw new Error(`the firewall rules for ${host.name || host.address} would not keep SSH port ${host.port} open`);
  return rules;
}

/** Every host's actions; with a site kit, its source around each host's package installs. */
export function installPlanOf(project: Project): Map<string, Action[]> {
  const ctx = installContext(project);
  const plan = new Map(project.hosts.map((h) => [h.id, installActions(h, ctx)]));
  const src = ctx.plan.packageSource;
  return isKit(src) ? withKitSource(plan, project.hosts, src, phaseIds(installPhases(ctx))) : plan;
}

const failedStatuses = new Set<ActionResult['status']>(['failed', 'interrupted', 'cancelled']);

export const masterInstallStep: StepModule = {
  id: MASTER_INSTALL_STEP,
  title: 'runbook.steps.master-install.title',
  phases: (project) => installPhases(installContext(project)),
  plan(project) {
    return installPlanOf(project);
  },
  hostSession: (_host, project, link) => kitSession(project, link),
  evaluate(results: StepResults, project: Project): Finding[] {
    const out: Finding[] = [];
    let ctx: Ctx | null = null;
    try {
      ctx = installContext(project);
    } catch {
      ctx = null;
    }
    const src = ctx?.plan.packageSource;
    if (ctx && src && isKit(src)) {
      for (const h of project.hosts) {
        const f = kitMismatchFinding(h, results.get(h.id)?.get(KIT_SOURCE_ACTION), installActions(h, ctx), src, 'install.kit-mismatch');
        if (f) out.push(f);
      }
    }
    for (const w of ctx?.warnings ?? []) {
      if (w.code === 'vip-single-candidate') {
        out.push({ severity: 'warning', code: 'install.vip-single-candidate', params: { vip: String(w.params?.vip ?? ''), host: String(w.params?.host ?? '') },
          message: w.message, remediation: 'Make a second master (or name a second candidate in the install plan) so the VIP can move.' });
      }
    }
    for (const h of project.hosts) {
      const r = results.get(h.id);
      if (!r) continue;
      const failed = [...r].filter(([, x]) => failedStatuses.has(x.status)).map(([id]) => id);
      if (failed.length > 0) {
        out.push({ severity: 'blocking', hostId: h.id, code: 'install.failed', params: { host: h.name || h.address, actions: failed.join(', ') },
          message: `${h.name || h.address}: the install did not finish (${failed.join(', ')})`,
          remediation: 'Open the failed action\'s output, fix the cause, then Retry: finished actions are not repeated.' });
      } else if ([...r.values()].every((x) => x.status === 'done' || x.status === 'already-done')) {
        out.push({ severity: 'info', hostId: h.id, code: 'install.done', params: { host: h.name || h.address },
          message: `${h.name || h.address}: base platform installed`, remediation: '' });
      }
    }
    if (ctx) out.push(...(ctx.profile.findings?.('master-install', results, ctx) ?? []));
    return out;
  },
};
