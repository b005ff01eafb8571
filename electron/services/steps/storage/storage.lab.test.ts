import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lab, trustLabHostKeys, type LabStatus } from '../../../../scripts/test-support/lab.js';
import { STORAGE_STEP, storagePlanSchema, type HostDisks, type Project, type StoragePlanInput } from '../../../contract/index.js';
import { createDispatcher } from '../../api/dispatcher.js';
import { createHandlers } from '../../api/handlers.js';
import { createLogger } from '../../log/logger.js';
import { saveProject } from '../../project/project-store.js';
import { Runbook } from '../../runbook/engine.js';
import { MemorySecretStore } from '../../secrets/secret-store.js';
import { KnownHosts } from '../../ssh/known-hosts.js';
import { SshPool } from '../../ssh/pool.js';
import { stepRegistry } from '../registry.js';
import { DISK_PROBLEMS, HELPERS } from './scripts.js';
import { storageStep } from './step.js';

/**
 * Integration: the storage steps against the namespace lab's real nodes. They share this
 * machine's kernel, which has no MD driver, and their disks are loop devices (node1: four of
 * 256 MiB), which have no serial. So here: the disks are read and judged through the runner;
 * a loop disk is never eligible (`no-serial`: the guard could not find it again by serial), and
 * one with a filesystem says `signature` as well; applying a plan says `storage.kernel-no-md`
 * and writes nothing. Building arrays is proved on the VM lab (its own kernel, disks with serials).
 */
let status: LabStatus;
let dataDir: string;
const secrets = new MemorySecretStore();
const silent = createLogger(() => {});
const NODES = [1, 2];
let dispatch: ReturnType<typeof createDispatcher>;
let loops: string[] = [];

const projectFor = (storage?: StoragePlanInput): Project => ({
  version: 1,
  site: 'Lab',
  customer: 'Storage tests',
  technician: 'Vitest',
  hosts: NODES.map((i) => ({
    id: `n${i}`,
    name: `node${i}`,
    address: status.nodes[i - 1]!.address,
    port: 22,
    user: 'root',
    role: i === 1 ? ('master' as const) : ('worker' as const),
    auth: { method: 'key' as const, keyPath: status.keyPath },
  })),
  ...(storage ? { storage: storagePlanSchema.parse(storage) } : {}),
});

async function newProject(storage?: StoragePlanInput): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), 'rs-storage-lab-')), 'project');
  const saved = await saveProject(dir, projectFor(storage));
  if (!saved.ok) throw new Error(saved.error.message);
  return dir;
}

async function readDisks(dir: string): Promise<HostDisks[]> {
  const r = await dispatch('storage.disks', { dir });
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return (r.value as { hosts: HostDisks[] }).hosts;
}

/** What is on node1's loop disks and config files: the step must leave all of it as it was. */
const node1State = () =>
  lab.exec(1, 'sh', '-c', 'for d in "$@"; do printf "%s: " "$d"; wipefs -n --noheadings -O TYPE "/dev/$d" | tr "\\n" " "; echo; done; cat /etc/fstab; ls /etc/mdadm 2>&1; cat /proc/mdstat 2>&1; true', 'sh', ...loops);

beforeAll(async () => {
  status = await lab.status();
  dataDir = await mkdtemp(join(tmpdir(), 'rs-storage-data-'));
  await trustLabHostKeys(dataDir, NODES);
  dispatch = createDispatcher(createHandlers({ transport: 'browser', version: 't', dataDir, secrets, emit: () => {}, log: silent }), silent);
});

afterAll(async () => {
  // The filesystem the test made on a loop disk goes again, so the node's disks are blank for the next run.
  if (loops[0]) await lab.exec(1, 'wipefs', '-a', '-q', `/dev/${loops[0]}`).catch(() => {});
});

describe('storage disks in the namespace lab', () => {
  it('storage.disks reads every node\'s loop disks through the runner; blank ones fail only no-serial, one with a filesystem also signature', async () => {
    const dir = await newProject();
    const first = await readDisks(dir);
    expect(first.map((h) => [h.hostId, h.ok, h.mdSupported])).toEqual([['n1', true, false], ['n2', true, false]]);
    const n1 = first[0]!.disks;
    expect(n1).toHaveLength(4);
    expect(first[1]!.disks).toHaveLength(2);
    for (const d of n1) {
      expect(d, d.name).toMatchObject({ sizeBytes: 256 * 2 ** 20, serial: '', eligible: false, reasons: ['no-serial'] });
      expect(d.name).toMatch(/^loop\d+$/);
    }
    loops = n1.map((d) => d.name);

    await lab.exec(1, 'mkfs.ext4', '-q', '-F', `/dev/${loops[0]}`);
    const again = (await readDisks(dir))[0]!.disks;
    expect(again.find((d) => d.name === loops[0])).toMatchObject({ eligible: false, reasons: ['signature', 'no-serial'], reasonParams: { signature: 'ext4' } });
    for (const d of again.filter((x) => x.name !== loops[0])) expect(d.reasons, d.name).toEqual(['no-serial']);
  });
});

