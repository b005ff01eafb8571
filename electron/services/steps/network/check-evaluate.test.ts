import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { networkPlanSchema, type NetworkPlanInput, type Project } from '../../../contract/index.js';
import type { ActionResult, Finding, StepResults } from '../../runbook/step-module.js';
import {
  addressInUseFindings,
  checkContext,
  clockSkewFindings,
  dadFindings,
  dnsFindings,
  dnsNotConfiguredFindings,
  evaluateNetwork,
  hostFindings,
  neighbourDuplicateFindings,
  ntpFindings,
  portFindings,
  reachabilityFindings,
  routeFindings,
} from './check-evaluate.js';
import { readHostFacts } from './matrix.js';

/**
 * The network check's evaluate, split into small functions, must say what the 204-line original
 * said. check-findings.golden.json holds the original's findings for these scenarios (all built
 * from the captured outputs in fixtures/); RACKSIDE_UPDATE_GOLDEN=1 rewrites it.
 */
const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');
const GOLDEN = join(import.meta.dirname, 'fixtures', 'check-findings.golden.json');

const HOSTS = [1, 2, 3, 4].map((i) => ({ id: `n${i}`, name: `node${i}`, address: `198.18.4.${10 + i}` }));
const project = (network?: NetworkPlanInput): Project => ({
  version: 1,
  site: '',
  customer: '',
  technician: '',
  hosts: HOSTS.map((h, i) => ({ ...h, port: 22, user: 'root', role: i === 0 ? ('master' as const) : ('worker' as const), auth: { method: 'key' as const, keyPath: '/k' } })),
  ...(network ? { network: networkPlanSchema.parse(network) } : {}),
});

interface Opts {
  /** This node's links are slow and lossy (ping-degraded.txt), both ways. */
  slowTo?: number;
  /** Unreachable (ping-unreachable.txt) from node `from` to node `to`. */
  cut?: { from: number; to: number };
  /** DF pings from every node to this one do not pass (ping-mtu-too-big.txt). */
  mtuTo?: number;
  ports?: (from: number, to: number) => string;
  probe?: string;
  epochs?: number[];
  ntp?: (i: number) => string;
  gateway?: (i: number) => string;
  route?: (i: number) => string;
  dad?: (i: number) => string;
  dns?: (i: number) => string | undefined;
  /** This node's matrix action did not complete. */
  noMatrix?: number;
}

function results(o: Opts = {}): StepResults {
  const done = (stdout: string): ActionResult => ({ status: 'done', exitCode: 0, stdout });
  const matrixOut = (me: number) => {
    const peers = [0, 1, 2, 3].filter((k) => k !== me).map((k) => {
      const ping = o.cut && o.cut.from === me && o.cut.to === k ? fixture('ping-unreachable.txt')
        : o.slowTo === k || me === o.slowTo ? fixture('ping-degraded.txt') : fixture('ping-ok.txt');
      const mtu = o.mtuTo === k ? fixture('ping-mtu-too-big.txt') : fixture('ping-mtu-ok.txt');
      return `=== peer ${k} ${HOSTS[k]!.address}\n-- rs:ping\n${ping}\n-- rs:mtu 1500\n${mtu}\n${o.ports?.(me, k) ?? '-- rs:port 22 open\n'}`;
    });
    return [
      ...peers, o.probe ?? '',
      o.gateway?.(me) ?? `=== gateway 198.18.4.1\n${fixture('ping-ok.txt')}`,
      o.dad?.(me) ?? '=== dad-unavailable',
      '=== neigh', me === 0 ? fixture('ip-neigh.json').trim() : '[]',
    ].join('\n');
  };
  return new Map(HOSTS.map((h, i) => {
    const actions = new Map<string, ActionResult>([
      ['clock', done(`epoch=${o.epochs?.[i] ?? 1700000000.5}\n${o.ntp?.(i) ?? 'ntp_source=chrony\nntp_synced=yes\n'}`)],
      ['interfaces', done(`=== addr\n${fixture('ip-addr.json').replace('198.18.4.11', h.address)}\n=== route\n${o.route?.(i) ?? fixture('ip-route-default.json')}\n=== hostname\n${h.name}\n`)],
      ['matrix', o.noMatrix === i ? { status: 'failed', exitCode: 255, stdout: '' } : done(matrixOut(i))],
    ]);
    const dns = o.dns?.(i);
    if (dns !== undefined) actions.set('dns', done(dns));
    return [h.id, actions];
  }));
}

