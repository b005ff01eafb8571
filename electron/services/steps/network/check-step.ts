import { NETWORK_CHECK_STEP, type Host, type Project } from '../../../contract/index.js';
import type { Action, Finding, StepModule, StepResults } from '../../runbook/step-module.js';
import { buildMatrix, readHostFacts, type HostFacts } from './matrix.js';
import { addressesToProbe, expectedNames, planOf } from './names.js';

/**
 * The node-to-node check (DESIGN.md step 3): every node pings every other (latency and loss,
 * `ping -c 10`), sends a DF ping of MTU−28 bytes (path MTU), opens the required TCP ports, and
 * asks whether the VIP and not-yet-applied planned addresses are free; each node also reports its
 * clock and NTP state, its interfaces and default route, and (when the plan names DNS servers)
 * forward and reverse lookups. Measured from the nodes themselves, never from the laptop.
 */

// Printed first, before anything slow, so the nodes' clocks are read as close together as the
// runner starts them (the same moment, give or take the lock round trip).
const CLOCK = `printf 'epoch=%s\\n' "$(date +%s.%N)"
if command -v timedatectl >/dev/null 2>&1 && timedatectl show >/dev/null 2>&1; then
  printf 'ntp_source=timedatectl\\nntp_synced=%s\\nntp_enabled=%s\\n' "$(timedatectl show -p NTPSynchronized --value)" "$(timedatectl show -p NTP --value)"
elif command -v chronyc >/dev/null 2>&1 && t=$(chronyc -n tracking 2>/dev/null) && [ -n "$t" ]; then
  leap=$(printf '%s\\n' "$t" | sed -n 's/^Leap status *: *//p')
  case $leap in "Not synchronised"|"") s=no ;; *) s=yes ;; esac
  printf 'ntp_source=chrony\\nntp_synced=%s\\nntp_offset=%s\\n' "$s" "$(printf '%s\\n' "$t" | sed -n 's/^System time *: *//p')"
elif command -v ntpq >/dev/null 2>&1 && p=$(ntpq -pn 2>/dev/null); then
  if printf '%s\\n' "$p" | grep -q '^\\*'; then s=yes; else s=no; fi
  printf 'ntp_source=ntpd\\nntp_synced=%s\\n' "$s"
else
  echo ntp_source=none
fi`;

export const INVENTORY = `echo '=== addr'; ip -j -d addr show
echo '=== route'; ip -j route show default
echo '=== hostname'; hostname`;

/**
 * $1 MTU (number or "auto": the MTU of the device the route to each peer uses), $2 ports
 * (comma-separated), $3 addresses that should be free (comma-separated), then pairs
 * "<peer index> <peer address>". Peers are measured in parallel; output is printed in order.
 */
