import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASTER_INSTALL_STEP, projectSchema, WORKER_JOIN_STEP, type Project } from '../../../contract/index.js';
import { kitNeeds } from '../../api/kit-handlers.js';
import { buildKit, KIT_MANIFEST, manifestHash, type KitNeed } from '../../kit/build.js';
import { createLogger } from '../../log/logger.js';
import { readJournal, type JournalEvent } from '../../project/journal.js';
import { saveProject } from '../../project/project-store.js';
import { Runbook } from '../../runbook/engine.js';
import { JournalState } from '../../runbook/replay.js';
import { MemorySecretStore } from '../../secrets/secret-store.js';
import { KnownHosts } from '../../ssh/known-hosts.js';
import { SshPool } from '../../ssh/pool.js';
import { CLUSTER_AS_BUILT_ACTION, CLUSTER_MEMBERS_ACTION } from '../join/as-built.js';
import { workerJoinStep } from '../join/step.js';
import { stepRegistry } from '../registry.js';
import { asBuiltOf } from './as-built.js';
import { KIT_KEYRING_PATH, KIT_REMOVE_ACTION, KIT_SOURCE_ACTION, KIT_SOURCES_FILE } from './kit-source.js';
import { VIP_RESOURCE } from './pacemaker-scripts.js';
import { masterInstallStep } from './step.js';
import { pollUntil } from '../../../../scripts/test-support/until.js';

/**
 * Integration (issue 22): a whole cluster from the site kit alone — master install and worker
 * joins — on four bare systemd-mode lab nodes, through the real runner, real sshd and real apt. The
 * lab's own repository is turned off for the nodes first (a policy-routing rule in each node's
 * network namespace, set from this machine, so nothing the install does can lift it), and the test
 * proves apt on a node cannot reach it. The kit is built as the pre-check screen builds it: every
 * package both cluster profiles' plans install (`kitNeeds`), from the lab's repository files. It is
 * served from this process through each node's SSH connection (remote port forward); after each
 * step the kit's source is gone from the nodes and nothing listens on its port. A second run of
 * both steps changes nothing and puts no kit source on any host.
 *
 * The profile: RACKSIDE_LAB_KIT_PROFILE, `slurm` (default, in `npm test`: about 2 min) or
 * `pacemaker` (by hand: its install and joins take about 10 min on two cores). Its lab:
 * RACKSIDE_LAB_INSTANCE when that is not 0, else 84 (systemd mode, 4 nodes).
 */
const run = promisify(execFile);
const LAB = join(import.meta.dirname, '..', '..', '..', '..', 'scripts', 'lab', 'lab');
const CACHE = process.env.RACKSIDE_LAB_CACHE ?? '/var/cache/rackside-lab';
const INSTANCE = process.env.RACKSIDE_LAB_INSTANCE && process.env.RACKSIDE_LAB_INSTANCE !== '0' ? process.env.RACKSIDE_LAB_INSTANCE : '84';
const env = { ...process.env, RACKSIDE_LAB_INSTANCE: INSTANCE };
const NODES = [1, 2, 3, 4];
const PROFILE = process.env.RACKSIDE_LAB_KIT_PROFILE === 'pacemaker' ? 'pacemaker' : 'slurm';
/** The read-only reads for the report (no probe: they run on every run), not changes. */
const READS = new Set(['as-built', CLUSTER_AS_BUILT_ACTION, CLUSTER_MEMBERS_ACTION]);
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
let sha = '';
const dirs: { install?: string } = {};
const secrets = new MemorySecretStore();
let pool: SshPool;
let rb: Runbook;

const addr = (i: number) => st.nodes[i - 1]!.address;
const gw = () => addr(1).replace(/\.\d+$/, '.1');
const until = <T>(what: string, f: () => Promise<T | undefined>, ms = 300_000) => pollUntil(what, f, ms, 2_000);

function projectWith(kit: string, profile: 'base' | 'slurm' | 'pacemaker' = 'base'): Project {
  const clusters = {
    base: {},
    slurm: { profile: 'slurm', slurm: { clusterName: 'kitlab', partitions: [{ name: 'main', default: true }] } },
    // No BMCs in this lab: fencing off is the step's blocking finding, not an install failure.
    pacemaker: { profile: 'pacemaker', pacemaker: { clusterName: 'kitlab', vipOwner: 'pacemaker', quorumPolicy: 'stop' } },
  }[profile];
  return projectSchema.parse({
    version: 1, site: 'Lab', customer: 'Site kit install', technician: 'Vitest',
    hosts: NODES.map((i) => ({
      id: `n${i}`, name: `node${i}`, address: addr(i), port: 22, user: 'root', role: i <= 2 ? 'master' : 'worker',
      auth: { method: 'key', keyPath: st.keyPath },
    })),
    network: { vip: addr(1).replace(/\.\d+$/, '.100') },
    install: { packageSource: { kind: 'kit', dir: kit }, firewall: { enabled: true, rollbackAfterS: 30 }, ...clusters },
  });
}

