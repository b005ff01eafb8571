import type { Host } from '../../contract/index.js';
import type { SshPool } from '../ssh/pool.js';
import { drillCluster, runOn } from './cluster.js';
import type { FaultInjector } from './fault.js';

/**
 * `link-cut`: the target cut off from the cluster network by an nftables table of its own on the
 * node (`inet rackside_drill` + `arp rackside_drill`): every packet in and out is dropped except the
 * laptop's SSH (the session's client address and sshd port as the node sees them, from
 * SSH_CONNECTION — read from sudo's own environment when sudo reset ours — so a bastion in between
 * is the address kept) and loopback. The ARP table keeps the node from answering ARP for the VIP it still
 * holds (it hears no peer, so it stays master): otherwise the laptop's own neighbour cache could
 * keep sending the VIP's traffic to the cut node.
 *
 * Guarded: a transient timer (`systemd-run --on-active`) deleting both tables is armed BEFORE the
 * tables are loaded, so a node whose laptop never comes back rejoins by itself after `guardS`
 * seconds. Priority -300 puts the chains ahead of the Rackside firewall's (priority 0): a drop in
 * any base chain drops the packet. The same on real servers and on the lab's systemd nodes.
 */
export const LINK_GUARD_UNIT = 'rackside-drill-link';
export const LINK_TABLE = 'rackside_drill';

const SCRIPT = `set -u
mode=$1 guard=$2 unit=$3 table=$4
# sudo resets the environment; its own process (our parent) still has the SSH session's.
conn=\${SSH_CONNECTION:-$(tr '\\0' '\\n' < /proc/$PPID/environ 2>/dev/null | sed -n 's/^SSH_CONNECTION=//p')}
laptop=$(echo "$conn" | cut -d' ' -f1) port=$(echo "$conn" | cut -d' ' -f4)
drop="nft delete table inet $table 2>/dev/null; nft delete table arp $table 2>/dev/null; true"
systemctl stop "$unit.timer" >/dev/null 2>&1
systemctl reset-failed "$unit.timer" "$unit.service" >/dev/null 2>&1
if [ "$mode" = restore ]; then sh -c "$drop"; exit 0; fi
[ -n "$laptop" ] && [ -n "$port" ] || { echo "cannot tell this session's client address (SSH_CONNECTION)" >&2; exit 2; }
case "$laptop" in *:*) fam=ip6 ;; *) fam=ip ;; esac
own=$(ip route get "$laptop" 2>/dev/null | sed -n 's/.* src \\([^ ]*\\).*/\\1/p')
[ -n "$own" ] || { echo "no route to $laptop" >&2; exit 2; }
systemd-run --quiet --unit "$unit" --on-active="$guard" --timer-property=AccuracySec=1s sh -c "$drop" || exit 3
arp=''
[ "$fam" = ip ] && arp="table arp $table {
  chain input { type filter hook input priority 0; policy drop; arp saddr ip $laptop accept; }
  chain output { type filter hook output priority 0; policy drop; arp saddr ip $own arp daddr ip $laptop accept; }
}"
nft -f - <<RULES || { sh -c "$drop"; exit 4; }
table inet $table {
  chain input { type filter hook input priority -300; policy drop; iif lo accept; $fam saddr $laptop tcp dport $port accept; }
  chain output { type filter hook output priority -300; policy drop; oif lo accept; $fam daddr $laptop tcp sport $port accept; }
}
$arp
RULES
echo "cut: kept $laptop -> $own:$port"`;

export function linkCutFault(pool: SshPool, guardS: number): FaultInjector {
  const fail = (target: Host, code: 'unreachable' | 'inject-failed' | 'restore-failed', detail: string) =>
    ({ ok: false as const, reason: { code, params: { host: target.name || target.address, detail: detail.trim().slice(0, 300) } } });
  return {
    kind: 'link-cut',
    available: async (_target, project) => {
      const cl = drillCluster(project);
      return 'reason' in cl ? { ok: false, reason: cl.reason } : { ok: true };
    },
    inject: async (target, _project, signal) => {
      const r = await runOn(pool, target, { script: SCRIPT, args: ['inject', `${guardS}s`, LINK_GUARD_UNIT, LINK_TABLE] }, 30_000, signal);
      return r.status === 'ok' ? { ok: true } : fail(target, r.status === 'connect-failed' ? 'unreachable' : 'inject-failed', r.stderr || r.message);
    },
    restore: async (target) => {
      const r = await runOn(pool, target, { script: SCRIPT, args: ['restore', '-', LINK_GUARD_UNIT, LINK_TABLE] }, 30_000);
      return r.status === 'ok' ? { ok: true } : fail(target, r.status === 'connect-failed' ? 'unreachable' : 'restore-failed', r.stderr || r.message);
    },
  };
}
