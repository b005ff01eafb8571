import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, resolve, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  events,
  MAX_REQUEST_BYTES,
  requestTooLarge,
  TOKEN_STATUS_PATH,
  type TokenStatus,
  wireRequestSchema,
  type EventChannel,
  type WireMessage,
  writeBinaryEventFrame,
} from '../contract/index.js';
import { createDispatcher, type Emit } from '../services/api/dispatcher.js';
import { createHandlers, runShutdown } from '../services/api/handlers.js';
import type { Logger } from '../services/log/logger.js';
import type { SecretStore } from '../services/secrets/secret-store.js';

/** Same policy as the Electron window, plus the WebSocket back to this host. */
export const BROWSER_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "font-src 'self' data:; connect-src 'self' ws://127.0.0.1:*; object-src 'none'; base-uri 'none'; " +
  "form-action 'none'; frame-ancestors 'none'";

/**
 * Hard cap of one WebSocket message, well above the app's request limit (MAX_REQUEST_BYTES): a
 * request between the two is read and answered with a clear too-large Result on a connection that
 * stays up; beyond this, ws closes that socket with 1009 and the page reconnects.
 */
const MAX_FRAME_BYTES = 4 * MAX_REQUEST_BYTES;

/**
 * The id of an oversized request, read from the frame's start without parsing the rest: the
 * renderer writes `{"kind":"req","id":N,...` in that order (ws-transport.ts).
 */
