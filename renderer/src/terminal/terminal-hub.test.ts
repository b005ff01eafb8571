import { describe, expect, it, vi } from 'vitest';
import type { RacksideApi } from '../../../electron/contract/index.js';
import { useAppStore } from '../store/index.js';
import { ACK_SIZE_BYTES, TerminalHub, XTERM_VIEWS_IN_FLIGHT, XTERM_WRITE_BYTES } from './terminal-hub.js';
import { broadcastTargets } from './terminal-slice.js';

/** A backend stand-in: records requests, lets the test fire events and answer snapshots. */
function fakeApi() {
  const calls: [string, unknown][] = [];
  const listeners = new Map<string, (p: unknown) => void>();
  let snapshot: { data: string; seq: number; truncated: boolean } = { data: '', seq: 0, truncated: false };
  const api = new Proxy({} as Record<string, unknown>, {
    get(_t, channel: string) {
      if (channel === 'on') return (c: string, l: (p: unknown) => void) => (listeners.set(c, l), () => listeners.delete(c));
      return async (payload: unknown) => {
        calls.push([channel, payload]);
        if (channel === 'terminal.snapshot') return { ok: true, value: snapshot };
        if (channel === 'terminal.list') return { ok: true, value: { sessions: [] } };
        return { ok: true, value: {} };
      };
    },
  }) as unknown as RacksideApi;
  return {
    api,
    calls,
    emit: (c: string, p: unknown) => listeners.get(c)?.(p),
    setSnapshot: (s: typeof snapshot) => (snapshot = s),
  };
}

const data = (seq: number, text: string) => ({ sessionId: 's1', seq, data: text });
const acks = (calls: [string, unknown][]) => calls.filter(([c]) => c === 'terminal.ack').map(([, p]) => (p as { chars: number }).chars);

describe('TerminalHub', () => {
  it('acks output of hidden sessions at once, in steps of the ack size', () => {
    const f = fakeApi();
    const hub = new TerminalHub(f.api);
    hub.start();
    f.emit('terminal.data', data(1, 'x'.repeat(3000)));
    expect(acks(f.calls)).toEqual([]);
    f.emit('terminal.data', data(2, 'x'.repeat(3000)));
    expect(acks(f.calls)).toEqual([6000]);
    expect(6000).toBeGreaterThanOrEqual(ACK_SIZE_BYTES);
  });

  it('a visible pane draws the snapshot, skips events already in it, and acks only what xterm parsed', async () => {
    const f = fakeApi();
    const hub = new TerminalHub(f.api);
    hub.start();
    f.setSnapshot({ data: 'history', seq: 5, truncated: false });
    const written: (string | Uint8Array)[] = [];
    const parsed: (() => void)[] = [];
    hub.attach('s1', { write: (d, cb) => (written.push(d), parsed.push(cb)), reset: () => written.push('<reset>') });
    // Arrives while the snapshot is being fetched: it is inside the snapshot.
    f.emit('terminal.data', data(5, 'old'));
    await new Promise((r) => setTimeout(r, 0));
    f.emit('terminal.data', data(5, 'old'));
    f.emit('terminal.data', data(6, 'y'.repeat(6000)));
    expect(written).toEqual(['<reset>', 'history', 'y'.repeat(6000)]);
    expect(acks(f.calls)).toEqual([]);
    for (const cb of parsed) cb();
    expect(acks(f.calls)).toEqual([6000]);
  });

  it('writes bytes from the browser host as they are and acks the characters they stand for', async () => {
    const f = fakeApi();
    const hub = new TerminalHub(f.api);
    hub.start();
    const written: (string | Uint8Array)[] = [];
    const parsed: (() => void)[] = [];
    const tapped: [number, string | Uint8Array][] = [];
    hub.tap((_id, chars, data) => tapped.push([chars, data]));
    const arrived: [string, number, number][] = [];
    hub.tapArrivals((id, chars) => arrived.push([id, chars, written.length]));
    hub.attach('s1', { write: (d, cb) => (written.push(d), parsed.push(cb)), reset: () => {} });
    await new Promise((r) => setTimeout(r, 0));
    // The hub acks what the backend counted for the frame (`chars`), not the data's length.
    const bytes = new TextEncoder().encode('é'.repeat(5000));
    f.emit('terminal.data', { sessionId: 's1', seq: 1, data: bytes, chars: 5000 });
    expect(written).toEqual([bytes]);
    for (const cb of parsed) cb();
    expect(acks(f.calls)).toEqual([5000]);
    expect(tapped).toEqual([[5000, bytes]]);
    // Arrival is told before the chunk is written (nothing had been written then).
    expect(arrived).toEqual([['s1', 5000, 0]]);
  });
});

