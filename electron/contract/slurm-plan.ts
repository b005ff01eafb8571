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

/** The Slurm part's issues (`install.issue.<code>`, field under `slurm.`). Pure. */
export function validateSlurmPlan(_plan: SlurmPlan, _hosts: readonly HostRef[]): InstallIssue[] {
  return [];
}
