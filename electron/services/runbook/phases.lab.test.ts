import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lab, trustLabHostKeys, type LabStatus } from '../../../scripts/test-support/lab.js';
import type { Project } from '../../contract/index.js';
import { createLogger } from '../log/logger.js';
import { readJournal, type JournalEvent } from '../project/journal.js';
import { saveProject } from '../project/project-store.js';
import { chainBreak } from '../report/verify.js';
import { MemorySecretStore, secretPlaceholder } from '../secrets/secret-store.js';
import { KnownHosts } from '../ssh/known-hosts.js';
import { SshPool } from '../ssh/pool.js';
import { stepRegistry } from '../steps/registry.js';
import { Runbook, type HostOutputSink } from './engine.js';
import { LOCK_DIR } from './lock.js';
import { TEST_ONLY_PHASED, testOnlyPhasedStep } from './test-data/test-steps.js';

// Integration: a step with phases and outputs against the lab's real sshd (3 nodes), nothing mocked.
// The secret is made on node1 and never known to the test until it reads it off the node.
const root = join(import.meta.dirname, '..', '..', '..');
let status: LabStatus;
let dataDir: string;
const NODES = [1, 2, 3];

async function newProject(): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), 'rs-phases-lab-')), 'project');
  const project: Project = {
    version: 1,
    site: 'Lab',
    customer: 'Phases tests',
    technician: 'Vitest',
    hosts: NODES.map((i) => ({
      id: `n${i}`, name: `node${i}`, address: status.nodes[i - 1]!.address, port: 22, user: 'root',
      role: i === 1 ? ('master' as const) : ('worker' as const), auth: { method: 'key' as const, keyPath: status.keyPath },
    })),
  };
  const saved = await saveProject(dir, project);
  if (!saved.ok) throw new Error(saved.error.message);
  return dir;
}

