import {
  readBinaryEventFrame,
  requestTooLarge,
  sizeOverLimit,
  type AppError,
  type EventChannel,
  type RequestChannel,
  type Result,
  type Transport,
  type WireMessage,
  type WireRequest,
} from '../../../electron/contract/index.js';
import type { ConnectionState } from './connection-state.js';

/** The subset of the DOM WebSocket this transport uses, so tests can hand in a fake. */
export interface SocketLike {
  readonly readyState: number;
  /** Set to 'arraybuffer' so binary event frames arrive as ArrayBuffer (see handleMessage). */
  binaryType?: string;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
}

export interface WsTransportOptions {
  url: string;
  createSocket?: (url: string) => SocketLike;
  /** First reconnect delay; doubles per failed attempt up to maxBackoffMs. */
  initialBackoffMs?: number;
  /** A technician may restart `npm start`; 10 s keeps the UI responsive without hammering. */
  maxBackoffMs?: number;
  /**
   * How long a request may wait for the socket to open before it fails. Requests are queued while
   * the link is down, but a click must not hang forever when the backend is gone.
   */
  queueTimeoutMs?: number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  /**
   * Asked when a connection attempt fails: is this page's token still the backend's? A restarted
   * backend has a new token and refuses this one forever, so retrying is pointless ('stale').
   * Without it the transport retries until disposed.
   */
  checkToken?: () => Promise<TokenCheck>;
}

export type TokenCheck = 'current' | 'stale' | 'unreachable';

const OPEN = 1;

export const LOST_CONNECTION: AppError = {
  code: 'io-failed',
  reason: 'backend-lost',
  message: 'Lost connection to the Rackside backend',
  hint: 'Check that "npm start" is still running; this page reconnects while the backend is the same one. Then try again.',
};

const NOT_CONNECTED: AppError = {
  code: 'io-failed',
  reason: 'backend-unreachable',
  message: 'The Rackside backend is not reachable',
  hint: 'Check that "npm start" is still running and that this page was opened with the address it printed.',
};

export const BACKEND_RESTARTED: AppError = {
  code: 'io-failed',
  reason: 'backend-restarted',
  message: 'The Rackside backend restarted (or its address changed); this page cannot reconnect to it',
  hint: 'Open the new address printed by "npm start" (http://127.0.0.1:…/?token=…).',
};

interface Queued {
  id: number;
  text: string;
  resolve: (r: Result<unknown>) => void;
  timer: unknown;
}

interface Pending {
  resolve: (r: Result<unknown>) => void;
  /** The frame's length, to tell which request a 1009 close was about. */
  length: number;
}

/** Close code for "message too big" (RFC 6455): the backend refused a frame over its hard cap. */
const CLOSE_TOO_BIG = 1009;

/**
 * Browser-host transport: request/response and events multiplexed over one WebSocket. Requests
 * made while the socket is down are queued until it opens; requests already sent when it drops
 * resolve to an `io-failed` Result (the backend may or may not have run them, so they are not
 * replayed). The socket reconnects with exponential backoff.
 */
export class WsTransport implements Transport {
  private socket: SocketLike | null = null;
  private nextId = 1;
  private readonly inFlight = new Map<number, Pending>();
  private queue: Queued[] = [];
  private readonly listeners = new Map<EventChannel, Set<(payload: unknown) => void>>();
  private readonly stateListeners = new Set<(s: ConnectionState) => void>();
  private attempt = 0;
  private reconnectTimer: unknown = null;
  private disposed = false;
  private currentState: ConnectionState = 'connecting';

  private readonly createSocket: (url: string) => SocketLike;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly queueTimeoutMs: number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;

