import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASTER_INSTALL_STEP, projectSchema, type Project } from '../../../contract/index.js';
import { buildKit, KIT_MANIFEST, manifestHash, type KitNeed } from '../../kit/build.js';
import { createLogger } from '../../log/logger.js';
import { readJournal, type JournalEvent } from '../../project/journal.js';
import { saveProject } from '../../project/project-store.js';
import { Runbook } from '../../runbook/engine.js';
import { JournalState } from '../../runbook/replay.js';
import { MemorySecretStore } from '../../secrets/secret-store.js';
import { KnownHosts } from '../../ssh/known-hosts.js';
import { SshPool } from '../../ssh/pool.js';
import { stepRegistry } from '../registry.js';
import { asBuiltOf } from './as-built.js';
import { KIT_KEYRING_PATH, KIT_SOURCES_FILE, plannedPackages } from './kit-source.js';
import { installPlanOf, masterInstallStep } from './step.js';

/**
 * Integration (issue 22): the master install's base platform from the site kit alone, on four bare
 * systemd-mode lab nodes, through the real runner, real sshd and real apt. The lab's own
 * repository is turned off for the nodes first (an nftables reject in each node's network
 * namespace, set from this machine, so nothing the install does can lift it), and the test proves
 * apt on a node cannot reach it. The kit is served from this process through each node's SSH
 * connection (remote port forward); after the install the kit's source is gone from the nodes and
 * nothing listens on its port.
 *
 * Its lab: RACKSIDE_LAB_INSTANCE when that is not 0, else 84 (systemd mode, 4 nodes).
 */
const run = promisify(execFile);
const LAB = join(import.meta.dirname, '..', '..', '..', '..', 'scripts', 'lab', 'lab');
const CACHE = process.env.RACKSIDE_LAB_CACHE ?? '/var/cache/rackside-lab';
const INSTANCE = process.env.RACKSIDE_LAB_INSTANCE && process.env.RACKSIDE_LAB_INSTANCE !== '0' ? process.env.RACKSIDE_LAB_INSTANCE : '84';
const env = { ...process.env, RACKSIDE_LAB_INSTANCE: INSTANCE };
const NODES = [1, 2, 3, 4];
/** The lab repository's address and port (scripts/lab: the bridge address, port 8080). */
const BLOCK_RULE = (repo: string) => ['to', `${repo}/32`, 'ipproto', 'tcp', 'dport', '8080', 'prohibit'];

