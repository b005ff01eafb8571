import type { MatrixCell, Project } from '../../../contract/index.js';
import type { Finding } from '../../runbook/step-module.js';
import { buildMatrix, type HostFacts } from './matrix.js';
import { addressesToProbe, planOf } from './names.js';

/**
 * The node-to-node check's findings, from every host's parsed facts (matrix.ts). One function per
 * concern; each returns its findings in the order the report lists them.
 */

type Thresholds = ReturnType<typeof planOf>['thresholds'];
type Label = (hostId: string) => string;

/** What the per-host and cluster-wide pieces share. */
export interface CheckContext {
  project: Project;
  facts: Map<string, HostFacts>;
  matrix: ReturnType<typeof buildMatrix>;
  t: Thresholds;
  label: Label;
}

export function checkContext(facts: Map<string, HostFacts>, project: Project): CheckContext {
  const label = (id: string) => {
    const h = project.hosts.find((x) => x.id === id);
    return h?.name || h?.address || id;
  };
  return { project, facts, matrix: buildMatrix(facts, project), t: planOf(project).thresholds, label };
}

export function evaluateNetwork(facts: Map<string, HostFacts>, project: Project): Finding[] {
  const c = checkContext(facts, project);
  return [
    ...project.hosts.flatMap((h) => hostFindings(c, h.id)),
    ...clockSkewFindings(c),
    ...neighbourDuplicateFindings(c),
    ...addressInUseFindings(c),
    ...dnsNotConfiguredFindings(c),
  ];
}

/** Everything about one host; a host whose matrix did not complete gets only `check-failed`. */
export function hostFindings(c: CheckContext, hostId: string): Finding[] {
  const f = c.facts.get(hostId);
  const me = c.label(hostId);
  if (!f?.matrix) {
    return [{
      severity: 'blocking', hostId, code: 'network.check-failed', params: { host: me },
      message: `${me}: the network check did not run to the end`,
      remediation: 'See the host\'s transcript, fix the connection, and run the check again.',
    }];
  }
  const row = c.matrix.cells.filter((x) => x.from === hostId);
  return [
    ...reachabilityFindings(c, hostId, row),
    ...portFindings(c, hostId, row),
    ...routeFindings(c, hostId, f),
    ...dadFindings(c, hostId, f),
    ...ntpFindings(c, hostId, f),
    ...dnsFindings(c, hostId, f),
  ];
}

const pick = (row: readonly MatrixCell[], fn: (x: MatrixCell) => string | null) => row.map(fn).filter((x): x is string => x !== null);

/** No reply, loss, latency and path MTU, from this host's row of the matrix. */
export function reachabilityFindings(c: CheckContext, hostId: string, row: readonly MatrixCell[]): Finding[] {
  const { t, label } = c;
  const me = label(hostId);
  const out: Finding[] = [];
  const unreachable = pick(row, (x) => (x.received === 0 ? label(x.to) : null));
  if (unreachable.length) {
    out.push({
      severity: 'blocking', hostId, code: 'network.unreachable', params: { host: me, peers: unreachable.join(', ') },
      message: `${me}: no ping reply from ${unreachable.join(', ')}`,
      remediation: 'Check cabling, switch ports, VLANs and firewalls between these nodes.',
    });
  }
  const lossy = row.filter((x) => x.received !== 0 && (x.lossPct ?? 0) > t.lossWarnPct);
  if (lossy.length) {
    const worst = Math.max(...lossy.map((x) => x.lossPct ?? 0));
    const peers = lossy.map((x) => `${label(x.to)} (${x.lossPct} %)`).join(', ');
    out.push({
      severity: worst >= t.lossBlockPct ? 'blocking' : 'warning', hostId, code: 'network.loss', params: { host: me, peers },
      message: `${me}: packet loss to ${peers}`,
      remediation: 'Look for a bad cable, transceiver or switch port (interface error counters), or a saturated link.',
      measured: worst, threshold: t.lossBlockPct, compare: { measured: worst, threshold: t.lossBlockPct, better: 'lower' },
    });
  }
  const slow = row.filter((x) => (x.rttAvgMs ?? 0) >= t.rttWarnMs);
  if (slow.length) {
    const worst = Math.max(...slow.map((x) => x.rttAvgMs ?? 0));
    const peers = slow.map((x) => `${label(x.to)} (${x.rttAvgMs} ms)`).join(', ');
    out.push({
      severity: worst >= t.rttBlockMs ? 'blocking' : 'warning', hostId, code: 'network.latency', params: { host: me, peers },
      message: `${me}: high round-trip time to ${peers}`,
      remediation: 'Nodes of one cluster should be on one low-latency network; check for routing through a distant hop or a congested link.',
      measured: worst, threshold: t.rttBlockMs, compare: { measured: worst, threshold: t.rttBlockMs, better: 'lower' },
    });
  }
  const mtuBad = pick(row, (x) => (x.received !== 0 && x.mtuOk === false ? `${label(x.to)} (${(x.mtuPayload ?? 0) + 28})` : null));
  if (mtuBad.length) {
    out.push({
      severity: 'blocking', hostId, code: 'network.mtu', params: { host: me, peers: mtuBad.join(', ') },
      message: `${me}: full-size frames with "don't fragment" do not reach ${mtuBad.join(', ')}`,
      remediation: 'Set the same MTU on the nodes and every switch port between them (jumbo frames end to end, or 1500 everywhere).',
    });
  }
  return out;
}

