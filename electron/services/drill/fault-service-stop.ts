import type { Host, Project } from '../../contract/index.js';
import type { SshPool } from '../ssh/pool.js';
import { drillCluster, runOn } from './cluster.js';
import type { FaultInjector } from './fault.js';

/**
 * `service-stop`: the VIP's owner stopped cleanly on the target (keepalived: `systemctl stop`;
 * Pacemaker: `pcs cluster stop` on the node itself, which moves its resources away first), started
 * again to restore. Before the stop, a transient timer on the node (`systemd-run --on-active`)
 * starts it again after `guardS` seconds, so a drill whose laptop never comes back does not leave
 * the node out of the cluster; the restore cancels the timer.
 *
 * When the target holds the VIP, the stop runs in the background while the script watches the
 * address (every 20 ms) and prints `released <ms>` once the target no longer holds it: the fault's
 * effect, in ms after the script began (FaultInjector.effectiveMs). `pcs cluster stop` first runs
 * Pacemaker's shutdown transition — seconds (more under load) during which the VIP still answers —
 * so the RTO counts from the release, not from the command.
 */
export const SERVICE_GUARD_UNIT = 'rackside-drill-service';

const SCRIPT = `set -u
mode=$1 owner=$2 guard=$3 unit=$4 vip=$5
t0=$(date +%s%N)
if [ "$owner" = pacemaker ]; then start='pcs cluster start'; stop='pcs cluster stop'; else start='systemctl start keepalived'; stop='systemctl stop keepalived'; fi
systemctl stop "$unit.timer" >/dev/null 2>&1
systemctl reset-failed "$unit.timer" "$unit.service" >/dev/null 2>&1
if [ "$mode" = restore ]; then exec $start; fi
systemd-run --quiet --unit "$unit" --on-active="$guard" --timer-property=AccuracySec=1s $start || exit 3
holds() { ip -o -4 addr show | grep -qF " $vip/"; }
holds || exec $stop
$stop &
pid=$!
while holds && kill -0 "$pid" 2>/dev/null; do sleep 0.02; done
holds || echo "released $(( ($(date +%s%N) - t0) / 1000000 ))"
wait "$pid"`;

/** The `released <ms>` line of the script's output (null: the target did not hold the VIP, or kept it). */
export function parseReleased(stdout: string): number | null {
  const m = /^released (\d+)$/m.exec(stdout);
  return m ? Number(m[1]) : null;
}

export function serviceStopFault(pool: SshPool, guardS: number): FaultInjector {
  const act = async (mode: 'inject' | 'restore', target: Host, project: Project, signal: AbortSignal) => {
    const cl = drillCluster(project);
    if ('reason' in cl) return { ok: false as const, reason: cl.reason };
    const r = await runOn(pool, target, { script: SCRIPT, args: [mode, cl.owner, `${guardS}s`, SERVICE_GUARD_UNIT, cl.vip] }, 120_000, mode === 'inject' ? signal : undefined);
    if (r.status === 'ok') {
      const released = mode === 'inject' ? parseReleased(r.stdout) : null;
      return released === null ? { ok: true as const } : { ok: true as const, effectiveMs: released };
    }
    const code = r.status === 'connect-failed' ? 'unreachable' : mode === 'inject' ? 'inject-failed' : 'restore-failed';
    return { ok: false as const, reason: { code, params: { host: target.name || target.address, detail: (r.stderr || r.message).trim().slice(0, 300) } } } as const;
  };
  return {
    kind: 'service-stop',
    available: async (_target, project) => {
      const cl = drillCluster(project);
      return 'reason' in cl ? { ok: false, reason: cl.reason } : { ok: true };
    },
    inject: (t, p, s) => act('inject', t, p, s),
    restore: (t, p, s) => act('restore', t, p, s),
  };
}
