import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_REQUEST_BYTES } from '../../../electron/contract/index.js';
import { BACKEND_RESTARTED, LOST_CONNECTION, WsTransport, type SocketLike } from './ws-transport.js';

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: unknown[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code });
  }
  receive(msg: unknown) {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
}

/** Manual clock: timers run only when the test says so. */
function fakeTimers() {
  let next = 1;
  const timers = new Map<number, { fn: () => void; ms: number }>();
  return {
    timers,
    setTimer: (fn: () => void, ms: number) => {
      const id = next++;
      timers.set(id, { fn, ms });
      return id;
    },
    clearTimer: (h: unknown) => void timers.delete(h as number),
    /** Runs (and removes) every pending timer whose delay is ≤ ms; returns the delays run. */
    run(ms = Infinity) {
      const ran: number[] = [];
      for (const [id, t] of [...timers]) {
        if (t.ms <= ms) {
          timers.delete(id);
          ran.push(t.ms);
          t.fn();
        }
      }
      return ran;
    },
  };
}

function setup(queueTimeoutMs = 15_000, checkToken?: () => Promise<'current' | 'stale' | 'unreachable'>) {
  const sockets: FakeSocket[] = [];
  const clock = fakeTimers();
  const transport = new WsTransport({
    url: 'ws://127.0.0.1:1234/api?token=abc',
    createSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    initialBackoffMs: 100,
    maxBackoffMs: 1000,
    queueTimeoutMs,
    setTimer: clock.setTimer,
    clearTimer: clock.clearTimer,
    checkToken,
  });
  const states: string[] = [];
  transport.onStateChange((s) => states.push(s));
  const last = () => sockets[sockets.length - 1]!;
  return { transport, sockets, clock, states, last };
}

