import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lab, trustLabHostKeys, type LabStatus } from '../../../scripts/test-support/lab.js';
import { jumpSecretId, projectSchema, type Host, type Project } from '../../contract/index.js';
import { createLogger } from '../log/logger.js';
import { readJournal } from '../project/journal.js';
import { openProject, saveProject } from '../project/project-store.js';
import { Runbook } from '../runbook/engine.js';
import { LOCK_DIR } from '../runbook/lock.js';
import { stepRegistry } from '../steps/registry.js';
import type { StepModule } from '../runbook/step-module.js';
import { MemorySecretStore } from '../secrets/secret-store.js';
import { testConnections } from './connection-test.js';
import { KnownHosts } from './known-hosts.js';
import { SshPool } from './pool.js';

// Integration: the lab's real sshd (nodes 1-4), a real ssh-agent, real sudo as the lab's `lab`
// user. Node 4 is made reachable only through node 1 (`lab isolate 4 --via 1`). Nothing is mocked.
const run = promisify(execFile);
let status: LabStatus;
const silent = createLogger(() => {});
const addr = (i: number) => status.nodes[i - 1]!.address;
const hostOf = (i: number, extra: Partial<Host> = {}): Host => ({
  id: `n${i}`,
  name: `node${i}`,
  address: addr(i),
  port: 22,
  user: 'root',
  role: 'master',
  auth: { method: 'key', keyPath: status.keyPath },
  ...extra,
});

/** A project as project.yaml gives it back: what the schema does not hold is gone. */
async function roundTrip(project: Project): Promise<{ dir: string; project: Project }> {
  const dir = join(await mkdtemp(join(tmpdir(), 'rs-login-p-')), 'project');
  const saved = await saveProject(dir, projectSchema.parse(project));
  if (!saved.ok) throw new Error(saved.error.message);
  const opened = await openProject(dir);
  if (!opened.ok) throw new Error(opened.error.message);
  return { dir, project: opened.value.project };
}

beforeAll(async () => {
  status = await lab.status();
});

describe('jump host: a node reachable only through another', () => {
  beforeAll(async () => {
    await lab.run('isolate', '4', '--via', '1');
  });
  afterAll(async () => {
    await lab.run('isolate', '4', '--clear');
  });

  it('direct connect fails; through its own jump host (from project.yaml) or the project bastion it works, with the jump host key verified first', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'rs-jump-'));
    await trustLabHostKeys(dataDir, [4]);
    const knownHosts = new KnownHosts(dataDir);
    const secrets = new MemorySecretStore();
    const opts = { knownHosts, secrets, readyTimeoutMs: 3_000 };

    const [direct] = await testConnections([hostOf(4)], opts);
    expect(direct!.status).not.toBe('ok');

    const { project } = await roundTrip({
      version: 1, site: '', customer: '', technician: '',
      hosts: [hostOf(4, { jump: { address: addr(1), port: 22, user: 'lab', auth: { method: 'password' } } })],
    });
    expect(project.hosts[0]!.jump).toEqual({ address: addr(1), port: 22, user: 'lab', auth: { method: 'password' } });

    // The jump host's own key is unknown: it stops there, naming the jump host, and sends nothing.
    secrets.set(jumpSecretId('n4'), 'password', status.password);
    const [unknown] = await testConnections(project.hosts, opts);
    expect(unknown).toMatchObject({ status: 'hostkey-unknown', keyAddress: addr(1), keyPort: 22 });
    expect(await knownHosts.trustPending(addr(1), 22, unknown!.fingerprint!)).toBe(true);

    const [viaOwn] = await testConnections(project.hosts, opts);
    expect(viaOwn).toMatchObject({ status: 'ok', hostname: 'node4' });

    // The project's bastion, used by every host without its own; key auth this time.
    const withBastion = await roundTrip({
      version: 1, site: '', customer: '', technician: '',
      hosts: [hostOf(4)],
      bastion: { address: addr(1), port: 22, user: 'root', auth: { method: 'key', keyPath: status.keyPath } },
    });
    expect(withBastion.project.bastion?.address).toBe(addr(1));
    const pool = new SshPool(opts);
    const r = await pool.forHost(withBastion.project.hosts[0]!, withBastion.project).run({ argv: ['hostname'] }, { timeoutMs: 10_000 });
    expect(r).toMatchObject({ status: 'ok', stdout: 'node4\n' });

    // A step run goes the same way (the engine takes the bastion from project.yaml).
    const rb = new Runbook({ pool, hostKeys: pool.hostKeys, secrets, steps: stepRegistry([whoStep]), emit: () => {}, log: silent });
    const started = await rb.start(withBastion.dir, 'who');
    if (!started.ok) throw new Error(started.error.message);
    expect((await rb.whenDone(started.value.runId))?.status).toBe('completed');
    await rb.close();
    pool.closeAll();
    await lab.exec(4, 'rm', '-rf', LOCK_DIR).catch(() => {});
  });

  it('a changed bastion key marks the bastion: nothing reaches the host through it', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'rs-jump-chg-'));
    await trustLabHostKeys(dataDir, [4]);
    // A key node 1 does not have, as if the bastion had been replaced by another machine.
    const other = (await lab.exec(2, 'cat', '/etc/ssh/ssh_host_ed25519_key.pub')).trim().split(/\s+/);
    await writeFile(join(dataDir, 'known_hosts'), `${await readFile(join(dataDir, 'known_hosts'), 'utf8')}${addr(1)} ${other[0]} ${other[1]}\n`);
    const knownHosts = new KnownHosts(dataDir);
    const secrets = new MemorySecretStore();
    const pool = new SshPool({ knownHosts, secrets, readyTimeoutMs: 3_000 });
    const bastion = { address: addr(1), port: 22, user: 'root', auth: { method: 'key' as const, keyPath: status.keyPath } };
    const r = await pool.forHost(hostOf(4), { bastion }).run({ argv: ['hostname'] }, { timeoutMs: 10_000 });
    expect(r).toMatchObject({ status: 'connect-failed', connectStatus: 'hostkey-changed' });
    expect(knownHosts.changes.get(addr(1), 22)).toBeDefined();
    expect(knownHosts.changes.get(addr(4), 22)).toBeUndefined();
    pool.closeAll();
  });
});

