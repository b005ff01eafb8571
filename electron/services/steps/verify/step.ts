import { VERIFICATION_STEP, type Host, type Project } from '../../../contract/index.js';
import { LAPTOP_HOST, type Action, type ActionResult, type Finding, type LocalCheckResult, type LocalContext, type Phase, type StepModule, type StepResults } from '../../runbook/step-module.js';
import { statusAction } from '../storage/step.js';
import { readStatusCapture } from '../storage/status.js';
import {
  expectedUnits, FIREWALL_TABLE, firewallPeers, isFirst, label, storageHosts, tcpPortsOf, timeSourcesOf, unplannedPort, verifyContext, vipPort,
  type VerifyCtx,
} from './checks.js';
import { tcpProbe } from './local.js';
import { LOCAL_REF_ID, parseFirewall, parsePrometheusTargets, parseServices, parseTime, parseVip, type TcpResult } from './parse.js';
import { FIREWALL_SCRIPT, PROMETHEUS_TARGETS_SCRIPT, SERVICES_SCRIPT, TIME_SCRIPT, VIP_SCRIPT } from './scripts.js';

/**
 * Wizard step 7, verification (issue 20): the built cluster checked against its plan, read-only.
 * Phase `verify-hosts` on every host in parallel (services, `systemctl --failed`, the VIP from the
 * node, chrony, the firewall between nodes, the storage array when step 4 planned one), then
 * `verify-cluster` on the first master (Prometheus's targets); the profile's own checks
 * (ClusterProfile.verify) join either phase. From the laptop (StepModule.local): the VIP answers
 * here, and a port the plan opens nowhere is dropped by every node. Every check ends in a finding:
 * info with the measured value when it holds, blocking (with the remedy) when not.
 */

export const VERIFY_PHASES = { hosts: 'verify-hosts', cluster: 'verify-cluster' } as const;

export const VERIFY_ACTIONS = {
  services: 'services', vip: 'vip', time: 'time', firewall: 'firewall', storage: 'storage', targets: 'prometheus-targets',
} as const;

/** Laptop-side check ids: `vip-tcp`, and `closed-port-<host id>` per node. */
export const LOCAL_CHECKS = { vip: 'vip-tcp', closedPort: (hostId: string) => `closed-port-${hostId}` } as const;

const SHORT_MS = 60_000;
const PROMETHEUS_PORT = 9090;
const NODE_EXPORTER_PORT = 9100;
/** Laptop probes: a dropped port costs this once (they run in parallel). */
const LOCAL_PROBE_MS = 3_000;

// i18n keys are camelCase (prometheus-targets → prometheusTargets).
const t = (id: string) => `runbook.actions.verification.${id.replace(/-(\w)/g, (_m, c: string) => c.toUpperCase())}`;

export function verifyPhases(ctx: VerifyCtx): Phase[] {
  return [
    { id: VERIFY_PHASES.hosts, title: 'runbook.actions.verification.phaseHosts', hosts: ctx.hosts.map((h) => h.id), mode: 'parallel' },
    { id: VERIFY_PHASES.cluster, title: 'runbook.actions.verification.phaseCluster', hosts: [ctx.firstMaster.id], mode: 'serial' },
  ];
}

