import { execFile, spawn } from 'node:child_process';
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  STORAGE_STEP,
  storagePlanSchema,
  type HostDisks,
  type HostStorageStatus,
  type PlanView,
  type Project,
  type RunView,
  type StepState,
  type StoragePlanInput,
} from '../../../contract/index.js';
import { createDispatcher } from '../../api/dispatcher.js';
import { createHandlers } from '../../api/handlers.js';
import { createLogger } from '../../log/logger.js';
import { readJournal, type JournalEvent } from '../../project/journal.js';
import { saveProject } from '../../project/project-store.js';
import { MemorySecretStore } from '../../secrets/secret-store.js';

/**
 * The storage step on a real kernel: one Debian VM of the VM lab (instance 92, four 256 MiB data
 * disks with serials RSV9211..RSV9214), driven through the backend's real handlers and runner
 * (project folder, inventory from the VM lab, plan saved, planned, confirmed, run, journaled).
 * Nothing is mocked. It shares one VM across the tests, in order: what each leaves is what the
 * next starts from (a refused apply, then a built array, a re-run, a reboot, a pulled disk, then
 * everything torn down for a killed apply and its resume).
 *
 * Opt-in like scripts/lab/vm.lab.test.ts: RACKSIDE_LAB_VM_TESTS=1 (see scripts/lab/README.md).
 */
const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..', '..', '..');
const LAB = join(ROOT, 'scripts', 'lab', 'lab');
const INSTANCE = 92;
const env = { ...process.env, RACKSIDE_LAB_INSTANCE: String(INSTANCE) };
const UP_TIMEOUT = 30 * 60_000;
/** Test b with the real `update-initramfs -u` (see there): RACKSIDE_LAB_VM_INITRAMFS=1. */
const INITRAMFS = process.env.RACKSIDE_LAB_VM_INITRAMFS === '1';
// Under TCG on a busy 2-core machine: installing mdadm + lvm2 took ~4-5 min here (lvm2's configure).
const APPLY_TIMEOUT = 20 * 60_000;
const GUEST_TIMEOUT = 10 * 60_000;
const silent = createLogger(() => {});

interface VmStatus {
  vms: { name: string; port: number; disks: { disk: number; serial: string; present: boolean | null }[] }[];
  sshConfig: string;
  keyPath: string;
  stateDir: string;
}

const serial = (disk: number) => `RSV${String(INSTANCE).padStart(2, '0')}1${disk}`;
const SERIALS = [1, 2, 3, 4].map(serial);
const byId = (disk: number) => `/dev/disk/by-id/virtio-${serial(disk)}`;
const ARRAY = 'data';
const MOUNT = '/srv/data';

const FIXTURES = join(import.meta.dirname, 'fixtures');

/**
 * RACKSIDE_CAPTURE_FIXTURES=1: the `status` action's real stdout of a run, saved as a fixture
 * (the report's storage section is tested against these, see report/storage.test.ts).
 */
async function captureStatus(dir: string, runId: string, name: string): Promise<void> {
  if (process.env.RACKSIDE_CAPTURE_FIXTURES !== '1') return;
  const e = (await journal(dir)).find((x) => x.type === 'action-finished' && x.runId === runId && x.actionId === 'status' && x.status === 'done');
  if (e?.type === 'action-finished' && e.stdout) await writeFile(join(FIXTURES, name), e.stdout);
}

async function lab(...args: string[]): Promise<string> {
  return (await run('bash', [LAB, ...args], { env, maxBuffer: 4 * 1024 * 1024, timeout: UP_TIMEOUT })).stdout;
}

let vm: VmStatus;
let dataDir: string;
let dispatch: ReturnType<typeof createDispatcher>;
let disksRead: HostDisks[] = [];

async function onVm(command: string): Promise<string> {
  const r = await run('ssh', ['-F', vm.sshConfig, '-o', 'BatchMode=yes', 'vm1', command], { maxBuffer: 16 * 1024 * 1024, timeout: GUEST_TIMEOUT });
  return r.stdout;
}

async function until(command: string, ready: (out: string) => boolean, what: string): Promise<string> {
  let out = '';
  for (let i = 0; i < 300; i++) {
    out = await onVm(command);
    if (ready(out)) return out;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`vm1: ${what} did not happen; last output of "${command}":\n${out}`);
}

async function call<T>(channel: string, payload: unknown): Promise<T> {
  const r = await dispatch(channel, payload);
  if (!r.ok) throw new Error(`${channel}: ${JSON.stringify(r.error)}`);
  return r.value as T;
}