describe('WsTransport', () => {
  // These tests feed bad frames on purpose; the client logs them with console.error.
  beforeEach(() => void vi.spyOn(console, 'error').mockImplementation(() => {}));
  afterEach(() => vi.restoreAllMocks());

  it('queues requests until the socket opens, then matches replies by id', async () => {
    const { transport, last } = setup();
    expect(transport.state).toBe('connecting');
    const p1 = transport.invoke('app.info', {});
    const p2 = transport.invoke('secrets.status', { hostIds: ['a'] });
    expect(last().sent).toEqual([]);
    last().open();
    expect(transport.state).toBe('open');
    expect(last().sent).toEqual([
      { kind: 'req', id: 1, channel: 'app.info', payload: {} },
      { kind: 'req', id: 2, channel: 'secrets.status', payload: { hostIds: ['a'] } },
    ]);
    last().receive({ kind: 'res', id: 2, result: { ok: true, value: { password: ['a'], passphrase: [] } } });
    last().receive({ kind: 'res', id: 1, result: { ok: false, error: { code: 'internal', message: 'x' } } });
    await expect(p2).resolves.toEqual({ ok: true, value: { password: ['a'], passphrase: [] } });
    await expect(p1).resolves.toEqual({ ok: false, error: { code: 'internal', message: 'x' } });
  });

  it('sends immediately while open', () => {
    const { transport, last } = setup();
    last().open();
    void transport.invoke('app.info', {});
    expect(last().sent).toHaveLength(1);
  });

  it('fails in-flight requests with io-failed when the socket drops, and reconnects with backoff', async () => {
    const { transport, sockets, clock, states, last } = setup();
    last().open();
    const pending = transport.invoke('ssh.testConnections', { hosts: [] });
    last().drop();
    await expect(pending).resolves.toEqual({ ok: false, error: LOST_CONNECTION });
    expect(transport.state).toBe('closed');

    // Backoff doubles per failed attempt and is capped.
    expect(clock.run()).toEqual([100]);
    expect(sockets).toHaveLength(2);
    expect(transport.state).toBe('connecting');
    last().drop();
    expect(clock.run()).toEqual([200]);
    last().drop();
    expect(clock.run()).toEqual([400]);
    last().drop();
    expect(clock.run()).toEqual([800]);
    last().drop();
    expect(clock.run()).toEqual([1000]);
    last().open();
    expect(transport.state).toBe('open');
    // A successful open resets the backoff.
    last().drop();
    expect(clock.run()).toEqual([100]);
    expect(states.slice(0, 3)).toEqual(['open', 'closed', 'connecting']);
  });

  it('requests made while disconnected wait for the reconnect', async () => {
    const { transport, clock, last } = setup();
    last().open();
    last().drop();
    const p = transport.invoke('app.info', {});
    clock.run(100);
    last().open();
    expect(last().sent).toEqual([{ kind: 'req', id: 1, channel: 'app.info', payload: {} }]);
    last().receive({ kind: 'res', id: 1, result: { ok: true, value: 42 } });
    await expect(p).resolves.toEqual({ ok: true, value: 42 });
  });

  it('a queued request gives up after the queue timeout instead of hanging', async () => {
    const { transport, clock } = setup(5000);
    const p = transport.invoke('app.info', {});
    clock.run(5000);
    const r = await p;
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('io-failed');
  });

  it('delivers events to subscribers of that channel only, until unsubscribed', () => {
    const { transport, last } = setup();
    last().open();
    const got: unknown[] = [];
    const off = transport.subscribe('ssh.connectionResult', (p) => got.push(p));
    last().receive({ kind: 'event', channel: 'ssh.connectionResult', payload: { hostId: 'a' } });
    last().receive({ kind: 'event', channel: 'something.else', payload: 1 });
    off();
    last().receive({ kind: 'event', channel: 'ssh.connectionResult', payload: { hostId: 'b' } });
    expect(got).toEqual([{ hostId: 'a' }]);
  });

  it('decodes binary event frames (terminal output) into a payload whose data is the bytes', () => {
    const { transport, last } = setup();
    last().open();
    const got: unknown[] = [];
    transport.subscribe('terminal.data', (p) => got.push(p));
    // The browser host's layout (electron/host/server.ts): kind 1, u32 header length, header JSON, data.
    const header = new TextEncoder().encode(JSON.stringify({ kind: 'event', channel: 'terminal.data', payload: { sessionId: 's', seq: 3, chars: 2 } }));
    const body = new TextEncoder().encode('é\n');
    const frame = new Uint8Array(5 + header.length + body.length);
    frame[0] = 1;
    new DataView(frame.buffer).setUint32(1, header.length);
    frame.set(header, 5);
    frame.set(body, 5 + header.length);
    last().onmessage?.({ data: frame.buffer });
    expect(got).toEqual([{ sessionId: 's', seq: 3, chars: 2, data: body }]);
    // Anything else binary is dropped (and logged), not delivered.
    last().onmessage?.({ data: new Uint8Array([9, 0, 0, 0, 0]).buffer });
    expect(got).toHaveLength(1);
  });

  it('turns a malformed reply into an internal error rather than passing it on', async () => {
    const { transport, last } = setup();
    last().open();
    const p = transport.invoke('app.info', {});
    last().receive({ kind: 'res', id: 1, result: 'nope' });
    const r = await p;
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('internal');
  });

  it('dispose fails everything outstanding and stops reconnecting', async () => {
    const { transport, clock, sockets, last } = setup();
    const queued = transport.invoke('app.info', {});
    transport.dispose();
    expect((await queued).ok).toBe(false);
    clock.run();
    expect(sockets).toHaveLength(1);
    expect(last().readyState).toBe(3);
  });

  it('refuses a request over the size limit locally with the sizes, without sending it', async () => {
    const { transport, last } = setup();
    last().open();
    const text = '#'.repeat(MAX_REQUEST_BYTES + 512 * 1024);
    const r = await transport.invoke('inventory.parse', { fileName: 'big.yaml', text });
    expect(r).toMatchObject({ ok: false, error: { code: 'too-large', reason: 'request-too-large', params: { sizeMb: '8.5', limitMb: '8' } } });
    expect(last().sent).toEqual([]);
    expect(transport.state).toBe('open');
  });

  it('fails the request the backend closed the socket over (1009) with the too-large error, others as lost', async () => {
    const { transport, last } = setup();
    last().open();
    const small = transport.invoke('app.info', {});
    const big = transport.invoke('inventory.parse', { fileName: 'a.yaml', text: '#'.repeat(2 * 1024 * 1024) });
    last().drop(1009);
    expect(await small).toEqual({ ok: false, error: LOST_CONNECTION });
    expect(await big).toMatchObject({ ok: false, error: { code: 'too-large', reason: 'request-too-large', params: { sizeMb: '2' } } });
  });

  it('after a failed reconnect asks whether its token is still current: a stale one stops the retries and says so', async () => {
    let answer: 'current' | 'stale' | 'unreachable' = 'unreachable';
    const asked: number[] = [];
    const { transport, sockets, clock, states, last } = setup(15_000, async () => {
      asked.push(sockets.length);
      return answer;
    });
    last().open();
    last().drop(); // the backend went away
    const flush = () => new Promise((r) => setTimeout(r, 0));
    clock.run();
    last().drop(); // not running yet: keep retrying, and say nothing answers
    await flush();
    expect(transport.state).toBe('unreachable');
    expect(asked).toEqual([2]);
    clock.run();
    expect(transport.state).toBe('unreachable'); // a new attempt does not hide it
    last().drop();
    await flush();
    expect(asked).toEqual([2, 3]);
    answer = 'stale'; // restarted with a new token: the next attempt is refused
    clock.run();
    const queued = transport.invoke('app.info', {});
    last().drop();
    await flush();
    expect(transport.state).toBe('stale');
    expect(states.at(-1)).toBe('stale');
    expect(await queued).toEqual({ ok: false, error: BACKEND_RESTARTED });
    expect(await transport.invoke('app.info', {})).toEqual({ ok: false, error: BACKEND_RESTARTED });
    const count = sockets.length;
    clock.run();
    expect(sockets).toHaveLength(count);
  });
});
