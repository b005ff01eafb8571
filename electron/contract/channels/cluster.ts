import { z } from 'zod';
import { runSchema } from './runbook.js';

/**
 * The built cluster's membership, for removing a node (issue 19): a host that is a member (its
 * last `worker-join` run found it `join.member`, or it completed the last master install of a
 * profile that has members to remove) first leaves the cluster, through the runner's on-demand
 * step `cluster-leave` (input `{ hostId }`), and leaves the inventory only when that succeeded.
 */

const dirSchema = z.string().min(1).max(4096);
const idSchema = z.string().min(1).max(200);

export const CLUSTER_MEMBER_VIA = ['join', 'master'] as const;
export const clusterMemberSchema = z.object({
  hostId: z.string(),
  /** How it became a member: step 6's join, or step 5's master install. */
  via: z.enum(CLUSTER_MEMBER_VIA),
});
export type ClusterMember = z.infer<typeof clusterMemberSchema>;

export const clusterRequests = {
  /** The saved project's cluster members, from its journal; none when nothing was built (or no project yet). */
  'cluster.members': {
    request: z.object({ dir: dirSchema }),
    response: z.object({ profile: z.string(), members: z.array(clusterMemberSchema) }),
  },
  /**
   * Remove one node's membership (step `cluster-leave`, run to its end). An error (reason
   * `cluster-leave-failed`, with the run id) when the run did not complete cleanly: the caller then
   * keeps the host in the inventory.
   */
  'cluster.leave': {
    request: z.object({ dir: dirSchema, hostId: idSchema }),
    response: z.object({ runId: z.string(), run: runSchema }),
  },
} as const;

export const clusterEvents = {} as const;