const named = { domain: 'rack.lab', hosts: HOSTS.map((h, i) => ({ hostId: h.id, hostname: `rack-0${i + 1}` })) };

const SCENARIOS: Record<string, { plan?: NetworkPlanInput; opts?: Opts }> = {
  healthy: {},
  'slow and lossy node3': { opts: { slowTo: 2 } },
  'second MAC, VIP taken, clock skew': {
    plan: { vip: '198.18.4.100' },
    opts: {
      probe: '=== probe 198.18.4.100\n-- rs:ping-exit 0\n[{"dst":"198.18.4.100","dev":"eth0","lladdr":"aa:bb:cc:dd:ee:ff","state":["REACHABLE"]}]\n',
      epochs: [1700000000, 1700000000.2, 1700000045, 1700000000.1],
    },
  },
  'clock a little behind': { opts: { epochs: [1700000000, 1700000000, 1699999990, 1700000000] } },
  'cut link, MTU black hole, ports filtered and closed': {
    plan: { requiredPorts: [22, 6443] },
    opts: {
      cut: { from: 0, to: 3 },
      mtuTo: 1,
      ports: (from, to) => `-- rs:port 22 open\n-- rs:port 6443 ${to === 2 ? 'filtered' : from === 3 ? 'refused' : 'open'}\n`,
    },
  },
  'no default route, dead gateway, NTP missing and unsynced, DAD duplicate': {
    opts: {
      route: (i) => (i === 1 ? '[]' : fixture('ip-route-default.json')),
      gateway: (i) => (i === 2 ? `=== gateway 198.18.4.1\n${fixture('ping-unreachable.txt')}` : `=== gateway 198.18.4.1\n${fixture('ping-ok.txt')}`),
      ntp: (i) => (i === 0 ? 'ntp_source=none\n' : i === 3 ? 'ntp_source=timedatectl\nntp_synced=no\nntp_enabled=yes\n' : 'ntp_source=chrony\nntp_synced=yes\n'),
      dad: (i) => (i === 3 ? '=== dad 198.18.4.14 1' : '=== dad 198.18.4.1' + (i + 1) + ' 0'),
    },
  },
  'matrix did not run on node2': { opts: { noMatrix: 1 } },
  'planned address taken, DNS checked': {
    plan: {
      ...named, dnsServers: ['198.18.4.53'],
      hosts: [{ hostId: 'n1', hostname: 'rack-01', interfaces: [{ name: 'eth0', address: '198.18.4.99', prefix: 24, gateway: '198.18.4.1' }] }, ...named.hosts.slice(1)],
    },
    opts: {
      probe: '=== probe 198.18.4.99\n-- rs:ping-exit 1\n[{"dst":"198.18.4.99","dev":"eth0","lladdr":"aa:bb:cc:00:00:99","state":["REACHABLE"]}]\n',
      dns: (i) => (i === 0 ? 'tool=none\n' : i === 1
        ? 'tool=dig\nfwd rack-01.rack.lab = 198.18.4.11 \nrev 198.18.4.11 = rack-01.rack.lab. \nfwd rack-02.rack.lab = \nrev 198.18.4.12 = wrong.example. \n'
        : 'tool=host\nfwd rack-01.rack.lab = 198.18.4.11 \nrev 198.18.4.11 = rack-01.rack.lab. \n'),
    },
  },
};

