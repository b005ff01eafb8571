import { describe, expect, it } from 'vitest';
import { arrayCapacityBytes, storagePlanSchema, validateStoragePlan, type HostDisks, type StoragePlanInput } from './storage-plan.js';

const GiB = 2 ** 30;
const hosts = [{ id: 'h1', name: 'node1' }, { id: 'h2', name: 'node2' }];
const disks = (serials: string[], size = 100 * GiB) => serials.map((serial) => ({ serial, sizeBytes: size }));
const plan = (over: Partial<StoragePlanInput> = {}, layout: Partial<NonNullable<StoragePlanInput['layout']>> = {}) =>
  storagePlanSchema.parse({
    mode: 'raid',
    layout: { arrayName: 'data', level: 'raid10', lvm: { vg: 'vg_data' }, volumes: [{ name: 'db', size: '150G', mountPoint: '/data' }], ...layout },
    hosts: [{ hostId: 'h1', disks: disks(['A', 'B', 'C', 'D']) }],
    ...over,
  });
const codes = (p: ReturnType<typeof plan>, read?: HostDisks[]) => validateStoragePlan(p, hosts, read).map((i) => `${i.field}:${i.code}`);

describe('validateStoragePlan', () => {
  it('a sound RAID 10 + LVM plan has no issues; mode none is never checked', () => {
    expect(codes(plan())).toEqual([]);
    expect(codes(storagePlanSchema.parse({ mode: 'none', layout: { arrayName: 'bad name' } }))).toEqual([]);
  });

  it('too few disks for the level, and RAID 10 with an odd count', () => {
    expect(codes(plan({ hosts: [{ hostId: 'h1', disks: disks(['A', 'B', 'C']) }] }))).toEqual(['hosts.0.disks:too-few-disks', 'hosts.0.disks:odd-raid10']);
    expect(codes(plan({ hosts: [{ hostId: 'h1', disks: disks(['A']) }] }, { level: 'raid1' }))).toEqual(['hosts.0.disks:too-few-disks']);
    const i = validateStoragePlan(plan({ hosts: [{ hostId: 'h1', disks: disks(['A', 'B']) }] }, { level: 'raid5' }), hosts)[0]!;
    expect(i).toMatchObject({ hostId: 'h1', code: 'too-few-disks', params: { host: 'node1', level: 'raid5', min: 3, count: 2 } });
  });

  it('sizes more than 1 % apart', () => {
    const p = plan({ hosts: [{ hostId: 'h1', disks: [...disks(['A', 'B', 'C']), { serial: 'D', sizeBytes: Math.round(102 * GiB) }] }] });
    expect(codes(p)).toEqual(['hosts.0.disks.3:size-mismatch']);
    const ok = plan({ hosts: [{ hostId: 'h1', disks: [...disks(['A', 'B', 'C']), { serial: 'D', sizeBytes: Math.round(100.9 * GiB) }] }] });
    expect(codes(ok)).toEqual([]);
  });

  it('LV sizes beyond the array: RAID 10 of 4 × 100 GiB holds 200 GiB', () => {
    expect(arrayCapacityBytes('raid10', 4, 100 * GiB)).toBe(200 * GiB);
    expect(arrayCapacityBytes('raid5', 4, 100 * GiB)).toBe(300 * GiB);
    expect(arrayCapacityBytes('raid6', 4, 100 * GiB)).toBe(200 * GiB);
    expect(arrayCapacityBytes('raid1', 3, 100 * GiB)).toBe(100 * GiB);
    expect(codes(plan({}, { volumes: [{ name: 'a', size: '150G' }, { name: 'b', size: '60G', mountPoint: '/b' }] }))).toEqual(['hosts.0.disks:exceeds-capacity']);
    expect(codes(plan({}, { volumes: [{ name: 'a', size: '60%FREE' }, { name: 'b', size: '50%VG', mountPoint: '/b' }] }))).toEqual(['layout.volumes:percent-over']);
  });

  it('names, mount points, options and sizes', () => {
    expect(codes(plan({}, {
      arrayName: 'da ta', lvm: { vg: '-vg' },
      volumes: [
        { name: "it's", size: '10X', mountPoint: "/srv/it's", mountOptions: 'defaults;reboot' },
        { name: 'b', size: '1G', mountPoint: '/srv/../etc' },
        { name: 'c', size: '1G', mountPoint: '/etc' },
        { name: 'd', size: '1G', mountPoint: '/data2/' },
        { name: 'e', size: '1G', mountPoint: '/data2' },
        { name: 'e', size: '1G', mountPoint: 'relative' },
      ],
    }))).toEqual([
      'layout.arrayName:bad-name', 'layout.lvm.vg:bad-name',
      'layout.volumes.0.name:bad-name', 'layout.volumes.0.size:bad-size', 'layout.volumes.0.mountPoint:bad-mount-point', 'layout.volumes.0.mountOptions:bad-options',
      'layout.volumes.1.mountPoint:bad-mount-point',
      'layout.volumes.2.mountPoint:reserved-mount-point',
      'layout.volumes.4.mountPoint:duplicate-mount-point',
      'layout.volumes.5.name:duplicate-volume-name', 'layout.volumes.5.mountPoint:bad-mount-point',
    ]);
  });

  it('without LVM exactly one volume', () => {
    expect(codes(plan({}, { lvm: undefined, volumes: [{ mountPoint: '/a' }, { mountPoint: '/b' }] }))).toEqual(['layout.volumes:one-volume-without-lvm']);
    expect(codes(plan({}, { lvm: undefined, volumes: [{ mountPoint: '/a', size: 'whatever' }] }))).toEqual([]);
  });

  it('unknown host, host twice, serial twice (on one host or two), no disks at all', () => {
    expect(codes(plan({ hosts: [{ hostId: 'hX', disks: disks(['A', 'B', 'C', 'D']) }, { hostId: 'h1', disks: disks(['A', 'B', 'C', 'D']) }] }))).toEqual(['hosts.0.hostId:unknown-host']);
    expect(codes(plan({ hosts: [{ hostId: 'h1', disks: disks(['A', 'B', 'C', 'D']) }, { hostId: 'h1', disks: [] }] }))).toEqual(['hosts.1.hostId:duplicate-host']);
    expect(codes(plan({ hosts: [{ hostId: 'h1', disks: disks(['A', 'B', 'C', 'A']) }] }))).toEqual(['hosts.0.disks.3:serial-twice']);
    expect(codes(plan({ hosts: [{ hostId: 'h1', disks: disks(['A', 'B', 'C', 'D']) }, { hostId: 'h2', disks: disks(['E', 'F', 'G', 'D']) }] }))).toEqual(['hosts.1.disks.3:serial-twice']);
    expect(codes(plan({ hosts: [] }))).toEqual(['hosts:no-disks']);
  });

  it('against the disks last read: not found, not eligible, size changed', () => {
    const d = (serial: string, over: Partial<HostDisks['disks'][number]> = {}) => ({
      name: serial.toLowerCase(), serial, sizeBytes: 100 * GiB, model: '', byId: '', rotational: false, transport: '', smart: 'PASSED', eligible: true, reasons: [], reasonParams: {}, ...over,
    });
    const read: HostDisks[] = [{
      hostId: 'h1', name: 'node1', address: '198.18.0.11', ok: true, mdSupported: true,
      disks: [d('A'), d('B', { eligible: false, reasons: ['signature'] }), d('C', { sizeBytes: 99 * GiB })],
    }];
    expect(codes(plan(), read)).toEqual(['hosts.0.disks.1:disk-not-eligible', 'hosts.0.disks.2:disk-size-changed', 'hosts.0.disks.3:disk-not-found']);
    // Once applied, the plan's own disks are its array's members: re-saving it is not refused for that.
    const applied = plan({ hosts: [{ hostId: 'h1', disks: disks(['B', 'X', 'Y', 'Z']) }] });
    expect(validateStoragePlan(plan(), hosts, read, applied).map((i) => `${i.field}:${i.code}`)).toEqual(['hosts.0.disks.2:disk-size-changed', 'hosts.0.disks.3:disk-not-found']);
    expect(validateStoragePlan(plan(), hosts, read, plan({ hosts: [{ hostId: 'h2', disks: disks(['B']) }] })).map((i) => i.code)).toContain('disk-not-eligible');
  });
});
