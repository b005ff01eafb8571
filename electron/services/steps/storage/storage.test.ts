import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DISK_REASONS, storagePlanSchema, type Project, type StoragePlanInput } from '../../../contract/index.js';
import { buildPlan, noRefs, planText } from '../../runbook/plan.js';
import { resolveCommand, type ActionResult, type StepCommand, type StepResults } from '../../runbook/step-module.js';
import { commandLine } from '../../ssh/quote.js';
import { diskEligibility, parseDisksCapture, type HostDiskFacts, type RawDisk } from './eligibility.js';
import { parseLsblk, parseMdadmDetail, parseMdadmExport, parseMdstat, parseKeyValues, parseWipefs, type LsblkNode } from './parse.js';
import * as scripts from './scripts.js';
import { arrayStatusFromCapture } from './status.js';
import { storageStep } from './step.js';

const fx = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');

describe('storage parsers on the VM lab fixtures', () => {
  it('lsblk: four blank data disks with serials, the system disk with /', () => {
    const t = parseLsblk(fx('lsblk-4-disks.json'));
    expect(t.map((d) => [d.name, d.serial, d.sizeBytes])).toEqual([
      ['vda', '', 3221225472], ['vdb', 'RSV9511', 268435456], ['vdc', 'RSV9512', 268435456], ['vdd', 'RSV9513', 268435456], ['vde', 'RSV9514', 268435456],
    ]);
    expect(t[0]!.mountpoints).toEqual(['/']);
    expect(t[1]!.mountpoints).toEqual([]);
    expect(t[1]!.rotational).toBe(true);
  });

  it('lsblk: md0 under each member of the RAID 10', () => {
    const t = parseLsblk(fx('lsblk-raid10.json'));
    expect(t[1]!.fstype).toBe('linux_raid_member');
    expect(t[1]!.children.map((c) => [c.name, c.type])).toEqual([['md0', 'raid10']]);
  });

  it('wipefs: blank disk has none, md member has linux_raid_member', () => {
    expect(parseWipefs(fx('wipefs-blank-disk.json'))).toEqual([]);
    expect(parseWipefs(fx('wipefs-md-member.json'))).toEqual([{ type: 'linux_raid_member', offset: '0x1000' }]);
  });

  it('udevadm and blkid: KEY=value', () => {
    expect(parseKeyValues(fx('udevadm-virtio-disk.txt')).ID_SERIAL).toBe('RSV9511');
    expect(parseKeyValues(fx('blkid-md-member.txt')).TYPE).toBe('linux_raid_member');
  });

  it('mdstat: clean RAID 10 and degraded with the second member gone', () => {
    const [clean] = parseMdstat(fx('mdstat-raid10-clean.txt'));
    expect(clean).toMatchObject({ name: 'md0', level: 'raid10', state: 'active', readOnly: false, raidDisks: 4, workingDisks: 4, health: 'UUUU' });
    expect(clean!.members.map((m) => `${m.device}[${m.slot}]`)).toEqual(['vde[3]', 'vdd[2]', 'vdc[1]', 'vdb[0]']);
    expect(clean!.sync).toBeUndefined();
    const [deg] = parseMdstat(fx('mdstat-raid10-degraded.txt'));
    expect(deg).toMatchObject({ name: 'md0', level: 'raid10', readOnly: true, raidDisks: 4, workingDisks: 3, health: 'U_UU' });
    expect(deg!.members.map((m) => m.device)).toEqual(['vde', 'vdd', 'vdb']);
  });

  // No resync was captured from a VM for this test: these lines follow the kernel's format
  // (drivers/md/md.c, status_resync and md_seq_show), not a capture.
  it('mdstat: resync / recovery progress, queued resync and faulty / spare members (kernel format)', () => {
    const text = `Personalities : [raid1] [raid10]
md127 : active raid10 sde[3] sdd[2](F) sdc[1] sdb[0] sdf[4](S)
      1046528 blocks super 1.2 512K chunks 2 near-copies [4/3] [UU_U]
      [=====>...............]  recovery = 27.3% (143360/523264) finish=0.6min speed=9557K/sec
      bitmap: 1/1 pages [4KB], 65536KB chunk

md1 : active raid1 sdh[1] sdg[0]
      1047552 blocks super 1.2 [2/2] [UU]
      [>....................]  resync =  0.9% (10112/1047552) finish=10.2min speed=1685K/sec

md2 : active raid1 sdj[1] sdi[0]
      1047552 blocks super 1.2 [2/2] [UU]
      \tresync=DELAYED

md3 : inactive sdk[0](S)
      1047552 blocks super 1.2

unused devices: <none>
`;
    const a = parseMdstat(text);
    expect(a.map((x) => [x.name, x.level, x.state])).toEqual([['md127', 'raid10', 'active'], ['md1', 'raid1', 'active'], ['md2', 'raid1', 'active'], ['md3', '', 'inactive']]);
    expect(a[0]!.sync).toEqual({ action: 'recovery', percent: 27.3, speedKiBs: 9557, finishMin: 0.6 });
    expect(a[0]!.members.filter((m) => m.faulty).map((m) => m.device)).toEqual(['sdd']);
    expect(a[0]!.members.filter((m) => m.spare).map((m) => m.device)).toEqual(['sdf']);
    expect(a[1]!.sync).toEqual({ action: 'resync', percent: 0.9, speedKiBs: 1685, finishMin: 10.2 });
    expect(a[2]!.sync).toEqual({ action: 'resync-delayed', percent: 0 });
    expect(a[3]!.members[0]).toMatchObject({ device: 'sdk', spare: true });
  });

  it('mdstat and mdadm --detail while a recovery runs (captured from a VM, sync speed held low)', () => {
    const [a] = parseMdstat(fx('mdstat-raid10-recovery.txt'));
    expect(a).toMatchObject({ name: 'md127', level: 'raid10', workingDisks: 3, health: 'U_UU', sync: { action: 'recovery', percent: 0.7, speedKiBs: 486, finishMin: 8.7 } });
    expect(a!.members.map((m) => `${m.device}[${m.slot}]`)).toEqual(['vdc[4]', 'vde[3]', 'vdd[2]', 'vdb[0]']);
    const d = parseMdadmDetail(fx('mdadm-detail-raid10-recovery.txt'))!;
    expect(d.state).toBe('clean, degraded, recovering');
    expect(d.devices[1]).toEqual({ number: '4', raidDevice: '1', state: 'spare rebuilding', device: '/dev/vdc' });
  });

  it('mdadm --detail --export: members and roles; the pulled one absent', () => {
    const clean = parseMdadmExport(fx('mdadm-detail-export-raid10-clean.txt'))!;
    expect(clean).toMatchObject({ level: 'raid10', devices: 4, metadata: '1.2', uuid: 'faaf7cee:ec5411df:9c90fa44:4da78229', name: 'vm1:0' });
    expect(clean.members.map((m) => m.device)).toEqual(['/dev/vdb', '/dev/vdc', '/dev/vdd', '/dev/vde']);
    expect(parseMdadmExport(fx('mdadm-detail-export-raid10-degraded.txt'))!.members.map((m) => m.device)).toEqual(['/dev/vdb', '/dev/vdd', '/dev/vde']);
  });

  it('mdadm --detail: state, size and the device table with the removed slot', () => {
    const d = parseMdadmDetail(fx('mdadm-detail-raid10-degraded.txt'))!;
    expect(d).toMatchObject({ state: 'clean, degraded', level: 'raid10', arraySizeKiB: 520192, raidDevices: 4, name: 'vm1:0' });
    expect(d.devices).toEqual([
      { number: '0', raidDevice: '0', state: 'active sync set-A', device: '/dev/vdb' },
      { number: '-', raidDevice: '1', state: 'removed', device: '' },
      { number: '2', raidDevice: '2', state: 'active sync set-A', device: '/dev/vdd' },
      { number: '3', raidDevice: '3', state: 'active sync set-B', device: '/dev/vde' },
    ]);
  });
});

