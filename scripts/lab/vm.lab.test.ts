import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseInventoryFile } from '../../electron/services/inventory/import.js';

/**
 * The VM lab: a real Debian VM under qemu with its own kernel, on an instance of its own
 * (RACKSIDE_LAB_INSTANCE=95) beside the tests' namespace lab. Real MD RAID over virtio disks with
 * serial numbers, a disk hot-unplugged through qemu's monitor and plugged back.
 *
 * RACKSIDE_CAPTURE_FIXTURES=1 also writes the guest's real outputs into
 * electron/services/steps/storage/fixtures/ (see the README there) for the storage step's parsers.
 */
const run = promisify(execFile);
const LAB = join(import.meta.dirname, 'lab');
const INSTANCE = 95;
const env = { ...process.env, RACKSIDE_LAB_INSTANCE: String(INSTANCE) };
const FIXTURES = join(import.meta.dirname, '../../electron/services/steps/storage/fixtures');
const capture = process.env.RACKSIDE_CAPTURE_FIXTURES === '1';
// A boot under TCG on a loaded 2-core machine: ~30-60 s, more while others run tests; the first
// run on a machine also builds the image (~7 min).
const UP_TIMEOUT = 30 * 60_000;
const GUEST_TIMEOUT = 10 * 60_000;

interface VmStatus {
  up: boolean;
  accel: string;
  vms: { name: string; port: number; running: boolean; sshd: boolean; disks: { disk: number; serial: string; present: boolean | null }[] }[];
  inventory: string;
  sshConfig: string;
  keyPath: string;
}

async function lab(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run('bash', [LAB, ...args], { env, maxBuffer: 4 * 1024 * 1024, timeout: UP_TIMEOUT });
}

async function status(): Promise<VmStatus> {
  return JSON.parse((await lab('vm', 'status', '--json')).stdout) as VmStatus;
}

let sshConfig = '';

/**
 * A command on vm1 over the VM lab's own ssh_config (the lab key, the VM's host key already known):
 * a namespace `lab up` on the same instance rewrites the lab's main ssh_config.
 */
async function onVm(command: string): Promise<string> {
  const r = await run('ssh', ['-F', sshConfig, '-o', 'BatchMode=yes', 'vm1', command], {
    maxBuffer: 16 * 1024 * 1024,
    timeout: GUEST_TIMEOUT,
  });
  return r.stdout;
}

/** Poll a guest command until its output passes `ready` (md and udev work in their own time). */
async function until(command: string, ready: (out: string) => boolean, what: string): Promise<string> {
  let out = '';
  for (let i = 0; i < 300; i++) {
    out = await onVm(command);
    if (ready(out)) return out;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`vm1: ${what} did not happen; last output of "${command}":\n${out}`);
}

function fixture(name: string, text: string): void {
  if (!capture) return;
  mkdirSync(FIXTURES, { recursive: true });
  writeFileSync(join(FIXTURES, name), text);
}

const serial = (disk: number) => `RSV${String(INSTANCE).padStart(2, '0')}1${disk}`;
const members = [1, 2, 3, 4].map((k) => `/dev/disk/by-id/virtio-${serial(k)}`);

