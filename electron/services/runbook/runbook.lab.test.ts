import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lab, trustLabHostKeys, type LabStatus } from '../../../scripts/test-support/lab.js';
import type { Project } from '../../contract/index.js';
import { createLogger } from '../log/logger.js';
import { readJournal, type JournalEvent } from '../project/journal.js';
import { chainBreak } from '../report/verify.js';
import { saveProject } from '../project/project-store.js';
import { MemorySecretStore } from '../secrets/secret-store.js';
import { KnownHosts } from '../ssh/known-hosts.js';
import { SshPool } from '../ssh/pool.js';
import { Runbook } from './engine.js';
import { LOCK_DIR } from './lock.js';
import { stepRegistry } from '../steps/registry.js';
import { cleanUpStep, gateStep, holdStep } from './test-data/test-steps.js';

// Integration: the step runner against the lab's real sshd, in real processes. Nothing is mocked.
const root = join(import.meta.dirname, '..', '..', '..');
let status: LabStatus;
let dataDir: string;
const silent = createLogger(() => {});

const projectFor = (nodes: number[]): Project => ({
  version: 1,
  site: 'Lab',
  customer: 'Runbook tests',
  technician: 'Vitest',
  hosts: nodes.map((i) => ({
    id: `n${i}`,
    name: `node${i}`,
    address: status.nodes[i - 1]!.address,
    port: 22,
    user: 'root',
    role: i === nodes[0] ? ('master' as const) : ('worker' as const),
    auth: { method: 'key' as const, keyPath: status.keyPath },
  })),
});

async function newProject(nodes: number[]): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), 'rs-rb-lab-')), 'project');
  const saved = await saveProject(dir, projectFor(nodes));
  if (!saved.ok) throw new Error(saved.error.message);
  return dir;
}

async function journal(dir: string): Promise<JournalEvent[]> {
  const r = await readJournal(dir);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

function runner(projectDir: string, workDir: string, mode: 'start' | 'resume') {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', join(root, 'electron/services/runbook/test-data/runner-process.ts'), projectDir, dataDir, workDir, mode],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let errText = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (errText += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  return { child, exited, out: () => out, err: () => errText };
}

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  status = await lab.status();
  dataDir = await mkdtemp(join(tmpdir(), 'rs-rb-data-'));
  await trustLabHostKeys(dataDir, [1, 2, 3, 4]);
});

afterAll(async () => {
  for (const i of [1, 2, 3, 4]) await lab.exec(i, 'rm', '-rf', LOCK_DIR).catch(() => {});
});

