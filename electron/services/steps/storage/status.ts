import type { ArrayStatus, HostStoragePlan, StorageLayout } from '../../../contract/index.js';
import { parseMdadmDetail, parseMdadmExport, parseMdstat, parseSections, type MdstatArray } from './parse.js';

/**
 * The `status` action's output (STATUS_SCRIPT) read into the contract's ArrayStatus, plus the
 * per-volume facts `evaluate` needs. Used by the step, the storage.status handler and the report.
 */

export interface VolumeState {
  mountPoint: string;
  /** `SOURCE FSTYPE` from findmnt; empty when nothing is mounted there. */
  mounted: string;
  /** The fstab lines for this mount point (one expected). */
  fstab: string[];
}

export interface StatusCapture {
  mdSupported: boolean;
  /** No `/dev/md/<name>` on the host. */
  absent: boolean;
  mdstat: MdstatArray[];
  volumes: VolumeState[];
  array: ArrayStatus | null;
}

/** Where the planned filesystem lives: an LV with LVM, the array itself without. */
export function volumeDevice(layout: StorageLayout, i: number): string {
  return layout.lvm ? `/dev/${layout.lvm.vg}/${layout.volumes[i]!.name}` : `/dev/md/${layout.arrayName}`;
}

/** The volumes a layout mounts: with LVM every LV, without only the first (the array's filesystem). */
export const plannedVolumes = (layout: StorageLayout) => (layout.lvm ? layout.volumes : layout.volumes.slice(0, 1));

function stateOf(detailState: string, mdstat: MdstatArray | undefined, missing: number): ArrayStatus['state'] {
  const s = detailState.toLowerCase();
  if (mdstat?.sync?.action.startsWith('recovery')) return 'recovering';
  if (mdstat?.sync) return 'resyncing';
  if (s.includes('failed')) return 'failed';
  if (s.includes('degraded') || missing > 0) return 'degraded';
  if (s.includes('inactive') || mdstat?.state === 'inactive') return 'inactive';
  if (s.includes('clean')) return 'clean';
  if (s.includes('active')) return 'active';
  return 'unknown';
}

export function readStatusCapture(stdout: string, planned: HostStoragePlan, layout: StorageLayout): StatusCapture {
  const sec = parseSections(stdout);
  const mdstat = parseMdstat(sec.get('mdstat') ?? '');
  const volumes: VolumeState[] = plannedVolumes(layout).map((v) => {
    const body = sec.get(`mount ${v.mountPoint}`) ?? '';
    const [mounted = '', fstab = ''] = body.split(/^--- fstab$/m);
    return { mountPoint: v.mountPoint, mounted: mounted.trim(), fstab: fstab.split('\n').map((l) => l.trim()).filter(Boolean) };
  });
  const base = { mdSupported: (sec.get('md') ?? '').trim() === 'yes', mdstat, volumes };
  if (sec.has('absent') || !sec.has('kname')) return { ...base, absent: true, array: null };

  const kname = (sec.get('kname') ?? '').trim();
  const serialOf = new Map<string, string>();
  for (const line of (sec.get('members') ?? '').split('\n')) {
    const m = /^(\S+) ?(.*)$/.exec(line.trim());
    if (m && m[1]) serialOf.set(m[1], m[2]!.trim());
  }
  const detail = parseMdadmDetail(sec.get('detail') ?? '');
  const exp = parseMdadmExport(sec.get('export') ?? '');
  const md = mdstat.find((a) => a.name === kname);
  const members: ArrayStatus['members'] = [];
  const seen = new Set<string>();
  for (const row of detail?.devices ?? []) {
    if (!row.device) continue;
    const k = row.device.replace(/^\/dev\//, '');
    seen.add(k);
    members.push({ serial: serialOf.get(k) ?? '', device: row.device, state: row.state });
  }
  if (!detail) {
    for (const m of exp?.members ?? []) {
      const k = m.device.replace(/^\/dev\//, '');
      seen.add(k);
      members.push({ serial: serialOf.get(k) ?? '', device: m.device, state: m.role === 'spare' ? 'spare' : 'active' });
    }
  }
  for (const [k, serial] of serialOf) if (!seen.has(k)) members.push({ serial, device: `/dev/${k}`, state: 'unknown' });
  const present = new Set(members.map((m) => m.serial).filter(Boolean));
  const missing = planned.disks.map((d) => d.serial).filter((s) => !present.has(s));
  const uuid = detail?.uuid || exp?.uuid || '';
  const scan = (sec.get('scan') ?? '').trim();
  const conf = (sec.get('mdadm.conf') ?? '').split('\n').map((l) => l.trim()).filter(Boolean);
  const mountedVol = volumes.find((v) => v.mounted);
  const array: ArrayStatus = {
    device: `/dev/md/${layout.arrayName}`,
    name: detail?.name || exp?.name || layout.arrayName,
    level: detail?.level || exp?.level || '',
    state: stateOf(detail?.state ?? '', md, missing.length),
    sizeBytes: Number((sec.get('size') ?? '').trim()) || (detail ? detail.arraySizeKiB * 1024 : 0),
    uuid,
    members,
    missing,
    ...(md?.sync ? { sync: { ...md.sync } } : {}),
    ...(mountedVol ? { mountPoint: mountedVol.mountPoint } : {}),
    inFstab: volumes.length > 0 && volumes.every((v) => v.fstab.length === 1 && v.fstab[0]!.startsWith('UUID=')),
    inMdadmConf: Boolean(uuid) && conf.some((l) => l === scan || l.includes(`UUID=${uuid}`)),
  };
  return { ...base, absent: false, array };
}

/** The `status` action's captured stdout → the planned array as it is now (null: no such array). */
export function arrayStatusFromCapture(stdout: string, planned: HostStoragePlan, layout: StorageLayout): ArrayStatus | null {
  return readStatusCapture(stdout, planned, layout).array;
}
