import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createLogger } from '../services/log/logger.js';
import { MemorySecretStore } from '../services/secrets/secret-store.js';
import { joinWithHeadroom } from '../contract/event-frame.js';
import { BINARY_EVENT_KIND, binaryEventFrame, startHostServer, type HostServer } from './server.js';

let server: HostServer;
const logLines: string[] = [];

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rs-host-'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>Rackside</title>');
  server = await startHostServer({
    port: 0,
    dataDir: join(dir, 'data'),
    staticDir: dir,
    version: '0.0.0-test',
    secrets: new MemorySecretStore(),
    log: createLogger((l) => logLines.push(l)),
  });
});
afterAll(() => server.close());

/** Open a WebSocket and report whether the server let it in and what data, if any, arrived. */
function attempt(url: string, origin: string | undefined) {
  return new Promise<{ opened: boolean; status?: number; messages: string[] }>((resolve) => {
    const ws = new WebSocket(url, origin ? { origin } : {});
    const messages: string[] = [];
    ws.on('message', (m) => messages.push(m.toString()));
    ws.on('open', () => {
      ws.send(JSON.stringify({ kind: 'req', id: 1, channel: 'app.info', payload: {} }));
      setTimeout(() => {
        ws.close();
        resolve({ opened: true, messages });
      }, 200);
    });
    ws.on('unexpected-response', (_req, res) => resolve({ opened: false, status: res.statusCode, messages }));
    ws.on('error', () => resolve({ opened: false, messages }));
  });
}

describe('browser host WebSocket', () => {
  const wsUrl = (token?: string) => `ws://127.0.0.1:${server.port}/api${token === undefined ? '' : `?token=${token}`}`;
  const origin = () => `http://127.0.0.1:${server.port}`;

  it('refuses a connection without the token, and sends no data', async () => {
    const r = await attempt(wsUrl(), origin());
    expect(r).toEqual({ opened: false, status: 403, messages: [] });
    expect(logLines.some((l) => l.includes('bad or missing token'))).toBe(true);
  });

  it('refuses a wrong token of the right length', async () => {
    const wrong = server.token.replace(/./, (c) => (c === 'A' ? 'B' : 'A'));
    expect((await attempt(wsUrl(wrong), origin())).status).toBe(403);
  });

  it('refuses the right token from a foreign Origin, and with no Origin', async () => {
    expect(await attempt(wsUrl(server.token), 'http://evil.example')).toEqual({ opened: false, status: 403, messages: [] });
    expect((await attempt(wsUrl(server.token), undefined)).status).toBe(403);
    expect(logLines.some((l) => l.includes('foreign origin http://evil.example'))).toBe(true);
  });

  it('accepts the token from its own origin and answers with a Result', async () => {
    const r = await attempt(wsUrl(server.token), origin());
    expect(r.opened).toBe(true);
    const res = JSON.parse(r.messages[0]!);
    expect(res).toMatchObject({ kind: 'res', id: 1, result: { ok: true, value: { transport: 'browser', version: '0.0.0-test' } } });
  });

  it('answers invalid payloads and unknown channels with error Results, never a thrown error', async () => {
    const ws = new WebSocket(wsUrl(server.token), { origin: origin() });
    await new Promise((r) => ws.once('open', r));
    const replies: Record<number, { result: { ok: boolean; error?: { code: string } } }> = {};
    const done = new Promise<void>((resolve) =>
      ws.on('message', (m) => {
        const f = JSON.parse(m.toString());
        replies[f.id] = f;
        if (Object.keys(replies).length === 2) resolve();
      }),
    );
    ws.send(JSON.stringify({ kind: 'req', id: 1, channel: 'project.open', payload: { dir: 42 } }));
    ws.send(JSON.stringify({ kind: 'req', id: 2, channel: 'fs.readEverything', payload: {} }));
    await done;
    ws.close();
    expect(replies[1]!.result).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    expect(replies[2]!.result).toMatchObject({ ok: false, error: { code: 'unknown-channel' } });
  });

  it('serves the UI only for its own Host header and never outside its folder', async () => {
    const base = `http://127.0.0.1:${server.port}`;
    expect((await fetch(`${base}/`)).status).toBe(200);
    expect((await fetch(`${base}/`)).headers.get('content-security-policy')).toContain("default-src 'self'");
    expect((await fetch(`${base}/%2e%2e/%2e%2e/etc/passwd`)).status).toBe(404);
    const rebinding = await new Promise<number>((resolve) => {
      import('node:http').then(({ get }) =>
        get({ host: '127.0.0.1', port: server.port, path: '/', headers: { host: 'attacker.example' } }, (res) => resolve(res.statusCode!)),
      );
    });
    expect(rebinding).toBe(421);
  });
});