function oversizedRequestId(frame: Buffer): number | null {
  const m = /^\{"kind":"req","id":(\d{1,15}),/.exec(frame.subarray(0, 64).toString('latin1'));
  return m ? Number(m[1]) : null;
}

/**
 * Events whose `data` field (bulk terminal output) travels as a binary WebSocket message instead of
 * inside the JSON: no escaping of every control character (`\r\n` is 4 bytes in JSON), no
 * JSON.parse of a 64 KB string in the page, and the renderer hands the bytes straight to
 * xterm.js. Message layout (electron/contract/event-frame.ts, read by renderer/src/api/ws-transport.ts):
 *
 *   byte 0        BINARY_EVENT_KIND
 *   bytes 1–4     N, big-endian u32: length of the header
 *   bytes 5…5+N   header, UTF-8 JSON: {kind:'event', channel, payload} with `data` taken out and
 *                 `chars` (its UTF-16 length, which flow-control acks count) added
 *   the rest      `data`, UTF-8
 *
 * The payload is validated against the contract before it is framed, like every event.
 */
const BINARY_DATA_EVENTS: ReadonlySet<EventChannel> = new Set(['terminal.data']);
export { BINARY_EVENT_KIND } from '../contract/index.js';

/**
 * A binary event as one WebSocket message (layout: contract/event-frame.ts). Terminal batches come
 * with room for the header in front of them, so the data is not copied; anything else is.
 */
export function binaryEventFrame(channel: EventChannel, payload: { data: unknown }): Buffer {
  const { data, ...rest } = payload;
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from((data as Uint8Array).buffer, (data as Uint8Array).byteOffset, (data as Uint8Array).byteLength);
  const chars = typeof data === 'string' ? data.length : (payload as { chars?: number }).chars ?? bytes.length;
  const header = Buffer.from(JSON.stringify({ kind: 'event', channel, payload: { ...rest, chars } }), 'utf8');
  const frame = writeBinaryEventFrame(header, bytes);
  return Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.map': 'application/json',
};

export interface HostServerOptions {
  port: number;
  dataDir: string;
  staticDir: string;
  version: string;
  secrets: SecretStore;
  log: Logger;
  /** Fixed token for tests; random otherwise. */
  token?: string;
  /** Size limit of one terminal session's transcript (default 1 GiB). */
  transcriptMaxBytes?: number;
  /** The built-in hardware profiles (default: resources/profiles of the app root). */
  profilesDir?: string;
}

export interface HostServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

/**
 * The browser host: the same handlers as the Electron IPC adapter, over a WebSocket bound to
 * loopback. Every WebSocket upgrade must carry the one-time token and come from this origin;
 * anything else is refused before a single message is exchanged.
 */
export async function startHostServer(opts: HostServerOptions): Promise<HostServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const tokenBuf = Buffer.from(token);
  const clients = new Set<WebSocket>();

  const emit: Emit = (channel: EventChannel, payload: unknown) => {
    const checked = events[channel].safeParse(payload);
    if (!checked.success) {
      opts.log.error('dropped invalid event', { channel });
      return;
    }
    const frame = BINARY_DATA_EVENTS.has(channel)
      ? binaryEventFrame(channel, checked.data as { data: unknown })
      : JSON.stringify({ kind: 'event', channel, payload: checked.data } satisfies WireMessage);
    for (const c of clients) if (c.readyState === c.OPEN) c.send(frame, { binary: typeof frame !== 'string' });
  };
  const shutdown: (() => Promise<void>)[] = [];
  const dispatch = createDispatcher(
    createHandlers({
      transport: 'browser',
      version: opts.version,
      dataDir: opts.dataDir,
      secrets: opts.secrets,
      emit,
      log: opts.log,
      onShutdown: (fn) => shutdown.push(fn),
      transcriptMaxBytes: opts.transcriptMaxBytes,
      ...(opts.profilesDir ? { profilesDir: opts.profilesDir } : {}),
    }),
    opts.log,
  );

  let port = 0;
  const allowedHosts = () => [`127.0.0.1:${port}`, `localhost:${port}`];
  const allowedOrigins = () => allowedHosts().map((h) => `http://${h}`);

  const staticRoot = resolve(opts.staticDir);
  const http = createServer((req, res) => {
    if (new URL(req.url ?? '/', 'http://x').pathname === TOKEN_STATUS_PATH) return void tokenStatus(req, res);
    void serveStatic(req, res).catch((e) => {
      opts.log.error('static file failed', { url: req.url, error: (e as Error).message });
      if (!res.headersSent) res.writeHead(500).end();
    });
  });

  async function serveStatic(req: IncomingMessage, res: ServerResponse) {
    // A foreign Host header means DNS rebinding or a proxy: answer nothing.
    if (!allowedHosts().includes(req.headers.host ?? '')) return void res.writeHead(421).end('Misdirected request');
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405).end();
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    let rel: string;
    try {
      rel = decodeURIComponent(url.pathname);
    } catch {
      return void res.writeHead(400).end();
    }
    if (rel === '/' || rel === '') rel = '/index.html';
    const file = resolve(staticRoot, '.' + rel);
    if (file !== staticRoot && !file.startsWith(staticRoot + sep)) return void res.writeHead(404).end();
    const st = await stat(file).catch(() => null);
    if (!st?.isFile()) return void res.writeHead(404).end('Not found');
    res.writeHead(200, {
      'Content-Type': MIME[extname(file)] ?? 'application/octet-stream',
      'Content-Length': st.size,
      'Content-Security-Policy': BROWSER_CSP,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': extname(file) === '.html' ? 'no-store' : 'max-age=3600',
    });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file).pipe(res);
  }

  const wss = new WebSocketServer({
    server: http,
    path: '/api',
    maxPayload: MAX_FRAME_BYTES,
    verifyClient: ({ req, origin }, done) => {
      const given = Buffer.from(new URL(req.url ?? '', 'http://x').searchParams.get('token') ?? '');
      const tokenOk = given.length === tokenBuf.length && timingSafeEqual(given, tokenBuf);
      const originOk = allowedOrigins().includes(origin ?? '');
      const hostOk = allowedHosts().includes(req.headers.host ?? '');
      if (tokenOk && originOk && hostOk) return done(true);
      opts.log.warn('refused WebSocket connection', {
        reason: !tokenOk ? 'bad or missing token' : !originOk ? `foreign origin ${origin ?? '(none)'}` : 'foreign Host header',
        remote: req.socket.remoteAddress,
      });
      done(false, 403, 'Forbidden');
    },
  });

  // An error on one socket or the server is logged, never left unhandled: an unhandled 'error'
  // event would end the process, and with it every other connection and running step.
  http.on('error', (e) => opts.log.error('HTTP server error', { error: e.message }));
  http.on('clientError', (e, socket) => {
    opts.log.warn('HTTP client error', { error: e.message });
    // What Node does without a listener: a 400 if the socket can still take it, then close.
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  wss.on('error', (e) => opts.log.error('WebSocket server error', { error: e.message }));
  wss.on('wsClientError', (e, socket) => {
    opts.log.warn('WebSocket handshake error', { error: e.message });
    socket.destroy();
  });

  wss.on('connection', (ws) => {
    clients.add(ws);
    ws.on('close', () => clients.delete(ws));
    // Over the hard cap ws reports WS_ERR_UNSUPPORTED_MESSAGE_LENGTH here and closes with 1009.
    ws.on('error', (e) => opts.log.warn('WebSocket error', { error: e.message, code: (e as { code?: string }).code }));
    ws.on('message', (data, isBinary) => {
      if (isBinary) return void ws.close(1003, 'text frames only');
      const bytes = data as Buffer;
      if (bytes.length > MAX_REQUEST_BYTES) {
        const id = oversizedRequestId(bytes);
        opts.log.warn('refused oversized request', { bytes: bytes.length, id });
        if (id === null) return void ws.close(1009, 'message too large');
        const result = { ok: false as const, error: requestTooLarge(bytes.length) };
        return void ws.send(JSON.stringify({ kind: 'res', id, result } satisfies WireMessage));
      }
      let frame: unknown;
      try {
        frame = JSON.parse(data.toString());
      } catch {
        return void ws.close(1007, 'invalid JSON');
      }
      const req = wireRequestSchema.safeParse(frame);
      if (!req.success) return void ws.close(1008, 'invalid frame');
      void dispatch(req.data.channel, req.data.payload).then((result) => {
        if (ws.readyState === ws.OPEN) {
          ws.send(JSON.stringify({ kind: 'res', id: req.data.id, result } satisfies WireMessage));
        }
      });
    });
  });

  /**
   * Whether a token is this host's current one, so a page whose socket cannot open can tell "the
   * backend restarted (new token)" from "the backend is not running". Reveals nothing but yes/no
   * for the token the caller already holds; no CORS header, so other origins cannot read it.
   */
  function tokenStatus(req: IncomingMessage, res: ServerResponse) {
    if (!allowedHosts().includes(req.headers.host ?? '')) return void res.writeHead(421).end('Misdirected request');
    if (req.method !== 'GET') return void res.writeHead(405).end();
    const given = Buffer.from(new URL(req.url ?? '', 'http://x').searchParams.get('token') ?? '');
    const current = given.length === tokenBuf.length && timingSafeEqual(given, tokenBuf);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
    res.end(JSON.stringify({ current } satisfies TokenStatus));
  }

  await new Promise<void>((res, rej) => {
    http.once('error', rej);
    http.listen(opts.port, '127.0.0.1', () => res());
  });
  port = (http.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    close: async () => {
      for (const c of clients) c.terminate();
      wss.close();
      // Sessions end and their transcripts are completed before the process may exit.
      await runShutdown(shutdown, opts.log);
      await new Promise<void>((res) => {
        http.close(() => res());
        http.closeAllConnections();
      });
    },
  };
}