// --- eligibility -----------------------------------------------------------------------------

const disk = (name: string, over: Partial<LsblkNode> = {}, raw: Partial<RawDisk> = {}): RawDisk => ({
  node: {
    name, path: `/dev/${name}`, serial: `SN-${name}`, sizeBytes: 1_000_000_000, type: 'disk', model: 'M', rotational: false, transport: 'sata',
    readOnly: false, removable: false, fstype: '', mountpoints: [], children: [], ...over,
  },
  byId: `/dev/disk/by-id/ata-M_SN-${name}`, holders: [], signatures: [], smart: 'PASSED', ...raw,
});
const child = (name: string, type: string, over: Partial<LsblkNode> = {}): LsblkNode => ({
  name, path: `/dev/${name}`, serial: '', sizeBytes: 1, type, model: '', rotational: false, transport: '', readOnly: false, removable: false, fstype: '', mountpoints: [], children: [], ...over,
});
const verdicts = (facts: Partial<HostDiskFacts> & { disks: RawDisk[] }) =>
  Object.fromEntries(diskEligibility({ systemSources: [], pvs: [], mdSupported: true, ...facts }).map((d) => [d.name, d.reasons]));

describe('diskEligibility', () => {
  it('the VM lab: the four blank data disks eligible, the system disk not', () => {
    const facts = parseDisksCapture(['=== lsblk', fx('lsblk-4-disks.json'), '=== md', 'yes',
      ...['vdb', 'vdc', 'vdd', 'vde'].map((d) => `=== disk ${d}\nbyid=/dev/disk/by-id/virtio-x\nholders=\nsmart=unknown\n--- wipefs\n${fx('wipefs-blank-disk.json')}`),
      '=== disk vda\nbyid=\nholders=\nsmart=unknown\n--- wipefs\n{"signatures":[{"type":"dos","offset":"0x1fe"}]}'].join('\n'));
    const v = diskEligibility(facts);
    expect(facts.mdSupported).toBe(true);
    expect(v.filter((d) => d.eligible).map((d) => d.serial)).toEqual(['RSV9511', 'RSV9512', 'RSV9513', 'RSV9514']);
    expect(v[0]!.reasons).toEqual(['system-disk', 'mounted', 'signature', 'no-serial']);
  });

  it('the VM lab: members of md0 are md members with a signature', () => {
    const facts = parseDisksCapture(['=== lsblk', fx('lsblk-raid10.json'),
      `=== disk vdb\nbyid=\nholders=md0\nsmart=unknown\n--- wipefs\n${fx('wipefs-md-member.json')}`].join('\n'));
    const vdb = diskEligibility(facts).find((d) => d.name === 'vdb')!;
    expect(vdb.reasons).toEqual(['md-member', 'signature', 'holder']);
    expect(vdb.reasonParams).toEqual({ signature: 'linux_raid_member', holder: 'md0' });
  });

  it('every reason of DISK_REASONS, each on its own', () => {
    const r = verdicts({
      systemSources: ['/dev/mapper/vg-root'],
      pvs: ['/dev/pv1'],
      disks: [
        disk('sys', {}, {}),
        disk('mnt', { mountpoints: ['/srv'] }),
        disk('part', { children: [child('part1', 'part')] }),
        disk('pv1', { fstype: '' }),
        disk('md', { fstype: 'linux_raid_member' }),
        disk('sig', {}, { signatures: ['xfs'] }),
        disk('hold', {}, { holders: ['dm-3'] }),
        disk('big', { sizeBytes: 1_020_000_000 }),
        disk('smart', {}, { smart: 'FAILED' }),
        disk('noserial', { serial: '' }),
        disk('ro', { readOnly: true }),
        disk('rm', { removable: true }),
        disk('ok'),
      ].map((d) => (d.node.name === 'sys' ? { ...d, node: { ...d.node, children: [child('vg-root', 'lvm', { path: '/dev/mapper/vg-root' })] } } : d)),
    });
    expect(r).toEqual({
      sys: ['system-disk'], mnt: ['mounted'], part: ['partitions'], pv1: ['lvm-pv'], md: ['md-member'], sig: ['signature'], hold: ['holder'],
      big: ['size-mismatch'], smart: ['smart-failing'], noserial: ['no-serial'], ro: ['read-only'], rm: ['removable'], ok: [],
    });
    expect(new Set(Object.values(r).flat())).toEqual(new Set(DISK_REASONS));
  });

  it('the system disk is never eligible: root through a partition, LVM on a partition, md, or /boot', () => {
    const r = verdicts({
      systemSources: ['/dev/md1'],
      disks: [
        disk('a', { children: [child('a1', 'part', { mountpoints: ['/'] })] }),
        disk('b', { children: [child('b2', 'part', { children: [child('vg-root', 'lvm', { mountpoints: ['/'] })] })] }),
        disk('c', { children: [child('md1', 'raid1')] }),
        disk('d', { children: [child('d1', 'part', { mountpoints: ['/boot'] })] }),
        disk('e'),
      ],
    });
    for (const k of ['a', 'b', 'c', 'd']) expect(r[k], k).toContain('system-disk');
    expect(r.e).toEqual([]);
  });

  it('size: 1 % off the median of the peers is fine, more is not; the system disk is not a peer', () => {
    const r = verdicts({
      disks: [
        disk('sys', { sizeBytes: 100_000_000, mountpoints: ['/'] }),
        disk('a'), disk('b'), disk('c', { sizeBytes: 1_010_000_000 }), disk('d', { sizeBytes: 1_010_000_001 }), disk('e', { sizeBytes: 989_000_000 }),
      ],
    });
    expect(r).toMatchObject({ a: [], b: [], c: [], d: ['size-mismatch'], e: ['size-mismatch'] });
    expect(r.sys).not.toContain('size-mismatch');
  });

  it('loop devices (the namespace lab) are listed but have no serial', () => {
    const facts = parseDisksCapture(['=== lsblk', JSON.stringify({ blockdevices: [
      { name: 'loop3', path: '/dev/loop3', serial: null, size: 268435456, type: 'loop', model: null, rota: false, tran: null, ro: false, rm: false, fstype: null, mountpoints: [null] },
      { name: 'loop9', path: '/dev/loop9', serial: null, size: 0, type: 'loop', model: null, rota: false, tran: null, ro: false, rm: false, fstype: null, mountpoints: [null] },
    ] }), '=== md', 'no', '=== disk loop3', 'byid=/dev/loop3', 'holders=', 'smart=unknown', '--- wipefs', ''].join('\n'));
    expect(facts.mdSupported).toBe(false);
    expect(diskEligibility(facts).map((d) => [d.name, d.eligible, d.reasons])).toEqual([['loop3', false, ['no-serial']]]);
  });
});

