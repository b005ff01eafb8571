import { because, err, ok, runPassed, type ClusterMember, type Project, type Result, type RunView } from '../../../contract/index.js';
import type { RunRecord } from '../../runbook/replay.js';

/**
 * Who is a member of the built cluster, from the journal's last runs: the hosts the last
 * `worker-join` run found `join.member`, and the hosts that completed every action of the last
 * master install when that run completed. Only when the project's profile has something to leave
 * (a profile without `leave`, the base platform, builds no membership to remove). Hosts no longer
 * in the inventory are left out.
 */
export function clusterMembers(
  project: Pick<Project, 'hosts'>,
  last: { join?: Pick<RunRecord, 'findings'> | undefined; master?: Pick<RunRecord, 'finished' | 'hosts'> | undefined },
  profileHasLeave: boolean,
): ClusterMember[] {
  if (!profileHasLeave) return [];
  const via = new Map<string, ClusterMember['via']>();
  if (last.master?.finished === 'completed') {
    for (const h of last.master.hosts) {
      if (h.actions.length > 0 && h.actions.every((a) => a.status === 'done' || a.status === 'already-done' || a.status === 'skipped')) via.set(h.hostId, 'master');
    }
  }
  for (const f of last.join?.findings ?? []) if (f.code === 'join.member' && f.hostId && !via.has(f.hostId)) via.set(f.hostId, 'join');
  return project.hosts.filter((h) => via.has(h.id)).map((h) => ({ hostId: h.id, via: via.get(h.id)! }));
}

/**
 * A finished `cluster-leave` run as the answer to `cluster.leave`: ok only when the run completed
 * with no open blocking finding (`leave.failed`); else an error naming the run, so the renderer
 * keeps the host and says why. `view` undefined: the run's end was not seen (the backend lost it).
 */
export function leaveOutcome(view: RunView | undefined, runId: string, host: string): Result<{ runId: string; run: RunView }> {
  if (view && runPassed(view)) return ok({ runId, run: view });
  const status = view?.status ?? 'interrupted';
  return because(
    err('io-failed', `${host} did not leave the cluster (run ${runId}: ${status}); it stays in the inventory`, 'Open the run\'s output in the journal or terminal, fix the cause, then remove the host again.'),
    'cluster-leave-failed',
    { host, runId, status },
  );
}