describe('resume after the runner is killed', () => {
  it('SIGKILL during action 2 on four nodes; resume completes every action once and never re-runs action 1', async () => {
    const dir = await newProject([1, 2, 3, 4]);
    const workDir = `/var/tmp/rs-three-${randomBytes(4).toString('hex')}`;

    const first = runner(dir, workDir, 'start');
    // Every host has announced action 2 (the journal line is on disk before it starts): kill then.
    await until(
      () => journal(dir),
      (ev) => ev.filter((e) => e.type === 'action-started' && e.actionId === 'a2').length === 4,
      'action 2 to start on all hosts',
    );
    await new Promise((r) => setTimeout(r, 500));
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');

    const killed = await journal(dir);
    expect(killed.some((e) => e.type === 'action-finished' && e.actionId === 'a2')).toBe(false);
    expect(killed.some((e) => e.type === 'run-finished')).toBe(false);

    const second = runner(dir, workDir, 'resume');
    const { code } = await second.exited;
    expect(code, second.out() + second.err()).toBe(0);
    const { run } = JSON.parse(second.out().trim().split('\n').at(-1)!) as { run: { status: string; hosts: { status: string }[] } };
    expect(run.status).toBe('completed');
    expect(run.hosts.map((h) => h.status)).toEqual(['done', 'done', 'done', 'done']);

    const events = await journal(dir);
    const runId = (events.find((e) => e.type === 'run-started') as { runId: string }).runId;
    expect(events.filter((e) => e.type === 'run-started')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'run-resumed')).toHaveLength(1);
    // The hash chain survives the kill and the resumed runner's appends: no line is seen as edited.
    expect(chainBreak(await readFile(join(dir, 'journal.ndjson'))).problem).toBeNull();
    for (const hostId of ['n1', 'n2', 'n3', 'n4']) {
      for (const actionId of ['a1', 'a2', 'a3']) {
        const completed = events.filter(
          (e) => e.type === 'action-finished' && e.runId === runId && e.hostId === hostId && e.actionId === actionId && (e.status === 'done' || e.status === 'already-done'),
        );
        expect(completed, `${hostId} ${actionId}`).toHaveLength(1);
      }
      // Action 1 finished before the kill and was not touched again, not even probed.
      expect(events.filter((e) => e.type === 'action-started' && e.hostId === hostId && e.actionId === 'a1')).toHaveLength(1);
      // The lock of the killed runner (same laptop, process gone) was reclaimed, not waited out.
      expect(events.some((e) => e.type === 'lock' && e.hostId === hostId && e.outcome === 'reclaimed')).toBe(true);
    }
    // On the hosts: action 1 ran once, and action 2 too (resume waited for the orphan, then its probe said done).
    for (const i of [1, 2, 3, 4]) {
      const counts = await lab.exec(i, 'sh', '-c', `cat ${workDir}/a1.count ${workDir}/a2.count ${workDir}/a3.count`);
      expect(counts.trim().split('\n'), `node${i}`).toEqual(['1', '1', '1']);
      expect((await lab.exec(i, 'sh', '-c', `test -e ${LOCK_DIR} && echo held || echo free`)).trim()).toBe('free');
    }
    // Every finished action left a transcript whose SHA-256 the journal recorded.
    const { createHash } = await import('node:crypto');
    for (const e of events) {
      if (e.type !== 'action-finished') continue;
      const bytes = await readFile(join(dir, e.transcript));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(e.sha256);
    }

    // Running the completed plan again changes nothing: every probe says done.
    const again = runner(dir, workDir, 'start');
    expect((await again.exited).code).toBe(0);
    const third = (await journal(dir)).filter((e) => e.type === 'action-finished' && e.runId !== runId);
    expect(third).toHaveLength(12);
    expect(third.every((e) => e.type === 'action-finished' && e.status === 'already-done' && e.via === 'probe')).toBe(true);
    for (const i of [1, 2, 3, 4]) {
      expect((await lab.exec(i, 'cat', `${workDir}/a1.count`)).trim()).toBe('1');
    }
  });
});

