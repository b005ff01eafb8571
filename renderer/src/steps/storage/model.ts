import {
  arrayCapacityBytes,
  storagePlanSchema,
  validateStoragePlan,
  type HostDisks,
  type HostStorageStatus,
  type RaidLevel,
  type StorageIssue,
  type StoragePlanInput,
} from '../../../../electron/contract/index.js';

/** Poll storage.status again only while some array is being built up (resync, recovery): a clean array does not change. */
export function isSyncing(hosts: readonly HostStorageStatus[]): boolean {
  return hosts.some((h) => h.arrays.some((a) => a.sync !== undefined || a.state === 'resyncing' || a.state === 'recovering'));
}

/** What the array will hold, from its smallest member (the contract's arithmetic, as savePlan checks it). */
export function usableBytes(level: RaidLevel, sizes: readonly number[]): number {
  return sizes.length === 0 ? 0 : arrayCapacityBytes(level, sizes.length, Math.min(...sizes));
}

/** A code as the engine sends it (`too-few-disks` or `storage.issue.too-few-disks`) → the locale key's last part. */
export const issueKey = (code: string) => code.replace(/^storage\.issue\./, '');

/**
 * The plan's problems as the technician edits: the schema's own checks first (what the form cannot
 * hold), then the contract's validateStoragePlan against the inventory and the disks last read,
 * the same function storage.savePlan runs before saving.
 */
export function liveIssues(plan: StoragePlanInput, hosts: readonly { id: string; name?: string }[], disks?: readonly HostDisks[]): StorageIssue[] {
  const parsed = storagePlanSchema.safeParse(plan);
  if (!parsed.success) return parsed.error.issues.map((i) => ({ field: i.path.join('.'), code: 'schema', message: i.message, params: { field: i.path.join('.') } }));
  return validateStoragePlan(parsed.data, hosts, disks);
}
