import {
  storagePlanSchema,
  volumeSchema,
  type HostDisks,
  type PlannedDisk,
  type RaidLevel,
  type StoragePlan,
  type StoragePlanInput,
  type StorageVolume,
} from '../../../../electron/contract/index.js';

/** One host's disks as chosen in the form; `chosen`: the technician (or a saved plan) decided, so a new read does not re-tick. */
export interface HostStorageDraft {
  hostId: string;
  disks: PlannedDisk[];
  chosen: boolean;
}

/** The storage plan as the form edits it: LVM is a switch that keeps the VG name while off. */
export interface StorageDraft {
  mode: StoragePlan['mode'];
  arrayName: string;
  level: RaidLevel;
  lvm: boolean;
  vg: string;
  volumes: StorageVolume[];
  deviceTimeoutS: number;
  hosts: HostStorageDraft[];
}

export const newVolume = (n: number): StorageVolume => volumeSchema.parse({ name: n === 0 ? 'data' : `data${n + 1}`, mountPoint: n === 0 ? '/data' : `/data${n + 1}` });

export function draftFromPlan(plan: StoragePlan | undefined, hosts: readonly { id: string }[]): StorageDraft {
  const p = plan ?? storagePlanSchema.parse({});
  return {
    mode: p.mode,
    arrayName: p.layout.arrayName,
    level: p.layout.level,
    lvm: p.layout.lvm !== undefined,
    vg: p.layout.lvm?.vg ?? 'vg_data',
    volumes: p.layout.volumes.map((v) => ({ ...v })),
    deviceTimeoutS: p.deviceTimeoutS,
    hosts: hosts.map((h) => {
      const hp = plan?.hosts.find((x) => x.hostId === h.id);
      return { hostId: h.id, disks: hp ? hp.disks.map((d) => ({ ...d })) : [], chosen: plan !== undefined };
    }),
  };
}

/** Only hosts with at least one disk chosen are planned; without LVM the filesystem goes on the array: one volume. */
export function planFromDraft(d: StorageDraft): StoragePlanInput {
  return {
    mode: d.mode,
    layout: {
      arrayName: d.arrayName.trim(),
      level: d.level,
      ...(d.lvm ? { lvm: { vg: d.vg.trim() } } : {}),
      volumes: (d.lvm ? d.volumes : d.volumes.slice(0, 1)).map((v) => ({
        name: v.name.trim(),
        size: v.size.trim(),
        filesystem: v.filesystem,
        mountPoint: v.mountPoint.trim(),
        mountOptions: v.mountOptions.trim(),
      })),
    },
    hosts: d.mode === 'none' ? [] : d.hosts.filter((h) => h.disks.length > 0).map((h) => ({ hostId: h.hostId, disks: h.disks })),
    deviceTimeoutS: d.deviceTimeoutS,
  };
}

export const plannedFrom = (disk: HostDisks['disks'][number]): PlannedDisk => ({ serial: disk.serial, sizeBytes: disk.sizeBytes, byId: disk.byId, model: disk.model });

/**
 * After a read: a host nobody chose disks for yet gets every eligible disk ticked (the usual case:
 * all data disks into one array). A host already chosen keeps its choice, and its planned disks
 * take the sizes and by-id paths just read (the serial is what names them).
 */
export function applyDisksRead(d: StorageDraft, read: readonly HostDisks[]): StorageDraft {
  return {
    ...d,
    hosts: d.hosts.map((h) => {
      const r = read.find((x) => x.hostId === h.hostId);
      if (!r || !r.ok) return h;
      if (!h.chosen) return { ...h, disks: r.disks.filter((x) => x.eligible).map(plannedFrom) };
      return { ...h, disks: h.disks.map((p) => { const now = r.disks.find((x) => x.serial === p.serial); return now ? plannedFrom(now) : p; }) };
    }),
  };
}

/** Tick or untick one disk of a host, by serial; the host counts as chosen from then on. */
export function toggleDisk(d: StorageDraft, hostId: string, disk: HostDisks['disks'][number], on: boolean): StorageDraft {
  return {
    ...d,
    hosts: d.hosts.map((h) => {
      if (h.hostId !== hostId) return h;
      const rest = h.disks.filter((p) => p.serial !== disk.serial);
      return { ...h, chosen: true, disks: on ? [...rest, plannedFrom(disk)] : rest };
    }),
  };
}
