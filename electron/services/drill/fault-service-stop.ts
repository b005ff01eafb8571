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
 */
export const SERVICE_GUARD_UNIT = 'rackside-drill-service';

const SCRIPT = `set -u
mode=$1 owner=$2 guard=$3 unit=$4
if [ "$owner" = pacemaker ]; then start='pcs cluster start'; stop='pcs cluster stop'; else start='systemctl start keepalived'; stop='systemctl stop keepalived'; fi
systemctl stop "$unit.timer" >/dev/null 2>&1
systemctl reset-failed "$unit.timer" "$unit.service" >/dev/null 2>&1
if [ "$mode" = restore ]; then exec $start; fi
systemd-run --quiet --unit "$unit" --on-active="$guard" --timer-property=AccuracySec=1s $start || exit 3
exec $stop`;

export function serviceStopFault(pool: SshPool, guardS: number): FaultInjector {
  const act = async (mode: 'inject' | 'restore', target: Host, project: Project, signal: AbortSignal) => {
    const cl = drillCluster(project);
    if ('reason' in cl) return { ok: false as const, reason: cl.reason };
    const r = await runOn(pool, target, { script: SCRIPT, args: [mode, cl.owner, `${guardS}s`, SERVICE_GUARD_UNIT] }, 120_000, mode === 'inject' ? signal : undefined);
    if (r.status === 'ok') return { ok: true as const };
    const code = r.status === 'connect-failed' || r.status === 'interrupted' ? 'unreachable' : 'restore-failed';
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
