import type { IpcMain, WebContents } from 'electron';
import { err, events, ipcName, REQUEST_CHANNELS, requestTooLarge, sizeOverLimit, type EventChannel, type Result } from '../contract/index.js';
import type { Dispatch, Emit } from '../services/api/dispatcher.js';
import type { Logger } from '../services/log/logger.js';
import { isTrustedSender } from './security.js';

export interface IpcWiring {
  /** The shared dispatcher: createDispatcher(createHandlers(ctx), log). */
  dispatch: Dispatch;
  /** The main window's webContents, or null while there is none (before creation, after close). */
  getMainContents: () => WebContents | null;
  log: Logger;
}

/**
 * Registers one ipcMain.handle per request channel of the contract. Every call first passes the
 * sender check, then goes to the same dispatcher the browser host uses, which validates the
 * payload. Nothing throws across the boundary: refusals are Results. Returns an undo function.
 */
export function wireIpc(ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>, wiring: IpcWiring): () => void {
  const { dispatch, getMainContents, log } = wiring;
  for (const channel of REQUEST_CHANNELS) {
    ipcMain.handle(ipcName(channel), async (event, payload: unknown): Promise<Result<unknown>> => {
      if (!isTrustedSender(event.senderFrame, getMainContents())) {
        log.warn('refused IPC from untrusted sender', { channel, url: senderUrl(event.senderFrame) });
        return err('invalid-request', 'Request refused: it did not come from the Rackside window.');
      }
      try {
        // Same limit and answer as the browser host's socket: an input that big is a file the
        // backend should read from disk, and one renderer bug must not stall the main process.
        const over = sizeOverLimit(JSON.stringify(payload) ?? '');
        if (over !== null) {
          log.warn('refused oversized IPC request', { channel, bytes: over });
          return { ok: false, error: requestTooLarge(over) };
        }
        return await dispatch(channel, payload);
      } catch (e) {
        // The dispatcher already turns handler failures into Results; this is the last fence.
        log.error('IPC dispatch failed', { channel, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
        return err('internal', `Unexpected failure in ${channel}`, 'See the application log for details.');
      }
    });
  }
  return () => {
    for (const channel of REQUEST_CHANNELS) ipcMain.removeHandler(ipcName(channel));
  };
}

/**
 * The HandlerContext's emit for Electron: events go to the main window only, and only if they
 * match the contract, so a service bug cannot push malformed data (or extra fields that might hold
 * something sensitive — unknown keys are stripped by the schema) into the renderer.
 */
export function createEmitter(getMainContents: () => WebContents | null, log: Logger): Emit {
  return (channel: EventChannel, payload: unknown) => {
    const schema = Object.prototype.hasOwnProperty.call(events, channel) ? events[channel] : undefined;
    if (!schema) {
      log.error('emit on unknown event channel', { channel: String(channel).slice(0, 100) });
      return;
    }
    const parsed = schema.safeParse(payload);
    if (!parsed.success) {
      log.error('dropped event that does not match the contract', {
        channel,
        issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`),
      });
      return;
    }
    const contents = getMainContents();
    if (!contents || contents.isDestroyed()) return;
    contents.send(ipcName(channel), parsed.data);
  };
}

function senderUrl(frame: { url: string } | null | undefined): string {
  try {
    return frame ? frame.url.slice(0, 200) : '(no frame)';
  } catch {
    return '(disposed frame)';
  }
}