describe('the per-host run lock', () => {
  const runbookFor = (steps: Parameters<typeof stepRegistry>[0]) => {
    const secrets = new MemorySecretStore();
    const pool = new SshPool({ knownHosts: new KnownHosts(dataDir), secrets });
    return { pool, rb: new Runbook({ pool, secrets, steps: stepRegistry(steps), emit: () => {}, log: silent }) };
  };

  it('refuses a second runner on a host another runner holds, telling it who holds the lock', async () => {
    const a = runbookFor([holdStep(4)]);
    const b = runbookFor([holdStep(1)]);
    const dirA = await newProject([1]);
    const dirB = await newProject([1]);
    const startedA = await a.rb.start(dirA, 'hold');
    if (!startedA.ok) throw new Error(startedA.error.message);
    await until(() => journal(dirA), (ev) => ev.some((e) => e.type === 'action-started'), 'runner A to start');

    const startedB = await b.rb.start(dirB, 'hold');
    if (!startedB.ok) throw new Error(startedB.error.message);
    const runB = await b.rb.whenDone(startedB.value.runId);
    expect(runB?.status).toBe('failed');
    const host = runB!.hosts[0]!;
    expect(host.status).toBe('lock-held');
    expect(host.actions[0]!.status).toBe('pending');
    expect(host.lockHolder).toMatchObject({ owner: `${a.rb.owner.owner}:${startedA.value.runId}`, laptop: a.rb.owner.laptop, pid: process.pid, runId: startedA.value.runId, stale: false });
    const refused = (await journal(dirB)).find((e) => e.type === 'lock' && e.outcome === 'refused');
    expect(refused && refused.type === 'lock' && refused.message).toMatch(new RegExp(`Held by .*pid ${process.pid}, step hold, run ${startedA.value.runId}`));
    expect((await journal(dirB)).some((e) => e.type === 'action-started')).toBe(false);

    const runA = await a.rb.whenDone(startedA.value.runId);
    expect(runA?.status).toBe('completed');
    for (const x of [a, b]) {
      await x.rb.close();
      x.pool.closeAll();
    }
  });

  it('one app instance: a second step, or another project with the same host, is refused naming the holding run, whose lock survives until it ends', async () => {
    const x = runbookFor([holdStep(10), holdStep(1, 'hold-b')]);
    const dirA = await newProject([1]);
    const dirB = await newProject([1]);
    const lockOwner = () => lab.exec(1, 'sh', '-c', `sed -n 's/^owner=//p' ${LOCK_DIR}/owner 2>/dev/null || true`).then((o) => o.trim());
    const startedA = await x.rb.start(dirA, 'hold');
    if (!startedA.ok) throw new Error(startedA.error.message);
    const holderA = `${x.rb.owner.owner}:${startedA.value.runId}`;
    await until(() => journal(dirA), (ev) => ev.some((e) => e.type === 'action-started' && e.runId === startedA.value.runId), 'step A to start');

    // Another step of the same project, then the same step id in another project: same app instance, same host.
    for (const [dir, stepId] of [[dirA, 'hold-b'], [dirB, 'hold-b']] as const) {
      const started = await x.rb.start(dir, stepId);
      if (!started.ok) throw new Error(started.error.message);
      const refused = await x.rb.whenDone(started.value.runId);
      const host = refused!.hosts[0]!;
      expect(host.status, `${dir} ${stepId}`).toBe('lock-held');
      expect(host.actions[0]!.status).toBe('pending');
      expect(host.lockHolder).toMatchObject({ owner: holderA, runId: startedA.value.runId, stepId: 'hold', laptop: x.rb.owner.laptop, pid: process.pid, stale: false });
      const line = (await journal(dir)).find((e) => e.type === 'lock' && e.runId === started.value.runId && e.outcome === 'refused');
      expect(line && line.type === 'lock' && line.message).toMatch(new RegExp(`step hold, run ${startedA.value.runId}\\), heartbeat \\d+ s ago`));
      // The refused run released nothing: A's lock is still on the host, A still running.
      expect(await lockOwner()).toBe(holderA);
    }
    expect(x.rb.cancel(startedA.value.runId).ok, 'A still running after the refusals').toBe(true);
    const runA = await x.rb.whenDone(startedA.value.runId);
    expect(runA?.status).toBe('cancelled');
    expect(await lockOwner()).toBe('');
    await x.rb.close();
    x.pool.closeAll();
  });

  it('takes over a lock whose heartbeat is over 30 s old only after confirmation', async () => {
    const now = Number((await lab.exec(2, 'date', '+%s')).trim());
    const fake = (age: number) =>
      lab.exec(2, 'sh', '-c', `rm -rf ${LOCK_DIR}; mkdir -p ${LOCK_DIR} && printf 'owner=other\\nlaptop=other-laptop\\npid=4242\\nrun=r-old\\nheartbeat=%s\\n' ${now - age} > ${LOCK_DIR}/owner`);
    const x = runbookFor([holdStep(0)]);
    const dir = await newProject([2]);

    await fake(5);
    const fresh = await x.rb.start(dir, 'hold', { takeOver: ['n2'] });
    if (!fresh.ok) throw new Error(fresh.error.message);
    const freshRun = await x.rb.whenDone(fresh.value.runId);
    expect(freshRun?.hosts[0]).toMatchObject({ status: 'lock-held', lockHolder: { laptop: 'other-laptop', stale: false } });

    await fake(120);
    const stale = await x.rb.start(dir, 'hold');
    if (!stale.ok) throw new Error(stale.error.message);
    const staleRun = await x.rb.whenDone(stale.value.runId);
    expect(staleRun?.hosts[0]).toMatchObject({ status: 'lock-held', lockHolder: { laptop: 'other-laptop', stale: true } });

    const confirmed = await x.rb.start(dir, 'hold', { resume: true, takeOver: ['n2'] });
    if (!confirmed.ok) throw new Error(confirmed.error.message);
    const done = await x.rb.whenDone(confirmed.value.runId);
    expect(done?.status).toBe('completed');
    const takeover = (await journal(dir)).find((e) => e.type === 'lock' && e.outcome === 'taken-over');
    expect(takeover).toMatchObject({ hostId: 'n2', holder: { laptop: 'other-laptop', runId: 'r-old' } });
    await x.rb.close();
    x.pool.closeAll();
  });
});

