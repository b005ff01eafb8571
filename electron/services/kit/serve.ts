import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join, sep } from 'node:path';
import type { AcceptConnection, Client, ClientChannel, RejectConnection, TcpConnectionDetails } from 'ssh2';

/**
 * Serving the site kit to a server on site without any site network change (issue 22): a remote
 * port forward on the host's own loopback (`forwardIn` in ssh2, `ssh -R` in OpenSSH) whose
 * connections travel back through the SSH connection the technician already has, straight into
 * an HTTP handler in the backend — no port opens on the laptop. On the host apt reads
 * `http://127.0.0.1:<port>/<release>-<arch>/` and checks the kit's signature with its keyring.
 *
 * Read-only: GET and HEAD of files inside the kit folder; nothing else answers.
 */

export interface KitHandler {
  server: Server;
  /** Requests answered, bytes sent (for the throughput figures and the journal). */
  stats: { requests: number; bytes: number };
}

/** An HTTP handler of the kit folder that never listens on a port: connections are handed to it. */
export function kitHandler(dir: string): KitHandler {
  const stats = { requests: 0, bytes: 0 };
  const server = createServer((req, res) => void answer(dir, req, res, stats));
  // Idle keep-alive connections end with the forward; a slow client cannot hold one forever.
  server.keepAliveTimeout = 5_000;
  server.requestTimeout = 60_000;
  return { server, stats };
}

async function answer(dir: string, req: IncomingMessage, res: ServerResponse, stats: KitHandler['stats']): Promise<void> {
  stats.requests++;
  const fail = (code: number) => {
    res.writeHead(code, { 'content-type': 'text/plain' }).end(`${code}\n`);
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') return fail(405);
  let rel: string;
  try {
    rel = decodeURIComponent(new URL(req.url ?? '/', 'http://kit').pathname);
  } catch {
    return fail(400);
  }
  if (rel.includes('\0') || rel.split('/').some((p) => p === '..')) return fail(403);
  const root = await realpath(dir).catch(() => null);
  if (!root) return fail(404);
  const path = await realpath(join(root, rel)).catch(() => null);
  // Symlinks out of the kit are not followed; hidden folders (apt's own state, .apt) are not served.
  if (!path || !(path === root || path.startsWith(root + sep)) || path.slice(root.length).split(sep).some((p) => p.startsWith('.'))) return fail(404);
  const st = await stat(path).catch(() => null);
  if (!st?.isFile()) return fail(404);
  res.writeHead(200, { 'content-length': st.size, 'content-type': 'application/octet-stream', 'last-modified': st.mtime.toUTCString() });
  if (req.method === 'HEAD') return void res.end();
  const stream = createReadStream(path);
  stream.on('data', (c) => (stats.bytes += c.length));
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

export interface KitForward {
  /** The port apt on the host uses: http://127.0.0.1:<port>/. */
  port: number;
  stats: KitHandler['stats'];
  close(): Promise<void>;
}

/**
 * Serve `dir` to the host behind `client` on its loopback. The forward ends with `close()` or with
 * the connection; connections for other forwards of the same client are left alone.
 */
export async function serveKitOver(client: Client, dir: string, remotePort = 0): Promise<KitForward> {
  const { server, stats } = kitHandler(dir);
  const port = await new Promise<number>((resolve, reject) =>
    client.forwardIn('127.0.0.1', remotePort, (err, bound) => (err ? reject(err) : resolve(bound || remotePort))),
  );
  const onConnection = (info: TcpConnectionDetails, accept: AcceptConnection<ClientChannel>, rejectConn: RejectConnection) => {
    if (info.destPort !== port) return;
    if (closed) {
      rejectConn();
      return;
    }
    server.emit('connection', accept());
  };
  let closed = false;
  client.on('tcp connection', onConnection);
  return {
    port,
    stats,
    async close() {
      if (closed) return;
      closed = true;
      client.off('tcp connection', onConnection);
      server.closeAllConnections();
      await new Promise<void>((resolve) => client.unforwardIn('127.0.0.1', port, () => resolve()));
    },
  };
}