export function verifyActions(host: Host, ctx: VerifyCtx): Action[] {
  const sudo = host.user !== 'root';
  const H = VERIFY_PHASES.hosts;
  const read = (id: string, script: string, args: string[], phase: string, needsRoot = false): Action => ({
    id, title: t(id), phase, sudo: needsRoot && sudo, timeoutMs: SHORT_MS, destructive: false, capture: true, command: { script, args },
  });
  const a: Action[] = [read(VERIFY_ACTIONS.services, SERVICES_SCRIPT, expectedUnits(host, ctx).map((u) => u.unit), H)];
  if (ctx.vip) a.push(read(VERIFY_ACTIONS.vip, VIP_SCRIPT, [ctx.vip, String(vipPort(ctx))], H));
  // Up to a minute waiting for a chrony that has not synchronised yet (TIME_SCRIPT), then the reading.
  a.push({ ...read(VERIFY_ACTIONS.time, TIME_SCRIPT, [], H), timeoutMs: 2 * SHORT_MS });
  // nft needs root to list the rules.
  if (ctx.plan.firewall.enabled) a.push(read(VERIFY_ACTIONS.firewall, FIREWALL_SCRIPT, [FIREWALL_TABLE, ...firewallPeers(host, ctx)], H, true));
  const st = storageHosts(ctx.project).find((x) => x.host.id === host.id);
  if (st && ctx.project.storage) {
    const layout = ctx.project.storage.layout;
    const vols = layout.lvm ? layout.volumes : layout.volumes.slice(0, 1);
    a.push({ ...statusAction(layout.arrayName, vols.map((v) => v.mountPoint)), id: VERIFY_ACTIONS.storage, title: t('storage'), phase: H });
  }
  if (isFirst(host, ctx)) a.push(read(VERIFY_ACTIONS.targets, PROMETHEUS_TARGETS_SCRIPT, [String(PROMETHEUS_PORT)], VERIFY_PHASES.cluster));
  a.push(...(ctx.profile.verify?.actions(host, ctx) ?? []));
  return a;
}

/** From the laptop: the VIP's service port answers, and every node drops a port the plan opens nowhere. */
export async function verifyLocal(project: Project, lctx: LocalContext): Promise<LocalCheckResult[]> {
  const ctx = verifyContext(project);
  const checks: Promise<LocalCheckResult>[] = [];
  if (ctx.vip) {
    const port = vipPort(ctx);
    checks.push(tcpProbe(ctx.vip, port, LOCAL_PROBE_MS, lctx.signal).then((r) => ({
      id: LOCAL_CHECKS.vip, status: 'done', stdout: `${port} ${r}`, message: `VIP ${ctx.vip}:${port} from the laptop: ${r}`,
    })));
  }
  if (ctx.plan.firewall.enabled) {
    const port = unplannedPort(ctx);
    for (const h of ctx.hosts) {
      checks.push(tcpProbe(h.address, port, LOCAL_PROBE_MS, lctx.signal).then((r) => ({
        id: LOCAL_CHECKS.closedPort(h.id), status: 'done', stdout: `${port} ${r}`, message: `${label(h)} port ${port} (not planned) from the laptop: ${r}`,
      })));
    }
  }
  return Promise.all(checks);
}

const failedStatuses = new Set<ActionResult['status']>(['failed', 'interrupted', 'cancelled']);
const doneOut = (r: ActionResult | undefined) => (r && (r.status === 'done' || r.status === 'already-done') ? r.stdout : null);
const ms = (s: number) => Math.round(Math.abs(s) * 1000 * 1000) / 1000;

function evaluateServices(h: Host, stdout: string, ctx: VerifyCtx, out: Finding[]) {
  const host = label(h);
  const cap = parseServices(stdout);
  const want = expectedUnits(h, ctx);
  let good = 0;
  for (const u of want) {
    const s = cap.units.get(u.unit) ?? { active: 'unknown', enabled: 'unknown' };
    const state = u.want === 'active' ? s.active : s.enabled;
    if (state === u.want) {
      good++;
      continue;
    }
    out.push({ severity: 'blocking', hostId: h.id, code: 'verify.service-down', params: { host, unit: u.unit, state, want: u.want },
      measured: state, threshold: u.want,
      message: `${host}: ${u.unit} is ${state}, should be ${u.want}`,
      remediation: `Read \`journalctl -u ${u.unit}\` on the host, fix the cause, start the unit (or re-run the master install), then verify again.` });
  }
  if (good === want.length) {
    out.push({ severity: 'info', hostId: h.id, code: 'verify.services-active', params: { host, count: want.length, units: want.map((u) => u.unit).join(', ') },
      measured: `${good}/${want.length}`, threshold: `${want.length}/${want.length}`,
      message: `${host}: all ${want.length} planned units run (${want.map((u) => u.unit).join(', ')})`, remediation: '' });
  }
  if (cap.failed.length > 0) {
    out.push({ severity: 'blocking', hostId: h.id, code: 'verify.units-failed', params: { host, units: cap.failed.join(', '), count: cap.failed.length },
      measured: cap.failed.length, threshold: 0, compare: { measured: cap.failed.length, threshold: 0, better: 'lower' },
      message: `${host}: ${cap.failed.length} failed unit(s): ${cap.failed.join(', ')}`,
      remediation: 'Read each unit\'s `journalctl -u <unit>`; fix and restart it, or `systemctl reset-failed <unit>` if it is not needed, then verify again.' });
  } else {
    out.push({ severity: 'info', hostId: h.id, code: 'verify.no-failed-units', params: { host }, measured: 0, threshold: 0,
      message: `${host}: no failed units`, remediation: '' });
  }
}