describe('failures, retry, skip and cancel', () => {
  it('stops only the failing host; retry after the fix and skip with a reason both continue that host', async () => {
    const workDir = `/var/tmp/rs-gate-${randomBytes(4).toString('hex')}`;
    for (const i of [1, 2, 3]) await lab.exec(i, 'sh', '-c', `mkdir -p ${workDir} && ${i === 3 ? 'true' : `touch ${workDir}/ok`}`);
    const secrets = new MemorySecretStore();
    const pool = new SshPool({ knownHosts: new KnownHosts(dataDir), secrets });
    const rb = new Runbook({ pool, secrets, steps: stepRegistry([gateStep(workDir), holdStep(30)]), emit: () => {}, log: silent });
    const dir = await newProject([1, 2, 3]);

    const started = await rb.start(dir, 'gate');
    if (!started.ok) throw new Error(started.error.message);
    const failed = await rb.whenDone(started.value.runId);
    expect(failed?.status).toBe('failed');
    expect(failed?.hosts.map((h) => [h.status, ...h.actions.map((a) => a.status)])).toEqual([
      ['done', 'done', 'done'],
      ['done', 'done', 'done'],
      ['failed', 'failed', 'pending'],
    ]);
    expect(failed?.hosts[2]?.actions[0]).toMatchObject({ exitCode: 7 });
    expect(await readFile(join(dir, failed!.hosts[2]!.actions[0]!.transcript!), 'utf8')).toContain(`no ${workDir}/ok`);

    // The technician fixes node3 and retries: the failed action runs again (attempt 2), then the rest.
    await lab.exec(3, 'touch', `${workDir}/ok`);
    const retried = await rb.retry(dir, 'gate', 'n3');
    if (!retried.ok) throw new Error(retried.error.message);
    expect(retried.value.runId).toBe(started.value.runId);
    const fixed = await rb.whenDone(retried.value.runId);
    expect(fixed?.status).toBe('completed');
    expect(fixed?.hosts[2]?.actions.map((a) => [a.status, a.attempts])).toEqual([['done', 2], ['done', 1]]);

    // A new run fails again on node3; this time the technician skips the check with a reason.
    await lab.exec(3, 'rm', '-f', `${workDir}/ok`, `${workDir}/after`);
    const second = await rb.start(dir, 'gate');
    if (!second.ok) throw new Error(second.error.message);
    await rb.whenDone(second.value.runId);
    const skipped = await rb.skip(dir, 'gate', 'n3', 'check', 'Checked by hand at the console', 'Li Wei');
    if (!skipped.ok) throw new Error(skipped.error.message);
    const after = await rb.whenDone(skipped.value.runId);
    expect(after?.status).toBe('completed');
    expect(after?.hosts[2]?.actions.map((a) => a.status)).toEqual(['skipped', 'done']);
    expect((await journal(dir)).find((e) => e.type === 'action-skipped')).toMatchObject({ hostId: 'n3', actionId: 'check', reason: 'Checked by hand at the console', technician: 'Li Wei' });

    // Cancel: the remote command is stopped, the run ends cancelled and can be resumed.
    const hold = await rb.start(dir, 'hold');
    if (!hold.ok) throw new Error(hold.error.message);
    await until(() => journal(dir), (ev) => ev.filter((e) => e.type === 'action-started' && e.runId === hold.value.runId).length === 3, 'hold to start');
    // Cancel once the command runs on every host. (A cancel that lands before the SSH channel is
    // open is not delivered by HostConnection.exec yet: reported to the SSH engine's owner.)
    for (const i of [1, 2, 3]) {
      await until(() => lab.exec(i, 'sh', '-c', 'pgrep -fx "sleep 30" || true'), (out) => out.trim() !== '', `sleep on node${i}`);
    }
    expect(rb.cancel(hold.value.runId).ok).toBe(true);
    const cancelled = await rb.whenDone(hold.value.runId);
    expect(cancelled?.status).toBe('cancelled');
    expect(cancelled?.hosts.every((h) => h.actions[0]!.status === 'cancelled')).toBe(true);
    for (const i of [1, 2, 3]) expect((await lab.exec(i, 'sh', '-c', 'pgrep -fx "sleep 30" || true')).trim()).toBe('');
    const state = await rb.state(dir);
    expect(state.ok && state.value.steps.find((s) => s.stepId === 'hold')?.resumable).toBe(true);
    await rb.close();
    pool.closeAll();
  });
});

