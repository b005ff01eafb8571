import type { InterfaceInfo, MatrixCell, MatrixView, Project } from '../../../contract/index.js';
import { networkPlanSchema } from '../../../contract/index.js';
import { expectedNames } from './names.js';
import type { StepResults } from '../../runbook/step-module.js';
import {
  neighAnswered,
  parseDefaultRoutes,
  parseIpAddr,
  parseKv,
  parseNeigh,
  parsePing,
  parseSections,
  type NeighEntry,
  type PingSummary,
} from './parse.js';

/** What one host's network-check actions told us, parsed. Missing parts stay undefined/empty. */
export interface HostFacts {
  epoch?: number;
  ntp: { source: string; synced?: boolean };
  interfaces?: InterfaceInfo[];
  defaultRoutes: { gateway?: string; dev: string }[];
  hostname?: string;
  /** Present when the matrix action completed. */
  matrix?: true;
  peers: Map<number, { address: string; ping: PingSummary | null; mtu?: number; mtuPing: PingSummary | null; ports: Record<string, 'open' | 'refused' | 'filtered'> }>;
  probes: Map<string, { answered: boolean }>;
  gateway?: PingSummary | null;
  gatewayAddress?: string;
  neigh: NeighEntry[];
  /** Own addresses arping -D found a second answer for. */
  dadDuplicates: string[];
  dns: { kind: 'forward' | 'reverse' | 'tool-missing'; query: string; expected: string; got: string }[];
}

const ok = (s: string | undefined) => s === 'done';

/** Parse every host's captured output. Unparseable pieces are left out, never guessed. */
export function readHostFacts(results: StepResults, project: Project): Map<string, HostFacts> {
  const out = new Map<string, HostFacts>();
  for (const h of project.hosts) {
    const r = results.get(h.id);
    const f: HostFacts = { ntp: { source: 'unknown' }, defaultRoutes: [], peers: new Map(), probes: new Map(), neigh: [], dadDuplicates: [], dns: [] };
    out.set(h.id, f);
    if (!r) continue;
    const clock = r.get('clock');
    if (clock && ok(clock.status)) {
      const kv = parseKv(clock.stdout);
      const epoch = Number(kv.get('epoch'));
      if (Number.isFinite(epoch) && epoch > 0) f.epoch = epoch;
      f.ntp = { source: kv.get('ntp_source') ?? 'unknown' };
      const s = kv.get('ntp_synced');
      if (s === 'yes' || s === 'no') f.ntp.synced = s === 'yes';
    }
    const inv = r.get('interfaces');
    if (inv && ok(inv.status)) readInventory(inv.stdout, f);
    const m = r.get('matrix');
    if (m && ok(m.status)) readMatrixOutput(m.stdout, f);
    const dns = r.get('dns');
    if (dns && ok(dns.status)) readDns(dns.stdout, f, project);
  }
  return out;
}

function readInventory(text: string, f: HostFacts) {
  for (const s of parseSections(text)) {
    try {
      if (s.name === 'addr') f.interfaces = parseIpAddr(s.body);
      else if (s.name === 'route') f.defaultRoutes = parseDefaultRoutes(s.body || '[]');
      else if (s.name === 'hostname') f.hostname = s.body.trim();
    } catch {
      // Not iproute2 JSON (very old iproute2 without -j): that part stays unknown.
    }
  }
}

export function readMatrixOutput(text: string, f: HostFacts) {
  f.matrix = true;
  for (const s of parseSections(text)) {
    const [kind, a, b] = s.name.split(/\s+/);
    if (kind === 'peer' && a !== undefined && b !== undefined) {
      const parts = s.body.split(/^-- rs:/m);
      let ping: PingSummary | null = null;
      let mtuPing: PingSummary | null = null;
      let mtu: number | undefined;
      const ports: Record<string, 'open' | 'refused' | 'filtered'> = {};
      for (const part of parts) {
        const nl = part.indexOf('\n');
        const head = (nl < 0 ? part : part.slice(0, nl)).trim();
        const body = nl < 0 ? '' : part.slice(nl + 1);
        if (head === 'ping') ping = parsePing(body);
        else if (head.startsWith('mtu ')) {
          mtu = Number(head.slice(4));
          mtuPing = parsePing(body);
        } else if (head.startsWith('port ')) {
          const [, port, state] = head.split(/\s+/);
          if (port && (state === 'open' || state === 'refused' || state === 'filtered')) ports[port] = state;
        }
      }
      f.peers.set(Number(a), { address: b, ping, ...(mtu !== undefined && Number.isFinite(mtu) ? { mtu } : {}), mtuPing, ports });
    } else if (kind === 'probe' && a) {
      const exit = /-- rs:ping-exit (\d+)/.exec(s.body);
      let neigh: NeighEntry[] = [];
      const json = s.body.replace(/-- rs:ping-exit \d+/, '').trim();
      try {
        neigh = json ? parseNeigh(json) : [];
      } catch {
        neigh = [];
      }
      f.probes.set(a, { answered: exit?.[1] === '0' || neigh.some(neighAnswered) });
    } else if (kind === 'gateway' && a) {
      f.gatewayAddress = a;
      f.gateway = parsePing(s.body);
    } else if (kind === 'dad' && a && b !== undefined) {
      // iputils arping -D: exit 1 when a reply came, i.e. someone else has the address.
      if (b === '1') f.dadDuplicates.push(a);
    } else if (kind === 'neigh') {
      try {
        f.neigh = parseNeigh(s.body.trim() || '[]');
      } catch {
        f.neigh = [];
      }
    }
  }
}

