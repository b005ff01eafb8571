import {
  RAID_MIN_DISKS,
  storagePlanSchema,
  type HostStorageStatus,
  type RaidLevel,
  type StorageIssue,
  type StoragePlanInput,
} from '../../../../electron/contract/index.js';

/** Poll storage.status again only while some array is being built up (resync, recovery): a clean array does not change. */
export function isSyncing(hosts: readonly HostStorageStatus[]): boolean {
  return hosts.some((h) => h.arrays.some((a) => a.sync !== undefined || a.state === 'resyncing' || a.state === 'recovering'));
}

/** What the array will hold, from its smallest member: RAID 1 one disk, 5 all but one, 6 all but two, 10 half. */
export function usableBytes(level: RaidLevel, sizes: readonly number[]): number {
  if (sizes.length < RAID_MIN_DISKS[level]) return 0;
  const min = Math.min(...sizes);
  const n = sizes.length;
  const data = level === 'raid1' ? 1 : level === 'raid5' ? n - 1 : level === 'raid6' ? n - 2 : Math.floor(n / 2);
  return data * min;
}

/** A code as the engine sends it (`too-few-disks` or `storage.issue.too-few-disks`) → the locale key's last part. */
export const issueKey = (code: string) => code.replace(/^storage\.issue\./, '');

/**
 * The plan's problems as the technician edits. Until the contract's `validateStoragePlan` lands
 * (the engine adds it), the schema's own checks and the level's fewest disks; the backend
 * validates again before saving either way.
 */
export function liveIssues(plan: StoragePlanInput): StorageIssue[] {
  const parsed = storagePlanSchema.safeParse(plan);
  if (!parsed.success) return parsed.error.issues.map((i) => ({ field: i.path.join('.'), code: 'schema', message: i.message, params: { field: i.path.join('.') } }));
  const p = parsed.data;
  if (p.mode === 'none') return [];
  const min = RAID_MIN_DISKS[p.layout.level];
  return p.hosts.flatMap((h, i) =>
    h.disks.length < min ? [{ hostId: h.hostId, field: `hosts.${i}.disks`, code: 'too-few-disks', message: `${p.layout.level} needs at least ${min} disks, ${h.disks.length} chosen`, params: { level: p.layout.level, min, count: h.disks.length } }] : [],
  );
}
