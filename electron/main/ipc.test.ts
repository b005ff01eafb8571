import type { IpcMainInvokeEvent } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { ipcName, MAX_REQUEST_BYTES, ok, REQUEST_CHANNELS, type Result } from '../contract/index.js';
import { createEmitter, wireIpc } from './ipc.js';
import { FakeWebContents, FakeWebFrame, silentLog } from './test-fakes/fake-electron.js';

type Handler = (event: IpcMainInvokeEvent, payload: unknown) => Promise<Result<unknown>>;

/** Mock of ipcMain at its seam (no Electron runtime here): records handlers so tests can call them. */
class FakeIpcMain {
  readonly handlers = new Map<string, Handler>();
  handle(channel: string, handler: Handler) {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, handler);
  }
  removeHandler(channel: string) {
    this.handlers.delete(channel);
  }
}

const setup = () => {
  const ipc = new FakeIpcMain();
  const contents = new FakeWebContents();
  const dispatch = vi.fn(async (_channel: unknown, _payload: unknown): Promise<Result<unknown>> => ok({ fine: true }));
  const log = silentLog();
  const undo = wireIpc(ipc as never, { dispatch, getMainContents: () => contents.asWebContents(), log });
  const call = (channel: string, frame: FakeWebFrame | null, payload: unknown = {}) =>
    ipc.handlers.get(ipcName(channel as never))!({ senderFrame: frame } as unknown as IpcMainInvokeEvent, payload);
  return { ipc, contents, dispatch, log, undo, call };
};

describe('wireIpc', () => {
  it('registers exactly one namespaced handler per contract request channel', () => {
    const { ipc, undo } = setup();
    expect([...ipc.handlers.keys()].sort()).toEqual(REQUEST_CHANNELS.map(ipcName).sort());
    undo();
    expect(ipc.handlers.size).toBe(0);
  });

  it('dispatches a request from the main window', async () => {
    const { contents, dispatch, call } = setup();
    const result = await call('app.info', contents.mainFrame, { x: 1 });
    expect(result).toEqual({ ok: true, value: { fine: true } });
    expect(dispatch).toHaveBeenCalledWith('app.info', { x: 1 });
  });

  it('refuses an untrusted sender with an invalid-request Result and never dispatches', async () => {
    const { dispatch, call, log } = setup();
    const foreign = new FakeWebFrame('https://evil.example/', 1, 'main-frame-token');
    const subframe = new FakeWebFrame('app://rackside/index.html', 1, 'iframe-token');
    for (const frame of [foreign, subframe, null]) {
      const result = await call('secrets.set', frame, { hostId: 'h', kind: 'password', value: 'x' });
      expect(result.ok).toBe(false);
      expect(!result.ok && result.error.code).toBe('invalid-request');
    }
    expect(dispatch).not.toHaveBeenCalled();
    expect(log.lines.filter((l) => l.level === 'warn')).toHaveLength(3);
  });

  it('refuses a request over the size limit with the same too-large Result as the browser host, never dispatching it', async () => {
    const { contents, dispatch, call, log } = setup();
    const result = await call('inventory.parse', contents.mainFrame, { fileName: 'big.yaml', text: '#'.repeat(MAX_REQUEST_BYTES + 512 * 1024) });
    expect(result).toMatchObject({ ok: false, error: { code: 'too-large', reason: 'request-too-large', params: { sizeMb: '8.5', limitMb: '8' } } });
    expect(dispatch).not.toHaveBeenCalled();
    expect(log.lines.some((l) => l.level === 'warn' && l.msg.includes('oversized'))).toBe(true);
    // The next ordinary request is served as before.
    expect(await call('app.info', contents.mainFrame)).toEqual({ ok: true, value: { fine: true } });
  });

  it('turns a throwing dispatcher into an internal Result instead of a rejected invoke', async () => {
    const { contents, dispatch, call } = setup();
    dispatch.mockRejectedValueOnce(new Error('boom'));
    const result = await call('app.info', contents.mainFrame);
    expect(!result.ok && result.error.code).toBe('internal');
  });
});

describe('createEmitter', () => {
  const validResult = {
    hostId: 'h1',
    address: '198.18.0.11',
    port: 22,
    status: 'ok',
    message: 'connected',
    durationMs: 12,
  };

  it('sends a valid event to the main window on its namespaced channel, unknown keys stripped', () => {
    const contents = new FakeWebContents();
    const emit = createEmitter(() => contents.asWebContents(), silentLog());
    emit('ssh.connectionResult', { ...validResult, password: 'hunter2' });
    expect(contents.sent).toEqual([{ channel: ipcName('ssh.connectionResult'), args: [validResult] }]);
  });

  it('drops an event that does not match its schema, and logs it', () => {
    const contents = new FakeWebContents();
    const log = silentLog();
    const emit = createEmitter(() => contents.asWebContents(), log);
    emit('ssh.connectionResult', { hostId: 'h1', status: 'maybe' });
    expect(contents.sent).toEqual([]);
    expect(log.lines[0]?.level).toBe('error');
  });

  it('drops events on unknown channels and when there is no live window', () => {
    const contents = new FakeWebContents();
    const log = silentLog();
    createEmitter(() => contents.asWebContents(), log)('nope' as never, {});
    createEmitter(() => null, log)('ssh.connectionResult', validResult);
    contents.destroyed = true;
    createEmitter(() => contents.asWebContents(), log)('ssh.connectionResult', validResult);
    expect(contents.sent).toEqual([]);
  });
});