/** Required TCP ports: no answer (a firewall drops them) blocks; refused (nothing listens yet) warns. */
export function portFindings(c: CheckContext, hostId: string, row: readonly MatrixCell[]): Finding[] {
  const me = c.label(hostId);
  const withState = (state: string) => pick(row, (x) => {
    const ports = Object.entries(x.ports).filter(([, s]) => s === state).map(([p]) => p);
    return ports.length ? `${c.label(x.to)}:${ports.join('/')}` : null;
  });
  const out: Finding[] = [];
  const filtered = withState('filtered');
  if (filtered.length) {
    out.push({
      severity: 'blocking', hostId, code: 'network.port-filtered', params: { host: me, peers: filtered.join(', ') },
      message: `${me}: required TCP ports get no answer at ${filtered.join(', ')}`,
      remediation: 'Open these ports in the firewalls between the nodes (host nftables/iptables and network ACLs).',
    });
  }
  const closed = withState('refused');
  if (closed.length) {
    out.push({
      severity: 'warning', hostId, code: 'network.port-closed', params: { host: me, peers: closed.join(', ') },
      message: `${me}: the network lets these ports through but nothing listens yet: ${closed.join(', ')}`,
      remediation: 'Expected before the services are installed; they must listen once the cluster is built.',
    });
  }
  return out;
}

/** Default route and gateway, and the interfaces as recorded for the report (only when they were read). */
export function routeFindings(c: CheckContext, hostId: string, f: HostFacts): Finding[] {
  if (!f.interfaces) return [];
  const me = c.label(hostId);
  const out: Finding[] = [];
  if (f.defaultRoutes.length === 0) {
    out.push({
      severity: 'warning', hostId, code: 'network.no-default-route', params: { host: me },
      message: `${me}: no default route`,
      remediation: 'Set a gateway in the plan if the node must reach anything outside its subnets (NTP, DNS, package mirror).',
    });
  } else if (f.gateway && f.gateway.received === 0) {
    out.push({
      severity: 'warning', hostId, code: 'network.gateway-unreachable', params: { host: me, gateway: f.gatewayAddress ?? '' },
      message: `${me}: the default gateway ${f.gatewayAddress} does not answer ping`,
      remediation: 'Check the gateway address and that the router answers ICMP on this subnet.',
    });
  }
  const ifs = f.interfaces.filter((i) => i.kind !== 'loopback');
  out.push({
    severity: 'info', hostId, code: 'network.interfaces',
    params: { host: me, interfaces: ifs.map((i) => `${i.name} ${i.state} mtu ${i.mtu} ${i.addresses.filter((a) => a.family === 'inet').map((a) => `${a.address}/${a.prefix}`).join(' ')}`.trim()).join('; ') },
    message: `${me}: ${ifs.map((i) => `${i.name} (${i.kind}, ${i.state}, MTU ${i.mtu})`).join(', ')}`,
    remediation: 'Recorded for the report.',
  });
  return out;
}

/** Own addresses that arping's duplicate address detection found a second answer for. */
export function dadFindings(c: CheckContext, hostId: string, f: HostFacts): Finding[] {
  const me = c.label(hostId);
  return f.dadDuplicates.map((d) => ({
    severity: 'blocking', hostId, code: 'network.duplicate-address', params: { host: me, address: d },
    message: `${me}: another machine answers for ${me}'s address ${d} (arping duplicate address detection)`,
    remediation: 'Find the other machine (switch MAC table) and give one of them a different address.',
  }));
}

export function ntpFindings(c: CheckContext, hostId: string, f: HostFacts): Finding[] {
  const me = c.label(hostId);
  if (f.ntp.source === 'none') {
    return [{
      severity: 'warning', hostId, code: 'network.ntp-unknown', params: { host: me },
      message: `${me}: no time synchronisation service found (chrony, systemd-timesyncd, ntpd)`,
      remediation: 'Install and configure chrony (the master install step does), pointing at the site\'s NTP server.',
    }];
  }
  if (f.ntp.synced === false) {
    return [{
      severity: 'warning', hostId, code: 'network.ntp-unsynced', params: { host: me, source: f.ntp.source },
      message: `${me}: ${f.ntp.source} is not synchronised`,
      remediation: 'Check that the NTP server is reachable (UDP 123) and wait for it to sync.',
    }];
  }
  return [];
}

