import { execFile, spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASTER_INSTALL_STEP, projectSchema, type Project } from '../../../contract/index.js';
import { createLogger } from '../../log/logger.js';
import { readJournal, type JournalEvent } from '../../project/journal.js';
import { saveProject } from '../../project/project-store.js';
import { Runbook } from '../../runbook/engine.js';
import { JournalState } from '../../runbook/replay.js';
import { MemorySecretStore } from '../../secrets/secret-store.js';
import { KnownHosts } from '../../ssh/known-hosts.js';
import { SshPool } from '../../ssh/pool.js';
import { commandLine } from '../../ssh/quote.js';
import { stepRegistry } from '../registry.js';
import { FIREWALL_APPLY, FIREWALL_CONFIRM, FW_DIR, VRRP_SECRET_FILE } from './scripts.js';
import { asBuiltOf } from './as-built.js';
import { masterInstallStep } from './step.js';
import { pollUntil } from '../../../../scripts/test-support/until.js';

/**
 * Integration: the master install's base platform on four bare systemd-mode lab nodes (node1 and
 * node2 masters, node3 and node4 workers), through the real runner and real sshd, nothing mocked.
 * It needs services, so it runs on a systemd-mode lab of its own: the instance in
 * RACKSIDE_LAB_INSTANCE when that is one, else 85 (`npm test`'s lab stays in chroot mode). Nodes
 * that are not bare (an earlier run installed keepalived) are recreated first.
 */
const run = promisify(execFile);
const LAB = join(import.meta.dirname, '..', '..', '..', '..', 'scripts', 'lab', 'lab');
const INSTANCE = process.env.RACKSIDE_LAB_INSTANCE && process.env.RACKSIDE_LAB_INSTANCE !== '0' ? process.env.RACKSIDE_LAB_INSTANCE : '85';
const env = { ...process.env, RACKSIDE_LAB_INSTANCE: INSTANCE };
const NODES = [1, 2, 3, 4];
// Installing the packages on four nodes at once, on two shared cores, takes minutes: generous limits on purpose.
const INSTALL_TIMEOUT = 1_200_000;

interface Status { up: boolean; mode: string; keyPath: string; sshConfig: string; nodes: { name: string; address: string; sshd: boolean; systemd?: string }[] }
const lab = async (...args: string[]) => (await run('bash', [LAB, ...args], { env, maxBuffer: 16 * 1024 * 1024, timeout: 900_000 })).stdout;
const status = async () => JSON.parse(await lab('status', '--json')) as Status;
const exec = (node: number, script: string) => lab('exec', String(node), '--', 'sh', '-c', script);

let st: Status;
let dataDir: string;
let dir: string;
let vip: string;
let project: Project;
const secrets = new MemorySecretStore();
let pool: SshPool;
let rb: Runbook;

const addr = (i: number) => st.nodes[i - 1]!.address;

/** Polls until `f` returns a value (not undefined), or fails with what it saw last. */
const until = <T>(what: string, f: () => Promise<T | undefined>, ms = 90_000) => pollUntil(what, f, ms);

function tcpOpen(host: string, port: number, timeoutMs = 3_000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (v: boolean) => { s.destroy(); resolve(v); };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** GET on a fresh connection (no keep-alive pool: a pooled socket to the VIP's old holder would be reset). */
function httpStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: false, timeout: 5_000 }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', reject);
  });
}

