/**
 * Readers of the verification scripts' output (scripts.ts). Pure and forgiving: a section that is
 * missing or garbled reads as "nothing known", which `evaluate` turns into a finding, never a throw.
 */

/** `== name` headed sections of a capture; text before the first header is dropped. */
export function sections(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  let name: string | null = null;
  let body: string[] = [];
  const flush = () => {
    if (name !== null) out.set(name, body.join('\n'));
  };
  for (const line of stdout.split('\n')) {
    const m = /^== (\S+)$/.exec(line.trimEnd());
    if (m) {
      flush();
      name = m[1]!;
      body = [];
    } else if (name !== null) body.push(line);
  }
  flush();
  return out;
}

export interface ServicesCapture {
  /** unit → `systemctl is-active` (active, inactive, failed, activating…) and `is-enabled`; `unknown` when empty. */
  units: Map<string, { active: string; enabled: string }>;
  /** Units `systemctl --failed` lists. */
  failed: string[];
}

export function parseServices(stdout: string): ServicesCapture {
  const sec = sections(stdout);
  const units = new Map<string, { active: string; enabled: string }>();
  for (const line of (sec.get('units') ?? '').split('\n')) {
    const [name, active, enabled] = line.trim().split(/\s+/);
    if (name) units.set(name, { active: active || 'unknown', enabled: enabled || 'unknown' });
  }
  const failed = (sec.get('failed') ?? '').split('\n').map((l) => l.trim().replace(/^●\s*/, '').split(/\s+/)[0] ?? '').filter(Boolean);
  return { units, failed };
}

export type TcpResult = 'open' | 'closed' | 'filtered';
const tcpResult = (s: string | undefined): TcpResult | null => (s === 'open' || s === 'closed' || s === 'filtered' ? s : null);

export interface VipCapture {
  /** The node's IPv4 addresses, without prefix length, with their interface. */
  addresses: { dev: string; address: string }[];
  tcp: TcpResult | null;
  ping: 'ok' | 'lost' | 'missing' | null;
}

/** `ip -o -4 addr show` lines: `2: eth0    inet 198.18.44.11/24 brd … scope global eth0\ …`. */
export function parseIpAddr(text: string): { dev: string; address: string }[] {
  const out: { dev: string; address: string }[] = [];
  for (const line of text.split('\n')) {
    const m = /^\d+:\s+(\S+)\s+inet\s+([0-9.]+)\/\d+/.exec(line.trim());
    if (m) out.push({ dev: m[1]!, address: m[2]! });
  }
  return out;
}

export function parseVip(stdout: string): VipCapture {
  const sec = sections(stdout);
  const ping = (sec.get('ping') ?? '').trim();
  return {
    addresses: parseIpAddr(sec.get('addr') ?? ''),
    tcp: tcpResult((sec.get('tcp') ?? '').trim()),
    ping: ping === 'ok' || ping === 'lost' || ping === 'missing' ? ping : null,
  };
}

export interface Tracking {
  /** Reference ID as chrony prints it (hex); `7F7F0101` is the local clock (`local stratum`). */
  refId: string;
  /** The source's address (chronyc -n), empty for the local clock. */
  refAddress: string;
  stratum: number;
  /** The system clock's offset from true time as chrony estimates it, in seconds (signed). */
  systemOffsetS: number;
  leap: string;
}

export interface TimeSource {
  mode: string;
  /** `*` selected, `+` combined, `-` not combined, `?` unusable, `x` falseticker, `~` too variable. */
  state: string;
  address: string;
  stratum: number;
  reach: number;
  /** The last sample's offset, adjusted for clock changes since, in seconds (signed). */
  offsetS: number;
}

export interface TimeCapture {
  /** null: chronyc could not answer (chronyd not running, or not installed). */
  tracking: Tracking | null;
  sources: TimeSource[];
  /** chronyc's own words when it failed (e.g. `506 Cannot talk to daemon`). */
  error: string;
}