// --- the step's plan ---------------------------------------------------------------------------

const GiB = 2 ** 30;
const hostile = "RSV'9511 $(touch /tmp/pwned)";
const planInput: StoragePlanInput = {
  mode: 'raid',
  layout: {
    arrayName: 'data', level: 'raid10', lvm: { vg: 'vg_data' },
    volumes: [
      { name: 'db', size: '100G', filesystem: 'ext4', mountPoint: "/srv/it's", mountOptions: 'defaults,noatime' },
      { name: 'logs', size: '100%FREE', filesystem: 'xfs', mountPoint: '/var/log/app', mountOptions: 'defaults' },
    ],
  },
  hosts: [{ hostId: 'h1', disks: [hostile, 'RSV9512', 'RSV9513', 'RSV9514'].map((serial) => ({ serial, sizeBytes: 960 * GiB, model: 'SAMSUNG MZ7' })) }],
  deviceTimeoutS: 45,
};
const project: Project = {
  version: 1, site: 'Lab', customer: 'ACME', technician: 'Li Wei',
  hosts: [
    { id: 'h1', name: 'node1', address: '198.18.0.11', port: 22, user: 'root', role: 'master', auth: { method: 'password' } },
    { id: 'h2', name: 'node2', address: '198.18.0.12', port: 22, user: 'root', role: 'worker', auth: { method: 'password' } },
  ],
  storage: storagePlanSchema.parse(planInput),
};

