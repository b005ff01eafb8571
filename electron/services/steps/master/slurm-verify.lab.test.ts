import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASTER_INSTALL_STEP, projectSchema, WORKER_JOIN_STEP, type Project } from '../../../contract/index.js';
import { createLogger } from '../../log/logger.js';
import { readJournal, type JournalEvent } from '../../project/journal.js';
import { saveProject } from '../../project/project-store.js';
import { Runbook } from '../../runbook/engine.js';
import { JournalState } from '../../runbook/replay.js';
import type { Finding } from '../../runbook/step-module.js';
import { MemorySecretStore, outputSecretKind } from '../../secrets/secret-store.js';
import { KnownHosts } from '../../ssh/known-hosts.js';
import { SshPool } from '../../ssh/pool.js';
import { workerJoinStep } from '../join/step.js';
import { stepRegistry } from '../registry.js';
import { masterInstallStep } from './step.js';
import { PROFILE_VERIFY_TEST_STEP, profileVerifyStep } from './test-data/profile-verify-step.js';
import { pollUntil } from '../../../../scripts/test-support/until.js';

/**
 * Integration: the Slurm profile's step-7 checks (ClusterProfile.verify) on a 4-node systemd-mode
 * lab cluster, through the real runner and real sshd. The checks run in a STAND-IN step module
 * (test-data/profile-verify-step.ts) with the verification step's phases, as steps/verify is
 * built elsewhere. The cluster is built here (master install + worker joins; on a lab that has
 * it already both are "already done"): a healthy cluster passes every check; slurmd stopped on
 * node4 is node4's blocking finding; restored, all pass again. The munge credentials the checks
 * pass between nodes are secret outputs: in no file of the project folder. Instance:
 * RACKSIDE_LAB_INSTANCE when set, else 76.
 */
const run = promisify(execFile);
const LAB = join(import.meta.dirname, '..', '..', '..', '..', 'scripts', 'lab', 'lab');
const INSTANCE = process.env.RACKSIDE_LAB_INSTANCE && process.env.RACKSIDE_LAB_INSTANCE !== '0' ? process.env.RACKSIDE_LAB_INSTANCE : '76';
const env = { ...process.env, RACKSIDE_LAB_INSTANCE: INSTANCE };
const NODES = [1, 2, 3, 4];
const LIMIT = 1_200_000;

interface Status { up: boolean; mode: string; keyPath: string; nodes: { name: string; address: string }[] }
const lab = async (...args: string[]) => (await run('bash', [LAB, ...args], { env, maxBuffer: 16 * 1024 * 1024, timeout: 900_000 })).stdout;
const status = async () => JSON.parse(await lab('status', '--json')) as Status;
const exec = (node: number, script: string) => lab('exec', String(node), '--', 'sh', '-c', script);

const until = <T>(what: string, f: () => Promise<T | undefined>, ms = 180_000) => pollUntil(what, f, ms);

let st: Status;
let dir: string;
let pool: SshPool;
let rb: Runbook;
const secrets = new MemorySecretStore();
const addr = (i: number) => st.nodes[i - 1]!.address;

function projectOf(): Project {
  return projectSchema.parse({
    version: 1, site: 'Lab', customer: 'Slurm verification', technician: 'Vitest',
    hosts: NODES.map((i) => ({
      id: `n${i}`, name: `node${i}`, address: addr(i), port: 22, user: 'root', role: i <= 2 ? 'master' : 'worker',
      auth: { method: 'key', keyPath: st.keyPath },
    })),
    install: { profile: 'slurm', firewall: { enabled: true, rollbackAfterS: 30 }, slurm: { clusterName: 'lab', partitions: [{ name: 'main', default: true }] } },
  });
}

