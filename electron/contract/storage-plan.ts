import { z } from 'zod';

/**
 * The storage plan (wizard step 4): one layout chosen once and applied per host — an mdadm array
 * (metadata 1.2, internal bitmap), optional LVM on top, a filesystem and a mount — and, per host,
 * the disks it is built from, named by serial (never by /dev/sdX, which changes across boots).
 * Stored as the optional `storage` section of project.yaml. Pure zod + TypeScript: the renderer
 * validates as the technician edits, the backend validates again before anything is saved or run.
 */

export const RAID_LEVELS = ['raid1', 'raid5', 'raid6', 'raid10'] as const;
export type RaidLevel = (typeof RAID_LEVELS)[number];
/** Fewest member disks mdadm accepts for a useful array of each level. */
export const RAID_MIN_DISKS: Readonly<Record<RaidLevel, number>> = { raid1: 2, raid5: 3, raid6: 4, raid10: 4 };

export const FILESYSTEMS = ['ext4', 'xfs'] as const;
export type Filesystem = (typeof FILESYSTEMS)[number];

/** Most data disks one host's plan may name (mdadm allows more; no server of ours has more bays). */
export const MAX_PLAN_DISKS = 64;

/** The md name (`/dev/md/<name>`), a VG or LV name: what mdadm and LVM accept, kept short. */
export const STORAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,31}$/;
/** Absolute mount point: no `..`, no whitespace or shell metacharacters needed in fstab. */
export const MOUNT_POINT = /^\/[A-Za-z0-9._/-]{0,200}$/;
/** fstab options: comma-separated `name` or `name=value` words. */
export const MOUNT_OPTIONS = /^[A-Za-z0-9_.=:-]+(,[A-Za-z0-9_.=:-]+)*$/;
/** An LV size: `<n>M|G|T` (MiB, GiB, TiB) or `<n>%FREE` / `<n>%VG`. */
export const LV_SIZE = /^([1-9][0-9]{0,8}(M|G|T)|([1-9][0-9]?|100)%(FREE|VG))$/;

export const volumeSchema = z.object({
  /** LV name (with LVM); with no LVM the filesystem goes on the array itself and this is unused. */
  name: z.string().max(32).default('data'),
  /** `100G`, `512M`, `100%FREE` … (LVM only). */
  size: z.string().max(16).default('100%FREE'),
  filesystem: z.enum(FILESYSTEMS).default('ext4'),
  mountPoint: z.string().max(201).default('/data'),
  /** fstab options besides the `nofail` and device timeout Rackside always adds. */
  mountOptions: z.string().max(200).default('defaults'),
});
export type StorageVolume = z.infer<typeof volumeSchema>;

export const storageLayoutSchema = z.object({
  /** The array's name: `/dev/md/<arrayName>`, stable across boots through mdadm.conf. */
  arrayName: z.string().max(32).default('data'),
  level: z.enum(RAID_LEVELS).default('raid10'),
  /** LVM on top of the array: a VG and its LVs. Absent: one filesystem straight on the array (`volumes[0]`). */
  lvm: z.object({ vg: z.string().max(32).default('vg_data') }).optional(),
  /** With LVM: one per LV, in creation order; without: exactly one, the array's filesystem. */
  volumes: z.array(volumeSchema).min(1).max(16).default([volumeSchema.parse({})]),
});
export type StorageLayout = z.infer<typeof storageLayoutSchema>;

/** A disk chosen for the array, as it was when the technician chose it. */
export const plannedDiskSchema = z.object({
  serial: z.string().min(1).max(128),
  sizeBytes: z.number().int().positive(),
  /** Informative (the guard finds the disk by serial, not by this path). */
  byId: z.string().max(300).default(''),
  model: z.string().max(128).default(''),
});
export type PlannedDisk = z.infer<typeof plannedDiskSchema>;

export const hostStoragePlanSchema = z.object({
  hostId: z.string().min(1).max(200),
  disks: z.array(plannedDiskSchema).max(MAX_PLAN_DISKS).default([]),
});
export type HostStoragePlan = z.infer<typeof hostStoragePlanSchema>;

export const storagePlanSchema = z.object({
  /**
   * `none`: these servers get no local array (the step then only records that, as an info
   * finding); `raid`: the layout below on every host listed in `hosts`.
   */
  mode: z.enum(['none', 'raid']).default('raid'),
  layout: storageLayoutSchema.default(storageLayoutSchema.parse({})),
  hosts: z.array(hostStoragePlanSchema).max(1000).default([]),
  /** `x-systemd.device-timeout` in fstab: how long boot waits for the array before going on (nofail). */
  deviceTimeoutS: z.number().int().min(1).max(600).default(30),
});
export type StoragePlan = z.infer<typeof storagePlanSchema>;
export type StoragePlanInput = z.input<typeof storagePlanSchema>;