export function dnsFindings(c: CheckContext, hostId: string, f: HostFacts): Finding[] {
  const me = c.label(hostId);
  return f.dns.map((d): Finding => (d.kind === 'tool-missing'
    ? {
      severity: 'warning', hostId, code: 'network.dns-tool-missing', params: { host: me },
      message: `${me}: neither dig nor host is installed, so DNS could not be checked`,
      remediation: 'Install dnsutils (bind9-dnsutils) or bind-utils, then run the check again.',
    }
    : {
      severity: 'warning', hostId, code: d.kind === 'forward' ? 'network.dns-forward' : 'network.dns-reverse',
      params: { host: me, query: d.query, expected: d.expected, got: d.got || '-' },
      message: `${me}: DNS ${d.kind} lookup of ${d.query} gave "${d.got || 'nothing'}", expected ${d.expected}`,
      remediation: 'Add or fix the A and PTR records on the DNS server, or correct the plan.',
    }));
}

/** Each node's clock against the median of the nodes. */
export function clockSkewFindings(c: CheckContext): Finding[] {
  const { t } = c;
  const out: Finding[] = [];
  for (const x of c.matrix.clocks) {
    if (x.offsetS === undefined) continue;
    const off = Math.abs(x.offsetS);
    if (off <= t.clockSkewWarnS) continue;
    const me = c.label(x.hostId);
    out.push({
      severity: off > t.clockSkewBlockS ? 'blocking' : 'warning', hostId: x.hostId, code: 'network.clock-skew',
      params: { host: me, offset: round(x.offsetS, 1) },
      message: `${me}: clock is ${round(x.offsetS, 1)} s ${x.offsetS > 0 ? 'ahead of' : 'behind'} the median of the nodes`,
      remediation: 'Synchronise the clocks (chrony against the site NTP server); cluster membership and TLS fail with skewed clocks.',
      measured: round(off, 1), threshold: t.clockSkewBlockS, compare: { measured: round(off, 1), threshold: t.clockSkewBlockS, better: 'lower' },
    });
  }
  return out;
}

/** Every node's IPv4 address → the node and the MAC of the interface that has it. */
function addressOwners(facts: Map<string, HostFacts>): Map<string, { hostId: string; mac: string }> {
  const owners = new Map<string, { hostId: string; mac: string }>();
  for (const [id, f] of facts) for (const i of f.interfaces ?? []) for (const a of i.addresses) if (a.family === 'inet') owners.set(a.address, { hostId: id, mac: i.mac.toLowerCase() });
  return owners;
}

/** A node's address seen in another node's neighbour table at a MAC that node does not have. */
export function neighbourDuplicateFindings(c: CheckContext): Finding[] {
  const { facts, label } = c;
  const owners = addressOwners(facts);
  const reported = new Set<string>();
  const out: Finding[] = [];
  for (const [id, f] of facts) {
    for (const n of f.neigh) {
      const own = owners.get(n.dst);
      if (!own || !n.lladdr || own.hostId === id || reported.has(n.dst)) continue;
      // A bond's members share the bond's MAC; any other MAC answering for the address is a second machine.
      const macs = new Set((facts.get(own.hostId)?.interfaces ?? []).map((i) => i.mac.toLowerCase()));
      if (macs.has(n.lladdr)) continue;
      reported.add(n.dst);
      out.push({
        severity: 'blocking', hostId: own.hostId, code: 'network.duplicate-address',
        params: { host: label(own.hostId), address: n.dst, mac: n.lladdr, seenBy: label(id) },
        message: `${label(own.hostId)}: ${label(id)} reaches ${n.dst} at MAC ${n.lladdr}, which is not ${label(own.hostId)}'s: another machine uses this address`,
        remediation: 'Find the machine with that MAC (switch MAC table) and give it a different address.',
      });
    }
  }
  return out;
}

/** The VIP and not-yet-applied planned addresses must be free: nothing may answer for them. */
export function addressInUseFindings(c: CheckContext): Finding[] {
  const { facts, label, project } = c;
  const plan = planOf(project);
  const owners = addressOwners(facts);
  const out: Finding[] = [];
  for (const addr of addressesToProbe(project)) {
    const owner = owners.get(addr);
    const answered = [...facts.values()].some((f) => f.probes.get(addr)?.answered);
    if (!owner && !answered) continue;
    const isVip = addr === plan.vip;
    const planner = isVip ? undefined : plan.hosts.find((hp) => hp.interfaces.some((i) => i.address === addr))?.hostId;
    const by = owner ? label(owner.hostId) : 'another machine';
    out.push({
      severity: 'blocking', code: isVip ? 'network.vip-in-use' : 'network.planned-address-in-use',
      ...(planner ? { hostId: planner } : {}),
      params: { address: addr, by },
      message: isVip ? `The VIP ${addr} is already in use (${by} answers for it)` : `Planned address ${addr} is already in use (${by} answers for it)`,
      remediation: isVip ? 'Choose a free address for the VIP, or find and stop whatever holds it.' : 'Choose another address, or find the machine that holds it.',
    });
  }
  return out;
}

export function dnsNotConfiguredFindings(c: CheckContext): Finding[] {
  if (planOf(c.project).dnsServers.length > 0) return [];
  return [{
    severity: 'info', code: 'network.dns-not-configured', params: {},
    message: 'No DNS server in the plan: names come from /etc/hosts; DNS lookups were not checked',
    remediation: 'Add the site\'s DNS servers to the plan to have forward and reverse records checked.',
  }];
}

const round = (n: number, d: number) => Math.round(n * 10 ** d) / 10 ** d;
