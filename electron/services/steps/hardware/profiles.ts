import type { HardwareProfileInfo, RoleThresholds } from '../../../contract/index.js';

/**
 * A hardware profile as loaded from its YAML file (resources/profiles, or a company's folder):
 * see profile-files.ts for where they come from and what a file looks like.
 */
export type HardwareProfile = HardwareProfileInfo;
export type { RoleThresholds };

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
