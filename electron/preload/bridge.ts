import type { IpcRenderer, IpcRendererEvent } from 'electron';
import type { Transport } from '../contract/api.js';
import { EVENT_CHANNELS, ipcName, REQUEST_CHANNELS, type EventChannel, type RequestChannel } from '../contract/channels.js';
import { err, type Result } from '../contract/result.js';

/** Only these ipcRenderer methods are needed; the object itself never reaches the page. */
export type BridgeIpc = Pick<IpcRenderer, 'invoke' | 'on' | 'removeListener'>;

const requestChannels: ReadonlySet<string> = new Set(REQUEST_CHANNELS);
const eventChannels: ReadonlySet<string> = new Set(EVENT_CHANNELS);

/**
 * What the preload exposes as window.rackside: the Transport of electron/contract/api.ts. The page
 * is untrusted, so the channel is checked against the contract before anything is sent (the main
 * process checks again), and event listeners receive only the payload — never the
 * IpcRendererEvent, whose `sender` is the ipcRenderer itself.
 */
export function createBridge(ipc: BridgeIpc): Transport {
  return {
    invoke(channel: RequestChannel, payload: unknown): Promise<Result<unknown>> {
      if (typeof channel !== 'string' || !requestChannels.has(channel)) {
        return Promise.resolve(
          err('unknown-channel', `Unknown request channel ${JSON.stringify(String(channel)).slice(0, 120)}`),
        );
      }
      return ipc.invoke(ipcName(channel), payload) as Promise<Result<unknown>>;
    },

    subscribe(channel: EventChannel, listener: (payload: unknown) => void): () => void {
      if (typeof channel !== 'string' || !eventChannels.has(channel)) {
        throw new TypeError(`Unknown event channel ${JSON.stringify(String(channel)).slice(0, 120)}`);
      }
      if (typeof listener !== 'function') throw new TypeError('listener must be a function');
      const name = ipcName(channel);
      const forward = (_event: IpcRendererEvent, payload: unknown) => listener(payload);
      ipc.on(name, forward);
      let subscribed = true;
      return () => {
        if (!subscribed) return;
        subscribed = false;
        ipc.removeListener(name, forward);
      };
    },
  };
}
