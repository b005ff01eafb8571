import type { HardwareProfileId, Role } from '../../../contract/index.js';

/** Minimums per role. Sizes in bytes; disk size is the largest disk (the one the OS and data land on). */
export interface RoleThresholds {
  cores: number;
  threads: number;
  memoryBytes: number;
  /** Memory with ECC is required (a missing or unknown ECC report is then a finding). */
  ecc: boolean;
  largestDiskBytes: number;
  /** At least two spare (unmounted) disks of equal size, so they can form a RAID 1/10 set. */
  raidCapableDisks: boolean;
  /** Fastest link speed any NIC must reach, in Mb/s; 0 = no requirement. */
  nicSpeedMbps: number;
}

export interface HardwareProfile {
  id: HardwareProfileId;
  /** Lab nodes' disks are loop devices; they count as disks only in the lab profile. */
  includeLoopDisks: boolean;
  roles: Record<Role, RoleThresholds>;
}

const GiB = 1024 ** 3;
const GB = 1000 ** 3;

export const PROFILES: Record<HardwareProfileId, HardwareProfile> = {
  // A sensible floor for a small cluster.
  default: {
    id: 'default',
    includeLoopDisks: false,
    roles: {
      master: { cores: 4, threads: 4, memoryBytes: 16 * GiB, ecc: false, largestDiskBytes: 100 * GB, raidCapableDisks: false, nicSpeedMbps: 0 },
      worker: { cores: 2, threads: 2, memoryBytes: 8 * GiB, ecc: false, largestDiskBytes: 100 * GB, raidCapableDisks: false, nicSpeedMbps: 0 },
    },
  },
  // The original order: 32 cores / 64 threads, 256 GiB ECC, RAID-capable disks, 10 GbE, every role.
  production: {
    id: 'production',
    includeLoopDisks: false,
    roles: {
      master: { cores: 32, threads: 64, memoryBytes: 256 * GiB, ecc: true, largestDiskBytes: 100 * GB, raidCapableDisks: true, nicSpeedMbps: 10_000 },
      worker: { cores: 32, threads: 64, memoryBytes: 256 * GiB, ecc: true, largestDiskBytes: 100 * GB, raidCapableDisks: true, nicSpeedMbps: 10_000 },
    },
  },
  // The training lab (scripts/lab): namespaces on one machine with 256 MiB loop disks.
  lab: {
    id: 'lab',
    includeLoopDisks: true,
    roles: {
      master: { cores: 1, threads: 1, memoryBytes: 1 * GiB, ecc: false, largestDiskBytes: 200 * 1000 ** 2, raidCapableDisks: false, nicSpeedMbps: 0 },
      worker: { cores: 1, threads: 1, memoryBytes: 1 * GiB, ecc: false, largestDiskBytes: 200 * 1000 ** 2, raidCapableDisks: false, nicSpeedMbps: 0 },
    },
  },
};

/**
 * Whether thresholds `to` (as a run journaled them: `includeLoopDisks` plus one object per role)
 * let through something `from` would block: any number lower, any requirement dropped.
 */
export function isLaxer(from: Record<string, unknown>, to: Record<string, unknown>): boolean {
  if (from.includeLoopDisks === false && to.includeLoopDisks === true) return true;
  for (const role of Object.keys(from)) {
    const a = from[role];
    const b = to[role];
    if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) continue;
    for (const [k, va] of Object.entries(a as Record<string, unknown>)) {
      const vb = (b as Record<string, unknown>)[k];
      if (typeof va === 'number' && typeof vb === 'number' && vb < va) return true;
      if (va === true && vb === false) return true;
    }
  }
  return false;
}
