import { describe, expect, it, vi } from 'vitest';
import { EVENT_CHANNELS, ipcName, REQUEST_CHANNELS } from '../contract/index.js';
import { createBridge, type BridgeIpc } from './bridge.js';

/**
 * Mock of ipcRenderer at createBridge's seam: no Electron runtime exists on our machines. It
 * records every call so the tests can prove that a refused channel never reaches IPC.
 */
function fakeIpcRenderer() {
  const listeners = new Map<string, ((...args: unknown[]) => void)[]>();
  const ipc = {
    invoke: vi.fn(async (_channel: string, ..._args: unknown[]) => ({ ok: true, value: 'from-main' })),
    on: vi.fn((channel: string, l: (...args: unknown[]) => void) => {
      listeners.set(channel, [...(listeners.get(channel) ?? []), l]);
      return ipc;
    }),
    removeListener: vi.fn((channel: string, l: (...args: unknown[]) => void) => {
      listeners.set(channel, (listeners.get(channel) ?? []).filter((x) => x !== l));
      return ipc;
    }),
    fire: (channel: string, event: unknown, payload: unknown) => {
      for (const l of listeners.get(channel) ?? []) l(event, payload);
    },
    count: (channel: string) => (listeners.get(channel) ?? []).length,
  };
  return ipc;
}

const bridgeWith = () => {
  const ipc = fakeIpcRenderer();
  return { ipc, bridge: createBridge(ipc as unknown as BridgeIpc) };
};

describe('preload bridge: invoke', () => {
  it.each(REQUEST_CHANNELS)('forwards %s to its namespaced IPC channel', async (channel) => {
    const { ipc, bridge } = bridgeWith();
    await expect(bridge.invoke(channel, { a: 1 })).resolves.toEqual({ ok: true, value: 'from-main' });
    expect(ipc.invoke).toHaveBeenCalledWith(ipcName(channel), { a: 1 });
  });

  it.each(['shell.exec', 'rackside:app.info', '__proto__', 'constructor', 'toString', '', 42, null])(
    'returns an unknown-channel error for %j and never calls ipcRenderer',
    async (channel) => {
      const { ipc, bridge } = bridgeWith();
      const result = await bridge.invoke(channel as never, {});
      expect(result.ok).toBe(false);
      expect(!result.ok && result.error.code).toBe('unknown-channel');
      expect(ipc.invoke).not.toHaveBeenCalled();
    },
  );

  it('exposes exactly invoke and subscribe, and no ipcRenderer', () => {
    const { ipc, bridge } = bridgeWith();
    expect(Object.keys(bridge).sort()).toEqual(['invoke', 'subscribe']);
    expect(Object.values(bridge)).not.toContain(ipc);
  });
});

describe('preload bridge: subscribe', () => {
  it.each(EVENT_CHANNELS)('delivers only the payload of %s, never the IpcRendererEvent', (channel) => {
    const { ipc, bridge } = bridgeWith();
    const listener = vi.fn();
    bridge.subscribe(channel, listener);
    const event = { sender: ipc, senderId: 0, ports: [] };
    ipc.fire(ipcName(channel), event, { hostId: 'h1' });
    expect(listener).toHaveBeenCalledTimes(1);
    expect(listener.mock.calls[0]).toEqual([{ hostId: 'h1' }]);
  });

  it('returns an idempotent unsubscribe that removes the listener', () => {
    const { ipc, bridge } = bridgeWith();
    const channel = EVENT_CHANNELS[0]!;
    const listener = vi.fn();
    const off = bridge.subscribe(channel, listener);
    const other = bridge.subscribe(channel, vi.fn());
    off();
    off();
    ipc.fire(ipcName(channel), {}, 1);
    expect(listener).not.toHaveBeenCalled();
    expect(ipc.count(ipcName(channel))).toBe(1);
    other();
    expect(ipc.count(ipcName(channel))).toBe(0);
  });

  it.each(['app.info', 'anything', '__proto__'])('refuses to subscribe to %s and never calls ipcRenderer', (channel) => {
    const { ipc, bridge } = bridgeWith();
    expect(() => bridge.subscribe(channel as never, vi.fn())).toThrow(TypeError);
    expect(ipc.on).not.toHaveBeenCalled();
  });
});