describe('TerminalHub with large frames', () => {
  const macrotask = () => new Promise((r) => setTimeout(r, 0));

  it('writes a frame larger than XTERM_WRITE_BYTES in views of at most that size, a few at a time, and acks it once, after the last', async () => {
    const f = fakeApi();
    const hub = new TerminalHub(f.api);
    hub.start();
    const written: Uint8Array[] = [];
    const inXterm: (() => void)[] = [];
    let writtenInCallback = 0;
    let inCallback = false;
    hub.attach('s1', {
      write: (d, cb) => {
        if (inCallback) writtenInCallback++;
        written.push(d as Uint8Array);
        inXterm.push(cb);
      },
      reset: () => {},
    });
    await macrotask();
    const frame = new TextEncoder().encode('y\r\n'.repeat(70_000)); // 210 000 bytes: 7 views
    const views = Math.ceil(frame.length / XTERM_WRITE_BYTES);
    f.emit('terminal.data', { sessionId: 's1', seq: 1, data: frame, chars: frame.length });
    // xterm is handed XTERM_VIEWS_IN_FLIGHT views; each parsed one makes room for the next.
    expect(written.length).toBe(XTERM_VIEWS_IN_FLIGHT);
    for (let rounds = 0; inXterm.length > 0 && rounds < 100; rounds++) {
      expect(inXterm.length).toBeLessThanOrEqual(XTERM_VIEWS_IN_FLIGHT);
      if (written.length < views) expect(acks(f.calls)).toEqual([]);
      inCallback = true;
      inXterm.shift()!();
      inCallback = false;
      await macrotask();
    }
    // Never from inside xterm's callback (xterm would continue its queue with clamped timers).
    expect(writtenInCallback).toBe(0);
    expect(written.length).toBe(views);
    expect(written.every((w) => w.length <= XTERM_WRITE_BYTES && w.buffer === frame.buffer)).toBe(true);
    const joined = new Uint8Array(frame.length);
    written.reduce((off, w) => (joined.set(w, off), off + w.length), 0);
    expect(joined).toEqual(frame);
    expect(acks(f.calls)).toEqual([frame.length]);
  });

  it('refills xterm with one message however many views it parsed in one go', async () => {
    const f = fakeApi();
    const hub = new TerminalHub(f.api);
    hub.start();
    const inXterm: (() => void)[] = [];
    hub.attach('s1', { write: (_d, cb) => inXterm.push(cb), reset: () => {} });
    await macrotask();
    // Counts the hub's messages to itself (and passes them on).
    const post = vi.spyOn(MessagePort.prototype, 'postMessage');
    try {
      f.emit('terminal.data', { sessionId: 's1', seq: 1, data: new Uint8Array(6 * XTERM_WRITE_BYTES), chars: 6 * XTERM_WRITE_BYTES });
      // xterm parses both views it holds in one loop: one message brings the next two.
      for (const cb of inXterm.splice(0)) cb();
      expect(post).toHaveBeenCalledTimes(1);
      await macrotask();
      expect(inXterm.length).toBe(XTERM_VIEWS_IN_FLIGHT);
    } finally {
      post.mockRestore();
    }
  });

  it('drops what it had not handed to xterm when the pane is hidden, and hands nothing more to it', async () => {
    const f = fakeApi();
    const hub = new TerminalHub(f.api);
    hub.start();
    const written: Uint8Array[] = [];
    const inXterm: (() => void)[] = [];
    const detach = hub.attach('s1', { write: (d, cb) => (written.push(d as Uint8Array), inXterm.push(cb)), reset: () => {} });
    await macrotask();
    const frame = new Uint8Array(5 * XTERM_WRITE_BYTES).fill(0x79);
    f.emit('terminal.data', { sessionId: 's1', seq: 1, data: frame, chars: frame.length });
    expect(written.length).toBe(XTERM_VIEWS_IN_FLIGHT);
    detach();
    for (const cb of inXterm.splice(0)) cb();
    await macrotask();
    expect(written.length).toBe(XTERM_VIEWS_IN_FLIGHT);
  });
});

describe('broadcast targets', () => {
  it('are the open interactive shells not excluded', () => {
    const s = useAppStore.getState();
    const base = { hostId: 'h', title: 't', transcript: null, interactive: true };
    s.upsertSession({ ...base, sessionId: 'a', kind: 'ssh', state: 'open' });
    s.upsertSession({ ...base, sessionId: 'b', kind: 'ssh', state: 'open' });
    s.upsertSession({ ...base, sessionId: 'c', kind: 'step', state: 'open', interactive: false });
    s.upsertSession({ ...base, sessionId: 'd', kind: 'local', state: 'exited' });
    s.setBroadcastExcluded('b', true);
    expect(broadcastTargets(useAppStore.getState())).toEqual(['a']);
    useAppStore.getState().removeSession('b');
    expect(useAppStore.getState().broadcastExcluded).toEqual({});
  });
});