function run(): Record<string, Finding[]> {
  const out: Record<string, Finding[]> = {};
  for (const [name, s] of Object.entries(SCENARIOS)) {
    const p = project(s.plan);
    out[name] = evaluateNetwork(readHostFacts(results(s.opts), p), p);
  }
  return JSON.parse(JSON.stringify(out)) as Record<string, Finding[]>;
}

describe('network check evaluate', () => {
  const now = run();
  if (process.env.RACKSIDE_UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, JSON.stringify(now, null, 1) + '\n');
  const golden = JSON.parse(readFileSync(GOLDEN, 'utf8')) as Record<string, Finding[]>;

  it('covers every finding code of the check (so the golden file means something)', () => {
    const codes = new Set(Object.values(golden).flat().map((f) => f.code));
    expect([...codes].sort()).toEqual([
      'network.check-failed', 'network.clock-skew', 'network.dns-forward', 'network.dns-not-configured', 'network.dns-reverse',
      'network.dns-tool-missing', 'network.duplicate-address', 'network.gateway-unreachable', 'network.interfaces', 'network.latency',
      'network.loss', 'network.mtu', 'network.no-default-route', 'network.ntp-unknown', 'network.ntp-unsynced',
      'network.planned-address-in-use', 'network.port-closed', 'network.port-filtered', 'network.unreachable', 'network.vip-in-use',
    ]);
  });

  for (const name of Object.keys(SCENARIOS)) {
    it(`says what it said before: ${name}`, () => {
      expect(now[name]).toEqual(golden[name]);
    });
  }

  it('each piece says its own part of what the whole said before, in the same order', () => {
    const plain = (x: Finding[]) => JSON.parse(JSON.stringify(x)) as Finding[];
    for (const [name, s] of Object.entries(SCENARIOS)) {
      const p = project(s.plan);
      const c = checkContext(readHostFacts(results(s.opts), p), p);
      const before = golden[name]!;
      const only = (codes: string[], hostId?: string) => before.filter((f) => codes.includes(f.code) && (hostId === undefined || f.hostId === hostId));
      for (const h of p.hosts) {
        const f = c.facts.get(h.id)!;
        const row = c.matrix.cells.filter((x) => x.from === h.id);
        const mine = before.filter((x) => x.hostId === h.id);
        expect(plain(hostFindings(c, h.id)), `${name} ${h.id}`).toEqual(mine.slice(0, hostFindings(c, h.id).length));
        if (!f.matrix) continue;
        expect(plain(reachabilityFindings(c, h.id, row))).toEqual(only(['network.unreachable', 'network.loss', 'network.latency', 'network.mtu'], h.id));
        expect(plain(portFindings(c, h.id, row))).toEqual(only(['network.port-filtered', 'network.port-closed'], h.id));
        expect(plain(routeFindings(c, h.id, f))).toEqual(only(['network.no-default-route', 'network.gateway-unreachable', 'network.interfaces'], h.id));
        expect(plain(dadFindings(c, h.id, f))).toEqual(only(['network.duplicate-address'], h.id).filter((x) => !('mac' in (x.params ?? {}))));
        expect(plain(ntpFindings(c, h.id, f))).toEqual(only(['network.ntp-unknown', 'network.ntp-unsynced'], h.id));
        expect(plain(dnsFindings(c, h.id, f))).toEqual(only(['network.dns-tool-missing', 'network.dns-forward', 'network.dns-reverse'], h.id));
      }
      expect(plain(clockSkewFindings(c))).toEqual(only(['network.clock-skew']));
      expect(plain(neighbourDuplicateFindings(c))).toEqual(only(['network.duplicate-address']).filter((x) => 'mac' in (x.params ?? {})));
      expect(plain(addressInUseFindings(c))).toEqual(only(['network.vip-in-use', 'network.planned-address-in-use']));
      expect(plain(dnsNotConfiguredFindings(c))).toEqual(only(['network.dns-not-configured']));
    }
  });
});