/** The positional parameters a remote `sh -c` really receives for a command, run by this machine's sh. */
function argsAsReceived(step: StepCommand): string[] {
  // The storage step names no outputs: resolving with noRefs throws if one ever does.
  const cmd = resolveCommand(step, noRefs);
  if (!('script' in cmd)) throw new Error('expected a script');
  const line = commandLine({ script: 'for a in "$@"; do printf "%s\\0" "$a"; done', args: cmd.args ?? [] });
  return execFileSync('sh', ['-c', line], { encoding: 'utf8' }).split('\0').slice(0, -1);
}

describe('storage step: plan', () => {
  const built = buildPlan(storageStep, project);
  if (!built.ok) throw new Error(built.error.message);
  const h1 = built.value.actions.get('h1')!;
  const byId = new Map(h1.map((a) => [a.id, a]));

  it('RAID 10 + LVM + ext4/xfs: the actions in order, ids stable; an unplanned host only records that', () => {
    expect(h1.map((a) => a.id)).toEqual(['check', 'packages', 'create-array', 'lvm-vg', 'lvm-lv-0', 'lvm-lv-1', 'mkfs-0', 'mkfs-1', 'mount-0', 'mount-1', 'persist', 'status']);
    expect(built.value.actions.get('h2')!.map((a) => a.id)).toEqual(['not-planned']);
    expect(h1.filter((a) => a.destructive).map((a) => a.id)).toEqual(['create-array']);
    // Every action that changes something has an "already done?" probe.
    expect(h1.filter((a) => !a.probe).map((a) => a.id)).toEqual(['check', 'status']);
  });

  it('a new array starts blank: create-array wipes the md device it just made, before LVM or mkfs look at it', () => {
    const script = (byId.get('create-array')!.command as { script: string }).script;
    const create = script.indexOf('mdadm --create');
    const wipe = script.indexOf('wipefs -a "/dev/md/$name"');
    expect(create).toBeGreaterThan(0);
    expect(wipe).toBeGreaterThan(create);
  });

  it('every argument arrives literally: a serial and a mount point with quotes and $(...) are parameters, never script text', () => {
    expect(argsAsReceived(byId.get('create-array')!.command)).toEqual([
      'data', 'raid10', hostile, String(960 * GiB), 'RSV9512', String(960 * GiB), 'RSV9513', String(960 * GiB), 'RSV9514', String(960 * GiB),
    ]);
    expect(argsAsReceived(byId.get('create-array')!.probe!)).toEqual(['data', hostile, 'RSV9512', 'RSV9513', 'RSV9514']);
    expect(argsAsReceived(byId.get('packages')!.command)).toEqual(['mdadm', 'lvm2', 'xfsprogs']);
    expect(argsAsReceived(byId.get('lvm-vg')!.command)).toEqual(['vg_data', 'data']);
    expect(argsAsReceived(byId.get('lvm-lv-0')!.command)).toEqual(['vg_data', 'db', '100G']);
    expect(argsAsReceived(byId.get('lvm-lv-1')!.command)).toEqual(['vg_data', 'logs', '100%FREE']);
    expect(argsAsReceived(byId.get('mkfs-1')!.command)).toEqual(['/dev/vg_data/logs', 'xfs']);
    expect(argsAsReceived(byId.get('mount-0')!.command)).toEqual(['/dev/vg_data/db', "/srv/it's", 'ext4', 'defaults,noatime', '45']);
    expect(argsAsReceived(byId.get('persist')!.command)).toEqual(['data']);
    expect(argsAsReceived(byId.get('status')!.command)).toEqual(['data', "/srv/it's", '/var/log/app']);
    for (const a of h1) {
      const cmd = a.command as { script: string };
      expect(cmd.script).not.toContain('RSV');
      expect(cmd.script).not.toContain('/srv');
    }
  });

  it('create-array names each disk by host, serial and size, one tick each', () => {
    const a = byId.get('create-array')!;
    expect(a.changes).toEqual([hostile, 'RSV9512', 'RSV9513', 'RSV9514'].map((s) => `node1: wipe disk ${s} (960 GiB, SAMSUNG MZ7) into raid10 array /dev/md/data`));
    expect(a.changeTexts![0]).toEqual({ code: 'storage.wipe-disk', params: { host: 'node1', serial: hostile, size: 960 * GiB, model: 'SAMSUNG MZ7', array: 'data', level: 'raid10' }, tickEach: true });
    expect(built.value.view.changes.map((c) => [c.actionId, c.code, c.tickEach])).toEqual(Array(4).fill(['create-array', 'storage.wipe-disk', true]));
    expect(a.timeoutMs).toBeGreaterThanOrEqual(5 * 60_000);
  });

  it('the dry run shows every command per host, the destructive one marked', () => {
    const text = planText(built.value.view, new Date('2026-12-06T00:00:00Z'));
    expect(text).toContain('3. create-array (timeout 600 s, sudo, DESTRUCTIVE)');
    expect(text).toContain(`changes: node1: wipe disk ${hostile} (960 GiB, SAMSUNG MZ7)`);
    expect(text).toContain("'RSV'\\''9511 $(touch /tmp/pwned)'");
    expect(text).toContain('== node2 (198.18.0.12, user root) ==');
  });

  it('without LVM: one filesystem on the array; mode none: only records', () => {
    const p = { ...project, storage: storagePlanSchema.parse({ ...planInput, layout: { arrayName: 'd1', level: 'raid1', volumes: [{ mountPoint: '/data' }] } }) };
    const b = buildPlan(storageStep, p);
    if (!b.ok) throw new Error(b.error.message);
    const acts = b.value.actions.get('h1')!;
    expect(acts.map((a) => a.id)).toEqual(['check', 'packages', 'create-array', 'mkfs-0', 'mount-0', 'persist', 'status']);
    expect(argsAsReceived(acts.find((a) => a.id === 'mkfs-0')!.command)).toEqual(['/dev/md/d1', 'ext4']);
    const none = buildPlan(storageStep, { ...project, storage: storagePlanSchema.parse({ mode: 'none' }) });
    if (!none.ok) throw new Error(none.error.message);
    expect([...none.value.actions.values()].map((l) => l.map((a) => a.id))).toEqual([['not-planned'], ['not-planned']]);
  });

  it('every host script is valid sh', () => {
    for (const [name, text] of Object.entries(scripts)) {
      if (typeof text !== 'string' || name === 'MARK') continue;
      expect(() => execFileSync('sh', ['-n', '-c', text]), name).not.toThrow();
    }
  });
});

