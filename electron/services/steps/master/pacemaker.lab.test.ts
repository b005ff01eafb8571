import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bmcSecretId, CLUSTER_LEAVE_STEP, MASTER_INSTALL_STEP, projectSchema, WORKER_JOIN_STEP, type Project } from '../../../contract/index.js';
import { createLogger } from '../../log/logger.js';
import { CLUSTER_AS_BUILT_ACTION, CLUSTER_MEMBERS_ACTION } from '../join/as-built.js';
import { readJournal, type JournalEvent } from '../../project/journal.js';
import { saveProject } from '../../project/project-store.js';
import { Runbook } from '../../runbook/engine.js';
import { MemorySecretStore } from '../../secrets/secret-store.js';
import { KnownHosts } from '../../ssh/known-hosts.js';
import { SshPool } from '../../ssh/pool.js';
import { clusterLeaveStep, workerJoinStep } from '../join/step.js';
import { stepRegistry } from '../registry.js';
import { BMC_SECRET_DIR, HACLUSTER_SECRET_FILE, VIP_RESOURCE } from './pacemaker-scripts.js';
import { masterInstallStep } from './step.js';
import { pollUntil } from '../../../../scripts/test-support/until.js';

/**
 * Integration: the Pacemaker/Corosync profile on bare systemd-mode lab nodes, through the real
 * runner and real sshd: node1 and node2 masters form the cluster in the master install, node3 and
 * node4 join it in step 6 (the join runs in a child process that is SIGKILLed mid-join and resumed
 * in a new one), node5 joins later and leaves again. Every node has a BMC (`lab bmc`: ipmi_sim on
 * the lab host, whose power control cuts the node's power), so fencing is on: a fence_ipmilan
 * device per node, and `pcs stonith fence node4` power-cycles node4, which rejoins. Instance
 * RACKSIDE_LAB_INSTANCE when set (not 0), else 86, with 5 nodes; nodes that are not bare are
 * recreated first.
 */
const run = promisify(execFile);
const LAB = join(import.meta.dirname, '..', '..', '..', '..', 'scripts', 'lab', 'lab');
const INSTANCE = process.env.RACKSIDE_LAB_INSTANCE && process.env.RACKSIDE_LAB_INSTANCE !== '0' ? process.env.RACKSIDE_LAB_INSTANCE : '86';
const env = { ...process.env, RACKSIDE_LAB_INSTANCE: INSTANCE };
const ALL = [1, 2, 3, 4, 5];
// Packages on four nodes at once on two shared cores take minutes: generous limits on purpose.
const LONG = 1_500_000;

interface Status { up: boolean; mode: string; keyPath: string; stateDir: string; nodes: { name: string; address: string }[] }
const lab = async (...args: string[]) => (await run('bash', [LAB, ...args], { env, maxBuffer: 16 * 1024 * 1024, timeout: 900_000 })).stdout;
const status = async () => JSON.parse(await lab('status', '--json')) as Status;
const exec = (node: number, script: string) => lab('exec', String(node), '--', 'sh', '-c', script);

let st: Status;
let dataDir: string;
let dir: string;
let vip: string;
let bmcPassword = '';
const secrets = new MemorySecretStore();
let pool: SshPool;
let rb: Runbook;

const addr = (i: number) => st.nodes[i - 1]!.address;

const until = <T>(what: string, f: () => Promise<T | undefined>, ms = 120_000) => pollUntil(what, f, ms);

function tcpOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (v: boolean) => { s.destroy(); resolve(v); };
    s.setTimeout(3_000, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

async function journal(): Promise<JournalEvent[]> {
  const r = await readJournal(dir);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

type Finished = Extract<JournalEvent, { type: 'action-finished' }>;
const finishedIn = async (runId: string) => (await journal()).filter((e): e is Finished => e.type === 'action-finished' && e.runId === runId);
/** What a run changed: every action that ran its command (read-only captures aside). */
// The read-only reads for the report (no probe: they run every time) are not changes: the master
// install's `as-built`, the join's last phase (`cluster-as-built` on every member, `cluster-members`
// on the first master).
const READS = new Set(['as-built', CLUSTER_AS_BUILT_ACTION, CLUSTER_MEMBERS_ACTION]);
const changed = (f: Finished[]) => f.filter((e) => e.status !== 'already-done' && !READS.has(e.actionId)).map((e) => `${e.hostId}/${e.actionId}:${e.status}`);

function project(nodes: number[]): Project {
  return projectSchema.parse({
    version: 1, site: 'Lab', customer: 'Pacemaker tests', technician: 'Vitest',
    hosts: nodes.map((i) => ({
      id: `n${i}`, name: `node${i}`, address: addr(i), port: 22, user: 'root', role: i <= 2 ? 'master' : 'worker',
      auth: { method: 'key', keyPath: st.keyPath },
      bmc: { address: addr(1).replace(/\.\d+$/, '.1'), port: 6230 + i, user: 'admin' },
    })),
    network: { vip },
    install: { profile: 'pacemaker', firewall: { enabled: true, rollbackAfterS: 30 }, pacemaker: { clusterName: 'rslab', vipOwner: 'pacemaker', quorumPolicy: 'stop' } },
  });
}

async function save(nodes: number[]): Promise<void> {
  const saved = await saveProject(dir, project(nodes));
  if (!saved.ok) throw new Error(saved.error.message);
}

async function runStep(stepId: string, input?: unknown): Promise<{ runId: string; status: string | undefined }> {
  const started = await rb.start(dir, stepId, input === undefined ? {} : { input });
  if (!started.ok) throw new Error(started.error.message);
  const r = await rb.whenDone(started.value.runId);
  return { runId: started.value.runId, status: r?.status };
}

/** A step in a child process (its own memory-only secret store), as the backend the technician could lose. */
function runner(stepId: string, mode: 'start' | 'resume') {
  const root = join(import.meta.dirname, '..', '..', '..', '..');
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'test-data', 'step-runner.ts'), dir, dataDir, stepId, mode], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
  // The BMC passwords, as the technician typed them into this backend's secret store.
  child.stdin.end(JSON.stringify(ALL.map((i) => [bmcSecretId(`n${i}`), 'password', bmcPassword])));
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  const result = () => JSON.parse(out.trim().split('\n').filter((l) => l.startsWith('{')).at(-1) ?? '{}') as { run?: { runId: string; status: string } };
  return { child, exited, out: () => out, result };
}

const quorum = async (node = 1) => {
  const q = await exec(node, 'corosync-quorumtool -s');
  return { quorate: /Quorate:\s+Yes/.test(q), votes: Number(/Total votes:\s+(\d+)/.exec(q)?.[1] ?? 0), text: q };
};
/** The hacluster password's hash on every node and the secret file: what "no new password" compares. */
const passwordState = async (nodes: number[]) => Promise.all(nodes.map((i) => exec(i, `awk -F: '$1 == "hacluster" { print $2 }' /etc/shadow; sha256sum ${HACLUSTER_SECRET_FILE} 2>/dev/null || true`)));

beforeAll(async () => {
  st = await status().catch(() => ({ up: false }) as Status);
  const bare = st.up && st.mode === 'systemd' && st.nodes.length === 5
    && (await Promise.all(ALL.map((i) => exec(i, 'test -e /usr/sbin/pacemakerd || test -e /etc/nftables.conf.rackside-orig && echo used || echo bare').catch(() => 'used'))))
      .every((x) => x.trim() === 'bare');
  if (!bare) {
    if (st.up) await lab('down');
    await lab('up', '--mode', 'systemd', '--nodes', '5');
    st = await status();
  }
  vip = addr(1).replace(/\.\d+$/, '.100');
  await lab('bmc', 'up');
  bmcPassword = (await readFile(join(st.stateDir, 'bmc', 'password'), 'utf8')).trim();
  for (const i of ALL) secrets.set(bmcSecretId(`n${i}`), 'password', bmcPassword);
  dataDir = await mkdtemp(join(tmpdir(), 'rs-pcm-data-'));
  const lines: string[] = [];
  for (const i of ALL) {
    const pub = (await exec(i, 'cat /etc/ssh/ssh_host_ed25519_key.pub')).trim().split(/\s+/);
    lines.push(`${addr(i)} ${pub[0]} ${pub[1]}`);
  }
  await mkdir(dataDir, { recursive: true });
  await writeFile(join(dataDir, 'known_hosts'), lines.join('\n') + '\n', { mode: 0o600 });
  dir = join(await mkdtemp(join(tmpdir(), 'rs-pcm-lab-')), 'project');
  await save([1, 2, 3, 4]);
  pool = new SshPool({ knownHosts: new KnownHosts(dataDir), secrets });
  rb = new Runbook({ pool, secrets, steps: stepRegistry([masterInstallStep, workerJoinStep, clusterLeaveStep]), emit: () => {}, log: createLogger(() => {}) });
}, 1_200_000);

