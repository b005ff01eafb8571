import { z } from 'zod';
import type { InstallIssue } from './install-plan.js';

/**
 * The Slurm (HPC) profile's part of the install plan (`install.slurm` in project.yaml, used when
 * `install.profile` is `slurm`). One controller (slurmctld) on the first master; slurmd on every
 * node; NodeName lines come from each node's `slurmd -C`. The munge key is a secret made once on
 * the first master (never in the plan). A backup controller needs shared state: not built.
 */
export const slurmPartitionSchema = z.object({
  /** Slurm PartitionName. */
  name: z.string().max(64),
  /** Host ids in the partition; empty: every node. */
  hosts: z.array(z.string().min(1).max(200)).max(1000).default([]),
  /** Default=YES (exactly one partition is the default). */
  default: z.boolean().default(false),
  /** MaxTime in minutes; absent: UNLIMITED. */
  maxTimeMin: z.number().int().optional(),
});
export type SlurmPartition = z.infer<typeof slurmPartitionSchema>;

export const slurmPlanSchema = z
  .object({
    /** slurm.conf ClusterName (lower case). */
    clusterName: z.string().max(64).default('rackside'),
    partitions: z.array(slurmPartitionSchema).max(16).default([{ name: 'main', hosts: [], default: true }]),
  })
  .default({ clusterName: 'rackside', partitions: [{ name: 'main', hosts: [], default: true }] });
export type SlurmPlan = z.infer<typeof slurmPlanSchema>;

interface HostRef {
  id: string;
  name: string;
  address: string;
  role: string;
}

/** Slurm's ClusterName: lower case (Slurm folds it), short (it names accounting tables). */
const CLUSTER_NAME = /^[a-z][a-z0-9_-]{0,39}$/;
/** A PartitionName slurm.conf takes: no separators, not the reserved DEFAULT. */
const PARTITION_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** The Slurm part's issues (`install.issue.<code>`, field under `slurm.`). Pure. */
export function validateSlurmPlan(plan: SlurmPlan, hosts: readonly HostRef[]): InstallIssue[] {
  const issues: InstallIssue[] = [];
  const add = (i: Omit<InstallIssue, 'severity'>) => issues.push({ severity: 'error', ...i });
  const byId = new Map(hosts.map((h) => [h.id, h]));
  if (!CLUSTER_NAME.test(plan.clusterName)) {
    add({ field: 'slurm.clusterName', code: 'slurm-cluster-name-invalid', message: `"${plan.clusterName}" is not a Slurm cluster name (lower-case letters, digits, - and _, at most 40, starting with a letter)`, params: { value: plan.clusterName } });
  }
  if (plan.partitions.length === 0) add({ field: 'slurm.partitions', code: 'slurm-no-partition', message: 'Slurm needs at least one partition' });
  const names = new Set<string>();
  plan.partitions.forEach((p, k) => {
    const f = `slurm.partitions.${k}`;
    if (!PARTITION_NAME.test(p.name) || p.name.toLowerCase() === 'default') {
      add({ field: `${f}.name`, code: 'slurm-partition-name-invalid', message: `"${p.name}" is not a partition name (letters, digits, . - _; not DEFAULT)`, params: { value: p.name } });
    } else if (names.has(p.name)) {
      add({ field: `${f}.name`, code: 'slurm-partition-twice', message: `Partition ${p.name} is defined twice`, params: { value: p.name } });
    }
    names.add(p.name);
    const seen = new Set<string>();
    p.hosts.forEach((id, j) => {
      if (!byId.has(id)) add({ field: `${f}.hosts.${j}`, code: 'slurm-partition-host-unknown', message: `Partition ${p.name} names host ${id}, which is not in the inventory`, params: { partition: p.name, host: id } });
      else if (seen.has(id)) add({ hostId: id, field: `${f}.hosts.${j}`, code: 'slurm-partition-host-twice', message: `Partition ${p.name} names ${byId.get(id)!.name || id} twice`, params: { partition: p.name, host: byId.get(id)!.name || id } });
      seen.add(id);
    });
    if (p.maxTimeMin !== undefined && p.maxTimeMin < 1) {
      add({ field: `${f}.maxTimeMin`, code: 'slurm-max-time-range', message: `Partition ${p.name}: the time limit ${p.maxTimeMin} min is not at least 1 min`, params: { partition: p.name, value: p.maxTimeMin } });
    }
  });
  const defaults = plan.partitions.filter((p) => p.default);
  if (plan.partitions.length > 0 && defaults.length !== 1) {
    add({ field: 'slurm.partitions', code: defaults.length === 0 ? 'slurm-no-default' : 'slurm-default-twice',
      message: defaults.length === 0 ? 'No partition is the default: mark exactly one' : `${defaults.length} partitions are the default (${defaults.map((p) => p.name).join(', ')}): mark exactly one`,
      params: { count: defaults.length, partitions: defaults.map((p) => p.name).join(', ') } });
  }
  return issues;
}
