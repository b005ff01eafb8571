import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { connect } from 'node:net';
import type { ProbeRecord } from './figures.js';

/**
 * The drill's probes, from the laptop (this backend) to the VIP, every PROBE_INTERVAL_MS:
 *
 * - ICMP: one long-running `ping -D -O -n -i 0.1 <vip>` (iputils; no raw sockets in Node and no new
 *   package). -D stamps every line with the wall clock, -O prints "no answer yet for icmp_seq=N" when
 *   the next request goes out unanswered. A request counts as answered when its reply came before the
 *   next one was sent (100 ms); the send time is the reply's stamp minus its round trip, or the
 *   "no answer yet" stamp minus one interval. An error line for a sequence ("Destination Host
 *   Unreachable") counts as failed. The first word about a sequence wins.
 * - TCP: a fresh connect to `<vip>:<port>` every interval (timeout TCP_TIMEOUT_MS, below the 1 s SYN
 *   retransmit, so a connect is one SYN), closed at once.
 *
 * Every probe goes to the probe log as one JSON line (figures.ts ProbeRecord plus the wall time `t`).
 */
export const PROBE_INTERVAL_MS = 100;
export const TCP_TIMEOUT_MS = 900;

export interface ProberOptions {
  vip: string;
  tcpPort: number;
  /** Wall-clock ms the drill's `atMs` counts from. */
  t0: number;
  logPath: string;
  onProbe?: (p: ProbeRecord) => void;
  /** The ping program (tests may point it elsewhere); default `ping` from PATH. */
  ping?: string;
}

/** One ping output line → the sequence and its outcome, or null for lines about no sequence. */
export function parsePingLine(line: string): { seq: number; ok: boolean; wallMs: number; rttMs?: number } | null {
  const m = /^\[(\d+(?:\.\d+)?)\]\s+(.*)$/.exec(line.trim());
  if (!m) return null;
  const wallMs = Number(m[1]) * 1000;
  const rest = m[2]!;
  const seq = /icmp_seq=(\d+)/.exec(rest);
  if (!seq) return null;
  if (/bytes from/.test(rest)) {
    const time = /time=([0-9.]+)\s*ms/.exec(rest);
    const rttMs = time ? Number(time[1]) : 0;
    return { seq: Number(seq[1]), ok: true, wallMs: wallMs - rttMs, rttMs };
  }
  if (/no answer yet/.test(rest)) return { seq: Number(seq[1]), ok: false, wallMs: wallMs - PROBE_INTERVAL_MS };
  // "From <router> icmp_seq=N Destination Host Unreachable" and the like.
  return { seq: Number(seq[1]), ok: false, wallMs };
}

export class Prober {
  private ping: ChildProcess | null = null;
  private timer: NodeJS.Timeout | null = null;
  private out: WriteStream;
  private seen = new Set<number>();
  private pending = 0;
  private stopped = false;
  private buf = '';

  constructor(private readonly opts: ProberOptions) {
    this.out = createWriteStream(opts.logPath, { flags: 'a', mode: 0o600 });
  }

  start(): void {
    this.ping = spawn(this.opts.ping ?? 'ping', ['-D', '-O', '-n', '-i', String(PROBE_INTERVAL_MS / 1000), this.opts.vip], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    this.ping.stdout!.setEncoding('utf8');
    this.ping.stdout!.on('data', (d: string) => this.onPingData(d));
    this.ping.stderr!.resume();
    // A ping that could not start (not installed) leaves the TCP probes: the log says which kinds ran.
    this.ping.on('error', () => {});
    this.timer = setInterval(() => this.tcpProbe(), PROBE_INTERVAL_MS);
  }

  private onPingData(d: string): void {
    this.buf += d;
    const lines = this.buf.split('\n');
    this.buf = lines.pop() ?? '';
    for (const line of lines) {
      const p = parsePingLine(line);
      if (!p || this.seen.has(p.seq)) continue;
      this.seen.add(p.seq);
      this.record({ atMs: Math.round(p.wallMs - this.opts.t0), kind: 'icmp', ok: p.ok, ...(p.rttMs !== undefined ? { ms: p.rttMs } : {}) }, p.wallMs);
    }
  }

  private tcpProbe(): void {
    const sent = Date.now();
    this.pending++;
    const s = connect({ host: this.opts.vip, port: this.opts.tcpPort });
    let done = false;
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      s.destroy();
      this.pending--;
      this.record({ atMs: sent - this.opts.t0, kind: 'tcp', ok, ...(ok ? { ms: Date.now() - sent } : {}) }, sent);
    };
    s.setTimeout(TCP_TIMEOUT_MS, () => finish(false));
    s.once('connect', () => finish(true));
    s.once('error', () => finish(false));
  }

  private record(p: ProbeRecord, wallMs: number): void {
    if (this.stopped) return;
    this.out.write(JSON.stringify({ t: Math.round(wallMs), ...p }) + '\n');
    this.opts.onProbe?.(p);
  }

  /** Stops probing; resolves once the in-flight TCP probes ended and the log is flushed. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.ping?.kill('SIGINT');
    for (let i = 0; i < 20 && this.pending > 0; i++) await new Promise((r) => setTimeout(r, 100));
    this.stopped = true;
    await new Promise<void>((r) => this.out.end(r));
  }
}