describe('binary event frames', () => {
  it('carry the payload without data as a JSON header, chars added, then the data as UTF-8', () => {
    const frame = binaryEventFrame('terminal.data', { sessionId: 's', seq: 7, data: 'é\r\n' } as { data: unknown });
    expect(frame[0]).toBe(BINARY_EVENT_KIND);
    const n = frame.readUInt32BE(1);
    expect(JSON.parse(frame.subarray(5, 5 + n).toString('utf8'))).toEqual({
      kind: 'event',
      channel: 'terminal.data',
      payload: { sessionId: 's', seq: 7, chars: 3 },
    });
    expect(frame.subarray(5 + n).toString('utf8')).toBe('é\r\n');
  });

  it('frame a terminal batch in the room in front of it, without copying it, and only once', () => {
    const payload = (data: Uint8Array) => ({ sessionId: 's', seq: 8, data, chars: data.length }) as { data: unknown };
    const batch = joinWithHeadroom([Buffer.from('abc'), Buffer.from('é\r\n')], 7, Buffer.allocUnsafeSlow);
    const copied = binaryEventFrame('terminal.data', payload(Buffer.from(batch)));
    const inPlace = binaryEventFrame('terminal.data', payload(batch));
    expect(inPlace.equals(copied)).toBe(true);
    expect(inPlace.buffer).toBe(batch.buffer);
    // Framed again (it never is): a copy, so the first frame's header is not overwritten.
    const again = binaryEventFrame('terminal.data', { sessionId: 's', seq: 9, data: batch, chars: batch.length } as { data: unknown });
    expect(again.buffer).not.toBe(batch.buffer);
    expect(inPlace.equals(copied)).toBe(true); // the first frame, maybe still queued, is untouched
    expect(again.subarray(again.length - 7).equals(batch)).toBe(true);
  });
});

