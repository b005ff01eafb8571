import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_REQUEST_BYTES, REQUEST_CHANNELS, type Result, type Transport } from '../../../electron/contract/index.js';
import { electronTransport, makeApi } from './client.js';

function fakeTransport(reply: (channel: string, payload: unknown) => Result<unknown>) {
  const calls: [string, unknown][] = [];
  const listeners = new Map<string, (p: unknown) => void>();
  const transport: Transport = {
    invoke: async (channel, payload) => {
      calls.push([channel, payload]);
      return reply(channel, payload);
    },
    subscribe: (channel, listener) => {
      listeners.set(channel, listener);
      return () => listeners.delete(channel);
    },
  };
  return { transport, calls, listeners };
}

describe('makeApi', () => {
  // These tests feed bad frames on purpose; the client logs them with console.error.
  beforeEach(() => void vi.spyOn(console, 'error').mockImplementation(() => {}));
  afterEach(() => vi.restoreAllMocks());

  it('has a method for every request channel of the contract', () => {
    const api = makeApi(fakeTransport(() => ({ ok: true, value: {} })).transport) as unknown as Record<string, unknown>;
    for (const c of REQUEST_CHANNELS) expect(typeof api[c]).toBe('function');
  });

  it('forwards channel and payload and returns the validated reply', async () => {
    const { transport, calls } = fakeTransport(() => ({
      ok: true,
      value: { version: '1', transport: 'browser', dataDir: '/d', platform: 'linux', extra: 1 },
    }));
    const r = await makeApi(transport)['app.info']({});
    expect(calls).toEqual([['app.info', {}]]);
    expect(r).toEqual({ ok: true, value: { version: '1', transport: 'browser', dataDir: '/d', platform: 'linux' } });
  });

  it('reports a reply that does not match the contract as an internal error', async () => {
    const { transport } = fakeTransport(() => ({ ok: true, value: { version: 1 } }));
    const r = await makeApi(transport)['app.info']({});
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('internal');
  });

  it('passes error Results through unchanged', async () => {
    const error = { code: 'not-found' as const, message: 'no', hint: 'h' };
    const { transport } = fakeTransport(() => ({ ok: false, error }));
    expect(await makeApi(transport)['project.open']({ dir: '/x' })).toEqual({ ok: false, error });
  });

  it('delivers only events that match the contract', () => {
    const { transport, listeners } = fakeTransport(() => ({ ok: true, value: {} }));
    const got: unknown[] = [];
    makeApi(transport).on('ssh.connectionResult', (r) => got.push(r.hostId));
    const emit = listeners.get('ssh.connectionResult')!;
    emit({ hostId: 'h1', address: 'a', port: 22, status: 'ok', message: '', durationMs: 5 });
    emit({ hostId: 'h2', status: 'bogus' });
    expect(got).toEqual(['h1']);
  });
});

describe('electronTransport', () => {
  it('refuses a request over the size limit in the page with the too-large answer, without calling the bridge', async () => {
    const { transport, calls } = fakeTransport(() => ({ ok: true, value: {} }));
    const electron = electronTransport(transport);
    const r = await electron.invoke('inventory.parse', { fileName: 'big.yaml', text: '#'.repeat(MAX_REQUEST_BYTES + 512 * 1024) });
    expect(r).toMatchObject({ ok: false, error: { code: 'too-large', reason: 'request-too-large', params: { sizeMb: '8.5', limitMb: '8' } } });
    expect(calls).toEqual([]);
    expect(await electron.invoke('app.info', {})).toEqual({ ok: true, value: {} });
  });
});