const projectOf = (): Project => ({
  version: 1,
  site: 'VM lab',
  customer: 'Storage tests',
  technician: 'Vitest',
  hosts: [{ id: 'v1', name: 'vm1', address: '127.0.0.1', port: vm.vms[0]!.port, user: 'root', role: 'master', auth: { method: 'key', keyPath: vm.keyPath } }],
});

async function newProject(): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), 'rs-storage-vm-')), 'project');
  const saved = await saveProject(dir, projectOf());
  if (!saved.ok) throw new Error(saved.error.message);
  return dir;
}

/** RAID 10 over the four data disks as storage.disks read them, LVM on top, one ext4 LV. */
function raid10Plan(): StoragePlanInput {
  const disks = disksRead[0]!.disks.filter((d) => SERIALS.includes(d.serial)).sort((a, b) => a.serial.localeCompare(b.serial));
  return {
    mode: 'raid',
    layout: { arrayName: ARRAY, level: 'raid10', lvm: { vg: 'vg_data' }, volumes: [{ name: 'lv_data', size: '100%FREE', filesystem: 'ext4', mountPoint: MOUNT, mountOptions: 'defaults' }] },
    hosts: [{ hostId: 'v1', disks: disks.map((d) => ({ serial: d.serial, sizeBytes: d.sizeBytes, byId: d.byId, model: d.model })) }],
    // The VM's boot under TCG on a loaded machine is minutes, and its (cached) initramfs has no
    // mdadm, so the array assembles late in boot: here 58 s after the mount job started at load
    // average 20. With the default 30 s the mount gave up (nofail) and nothing mounted it later.
    deviceTimeoutS: 300,
  };
}

async function planOf(dir: string): Promise<PlanView> {
  return (await call<{ plan: PlanView }>('runbook.plan', { dir, stepId: STORAGE_STEP })).plan;
}

/** Plan, confirm exactly its changes (each disk ticked), run to the end through the handlers. */
async function applyConfirmed(dir: string): Promise<RunView> {
  const plan = await planOf(dir);
  const { runId } = await call<{ runId: string }>('runbook.start', {
    dir,
    stepId: STORAGE_STEP,
    confirmation: { planHash: plan.planHash, changes: plan.changes.map((c) => c.change) },
  });
  return runEnd(dir, runId);
}