/** A problem with the plan: a stable code the renderer words from `storage.issue.<code>`. */
export interface StorageIssue {
  hostId?: string;
  /** Dotted path of the field: `layout.level`, `layout.volumes.0.size`, `hosts.1.disks` … */
  field: string;
  code: string;
  /** English fallback. */
  message: string;
  params?: Record<string, string | number>;
}

// --- disks as read from a host (storage.disks) -------------------------------------------------

/**
 * Why a disk may not be used. Each is a code the renderer and the report word from
 * `storage.reason.<code>` with the disk's `reasonParams`.
 */
export const DISK_REASONS = [
  /** Holds the root or /boot filesystem (directly, through a partition, LVM or md): the system disk. */
  'system-disk',
  'mounted',
  'partitions',
  'lvm-pv',
  'md-member',
  /** `wipefs -n` finds a filesystem, RAID or partition-table signature. */
  'signature',
  /** Something holds it (device-mapper, md, bcache) per /sys/block/<dev>/holders. */
  'holder',
  /** More than 1 % bigger or smaller than the median of this host's other candidate disks. */
  'size-mismatch',
  /** `smartctl -H` says FAILED. */
  'smart-failing',
  /** No serial: it could not be named again before wiping. */
  'no-serial',
  'read-only',
  'removable',
] as const;
export type DiskReason = (typeof DISK_REASONS)[number];

export const diskInfoSchema = z.object({
  /** Kernel name now (vdb, sda): shown, never used to address the disk. */
  name: z.string(),
  serial: z.string(),
  sizeBytes: z.number(),
  model: z.string(),
  /** `/dev/disk/by-id/...` (empty when udev has none). */
  byId: z.string(),
  rotational: z.boolean(),
  transport: z.string(),
  /** `PASSED`, `FAILED`, or `unknown` (no smartctl, or the disk does not report). */
  smart: z.string(),
  eligible: z.boolean(),
  reasons: z.array(z.enum(DISK_REASONS)),
  /** What the reasons name: `mountpoint`, `signature`, `holder`, `medianBytes` … */
  reasonParams: z.record(z.string(), z.union([z.string(), z.number()])).default({}),
});
export type DiskInfo = z.infer<typeof diskInfoSchema>;

export const hostDisksSchema = z.object({
  hostId: z.string(),
  name: z.string(),
  address: z.string(),
  ok: z.boolean(),
  /** Why the host could not be read, as a reason code + params (renderer: `reasons.<code>`). */
  reason: z.string().optional(),
  params: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  message: z.string().optional(),
  /** The kernel can build MD arrays (md_mod loaded or loadable). The lab's namespace nodes cannot. */
  mdSupported: z.boolean(),
  disks: z.array(diskInfoSchema),
});
export type HostDisks = z.infer<typeof hostDisksSchema>;

// --- arrays as they are now (storage.status) ---------------------------------------------------

export const ARRAY_STATES = ['clean', 'active', 'resyncing', 'recovering', 'degraded', 'failed', 'inactive', 'unknown'] as const;

export const arrayStatusSchema = z.object({
  /** `/dev/md/data` */
  device: z.string(),
  name: z.string(),
  level: z.string(),
  state: z.enum(ARRAY_STATES),
  sizeBytes: z.number(),
  uuid: z.string(),
  members: z.array(z.object({ serial: z.string(), device: z.string(), state: z.string() })),
  /** Serials the plan names that are not members now (a pulled disk). */
  missing: z.array(z.string()),
  /** From /proc/mdstat while a resync or recovery runs. */
  sync: z
    .object({ action: z.string(), percent: z.number(), speedKiBs: z.number().optional(), finishMin: z.number().optional() })
    .optional(),
  mountPoint: z.string().optional(),
  inFstab: z.boolean(),
  inMdadmConf: z.boolean(),
});
export type ArrayStatus = z.infer<typeof arrayStatusSchema>;

export const hostStorageStatusSchema = z.object({
  hostId: z.string(),
  name: z.string(),
  ok: z.boolean(),
  reason: z.string().optional(),
  params: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  arrays: z.array(arrayStatusSchema),
});
export type HostStorageStatus = z.infer<typeof hostStorageStatusSchema>;

// --- validation (renderer live, backend before saving) -------------------------------------------

