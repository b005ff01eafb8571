import type { DiskInfo, DiskReason } from '../../../contract/index.js';
import { descendants, parseLsblk, parseSections, parseWipefs, type LsblkNode } from './parse.js';

/**
 * Which disks of a host may become array members, and why the others may not. The facts come
 * from the `storage-disks` action's output (DISKS_SCRIPT); the verdict is a pure function of them,
 * so the disks handler, the tests and the renderer's explanations agree.
 */

export interface RawDisk {
  node: LsblkNode;
  byId: string;
  holders: string[];
  signatures: string[];
  /** `PASSED`, `FAILED` or `unknown`. */
  smart: string;
}

export interface HostDiskFacts {
  disks: RawDisk[];
  /** Sources of `/` and `/boot` (and `/boot/efi`) from findmnt: `/dev/mapper/vg-root`, `/dev/md0`, `/dev/sda2`. */
  systemSources: string[];
  /** `pvs` PV names. */
  pvs: string[];
  mdSupported: boolean;
}

/** Size more than this far (fraction) from the median of the host's other candidate disks. */
export const SIZE_TOLERANCE = 0.01;

const SYSTEM_MOUNTS = new Set(['/', '/boot', '/boot/efi']);

/** Whole disks the step offers: real disks, and loop devices (the namespace lab's disks) that have a backing file. */
const isCandidateType = (n: LsblkNode) => n.type === 'disk' || (n.type === 'loop' && n.sizeBytes > 0);

/** The `storage-disks` action's stdout → the facts eligibility is judged on. */
export function parseDisksCapture(stdout: string): HostDiskFacts {
  const sections = parseSections(stdout);
  const tree = parseLsblk(sections.get('lsblk')?.trim() || '{"blockdevices":[]}');
  const systemSources: string[] = [];
  try {
    const fm = JSON.parse(sections.get('findmnt')?.trim() || '{}') as { filesystems?: { target?: string; source?: string }[] };
    const walk = (list: { target?: string; source?: string; children?: unknown[] }[]) => {
      for (const f of list) {
        if (f.target && SYSTEM_MOUNTS.has(f.target) && f.source) systemSources.push(f.source.replace(/\[.*\]$/, ''));
        if (Array.isArray(f.children)) walk(f.children as typeof list);
      }
    };
    walk(fm.filesystems ?? []);
  } catch {
    // No findmnt JSON: lsblk's mount points still mark the system disk.
  }
  const pvs = (sections.get('pvs') ?? '').split('\n').map((s) => s.trim()).filter(Boolean);
  const mdSupported = (sections.get('md') ?? '').trim() === 'yes';
  const disks: RawDisk[] = [];
  for (const n of tree.filter(isCandidateType)) {
    const body = sections.get(`disk ${n.name}`) ?? '';
    const kv = Object.fromEntries(body.split('\n').map((l) => /^(byid|holders|smart)=(.*)$/.exec(l)).filter((m) => m !== null).map((m) => [m[1]!, m[2]!.trim()]));
    const wipefsJson = /--- wipefs\n([\s\S]*?)(?:\n--- |$)/.exec(body)?.[1] ?? '';
    let signatures: string[] = [];
    try {
      signatures = parseWipefs(wipefsJson).map((s) => s.type);
    } catch {
      signatures = ['unreadable'];
    }
    disks.push({
      node: n,
      byId: kv.byid ?? '',
      holders: (kv.holders ?? '').split(/\s+/).filter(Boolean),
      signatures,
      smart: kv.smart === 'PASSED' || kv.smart === 'FAILED' ? kv.smart : 'unknown',
    });
  }
  return { disks, systemSources, pvs, mdSupported };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * Every disk with its verdict. The system disk — root or /boot on it, on a partition of it, or
 * on LVM or md built on it — is never eligible, whatever else is true of it. Loop devices have
 * no serial, so they are listed (the lab's disks) but never eligible (`no-serial`): the guard
 * could not name them again before wiping.
 */
export function diskEligibility(facts: HostDiskFacts): DiskInfo[] {
  const sys = new Set(facts.systemSources);
  const pvs = new Set(facts.pvs);
  const isSystem = (d: RawDisk) =>
    descendants(d.node).some((n) => n.mountpoints.some((m) => SYSTEM_MOUNTS.has(m)) || sys.has(n.path) || sys.has(`/dev/${n.name}`) || sys.has(`/dev/mapper/${n.name}`));
  const system = new Set(facts.disks.filter(isSystem).map((d) => d.node.name));
  const peers = facts.disks.filter((d) => !system.has(d.node.name));
  return facts.disks.map((d): DiskInfo => {
    const n = d.node;
    const reasons: DiskReason[] = [];
    const params: Record<string, string | number> = {};
    const tree = descendants(n);
    if (system.has(n.name)) reasons.push('system-disk');
    const mounted = tree.flatMap((x) => x.mountpoints);
    if (mounted.length) {
      reasons.push('mounted');
      params.mountpoint = mounted.join(', ');
    }
    if (n.children.some((c) => c.type === 'part')) reasons.push('partitions');
    if (n.fstype === 'LVM2_member' || pvs.has(n.path) || pvs.has(`/dev/${n.name}`)) reasons.push('lvm-pv');
    if (n.fstype === 'linux_raid_member' || n.children.some((c) => c.type.startsWith('raid') || c.type === 'md')) reasons.push('md-member');
    if (d.signatures.length) {
      reasons.push('signature');
      params.signature = d.signatures.join(', ');
    }
    if (d.holders.length) {
      reasons.push('holder');
      params.holder = d.holders.join(', ');
    }
    if (!system.has(n.name)) {
      const others = peers.filter((p) => p !== d).map((p) => p.node.sizeBytes);
      if (others.length) {
        const med = median(others);
        if (med > 0 && Math.abs(n.sizeBytes - med) / med > SIZE_TOLERANCE) {
          reasons.push('size-mismatch');
          params.medianBytes = med;
        }
      }
    }
    if (d.smart === 'FAILED') reasons.push('smart-failing');
    if (!n.serial) reasons.push('no-serial');
    if (n.readOnly) reasons.push('read-only');
    if (n.removable) reasons.push('removable');
    return {
      name: n.name,
      serial: n.serial,
      sizeBytes: n.sizeBytes,
      model: n.model,
      byId: d.byId,
      rotational: n.rotational,
      transport: n.transport,
      smart: d.smart,
      eligible: reasons.length === 0,
      reasons,
      reasonParams: params,
    };
  });
}