async function journal(): Promise<JournalEvent[]> {
  const r = await readJournal(dir);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

async function runStep(stepId: string): Promise<string> {
  const started = await rb.start(dir, stepId, {});
  if (!started.ok) throw new Error(started.error.message);
  const r = await rb.whenDone(started.value.runId);
  const failed = (await journal()).filter((e) => e.type === 'action-finished' && e.runId === started.value.runId && e.status !== 'done' && e.status !== 'already-done');
  expect(r?.status, JSON.stringify(failed)).toBe('completed');
  return started.value.runId;
}

async function verify(): Promise<Finding[]> {
  const runId = await runStep(PROFILE_VERIFY_TEST_STEP);
  return profileVerifyStep.evaluate(JournalState.from(await journal()).results(runId), projectOf());
}
const blocking = (fs: Finding[]) => fs.filter((f) => f.severity === 'blocking').map((f) => `${f.code}@${f.hostId ?? '*'}`);
const sinfo = async () => (await exec(1, "sinfo -h -N -o '%N %T' | sort -u")).trim();

beforeAll(async () => {
  st = await status().catch(() => ({ up: false }) as Status);
  // Nodes another profile was installed on (the other verify test shares the instance) are recreated.
  const usable = st.up && st.mode === 'systemd' && st.nodes.length === NODES.length
    && (await exec(1, 'test -e /usr/sbin/pacemakerd && echo other || echo ok').catch(() => 'other')).trim() === 'ok';
  if (!usable) {
    if (st.up) await lab('down');
    await lab('up', '--mode', 'systemd', '--nodes', String(NODES.length));
    st = await status();
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'rs-slurm-verify-data-'));
  const lines: string[] = [];
  for (const i of NODES) {
    const pub = (await exec(i, 'cat /etc/ssh/ssh_host_ed25519_key.pub')).trim().split(/\s+/);
    lines.push(`${addr(i)} ${pub[0]} ${pub[1]}`);
  }
  await writeFile(join(dataDir, 'known_hosts'), lines.join('\n') + '\n', { mode: 0o600 });
  dir = join(await mkdtemp(join(tmpdir(), 'rs-slurm-verify-')), 'project');
  const saved = await saveProject(dir, projectOf());
  if (!saved.ok) throw new Error(saved.error.message);
  pool = new SshPool({ knownHosts: new KnownHosts(dataDir), secrets });
  rb = new Runbook({ pool, secrets, steps: stepRegistry([masterInstallStep, workerJoinStep, profileVerifyStep]), emit: () => {}, log: createLogger(() => {}) });
  await runStep(MASTER_INSTALL_STEP);
  await runStep(WORKER_JOIN_STEP);
}, LIMIT);

afterAll(async () => {
  // Whatever failed above: node4's slurmd back, so the lab's cluster stays usable.
  await exec(4, 'systemctl start slurmd').catch(() => undefined);
  await rb?.close();
  pool?.closeAll();
  if (process.env.RACKSIDE_LAB_DOWN_AFTER === '1') await lab('down');
  // A systemd lab's `lab down` took 60-130 s under CI load (the default hook limit is 120 s).
}, 600_000);

describe('Slurm verification checks on the lab (systemd mode)', () => {
  it('a healthy cluster: every check passed (4 nodes up, munge between all 12 pairs, a job on all 4); no credential in the project folder', async () => {
    await until('four nodes idle', async () => ((await sinfo()) === NODES.map((i) => `node${i} idle`).join('\n') ? true : undefined));
    const fs = await verify();
    expect(blocking(fs)).toEqual([]);
    expect(fs.map((f) => `${f.code}:${String(f.measured)}`)).toEqual(['slurm.nodes-up:4/4', 'slurm.munge-ok:12/12', 'slurm.job-ran:4']);

    // The credentials were secret outputs: the journal has their hashes only, and no file holds one.
    const outs = (await journal()).filter((e): e is Extract<JournalEvent, { type: 'output' }> => e.type === 'output' && e.name === 'munge-credential');
    expect(outs).toHaveLength(4);
    const creds = NODES.map((i) => secrets.get(`n${i}`, outputSecretKind(PROFILE_VERIFY_TEST_STEP, 'munge-credential'))).filter((c): c is string => !!c);
    expect(creds).toHaveLength(4);
    for (const c of creds) expect(c).toMatch(/^MUNGE:/);
    for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
      if (!e.isFile()) continue;
      const data = await readFile(join(e.parentPath, e.name), 'utf8');
      expect(data.includes('MUNGE:'), join(e.parentPath, e.name)).toBe(false);
    }
  }, LIMIT);

  it('slurmd stopped on node4: node4 not up is blocking (on node4), the job across all nodes too; munge still passes', async () => {
    await exec(4, 'systemctl stop slurmd');
    // The controller notices a silent slurmd at its next ping (SlurmdTimeout): a job sent to node4
    // makes it try at once. The check must then see what the controller sees.
    await exec(1, 'cd /tmp && timeout 60 srun -I10 -N1 -w node4 --mem=16M true > /dev/null 2>&1 || true');
    await until('node4 not responding in sinfo', async () => (/^node4 \S+[*]$/m.test(await sinfo()) ? true : undefined));
    const fs = await verify();
    expect(blocking(fs)).toEqual(['slurm.node-not-up@n4', 'slurm.job-failed@n1']);
    const node4 = fs.find((f) => f.code === 'slurm.node-not-up')!;
    expect(String(node4.measured)).toMatch(/\*$/);
    expect(node4.threshold).toBe('idle / mixed / allocated');
    expect(fs.find((f) => f.code === 'slurm.job-failed')!.measured).toBeLessThan(4);
    expect(fs.some((f) => f.code === 'slurm.munge-ok')).toBe(true);
  }, LIMIT);

  it('restored: slurmd started on node4, every check passes again', async () => {
    await exec(4, 'systemctl start slurmd');
    // ReturnToService=2: the node is idle again once its slurmd registers.
    await until('four nodes idle', async () => ((await sinfo()) === NODES.map((i) => `node${i} idle`).join('\n') ? true : undefined));
    const fs = await verify();
    expect(blocking(fs)).toEqual([]);
    expect(fs.map((f) => f.code)).toEqual(['slurm.nodes-up', 'slurm.munge-ok', 'slurm.job-ran']);
  }, LIMIT);
});