// --- evaluate ----------------------------------------------------------------------------------

/** A status capture assembled from the fixture outputs, as STATUS_SCRIPT prints them. */
function statusCapture(state: 'clean' | 'degraded', opts: { mounted?: boolean; conf?: boolean } = {}): string {
  const members = state === 'clean' ? ['vdb RSV9511', 'vdc RSV9512', 'vdd RSV9513', 'vde RSV9514'] : ['vdb RSV9511', 'vdd RSV9513', 'vde RSV9514'];
  const scan = 'ARRAY /dev/md/data metadata=1.2 name=vm1:data UUID=faaf7cee:ec5411df:9c90fa44:4da78229';
  return [
    '=== md', 'yes',
    '=== mdstat', fx(`mdstat-raid10-${state}.txt`),
    '=== kname', 'md0',
    '=== export', fx(`mdadm-detail-export-raid10-${state}.txt`),
    '=== detail', fx(`mdadm-detail-raid10-${state}.txt`),
    '=== members', ...members,
    '=== size', '532676608',
    '=== scan', scan,
    '=== mdadm.conf', ...(opts.conf === false ? [] : [scan]),
    '=== mount /data', ...(opts.mounted === false ? [] : ['/dev/md0 ext4']),
    '--- fstab', 'UUID=0b7e-1 /data ext4 defaults,nofail,x-systemd.device-timeout=30s 0 2',
  ].join('\n');
}

