import {
  REQUEST_CHANNELS,
  TOKEN_STATUS_PATH,
  events,
  requestTooLarge,
  requests,
  sizeOverLimit,
  type TokenStatus,
  type EventChannel,
  type RacksideApi,
  type RequestChannel,
  type Result,
  type Transport,
} from '../../../electron/contract/index.js';
import type { ConnectionState } from './connection-state.js';
import { loadBrowserToken } from './token.js';
import { WsTransport, type TokenCheck } from './ws-transport.js';

/**
 * The one typed client. Every request channel of the contract becomes a method, so no channel is
 * written by hand here. Replies and events are checked against the contract's schemas: the
 * backend is trusted, but a version mismatch should surface as a clear error, not as undefined
 * fields deep inside a component.
 */
export function makeApi(transport: Transport): RacksideApi {
  const api: Record<string, unknown> = {};
  for (const channel of REQUEST_CHANNELS) {
    api[channel] = async (payload: unknown): Promise<Result<unknown>> => {
      const result = await transport.invoke(channel, payload);
      if (!result.ok) return result;
      const parsed = requests[channel].response.safeParse(result.value);
      if (!parsed.success) {
        console.error(`rackside: reply to ${channel} does not match the contract`, parsed.error.issues);
        return {
          ok: false,
          error: {
            code: 'internal',
            message: `The backend sent an unexpected reply to ${channel}`,
            hint: 'The app and its backend may be different versions; restart Rackside.',
          },
        };
      }
      return { ok: true, value: parsed.data };
    };
  }
  api.on = (channel: EventChannel, listener: (payload: unknown) => void) =>
    transport.subscribe(channel, (payload) => {
      const parsed = events[channel].safeParse(payload);
      if (parsed.success) listener(parsed.data);
      else console.error(`rackside: event ${channel} does not match the contract`, parsed.error.issues);
    });
  return api as RacksideApi;
}

/** Electron's preload bridge: an IPC failure becomes an error Result like any other. */
export function electronTransport(bridge: Transport): Transport {
  return {
    async invoke(channel: RequestChannel, payload: unknown) {
      // The same limit and answer as the browser host (the main process checks it again).
      const over = sizeOverLimit(JSON.stringify(payload) ?? '');
      if (over !== null) return { ok: false, error: requestTooLarge(over) };
      try {
        return await bridge.invoke(channel, payload);
      } catch (e) {
        console.error(`rackside: IPC ${channel} threw`, e);
        return {
          ok: false,
          error: { code: 'internal', message: `IPC call ${channel} failed`, hint: 'Restart Rackside; if it persists, report it.' },
        };
      }
    },
    subscribe: (channel, listener) => bridge.subscribe(channel, listener),
  };
}

export interface Backend {
  api: RacksideApi;
  /** Current link state plus a way to follow it (for the status bar). */
  getState(): ConnectionState;
  onStateChange(listener: (s: ConnectionState) => void): () => void;
}

export type BackendSetup = { kind: 'ready'; backend: Backend } | { kind: 'no-token' };

/** Picks the transport for where we run: Electron's preload bridge, else the browser host socket. */
export function connectBackend(): BackendSetup {
  if (window.rackside) {
    return {
      kind: 'ready',
      backend: {
        api: makeApi(electronTransport(window.rackside)),
        getState: () => 'open',
        onStateChange: () => () => {},
      },
    };
  }
  const token = loadBrowserToken();
  if (!token) return { kind: 'no-token' };
  const ws = new WsTransport({
    url: `ws://${location.host}/api?token=${encodeURIComponent(token)}`,
    checkToken: () => checkToken(token),
  });
  return {
    kind: 'ready',
    backend: {
      api: makeApi(ws),
      getState: () => ws.state,
      onStateChange: (l) => ws.onStateChange(l),
    },
  };
}

/** Asks the browser host whether this page's token is its current one (see TOKEN_STATUS_PATH). */
async function checkToken(token: string): Promise<TokenCheck> {
  try {
    const r = await fetch(`${TOKEN_STATUS_PATH}?token=${encodeURIComponent(token)}`, { cache: 'no-store' });
    // A host too old to know the path answers 404: nothing learnt, keep retrying.
    if (!r.ok) return 'unreachable';
    return ((await r.json()) as TokenStatus).current ? 'current' : 'stale';
  } catch {
    return 'unreachable';
  }
}
