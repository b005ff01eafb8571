/**
 * A second reference for the terminal benchmark: the bare-xterm harness's own page (DOM renderer,
 * its ack flow control: pause above 100 000 unacknowledged bytes, resume below 5 000) fed not from
 * memory but by plain OpenSSH from the same lab node, through a remote PTY (`ssh -tt node1 CMD`),
 * exactly as a Rackside shell gets it.
 *
 * Why: the in-memory harness is the ceiling of xterm.js alone. Rackside's pane can only draw what
 * a remote PTY, sshd and an SSH client deliver, and in the lab those run on the same 2 cores as
 * Chromium (sshd and the PTY alone use ~10 ms of CPU per MB of `cat`, ~45 per MB of `yes`). This
 * reference pays the same costs with the thinnest possible client (OpenSSH's C client and a
 * 60-line relay), so "Rackside / this" is what our own code costs, and "this / in-memory" what the
 * lab's remote end costs.
 *
 * The page protocol is the harness's (server.js there): {cmd:'start'} starts the command,
 * {cmd:'ack', n} acks, {cmd:'stop'} types Ctrl-C into the remote PTY; {type:'end'} follows the
 * last byte once ssh has exited.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';

/** The harness's flow control (server.js there: VS Code's HighWatermarkChars / LowWatermarkChars). */
const HIGH = 100_000;
const LOW = 5_000;

export interface OpensshReference {
  url: string;
  /** Set the remote command the next page run streams. */
  command(cmd: string): void;
  stop(): Promise<void>;
}

export async function startOpensshReference(opts: { refDir: string; sshArgs: string[] }): Promise<OpensshReference> {
  const require = createRequire(join(opts.refDir, 'package.json'));
  const mod = (pkg: string, file: string) => join(dirname(require.resolve(`${pkg}/package.json`)), file);
  const files: Record<string, [string, string]> = {
    '/': [join(opts.refDir, 'page.html'), 'text/html'],
    '/xterm.js': [mod('@xterm/xterm', 'lib/xterm.js'), 'text/javascript'],
    '/xterm.css': [mod('@xterm/xterm', 'css/xterm.css'), 'text/css'],
    '/addon-webgl.js': [mod('@xterm/addon-webgl', 'lib/addon-webgl.js'), 'text/javascript'],
    '/addon-fit.js': [mod('@xterm/addon-fit', 'lib/addon-fit.js'), 'text/javascript'],
  };
  let command = 'true';
  const children = new Set<ChildProcess>();
  const server: Server = createServer((req, res) => {
    const f = files[new URL(req.url ?? '/', 'http://x').pathname];
    if (!f) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': f[1], 'cache-control': 'no-store' });
    createReadStream(f[0]).pipe(res);
  });
  const wss = new WebSocketServer({ server, path: '/stream', perMessageDeflate: false });
  wss.on('connection', (ws: WebSocket) => {
    let child: ChildProcess | null = null;
    let unacked = 0;
    let paused = false;
    let sent = 0;
    ws.on('message', (msg, isBinary) => {
      if (isBinary) return;
      const m = JSON.parse(msg.toString()) as { cmd: string; n?: number };
      if (m.cmd === 'start' && !child) {
        const c = spawn('ssh', ['-tt', ...opts.sshArgs, command], { stdio: ['pipe', 'pipe', 'ignore'] });
        child = c;
        children.add(c);
        c.stdout!.on('data', (d: Buffer) => {
          if (ws.readyState !== ws.OPEN) return;
          ws.send(d, { binary: true });
          sent += d.length;
          unacked += d.length;
          if (!paused && unacked > HIGH) {
            paused = true;
            c.stdout!.pause();
          }
        });
        c.on('close', () => {
          children.delete(c);
          if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'end', sent }));
        });
      } else if (m.cmd === 'ack' && child) {
        unacked = Math.max(0, unacked - (m.n ?? 0));
        if (paused && unacked < LOW) {
          paused = false;
          child.stdout!.resume();
        }
      } else if (m.cmd === 'stop' && child) {
        // Ctrl-C into the remote PTY, as a technician types it; the output keeps flowing (and is
        // drawn) until the remote side stops, which is what the page times.
        child.stdin!.write('\x03');
      }
    });
    ws.on('close', () => child?.kill());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/`,
    command: (cmd) => (command = cmd),
    stop: async () => {
      for (const c of children) c.kill();
      wss.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