const MATRIX = `mtu=$1; ports=$2; probes=$3; shift 3
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
tcp() {
  if ! command -v bash >/dev/null 2>&1; then echo unknown; return; fi
  e=$(timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>&1); rc=$?
  if [ $rc -eq 0 ]; then echo open
  elif [ $rc -eq 124 ]; then echo filtered
  else case $e in *refused*) echo refused ;; *) echo filtered ;; esac
  fi
}
peer() {
  echo "=== peer $1 $2"
  echo "-- rs:ping"
  ping -c 10 -i 0.2 -W 1 -q "$2" 2>&1
  m=$mtu
  if [ "$m" = auto ]; then
    dev=$(ip route get "$2" 2>/dev/null | sed -n 's/.* dev \\([^ ]*\\).*/\\1/p' | head -n 1)
    m=$(cat "/sys/class/net/$dev/mtu" 2>/dev/null || echo 1500)
  fi
  echo "-- rs:mtu $m"
  ping -M do -s $((m - 28)) -c 3 -i 0.2 -W 1 -q "$2" 2>&1
  for p in $(echo "$ports" | tr ',' ' '); do echo "-- rs:port $p $(tcp "$2" "$p")"; done
}
probe() {
  echo "=== probe $1"
  ping -c 2 -i 0.2 -W 1 -q "$1" >/dev/null 2>&1
  echo "-- rs:ping-exit $?"
  ip -j neigh show to "$1" 2>/dev/null; echo
}
k=0
for a in $(echo "$probes" | tr ',' ' '); do k=$((k + 1)); probe "$a" > "$tmp/v$k" & done
while [ $# -ge 2 ]; do peer "$1" "$2" > "$tmp/p$1" & shift 2; done
gw=$(ip route show default 2>/dev/null | awk '{ for (i = 1; i < NF; i++) if ($i == "via") { print $(i + 1); exit } }')
if [ -n "$gw" ]; then
  { echo "=== gateway $gw"; ping -c 3 -i 0.2 -W 1 -q "$gw" 2>&1; } > "$tmp/g" &
fi
if command -v arping >/dev/null 2>&1; then
  ip -o -4 addr show scope global | awk '{ split($4, a, "/"); print $2, a[1] }' | while read -r dev addr; do
    arping -D -q -c 2 -w 3 -I "$dev" "$addr" >/dev/null 2>&1
    echo "=== dad $addr $?"
  done > "$tmp/d" &
else
  echo "=== dad-unavailable" > "$tmp/d"
fi
wait
cat "$tmp"/p* "$tmp"/v* "$tmp"/g "$tmp"/d 2>/dev/null
echo "=== neigh"
ip -j neigh show`;

/** $1 DNS server, then pairs "<name> <address>": forward (A) and reverse (PTR) answers. */
const DNS = `server=$1; shift
if command -v dig >/dev/null 2>&1; then tool=dig
elif command -v host >/dev/null 2>&1; then tool=host
else echo tool=none; exit 0; fi
echo "tool=$tool"
while [ $# -ge 2 ]; do
  if [ $tool = dig ]; then
    f=$(dig +short +time=2 +tries=1 "@$server" "$1" A 2>/dev/null | tr '\\n' ' ')
    r=$(dig +short +time=2 +tries=1 "@$server" -x "$2" 2>/dev/null | tr '\\n' ' ')
  else
    f=$(host -W 2 -t A "$1" "$server" 2>/dev/null | sed -n 's/.* has address //p' | tr '\\n' ' ')
    r=$(host -W 2 "$2" "$server" 2>/dev/null | sed -n 's/.* domain name pointer //p' | tr '\\n' ' ')
  fi
  printf 'fwd %s = %s\\nrev %s = %s\\n' "$1" "$f" "$2" "$r"
  shift 2
done`;

const ro = (id: string, script: string, args: string[] = [], timeoutMs = 30_000): Action => ({
  id,
  title: `network.actions.${id}`,
  command: { script, args },
  sudo: false,
  timeoutMs,
  destructive: false,
  capture: true,
});

export const networkCheckStep: StepModule = {
  id: NETWORK_CHECK_STEP,
  title: 'network.check.title',

  plan(project) {
    const plan = planOf(project);
    const probes = addressesToProbe(project).join(',');
    const ports = plan.requiredPorts.join(',');
    const out = new Map<string, Action[]>();
    project.hosts.forEach((h: Host, idx) => {
      const peers = project.hosts.flatMap((p, k) => (k === idx ? [] : [String(k), p.address]));
      const actions = [
        ro('clock', CLOCK),
        ro('interfaces', INVENTORY),
        ro('matrix', MATRIX, ['auto', ports, probes, ...peers], 90_000),
      ];
      if (plan.dnsServers.length > 0) {
        const pairs = expectedNames(project).flatMap((e) => [e.fqdn, e.address]);
        actions.push(ro('dns', DNS, [plan.dnsServers[0]!, ...pairs], 60_000));
      }
      out.set(h.id, actions);
    });
    return out;
  },

  evaluate(results: StepResults, project: Project): Finding[] {
    return evaluateNetwork(readHostFacts(results, project), project);
  },
};