interface Status { up: boolean; mode: string; keyPath: string; nodes: { name: string; address: string; netns: string }[] }
const lab = async (...args: string[]) => (await run('bash', [LAB, ...args], { env, maxBuffer: 16 * 1024 * 1024, timeout: 900_000 })).stdout;
const status = async () => JSON.parse(await lab('status', '--json')) as Status;
const exec = (node: number, script: string) => lab('exec', String(node), '--', 'sh', '-c', script);
/** Exit code and output, without throwing on a non-zero exit. */
const tryExec = async (node: number, script: string) =>
  exec(node, script).then((out) => ({ code: 0, out }), (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code ?? -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` }));

let st: Status;
let work: string;
let kitDir: string;
let labRepo: string;
const secrets = new MemorySecretStore();
let pool: SshPool;
let rb: Runbook;

const addr = (i: number) => st.nodes[i - 1]!.address;
const gw = () => addr(1).replace(/\.\d+$/, '.1');

function projectWith(kit: string): Project {
  return projectSchema.parse({
    version: 1, site: 'Lab', customer: 'Site kit install', technician: 'Vitest',
    hosts: NODES.map((i) => ({
      id: `n${i}`, name: `node${i}`, address: addr(i), port: 22, user: 'root', role: i <= 2 ? 'master' : 'worker',
      auth: { method: 'key', keyPath: st.keyPath },
    })),
    network: { vip: addr(1).replace(/\.\d+$/, '.100') },
    install: { packageSource: { kind: 'kit', dir: kit }, firewall: { enabled: true, rollbackAfterS: 30 } },
  });
}

async function runInstall(dir: string): Promise<{ runId: string; status: string | undefined; events: JournalEvent[] }> {
  const started = await rb.start(dir, MASTER_INSTALL_STEP);
  if (!started.ok) throw new Error(started.error.message);
  const r = await rb.whenDone(started.value.runId);
  const j = await readJournal(dir);
  if (!j.ok) throw new Error(j.error.message);
  return { runId: started.value.runId, status: r?.status, events: j.value };
}

async function newProject(name: string, kit: string): Promise<{ dir: string; project: Project }> {
  const dir = join(work, name);
  const project = projectWith(kit);
  const saved = await saveProject(dir, project);
  if (!saved.ok) throw new Error(saved.error.message);
  return { dir, project };
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
  work = await mkdtemp(join(tmpdir(), 'rs-kit-install-'));
  const dataDir = join(work, 'data');
  await mkdir(dataDir, { recursive: true });
  const lines: string[] = [];
  for (const i of NODES) {
    const pub = (await exec(i, 'cat /etc/ssh/ssh_host_ed25519_key.pub')).trim().split(/\s+/);
    lines.push(`${addr(i)} ${pub[0]} ${pub[1]}`);
  }
  await writeFile(join(dataDir, 'known_hosts'), lines.join('\n') + '\n', { mode: 0o600 });
  pool = new SshPool({ knownHosts: new KnownHosts(dataDir), secrets });
  rb = new Runbook({ pool, secrets, steps: stepRegistry([masterInstallStep]), emit: () => {}, log: createLogger(() => {}) });

  // The kit, built at "the office": every package the plan installs on any host (from the plan
  // itself, planned with the lab source), from the lab's repository files, against the
  // systemd nodes' installed state.
  const labPlan = installPlanOf({ ...projectWith('/unused'), install: { firewall: { enabled: true, rollbackAfterS: 30 } } } as Project);
  const needs: KitNeed[] = [...new Set([...labPlan.values()].flatMap((a) => plannedPackages(a)))].map((p) => ({ package: p, neededBy: 'base platform' }));
  kitDir = join(work, 'kit');
  labRepo = join(CACHE, 'repo');
  await buildKit({
    dir: kitDir, target: { release: 'bookworm', arch: 'amd64' }, gnupgHome: join(work, 'gnupg'), app: 'rackside-test',
    sources: [{ uri: `file:${labRepo}`, suite: './', components: [], trusted: true }],
    status: join(CACHE, 'layer-systemd/var/lib/dpkg/status'), needs,
  });

  // The lab's repository off for the nodes: a policy-routing rule in each node's network namespace
  // (set from this machine; this host has neither nft nor tc actions) makes every TCP connection
  // from the node to the repository's port fail at once, while SSH from this machine still works.
  for (const n of st.nodes) await run('ip', ['-n', n.netns, 'rule', 'add', ...BLOCK_RULE(gw())]);
}, 1_200_000);

afterAll(async () => {
  await rb?.close();
  pool?.closeAll();
  for (const n of st?.nodes ?? []) await run('ip', ['-n', n.netns, 'rule', 'del', ...BLOCK_RULE(gw())]).catch(() => undefined);
  if (work) await rm(work, { recursive: true, force: true });
  if (process.env.RACKSIDE_LAB_DOWN_AFTER === '1') await lab('down');
  // A systemd lab's `lab down` took 60-130 s under CI load (the default hook limit is 120 s).
}, 600_000);

describe('the master install from the site kit, the lab repository off (systemd lab, 4 nodes)', () => {
  it('apt on the nodes cannot reach the lab repository', async () => {
    for (const i of NODES) {
      const r = await tryExec(i, 'mkdir -p /tmp/rs-no-lab/partial; apt-get update -o Dir::Etc::sourcelist=/etc/apt/sources.list.d/rackside-lab.list -o Dir::Etc::sourceparts=- '
        + '-o Dir::State::lists=/tmp/rs-no-lab -o Acquire::Retries=0 -o Acquire::http::Timeout=10 2>&1; ls /tmp/rs-no-lab/*Packages* 2>/dev/null | wc -l');
      // apt says it could not connect and got no index at all.
      expect(r.out, `node${i}`).toMatch(/Could not connect|Permission denied|Failed to fetch/i);
      expect(r.out.trim().split('\n').at(-1), `node${i}`).toBe('0');
    }
  }, 300_000);

  it('a kit without the hosts\' release/architecture stops every host before anything changes, with a blocking finding naming what to rebuild', async () => {
    // The same kit claiming another release: the hosts are bookworm-amd64.
    const other = join(work, 'kit-trixie');
    await cp(kitDir, other, { recursive: true });
    await rename(join(other, 'bookworm-amd64'), join(other, 'trixie-amd64'));
    const mpath = join(other, 'trixie-amd64', KIT_MANIFEST);
    const m = JSON.parse(await readFile(mpath, 'utf8')) as { target: { release: string } };
    m.target.release = 'trixie';
    await writeFile(mpath, JSON.stringify(m));
    const { dir } = await newProject('mismatch', other);
    const r = await runInstall(dir);
    expect(r.status).not.toBe('completed');
    const ran = r.events.filter((e) => e.type === 'action-finished').map((e) => `${e.hostId}:${(e as { actionId: string }).actionId}:${(e as { status: string }).status}`);
    // The check is every host's first action, and nothing after it ran.
    expect(ran.sort()).toEqual(NODES.map((i) => `n${i}:kit-source:failed`).sort());
    const journaled = r.events.filter((e) => e.type === 'findings' && e.runId === r.runId) as Extract<JournalEvent, { type: 'findings' }>[];
    const findings = journaled.at(-1)!.findings.filter((f) => f.code === 'install.kit-mismatch');
    expect(findings.map((f) => f.hostId).sort()).toEqual(['n1', 'n2', 'n3', 'n4']);
    expect(findings[0]).toMatchObject({ severity: 'blocking', params: { target: 'bookworm-amd64', kit: 'trixie-amd64' } });
    expect(findings[0]!.remediation).toContain('Rebuild the site kit for bookworm-amd64');
    for (const i of NODES) expect((await exec(i, `ls ${KIT_SOURCES_FILE} ${KIT_KEYRING_PATH} 2>/dev/null | wc -l`)).trim()).toBe('0');
  }, 600_000);

  it('installs the base platform from the kit alone, through each node\'s SSH connection, and removes the kit\'s source after', async () => {
    const { dir, project } = await newProject('install', kitDir);
    const r = await runInstall(dir);
    const failed = r.events.filter((e) => e.type === 'action-finished' && e.status !== 'done' && e.status !== 'already-done');
    expect(r.status, JSON.stringify(failed).slice(0, 4000)).toBe('completed');
    const done = (host: string, id: string) => r.events.some((e) => e.type === 'action-finished' && e.hostId === host && (e as { actionId: string }).actionId === id && e.status === 'done');
    for (const h of project.hosts) {
      expect(done(h.id, 'kit-source'), h.id).toBe(true);
      expect(done(h.id, 'packages'), h.id).toBe(true);
      expect(done(h.id, 'kit-source-remove'), h.id).toBe(true);
    }
    // Every package came from the kit: apt's record of where each installed .deb came from.
    for (const i of NODES) {
      const out = await exec(i, 'dpkg-query -W -f=\'${db:Status-Abbrev} ${Package}\\n\' chrony nftables prometheus-node-exporter; systemctl is-active prometheus-node-exporter');
      expect(out, `node${i}`).toMatch(/ii +chrony/);
      expect(out.trim().split('\n').at(-1)).toBe('active');
      const log = await exec(i, 'cat /var/log/apt/history.log; ls /var/lib/apt/lists/');
      expect(log, `node${i}`).not.toMatch(/198\.18\.\d+\.1:8080|rackside-lab-host/);
      // Removed after the install (the plan does not keep it), with apt's index of it.
      expect((await exec(i, `ls ${KIT_SOURCES_FILE} ${KIT_KEYRING_PATH} /var/lib/apt/lists/127.0.0.1* 2>/dev/null | wc -l`)).trim(), `node${i}`).toBe('0');
      // The forward ended with the run: nothing answers on the kit's port on the node.
      const port = (await tryExec(i, 'python3 -c "import socket; s=socket.socket(); s.settimeout(3); print(s.connect_ex((\'127.0.0.1\', 47480)))"')).out.trim();
      expect(port, `node${i}`).not.toBe('0');
    }
    // The report's record: each host's target and the SHA-256 of the kit manifest it was installed from.
    const sha = await manifestHash(kitDir, { release: 'bookworm', arch: 'amd64' });
    const built = asBuiltOf(JournalState.from(r.events).results(r.runId), project);
    expect(built?.kit).toEqual(NODES.map((i) => ({ hostId: `n${i}`, target: 'bookworm-amd64', manifestSha256: sha })));
  }, 1_500_000);
});