describe('ssh-agent auth', () => {
  let agent: ChildProcess | undefined;
  let sock: string;
  const before = process.env.SSH_AUTH_SOCK;
  beforeAll(async () => {
    sock = join(await mkdtemp(join(tmpdir(), 'rs-agent-')), 'agent.sock');
    agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      try {
        await run('ssh-add', ['-l'], { env: { ...process.env, SSH_AUTH_SOCK: sock } });
        break;
      } catch (e) {
        // Exit 1 "no identities" means the agent answers; 2 means it is not listening yet.
        if ((e as { code?: number }).code === 1) break;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    process.env.SSH_AUTH_SOCK = sock;
  });
  afterAll(() => {
    if (before === undefined) delete process.env.SSH_AUTH_SOCK;
    else process.env.SSH_AUTH_SOCK = before;
    if (agent?.pid) process.kill(agent.pid);
  });

  it('logs in with the key the agent holds, from a project.yaml saying "agent"; without that key it is refused; no agent forwarding', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'rs-agent-kh-'));
    await trustLabHostKeys(dataDir, [2]);
    const opts = { knownHosts: new KnownHosts(dataDir), secrets: new MemorySecretStore() };
    const { project } = await roundTrip({ version: 1, site: '', customer: '', technician: '', hosts: [hostOf(2, { auth: { method: 'agent' } })] });
    expect(project.hosts[0]!.auth).toEqual({ method: 'agent' });

    const [empty] = await testConnections(project.hosts, opts);
    expect(empty!.status).toBe('auth-failed');

    await run('ssh-add', [status.keyPath], { env: { ...process.env, SSH_AUTH_SOCK: sock } });
    const [ok] = await testConnections(project.hosts, opts);
    expect(ok).toMatchObject({ status: 'ok', hostname: 'node2' });

    const pool = new SshPool(opts);
    const r = await pool.forHost(project.hosts[0]!).run({ script: 'echo "agent=${SSH_AUTH_SOCK:-none}"' }, { timeoutMs: 10_000 });
    expect(r.stdout).toBe('agent=none\n');
    pool.closeAll();
  });
});

/** One sudo action: prints the effective uid and echoes its stdin, so the sudo password cannot have leaked into it. */
const whoStep: StepModule = {
  id: 'who',
  title: 'test.who',
  plan: (project) =>
    new Map(project.hosts.map((h) => [h.id, [{ id: 'who', title: 'test.who', command: { script: 'id -u' }, sudo: true, timeoutMs: 20_000, destructive: false, capture: true }]])),
  evaluate: () => [],
};