function evaluateVip(results: StepResults, ctx: VerifyCtx, out: Finding[]) {
  const vip = ctx.vip;
  const port = vipPort(ctx);
  const holders: Host[] = [];
  let seen = 0;
  for (const h of ctx.hosts) {
    const stdout = doneOut(results.get(h.id)?.get(VERIFY_ACTIONS.vip));
    if (stdout === null) continue;
    seen++;
    const cap = parseVip(stdout);
    if (cap.addresses.some((a) => a.address === vip)) holders.push(h);
    const host = label(h);
    const tcp = cap.tcp ?? 'unknown';
    const answers = tcp === 'open' && cap.ping !== 'lost';
    if (tcp !== 'open') {
      out.push({ severity: 'blocking', hostId: h.id, code: 'verify.vip-unreachable', params: { host, vip, port, result: tcp }, measured: tcp, threshold: 'open',
        message: `${host}: the VIP ${vip} does not answer on TCP port ${port} (${tcp})`,
        remediation: 'Check that exactly one node holds the VIP (`ip -o addr`), that keepalived and the service behind it run there, and that the firewall opens the port.' });
    }
    if (cap.ping === 'lost') {
      out.push({ severity: 'blocking', hostId: h.id, code: 'verify.vip-no-ping', params: { host, vip }, measured: 'lost', threshold: 'ok',
        message: `${host}: the VIP ${vip} does not answer ping`, remediation: 'Check that a node holds the VIP and that ICMP is not dropped between the nodes.' });
    }
    if (cap.ping === 'missing') {
      out.push({ severity: 'warning', hostId: h.id, code: 'verify.vip-ping-missing', params: { host, vip },
        message: `${host}: no ping command, so the VIP was checked over TCP only`, remediation: 'Install iputils-ping to check ICMP too (optional).' });
    }
    if (answers) {
      out.push({ severity: 'info', hostId: h.id, code: 'verify.vip-answers', params: { host, vip, port, ping: cap.ping ?? 'unknown' }, measured: 'open', threshold: 'open',
        message: `${host}: the VIP ${vip} answers (TCP ${port}, ping ${cap.ping ?? 'unknown'})`, remediation: '' });
    }
  }
  if (seen === 0) return;
  if (holders.length === 1) {
    out.push({ severity: 'info', code: 'verify.vip-held', params: { vip, host: label(holders[0]!) }, measured: 1, threshold: 1,
      message: `The VIP ${vip} is held by exactly one node: ${label(holders[0]!)}`, remediation: '' });
  } else if (holders.length === 0) {
    out.push({ severity: 'blocking', code: 'verify.vip-no-holder', params: { vip }, measured: 0, threshold: 1,
      message: `No node holds the VIP ${vip}`,
      remediation: 'Check keepalived (or the profile\'s VIP resource) on the VIP candidates: `journalctl -u keepalived`; VRRP between them must pass the firewall.' });
  } else {
    const names = holders.map(label).join(', ');
    out.push({ severity: 'blocking', code: 'verify.vip-split-brain', params: { vip, hosts: names, count: holders.length },
      measured: holders.length, threshold: 1, compare: { measured: holders.length, threshold: 1, better: 'lower' },
      message: `Split brain: ${holders.length} nodes hold the VIP ${vip} (${names})`,
      remediation: 'The candidates do not hear each other\'s VRRP adverts: check the link between them and that the firewall accepts VRRP from the peers; remove the address from the node that should not hold it.' });
  }
}