async function runEnd(dir: string, runId: string): Promise<RunView> {
  for (;;) {
    const { steps } = await call<{ steps: StepState[] }>('runbook.state', { dir });
    const last = steps.find((s) => s.stepId === STORAGE_STEP)?.lastRun;
    if (last && last.runId === runId && last.status !== 'running') return last;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function journal(dir: string): Promise<JournalEvent[]> {
  const r = await readJournal(dir);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** What `mdadm --examine` says of each data disk: 'none' when it carries no md superblock. */
async function superblocks(): Promise<string[]> {
  const out = await onVm(SERIALS.map((_, k) => `mdadm --examine ${byId(k + 1)} >/dev/null 2>&1 && echo md || echo none`).join('; '));
  return out.trim().split('\n');
}

/** Everything a built array left on the VM, removed, so the next test starts from blank disks. */
async function tearDownArray(): Promise<void> {
  await onVm(
    [
      `umount ${MOUNT} 2>/dev/null || true`,
      `sed -i '\\# ${MOUNT} #d' /etc/fstab`,
      // Inside the array too: mdadm --create over the same disks puts the data area where it was,
      // so an LVM label left there would bring the old VG, LV and filesystem back with it.
      `wipefs -a -q /dev/vg_data/lv_data 2>/dev/null; vgremove -f -y vg_data >/dev/null 2>&1; wipefs -a -q /dev/md/${ARRAY} 2>/dev/null || true`,
      'vgchange -an vg_data >/dev/null 2>&1 || true',
      `mdadm --stop /dev/md/${ARRAY} >/dev/null 2>&1 || true`,
      `mdadm --zero-superblock ${SERIALS.map((_, k) => byId(k + 1)).join(' ')} 2>/dev/null || true`,
      `wipefs -a -q ${SERIALS.map((_, k) => byId(k + 1)).join(' ')}`,
      "test -f /etc/mdadm/mdadm.conf && sed -i '/^ARRAY /d' /etc/mdadm/mdadm.conf || true",
    ].join('; '),
  );
}

describe.runIf(process.env.RACKSIDE_LAB_VM_TESTS === '1')('storage step on the VM lab (instance 92)', () => {
  let dir: string;

  beforeAll(async () => {
    await lab('vm', 'up', '--vms', '1', '--disks', '4');
    vm = JSON.parse(await lab('vm', 'status', '--json')) as VmStatus;
    dataDir = await mkdtemp(join(tmpdir(), 'rs-storage-vm-data-'));
    // The VMs' host keys as `vm up` read them (the out-of-band check a technician does).
    await copyFile(join(vm.stateDir, 'known_hosts'), join(dataDir, 'known_hosts'));
    dispatch = createDispatcher(createHandlers({ transport: 'browser', version: 't', dataDir, secrets: new MemorySecretStore(), emit: () => {}, log: silent }), silent);
    dir = await newProject();
    // A VM kept from an earlier run (RACKSIDE_LAB_VM_KEEP=1) starts from blank disks too.
    await tearDownArray();
  }, UP_TIMEOUT);

  afterAll(async () => {
    // RACKSIDE_LAB_VM_KEEP=1 keeps the VM for the next run (a boot under TCG costs minutes; npm
    // test's storage e2e runs on it), with its disks blank again and the image's initramfs setting.
    if (process.env.RACKSIDE_LAB_VM_KEEP !== '1') await lab('vm', 'down');
    else if (vm) await tearDownArray();
  }, 120_000);

  // The VM lab's own guarantees these tests stand on (scripts/lab/vm.lab.test.ts proves more of the
  // lab, by hand: its RAID build from raw mdadm and the fixtures' capture).
  it('0. the VM lab: one VM with its own kernel, its four disks present by serial, offline, and `vm up` again changes nothing', async () => {
    const s = JSON.parse(await lab('vm', 'status', '--json')) as VmStatus & { up: boolean; vms: { running: boolean; sshd: boolean }[] };
    expect(s.up).toBe(true);
    expect(s.vms).toEqual([
      expect.objectContaining({ name: 'vm1', port: 22200 + 10 * INSTANCE + 1, running: true, sshd: true, disks: [1, 2, 3, 4].map((k) => ({ disk: k, serial: serial(k), present: true })) }),
    ]);
    // its own kernel, not the host's: it loads the RAID 10 module (the namespace nodes cannot)
    expect(await onVm('hostname; modprobe raid10 && head -n 1 /proc/mdstat')).toMatch(/^vm1\nPersonalities : .*\[raid10\]/);
    // restrict=on: nothing but the forwarded repository, not even this machine's sshd
    expect(await onVm("timeout 5 bash -c 'exec 3<>/dev/tcp/10.0.2.2/22' 2>/dev/null && echo open || echo blocked")).toBe('blocked\n');
    const again = await run('bash', [LAB, 'vm', 'up', '--vms', '1', '--disks', '4'], { env, maxBuffer: 4 * 1024 * 1024, timeout: UP_TIMEOUT });
    expect(again.stderr).toContain('already up: 1 VMs');
  }, GUEST_TIMEOUT);

  it('a. storage.disks lists the four data disks as eligible by serial and never offers the system disk', async () => {
    const { hosts } = await call<{ hosts: HostDisks[] }>('storage.disks', { dir });
    disksRead = hosts;
    expect(hosts).toHaveLength(1);
    const h = hosts[0]!;
    expect(h.ok).toBe(true);
    expect(h.mdSupported).toBe(true);
    const eligible = h.disks.filter((d) => d.eligible).map((d) => d.serial).sort();
    expect(eligible).toEqual(SERIALS);
    for (const d of h.disks.filter((x) => SERIALS.includes(x.serial))) {
      expect(d).toMatchObject({ sizeBytes: 256 * 1024 * 1024, byId: `/dev/disk/by-id/virtio-${d.serial}`, reasons: [] });
    }
    // vda holds / : listed as the system disk, or not listed at all; never eligible.
    const system = h.disks.find((d) => d.name === 'vda');
    if (system) expect(system).toMatchObject({ eligible: false, reasons: expect.arrayContaining(['system-disk']) });
  }, GUEST_TIMEOUT);

  it('f. a disk that gained a filesystem between plan and apply is refused by serial, and nothing is written', async () => {
    const saved = await dispatch('storage.savePlan', { dir, plan: storagePlanSchema.parse(raid10Plan()) });
    expect(saved.ok, JSON.stringify(saved)).toBe(true);
    const plan = await planOf(dir);
    // One change per disk to wipe, each named by serial and size and ticked on its own.
    const wipes = plan.changes.filter((c) => c.code === 'storage.wipe-disk');
    expect(wipes.map((c) => c.params?.serial).sort()).toEqual(SERIALS);
    expect(wipes.every((c) => c.tickEach === true && c.params?.size === 256 * 1024 * 1024 && c.params?.host === 'vm1')).toBe(true);

    // After the plan was confirmed on screen, someone puts a filesystem on disk 3.
    await onVm(`mkfs.ext4 -q -F -L intruder ${byId(3)}`);
    const { runId } = await call<{ runId: string }>('runbook.start', {
      dir,
      stepId: STORAGE_STEP,
      confirmation: { planHash: plan.planHash, changes: plan.changes.map((c) => c.change) },
    });
    const r = await runEnd(dir, runId);
    expect(r.status).toBe('failed');
    const create = r.hosts[0]!.actions.find((a) => a.actionId === 'create-array')!;
    expect(create.status).toBe('failed');
    // What changed is named by serial, in the run's message or its findings.
    const said = JSON.stringify([create, r.findings]);
    expect(said).toContain(serial(3));
    // Nothing written: no md superblock anywhere, disk 3 still has its ext4.
    expect(await superblocks()).toEqual(['none', 'none', 'none', 'none']);
    expect((await onVm(`blkid -o value -s LABEL ${byId(3)}`)).trim()).toBe('intruder');
    expect((await onVm(`wipefs -n ${byId(1)} ${byId(2)} ${byId(4)}`)).trim()).toBe('');
    expect(await onVm('cat /proc/mdstat')).not.toMatch(/^md/m);
    await onVm(`wipefs -a -q ${byId(3)}`);
  }, APPLY_TIMEOUT);

  it('b. RAID 10 over four disks with LVM and ext4, end to end: confirmed, run, clean, mounted, in fstab and mdadm.conf', async () => {
    // The VM image switches update-initramfs off (qemu boots the cached initramfs, so package
    // installs need not rebuild one), and persist's probe accepts updates switched off. On a
    // server persist's `update-initramfs -u` rebuilds it and the probe checks the initramfs is
    // newer than mdadm.conf. RACKSIDE_LAB_VM_INITRAMFS=1 switches it on here to meet that path:
    // by hand, not in npm test: one rebuild under TCG took 8 min 35 s beside a CI run (load
    // average ~15; persist 573 s in a CI run's journal, 2.3 min idle), for an initramfs qemu never
    // boots (it boots the cached one).
    if (INITRAMFS) await onVm("sed -i 's/^update_initramfs=.*/update_initramfs=yes/' /etc/initramfs-tools/update-initramfs.conf");
    const r = await applyConfirmed(dir);
    expect(r.status, JSON.stringify(r.hosts[0]?.actions.map((a) => [a.actionId, a.status, a.message]))).toBe('completed');
    expect(r.findings.filter((f) => f.severity === 'blocking')).toEqual([]);

    const detail = await onVm(`mdadm --detail /dev/md/${ARRAY}`);
    expect(detail).toMatch(/Raid Level : raid10/);
    expect(detail).toMatch(/Raid Devices : 4/);
    expect(await superblocks()).toEqual(['md', 'md', 'md', 'md']);
    expect((await onVm(`findmnt -n -o FSTYPE,SOURCE ${MOUNT}`)).trim()).toMatch(/^ext4\s+\/dev\/mapper\/vg_data-lv_data$/);
    const fstab = await onVm('cat /etc/fstab');
    expect(fstab).toMatch(new RegExp(`^UUID=\\S+\\s+${MOUNT}\\s+ext4\\s+defaults,nofail,x-systemd.device-timeout=\\d+s\\s+0\\s+2$`, 'm'));
    expect(await onVm('cat /etc/mdadm/mdadm.conf')).toMatch(new RegExp(`^ARRAY /dev/md/${ARRAY} .*UUID=`, 'm'));
    await captureStatus(dir, r.runId, 'status-raid10-lvm-clean.txt');

    const { hosts } = await call<{ hosts: HostStorageStatus[] }>('storage.status', { dir });
    expect(hosts[0]!.arrays[0]).toMatchObject({
      device: `/dev/md/${ARRAY}`,
      level: 'raid10',
      missing: [],
      inFstab: true,
      inMdadmConf: true,
    });
    expect(['clean', 'resyncing', 'active']).toContain(hosts[0]!.arrays[0]!.state);
    expect(hosts[0]!.arrays[0]!.members.map((m) => m.serial).sort()).toEqual(SERIALS);
  }, APPLY_TIMEOUT);

  it('c. a re-run on the finished host changes nothing: every change probed done, same array, same fstab and mdadm.conf bytes', async () => {
    const state = () => onVm(`mdadm --detail /dev/md/${ARRAY} | grep -E 'UUID|Creation Time'; sha256sum /etc/fstab /etc/mdadm/mdadm.conf`);
    const before = await state();
    const r = await applyConfirmed(dir);
    expect(r.status).toBe('completed');
    const events = await journal(dir);
    const finished = events.filter((e) => e.type === 'action-finished' && e.runId === r.runId);
    const changing = finished.filter((e) => e.type === 'action-finished' && !['check', 'status'].includes(e.actionId));
    expect(changing.length).toBeGreaterThan(0);
    for (const e of changing) expect(e.type === 'action-finished' && [e.actionId, e.status]).toEqual([(e as { actionId: string }).actionId, 'already-done']);
    expect(await state()).toBe(before);
  }, APPLY_TIMEOUT);

  it('d. after a reboot the array assembles as /dev/md/<name> and is mounted again', async () => {
    const boot = (await onVm('cat /proc/sys/kernel/random/boot_id')).trim();
    await lab('vm', 'reboot', '1');
    expect((await onVm('cat /proc/sys/kernel/random/boot_id')).trim()).not.toBe(boot);
    await until(`findmnt -n ${MOUNT} || true`, (o) => o.includes(MOUNT), 'the mount coming back');
    expect((await onVm(`readlink -f /dev/md/${ARRAY}`)).trim()).toMatch(/^\/dev\/md\d+$/);
    const { hosts } = await call<{ hosts: HostStorageStatus[] }>('storage.status', { dir });
    expect(hosts[0]!.arrays[0]).toMatchObject({ device: `/dev/md/${ARRAY}`, mountPoint: MOUNT, missing: [], inFstab: true, inMdadmConf: true });
    expect(hosts[0]!.arrays[0]!.members.map((m) => m.serial).sort()).toEqual(SERIALS);
  }, GUEST_TIMEOUT);

  it('e. a pulled disk gives the blocking degraded finding naming its serial; added back, the array recovers', async () => {
    await lab('vm', 'disk', 'pull', '1', '2');
    await until('cat /proc/mdstat', (o) => /\[4\/3\]/.test(o), 'the array degrading');
    const { hosts } = await call<{ hosts: HostStorageStatus[] }>('storage.status', { dir });
    expect(hosts[0]!.arrays[0]).toMatchObject({ state: 'degraded', missing: [serial(2)] });

    const r = await applyConfirmed(dir).catch(async () => {
      // A plan whose disk is gone may not even plan; then the last run's status is what we have.
      throw new Error('planning or starting the storage step with a pulled disk failed');
    });
    const degraded = r.findings.filter((f) => f.severity === 'blocking' && f.code.includes('degraded'));
    expect(degraded, JSON.stringify(r.findings)).toHaveLength(1);
    expect(JSON.stringify(degraded[0])).toContain(serial(2));
    await captureStatus(dir, r.runId, 'status-raid10-lvm-degraded.txt');

    await lab('vm', 'disk', 'add', '1', '2');
    await until('ls /dev/disk/by-id', (o) => o.includes(`virtio-${serial(2)}`), 'the disk coming back');
    await onVm(
      `dev=$(readlink -f ${byId(2)}); mdadm --detail /dev/md/${ARRAY} | grep -qw "$dev" || ` +
        `{ mdadm /dev/md/${ARRAY} --remove failed detached 2>/dev/null; mdadm /dev/md/${ARRAY} --re-add "$dev" 2>/dev/null || mdadm /dev/md/${ARRAY} --add "$dev"; }`,
    );
    await onVm(`mdadm --wait /dev/md/${ARRAY} || true`);
    await until('cat /proc/mdstat', (o) => o.includes('[4/4] [UUUU]') && !/recovery/.test(o), 'recovery');
    const after = await call<{ hosts: HostStorageStatus[] }>('storage.status', { dir });
    expect(after.hosts[0]!.arrays[0]).toMatchObject({ state: 'clean', missing: [] });
  }, APPLY_TIMEOUT);

  it('g. SIGKILL of the backend during apply: resume completes without a second mdadm --create', async () => {
    await tearDownArray();
    // Back to the image's update_initramfs=no (test b may have run the real rebuild): this test is
    // about the kill and the resume, and persist's probe accepts updates switched off.
    await onVm("sed -i 's/^update_initramfs=.*/update_initramfs=no/' /etc/initramfs-tools/update-initramfs.conf");
    expect(await superblocks()).toEqual(['none', 'none', 'none', 'none']);
    const dir2 = await newProject();
    const saved = await dispatch('storage.savePlan', { dir: dir2, plan: storagePlanSchema.parse(raid10Plan()) });
    expect(saved.ok, JSON.stringify(saved)).toBe(true);

    const backend = (mode: 'start' | 'resume') => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'test-data', 'backend-process.ts'), dir2, dataDir, mode], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let errText = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (errText += d.toString()));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
      return { child, exited, out: () => out, err: () => errText };
    };

    const first = backend('start');
    // The journal line is on disk before the action starts: kill as soon as create-array has begun.
    const deadline = Date.now() + APPLY_TIMEOUT;
    for (;;) {
      const ev = await journal(dir2).catch(() => [] as JournalEvent[]);
      if (ev.some((e) => e.type === 'action-started' && e.actionId === 'create-array')) break;
      if (Date.now() > deadline) throw new Error('create-array never started: ' + first.err());
      const gone = await Promise.race([first.exited, new Promise((r) => setTimeout(() => r(null), 200))]);
      if (gone) throw new Error(`the backend ended before create-array: ${first.out()} ${first.err()}`);
    }
    // ... and once mdadm has built the array on the VM, so the kill lands between mdadm --create
    // and the journal recording the action finished (or, at worst, a little later in the apply).
    await until(`grep -c '^md' /proc/mdstat || true`, (o) => o.trim() !== '0', 'mdadm --create on the VM');
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const killed = await journal(dir2);
    expect(killed.some((e) => e.type === 'run-finished')).toBe(false);
    const createdBeforeKill = (await onVm(`mdadm --detail /dev/md/${ARRAY} 2>/dev/null | grep -E ' UUID :' || true`)).trim();
    const finishedBeforeKill = killed.some((e) => e.type === 'action-finished' && e.actionId === 'create-array');
    console.warn(`SIGKILL landed ${finishedBeforeKill ? 'after' : 'before'} create-array was journaled finished; array then: ${createdBeforeKill || 'none'}`);

    const second = backend('resume');
    const { code } = await second.exited;
    expect(code, second.out() + second.err()).toBe(0);
    const { run: resumed } = JSON.parse(second.out().trim().split('\n').at(-1)!) as { run: RunView };
    expect(resumed.status, JSON.stringify(resumed.hosts[0]?.actions.map((a) => [a.actionId, a.status, a.message]))).toBe('completed');

    const events = await journal(dir2);
    expect(events.filter((e) => e.type === 'run-resumed')).toHaveLength(1);
    const creates = events.filter((e) => e.type === 'action-finished' && e.actionId === 'create-array');
    // Finished once: by the first backend before the kill landed, by the resumed one's own run,
    // or (mdadm had already built it when the kill came) `already-done` by its probe.
    expect(creates.filter((e) => e.type === 'action-finished' && (e.status === 'done' || e.status === 'already-done'))).toHaveLength(1);
    // On the VM: one array, created once (a second --create would have a new UUID and creation time,
    // and mdadm refuses to create over members of a running array anyway).
    const detail = await onVm(`mdadm --detail /dev/md/${ARRAY}`);
    expect(detail).toMatch(/Raid Level : raid10/);
    expect(await onVm("grep -c '^md' /proc/mdstat")).toBe('1\n');
    // The array the killed backend's mdadm --create made is the one there now (a second
    // --create would have written a new UUID).
    if (createdBeforeKill) expect(detail).toContain(createdBeforeKill);
    // Every mdadm --create that reached the VM is in a transcript; there is exactly one.
    let creations = 0;
    for (const e of events) {
      if (e.type !== 'action-finished' || e.actionId !== 'create-array' || !e.transcript) continue;
      const t = await readFile(join(dir2, e.transcript), 'utf8').catch(() => '');
      creations += (t.match(/mdadm: array \/dev\/md\/\S+ started/g) ?? []).length;
    }
    expect(creations).toBeLessThanOrEqual(1);
    expect((await onVm(`findmnt -n -o TARGET ${MOUNT}`)).trim()).toBe(MOUNT);
  }, 2 * APPLY_TIMEOUT);
});