async function runStep(dir: string, stepId: string): Promise<{ runId: string; status: string | undefined; events: JournalEvent[]; ms: number }> {
  const t0 = Date.now();
  const started = await rb.start(dir, stepId);
  if (!started.ok) throw new Error(started.error.message);
  const r = await rb.whenDone(started.value.runId);
  const j = await readJournal(dir);
  if (!j.ok) throw new Error(j.error.message);
  return { runId: started.value.runId, status: r?.status, events: j.value, ms: Date.now() - t0 };
}
const runInstall = (dir: string) => runStep(dir, MASTER_INSTALL_STEP);
type Finished = Extract<JournalEvent, { type: 'action-finished' }>;
const finishedIn = (r: { runId: string; events: JournalEvent[] }) => r.events.filter((e): e is Finished => e.type === 'action-finished' && e.runId === r.runId);
const notOk = (r: { runId: string; events: JournalEvent[] }) => JSON.stringify(finishedIn(r).filter((e) => e.status !== 'done' && e.status !== 'already-done').map((e) => [e.hostId, e.actionId, e.message])).slice(0, 4000);

async function newProject(name: string, kit: string, profile: 'base' | 'slurm' | 'pacemaker' = 'base'): Promise<{ dir: string; project: Project }> {
  const dir = join(work, name);
  const project = projectWith(kit, profile);
  const saved = await saveProject(dir, project);
  if (!saved.ok) throw new Error(saved.error.message);
  return { dir, project };
}

