import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASTER_INSTALL_STEP, projectSchema, VERIFICATION_STEP, type FindingView, type Project } from '../../../contract/index.js';
import { createLogger } from '../../log/logger.js';
import { readJournal } from '../../project/journal.js';
import { saveProject } from '../../project/project-store.js';
import { Runbook } from '../../runbook/engine.js';
import { MemorySecretStore } from '../../secrets/secret-store.js';
import { KnownHosts } from '../../ssh/known-hosts.js';
import { SshPool } from '../../ssh/pool.js';
import { masterInstallStep } from '../master/step.js';
import { stepRegistry } from '../registry.js';
import { verificationStep } from './step.js';
import { pollUntil } from '../../../../scripts/test-support/until.js';

/**
 * Integration: step 7 on a real cluster. The master install builds the base platform on four
 * systemd-mode lab nodes (node1, node2 masters and VIP candidates; node3, node4 workers; firewall
 * on), through the real runner and sshd; then verification runs and every check passes; then each
 * case is broken on purpose, verification names it as a blocking finding, and it is restored:
 * node-exporter stopped on node3 (the unit, and its target down in Prometheus), the VIP added to a
 * second node (split brain), chronyd stopped on node4 (not synchronised). A last run passes again.
 * Its own systemd-mode lab: RACKSIDE_LAB_INSTANCE when that is one, else 78. A lab already up in
 * systemd mode with four nodes is reused (the install is "already done" there).
 */
const run = promisify(execFile);
const LAB = join(import.meta.dirname, '..', '..', '..', '..', 'scripts', 'lab', 'lab');
const INSTANCE = process.env.RACKSIDE_LAB_INSTANCE && process.env.RACKSIDE_LAB_INSTANCE !== '0' ? process.env.RACKSIDE_LAB_INSTANCE : '78';
const env = { ...process.env, RACKSIDE_LAB_INSTANCE: INSTANCE };
const NODES = [1, 2, 3, 4];
// Installing packages on four nodes at once on two shared cores takes minutes.
const INSTALL_TIMEOUT = 1_200_000;
const CASE_TIMEOUT = 300_000;

interface Status { up: boolean; mode: string; keyPath: string; nodes: { name: string; address: string }[] }
const lab = async (...args: string[]) => (await run('bash', [LAB, ...args], { env, maxBuffer: 16 * 1024 * 1024, timeout: 900_000 })).stdout;
const exec = (node: number, script: string) => lab('exec', String(node), '--', 'sh', '-c', script);

let st: Status;
let dir: string;
let vip: string;
let project: Project;
const secrets = new MemorySecretStore();
let pool: SshPool;
let rb: Runbook;

const addr = (i: number) => st.nodes[i - 1]!.address;
const blocking = (fs: FindingView[]) => fs.filter((f) => f.severity === 'blocking').map((f) => `${f.code}@${f.hostId ?? '*'}`);

const until = <T>(what: string, f: () => Promise<T | undefined>, ms = 120_000) => pollUntil(what, f, ms, 2_000);

async function runStep(stepId: string): Promise<{ runId: string; status: string | undefined; findings: FindingView[] }> {
  const started = await rb.start(dir, stepId);
  if (!started.ok) throw new Error(started.error.message);
  const r = await rb.whenDone(started.value.runId);
  return { runId: started.value.runId, status: r?.status, findings: r?.findings ?? [] };
}
const verify = () => runStep(VERIFICATION_STEP);

/** Verification until nothing is blocking: after a restore, chrony and Prometheus take a scrape or two to see it. */
const passes = () => until('verification passes', async () => {
  const v = await verify();
  return blocking(v.findings).length === 0 ? v : undefined;
}, 180_000);

/** Prometheus on node1 (its API, read on the node) reports `instance`'s health. */
const targetHealth = async (instance: string) => {
  const out = await exec(1, `python3 -c "import json,urllib.request; d=json.load(urllib.request.urlopen('http://127.0.0.1:9090/api/v1/targets')); print([t['health'] for t in d['data']['activeTargets'] if t['labels']['instance'] == '${instance}'][0])"`);
  return out.trim();
};

beforeAll(async () => {
  st = JSON.parse(await lab('status', '--json').catch(() => '{"up":false}')) as Status;
  if (!(st.up && st.mode === 'systemd' && st.nodes.length === 4)) {
    if (st.up) await lab('down');
    await lab('up', '--mode', 'systemd', '--nodes', '4');
    st = JSON.parse(await lab('status', '--json')) as Status;
  }
  vip = addr(1).replace(/\.\d+$/, '.100');
  const dataDir = await mkdtemp(join(tmpdir(), 'rs-verify-data-'));
  const lines: string[] = [];
  for (const i of NODES) {
    const pub = (await exec(i, 'cat /etc/ssh/ssh_host_ed25519_key.pub')).trim().split(/\s+/);
    lines.push(`${addr(i)} ${pub[0]} ${pub[1]}`);
  }
  await writeFile(join(dataDir, 'known_hosts'), lines.join('\n') + '\n', { mode: 0o600 });
  dir = join(await mkdtemp(join(tmpdir(), 'rs-verify-lab-')), 'project');
  await mkdir(dir, { recursive: true });
  project = projectSchema.parse({
    version: 1, site: 'Lab', customer: 'Verification tests', technician: 'Vitest',
    hosts: NODES.map((i) => ({
      id: `n${i}`, name: `node${i}`, address: addr(i), port: 22, user: 'root', role: i <= 2 ? 'master' : 'worker',
      auth: { method: 'key', keyPath: st.keyPath },
    })),
    network: { vip },
    install: { firewall: { enabled: true, rollbackAfterS: 30 } },
  });
  const saved = await saveProject(dir, project);
  if (!saved.ok) throw new Error(saved.error.message);
  pool = new SshPool({ knownHosts: new KnownHosts(dataDir), secrets });
  rb = new Runbook({ pool, secrets, steps: stepRegistry([masterInstallStep, verificationStep]), emit: () => {}, log: createLogger(() => {}) });
  const install = await runStep(MASTER_INSTALL_STEP);
  if (install.status !== 'completed') throw new Error(`master install: ${install.status} ${JSON.stringify(blocking(install.findings))}`);
}, INSTALL_TIMEOUT);

