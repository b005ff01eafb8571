import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lab, trustLabHostKeys, type LabStatus } from '../../../scripts/test-support/lab.js';
import type { Host } from '../../contract/index.js';
import { createLogger } from '../log/logger.js';
import { MemorySecretStore } from '../secrets/secret-store.js';
import { KnownHosts } from '../ssh/known-hosts.js';
import { SshPool } from '../ssh/pool.js';
import { TerminalManager } from './terminal-manager.js';

// SSH PTY shells against the lab's real sshd: flow control, Ctrl-C, resize, redacted transcript.
let status: LabStatus;
let dataDir: string;
let pool: SshPool;
let tm: TerminalManager;
const events: { channel: string; payload: { sessionId?: string; data?: string } }[] = [];
const secrets = new MemorySecretStore();
// The lab's real password, stored as this host's secret: it must never reach a transcript.
const node1 = (): Host => ({ id: 'n1', name: 'node1', address: status.nodes[0]!.address, port: 22, user: 'root', role: 'master', auth: { method: 'password' } });

const output = (id: string) =>
  events.filter((e) => e.channel === 'terminal.data' && e.payload.sessionId === id).map((e) => e.payload.data).join('');
async function until(check: () => boolean, ms = 15_000) {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

beforeAll(async () => {
  status = await lab.status();
  dataDir = await mkdtemp(join(tmpdir(), 'rs-term-lab-'));
  await trustLabHostKeys(dataDir, [1]);
  secrets.set('n1', 'password', status.password);
  pool = new SshPool({ knownHosts: new KnownHosts(dataDir), secrets });
  tm = new TerminalManager({
    emit: (channel, payload) => events.push({ channel, payload: payload as never }),
    pool,
    secrets,
    dataDir,
    log: createLogger(() => {}),
  });
});

afterAll(async () => {
  await tm?.closeAll();
  pool?.closeAll();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('TerminalManager over SSH', () => {
  it('resizes the remote PTY, stops `yes` on Ctrl-C while the renderer lags, and redacts the transcript', async () => {
    const r = await tm.openShell(node1(), { cols: 100, rows: 30 });
    if (!r.ok) throw new Error(r.error.message);
    const id = r.value.sessionId;
    await until(() => /# $/.test(output(id)));

    tm.input([id], "printf 'SIZE=%s\\n' \"$(stty size)\"\r");
    await until(() => output(id).includes('SIZE=30 100'));
    expect(tm.resize(id, 132, 43)).toBe(true);
    tm.input([id], "printf 'SIZE=%s\\n' \"$(stty size)\"\r");
    await until(() => output(id).includes('SIZE=43 132'));

    // A renderer that acks slowly (~4 MB/s), as xterm does here. It keeps acking what it was sent
    // until the session closes, as xterm's write callbacks do: a renderer that stopped acking
    // would (rightly) keep the producer paused.
    const acker = setInterval(() => tm.ack(id, 60_000), 15);
    tm.input([id], 'yes\r');
    await until(() => output(id).length > 2_000_000);
    tm.input([id], '\x03');
    // Back at the prompt after the ^C echo (the "not shown" notice may come before or after the echo).
    await until(() => {
      const o = output(id);
      const i = o.lastIndexOf('^C');
      return i >= 0 && /# $/.test(o.slice(i));
    }, 20_000);
    expect(output(id)).toContain('bytes of output queued before it not shown');

    tm.input([id], `echo "secret is ${status.password}"\r`);
    await until(() => output(id).includes(`secret is ${status.password}`));
    clearInterval(acker);
    // Resolves once the transcript, plain copy included, is complete.
    await tm.closeAll();
    const log = await readFile(r.value.transcript!.log, 'utf8');
    const txt = await readFile(r.value.transcript!.txt, 'utf8');
    expect(r.value.transcript!.log).toMatch(/logs\/node1\/.*-shell\.log$/);
    for (const t of [log, txt]) {
      expect(t).toContain('secret is [redacted]');
      expect(t).not.toContain(status.password);
      // Output skipped on screen after Ctrl-C is still in the transcript.
      expect(t.split('y\n').length + t.split('y\r\n').length).toBeGreaterThan(500_000);
    }
  });
});