beforeAll(async () => {
  st = await status().catch(() => ({ up: false }) as Status);
  const bare = st.up && st.mode === 'systemd' && st.nodes.length === 4
    && (await exec(1, 'test -e /etc/keepalived/keepalived.conf || test -e /etc/nftables.conf.rackside-orig || test -e /etc/munge/munge.key || test -e /etc/corosync/corosync.conf && echo used || echo bare').catch(() => 'used')).trim() === 'bare';
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
  rb = new Runbook({ pool, secrets, steps: stepRegistry([masterInstallStep, workerJoinStep]), emit: () => {}, log: createLogger(() => {}) });

  // The kit, built at "the office" as the pre-check screen builds it: every package the master
  // install and the worker joins install on any host, for both cluster profiles, from the lab's
  // repository files, against the systemd nodes' installed state.
  const needs = new Map<string, string[]>();
  for (const profile of ['slurm', 'pacemaker'] as const) {
    for (const n of kitNeeds(projectWith('/unused', profile))) needs.set(n.package, [...(needs.get(n.package) ?? []), `${profile}: ${n.neededBy}`]);
  }
  const kitList: KitNeed[] = [...needs].map(([p, by]) => ({ package: p, neededBy: by.join('; ') }));
  kitDir = join(work, 'kit');
  labRepo = join(CACHE, 'repo');
  await buildKit({
    dir: kitDir, target: { release: 'bookworm', arch: 'amd64' }, gnupgHome: join(work, 'gnupg'), app: 'rackside-test',
    sources: [{ uri: `file:${labRepo}`, suite: './', components: [], trusted: true }],
    status: join(CACHE, 'layer-systemd/var/lib/dpkg/status'), needs: kitList,
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

describe(`a ${PROFILE} cluster from the site kit, the lab repository off (systemd lab, 4 nodes)`, () => {
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

  it(`installs a ${PROFILE} cluster from the kit alone — master install, then the worker joins — through each node's SSH connection, and removes the kit's source after each step`, async () => {
    const { dir, project } = await newProject('install', kitDir, PROFILE);
    dirs.install = dir;
    const install = await runInstall(dir);
    expect(install.status, notOk(install)).toBe('completed');
    const join = await runStep(dir, WORKER_JOIN_STEP);
    expect(join.status, notOk(join)).toBe('completed');
    console.warn(`[kit-install] ${PROFILE} from the kit: master install ${Math.round(install.ms / 1000)} s, joins ${Math.round(join.ms / 1000)} s`);
    const done = (r: typeof install, host: string, id: string) => finishedIn(r).some((e) => e.hostId === host && e.actionId === id && e.status === 'done');
    for (const h of project.hosts) {
      expect(done(install, h.id, KIT_SOURCE_ACTION), h.id).toBe(true);
      expect(done(install, h.id, 'packages'), h.id).toBe(true);
      expect(done(install, h.id, KIT_REMOVE_ACTION), h.id).toBe(true);
    }
    // The joins install the profile's packages from the kit too: on every host whose join
    // installs any, the kit's source was put in place and removed again.
    const joinKit = finishedIn(join).filter((e) => e.actionId === KIT_SOURCE_ACTION);
    expect(joinKit.length).toBeGreaterThan(0);
    for (const e of joinKit) {
      expect(e.status, e.hostId).toBe('done');
      expect(done(join, e.hostId, KIT_REMOVE_ACTION), e.hostId).toBe(true);
    }

    // The cluster works.
    if (PROFILE === 'slurm') {
      await until('four nodes idle', async () => {
        const m = (await exec(1, "sinfo -h -N -o '%N %T' | sort -u")).trim();
        return m === NODES.map((i) => `node${i} idle`).join('\n') ? m : undefined;
      });
      const names = (await exec(1, 'srun -I60 -N4 --mem=16M hostname')).trim().split('\n').sort();
      expect(names).toEqual(NODES.map((i) => `node${i}`));
    } else {
      const q = await until('quorate with 4 votes', async () => {
        const out = await exec(1, 'corosync-quorumtool -s');
        return /Quorate:\s+Yes/.test(out) && /Total votes:\s+4\b/.test(out) ? out : undefined;
      });
      expect(q).toMatch(/Quorate:\s+Yes/);
      await until('the VIP resource started', async () => {
        const out = await exec(1, `crm_resource --resource ${VIP_RESOURCE} --locate 2>/dev/null || true`);
        return /is running on: node\d/.test(out) ? out : undefined;
      });
    }

    // Every package came from the kit: apt's record of where each installed .deb came from.
    const profilePackages = PROFILE === 'slurm' ? 'munge slurmd' : 'corosync pacemaker';
    for (const i of NODES) {
      const out = await exec(i, `dpkg-query -W -f='\${db:Status-Abbrev} \${Package}\\n' chrony nftables prometheus-node-exporter ${profilePackages}; systemctl is-active prometheus-node-exporter`);
      expect(out, `node${i}`).toMatch(/ii +chrony/);
      for (const p of profilePackages.split(' ')) expect(out, `node${i}`).toMatch(new RegExp(`ii +${p}\\b`));
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
    sha = await manifestHash(kitDir, { release: 'bookworm', arch: 'amd64' });
    const built = asBuiltOf(JournalState.from(install.events).results(install.runId), project);
    expect(built?.kit).toEqual(NODES.map((i) => ({ hostId: `n${i}`, target: 'bookworm-amd64', manifestSha256: sha })));
  }, 1_500_000);

  it('a second run of both steps changes nothing: every action already done, no kit source put on any host, the report keeps the kit record', async () => {
    const dir = dirs.install!;
    const project = projectWith(kitDir, PROFILE);
    for (const step of [MASTER_INSTALL_STEP, WORKER_JOIN_STEP]) {
      const r = await runStep(dir, step);
      expect(r.status, notOk(r)).toBe('completed');
      const changed = finishedIn(r).filter((e) => e.status !== 'already-done' && !READS.has(e.actionId)).map((e) => `${e.hostId}/${e.actionId}:${e.status}`);
      expect(changed, step).toEqual([]);
      // The kit check still ran on every host that installs packages in this step (and found them all installed).
      expect(finishedIn(r).filter((e) => e.actionId === KIT_SOURCE_ACTION).length, step).toBeGreaterThan(0);
    }
    for (const i of NODES) expect((await exec(i, `ls ${KIT_SOURCES_FILE} ${KIT_KEYRING_PATH} /var/lib/apt/lists/127.0.0.1* 2>/dev/null | wc -l`)).trim(), `node${i}`).toBe('0');
    // The report's model after the re-run: the kit record of the first run, per host.
    const j = await readJournal(dir);
    if (!j.ok) throw new Error(j.error.message);
    const state = JournalState.from(j.value);
    const installs = [...state.runs.values()].filter((r) => r.stepId === MASTER_INSTALL_STEP).reverse();
    expect(installs.length).toBe(2);
    const built = asBuiltOf(state.results(installs[0]!.runId), project, installs.slice(1).map((r) => state.results(r.runId)));
    expect(built?.kit).toEqual(NODES.map((i) => ({ hostId: `n${i}`, target: 'bookworm-amd64', manifestSha256: sha })));
  }, 900_000);
});