export function evaluateNetwork(facts: Map<string, HostFacts>, project: Project): Finding[] {
  const plan = planOf(project);
  const t = plan.thresholds;
  const findings: Finding[] = [];
  const label = (id: string) => {
    const h = project.hosts.find((x) => x.id === id);
    return h?.name || h?.address || id;
  };
  const matrix = buildMatrix(facts, project);

  for (const h of project.hosts) {
    const f = facts.get(h.id);
    const me = label(h.id);
    if (!f?.matrix) {
      findings.push({
        severity: 'blocking', hostId: h.id, code: 'network.check-failed', params: { host: me },
        message: `${me}: the network check did not run to the end`,
        remediation: 'See the host\'s transcript, fix the connection, and run the check again.',
      });
      continue;
    }
    const row = matrix.cells.filter((c) => c.from === h.id);
    const list = (pick: (c: (typeof row)[number]) => string | null) => row.map((c) => pick(c)).filter((x): x is string => x !== null);

    const unreachable = list((c) => (c.received === 0 ? label(c.to) : null));
    if (unreachable.length) {
      findings.push({
        severity: 'blocking', hostId: h.id, code: 'network.unreachable', params: { host: me, peers: unreachable.join(', ') },
        message: `${me}: no ping reply from ${unreachable.join(', ')}`,
        remediation: 'Check cabling, switch ports, VLANs and firewalls between these nodes.',
      });
    }
    const lossy = row.filter((c) => c.received !== 0 && (c.lossPct ?? 0) > t.lossWarnPct);
    if (lossy.length) {
      const worst = Math.max(...lossy.map((c) => c.lossPct ?? 0));
      const peers = lossy.map((c) => `${label(c.to)} (${c.lossPct} %)`).join(', ');
      findings.push({
        severity: worst >= t.lossBlockPct ? 'blocking' : 'warning', hostId: h.id, code: 'network.loss', params: { host: me, peers },
        message: `${me}: packet loss to ${peers}`,
        remediation: 'Look for a bad cable, transceiver or switch port (interface error counters), or a saturated link.',
        measured: worst, threshold: t.lossBlockPct, compare: { measured: worst, threshold: t.lossBlockPct, better: 'lower' },
      });
    }
    const slow = row.filter((c) => (c.rttAvgMs ?? 0) >= t.rttWarnMs);
    if (slow.length) {
      const worst = Math.max(...slow.map((c) => c.rttAvgMs ?? 0));
      const peers = slow.map((c) => `${label(c.to)} (${c.rttAvgMs} ms)`).join(', ');
      findings.push({
        severity: worst >= t.rttBlockMs ? 'blocking' : 'warning', hostId: h.id, code: 'network.latency', params: { host: me, peers },
        message: `${me}: high round-trip time to ${peers}`,
        remediation: 'Nodes of one cluster should be on one low-latency network; check for routing through a distant hop or a congested link.',
        measured: worst, threshold: t.rttBlockMs, compare: { measured: worst, threshold: t.rttBlockMs, better: 'lower' },
      });
    }
    const mtuBad = list((c) => (c.received !== 0 && c.mtuOk === false ? `${label(c.to)} (${(c.mtuPayload ?? 0) + 28})` : null));
    if (mtuBad.length) {
      findings.push({
        severity: 'blocking', hostId: h.id, code: 'network.mtu', params: { host: me, peers: mtuBad.join(', ') },
        message: `${me}: full-size frames with "don't fragment" do not reach ${mtuBad.join(', ')}`,
        remediation: 'Set the same MTU on the nodes and every switch port between them (jumbo frames end to end, or 1500 everywhere).',
      });
    }
    const filtered = list((c) => {
      const ports = Object.entries(c.ports).filter(([, s]) => s === 'filtered').map(([p]) => p);
      return ports.length ? `${label(c.to)}:${ports.join('/')}` : null;
    });
    if (filtered.length) {
      findings.push({
        severity: 'blocking', hostId: h.id, code: 'network.port-filtered', params: { host: me, peers: filtered.join(', ') },
        message: `${me}: required TCP ports get no answer at ${filtered.join(', ')}`,
        remediation: 'Open these ports in the firewalls between the nodes (host nftables/iptables and network ACLs).',
      });
    }
    const closed = list((c) => {
      const ports = Object.entries(c.ports).filter(([, s]) => s === 'refused').map(([p]) => p);
      return ports.length ? `${label(c.to)}:${ports.join('/')}` : null;
    });
    if (closed.length) {
      findings.push({
        severity: 'warning', hostId: h.id, code: 'network.port-closed', params: { host: me, peers: closed.join(', ') },
        message: `${me}: the network lets these ports through but nothing listens yet: ${closed.join(', ')}`,
        remediation: 'Expected before the services are installed; they must listen once the cluster is built.',
      });
    }
    if (f.interfaces) {
      if (f.defaultRoutes.length === 0) {
        findings.push({
          severity: 'warning', hostId: h.id, code: 'network.no-default-route', params: { host: me },
          message: `${me}: no default route`,
          remediation: 'Set a gateway in the plan if the node must reach anything outside its subnets (NTP, DNS, package mirror).',
        });
      } else if (f.gateway && f.gateway.received === 0) {
        findings.push({
          severity: 'warning', hostId: h.id, code: 'network.gateway-unreachable', params: { host: me, gateway: f.gatewayAddress ?? '' },
          message: `${me}: the default gateway ${f.gatewayAddress} does not answer ping`,
          remediation: 'Check the gateway address and that the router answers ICMP on this subnet.',
        });
      }
      const ifs = f.interfaces.filter((i) => i.kind !== 'loopback');
      findings.push({
        severity: 'info', hostId: h.id, code: 'network.interfaces',
        params: { host: me, interfaces: ifs.map((i) => `${i.name} ${i.state} mtu ${i.mtu} ${i.addresses.filter((a) => a.family === 'inet').map((a) => `${a.address}/${a.prefix}`).join(' ')}`.trim()).join('; ') },
        message: `${me}: ${ifs.map((i) => `${i.name} (${i.kind}, ${i.state}, MTU ${i.mtu})`).join(', ')}`,
        remediation: 'Recorded for the report.',
      });
    }
    for (const d of f.dadDuplicates) {
      findings.push({
        severity: 'blocking', hostId: h.id, code: 'network.duplicate-address', params: { host: me, address: d },
        message: `${me}: another machine answers for ${me}'s address ${d} (arping duplicate address detection)`,
        remediation: 'Find the other machine (switch MAC table) and give one of them a different address.',
      });
    }
    if (f.ntp.source === 'none') {
      findings.push({
        severity: 'warning', hostId: h.id, code: 'network.ntp-unknown', params: { host: me },
        message: `${me}: no time synchronisation service found (chrony, systemd-timesyncd, ntpd)`,
        remediation: 'Install and configure chrony (the master install step does), pointing at the site\'s NTP server.',
      });
    } else if (f.ntp.synced === false) {
      findings.push({
        severity: 'warning', hostId: h.id, code: 'network.ntp-unsynced', params: { host: me, source: f.ntp.source },
        message: `${me}: ${f.ntp.source} is not synchronised`,
        remediation: 'Check that the NTP server is reachable (UDP 123) and wait for it to sync.',
      });
    }
    for (const d of f.dns) {
      if (d.kind === 'tool-missing') {
        findings.push({
          severity: 'warning', hostId: h.id, code: 'network.dns-tool-missing', params: { host: me },
          message: `${me}: neither dig nor host is installed, so DNS could not be checked`,
          remediation: 'Install dnsutils (bind9-dnsutils) or bind-utils, then run the check again.',
        });
      } else {
        findings.push({
          severity: 'warning', hostId: h.id, code: d.kind === 'forward' ? 'network.dns-forward' : 'network.dns-reverse',
          params: { host: me, query: d.query, expected: d.expected, got: d.got || '-' },
          message: `${me}: DNS ${d.kind} lookup of ${d.query} gave "${d.got || 'nothing'}", expected ${d.expected}`,
          remediation: 'Add or fix the A and PTR records on the DNS server, or correct the plan.',
        });
      }
    }
  }

  // Cluster-wide: clock skew against the median, duplicates seen in neighbour tables, VIP and planned addresses free.
  for (const c of matrix.clocks) {
    if (c.offsetS === undefined) continue;
    const off = Math.abs(c.offsetS);
    if (off > t.clockSkewWarnS) {
      const me = label(c.hostId);
      findings.push({
        severity: off > t.clockSkewBlockS ? 'blocking' : 'warning', hostId: c.hostId, code: 'network.clock-skew',
        params: { host: me, offset: round(c.offsetS, 1) },
        message: `${me}: clock is ${round(c.offsetS, 1)} s ${c.offsetS > 0 ? 'ahead of' : 'behind'} the median of the nodes`,
        remediation: 'Synchronise the clocks (chrony against the site NTP server); cluster membership and TLS fail with skewed clocks.',
        measured: round(off, 1), threshold: t.clockSkewBlockS, compare: { measured: round(off, 1), threshold: t.clockSkewBlockS, better: 'lower' },
      });
    }
  }
  const owners = new Map<string, { hostId: string; mac: string }>();
  for (const [id, f] of facts) for (const i of f.interfaces ?? []) for (const a of i.addresses) if (a.family === 'inet') owners.set(a.address, { hostId: id, mac: i.mac.toLowerCase() });
  const reported = new Set<string>();
  for (const [id, f] of facts) {
    for (const n of f.neigh) {
      const own = owners.get(n.dst);
      if (!own || !n.lladdr || own.hostId === id || reported.has(n.dst)) continue;
      // A bond's members share the bond's MAC; any other MAC answering for the address is a second machine.
      const macs = new Set((facts.get(own.hostId)?.interfaces ?? []).map((i) => i.mac.toLowerCase()));
      if (!macs.has(n.lladdr)) {
        reported.add(n.dst);
        findings.push({
          severity: 'blocking', hostId: own.hostId, code: 'network.duplicate-address',
          params: { host: label(own.hostId), address: n.dst, mac: n.lladdr, seenBy: label(id) },
          message: `${label(own.hostId)}: ${label(id)} reaches ${n.dst} at MAC ${n.lladdr}, which is not ${label(own.hostId)}'s: another machine uses this address`,
          remediation: 'Find the machine with that MAC (switch MAC table) and give it a different address.',
        });
      }
    }
  }
  const vip = plan.vip;
  for (const addr of addressesToProbe(project)) {
    const owner = [...owners.entries()].find(([a]) => a === addr)?.[1];
    const answered = [...facts.values()].some((f) => f.probes.get(addr)?.answered);
    if (!owner && !answered) continue;
    const isVip = addr === vip;
    const planner = isVip ? undefined : plan.hosts.find((hp) => hp.interfaces.some((i) => i.address === addr))?.hostId;
    const by = owner ? label(owner.hostId) : 'another machine';
    findings.push({
      severity: 'blocking', code: isVip ? 'network.vip-in-use' : 'network.planned-address-in-use',
      ...(planner ? { hostId: planner } : {}),
      params: { address: addr, by },
      message: isVip ? `The VIP ${addr} is already in use (${by} answers for it)` : `Planned address ${addr} is already in use (${by} answers for it)`,
      remediation: isVip ? 'Choose a free address for the VIP, or find and stop whatever holds it.' : 'Choose another address, or find the machine that holds it.',
    });
  }
  if (plan.dnsServers.length === 0) {
    findings.push({
      severity: 'info', code: 'network.dns-not-configured', params: {},
      message: 'No DNS server in the plan: names come from /etc/hosts; DNS lookups were not checked',
      remediation: 'Add the site\'s DNS servers to the plan to have forward and reverse records checked.',
    });
  }
  return findings;
}

const round = (n: number, d: number) => Math.round(n * 10 ** d) / 10 ** d;