describe('the guard\'s re-check of a disk, on real loop disks', () => {
  it('prints nothing for a blank disk of the chosen size; size, mounted and signature when they changed', async () => {
    if (!loops.length) loops = (await readDisks(await newProject()))[0]!.disks.map((d) => d.name);
    const [, b, c] = loops as [string, string, string];
    const check = (disk: string, size: number) =>
      lab.exec(1, 'sh', '-c', `${HELPERS}\n${DISK_PROBLEMS}\ndisk_problems "$1" "$2" | tr '\\n' ' '`, 'sh', disk, String(size));
    try {
      expect(await check(c, 256 * 2 ** 20)).toBe('');
      expect(await check(c, 512 * 2 ** 20)).toBe(`size=${256 * 2 ** 20} `);
      await lab.exec(1, 'sh', '-c', 'mkfs.ext4 -q -F "/dev/$1" && mkdir -p /mnt/rs-guard && mount "/dev/$1" /mnt/rs-guard', 'sh', b);
      expect(await check(b, 256 * 2 ** 20)).toBe('mounted signature ');
    } finally {
      await lab.exec(1, 'sh', '-c', 'umount /mnt/rs-guard; wipefs -a -q "/dev/$1"; true', 'sh', b);
    }
  });
});

describe('applying a plan in the namespace lab', () => {
  // The lab's loop disks have no serials, so the plan names serials the lab does not have: the
  // check action refuses before any disk is looked for. storage.savePlan refuses such a plan (no
  // disk with that serial was read), so this test writes project.yaml directly.
  const plan: StoragePlanInput = {
    mode: 'raid',
    layout: { arrayName: 'data', level: 'raid10', lvm: { vg: 'vg_data' }, volumes: [{ name: 'data', size: '100%FREE', mountPoint: '/data' }] },
    hosts: [{ hostId: 'n1', disks: ['LABLOOP1', 'LABLOOP2', 'LABLOOP3', 'LABLOOP4'].map((serial) => ({ serial, sizeBytes: 256 * 2 ** 20 })) }],
  };

  it('storage.savePlan refuses serials the last disk read did not find, and saves nothing', async () => {
    const dir = await newProject();
    await readDisks(dir);
    const r = await dispatch('storage.savePlan', { dir, plan: storagePlanSchema.parse(plan) });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('validation-failed');
    expect(r.error.issues?.map((i) => i.code)).toEqual(Array(4).fill('storage.issue.disk-not-found'));
  });

  it('running the step: blocking storage.kernel-no-md, create-array never runs, nothing on the node changes', async () => {
    if (!loops.length) loops = (await readDisks(await newProject()))[0]!.disks.map((d) => d.name);
    const dir = await newProject(plan);
    const before = await node1State();
    const knownHosts = new KnownHosts(dataDir);
    const pool = new SshPool({ knownHosts, secrets });
    const runbook = new Runbook({ pool, secrets, steps: stepRegistry([storageStep]), emit: () => {}, log: silent });
    try {
      const planned = await runbook.plan(dir, STORAGE_STEP);
      if (!planned.ok) throw new Error(planned.error.message);
      expect(planned.value.plan.changes.map((c) => [c.hostId, c.code, c.params?.serial, c.tickEach])).toEqual(
        ['LABLOOP1', 'LABLOOP2', 'LABLOOP3', 'LABLOOP4'].map((s) => ['n1', 'storage.wipe-disk', s, true]),
      );
      const confirmation = { planHash: planned.value.plan.planHash, changes: planned.value.plan.changes.map((c) => c.change) };
      const started = await runbook.start(dir, STORAGE_STEP, { confirmation });
      if (!started.ok) throw new Error(started.error.message);
      const run = (await runbook.whenDone(started.value.runId))!;
      const n1 = run.hosts.find((h) => h.hostId === 'n1')!;
      expect(n1.actions.find((a) => a.actionId === 'check')).toMatchObject({ status: 'failed', exitCode: 40 });
      expect(n1.actions.filter((a) => a.status === 'done' || a.status === 'already-done' || a.status === 'failed').map((a) => a.actionId)).toEqual(['check']);
      const blocking = run.findings.filter((f) => f.severity === 'blocking');
      expect(blocking).toEqual([expect.objectContaining({ hostId: 'n1', code: 'storage.kernel-no-md', params: expect.objectContaining({ host: 'node1' }) })]);
      expect(blocking[0]!.message).not.toMatch(/mdadm:/);
      // node2 has no disks in the plan: it only records that.
      expect(run.findings.filter((f) => f.hostId === 'n2').map((f) => [f.code, f.severity])).toEqual([['storage.not-planned', 'info']]);
      expect(await node1State()).toBe(before);
    } finally {
      await runbook.close();
      pool.closeAll();
    }
  });
});