/** Mount points a data array must not take over. */
export const RESERVED_MOUNT_POINTS = ['/', '/bin', '/boot', '/dev', '/etc', '/home', '/lib', '/lib64', '/proc', '/root', '/run', '/sbin', '/sys', '/tmp', '/usr', '/var'] as const;

const UNIT_BYTES: Record<string, number> = { M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };

/** Usable bytes of an array of `count` members of `memberBytes` each (metadata overhead not counted). */
export function arrayCapacityBytes(level: RaidLevel, count: number, memberBytes: number): number {
  if (count < RAID_MIN_DISKS[level]) return 0;
  const data = level === 'raid1' ? 1 : level === 'raid5' ? count - 1 : level === 'raid6' ? count - 2 : count / 2;
  return Math.floor(data * memberBytes);
}

const medianOf = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * Every problem of a plan, as coded issues (`storage.issue.<code>` in the locale files), against
 * the project's hosts and, when given, the disks as last read (storage.disks). Pure: the renderer
 * runs it as the technician edits, storage.savePlan before saving. Array capacity is the RAID
 * level's share of the smallest member; md and LVM metadata take a little more.
 */
export function validateStoragePlan(
  plan: StoragePlan,
  hosts: readonly { id: string; name?: string }[],
  disksLastRead?: readonly HostDisks[],
  /**
   * The plan saved now, if any: its disks are not held to eligibility again, since once applied
   * they are its array's members (md-member, holder, mounted). The step's guard re-checks every
   * disk on the host before it wipes anything, whatever was saved.
   */
  saved?: StoragePlan,
): StorageIssue[] {
  const out: StorageIssue[] = [];
  const add = (field: string, code: string, message: string, params?: Record<string, string | number>, hostId?: string) =>
    out.push({ field, code, message, ...(params ? { params } : {}), ...(hostId ? { hostId } : {}) });
  const { layout } = plan;
  if (plan.mode === 'none') return out;

  if (!STORAGE_NAME.test(layout.arrayName)) add('layout.arrayName', 'bad-name', `Array name "${layout.arrayName}": letters, digits and _ . + - only, up to 32`, { name: layout.arrayName });
  if (layout.lvm && !STORAGE_NAME.test(layout.lvm.vg)) add('layout.lvm.vg', 'bad-name', `Volume group name "${layout.lvm.vg}": letters, digits and _ . + - only, up to 32`, { name: layout.lvm.vg });
  if (!layout.lvm && layout.volumes.length !== 1) {
    add('layout.volumes', 'one-volume-without-lvm', `Without LVM the array holds exactly one filesystem; ${layout.volumes.length} volumes are planned`, { count: layout.volumes.length });
  }
  const mountSeen = new Map<string, number>();
  const lvSeen = new Map<string, number>();
  let fixedBytes = 0;
  let percent = 0;
  layout.volumes.forEach((v, i) => {
    const at = `layout.volumes.${i}`;
    if (layout.lvm) {
      if (!STORAGE_NAME.test(v.name)) add(`${at}.name`, 'bad-name', `Volume name "${v.name}": letters, digits and _ . + - only, up to 32`, { name: v.name });
      else if (lvSeen.has(v.name)) add(`${at}.name`, 'duplicate-volume-name', `Volume name "${v.name}" is used twice`, { name: v.name });
      lvSeen.set(v.name, i);
      const m = LV_SIZE.exec(v.size);
      if (!m) add(`${at}.size`, 'bad-size', `Size "${v.size}": a number with M, G or T, or a percentage of FREE or VG (100%FREE)`, { size: v.size });
      else if (m[2]) fixedBytes += Number(v.size.slice(0, -1)) * UNIT_BYTES[m[2]]!;
      else percent += Number(m[3]);
    }
    const mp = v.mountPoint;
    const norm = mp.replace(/\/+$/, '') || '/';
    if (!MOUNT_POINT.test(mp) || mp.split('/').some((s) => s === '..' || s === '.')) {
      add(`${at}.mountPoint`, 'bad-mount-point', `Mount point "${mp}": an absolute path of letters, digits and . _ - /`, { mountPoint: mp });
    } else if ((RESERVED_MOUNT_POINTS as readonly string[]).includes(norm)) {
      add(`${at}.mountPoint`, 'reserved-mount-point', `Mount point ${norm} belongs to the system`, { mountPoint: norm });
    } else if (mountSeen.has(norm)) {
      add(`${at}.mountPoint`, 'duplicate-mount-point', `Mount point ${norm} is planned twice`, { mountPoint: norm });
    }
    mountSeen.set(norm, i);
    if (!MOUNT_OPTIONS.test(v.mountOptions)) add(`${at}.mountOptions`, 'bad-options', `Mount options "${v.mountOptions}": comma-separated words or word=value`, { options: v.mountOptions });
  });
  if (layout.lvm && percent > 100) add('layout.volumes', 'percent-over', `The volumes' percentages add up to ${percent} %`, { percent });

  const alreadyPlanned = (hostId: string, serial: string) =>
    saved?.mode === 'raid' && (saved.hosts.find((h) => h.hostId === hostId)?.disks.some((x) => x.serial === serial) ?? false);
  const known = new Map(hosts.map((h) => [h.id, h]));
  const hostSeen = new Set<string>();
  const serialAt = new Map<string, string>();
  let withDisks = 0;
  plan.hosts.forEach((hp, hi) => {
    const at = `hosts.${hi}`;
    const host = known.get(hp.hostId);
    if (!host) {
      add(`${at}.hostId`, 'unknown-host', `Host ${hp.hostId} is not in the inventory`, { hostId: hp.hostId }, hp.hostId);
      return;
    }
    const label = host.name || hp.hostId;
    if (hostSeen.has(hp.hostId)) add(`${at}.hostId`, 'duplicate-host', `${label} is planned twice`, { host: label }, hp.hostId);
    hostSeen.add(hp.hostId);
    if (hp.disks.length === 0) return;
    withDisks++;
    const min = RAID_MIN_DISKS[layout.level];
    if (hp.disks.length < min) {
      add(`${at}.disks`, 'too-few-disks', `${label}: ${layout.level} needs at least ${min} disks; ${hp.disks.length} chosen`, { host: label, level: layout.level, min, count: hp.disks.length }, hp.hostId);
    }
    if (layout.level === 'raid10' && hp.disks.length % 2 !== 0) {
      add(`${at}.disks`, 'odd-raid10', `${label}: RAID 10 here takes an even number of disks; ${hp.disks.length} chosen`, { host: label, count: hp.disks.length }, hp.hostId);
    }
    const read = disksLastRead?.find((h) => h.hostId === hp.hostId && h.ok);
    hp.disks.forEach((d, di) => {
      const dat = `${at}.disks.${di}`;
      const prior = serialAt.get(d.serial);
      if (prior !== undefined) add(dat, 'serial-twice', `Disk ${d.serial} is planned twice (${prior} and ${label})`, { serial: d.serial, host: label, other: prior }, hp.hostId);
      else serialAt.set(d.serial, label);
      if (read) {
        const now = read.disks.find((x) => x.serial === d.serial);
        if (!now) add(dat, 'disk-not-found', `${label}: no disk with serial ${d.serial} was read`, { host: label, serial: d.serial }, hp.hostId);
        else if (!now.eligible && !alreadyPlanned(hp.hostId, d.serial)) add(dat, 'disk-not-eligible', `${label}: disk ${d.serial} may not be used (${now.reasons.join(', ')})`, { host: label, serial: d.serial, reasons: now.reasons.join(', ') }, hp.hostId);
        else if (now.sizeBytes !== d.sizeBytes) add(dat, 'disk-size-changed', `${label}: disk ${d.serial} is ${now.sizeBytes} bytes now, ${d.sizeBytes} when chosen`, { host: label, serial: d.serial, sizeBytes: now.sizeBytes, plannedBytes: d.sizeBytes }, hp.hostId);
      }
    });
    const sizes = hp.disks.map((d) => d.sizeBytes);
    const med = medianOf(sizes);
    hp.disks.forEach((d, di) => {
      if (med > 0 && Math.abs(d.sizeBytes - med) / med > 0.01) {
        add(`${at}.disks.${di}`, 'size-mismatch', `${label}: disk ${d.serial} differs from the others' size by more than 1 %`, { host: label, serial: d.serial, sizeBytes: d.sizeBytes, medianBytes: med }, hp.hostId);
      }
    });
    if (layout.lvm && hp.disks.length >= min) {
      const capacity = arrayCapacityBytes(layout.level, hp.disks.length, Math.min(...sizes));
      if (fixedBytes > capacity) {
        add(`${at}.disks`, 'exceeds-capacity', `${label}: the volumes need ${fixedBytes} bytes; the array holds about ${capacity}`, { host: label, neededBytes: fixedBytes, capacityBytes: capacity }, hp.hostId);
      }
    }
  });
  if (withDisks === 0) add('hosts', 'no-disks', 'No host has disks chosen for the array');
  return out;
}