function evaluateTime(h: Host, stdout: string, ctx: VerifyCtx, out: Finding[]) {
  const host = label(h);
  const cap = parseTime(stdout);
  const want = timeSourcesOf(h, ctx);
  const expected = [...want.nodes.map(label), ...(want.upstream ? ctx.plan.timeServers : []), ...(want.local ? ['local clock'] : [])].join(', ');
  const max = ctx.verify.maxClockOffsetMs;
  const tr = cap.tracking;
  const isLocal = tr?.refId === LOCAL_REF_ID;
  const nodeAddrs = new Set(ctx.hosts.map((x) => x.address));
  const selected = cap.sources.find((s) => s.state === '*');
  const sourceName = !tr ? 'none' : isLocal ? 'local clock' : (ctx.hosts.find((x) => x.address === tr.refAddress) ? label(ctx.hosts.find((x) => x.address === tr.refAddress)!) : tr.refAddress);
  const follows = !!tr && tr.leap !== 'Not synchronised' && (
    (isLocal && want.local)
    || (!isLocal && want.nodes.some((n) => n.address === tr.refAddress))
    // Upstream servers may be names; chronyc -n shows addresses: any source outside the cluster counts.
    || (!isLocal && want.upstream && !nodeAddrs.has(tr.refAddress))
  );
  if (!follows) {
    const detail = tr ? `follows ${sourceName} (${tr.leap})` : cap.error;
    out.push({ severity: 'blocking', hostId: h.id, code: 'verify.time-not-synced', params: { host, source: sourceName, expected, detail },
      measured: tr ? sourceName : cap.error, threshold: expected,
      message: `${host}: time not synchronised to ${expected} (${detail})`,
      remediation: 'Check that chronyd runs (`systemctl status chrony`), that `chronyc sources` lists the expected source reachable (UDP 123 open on the masters), then wait a minute and verify again.' });
    return;
  }
  // The node's offset from its source: chrony's estimate of its clock error, or the selected source's last sample, whichever is larger.
  const offset = Math.max(ms(tr!.systemOffsetS), selected ? ms(selected.offsetS) : 0);
  const compare = { measured: offset, threshold: max, better: 'lower' as const };
  if (offset > max) {
    out.push({ severity: 'blocking', hostId: h.id, code: 'verify.time-offset', params: { host, source: sourceName, offset, max },
      measured: offset, threshold: max, compare,
      message: `${host}: clock ${offset} ms off ${sourceName} (at most ${max} ms)`,
      remediation: 'Let chrony converge (`chronyc tracking`), or step the clock once with `chronyc makestep`, then verify again.' });
  } else {
    out.push({ severity: 'info', hostId: h.id, code: 'verify.time-synced', params: { host, source: sourceName, offset, max },
      measured: offset, threshold: max, compare,
      message: `${host}: synchronised to ${sourceName}, ${offset} ms off (at most ${max} ms)`, remediation: '' });
  }
}

