import { connect } from 'node:net';
import type { TcpResult } from './parse.js';

/**
 * One TCP connect from the laptop, bounded: `open` (connected), `closed` (refused: the packet got
 * through, nothing listens) or `filtered` (no answer in time: dropped on the way or by the host's
 * firewall). The same three words the node-side probe prints (scripts.ts), so one reader judges both.
 */
export function tcpProbe(host: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<TcpResult> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    let settled = false;
    const done = (r: TcpResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      s.destroy();
      resolve(r);
    };
    // Not socket.setTimeout: that measures idleness, and a dropped SYN is what is being timed.
    const timer = setTimeout(() => done('filtered'), timeoutMs);
    const onAbort = () => done('filtered');
    signal?.addEventListener('abort', onAbort, { once: true });
    s.once('connect', () => done('open'));
    s.once('error', (e: NodeJS.ErrnoException) => done(e.code === 'ECONNREFUSED' ? 'closed' : 'filtered'));
  });
}