function readDns(text: string, f: HostFacts, project: Project) {
  const kv = parseKv(text);
  if (kv.get('tool') === 'none') {
    f.dns.push({ kind: 'tool-missing', query: '', expected: '', got: '' });
    return;
  }
  const expected = expectedNames(project);
  for (const line of text.split('\n')) {
    const m = /^(fwd|rev) (\S+) = ?(.*)$/.exec(line);
    if (!m) continue;
    const [, kind, query, gotRaw] = m as unknown as [string, string, string, string];
    const got = gotRaw.trim();
    const answers = got.split(/\s+/).filter(Boolean).map((x) => x.replace(/\.$/, '').toLowerCase());
    if (kind === 'fwd') {
      const want = expected.find((e) => e.fqdn === query)?.address;
      if (want && !answers.includes(want)) f.dns.push({ kind: 'forward', query, expected: want, got });
    } else {
      const want = expected.find((e) => e.address === query)?.fqdn;
      if (want && !answers.includes(want.toLowerCase())) f.dns.push({ kind: 'reverse', query, expected: want, got });
    }
  }
}

/** The matrix as the UI shows it: a cell per ordered pair, coloured by the plan's thresholds. */
export function buildMatrix(facts: Map<string, HostFacts>, project: Project): Omit<MatrixView, 'runId'> {
  const t = (project.network ?? networkPlanSchema.parse({})).thresholds;
  const hosts = project.hosts.map((h) => ({ hostId: h.id, name: h.name || h.address, address: h.address }));
  const cells: MatrixCell[] = [];
  project.hosts.forEach((from, i) => {
    const f = facts.get(from.id);
    project.hosts.forEach((to, k) => {
      if (i === k) return;
      const p = f?.peers.get(k);
      if (!p || !p.ping) {
        cells.push({
          from: from.id, to: to.id, status: 'unknown', ports: p?.ports ?? {},
          notes: [f?.matrix ? 'no ping result' : 'not measured'], noteTexts: [{ code: f?.matrix ? 'no-ping' : 'not-measured', params: {} }],
        });
        return;
      }
      const c: MatrixCell = {
        from: from.id,
        to: to.id,
        status: 'ok',
        sent: p.ping.transmitted,
        received: p.ping.received,
        lossPct: p.ping.lossPct,
        ...(p.ping.rttAvgMs !== undefined ? { rttAvgMs: p.ping.rttAvgMs } : {}),
        ...(p.ping.rttMaxMs !== undefined ? { rttMaxMs: p.ping.rttMaxMs } : {}),
        ...(p.mtu !== undefined ? { mtuPayload: p.mtu - 28 } : {}),
        ...(p.mtuPing ? { mtuOk: p.mtuPing.received > 0 } : {}),
        ports: p.ports,
        notes: [],
        noteTexts: [],
      };
      const worse = (s: 'warning' | 'blocking', note: string, code: string, params: Record<string, string | number> = {}) => {
        if (s === 'blocking' || c.status === 'ok') c.status = s;
        c.notes.push(note);
        c.noteTexts!.push({ code, params });
      };
      if (p.ping.received === 0) worse('blocking', 'unreachable', 'unreachable');
      else {
        if (p.ping.lossPct >= t.lossBlockPct) worse('blocking', `loss ${p.ping.lossPct} %`, 'loss', { pct: p.ping.lossPct });
        else if (p.ping.lossPct > t.lossWarnPct) worse('warning', `loss ${p.ping.lossPct} %`, 'loss', { pct: p.ping.lossPct });
        const avg = p.ping.rttAvgMs ?? 0;
        if (avg >= t.rttBlockMs) worse('blocking', `rtt ${avg} ms`, 'rtt', { ms: avg });
        else if (avg >= t.rttWarnMs) worse('warning', `rtt ${avg} ms`, 'rtt', { ms: avg });
        if (c.mtuOk === false) worse('blocking', `MTU ${p.mtu} does not pass`, 'mtu', { mtu: p.mtu ?? '?' });
      }
      for (const [port, s] of Object.entries(p.ports)) {
        if (s === 'filtered') worse('blocking', `port ${port} filtered`, 'port-filtered', { port });
        else if (s === 'refused') worse('warning', `port ${port} closed`, 'port-closed', { port });
      }
      cells.push(c);
    });
  });
  const epochs = project.hosts.map((h) => facts.get(h.id)?.epoch).filter((e): e is number => e !== undefined).sort((a, b) => a - b);
  const median = epochs.length ? (epochs.length % 2 ? epochs[(epochs.length - 1) / 2]! : (epochs[epochs.length / 2 - 1]! + epochs[epochs.length / 2]!) / 2) : undefined;
  const clocks = project.hosts.map((h) => {
    const f = facts.get(h.id);
    const ntp = f ? (f.ntp.synced === undefined ? f.ntp.source : `${f.ntp.source}${f.ntp.synced ? ' synced' : ' not synced'}`) : 'unknown';
    return {
      hostId: h.id, ...(f?.epoch !== undefined && median !== undefined ? { offsetS: Math.round((f.epoch - median) * 1000) / 1000 } : {}), ntp,
      ...(f ? { source: f.ntp.source, ...(f.ntp.synced === undefined ? {} : { synced: f.ntp.synced }) } : {}),
    };
  });
  return { hosts, cells, clocks };
}