function evaluateTargets(stdout: string, ctx: VerifyCtx, out: Finding[]) {
  const fm = ctx.firstMaster;
  const host = label(fm);
  const read = parsePrometheusTargets(stdout);
  if ('error' in read) {
    out.push({ severity: 'blocking', hostId: fm.id, code: 'verify.monitoring-unreachable', params: { host, detail: read.error }, measured: read.error, threshold: 'HTTP 200',
      message: `${host}: Prometheus's targets API did not answer (${read.error})`,
      remediation: 'Check that prometheus runs on the first master (`systemctl status prometheus`) and listens on port 9090.' });
    return;
  }
  const node = read.targets.filter((x) => x.job === 'node');
  let up = 0;
  for (const h of ctx.hosts) {
    const instance = `${h.address}:${NODE_EXPORTER_PORT}`;
    const mine = node.filter((x) => x.instance === instance);
    const name = label(h);
    if (mine.length === 0) {
      out.push({ severity: 'blocking', hostId: h.id, code: 'verify.monitoring-target-missing', params: { host: name, instance }, measured: 0, threshold: 1,
        message: `${name}: Prometheus does not scrape ${instance}`, remediation: 'Re-run the master install: it writes every node into prometheus.yml.' });
    } else if (mine.length > 1) {
      out.push({ severity: 'blocking', hostId: h.id, code: 'verify.monitoring-target-duplicate', params: { host: name, instance, count: mine.length }, measured: mine.length, threshold: 1,
        message: `${name}: Prometheus scrapes ${instance} ${mine.length} times`, remediation: 'Remove the extra scrape configuration from /etc/prometheus/prometheus.yml, then re-run the master install.' });
    } else if (mine[0]!.health !== 'up') {
      const error = mine[0]!.lastError || 'none';
      out.push({ severity: 'blocking', hostId: h.id, code: 'verify.monitoring-target-down', params: { host: name, instance, health: mine[0]!.health, error },
        measured: mine[0]!.health, threshold: 'up',
        message: `${name}: monitoring target ${instance} is ${mine[0]!.health} (${error})`,
        remediation: 'Check prometheus-node-exporter on the node (`systemctl status prometheus-node-exporter`) and that port 9100 is open to the first master.' });
    } else up++;
  }
  if (up === ctx.hosts.length) {
    out.push({ severity: 'info', hostId: fm.id, code: 'verify.monitoring-up', params: { host, count: up }, measured: `${up}/${ctx.hosts.length}`, threshold: `${ctx.hosts.length}/${ctx.hosts.length}`,
      message: `Prometheus on ${host}: all ${up} node targets up`, remediation: '' });
  }
}

function evaluateFirewall(h: Host, stdout: string, ctx: VerifyCtx, out: Finding[]) {
  const host = label(h);
  const cap = parseFirewall(stdout);
  const byPeer = new Map<string, number[]>();
  for (const p of cap.probes) {
    if (p.result !== 'filtered') continue;
    byPeer.set(p.address, [...(byPeer.get(p.address) ?? []), p.port]);
  }
  for (const [address, ports] of byPeer) {
    const peer = ctx.hosts.find((x) => x.address === address);
    const peerName = peer ? label(peer) : address;
    out.push({ severity: 'blocking', hostId: h.id, code: 'verify.firewall-port-blocked', params: { host, peer: peerName, ports: ports.join(', ') },
      measured: 'filtered', threshold: 'open',
      message: `${host} → ${peerName}: planned TCP port(s) ${ports.join(', ')} get no answer (dropped)`,
      remediation: `Compare \`nft list ruleset\` on ${peerName} with the plan's ports; re-run the master install to rewrite its firewall.` });
  }
  if (!cap.tablePresent || !cap.inputPolicyDrop) {
    const measured = cap.tablePresent ? 'policy accept' : 'no table';
    out.push({ severity: 'blocking', hostId: h.id, code: 'verify.firewall-policy-open', params: { host, table: FIREWALL_TABLE, detail: measured }, measured, threshold: 'policy drop',
      message: `${host}: the firewall does not drop unplanned inbound traffic (${measured})`,
      remediation: 'Re-run the master install with the firewall enabled: it loads Rackside\'s nftables table with an input policy of drop.' });
  }
  const expectedProbes = ctx.hosts.filter((x) => x.id !== h.id).reduce((n, x) => n + tcpPortsOf(x, ctx).length, 0);
  if (byPeer.size === 0 && cap.tablePresent && cap.inputPolicyDrop) {
    out.push({ severity: 'info', hostId: h.id, code: 'verify.firewall-ok', params: { host, probes: cap.probes.length, expected: expectedProbes },
      measured: `${cap.probes.length}/${expectedProbes}`, threshold: `${expectedProbes}/${expectedProbes}`,
      message: `${host}: ${cap.probes.length} planned ports on the peers reachable; input policy drop`, remediation: '' });
  }
}