  constructor(private readonly options: WsTransportOptions) {
    this.createSocket = options.createSocket ?? ((url) => new WebSocket(url) as unknown as SocketLike);
    this.initialBackoffMs = options.initialBackoffMs ?? 500;
    this.maxBackoffMs = options.maxBackoffMs ?? 10_000;
    this.queueTimeoutMs = options.queueTimeoutMs ?? 15_000;
    this.setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = options.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
    this.connect();
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  onStateChange(listener: (s: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  invoke(channel: RequestChannel, payload: unknown): Promise<Result<unknown>> {
    if (this.currentState === 'stale') return Promise.resolve({ ok: false, error: BACKEND_RESTARTED });
    if (this.disposed) return Promise.resolve({ ok: false, error: NOT_CONNECTED });
    // The server reads an oversized request's id from the frame's start: keep kind, id first.
    const frame: WireRequest = { kind: 'req', id: this.nextId++, channel, payload };
    const text = JSON.stringify(frame);
    // Refused here, with the same answer the backend would give, without a round trip.
    const over = sizeOverLimit(text);
    if (over !== null) return Promise.resolve({ ok: false, error: requestTooLarge(over) });
    return new Promise((resolve) => {
      if (this.socket && this.socket.readyState === OPEN && this.currentState === 'open') {
        this.send(frame.id, text, resolve);
        return;
      }
      const entry: Queued = { id: frame.id, text, resolve, timer: null };
      entry.timer = this.setTimer(() => {
        this.queue = this.queue.filter((q) => q !== entry);
        resolve({ ok: false, error: NOT_CONNECTED });
      }, this.queueTimeoutMs);
      this.queue.push(entry);
    });
  }

  subscribe(channel: EventChannel, listener: (payload: unknown) => void): () => void {
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  /** Stops reconnecting and fails everything outstanding. */
  dispose(): void {
    this.stop(NOT_CONNECTED);
    this.setState('closed');
  }

  private stop(error: AppError): void {
    this.disposed = true;
    if (this.reconnectTimer !== null) this.clearTimer(this.reconnectTimer);
    this.reconnectTimer = null;
    const s = this.socket;
    this.socket = null;
    if (s) {
      s.onopen = s.onclose = s.onerror = null;
      s.onmessage = null;
      s.close();
    }
    this.failInFlight(error);
    for (const q of this.queue) {
      this.clearTimer(q.timer);
      q.resolve({ ok: false, error });
    }
    this.queue = [];
  }

  private connect(): void {
    if (this.disposed) return;
    this.reconnectTimer = null;
    // 'unreachable' stays up through the retries: flickering back to 'connecting' would hide it.
    if (this.currentState !== 'unreachable') this.setState('connecting');
    let socket: SocketLike;
    try {
      socket = this.createSocket(this.options.url);
    } catch (e) {
      console.error('rackside: cannot create WebSocket', e);
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.binaryType = 'arraybuffer';
    let opened = false;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      opened = true;
      this.attempt = 0;
      this.setState('open');
      const queued = this.queue;
      this.queue = [];
      for (const q of queued) {
        this.clearTimer(q.timer);
        this.send(q.id, q.text, q.resolve);
      }
    };
    socket.onmessage = (ev) => {
      if (this.socket !== socket) return;
      this.handleMessage(ev.data);
    };
    // The browser reports the reason only on close; onerror is always followed by onclose.
    socket.onerror = () => {};
    socket.onclose = (ev) => {
      if (this.socket !== socket) return;
      this.socket = null;
      const code = (ev as { code?: number } | null)?.code;
      if (code === CLOSE_TOO_BIG) this.failOversized();
      this.failInFlight(LOST_CONNECTION);
      if (this.currentState !== 'unreachable') this.setState('closed');
      this.scheduleReconnect();
      // The browser does not say why an upgrade was refused; ask the host whether our token is stale.
      if (!opened) this.checkTokenAfterFailure();
    };
  }

  private checkTokenAfterFailure(): void {
    const check = this.options.checkToken;
    if (!check) return;
    void check()
      .catch((): TokenCheck => 'unreachable')
      .then((answer) => {
        if (this.disposed || this.currentState === 'open' || this.currentState === 'stale') return;
        // Nothing answers at this address: not running, or restarted on another port. Keep trying.
        if (answer === 'unreachable') return this.setState('unreachable');
        if (answer !== 'stale') return;
        // A new token will never accept this page's: stop, and say what to do.
        this.stop(BACKEND_RESTARTED);
        this.setState('stale');
      });
  }

  /** The backend closed the socket over a frame past its hard cap: the biggest request in flight. */
  private failOversized(): void {
    let biggest: [number, Pending] | null = null;
    for (const entry of this.inFlight) if (!biggest || entry[1].length > biggest[1].length) biggest = entry;
    if (!biggest) return;
    this.inFlight.delete(biggest[0]);
    biggest[1].resolve({ ok: false, error: requestTooLarge(biggest[1].length) });
  }

  private scheduleReconnect(): void {
    if (this.disposed || this.reconnectTimer !== null) return;
    const delay = Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** this.attempt);
    this.attempt++;
    this.reconnectTimer = this.setTimer(() => this.connect(), delay);
  }

  private send(id: number, text: string, resolve: (r: Result<unknown>) => void): void {
    const socket = this.socket;
    if (!socket) {
      resolve({ ok: false, error: LOST_CONNECTION });
      return;
    }
    this.inFlight.set(id, { resolve, length: text.length });
    try {
      socket.send(text);
    } catch (e) {
      this.inFlight.delete(id);
      console.error('rackside: WebSocket send failed', e);
      resolve({ ok: false, error: LOST_CONNECTION });
    }
  }

  private handleMessage(data: unknown): void {
    let msg: WireMessage;
    try {
      msg = typeof data === 'string' ? (JSON.parse(data) as WireMessage) : decodeBinaryEvent(data);
    } catch (e) {
      console.error('rackside: unreadable frame from backend', e);
      return;
    }
    if (msg && msg.kind === 'res' && typeof msg.id === 'number') {
      const pending = this.inFlight.get(msg.id);
      if (!pending) return;
      this.inFlight.delete(msg.id);
      pending.resolve(isResult(msg.result) ? msg.result : {
        ok: false,
        error: { code: 'internal', message: 'The backend sent a malformed reply', hint: 'This is a bug; please report it.' },
      });
    } else if (msg && msg.kind === 'event' && typeof msg.channel === 'string') {
      for (const l of this.listeners.get(msg.channel) ?? []) {
        try {
          l(msg.payload);
        } catch (e) {
          console.error(`rackside: listener for ${msg.channel} failed`, e);
        }
      }
    } else {
      console.error('rackside: unexpected frame from backend', msg);
    }
  }

  private failInFlight(error: AppError): void {
    const pending = [...this.inFlight.values()];
    this.inFlight.clear();
    for (const p of pending) p.resolve({ ok: false, error });
  }

  private setState(s: ConnectionState): void {
    if (s === this.currentState) return;
    this.currentState = s;
    for (const l of this.stateListeners) l(s);
  }
}

/**
 * A binary event frame from electron/host/server.ts (layout: electron/contract/event-frame.ts).
 * The bytes become `payload.data` as a Uint8Array (a view, not a copy).
 */
const utf8 = new TextDecoder();

function decodeBinaryEvent(data: unknown): WireMessage {
  if (!(data instanceof ArrayBuffer)) throw new Error('binary frame is not an ArrayBuffer');
  const frame = readBinaryEventFrame(data);
  const msg = JSON.parse(utf8.decode(frame.header)) as WireMessage;
  if (msg?.kind !== 'event' || !msg.payload || typeof msg.payload !== 'object') throw new Error('binary frame is not an event');
  (msg.payload as { data?: Uint8Array }).data = frame.data;
  return msg;
}

function isResult(r: unknown): r is Result<unknown> {
  if (!r || typeof r !== 'object') return false;
  const o = r as { ok?: unknown; error?: unknown };
  if (o.ok === true) return true;
  return o.ok === false && !!o.error && typeof (o.error as { message?: unknown }).message === 'string';
}