// By hand, not in `npm test` (scripts/test.mjs BY_HAND: the storage VM file checks what the storage
// tests stand on): ~3 min on an idle machine, 5.5-7.5 min loaded, more on a first run that builds the image.
describe.runIf(process.env.RACKSIDE_LAB_VM_TESTS === '1')('lab vm (instance 95)', () => {
  beforeAll(async () => {
    await lab('vm', 'up', '--vms', '1');
    sshConfig = (await status()).sshConfig;
  }, UP_TIMEOUT);

  afterAll(async () => {
    await lab('vm', 'down');
  }, 120_000);

  it('boots a VM whose sshd takes the lab key, listed in an inventory the app imports', async () => {
    const s = await status();
    expect(s.up).toBe(true);
    expect(s.vms).toEqual([
      expect.objectContaining({
        name: 'vm1',
        port: 22200 + 10 * INSTANCE + 1,
        running: true,
        sshd: true,
        disks: [1, 2, 3, 4].map((k) => ({ disk: k, serial: serial(k), present: true })),
      }),
    ]);
    const imported = parseInventoryFile('inventory.yaml', readFileSync(s.inventory, 'utf8'));
    expect(imported.ok && imported.value.hosts).toEqual([
      expect.objectContaining({ name: 'vm1', address: '127.0.0.1', port: 22200 + 10 * INSTANCE + 1, user: 'root' }),
    ]);
    // its own kernel, not the host's: it loads the RAID 10 module (the namespace nodes cannot)
    expect(await onVm('hostname; modprobe raid10 && head -n 1 /proc/mdstat')).toBe('vm1\nPersonalities : [raid10] \n');
    // restrict=on: nothing but the forwarded repository, not even this machine's sshd
    expect(await onVm("timeout 5 bash -c 'exec 3<>/dev/tcp/10.0.2.2/22' 2>/dev/null && echo open || echo blocked")).toBe(
      'blocked\n',
    );
    // `up` again on a running VM lab changes nothing
    expect((await lab('vm', 'up', '--vms', '1')).stderr).toContain('already up: 1 VMs');
  }, GUEST_TIMEOUT);

  it('shows the data disks with their serials in lsblk, /dev/disk/by-id and udev', async () => {
    const lsblk = await onVm('lsblk -J -b -o NAME,SERIAL,SIZE,TYPE,MODEL,ROTA,TRAN,WWN,HCTL,MOUNTPOINTS');
    fixture('lsblk-4-disks.json', lsblk);
    const devices = (JSON.parse(lsblk) as { blockdevices: { name: string; serial: string | null; size: number }[] }).blockdevices;
    for (const k of [1, 2, 3, 4]) {
      expect(devices).toContainEqual(expect.objectContaining({ serial: serial(k), size: 256 * 1024 * 1024 }));
    }
    const byId = await onVm('ls /dev/disk/by-id');
    for (const k of [1, 2, 3, 4]) expect(byId.split('\n')).toContain(`virtio-${serial(k)}`);
    const udev = await onVm(`udevadm info --query=property --name=${members[0]}`);
    fixture('udevadm-virtio-disk.txt', udev);
    expect(udev).toContain(`ID_SERIAL=${serial(1)}`);
  }, GUEST_TIMEOUT);

  it('installs mdadm from the lab repository, which also serves lvm2 and xfsprogs (the image has none of them)', async () => {
    expect(await onVm('command -v mdadm lvcreate mkfs.xfs || echo none')).toBe('none\n');
    // Only mdadm: under TCG maintainer scripts are slow (here lvm2's configure took ~3 min, mdadm's ~50 s).
    await onVm('apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q mdadm');
    expect(await onVm('mdadm --version 2>&1')).toMatch(/^mdadm - v4\./);
    const policy = await onVm('apt-cache policy mdadm lvm2 xfsprogs');
    for (const pkg of ['mdadm', 'lvm2', 'xfsprogs']) {
      expect(policy).toMatch(new RegExp(`^${pkg}:\\n(?:  .*\\n)*?  Candidate: [^(]`, 'm'));
    }
    expect(policy.match(/http:\/\/10\.0\.2\.100:8080 \.\/ Packages/g)).toHaveLength(3);
  }, GUEST_TIMEOUT);

  it('builds a RAID 10 over four disks, sees it degrade when a disk is pulled and recover when it is added back', async () => {
    fixture('wipefs-blank-disk.json', await onVm(`wipefs -n -J ${members[0]}`));
    await onVm(`mdadm --create /dev/md0 --level=10 --raid-devices=4 --run ${members.join(' ')}`);
    // --wait returns when the initial resync has finished
    await onVm('mdadm --wait /dev/md0 || true');
    const clean = await until('cat /proc/mdstat', (o) => /md0 : active raid10/.test(o) && o.includes('[UUUU]') && !/resync/.test(o), 'resync');
    fixture('mdstat-raid10-clean.txt', clean);
    const exportClean = await onVm('mdadm --detail --export /dev/md0');
    fixture('mdadm-detail-export-raid10-clean.txt', exportClean);
    expect(exportClean).toContain('MD_LEVEL=raid10');
    expect(exportClean).toContain('MD_DEVICES=4');
    fixture('mdadm-detail-raid10-clean.txt', await onVm('mdadm --detail /dev/md0'));
    fixture('lsblk-raid10.json', await onVm('lsblk -J -b -o NAME,SERIAL,SIZE,TYPE,FSTYPE,MOUNTPOINTS'));
    const member = await onVm(`wipefs -n -J ${members[0]}`);
    fixture('wipefs-md-member.json', member);
    expect(member).toContain('linux_raid_member');
    const blkid = await onVm(`blkid ${members[0]} /dev/md0; blkid -o export ${members[0]}`);
    fixture('blkid-md-member.txt', blkid);
    expect(blkid).toContain('TYPE="linux_raid_member"');

    await lab('vm', 'disk', 'pull', '1', '2');
    expect((await status()).vms[0]!.disks[1]).toEqual({ disk: 2, serial: serial(2), present: false });
    const degradedStat = await until('cat /proc/mdstat', (o) => /\[4\/3\]/.test(o), 'the array degrading');
    fixture('mdstat-raid10-degraded.txt', degradedStat);
    const detail = await until('mdadm --detail /dev/md0', (o) => /State : .*degraded/.test(o), 'mdadm --detail showing degraded');
    fixture('mdadm-detail-raid10-degraded.txt', detail);
    expect(detail).toMatch(/Active Devices : 3/);
    fixture('mdadm-detail-export-raid10-degraded.txt', await onVm('mdadm --detail --export /dev/md0'));
    expect(await onVm('ls /dev/disk/by-id')).not.toContain(`virtio-${serial(2)}`);

    await lab('vm', 'disk', 'add', '1', serial(2));
    expect((await status()).vms[0]!.disks[1]!.present).toBe(true);
    await until('ls /dev/disk/by-id', (o) => o.includes(`virtio-${serial(2)}`), 'the disk coming back');
    // Whether udev's incremental rule already took it back depends on timing; otherwise add it.
    await onVm(
      `dev=$(readlink -f ${members[1]}); mdadm --detail /dev/md0 | grep -qw "$dev" || ` +
        '{ mdadm /dev/md0 --remove failed detached 2>/dev/null; mdadm /dev/md0 --add "$dev"; }',
    );
    await onVm('mdadm --wait /dev/md0 || true');
    const recovered = await until('cat /proc/mdstat', (o) => o.includes('[4/4] [UUUU]') && !/recovery/.test(o), 'recovery');
    expect(recovered).toMatch(/md0 : active raid10/);
  }, 3 * GUEST_TIMEOUT);
});