async function journal(dir: string): Promise<JournalEvent[]> {
  const r = await readJournal(dir);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** Every file under the project folder (journal, logs/, transcripts, project.yaml), as text. */
async function everyFile(dir: string): Promise<{ path: string; text: string }[]> {
  const out: { path: string; text: string }[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    out.push({ path, text: await readFile(path, 'utf8') });
  }
  return out;
}

const index = (events: JournalEvent[], pred: (e: JournalEvent) => boolean) => events.findIndex(pred);
const lastIndex = (events: JournalEvent[], pred: (e: JournalEvent) => boolean) => events.findLastIndex(pred);
const is = (type: string, hostId?: string, actionId?: string) => (e: JournalEvent) =>
  e.type === type && (hostId === undefined || ('hostId' in e && e.hostId === hostId)) && (actionId === undefined || ('actionId' in e && e.actionId === actionId));

beforeAll(async () => {
  status = await lab.status();
  dataDir = await mkdtemp(join(tmpdir(), 'rs-phases-data-'));
  await trustLabHostKeys(dataDir, NODES);
});

afterAll(async () => {
  for (const i of NODES) await lab.exec(i, 'rm', '-rf', LOCK_DIR).catch(() => {});
});

describe('a step with phases and outputs', () => {
  it('runs its phases in order (serial one host at a time), passes the values on, and the secret appears nowhere but the nodes', async () => {
    const dir = await newProject();
    const workDir = `/var/tmp/rs-phased-${randomBytes(4).toString('hex')}`;
    const secrets = new MemorySecretStore();
    const pool = new SshPool({ knownHosts: new KnownHosts(dataDir), secrets });
    const emitted: string[] = [];
    const streamed: string[] = [];
    const sink = (): HostOutputSink => ({
      action: (t) => streamed.push(t), stdout: (t) => streamed.push(t), stderr: (t) => streamed.push(t), note: (t) => streamed.push(t),
      end: async (r) => void streamed.push(r?.message ?? ''),
    });
    const rb = new Runbook({
      pool, secrets, steps: stepRegistry([testOnlyPhasedStep(workDir, 1)]), log: createLogger(() => {}),
      emit: (channel, payload) => emitted.push(`${channel} ${JSON.stringify(payload)}`),
      openHostStream: async () => sink(),
    });
    try {
      const dry = await rb.plan(dir, TEST_ONLY_PHASED);
      if (!dry.ok) throw new Error(dry.error.message);
      expect(dry.value.text).toContain('<output:canary@n1>');

      const started = await rb.start(dir, TEST_ONLY_PHASED);
      if (!started.ok) throw new Error(started.error.message);
      const run = await rb.whenDone(started.value.runId);
      expect(run?.status).toBe('completed');
      expect(run?.hosts.map((h) => h.status)).toEqual(['done', 'done', 'done']);

      const canary = (await lab.exec(1, 'cat', `${workDir}/secret`)).trim();
      expect(canary).toMatch(/^CANARY-[0-9a-f]{16}$/);
      const pub = (await lab.exec(1, 'cat', `${workDir}/public`)).trim();
      expect(pub).toMatch(/^public-/);
      // An output used later in the phase and on the host that made it (a fresh run: not "lost").
      expect((await lab.exec(1, 'cat', `${workDir}/self-public`)).trim()).toBe(pub);
      for (const i of [2, 3]) {
        expect((await lab.exec(i, 'cat', `${workDir}/got-secret`)).trim(), `node${i}`).toBe(canary);
        expect((await lab.exec(i, 'cat', `${workDir}/got-public`)).trim(), `node${i}`).toBe(pub);
      }
      for (const i of NODES) expect((await lab.exec(i, 'cat', `${workDir}/final`)).trim(), `node${i}`).toBe(pub);

      const events = await journal(dir);
      // Phase order: every generate action ended before any spread action began; node2's write
      // ended before node3's began (serial); spread ended before any final action began.
      const genEnd = lastIndex(events, (e) => is('action-finished', 'n1')(e) && (e as { actionId: string }).actionId.startsWith('gen-'));
      expect(genEnd).toBeLessThan(index(events, is('action-started', 'n2', 'write')));
      expect(index(events, is('action-finished', 'n2', 'write'))).toBeLessThan(index(events, is('action-started', 'n3', 'write')));
      expect(index(events, is('action-finished', 'n3', 'write'))).toBeLessThan(index(events, is('action-started', undefined, 'final')));
      expect(events.filter((e) => e.type === 'phase-started').map((e) => (e as { phaseId: string }).phaseId)).toEqual(['generate', 'spread', 'final']);
      // Outputs: the public value in the journal, the secret only as a hash; the secret is in the store.
      const outputs = events.filter((e) => e.type === 'output') as Extract<JournalEvent, { type: 'output' }>[];
      expect(outputs.map((o) => [o.name, o.secret, o.value])).toEqual([['canary', true, undefined], ['public', false, pub]]);
      expect(secrets.values()).toContain(canary);
      // The secret echoed by node2's write is in its transcript as the placeholder.
      const wrote = events.find(is('action-finished', 'n2', 'write')) as { transcript: string };
      expect(await readFile(join(dir, wrote.transcript), 'utf8')).toContain(`wrote ${secretPlaceholder('canary')} and ${pub}`);
      // Locks: taken per phase, released at the end of each.
      expect(events.filter((e) => e.type === 'lock' && e.hostId === 'n1').map((e) => (e as { outcome: string }).outcome))
        .toEqual(['acquired', 'released', 'acquired', 'released']);

      // The canary: in no file of the project folder, not in the dry run, nor anything shown live.
      for (const f of await everyFile(dir)) expect(f.text.includes(canary), f.path).toBe(false);
      expect(dry.value.text).not.toContain(canary);
      const again = await rb.plan(dir, TEST_ONLY_PHASED);
      expect(again.ok && again.value.text.includes(canary)).toBe(false);
      expect(again.ok && again.value.plan.planHash).toBe(dry.value.plan.planHash);
      expect(emitted.join('\n')).not.toContain(canary);
      expect(streamed.join('\n')).not.toContain(canary);
      expect(emitted.join('\n')).toContain(secretPlaceholder('canary'));

      // A second run changes nothing: the secret is re-read (probe, then read), never made anew.
      const second = await rb.start(dir, TEST_ONLY_PHASED);
      if (!second.ok) throw new Error(second.error.message);
      expect((await rb.whenDone(second.value.runId))?.status).toBe('completed');
      expect((await lab.exec(1, 'cat', `${workDir}/gen-secret.count`)).trim()).toBe('1');
      expect((await lab.exec(1, 'cat', `${workDir}/secret`)).trim()).toBe(canary);
      const secondRun = (await journal(dir)).filter((e) => e.type === 'action-finished' && e.runId === second.value.runId);
      expect(secondRun.every((e) => e.type === 'action-finished' && e.status === 'already-done')).toBe(true);
      for (const f of await everyFile(dir)) expect(f.text.includes(canary), f.path).toBe(false);
    } finally {
      await rb.close();
      pool.closeAll();
    }
  });

  it('a failed host stops the run after its phase (the rest of a serial phase and later phases not started); retry goes on from there', async () => {
    const dir = await newProject();
    const workDir = `/var/tmp/rs-phased-${randomBytes(4).toString('hex')}`;
    const secrets = new MemorySecretStore();
    const pool = new SshPool({ knownHosts: new KnownHosts(dataDir), secrets });
    const rb = new Runbook({ pool, secrets, steps: stepRegistry([testOnlyPhasedStep(workDir, 0, 'n2')]), log: createLogger(() => {}), emit: () => {} });
    try {
      const started = await rb.start(dir, TEST_ONLY_PHASED);
      if (!started.ok) throw new Error(started.error.message);
      const run = await rb.whenDone(started.value.runId);
      expect(run?.status).toBe('failed');
      // node1 did its part (generate) but has the final phase left, like node3: both wait.
      expect(run?.hosts.map((h) => h.status)).toEqual(['waiting', 'failed', 'waiting']);
      expect(run?.hosts[0]!.actions.map((a) => a.status)).toEqual(['done', 'done', 'done', 'pending']);
      let events = await journal(dir);
      expect(events.some(is('action-started', 'n3'))).toBe(false);
      expect(events.some(is('action-started', undefined, 'final'))).toBe(false);
      expect(events.filter((e) => e.type === 'phase-started').map((e) => (e as { phaseId: string }).phaseId)).toEqual(['generate', 'spread']);
      const state = await rb.state(dir);
      expect(state.ok && state.value.steps.find((s) => s.stepId === TEST_ONLY_PHASED)?.resumable).toBe(true);

      await lab.exec(2, 'touch', `${workDir}/ok`);
      const retried = await rb.retry(dir, TEST_ONLY_PHASED, 'n2');
      if (!retried.ok) throw new Error(retried.error.message);
      expect(retried.value.runId).toBe(started.value.runId);
      const done = await rb.whenDone(retried.value.runId);
      expect(done?.status).toBe('completed');
      expect(done?.hosts.map((h) => h.status)).toEqual(['done', 'done', 'done']);
      events = await journal(dir);
      expect(events.filter((e) => e.type === 'phase-started').map((e) => (e as { phaseId: string }).phaseId)).toEqual(['generate', 'spread', 'spread', 'final']);
      // The values were still known to this process: nothing on node1 ran again before the final phase.
      expect(events.filter(is('action-started', 'n1', 'gen-secret'))).toHaveLength(1);
      const canary = (await lab.exec(1, 'cat', `${workDir}/secret`)).trim();
      for (const i of [2, 3]) expect((await lab.exec(i, 'cat', `${workDir}/got-secret`)).trim(), `node${i}`).toBe(canary);
      for (const f of await everyFile(dir)) expect(f.text.includes(canary), f.path).toBe(false);
    } finally {
      await rb.close();
      pool.closeAll();
    }
  });

  it('a lost secret the host no longer has stops the resumed run: it is never made anew', async () => {
    const dir = await newProject();
    const workDir = `/var/tmp/rs-phased-${randomBytes(4).toString('hex')}`;
    const make = () => {
      const secrets = new MemorySecretStore();
      const pool = new SshPool({ knownHosts: new KnownHosts(dataDir), secrets });
      return { pool, rb: new Runbook({ pool, secrets, steps: stepRegistry([testOnlyPhasedStep(workDir, 0, 'n2')]), log: createLogger(() => {}), emit: () => {} }) };
    };
    const a = make();
    const started = await a.rb.start(dir, TEST_ONLY_PHASED);
    if (!started.ok) throw new Error(started.error.message);
    expect((await a.rb.whenDone(started.value.runId))?.status).toBe('failed');
    await a.rb.close();
    a.pool.closeAll();

    // A restarted app (memory-only store: the secret is gone), and the host lost it too.
    await lab.exec(1, 'rm', '-f', `${workDir}/secret`);
    await lab.exec(2, 'touch', `${workDir}/ok`);
    const b = make();
    try {
      const retried = await b.rb.retry(dir, TEST_ONLY_PHASED, 'n2');
      if (!retried.ok) throw new Error(retried.error.message);
      const run = await b.rb.whenDone(retried.value.runId);
      expect(run?.status).toBe('failed');
      expect(run?.hosts[0]!.message).toMatch(/output canary was lost and the host no longer has it/);
      expect((await lab.exec(1, 'cat', `${workDir}/gen-secret.count`)).trim()).toBe('1');
      expect((await lab.exec(1, 'sh', '-c', `test -e ${workDir}/secret && echo made || echo absent`)).trim()).toBe('absent');
      const events = await journal(dir);
      expect(events.filter(is('action-started', 'n2', 'write'))).toHaveLength(1);
    } finally {
      await b.rb.close();
      b.pool.closeAll();
    }
  });

  it('skipping the failed host\'s action (with a reason) goes on with the rest of the phase and the later phases', async () => {
    const dir = await newProject();
    const workDir = `/var/tmp/rs-phased-${randomBytes(4).toString('hex')}`;
    const secrets = new MemorySecretStore();
    const pool = new SshPool({ knownHosts: new KnownHosts(dataDir), secrets });
    const rb = new Runbook({ pool, secrets, steps: stepRegistry([testOnlyPhasedStep(workDir, 0, 'n2')]), log: createLogger(() => {}), emit: () => {} });
    try {
      const started = await rb.start(dir, TEST_ONLY_PHASED);
      if (!started.ok) throw new Error(started.error.message);
      expect((await rb.whenDone(started.value.runId))?.status).toBe('failed');
      const skipped = await rb.skip(dir, TEST_ONLY_PHASED, 'n2', 'write', 'node2 gets the values by hand', 'Vitest');
      if (!skipped.ok) throw new Error(skipped.error.message);
      const done = await rb.whenDone(skipped.value.runId);
      expect(done?.status).toBe('completed');
      expect(done?.hosts.find((h) => h.hostId === 'n2')?.actions.map((a) => a.status)).toEqual(['skipped', 'done']);
      expect((await lab.exec(3, 'cat', `${workDir}/got-secret`)).trim()).toBe((await lab.exec(1, 'cat', `${workDir}/secret`)).trim());
      for (const i of NODES) expect((await lab.exec(i, 'cat', `${workDir}/final`)).trim(), `node${i}`).toMatch(/^public-/);
    } finally {
      await rb.close();
      pool.closeAll();
    }
  });

  it('cancel in the middle of a phase stops the run there (later phases not started); resume finishes it', async () => {
    const dir = await newProject();
    const workDir = `/var/tmp/rs-phased-${randomBytes(4).toString('hex')}`;
    const secrets = new MemorySecretStore();
    const pool = new SshPool({ knownHosts: new KnownHosts(dataDir), secrets });
    const rb = new Runbook({ pool, secrets, steps: stepRegistry([testOnlyPhasedStep(workDir, 5)]), log: createLogger(() => {}), emit: () => {} });
    try {
      const started = await rb.start(dir, TEST_ONLY_PHASED);
      if (!started.ok) throw new Error(started.error.message);
      for (const end = Date.now() + 30_000; !(await journal(dir)).some(is('action-started', 'n2', 'write'));) {
        if (Date.now() > end) throw new Error('phase 2 never started');
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(rb.cancel(started.value.runId).ok).toBe(true);
      const run = await rb.whenDone(started.value.runId);
      expect(run?.status).toBe('cancelled');
      const events = await journal(dir);
      expect(events.find(is('action-finished', 'n2', 'write'))).toMatchObject({ status: 'cancelled' });
      expect(events.some(is('action-started', 'n3'))).toBe(false);
      expect(events.some(is('action-started', undefined, 'final'))).toBe(false);
      // Every lock taken was given back.
      for (const i of NODES) expect((await lab.exec(i, 'sh', '-c', `test -e ${LOCK_DIR} && echo held || echo free`)).trim()).toBe('free');

      const resumed = await rb.start(dir, TEST_ONLY_PHASED, { resume: true });
      if (!resumed.ok) throw new Error(resumed.error.message);
      expect((await rb.whenDone(resumed.value.runId))?.status).toBe('completed');
      expect((await lab.exec(1, 'cat', `${workDir}/gen-secret.count`)).trim()).toBe('1');
      expect((await lab.exec(3, 'cat', `${workDir}/got-secret`)).trim()).toBe((await lab.exec(1, 'cat', `${workDir}/secret`)).trim());
    } finally {
      await rb.close();
      pool.closeAll();
    }
  });

  it('SIGKILL mid-phase, then resume in a new process (secret store empty): finishes without re-running the generating action', async () => {
    const dir = await newProject();
    const workDir = `/var/tmp/rs-phased-${randomBytes(4).toString('hex')}`;
    const runner = (mode: 'start' | 'resume') => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', join(root, 'electron/services/runbook/test-data/runner-process.ts'), dir, dataDir, workDir, mode, TEST_ONLY_PHASED],
        { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
      return { child, exited, out: () => out };
    };

    const first = runner('start');
    // node2's write (phase 2, serial) has begun, and sleeps: kill the runner there.
    for (const end = Date.now() + 60_000; ;) {
      const ev = await journal(dir);
      if (ev.some(is('action-started', 'n2', 'write'))) break;
      if (Date.now() > end) throw new Error(`phase 2 never started: ${first.out()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const killed = await journal(dir);
    expect(killed.some(is('action-finished', 'n2', 'write'))).toBe(false);
    expect(killed.some(is('action-started', 'n3'))).toBe(false);

    const second = runner('resume');
    const { code } = await second.exited;
    expect(code, second.out()).toBe(0);
    const { run } = JSON.parse(second.out().trim().split('\n').filter((l) => l.startsWith('{')).at(-1)!) as { run: { status: string } };
    expect(run.status).toBe('completed');

    const canary = (await lab.exec(1, 'cat', `${workDir}/secret`)).trim();
    // Made once; the resumed runner (its memory-only store empty) read it back from node1.
    expect((await lab.exec(1, 'cat', `${workDir}/gen-secret.count`)).trim()).toBe('1');
    expect((await lab.exec(1, 'cat', `${workDir}/gen-public.count`)).trim()).toBe('1');
    for (const i of [2, 3]) expect((await lab.exec(i, 'cat', `${workDir}/got-secret`)).trim(), `node${i}`).toBe(canary);
    const events = await journal(dir);
    const gen = events.filter(is('action-finished', 'n1', 'gen-secret')) as Extract<JournalEvent, { type: 'action-finished' }>[];
    expect(gen.map((e) => [e.status, e.via])).toEqual([['done', 'command'], ['already-done', 'probe']]);
    // The public value came from the journal: its action was not touched again.
    expect(events.filter(is('action-started', 'n1', 'gen-public'))).toHaveLength(1);
    const secretOutputs = events.filter((e) => e.type === 'output' && e.name === 'canary') as Extract<JournalEvent, { type: 'output' }>[];
    expect(new Set(secretOutputs.map((o) => o.sha256)).size).toBe(1);
    expect(chainBreak(await readFile(join(dir, 'journal.ndjson'))).problem).toBeNull();
    for (const f of await everyFile(dir)) expect(f.text.includes(canary), f.path).toBe(false);
    for (const i of NODES) expect((await lab.exec(i, 'sh', '-c', `test -e ${LOCK_DIR} && echo held || echo free`)).trim()).toBe('free');
  });
});