afterAll(async () => {
  await rb?.close();
  pool?.closeAll();
  if (process.env.RACKSIDE_LAB_DOWN_AFTER === '1') await lab('down');
  // A systemd lab's `lab down` took 60-130 s under CI load (the default hook limit is 120 s).
}, 600_000);

describe('verification on the lab (systemd mode, 4 nodes, base platform)', () => {
  it('a freshly built cluster: every check passes, the laptop\'s checks journaled', async () => {
    const v = await passes();
    expect(v.status).toBe('completed');
    const codes = new Set(v.findings.map((f) => f.code));
    for (const c of ['verify.services-active', 'verify.no-failed-units', 'verify.vip-held', 'verify.vip-answers', 'verify.vip-laptop-answers',
      'verify.time-synced', 'verify.monitoring-up', 'verify.firewall-ok', 'verify.firewall-laptop-dropped']) expect(codes, c).toContain(c);
    expect(v.findings.filter((f) => f.code === 'verify.time-synced')).toHaveLength(4);
    const journal = await readJournal(dir);
    if (!journal.ok) throw new Error(journal.error.message);
    const local = journal.value.filter((e) => e.type === 'local-check' && e.runId === v.runId).map((e) => (e as { checkId: string }).checkId);
    expect(local.sort()).toEqual(['closed-port-n1', 'closed-port-n2', 'closed-port-n3', 'closed-port-n4', 'vip-tcp']);
    // Read-only: nothing but the checks ran (no action was "already done" by a probe, none changed anything).
    const statuses = journal.value.filter((e) => e.type === 'action-finished' && e.runId === v.runId).map((e) => (e as { status: string }).status);
    expect(new Set(statuses)).toEqual(new Set(['done']));
  }, CASE_TIMEOUT);

  it('node-exporter stopped on node3: the unit is down, and Prometheus shows its target down', async () => {
    await exec(3, 'systemctl stop prometheus-node-exporter');
    try {
      await until('Prometheus sees node3 down', async () => ((await targetHealth(`${addr(3)}:9100`)) === 'down' ? true : undefined));
      const v = await verify();
      expect(blocking(v.findings)).toEqual(expect.arrayContaining(['verify.service-down@n3', 'verify.monitoring-target-down@n3']));
      expect(v.findings.find((f) => f.code === 'verify.service-down')).toMatchObject({ hostId: 'n3', params: { unit: 'prometheus-node-exporter' }, measured: 'inactive' });
    } finally {
      await exec(3, 'systemctl start prometheus-node-exporter');
    }
  }, CASE_TIMEOUT);

  it('the VIP added on a second node: split brain', async () => {
    const holder = await until('a candidate holds the VIP', async () => {
      for (const i of [1, 2]) if ((await exec(i, 'ip -o -4 addr show')).includes(` ${vip}/`)) return i;
      return undefined;
    });
    const other = holder === 1 ? 2 : 1;
    await exec(other, `ip addr add ${vip}/24 dev eth0`);
    try {
      const v = await verify();
      expect(blocking(v.findings)).toContain('verify.vip-split-brain@*');
      expect(v.findings.find((f) => f.code === 'verify.vip-split-brain')).toMatchObject({ measured: 2, threshold: 1, params: { count: 2, hosts: 'node1, node2' } });
    } finally {
      await exec(other, `ip addr del ${vip}/24 dev eth0`);
    }
  }, CASE_TIMEOUT);

  it('chronyd stopped on node4: not synchronised to the masters', async () => {
    await exec(4, 'systemctl stop chrony');
    try {
      const v = await verify();
      expect(blocking(v.findings)).toEqual(expect.arrayContaining(['verify.time-not-synced@n4', 'verify.service-down@n4']));
      expect(v.findings.find((f) => f.code === 'verify.time-not-synced')).toMatchObject({ hostId: 'n4', params: { expected: 'node1, node2' } });
    } finally {
      await exec(4, 'systemctl start chrony');
    }
  }, CASE_TIMEOUT);

  it('everything restored: verification passes again', async () => {
    const v = await passes();
    expect(blocking(v.findings)).toEqual([]);
  }, CASE_TIMEOUT);
});