const vmProject: Project = {
  ...project,
  hosts: [project.hosts[0]!],
  storage: storagePlanSchema.parse({
    mode: 'raid', layout: { arrayName: 'data', level: 'raid10', volumes: [{ mountPoint: '/data' }] },
    hosts: [{ hostId: 'h1', disks: ['RSV9511', 'RSV9512', 'RSV9513', 'RSV9514'].map((serial) => ({ serial, sizeBytes: 268435456 })) }],
  }),
};
const done = (stdout = ''): ActionResult => ({ status: 'done', exitCode: 0, stdout });
const resultsWith = (m: Record<string, ActionResult>): StepResults => new Map([['h1', new Map(Object.entries(m))]]);

describe('storage step: evaluate', () => {
  it('clean RAID 10 (fixtures): no blocking finding; clean, mounted', () => {
    const f = storageStep.evaluate(resultsWith({ check: done('md=yes'), status: done(statusCapture('clean')) }), vmProject);
    expect(f.filter((x) => x.severity === 'blocking')).toEqual([]);
    expect(f.map((x) => x.code)).toEqual(['storage.array-clean', 'storage.mounted']);
    expect(f[0]!.params).toMatchObject({ host: 'node1', array: 'data', level: 'raid10', state: 'clean', members: 'RSV9511, RSV9512, RSV9513, RSV9514' });
  });

  it('degraded (fixtures, disk 2 pulled): blocking, naming the missing serial RSV9512', () => {
    const f = storageStep.evaluate(resultsWith({ status: done(statusCapture('degraded')) }), vmProject);
    const deg = f.find((x) => x.code === 'storage.array-degraded')!;
    expect(deg.severity).toBe('blocking');
    expect(deg.params).toEqual({ host: 'node1', array: 'data', missing: 'RSV9512' });
    expect(f.map((x) => x.code)).not.toContain('storage.array-clean');
  });

  it('recovering (fixtures): a warning with the percent, nothing missing, not blocking', () => {
    const capture = [
      '=== md', 'yes', '=== mdstat', fx('mdstat-raid10-recovery.txt'), '=== kname', 'md127', '=== detail', fx('mdadm-detail-raid10-recovery.txt'),
      '=== members', 'vdb RSV9511', 'vdc RSV9512', 'vdd RSV9513', 'vde RSV9514', '=== scan', 'ARRAY /dev/md/data UUID=x', '=== mdadm.conf', 'ARRAY /dev/md/data UUID=x',
      '=== mount /data', '/dev/md127 ext4', '--- fstab', 'UUID=1 /data ext4 defaults,nofail 0 2',
    ].join('\n');
    const a = arrayStatusFromCapture(capture, vmProject.storage!.hosts[0]!, vmProject.storage!.layout)!;
    expect(a).toMatchObject({ state: 'recovering', missing: [], sync: { action: 'recovery', percent: 0.7, speedKiBs: 486, finishMin: 8.7 } });
    const f = storageStep.evaluate(resultsWith({ status: done(capture) }), vmProject);
    expect(f.map((x) => [x.code, x.severity])).toEqual([['storage.array-resyncing', 'warning'], ['storage.mounted', 'info']]);
    expect(f[0]!.params).toMatchObject({ action: 'recovery', percent: 0.7 });
  });

  it('arrayStatusFromCapture: the contract ArrayStatus', () => {
    const a = arrayStatusFromCapture(statusCapture('degraded'), vmProject.storage!.hosts[0]!, vmProject.storage!.layout)!;
    expect(a).toMatchObject({ device: '/dev/md/data', name: 'vm1:0', level: 'raid10', state: 'degraded', sizeBytes: 532676608, uuid: 'faaf7cee:ec5411df:9c90fa44:4da78229', missing: ['RSV9512'], mountPoint: '/data', inFstab: true, inMdadmConf: true });
    expect(a.members.map((m) => [m.serial, m.device, m.state])).toEqual([
      ['RSV9511', '/dev/vdb', 'active sync set-A'], ['RSV9513', '/dev/vdd', 'active sync set-A'], ['RSV9514', '/dev/vde', 'active sync set-B'],
    ]);
    expect(arrayStatusFromCapture('=== md\nyes\n=== mdstat\n=== absent\n', vmProject.storage!.hosts[0]!, vmProject.storage!.layout)).toBeNull();
  });

  it('not mounted and no mdadm.conf line: blocking each', () => {
    const f = storageStep.evaluate(resultsWith({ status: done(statusCapture('clean', { mounted: false, conf: false })) }), vmProject);
    expect(f.filter((x) => x.severity === 'blocking').map((x) => x.code)).toEqual(['storage.not-mounted', 'storage.mdadm-conf-missing']);
  });

  it('a kernel without MD: storage.kernel-no-md, not mdadm\'s message', () => {
    const f = storageStep.evaluate(resultsWith({ check: { status: 'failed', exitCode: scripts.EXIT.noMd, stdout: 'tool mdadm=no\nkernel=6.12.0-lab\nmd=no\nRACKSIDE-STORAGE no-md\n' } }), vmProject);
    expect(f).toEqual([expect.objectContaining({ severity: 'blocking', code: 'storage.kernel-no-md', params: { host: 'node1', kernel: '6.12.0-lab' } })]);
  });

  it('the guard refused: what changed, per serial (a serial with a space included)', () => {
    const f = storageStep.evaluate(resultsWith({
      check: done('md=yes'), packages: done(),
      'create-array': { status: 'failed', exitCode: scripts.EXIT.changed, stdout: 'RACKSIDE-STORAGE changed RSV9512 signature\nRACKSIDE-STORAGE changed WD 77 missing\n' },
    }), vmProject);
    expect(f).toEqual([expect.objectContaining({ code: 'storage.disk-changed', params: { host: 'node1', changes: 'RSV9512 (signature), WD 77 (missing)' } })]);
  });

  it('mode none: one info finding per host', () => {
    const p = { ...project, storage: storagePlanSchema.parse({ mode: 'none' }) };
    const f = storageStep.evaluate(new Map([['h1', new Map([['not-planned', done()]])], ['h2', new Map([['not-planned', done()]])]]), p);
    expect(f.map((x) => [x.code, x.severity, x.hostId])).toEqual([['storage.not-planned', 'info', 'h1'], ['storage.not-planned', 'info', 'h2']]);
  });
});