async function journal(): Promise<JournalEvent[]> {
  const r = await readJournal(dir);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

async function everyFile(d: string): Promise<{ path: string; text: string }[]> {
  const out: { path: string; text: string }[] = [];
  for (const e of await readdir(d, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push({ path: join(e.parentPath, e.name), text: await readFile(join(e.parentPath, e.name), 'utf8') });
  }
  return out;
}

/** Every file the install writes and every unit it runs, as hashes and start stamps: what "changed nothing" compares. */
const FOOTPRINT = `cd / && sha256sum /etc/apt/sources.list.d/rackside.list /etc/sysctl.d/90-rackside.conf /etc/chrony/chrony.conf \
/etc/chrony/conf.d/rackside.conf /root/.ssh/authorized_keys /root/.ssh/id_ed25519 /root/.ssh/id_ed25519.pub /etc/ssh/ssh_known_hosts \
/etc/nftables.conf $(ls /etc/prometheus/prometheus.yml /etc/keepalived/keepalived.conf /etc/haproxy/haproxy.cfg ${VRRP_SECRET_FILE} 2>/dev/null)
for u in chrony prometheus-node-exporter prometheus keepalived haproxy nftables; do
  printf '%s %s %s\\n' "$u" "$(systemctl is-enabled $u 2>/dev/null)" "$(systemctl show -p InvocationID --value $u)"
done`;

async function footprint(): Promise<string[]> {
  return Promise.all(NODES.map((i) => exec(i, FOOTPRINT)));
}

async function runInstall(): Promise<{ runId: string; status: string | undefined }> {
  const started = await rb.start(dir, MASTER_INSTALL_STEP);
  if (!started.ok) throw new Error(started.error.message);
  const r = await rb.whenDone(started.value.runId);
  return { runId: started.value.runId, status: r?.status };
}

beforeAll(async () => {
  st = await status().catch(() => ({ up: false }) as Status);
  const bare = st.up && st.mode === 'systemd' && st.nodes.length === 4
    && (await exec(1, 'test -e /etc/keepalived/keepalived.conf || test -e /etc/nftables.conf.rackside-orig && echo used || echo bare').catch(() => 'used')).trim() === 'bare';
  if (!bare) {
    if (st.up) await lab('down');
    await lab('up', '--mode', 'systemd', '--nodes', '4');
    st = await status();
  }
  vip = addr(1).replace(/\.\d+$/, '.100');
  dataDir = await mkdtemp(join(tmpdir(), 'rs-master-data-'));
  const lines: string[] = [];
  for (const i of NODES) {
    const pub = (await exec(i, 'cat /etc/ssh/ssh_host_ed25519_key.pub')).trim().split(/\s+/);
    lines.push(`${addr(i)} ${pub[0]} ${pub[1]}`);
  }
  await mkdir(dataDir, { recursive: true });
  await writeFile(join(dataDir, 'known_hosts'), lines.join('\n') + '\n', { mode: 0o600 });

  dir = join(await mkdtemp(join(tmpdir(), 'rs-master-lab-')), 'project');
  project = projectSchema.parse({
    version: 1, site: 'Lab', customer: 'Master install tests', technician: 'Vitest',
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
  rb = new Runbook({ pool, secrets, steps: stepRegistry([masterInstallStep]), emit: () => {}, log: createLogger(() => {}) });
}, 1_200_000);

afterAll(async () => {
  await rb?.close();
  pool?.closeAll();
  // npm test: this lab's nodes (systemd, cluster services running) would only load the machine
  // for the tests after this file.
  if (process.env.RACKSIDE_LAB_DOWN_AFTER === '1') await lab('down');
  // A systemd lab's `lab down` took 60-130 s under CI load (the default hook limit is 120 s).
}, 600_000);

describe('master install on the lab (systemd mode, 4 nodes)', () => {
  it('from bare nodes: key mesh between every pair, chrony on the master, every node-exporter up in Prometheus, the VIP answers and moves', async () => {
    const dry = await rb.plan(dir, MASTER_INSTALL_STEP);
    if (!dry.ok) throw new Error(dry.error.message);
    expect(dry.value.text).toContain('<output:vrrp-secret@n1>');

    const first = await runInstall();
    const events = await journal();
    const failed = events.filter((e) => e.type === 'action-finished' && e.status !== 'done' && e.status !== 'already-done');
    expect(first.status, JSON.stringify(failed)).toBe('completed');
    expect(events.filter((e) => e.type === 'phase-started').map((e) => (e as { phaseId: string }).phaseId)).toEqual(['prepare', 'first-master', 'masters', 'workers']);
    // As built, for the report: every host's packages with versions.
    const built = asBuiltOf(JournalState.from(events).results(first.runId), project);
    for (const h of built!.hosts) expect(h.packages.map((p) => p.name), h.hostId).toContain('chrony');
    expect(built!.hosts.find((h) => h.hostId === 'n1')!.packages.map((p) => p.name)).toEqual(expect.arrayContaining(['prometheus', 'keepalived', 'haproxy']));

    // Key mesh: root on every node logs in to every other by name, the host key checked strictly.
    for (const i of NODES) {
      for (const j of NODES) {
        if (i === j) continue;
        const out = await exec(i, `ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o ConnectTimeout=5 node${j} hostname`);
        expect(out.trim(), `node${i} → node${j}`).toBe(`node${j}`);
      }
    }
    // No private key left its node: each node's public key is its own.
    const pubs = await Promise.all(NODES.map((i) => exec(i, 'ssh-keygen -y -f /root/.ssh/id_ed25519 | cut -d" " -f2')));
    expect(new Set(pubs.map((p) => p.trim())).size).toBe(4);

    // chrony: the workers and the second master select the first master.
    for (const i of [2, 3, 4]) {
      await until(`node${i} synced to node1`, async () => {
        const out = await exec(i, 'chronyc -n sources');
        return out.split('\n').some((l) => l.startsWith('^*') && l.includes(` ${addr(1)} `)) ? true : undefined;
      });
    }

    // Prometheus on node1 (its HTTP API, read on the node): every node-exporter target up.
    const targets = await until('every node-exporter target up', async () => {
      const out = await exec(1, `python3 -c "import json,urllib.request; d=json.load(urllib.request.urlopen('http://127.0.0.1:9090/api/v1/targets')); print(json.dumps([[t['labels']['instance'], t['health']] for t in d['data']['activeTargets'] if t['labels']['job'] == 'node']))"`);
      const t = JSON.parse(out) as [string, string][];
      return t.length === 4 && t.every(([, h]) => h === 'up') ? t : undefined;
    });
    expect(targets.map(([i]) => i).sort()).toEqual(NODES.map((i) => `${addr(i)}:9100`));

    // The VIP answers from this machine (haproxy on it fronts Prometheus), and moves when its holder's keepalived stops.
    const holder = async () => {
      for (const i of [1, 2]) if ((await exec(i, 'ip -o -4 addr show')).includes(` ${vip}/`)) return i;
      return undefined;
    };
    const h1 = await until('a candidate holds the VIP', holder);
    await until('the VIP answers on the service port', async () => ((await tcpOpen(vip, 9091)) ? true : undefined));
    expect(await httpStatus(`http://${vip}:9091/-/healthy`)).toBe(200);
    await exec(h1, 'systemctl stop keepalived');
    try {
      const h2 = await until('the VIP moved', async () => {
        const h = await holder();
        return h !== undefined && h !== h1 ? h : undefined;
      });
      expect(h2).not.toBe(h1);
      expect(await until('the VIP answers from its new holder', async () => ((await httpStatus(`http://${vip}:9091/-/healthy`)) === 200 ? true : undefined))).toBe(true);
    } finally {
      await exec(h1, 'systemctl start keepalived');
    }

    // The VRRP secret (made on node1, read off it here) and every private key: nowhere in the project folder nor the dry run.
    const secret = (await exec(1, `cat ${VRRP_SECRET_FILE}`)).trim();
    expect(secret).toMatch(/^[A-Za-z0-9]{8}$/);
    expect(secrets.values()).toContain(secret);
    for (const f of await everyFile(dir)) {
      expect(f.text.includes(secret), f.path).toBe(false);
      expect(f.text.includes('PRIVATE KEY'), f.path).toBe(false);
    }
    const again = await rb.plan(dir, MASTER_INSTALL_STEP);
    expect(again.ok && again.value.text.includes(secret)).toBe(false);
    expect(dry.value.text.includes(secret)).toBe(false);
  }, INSTALL_TIMEOUT);

  it('a second run: every action already done, no file or unit changed on any node', async () => {
    // The VIP test restarted one keepalived: let it settle before the "before" picture.
    await until('keepalived active on both masters', async () => {
      const a = await Promise.all([1, 2].map((i) => exec(i, 'systemctl is-active keepalived').catch(() => 'no')));
      return a.every((x) => x.trim() === 'active') ? true : undefined;
    });
    const before = await footprint();
    const second = await runInstall();
    expect(second.status).toBe('completed');
    const finished = (await journal()).filter((e) => e.type === 'action-finished' && e.runId === second.runId) as Extract<JournalEvent, { type: 'action-finished' }>[];
    expect(finished.length).toBeGreaterThan(40);
    // `as-built` only reads (no probe): it runs every time and changes nothing.
    expect(finished.filter((e) => e.status !== 'already-done' && !(e.actionId === 'as-built' && e.status === 'done')).map((e) => `${e.hostId}/${e.actionId}:${e.status}`)).toEqual([]);
    expect(await footprint()).toEqual(before);
  }, INSTALL_TIMEOUT);

  it('a firewall rule set that cuts SSH is undone by the node itself', async () => {
    const node = 4;
    const before = await exec(node, 'nft list ruleset');
    expect(await tcpOpen(addr(node), 22)).toBe(true);
    // The product's own apply script, with rules that drop everything (SSH included); applied from
    // inside the node, as its own SSH session would be cut mid-command.
    const cut = 'table inet rackside\ndelete table inet rackside\ntable inet rackside {\n  chain input {\n    type filter hook input priority 0; policy drop;\n  }\n}\n';
    await exec(node, commandLine({ script: FIREWALL_APPLY, args: [FW_DIR, cut, '15'] }));
    expect(await tcpOpen(addr(node), 22)).toBe(false);
    // Rackside cannot reach the node to confirm ...
    const confirm = await run('ssh', ['-F', st.sshConfig, '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=3', `node${node}`, commandLine({ script: FIREWALL_CONFIRM, args: [FW_DIR] })]).then(() => 'confirmed', () => 'unreachable');
    expect(confirm).toBe('unreachable');
    // ... so the node restores its previous rules when the timer ends.
    await until('the node rolled back', async () => ((await exec(node, `cat ${FW_DIR}/state`)).trim() === 'rolled-back' ? true : undefined), 60_000);
    expect(await tcpOpen(addr(node), 22)).toBe(true);
    expect(await exec(node, 'nft list ruleset')).toBe(before);
  }, 120_000);
  it('SIGKILL of the runner mid-step, then resume in a new process (memory-only secret store): finishes, nothing made anew', async () => {
    // A new project folder for the installed cluster: its own journal, the same plan.
    const killDir = join(await mkdtemp(join(tmpdir(), 'rs-master-kill-')), 'project');
    await mkdir(killDir, { recursive: true });
    await cp(join(dir, 'project.yaml'), join(killDir, 'project.yaml'));
    const before = await footprint();
    const root = join(import.meta.dirname, '..', '..', '..', '..');
    const runner = (mode: 'start' | 'resume') => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'test-data', 'step-runner.ts'), killDir, dataDir, MASTER_INSTALL_STEP, mode], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
      return { child, exited, out: () => out };
    };
    const events = async () => {
      const r = await readJournal(killDir);
      return r.ok ? r.value : [];
    };
    const first = runner('start');
    // Killed once the first master's own phase has begun: the prepare phase (and the secret's read) is behind it.
    await until('the first-master phase started', async () => ((await events()).some((e) => e.type === 'action-started' && e.hostId === 'n1' && e.actionId === 'key-mesh') ? true : undefined), 300_000);
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const killed = await events();
    expect(killed.some((e) => e.type === 'action-started' && e.hostId === 'n3' && e.actionId === 'key-mesh')).toBe(false);

    const second = runner('resume');
    const { code } = await second.exited;
    expect(code, second.out()).toBe(0);
    const { run } = JSON.parse(second.out().trim().split('\n').filter((l) => l.startsWith('{')).at(-1)!) as { run: { status: string } };
    expect(run.status).toBe('completed');
    const all = await events();
    // The secret was read back (probe said done), never made: one value across both processes.
    const secretOutputs = all.filter((e) => e.type === 'output' && e.name === 'vrrp-secret') as Extract<JournalEvent, { type: 'output' }>[];
    expect(secretOutputs.length).toBeGreaterThanOrEqual(1);
    expect(new Set(secretOutputs.map((o) => o.sha256)).size).toBe(1);
    expect(all.filter((e) => e.type === 'action-finished' && e.status === 'done' && e.actionId !== 'as-built').map((e) => (e as { actionId: string }).actionId)).toEqual([]);
    // The resumed run did not repeat the prepare phase on hosts that had finished it.
    const prepared = all.filter((e) => e.type === 'action-started' && e.actionId === 'packages');
    expect(prepared).toHaveLength(4);
    expect(await footprint()).toEqual(before);
    const secret = (await exec(1, `cat ${VRRP_SECRET_FILE}`)).trim();
    for (const f of await everyFile(killDir)) expect(f.text.includes(secret), f.path).toBe(false);
  }, INSTALL_TIMEOUT);
});