const rcOf = (body: string) => Number(/^rc=(\d+)\s*$/m.exec(body)?.[1] ?? NaN);
const withoutRc = (body: string) => body.split('\n').filter((l) => !/^rc=\d+\s*$/.test(l) && l.trim() !== '');

export const LOCAL_REF_ID = '7F7F0101';

export function parseTime(stdout: string): TimeCapture {
  const sec = sections(stdout);
  const tBody = sec.get('tracking') ?? '';
  const sBody = sec.get('sources') ?? '';
  const tLines = withoutRc(tBody);
  let tracking: Tracking | null = null;
  if (rcOf(tBody) === 0 && tLines[0]) {
    const f = tLines[0].split(',');
    if (f.length >= 14) {
      tracking = { refId: f[0]!.toUpperCase(), refAddress: f[1]!, stratum: Number(f[2]), systemOffsetS: Number(f[4]), leap: f[13]!.trim() };
    }
  }
  const sources: TimeSource[] = [];
  if (rcOf(sBody) === 0) {
    for (const line of withoutRc(sBody)) {
      const f = line.split(',');
      if (f.length < 10) continue;
      sources.push({ mode: f[0]!, state: f[1]!, address: f[2]!, stratum: Number(f[3]), reach: parseInt(f[5]!, 8), offsetS: Number(f[7]) });
    }
  }
  const error = tracking ? '' : (tLines.join(' ').trim() || 'no answer');
  return { tracking, sources, error };
}

export interface FirewallCapture {
  probes: { address: string; port: number; result: TcpResult }[];
  /** The `nft list table` text; empty when absent. */
  ruleset: string;
  /** The input chain of Rackside's table drops what no rule accepts. */
  inputPolicyDrop: boolean;
  /** The table exists (nft listed it). */
  tablePresent: boolean;
}

export function parseFirewall(stdout: string): FirewallCapture {
  const sec = sections(stdout);
  const probes: FirewallCapture['probes'] = [];
  for (const line of (sec.get('probes') ?? '').split('\n')) {
    const [address, port, result] = line.trim().split(/\s+/);
    const r = tcpResult(result);
    if (address && port && r) probes.push({ address, port: Number(port), result: r });
  }
  const ruleset = (sec.get('ruleset') ?? '').trim();
  const tablePresent = /^table inet \S+ \{/m.test(ruleset);
  // The input hook's policy, wherever the chain is (nft prints `type filter hook input priority filter; policy drop;`).
  const inputPolicyDrop = /hook input\b[^;]*;\s*policy drop;/.test(ruleset);
  return { probes, ruleset, inputPolicyDrop, tablePresent };
}

export interface PromTarget {
  job: string;
  instance: string;
  health: string;
  lastError: string;
}

/** The raw HTTP response of /api/v1/targets: null when unreachable, not 200, or not the API's JSON. */
export function parsePrometheusTargets(stdout: string): { targets: PromTarget[] } | { error: string } {
  const text = stdout.replace(/\r\n/g, '\n');
  if (text.trim() === '' || text.trim() === 'unreachable') return { error: 'unreachable' };
  const split = text.indexOf('\n\n');
  const head = split >= 0 ? text.slice(0, split) : text;
  const status = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(head)?.[1];
  if (status !== '200') return { error: status ? `HTTP ${status}` : 'no HTTP answer' };
  let body: unknown;
  try {
    body = JSON.parse(text.slice(split + 2));
  } catch {
    return { error: 'not JSON' };
  }
  const active = (body as { data?: { activeTargets?: unknown } }).data?.activeTargets;
  if (!Array.isArray(active)) return { error: 'no activeTargets' };
  return {
    targets: active.map((t: { labels?: Record<string, string>; health?: string; lastError?: string }) => ({
      job: t.labels?.job ?? '',
      instance: t.labels?.instance ?? '',
      health: t.health ?? 'unknown',
      lastError: t.lastError ?? '',
    })),
  };
}