describe('browser host shutdown', () => {
  it('closes open shells and completes their transcripts before close() resolves', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rs-host-'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>Rackside</title>');
    const host = await startHostServer({
      port: 0,
      dataDir: join(dir, 'data'),
      staticDir: dir,
      version: '0.0.0-test',
      secrets: new MemorySecretStore(),
      log: createLogger(() => {}),
    });
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api?token=${host.token}`, { origin: `http://127.0.0.1:${host.port}` });
    await new Promise((r) => ws.once('open', r));
    let output = '';
    const replies = new Map<number, { ok: boolean; value?: { sessionId: string; transcript: { txt: string } } }>();
    ws.on('message', (m, binary) => {
      if (binary) {
        const b = m as Buffer;
        const n = b.readUInt32BE(1);
        const head = JSON.parse(b.subarray(5, 5 + n).toString('utf8')) as { channel: string; payload: { chars: number } };
        expect(head.channel).toBe('terminal.data');
        expect(head.payload.chars).toBe(b.length - 5 - n);
        output += b.subarray(5 + n).toString('utf8');
      }
      else {
        const f = JSON.parse(m.toString());
        if (f.kind === 'res') replies.set(f.id, f.result);
      }
    });
    const until = async (check: () => boolean) => {
      for (let i = 0; !check(); i++) {
        if (i > 500) throw new Error('timed out');
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    ws.send(JSON.stringify({ kind: 'req', id: 1, channel: 'terminal.open', payload: { target: { kind: 'local' }, cols: 80, rows: 24 } }));
    await until(() => replies.has(1));
    const session = replies.get(1)!.value!;
    ws.send(JSON.stringify({ kind: 'req', id: 2, channel: 'terminal.input', payload: { sessionIds: [session.sessionId], data: 'echo rs-shutdown-$((6*7))\r' } }));
    await until(() => output.includes('rs-shutdown-42'));

    await host.close();
    // Nothing waited for the session to end: close() did, plain copy and footer included.
    const txt = await readFile(session.transcript.txt, 'utf8');
    expect(txt).toContain('rs-shutdown-42');
    expect(txt).toMatch(/# Closed, \d{4}-/);
  });
});

describe('browser host message size limits', () => {
  const open = async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`, { origin: `http://127.0.0.1:${server.port}` });
    await new Promise((r, j) => {
      ws.once('open', r);
      ws.once('error', j);
    });
    return ws;
  };
  const reply = (ws: WebSocket, id: number) =>
    new Promise<{ ok: boolean; value?: unknown; error?: Record<string, unknown> }>((resolve) => {
      const on = (m: Buffer, binary: boolean) => {
        if (binary) return;
        const f = JSON.parse(m.toString());
        if (f.kind === 'res' && f.id === id) {
          ws.off('message', on);
          resolve(f.result);
        }
      };
      ws.on('message', on);
    });
  // A valid inventory.parse request whose JSON is `bytes` long, give or take a few bytes.
  const bigParse = (id: number, bytes: number) =>
    JSON.stringify({ kind: 'req', id, channel: 'inventory.parse', payload: { fileName: 'big.yaml', text: '#'.repeat(bytes) } });

  it('answers a request over the app limit with a too-large Result carrying the sizes, and keeps the connection', async () => {
    const ws = await open();
    const answered = reply(ws, 7);
    ws.send(bigParse(7, 9.4 * 1024 * 1024));
    const r = await answered;
    expect(r).toMatchObject({ ok: false, error: { code: 'too-large', reason: 'request-too-large', params: { sizeMb: '9.4', limitMb: '8' } } });
    expect(r.error!.message).toContain('9.4 MB, the limit is 8 MB');
    // Same connection, next request: still served.
    const next = reply(ws, 8);
    ws.send(JSON.stringify({ kind: 'req', id: 8, channel: 'app.info', payload: {} }));
    expect(await next).toMatchObject({ ok: true, value: { transport: 'browser' } });
    ws.close();
  });

  it('closes only the socket of a message over the hard cap (1009), logs it, and serves the next connection', async () => {
    const ws = await open();
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.on('error', () => {}); // the client side may see the reset too
    ws.send(bigParse(9, 40 * 1024 * 1024));
    expect(await closed).toBe(1009);
    const again = await open();
    const answered = reply(again, 1);
    again.send(JSON.stringify({ kind: 'req', id: 1, channel: 'app.info', payload: {} }));
    expect(await answered).toMatchObject({ ok: true });
    again.close();
    expect(logLines.some((l) => l.includes('WebSocket error'))).toBe(true);
  });
});

describe('browser host socket errors', () => {
  it('answers a malformed HTTP request with 400, logs it, and keeps serving', async () => {
    const { connect } = await import('node:net');
    const reply = await new Promise<string>((resolve) => {
      const sock = connect(server.port, '127.0.0.1', () => sock.write('NOT HTTP AT ALL\r\n\r\n'));
      let got = '';
      sock.on('data', (d) => (got += d.toString()));
      sock.on('close', () => resolve(got));
      sock.on('error', () => resolve(got));
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
    expect(logLines.some((l) => l.includes('HTTP client error'))).toBe(true);
    expect((await fetch(`http://127.0.0.1:${server.port}/`)).status).toBe(200);
  });
});

describe('browser host token status', () => {
  it('says whether a token is current, only for its own Host header, and never what the token is', async () => {
    const base = `http://127.0.0.1:${server.port}/api/token-status`;
    const current = await fetch(`${base}?token=${server.token}`);
    expect(current.headers.get('access-control-allow-origin')).toBeNull();
    expect(await current.json()).toEqual({ current: true });
    expect(await (await fetch(`${base}?token=stale-token`)).json()).toEqual({ current: false });
    expect(await (await fetch(base)).json()).toEqual({ current: false });
    const rebinding = await new Promise<number>((resolve) => {
      import('node:http').then(({ get }) =>
        get({ host: '127.0.0.1', port: server.port, path: `/api/token-status?token=${server.token}`, headers: { host: 'attacker.example' } }, (res) => resolve(res.statusCode!)),
      );
    });
    expect(rebinding).toBe(421);
  });
});