describe('a step\'s clean-up hook', () => {
  it('runs after each host\'s actions with the run\'s input and results, is journaled, and a throw fails only that host, whose lock is still released', async () => {
    const secrets = new MemorySecretStore();
    const pool = new SshPool({ knownHosts: new KnownHosts(dataDir), secrets });
    const seen: { hostId: string; input: unknown; status?: string }[] = [];
    const rb = new Runbook({ pool, secrets, steps: stepRegistry([cleanUpStep(seen)]), emit: () => {}, log: silent });
    const dir = await newProject([1, 2]);
    const input = { dir: `/var/tmp/rs-tidy-${randomBytes(4).toString('hex')}`, throwOn: 'n2' };
    const started = await rb.start(dir, 'tidy', { input });
    if (!started.ok) throw new Error(started.error.message);
    const run = await rb.whenDone(started.value.runId);
    await rb.close();
    pool.closeAll();

    expect(seen.sort((a, b) => a.hostId.localeCompare(b.hostId))).toEqual([
      { hostId: 'n1', input, status: 'done' },
      { hostId: 'n2', input, status: 'done' },
    ]);
    expect(run?.status).toBe('failed');
    expect(run?.hosts.map((h) => [h.hostId, h.status])).toEqual([['n1', 'done'], ['n2', 'failed']]);
    expect(run?.hosts[1]?.message).toBe('Clean-up failed: the hook broke');
    const ev = await journal(dir);
    const cleanUps = ev.filter((e) => e.type === 'clean-up').map((e) => [e.hostId, e.status, e.result]).sort();
    expect(cleanUps).toEqual([['n1', 'done', 'tidied'], ['n2', 'failed', 'error']]);
    for (const h of ['n1', 'n2']) {
      // The hook's line comes after the host's last action and before its lock is released.
      const mine = ev.filter((e) => 'hostId' in e && e.hostId === h).map((e) => (e.type === 'lock' ? `lock-${e.outcome}` : e.type));
      expect(mine.slice(-3)).toEqual(['action-finished', 'clean-up', 'lock-released']);
    }
    await lab.exec(1, 'rm', '-rf', input.dir);
    await lab.exec(2, 'rm', '-rf', input.dir);
  });
});
