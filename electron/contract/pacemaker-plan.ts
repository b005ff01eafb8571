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

/** corosync's cluster_name as pcs accepts it. */
const CLUSTER_NAME = /^[A-Za-z0-9_-]{1,15}$/;

/** The Pacemaker part's issues (`install.issue.<code>`, field under `pacemaker.`). Pure. */
export function validatePacemakerPlan(plan: PacemakerPlan, hosts: readonly HostRef[], vip: string): InstallIssue[] {
  const issues: InstallIssue[] = [];
  if (!CLUSTER_NAME.test(plan.clusterName)) {
    issues.push({ severity: 'error', field: 'pacemaker.clusterName', code: 'pacemaker-cluster-name', params: { value: plan.clusterName, max: 15 },
      message: `Cluster name "${plan.clusterName}": 1-15 letters, digits, _ or -` });
  }
  if (plan.vipOwner === 'pacemaker' && !vip) {
    issues.push({ severity: 'error', field: 'pacemaker.vipOwner', code: 'pacemaker-vip-missing',
      message: 'Pacemaker is to hold the VIP, but the network plan has none: set a VIP, or let keepalived own it' });
  }
  const names = new Map<string, string>();
  for (const h of hosts) {
    const key = h.name.toLowerCase();
    if (!key) continue;
    const other = names.get(key);
    if (other !== undefined) {
      issues.push({ severity: 'error', hostId: h.id, field: 'hosts', code: 'pacemaker-name-twice', params: { name: h.name },
        message: `Two hosts are named ${h.name}: Pacemaker names its nodes by host name` });
    }
    names.set(key, h.id);
  }
  return issues;
}
