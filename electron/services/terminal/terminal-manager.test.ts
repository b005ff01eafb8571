import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { TerminalSession } from '../../contract/channels/terminal.js';
import { createLogger } from '../log/logger.js';
import { MemorySecretStore } from '../secrets/secret-store.js';
import type { SshPool } from '../ssh/pool.js';
import { HIGH_WATERMARK_BYTES } from './flow-control.js';
import { MAX_BATCH_BYTES, TerminalManager } from './terminal-manager.js';
import { PARTIAL } from './transcript.js';

/** Data folders of this file's tests (transcripts of `yes` runs): removed when its tests end. */
const made: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'rs-term-'));
  made.push(d);
  return d;
}
afterAll(async () => {
  await Promise.all(made.map((d) => rm(d, { recursive: true, force: true })));
});

// The local shell is a real node-pty (no fakes): bash without rc files, so the prompt is known.
const CANARY = 'Canary-Secret-4711';

async function setup(opts: { transcriptMaxBytes?: number } = {}) {
  const dataDir = await tempDir();
  const secrets = new MemorySecretStore();
  secrets.set('h1', 'password', CANARY);
  const events: { channel: string; payload: unknown }[] = [];
  const tm = new TerminalManager({
    emit: (channel, payload) => events.push({ channel, payload }),
    pool: {} as SshPool,
    secrets,
    dataDir,
    log: createLogger(() => {}),
    ...opts,
    localShell: { shell: '/bin/bash', args: ['--norc', '--noprofile', '-i'], env: { PATH: process.env.PATH, PS1: 'rs$ ', HOME: dataDir } },
  });
  const output = (id: string) =>
    events
      .filter((e) => e.channel === 'terminal.data' && (e.payload as { sessionId: string }).sessionId === id)
      .map((e) => String((e.payload as { data: Buffer | string }).data))
      .join('');
  const until = async (check: () => boolean, ms = 10_000) => {
    const t0 = Date.now();
    while (!check()) {
      if (Date.now() - t0 > ms) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return { tm, events, output, until, dataDir };
}

/** A local shell running `yes`, past the high watermark. */
async function localYes() {
  const env = await setup();
  cleanup = () => env.tm.closeAll();
  const r = await env.tm.openLocal({ cols: 80, rows: 24 });
  if (!r.ok) throw new Error(r.error.message);
  const id = r.value.sessionId;
  await env.until(() => env.output(id).includes('rs$ '));
  env.tm.input([id], 'yes\r');
  await env.until(() => env.output(id).length > HIGH_WATERMARK_BYTES);
  return { ...env, id };
}

let cleanup: (() => Promise<void>) | null = null;
afterEach(async () => {
  await cleanup?.();
  cleanup = null;
});

describe('TerminalManager (local shell via node-pty)', () => {
  it('runs a command, logs a redacted transcript and reports the exit', async () => {
    const { tm, events, output, until } = await setup();
    cleanup = () => tm.closeAll();
    const r = await tm.openLocal({ cols: 80, rows: 24 });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const id = r.value.sessionId;
    await until(() => output(id).includes('rs$ '));
    tm.input([id], `echo $((6*7)) ${CANARY}\r`);
    await until(() => /42 Canary/.test(output(id)));
    tm.input([id], 'exit\r');
    await until(() => events.some((e) => e.channel === 'terminal.session' && (e.payload as TerminalSession).sessionId === id && (e.payload as TerminalSession).state === 'exited'));
    // The plain copy is completed as the session ends; closeAll waits for that.
    await tm.closeAll();
    const { log, txt } = r.value.transcript!;
    expect(log).toMatch(/logs\/local\/\d{4}-.*Z-shell\.log$/);
    const plain = await readFile(txt, 'utf8');
    expect(plain).toContain('42 [redacted]');
    expect(plain).not.toContain(CANARY);
    expect(await readFile(log, 'utf8')).not.toContain(CANARY);
  });

  it('pauses a fast producer while the renderer does not ack, resumes on acks, and Ctrl-C stops it', async () => {
    const { tm, output, until, id } = await localYes();
    // Nobody acks: what reaches the renderer stays bounded by the watermark plus one read/batch.
    await new Promise((r) => setTimeout(r, 300));
    const stalled = output(id).length;
    expect(stalled).toBeLessThan(HIGH_WATERMARK_BYTES + 2 * MAX_BATCH_BYTES);
    await new Promise((r) => setTimeout(r, 200));
    expect(output(id).length).toBe(stalled);
    // Acks let it flow again.
    tm.ack(id, stalled);
    await until(() => output(id).length > stalled + HIGH_WATERMARK_BYTES / 2);
    tm.input([id], '\x03');
    tm.ack(id, 10_000_000);
    await until(() => /\^C[\s\S]*rs\$ $/.test(output(id)));
  });

  it('Ctrl-C drops the backlog also at the moment the renderer has just caught up', async () => {
    const { tm, output, until, id } = await localYes();
    // Everything acked: nothing is unacknowledged right now, but output was streaming a moment ago.
    // (Acked once and waited for fresh output first: on a loaded machine the stall that localYes
    // ends in can outlast STREAMING_GRACE_MS, and then there is rightly nothing to drop.)
    tm.ack(id, 10_000_000);
    const before = output(id).length;
    await until(() => output(id).length > before + 50_000);
    tm.ack(id, 10_000_000);
    tm.input([id], '\x03');
    tm.ack(id, 10_000_000);
    await until(() => /\^C[\s\S]*rs\$ $/.test(output(id)));
    expect(output(id)).toMatch(/interrupted: \d+ bytes of output queued before it not shown/);
  });
});

describe('TerminalManager transcript recovery', () => {
  it('on start, completes the plain copy a crashed run left behind in the data folder', async () => {
    const dataDir = await tempDir();
    const dir = join(dataDir, 'logs', 'node1');
    await mkdir(dir, { recursive: true });
    const stem = join(dir, '2026-01-01T00-00-00-000Z-shell');
    await writeFile(`${stem}.log`, '# Rackside transcript: node1\r\n\x1b[1mlast words\x1b[0m\r\n');
    await writeFile(`${stem}.txt`, '# Rackside transcript: node1\n');
    await writeFile(`${stem}${PARTIAL}`, String(spawnSync('true').pid));
    const lines: string[] = [];
    const tm = new TerminalManager({ emit: () => {}, pool: {} as SshPool, secrets: new MemorySecretStore(), dataDir, log: createLogger((l) => lines.push(l)) });
    await tm.closeAll();
    expect(await readFile(`${stem}.txt`, 'utf8')).toBe('# Rackside transcript: node1\nlast words\n');
    expect(await readdir(dir)).not.toContain(`2026-01-01T00-00-00-000Z-shell${PARTIAL}`);
    expect(lines.join('\n')).toContain('plain-text transcript remade after an unclean end');
  });
});

describe('TerminalManager transcript limit', () => {
  it('stops recording at the size limit, says so in the .log and to the UI, and the pane keeps streaming', async () => {
    const LIMIT = 400_000;
    const { tm, events, output, until } = await setup({ transcriptMaxBytes: LIMIT });
    cleanup = () => tm.closeAll();
    const r = await tm.openLocal({ cols: 80, rows: 24 });
    if (!r.ok) throw new Error(r.error.message);
    const id = r.value.sessionId;
    const stoppedInfo = () =>
      events.map((e) => e.payload as TerminalSession).find((p) => p.sessionId === id && p.transcriptStopped);
    await until(() => output(id).includes('rs$ '));
    tm.input([id], 'yes\r');
    // A renderer that keeps up: everything acked as it comes.
    const acker = setInterval(() => tm.ack(id, 10_000_000), 5);
    try {
      await until(() => stoppedInfo() !== undefined);
      expect(stoppedInfo()!.transcriptStopped).toMatch(/limit per session was reached: later output is not recorded/);
      const atStop = output(id).length;
      await until(() => output(id).length > atStop + 2 * LIMIT);
      tm.input([id], '\x03');
      await until(() => /\^C[\s\S]*rs\$ $/.test(output(id)));
    } finally {
      clearInterval(acker);
    }
    await tm.closeAll();
    const { log, txt } = r.value.transcript!;
    const logText = await readFile(log, 'latin1');
    expect(logText.length).toBeLessThanOrEqual(LIMIT + 300);
    expect(logText.length).toBeGreaterThan(LIMIT - 2 * MAX_BATCH_BYTES);
    expect(logText).toMatch(/\r\n# Rackside: transcript stopped at \d{4}-[^:]+:\d\d:\d\d\.\d+Z: the 400 kB limit per session was reached.*\r\n$/);
    // The plain copy covers everything the .log has, the last line included.
    expect((await readFile(txt, 'latin1')).trimEnd().split('\n').at(-1)).toMatch(/^# Rackside: transcript stopped at /);
  });
});

describe('TerminalManager step streams', () => {
  it('shows the action title as a header, stderr in red, and is read-only', async () => {
    const { tm, output, until, events } = await setup();
    const s = await tm.openStepStream({ hostId: 'h1', hostLabel: 'node1', title: 'Hardware checks' });
    s.action('Read DMI tables');
    s.stdout(Buffer.from('System serial: LAB0001X\n'));
    s.stderr('dmidecode: warning\n');
    await until(() => output(s.sessionId).includes('warning'));
    const out = output(s.sessionId);
    expect(out).toContain('\x1b[1;36m▶ Read DMI tables');
    expect(out).toContain('System serial: LAB0001X\r\n');
    expect(out).toContain('\x1b[31mdmidecode: warning\r\n\x1b[39m');
    expect(tm.input([s.sessionId], 'x')).toEqual([]);
    await s.end({ exitCode: 0, message: 'exit code 0' });
    const last = events.filter((e) => e.channel === 'terminal.session').at(-1)!.payload as TerminalSession;
    expect(last).toMatchObject({ kind: 'step', state: 'exited', exitCode: 0, interactive: false, title: 'node1 · Hardware checks' });
    expect(tm.snapshot(s.sessionId)!.data).toContain('Read DMI tables');
  });

  it('names the run it belongs to from its first event on, so the dock can group a run\'s hosts', async () => {
    const { tm, events } = await setup();
    const s = await tm.openStepStream({ hostId: 'h1', hostLabel: 'node1', title: 'preflight', run: { runId: 'run-1', stepId: 'preflight' } });
    const mine = events.filter((e) => e.channel === 'terminal.session' && (e.payload as TerminalSession).sessionId === s.sessionId);
    expect(mine.length).toBeGreaterThan(0);
    for (const e of mine) expect((e.payload as TerminalSession).run).toEqual({ runId: 'run-1', stepId: 'preflight' });
    await s.end();
  });
});
