/**
 * Pacemaker's fencer log lines (journalctl -o short-unix), as Debian 12's Pacemaker 2.1 writes
 * them on the node that requests a fencing (the DC):
 *
 *   1796639874.706483 node2 pacemaker-fenced[3715]:  notice: Requesting peer fencing (reboot) targeting node1
 *   1796639879.912468 node2 pacemaker-fenced[3715]:  notice: Operation 'reboot' targeting node1 by node2 for pacemaker-controld.3719@node2: OK (complete)
 *
 * Every other node logs only the second. The last completed fencing of `node` wins, with the last
 * request before it. Anything but `OK` is not a completed fencing.
 */
export interface FenceLog {
  /** When the fencing was requested (ms, the logging node's clock), null when this node did not request it. */
  requestedMs: number | null;
  /** When the fencer reported it done. */
  doneMs: number;
  /** reboot, off. */
  action: string;
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function parseFenceLog(text: string, node: string): FenceLog | null {
  const n = esc(node);
  const request = new RegExp(`^(\\d+\\.\\d+) \\S+ pacemaker-fenced\\[\\d+\\]:\\s+\\w+: Requesting peer fencing \\((\\w+)\\) targeting ${n}$`);
  const done = new RegExp(`^(\\d+\\.\\d+) \\S+ pacemaker-fenced\\[\\d+\\]:\\s+\\w+: Operation '(\\w+)' targeting ${n} by \\S+ for \\S+: OK\\b`);
  let lastRequest: number | null = null;
  let out: FenceLog | null = null;
  for (const line of text.split('\n')) {
    const l = line.trim();
    const r = request.exec(l);
    if (r) {
      lastRequest = Math.round(Number(r[1]) * 1000);
      continue;
    }
    const d = done.exec(l);
    if (d) out = { requestedMs: lastRequest !== null && lastRequest <= Math.round(Number(d[1]) * 1000) ? lastRequest : null, doneMs: Math.round(Number(d[1]) * 1000), action: d[2]! };
  }
  return out;
}
