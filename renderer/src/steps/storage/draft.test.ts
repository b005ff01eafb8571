import { describe, expect, it } from 'vitest';
import { storagePlanSchema, type HostDisks, type HostStorageStatus } from '../../../../electron/contract/index.js';
import { applyDisksRead, draftFromPlan, planFromDraft, toggleDisk } from './draft.js';
import { isSyncing, issueKey, liveIssues, usableBytes } from './model.js';

const MiB256 = 256 * 1024 * 1024;
const disk = (serial: string, eligible = true, reasons: HostDisks['disks'][number]['reasons'] = []): HostDisks['disks'][number] => ({
  name: `vd${serial.slice(-1)}`,
  serial,
  sizeBytes: MiB256,
  model: '',
  byId: `/dev/disk/by-id/virtio-${serial}`,
  rotational: true,
  transport: '',
  smart: 'unknown',
  eligible,
  reasons,
  reasonParams: {},
});
const read: HostDisks[] = [
  {
    hostId: 'h1',
    name: 'vm1',
    address: '127.0.0.1',
    ok: true,
    mdSupported: true,
    disks: [disk('SYS', false, ['system-disk']), disk('RSV9311'), disk('RSV9312'), disk('RSV9313', false, ['mounted']), disk('RSV9314')],
  },
];
const hosts = [{ id: 'h1' }, { id: 'h2' }];
const refs = [{ id: 'h1', name: 'vm1' }, { id: 'h2', name: 'vm2' }];

describe('storage plan draft', () => {
  it('ticks every eligible disk of a host nobody chose for, never the system disk or a disk in use', () => {
    const d = applyDisksRead(draftFromPlan(undefined, hosts), read);
    expect(d.hosts[0]!.disks.map((x) => x.serial)).toEqual(['RSV9311', 'RSV9312', 'RSV9314']);
    // A host not read keeps nothing; it is not in the plan.
    expect(planFromDraft(d).hosts?.map((h) => h.hostId)).toEqual(['h1']);
  });

  it('keeps the technician\'s choice across a new read, by serial', () => {
    let d = applyDisksRead(draftFromPlan(undefined, hosts), read);
    d = toggleDisk(d, 'h1', read[0]!.disks[2]!, false);
    d = applyDisksRead(d, read);
    expect(d.hosts[0]!.disks.map((x) => x.serial)).toEqual(['RSV9311', 'RSV9314']);
  });

  it('round-trips a saved RAID 10 plan with LVM; without LVM only the first volume goes to the plan', () => {
    const plan = storagePlanSchema.parse({
      layout: { arrayName: 'data', level: 'raid10', lvm: { vg: 'vg_data' }, volumes: [{ name: 'lv1', size: '100M' }, { name: 'lv2', size: '100%FREE', mountPoint: '/srv' }] },
      hosts: [{ hostId: 'h1', disks: [{ serial: 'A', sizeBytes: 1 }] }],
    });
    const d = draftFromPlan(plan, hosts);
    expect(storagePlanSchema.parse(planFromDraft(d))).toEqual(plan);
    const noLvm = storagePlanSchema.parse(planFromDraft({ ...d, lvm: false }));
    expect(noLvm.layout.lvm).toBeUndefined();
    expect(noLvm.layout.volumes).toHaveLength(1);
  });

  it('mode none plans no host and has no issue', () => {
    const d = { ...applyDisksRead(draftFromPlan(undefined, hosts), read), mode: 'none' as const };
    expect(planFromDraft(d).hosts).toEqual([]);
    expect(liveIssues(planFromDraft(d), refs, read)).toEqual([]);
  });

  it('validates live with the contract\'s validateStoragePlan: too few disks, and a disk no longer eligible', () => {
    const d = applyDisksRead(draftFromPlan(undefined, hosts), read);
    expect(liveIssues(planFromDraft(d), refs, read).map((i) => [i.code, i.hostId])).toEqual([['too-few-disks', 'h1'], ['odd-raid10', 'h1']]);
    expect(liveIssues(planFromDraft({ ...d, level: 'raid5' }), refs, read)).toEqual([]);
    const later = [{ ...read[0]!, disks: read[0]!.disks.map((x) => (x.serial === 'RSV9312' ? { ...x, eligible: false, reasons: ['mounted' as const] } : x)) }];
    expect(liveIssues(planFromDraft({ ...d, level: 'raid5' }), refs, later).map((i) => i.code)).toEqual(['disk-not-eligible']);
  });

  it('reports what the form cannot hold as schema issues, not a crash', () => {
    const d = draftFromPlan(undefined, hosts);
    expect(liveIssues({ ...planFromDraft(d), deviceTimeoutS: 0 }, refs).map((i) => [i.code, i.field])).toEqual([['schema', 'deviceTimeoutS']]);
  });
});

describe('storage status helpers', () => {
  const arr = (over: Partial<HostStorageStatus['arrays'][number]>): HostStorageStatus => ({
    hostId: 'h1',
    name: 'vm1',
    ok: true,
    arrays: [{ device: '/dev/md/data', name: 'data', level: 'raid10', state: 'clean', sizeBytes: 1, uuid: 'u', members: [], missing: [], inFstab: true, inMdadmConf: true, ...over }],
  });
  it('polls only while an array syncs', () => {
    expect(isSyncing([arr({})])).toBe(false);
    expect(isSyncing([arr({ state: 'resyncing' })])).toBe(true);
    expect(isSyncing([arr({ state: 'active', sync: { action: 'resync', percent: 12.5 } })])).toBe(true);
    expect(isSyncing([arr({ state: 'degraded' })])).toBe(false);
  });
  it('usable capacity by level from the smallest disk', () => {
    expect(usableBytes('raid10', [4, 4, 4, 4])).toBe(8);
    expect(usableBytes('raid5', [4, 4, 5])).toBe(8);
    expect(usableBytes('raid6', [4, 4, 4, 4])).toBe(8);
    expect(usableBytes('raid1', [4, 6])).toBe(4);
    expect(usableBytes('raid10', [4, 4])).toBe(0);
  });
  it('accepts issue codes with or without their prefix', () => {
    expect(issueKey('storage.issue.too-few-disks')).toBe('too-few-disks');
    expect(issueKey('too-few-disks')).toBe('too-few-disks');
  });
});