afterAll(async () => {
  await rb?.close();
  pool?.closeAll();
  // npm test: this lab's nodes (systemd, cluster services running) would only load the machine
  // for the tests after this file.
  if (process.env.RACKSIDE_LAB_DOWN_AFTER === '1') await lab('down');
  // A systemd lab's `lab down` took 60-130 s under CI load (the default hook limit is 120 s).
}, 600_000);

let afterInstall: string[] = [];
const dryTexts: string[] = [];

describe('Pacemaker profile on the lab (systemd mode, 5 nodes)', () => {
  it('bare nodes → master install (2 masters) → join killed mid-way and resumed: quorate with 4 votes, the VIP resource started and answering', async () => {
    for (const step of [MASTER_INSTALL_STEP, WORKER_JOIN_STEP]) {
      const dry = await rb.plan(dir, step);
      if (!dry.ok) throw new Error(dry.error.message);
      dryTexts.push(dry.value.text);
    }
    expect(dryTexts[0]).toContain('<output:hacluster-password@n1>');
    expect(dryTexts[0]).not.toContain('keepalived');

    const t0 = Date.now();
    const install = await runStep(MASTER_INSTALL_STEP);
    const installed = await finishedIn(install.runId);
    expect(install.status, JSON.stringify(installed.filter((e) => e.status === 'failed'))).toBe('completed');
    const timing = (id: string) => installed.filter((e) => e.actionId === id).map((e) => `${e.hostId} ${e.durationMs ?? '?'} ms`).join(', ');
    console.warn(`[pacemaker] master install ${Math.round((Date.now() - t0) / 1000)} s; host auth ${timing('pcm-host-auth')}; cluster setup ${timing('pcm-cluster-setup')}; start ${timing('pcm-start')}; quorum ${timing('pcm-quorum')}; vip ${timing('pcm-vip')}`);
    expect((await quorum()).votes).toBe(2);
    // Pacemaker holds the VIP: no keepalived on any master.
    for (const i of [1, 2]) expect((await exec(i, 'test -e /usr/sbin/keepalived && echo installed || echo none')).trim()).toBe('none');
    const findings = (await journal()).filter((e) => e.type === 'findings' && e.runId === install.runId) as Extract<JournalEvent, { type: 'findings' }>[];
    expect(findings.at(-1)!.findings.find((f) => f.code === 'pacemaker.fencing-off')).toBeUndefined();
    expect(findings.at(-1)!.findings.find((f) => f.code === 'pacemaker.fencing-on')?.params).toMatchObject({ devices: 4 });
    expect((await exec(1, 'crm_attribute --type crm_config --name stonith-enabled --query --quiet')).trim()).toBe('true');
    afterInstall = await passwordState([1, 2]);

    // The join in a process of its own, SIGKILLed once node3 is a member and node4's turn began.
    const t1 = Date.now();
    const first = runner(WORKER_JOIN_STEP, 'start');
    await until('node4\'s turn began', async () => ((await journal()).some((e) => e.type === 'action-started' && e.actionId === 'pcm-auth-n4') ? true : undefined), LONG);
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const killedAt = (await journal()).length;
    const second = runner(WORKER_JOIN_STEP, 'resume');
    const { code } = await second.exited;
    expect(code, second.out()).toBe(0);
    expect(second.result().run?.status, second.out()).toBe('completed');
    const resumed = (await journal()).slice(killedAt).filter((e): e is Finished => e.type === 'action-finished');
    const joined = (await journal()).filter((e): e is Finished => e.type === 'action-finished' && e.actionId.startsWith('pcm-') && e.status === 'done');
    console.warn(`[pacemaker] join of 2 workers (with kill + resume) ${Math.round((Date.now() - t1) / 1000)} s; node add: ${joined.filter((e) => e.actionId.startsWith('pcm-add-')).map((e) => `${e.actionId} ${e.durationMs ?? '?'} ms`).join(', ')}`);
    // Nothing node3 finished was done again: its actions in the resumed run are all "already done".
    expect(resumed.filter((e) => (e.hostId === 'n3' || e.actionId.endsWith('-n3')) && e.status !== 'already-done' && !READS.has(e.actionId)).map((e) => e.actionId)).toEqual([]);
    // No new password: the secret was read back from node1, not made.
    expect(await passwordState([1, 2])).toEqual(afterInstall);

    const q = await until('quorate with 4 votes', async () => {
      const x = await quorum();
      return x.quorate && x.votes === 4 ? x : undefined;
    });
    expect(q.quorate).toBe(true);
    const where = await until('the VIP resource started', async () => {
      const out = await exec(1, `crm_resource --resource ${VIP_RESOURCE} --locate 2>/dev/null || true`);
      return /is running on: node\d/.test(out) ? out.trim() : undefined;
    });
    expect(where).toMatch(/node[12]/);
    expect(await until('the VIP answers', async () => ((await tcpOpen(vip, 22)) ? true : undefined))).toBe(true);
    const members = await exec(1, `crm_node -l | awk '{ print $2, $3 }' | sort`);
    expect(members.trim().split('\n')).toEqual(['node1 member', 'node2 member', 'node3 member', 'node4 member']);
    // One fence_ipmilan device per node, started (its monitor reached the node's BMC).
    const devices = await until('four fence devices started', async () => {
      const out = await exec(1, 'pcs stonith status');
      return (out.match(/fence-node\d.*Started/g) ?? []).length === 4 ? out : undefined;
    });
    expect(devices).toMatch(/fence-node4\s.*fence_ipmilan/);
  }, LONG);

  it('a second run of both steps: every action already done', async () => {
    const again = await runStep(MASTER_INSTALL_STEP);
    expect(again.status).toBe('completed');
    expect(changed(await finishedIn(again.runId))).toEqual([]);
    const join2 = await runStep(WORKER_JOIN_STEP);
    expect(join2.status).toBe('completed');
    expect(changed(await finishedIn(join2.runId))).toEqual([]);
    expect(await passwordState([1, 2])).toEqual(afterInstall);
  }, LONG);

  it('canary: the hacluster password read off node1 and the BMC password are in no file of the project folder nor any dry run; the CIB names only the password script', async () => {
    const pw = (await exec(1, `cat ${HACLUSTER_SECRET_FILE}`)).trim();
    expect(pw).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(secrets.values()).toContain(pw);
    expect(bmcPassword).toMatch(/^[0-9a-f]{16}$/);
    const cib = await exec(1, 'cibadmin --query');
    expect(cib).toContain('password_script');
    expect(cib.includes(bmcPassword)).toBe(false);
    const files: string[] = [];
    for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
      if (!e.isFile()) continue;
      const p = join(e.parentPath, e.name);
      files.push(p);
      const text = await readFile(p, 'utf8');
      expect(text.includes(pw), p).toBe(false);
      expect(text.includes(bmcPassword), p).toBe(false);
    }
    expect(files.length).toBeGreaterThan(2);
    for (const step of [MASTER_INSTALL_STEP, WORKER_JOIN_STEP]) {
      const dry = await rb.plan(dir, step);
      expect(dry.ok && !dry.value.text.includes(pw) && !dry.value.text.includes(bmcPassword)).toBe(true);
    }
    for (const t of dryTexts) expect(t.includes(pw) || t.includes(bmcPassword)).toBe(false);
  }, 120_000);

  it('node5 added to the inventory joins the running cluster (5 votes) without restarting node1\'s Pacemaker, then leaves it quorate with 4', async () => {
    const stamp = () => exec(1, 'systemctl show -p ActiveEnterTimestamp --value pacemaker');
    const before = await stamp();
    await save([1, 2, 3, 4, 5]);
    const install = await runStep(MASTER_INSTALL_STEP);
    expect(install.status).toBe('completed');
    const t0 = Date.now();
    const joinRun = await runStep(WORKER_JOIN_STEP);
    expect(joinRun.status).toBe('completed');
    const f = await finishedIn(joinRun.runId);
    console.warn(`[pacemaker] node5 join ${Math.round((Date.now() - t0) / 1000)} s (node add ${f.find((e) => e.actionId === 'pcm-add-n5')?.durationMs ?? '?'} ms)`);
    // Only node5 was worked on: the others' actions were all already done, but for the file of BMC
    // passwords every member keeps (node5's is new: any member may run node5's fence device).
    expect(changed(f).filter((x) => !x.startsWith('n5/') && !x.includes('-n5:') && !/^n\d\/pcm-bmc-secrets:done$/.test(x))).toEqual([]);
    const q5 = await until('quorate with 5 votes', async () => {
      const x = await quorum();
      return x.quorate && x.votes === 5 ? x : undefined;
    });
    expect(q5.votes).toBe(5);
    expect(await stamp()).toBe(before);

    const leave = await runStep(CLUSTER_LEAVE_STEP, { hostId: 'n5' });
    expect(leave.status).toBe('completed');
    const q4 = await until('quorate with 4 votes', async () => {
      const x = await quorum();
      return x.quorate && x.votes === 4 ? x : undefined;
    });
    expect(q4.votes).toBe(4);
    expect((await exec(5, 'systemctl is-active corosync pacemaker || true')).trim().split('\n')).toEqual(['inactive', 'inactive']);
    expect((await exec(1, `crm_node -l | awk '{ print $2 }'`)).includes('node5')).toBe(false);
    // node5 forgot the BMC passwords it kept for the others' fence devices.
    expect((await exec(5, `test -e ${BMC_SECRET_DIR} && echo kept || echo gone`)).trim()).toBe('gone');
    expect(await stamp()).toBe(before);

    // node5 out of the inventory: a re-run removes its BMC password from the masters; of the
    // cluster's own actions nothing else changes. The base platform forgets node5 too (its SSH key,
    // chrony's allowed clients, Prometheus' targets: lab run of 2026-12-07).
    expect((await exec(1, `ls ${BMC_SECRET_DIR}`)).split('\n')).toContain('node5.secret');
    await save([1, 2, 3, 4]);
    const again = await runStep(MASTER_INSTALL_STEP);
    expect(again.status).toBe('completed');
    const rerun = changed(await finishedIn(again.runId)).sort();
    expect(rerun.filter((x) => x.includes('/pcm-'))).toEqual(['n1/pcm-bmc-secrets:done', 'n2/pcm-bmc-secrets:done']);
    expect(rerun.filter((x) => !x.includes('/pcm-') && !/^n\d\/(chrony|key-mesh|prometheus):done$/.test(x))).toEqual([]);
    expect((await exec(1, `ls ${BMC_SECRET_DIR}`)).trim().split('\n')).toEqual(['node1.secret', 'node2.secret', 'node3.secret', 'node4.secret']);
    expect(await stamp()).toBe(before);
  }, LONG);

  it('fencing: `pcs stonith fence node4` power-cycles node4 through its lab BMC; it boots, rejoins and the cluster is quorate with 4 votes again', async () => {
    const powerLog = join(st.stateDir, 'bmc', 'node4.log');
    const logBefore = await readFile(powerLog, 'utf8').catch(() => '');
    const pid1Before = (await exec(4, 'systemctl show -p ActiveEnterTimestamp --value pacemaker')).trim();
    const t0 = Date.now();
    await exec(1, 'pcs stonith fence node4');
    const log = (await readFile(powerLog, 'utf8')).slice(logBefore.length);
    expect(log).toContain('node4: power off');
    await until('node4 a member again', async () => {
      const out = await exec(1, `crm_node -l | awk '$2 == "node4" { print $3 }'`).catch(() => '');
      const now = (await exec(4, 'systemctl show -p ActiveEnterTimestamp --value pacemaker').catch(() => '')).trim();
      return out.trim() === 'member' && now !== '' && now !== pid1Before ? true : undefined;
    }, 600_000);
    console.warn(`[pacemaker] node4 fenced through its BMC and back as a member in ${Math.round((Date.now() - t0) / 1000)} s`);
    const q = await until('quorate with 4 votes after the fence', async () => {
      const x = await quorum();
      return x.quorate && x.votes === 4 ? x : undefined;
    });
    expect(q.votes).toBe(4);
    expect(await exec(1, 'stonith_admin --history node4')).toMatch(/reboot of node4 .*successful|node4 was able to reboot|successful/i);
  }, LONG);
});
