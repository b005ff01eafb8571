import { z } from 'zod';
import type { InstallIssue } from './install-plan.js';

/**
 * The Pacemaker/Corosync (HA) profile's part of the install plan (`install.pacemaker` in
 * project.yaml, used when `install.profile` is `pacemaker`). The nodes are the inventory's hosts:
 * the masters form the cluster in the master install, the others join in step 6. The hacluster
 * password is a secret made on the first master (never in the plan); a host's BMC (fencing) is
 * the inventory's `bmc`, its password in the secret store (`bmcSecretId`).
 */
export const PACEMAKER_VIP_OWNERS = ['pacemaker', 'keepalived'] as const;
export const PACEMAKER_QUORUM_POLICIES = ['stop', 'freeze', 'ignore', 'demote'] as const;

export const pacemakerPlanSchema = z
  .object({
    /** corosync cluster_name: at most 15 characters (pcs). */
    clusterName: z.string().max(64).default('rackside'),
    /** Who holds the network plan's VIP: an `ocf:heartbeat:IPaddr2` resource, or the base platform's keepalived. */
    vipOwner: z.enum(PACEMAKER_VIP_OWNERS).default('pacemaker'),
    /** Pacemaker's no-quorum-policy. */
    quorumPolicy: z.enum(PACEMAKER_QUORUM_POLICIES).default('stop'),
  })
  .default({ clusterName: 'rackside', vipOwner: 'pacemaker', quorumPolicy: 'stop' });
export type PacemakerPlan = z.infer<typeof pacemakerPlanSchema>;

interface HostRef {
  id: string;
  name: string;
  address: string;
  role: string;
}

/** The Pacemaker part's issues (`install.issue.<code>`, field under `pacemaker.`). Pure. */
export function validatePacemakerPlan(_plan: PacemakerPlan, _hosts: readonly HostRef[], _vip: string): InstallIssue[] {
  return [];
}