function evaluateStorage(h: Host, stdout: string, ctx: VerifyCtx, out: Finding[]) {
  const plan = ctx.project.storage;
  const hp = plan?.mode === 'raid' ? plan.hosts.find((x) => x.hostId === h.id) : undefined;
  if (!plan || !hp) return;
  const host = label(h);
  const array = plan.layout.arrayName;
  const cap = readStatusCapture(stdout, hp, plan.layout);
  const a = cap.array;
  if (!a) {
    out.push({ severity: 'blocking', hostId: h.id, code: 'verify.storage-missing', params: { host, array }, measured: 'absent', threshold: 'clean',
      message: `${host}: the array /dev/md/${array} is not there`, remediation: 'Run the storage step again; if the array was there before, check the disks (`cat /proc/mdstat`).' });
    return;
  }
  let good = true;
  if (a.state !== 'clean' && a.state !== 'active') {
    good = false;
    out.push({ severity: 'blocking', hostId: h.id, code: 'verify.storage-degraded', params: { host, array, state: a.state, missing: a.missing.join(', ') || '-' }, measured: a.state, threshold: 'clean',
      message: `${host}: the array /dev/md/${array} is ${a.state}`, remediation: 'Wait for a resync to finish, or replace the missing or failed disk (storage step), then verify again.' });
  }
  const unmounted = cap.volumes.filter((v) => !v.mounted).map((v) => v.mountPoint);
  if (unmounted.length > 0) {
    good = false;
    out.push({ severity: 'blocking', hostId: h.id, code: 'verify.storage-not-mounted', params: { host, array, mountPoints: unmounted.join(', ') }, measured: 'not mounted', threshold: 'mounted',
      message: `${host}: ${unmounted.join(', ')} not mounted`, remediation: 'Run `mount -a` on the host (the fstab line is there when the storage step finished), or run the storage step again.' });
  }
  if (!a.inFstab) {
    good = false;
    out.push({ severity: 'blocking', hostId: h.id, code: 'verify.storage-fstab', params: { host, array }, measured: 'missing', threshold: 'UUID line',
      message: `${host}: the volumes of /dev/md/${array} are not in /etc/fstab by UUID`, remediation: 'Run the storage step again: it writes the fstab lines.' });
  }
  if (!a.inMdadmConf) {
    good = false;
    out.push({ severity: 'blocking', hostId: h.id, code: 'verify.storage-mdadm-conf', params: { host, array }, measured: 'missing', threshold: 'ARRAY line',
      message: `${host}: /dev/md/${array} is not in mdadm.conf`, remediation: 'Run the storage step again: it writes mdadm.conf and updates the initramfs.' });
  }
  if (good) {
    out.push({ severity: 'info', hostId: h.id, code: 'verify.storage-ok', params: { host, array, state: a.state, mountPoints: cap.volumes.map((v) => v.mountPoint).join(', ') },
      measured: a.state, threshold: 'clean',
      message: `${host}: /dev/md/${array} ${a.state}, mounted, in fstab and mdadm.conf`, remediation: '' });
  }
}

