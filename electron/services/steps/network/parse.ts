import type { InterfaceInfo } from '../../../contract/index.js';

/**
 * Parsers for what the network actions print. Inputs are iputils `ping -q` summaries and
 * iproute2 JSON (`ip -j`); tested on output captured from the lab (fixtures/) and on the
 * documented formats (busybox ping, iputils with errors/duplicates).
 */

export interface PingSummary {
  transmitted: number;
  received: number;
  lossPct: number;
  errors: number;
  duplicates: number;
  rttMinMs?: number;
  rttAvgMs?: number;
  rttMaxMs?: number;
  rttMdevMs?: number;
}

// iputils: "10 packets transmitted, 7 received, +3 duplicates, +2 errors, 30% packet loss, time 1811ms"
// busybox: "10 packets transmitted, 10 packets received, 0% packet loss"
const STATS = /(\d+) packets transmitted, (\d+) (?:packets )?received(.*?), ([\d.]+)% packet loss/;
// iputils: "rtt min/avg/max/mdev = 0.069/0.156/0.483/0.119 ms"; busybox: "round-trip min/avg/max = 0.1/0.2/0.3 ms"
const RTT = /(?:rtt|round-trip) min\/avg\/max(?:\/mdev)? = ([\d.]+)\/([\d.]+)\/([\d.]+)(?:\/([\d.]+))? ms/;

export function parsePing(text: string): PingSummary | null {
  const s = STATS.exec(text);
  if (!s) return null;
  const extra = s[3] ?? '';
  const summary: PingSummary = {
    transmitted: Number(s[1]),
    received: Number(s[2]),
    lossPct: Number(s[4]),
    errors: Number(/\+(\d+) errors/.exec(extra)?.[1] ?? 0),
    duplicates: Number(/\+(\d+) duplicates/.exec(extra)?.[1] ?? 0),
  };
  const r = RTT.exec(text);
  if (r) {
    summary.rttMinMs = Number(r[1]);
    summary.rttAvgMs = Number(r[2]);
    summary.rttMaxMs = Number(r[3]);
    if (r[4] !== undefined) summary.rttMdevMs = Number(r[4]);
  }
  return summary;
}

interface IpAddrEntry {
  ifname?: string;
  link?: string;
  flags?: string[];
  mtu?: number;
  master?: string;
  operstate?: string;
  link_type?: string;
  address?: string;
  linkinfo?: {
    info_kind?: string;
    info_data?: { mode?: string; id?: number };
    info_slave_kind?: string;
    info_slave_data?: { state?: string };
  };
  addr_info?: { family?: string; local?: string; prefixlen?: number }[];
}

/** `ip -j -d addr show` → interfaces. Throws on text that is not iproute2 JSON. */
export function parseIpAddr(json: string): InterfaceInfo[] {
  const data = JSON.parse(json) as IpAddrEntry[];
  if (!Array.isArray(data)) throw new Error('ip -j addr: not a JSON array');
  return data
    .filter((e) => typeof e.ifname === 'string')
    .map((e) => {
      const kindRaw = e.linkinfo?.info_kind;
      const kind = e.link_type === 'loopback' ? 'loopback' : kindRaw ?? (e.link_type === 'ether' ? 'ethernet' : e.link_type ?? 'unknown');
      const info: InterfaceInfo = {
        name: e.ifname!,
        kind,
        mac: e.address ?? '',
        mtu: e.mtu ?? 0,
        state: e.operstate ?? 'UNKNOWN',
        carrier: (e.flags ?? []).includes('LOWER_UP'),
        addresses: (e.addr_info ?? [])
          .filter((a) => (a.family === 'inet' || a.family === 'inet6') && a.local && a.prefixlen !== undefined)
          .map((a) => ({ family: a.family as 'inet' | 'inet6', address: a.local!, prefix: a.prefixlen! })),
      };
      if (e.master) info.master = e.master;
      if (kindRaw === 'bond' && e.linkinfo?.info_data?.mode) info.bondMode = e.linkinfo.info_data.mode;
      if (e.linkinfo?.info_slave_kind === 'bond' && e.linkinfo.info_slave_data?.state) info.bondRole = e.linkinfo.info_slave_data.state;
      if (kindRaw === 'vlan') {
        if (typeof e.linkinfo?.info_data?.id === 'number') info.vlanId = e.linkinfo.info_data.id;
        if (e.link) info.parent = e.link;
      }
      return info;
    });
}

export interface NeighEntry {
  dst: string;
  dev: string;
  lladdr?: string;
  state: string[];
}

/** `ip -j neigh show`. */
export function parseNeigh(json: string): NeighEntry[] {
  const data = JSON.parse(json) as { dst?: string; dev?: string; lladdr?: string; state?: string[] }[];
  if (!Array.isArray(data)) throw new Error('ip -j neigh: not a JSON array');
  return data
    .filter((e) => typeof e.dst === 'string')
    .map((e) => ({ dst: e.dst!, dev: e.dev ?? '', ...(e.lladdr ? { lladdr: e.lladdr.toLowerCase() } : {}), state: e.state ?? [] }));
}

/** A neighbour entry that proves a live answer at that address (not FAILED / INCOMPLETE). */
export const neighAnswered = (n: NeighEntry): boolean =>
  n.lladdr !== undefined && !n.state.some((s) => s === 'FAILED' || s === 'INCOMPLETE');

/** `ip -j route show default` → gateways (empty: no default route). */
export function parseDefaultRoutes(json: string): { gateway?: string; dev: string }[] {
  const data = JSON.parse(json) as { dst?: string; gateway?: string; dev?: string }[];
  if (!Array.isArray(data)) throw new Error('ip -j route: not a JSON array');
  return data.filter((r) => r.dst === 'default').map((r) => ({ ...(r.gateway ? { gateway: r.gateway } : {}), dev: r.dev ?? '' }));
}

/** `key=value` lines (first `=` splits). */
export function parseKv(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) m.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  return m;
}

/**
 * Our scripts print sections as `=== <name>` lines followed by the section's text. Returns them in
 * order; the same name may occur more than once.
 */
export function parseSections(text: string): { name: string; body: string }[] {
  const out: { name: string; body: string }[] = [];
  let cur: { name: string; lines: string[] } | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('=== ')) {
      if (cur) out.push({ name: cur.name, body: cur.lines.join('\n') });
      cur = { name: line.slice(4).trim(), lines: [] };
    } else if (cur) cur.lines.push(line);
  }
  if (cur) out.push({ name: cur.name, body: cur.lines.join('\n') });
  return out;
}