describe('sudo as a non-root user with a password', () => {
  it('asks for the sudo password when none is stored, refuses a wrong one, runs with the right one over stdin; the journal shows the dry run line', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'rs-sudo-'));
    await trustLabHostKeys(dataDir, [3]);
    const secrets = new MemorySecretStore();
    const pool = new SshPool({ knownHosts: new KnownHosts(dataDir), secrets });
    const host = hostOf(3, { id: 'lab3', user: 'lab' });
    const conn = () => pool.forHost(host);

    expect((await conn().run({ argv: ['id', '-u'] }, { sudo: true, timeoutMs: 20_000 })).status).toBe('sudo-password-required');
    secrets.set('lab3', 'sudo', 'not-the-password');
    expect((await conn().run({ argv: ['id', '-u'] }, { sudo: true, timeoutMs: 20_000 })).status).toBe('sudo-password-wrong');
    secrets.set('lab3', 'sudo', status.password);
    const r = await conn().run({ script: 'id -u; cat' }, { sudo: true, stdin: 'from-stdin', timeoutMs: 20_000 });
    expect(r).toMatchObject({ status: 'ok', stdout: '0\nfrom-stdin' });
    expect(r.stderr).not.toContain(status.password);

    const { dir } = await roundTrip({ version: 1, site: '', customer: '', technician: '', hosts: [host] });
    const rb = new Runbook({ pool, hostKeys: pool.hostKeys, secrets, steps: stepRegistry([whoStep]), emit: () => {}, log: silent });
    const planned = await rb.plan(dir, 'who');
    if (!planned.ok) throw new Error(planned.error.message);
    const started = await rb.start(dir, 'who');
    if (!started.ok) throw new Error(started.error.message);
    expect((await rb.whenDone(started.value.runId))?.status).toBe('completed');
    const j = await readJournal(dir);
    if (!j.ok) throw new Error(j.error.message);
    const action = j.value.find((e) => e.type === 'action-started');
    expect(action && 'command' in action ? action.command : null).toBe(planned.value.plan.hosts[0]!.actions[0]!.command);
    const text = JSON.stringify(j.value);
    expect(text).not.toContain(status.password);
    await rb.close();
    pool.closeAll();
    await lab.exec(3, 'rm', '-rf', LOCK_DIR).catch(() => {});
  });
});

describe('host-key policy "accept new, refuse changed"', () => {
  it('records an unknown key on first contact and connects; "confirm" stops instead; a changed key is refused under both', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'rs-accept-new-'));
    const knownHosts = new KnownHosts(dataDir);
    const opts = { knownHosts, secrets: new MemorySecretStore() };
    const { project } = await roundTrip({ version: 1, site: '', customer: '', technician: '', hosts: [hostOf(2)], hostKeyPolicy: 'accept-new' });
    expect(project.hostKeyPolicy).toBe('accept-new');

    const [confirm] = await testConnections(project.hosts, opts);
    expect(confirm!.status).toBe('hostkey-unknown');

    const [first] = await testConnections(project.hosts, { ...opts, reach: project });
    expect(first).toMatchObject({ status: 'ok', acceptedNew: true, hostname: 'node2' });
    const pub = (await lab.exec(2, 'cat', '/etc/ssh/ssh_host_ed25519_key.pub')).trim().split(/\s+/);
    expect(await readFile(join(dataDir, 'known_hosts'), 'utf8')).toContain(`${addr(2)} ${pub[0]} ${pub[1]}`);
    const [second] = await testConnections(project.hosts, { ...opts, reach: project });
    expect(second!.status).toBe('ok');
    expect(second!.acceptedNew).toBeUndefined();

    // Node 3 known with another key: changed, refused, nothing recorded.
    await writeFile(join(dataDir, 'known_hosts'), `${await readFile(join(dataDir, 'known_hosts'), 'utf8')}${addr(3)} ${pub[0]} ${pub[1]}\n`);
    const [changed] = await testConnections([hostOf(3)], { ...opts, reach: project });
    expect(changed!.status).toBe('hostkey-changed');
    expect((await readFile(join(dataDir, 'known_hosts'), 'utf8')).split('\n').filter((l) => l.startsWith(`${addr(3)} `))).toHaveLength(1);
  });
});