function evaluateLocal(results: StepResults, ctx: VerifyCtx, out: Finding[]) {
  const local = results.get(LAPTOP_HOST);
  if (!local) return;
  const read = (id: string): { port: number; result: TcpResult | 'unknown' } | null => {
    const r = local.get(id);
    if (!r) return null;
    const [port, result] = r.stdout.trim().split(/\s+/);
    return { port: Number(port), result: result === 'open' || result === 'closed' || result === 'filtered' ? result : 'unknown' };
  };
  const v = read(LOCAL_CHECKS.vip);
  if (v && ctx.vip) {
    if (v.result === 'open') {
      out.push({ severity: 'info', code: 'verify.vip-laptop-answers', params: { vip: ctx.vip, port: v.port }, measured: 'open', threshold: 'open',
        message: `The VIP ${ctx.vip} answers from the laptop on TCP port ${v.port}`, remediation: '' });
    } else {
      out.push({ severity: 'blocking', code: 'verify.vip-laptop-unreachable', params: { vip: ctx.vip, port: v.port, result: v.result }, measured: v.result, threshold: 'open',
        message: `The VIP ${ctx.vip} does not answer from the laptop on TCP port ${v.port} (${v.result})`,
        remediation: 'Check that the laptop is on the cluster\'s network (or routed to it), that a node holds the VIP and that its service runs.' });
    }
  }
  for (const h of ctx.hosts) {
    const c = read(LOCAL_CHECKS.closedPort(h.id));
    if (!c) continue;
    const host = label(h);
    if (c.result === 'filtered') {
      out.push({ severity: 'info', hostId: h.id, code: 'verify.firewall-laptop-dropped', params: { host, port: c.port }, measured: 'filtered', threshold: 'filtered',
        message: `${host}: TCP port ${c.port} (not in the plan) is dropped, seen from the laptop`, remediation: '' });
    } else {
      out.push({ severity: 'blocking', hostId: h.id, code: 'verify.firewall-laptop-open', params: { host, port: c.port, result: c.result }, measured: c.result, threshold: 'filtered',
        message: `${host}: TCP port ${c.port} (not in the plan) is not dropped (${c.result}), seen from the laptop`,
        remediation: 'The input policy lets unplanned traffic in: re-run the master install with the firewall enabled, and check no other nftables or iptables rules accept it.' });
    }
  }
}

export function evaluateVerification(results: StepResults, project: Project): Finding[] {
  let ctx: VerifyCtx;
  try {
    ctx = verifyContext(project);
  } catch {
    return [];
  }
  const out: Finding[] = [];
  for (const h of ctx.hosts) {
    const r = results.get(h.id);
    if (!r) continue;
    const bad = [...r].filter(([, x]) => failedStatuses.has(x.status)).map(([id]) => id);
    if (bad.length > 0) {
      out.push({ severity: 'blocking', hostId: h.id, code: 'verify.action-failed', params: { host: label(h), actions: bad.join(', ') },
        message: `${label(h)}: checks could not run (${bad.join(', ')})`,
        remediation: 'Open the failed check\'s output (is the host reachable, sudo allowed?), fix the cause, then run verification again.' });
    }
    const services = doneOut(r.get(VERIFY_ACTIONS.services));
    if (services !== null) evaluateServices(h, services, ctx, out);
    const time = doneOut(r.get(VERIFY_ACTIONS.time));
    if (time !== null) evaluateTime(h, time, ctx, out);
    const fw = doneOut(r.get(VERIFY_ACTIONS.firewall));
    if (fw !== null) evaluateFirewall(h, fw, ctx, out);
    const st = doneOut(r.get(VERIFY_ACTIONS.storage));
    if (st !== null) evaluateStorage(h, st, ctx, out);
  }
  if (ctx.vip) evaluateVip(results, ctx, out);
  const targets = doneOut(results.get(ctx.firstMaster.id)?.get(VERIFY_ACTIONS.targets));
  if (targets !== null) evaluateTargets(targets, ctx, out);
  evaluateLocal(results, ctx, out);
  out.push(...(ctx.profile.verify?.findings(results, ctx) ?? []));
  return out;
}

export const verificationStep: StepModule = {
  id: VERIFICATION_STEP,
  title: 'runbook.steps.verification.title',
  phases: (project) => verifyPhases(verifyContext(project)),
  plan(project) {
    const ctx = verifyContext(project);
    return new Map(project.hosts.map((h) => [h.id, verifyActions(h, ctx)]));
  },
  evaluate: evaluateVerification,
  profile(project) {
    const v = verifyContext(project).verify;
    return { id: 'verify', thresholds: { maxClockOffsetMs: v.maxClockOffsetMs, rtoS: v.rtoS } };
  },
  local: verifyLocal,
};
