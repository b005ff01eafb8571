import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lab, trustLabHostKeys, type LabStatus } from '../../../scripts/test-support/lab.js';
import type { TerminalSession } from '../../contract/channels/terminal.js';
import type { EventChannel, Host, Project } from '../../contract/index.js';
import { createLogger } from '../log/logger.js';
import { readJournal } from '../project/journal.js';
import { saveProject } from '../project/project-store.js';
import { Runbook } from '../runbook/engine.js';
import { LOCK_DIR } from '../runbook/lock.js';
import { stepRegistry } from '../steps/registry.js';
import { holdStep } from '../runbook/test-data/test-steps.js';
import { MemorySecretStore } from '../secrets/secret-store.js';
import { TerminalManager } from '../terminal/terminal-manager.js';
import { testConnections } from './connection-test.js';
import { KnownHosts } from './known-hosts.js';
import { SshPool } from './pool.js';

// Integration: the lab's real sshd on node 4, whose host key the lab regenerates mid-test
// (`lab hostkey regen`, which leaves established sessions running). Nothing is mocked.
const NODE = 4;
let status: LabStatus;
let dataDir: string;
let host: Host;
const silent = createLogger(() => {});

async function until<T>(read: () => T | Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const fingerprintOnNode = async () => (await lab.exec(NODE, 'ssh-keygen', '-lf', '/etc/ssh/ssh_host_ed25519_key.pub')).split(' ')[1]!;

beforeAll(async () => {
  status = await lab.status();
  dataDir = await mkdtemp(join(tmpdir(), 'rs-hostkey-'));
  await trustLabHostKeys(dataDir, [NODE]);
  host = {
    id: `n${NODE}`,
    name: `node${NODE}`,
    address: status.nodes[NODE - 1]!.address,
    port: 22,
    user: 'root',
    role: 'master',
    auth: { method: 'key', keyPath: status.keyPath },
  };
});

afterAll(async () => {
  await lab.exec(NODE, 'rm', '-rf', LOCK_DIR).catch(() => {});
});

describe('a host key that changes while the app works on the host', () => {
  it('once detected, the pooled connection, the shell and the run on it end, and runs and shells are refused until the key is replaced', async () => {
    const secrets = new MemorySecretStore();
    const knownHosts = new KnownHosts(dataDir);
    const pool = new SshPool({ knownHosts, secrets });
    const events: { channel: EventChannel; payload: unknown }[] = [];
    const emit = (channel: EventChannel, payload: unknown) => events.push({ channel, payload });
    // As createHandlers forwards it to the renderer ('hostkeys.changed').
    knownHosts.changes.subscribe((change, state) => emit('hostkeys.changed', { state, change }));
    const tm = new TerminalManager({ emit, pool, secrets, dataDir, log: silent });
    const rb = new Runbook({ pool, hostKeys: pool.hostKeys, secrets, steps: stepRegistry([holdStep(30), holdStep(0, 'short')]), emit, log: silent });
    const project: Project = { version: 1, site: 'Lab', customer: 'Host key tests', technician: 'Vitest', hosts: [host] };
    const dir = join(await mkdtemp(join(tmpdir(), 'rs-hostkey-p-')), 'project');
    const saved = await saveProject(dir, project);
    if (!saved.ok) throw new Error(saved.error.message);
    const conn = () => pool.host({ id: host.id, address: host.address, port: host.port, user: host.user, auth: host.auth });

    // Before the change: a pooled connection serving a run and a shell.
    const oldFp = await fingerprintOnNode();
    expect((await conn().run({ argv: ['true'] })).status).toBe('ok');
    const shell = await tm.openShell(host, { cols: 80, rows: 24 });
    if (!shell.ok) throw new Error(shell.error.message);
    const run = await rb.start(dir, 'hold');
    if (!run.ok) throw new Error(run.error.message);
    await until(() => lab.exec(NODE, 'sh', '-c', 'pgrep -fx "sleep 30" || true'), (o) => o.trim() !== '', 'the step to run on the node');

    await lab.run('hostkey', 'regen', String(NODE));
    const newFp = await fingerprintOnNode();
    expect(newFp).not.toBe(oldFp);

    // A new connection attempt (the inventory's connection test) sees the new key.
    const [tested] = await testConnections([host], { knownHosts, secrets });
    expect(tested).toMatchObject({ status: 'hostkey-changed', fingerprint: newFp });

    // The connection opened before the change no longer serves anything on that host.
    const after = await conn().run({ argv: ['true'] });
    expect(after.status).toBe('connect-failed');
    expect(after.connectStatus).toBe('hostkey-changed');
    expect(after.message).toContain(oldFp);
    expect(after.message).toContain(newFp);

    // The event the renderer marks the host from, with both fingerprints.
    expect(events.find((e) => e.channel === 'hostkeys.changed')?.payload).toMatchObject({
      state: 'changed',
      change: { address: host.address, port: 22, fingerprint: newFp, knownFingerprints: [oldFp] },
    });

    // The running step stopped on the host, naming the cause (not "Could not take the host's run lock").
    const ended = await rb.whenDone(run.value.runId);
    expect(ended?.status).toBe('failed');
    expect(ended?.hosts[0]?.message).toMatch(/^Host key changed on .*: known .*, now .*/);
    expect(ended?.hosts[0]?.message).toContain(newFp);
    // The screen words the stop from reasons.run-host-key-stopped with both fingerprints, in either language.
    expect(ended?.hosts[0]).toMatchObject({ reason: 'run-host-key-stopped', params: { fingerprint: newFp } });
    const stopped = (await readJournal(dir));
    expect(stopped.ok && stopped.value.some((e) => e.type === 'host-stopped' && /Host key changed/.test(e.reason))).toBe(true);

    // The shell opened before the change ended, saying why.
    const session = tm.list().find((s) => s.sessionId === shell.value.sessionId) as TerminalSession;
    expect(session.state).toBe('exited');
    expect(session.message).toContain('Host key changed');

    // New runs and shells on the host are refused with the cause and both fingerprints.
    const refusedRun = await rb.start(dir, 'short');
    expect(refusedRun.ok).toBe(false);
    expect(!refusedRun.ok && refusedRun.error.message).toMatch(new RegExp(`Host key changed.*${oldFp.replace(/[+/]/g, '\\$&')}.*${newFp.replace(/[+/]/g, '\\$&')}`));
    expect(!refusedRun.ok && refusedRun.error.reason).toBe('run-host-key-changed');
    const refusedShell = await tm.openShell(host, { cols: 80, rows: 24 });
    expect(!refusedShell.ok && refusedShell.error.message).toContain('Host key changed');

    // Only the key the host presented can replace the old one; then work goes on.
    expect(await knownHosts.replaceChanged(host.address, 22, oldFp)).toBe('fingerprint-differs');
    expect(await knownHosts.replaceChanged(host.address, 22, newFp)).toBe('replaced');
    expect(events.filter((e) => e.channel === 'hostkeys.changed').at(-1)?.payload).toMatchObject({ state: 'cleared' });
    const lines = (await readFile(join(dataDir, 'known_hosts'), 'utf8')).split('\n').filter((l) => l.startsWith(`${host.address} `));
    const pub = (await lab.exec(NODE, 'cat', '/etc/ssh/ssh_host_ed25519_key.pub')).trim().split(/\s+/);
    expect(lines).toEqual([`${host.address} ${pub[0]} ${pub[1]}`]);
    expect((await conn().run({ argv: ['true'] })).status).toBe('ok');
    // The step's `sleep 30` was left running: nothing is sent to a host whose key changed, not
    // even a kill. The next run would wait for it (lock.ts WAIT_ORPHAN); end it to save the time.
    await lab.exec(NODE, 'sh', '-c', 'pkill -fx "sleep 30" || true');
    const again = await rb.start(dir, 'short');
    if (!again.ok) throw new Error(again.error.message);
    expect((await rb.whenDone(again.value.runId))?.status).toBe('completed');

    await tm.closeAll();
    await rb.close();
    pool.closeAll();
  });
});
