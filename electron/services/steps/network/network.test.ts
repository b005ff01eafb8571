import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { networkPlanSchema, validateNetworkPlan, type NetworkPlanInput, type Project } from '../../../contract/index.js';
import { quoteArg } from '../../ssh/quote.js';
import type { ActionResult, StepResults } from '../../runbook/step-module.js';
import { addressingScripts } from './addressing.js';
import { evaluateNetwork } from './check-evaluate.js';
import { networkCheckStep } from './check-step.js';
import { hostsBlock, networkHostsStep } from './hosts-step.js';
import { hostInterfaces } from './interfaces-step.js';
import { buildMatrix, readHostFacts } from './matrix.js';
import { parseDefaultRoutes, parseIpAddr, parseNeigh, parsePing } from './parse.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');

const HOSTS = [1, 2, 3, 4].map((i) => ({ id: `n${i}`, name: `node${i}`, address: `198.18.4.${10 + i}` }));
const project = (network?: NetworkPlanInput): Project => ({
  version: 1,
  site: '',
  customer: '',
  technician: '',
  hosts: HOSTS.map((h, i) => ({ ...h, port: 22, user: 'root', role: i === 0 ? ('master' as const) : ('worker' as const), auth: { method: 'key' as const, keyPath: '/k' } })),
  ...(network ? { network: networkPlanSchema.parse(network) } : {}),
});

describe('parsers on lab output and documented formats', () => {
  it('reads iputils ping summaries', () => {
    expect(parsePing(fixture('ping-ok.txt'))).toEqual({ transmitted: 10, received: 10, lossPct: 0, errors: 0, duplicates: 0, rttMinMs: 0.069, rttAvgMs: 0.156, rttMaxMs: 0.483, rttMdevMs: 0.119 });
    expect(parsePing(fixture('ping-degraded.txt'))).toMatchObject({ transmitted: 10, received: 7, lossPct: 30, rttAvgMs: 101.07 });
    expect(parsePing(fixture('ping-unreachable.txt'))).toEqual({ transmitted: 3, received: 0, lossPct: 100, errors: 0, duplicates: 0 });
    expect(parsePing(fixture('ping-mtu-ok.txt'))?.received).toBe(2);
    expect(parsePing(fixture('ping-mtu-too-big.txt'))?.received).toBe(0);
  });

  it('reads the documented variants: errors and duplicates (iputils), busybox', () => {
    expect(parsePing('--- 10.0.0.9 ping statistics ---\n5 packets transmitted, 0 received, +5 errors, 100% packet loss, time 4005ms\npipe 4\n')).toEqual({ transmitted: 5, received: 0, lossPct: 100, errors: 5, duplicates: 0 });
    expect(parsePing('4 packets transmitted, 4 received, +2 duplicates, 0% packet loss, time 3004ms\nrtt min/avg/max/mdev = 0.1/0.2/0.3/0.05 ms')).toMatchObject({ duplicates: 2, rttAvgMs: 0.2 });
    expect(parsePing('--- 10.0.0.2 ping statistics ---\n10 packets transmitted, 10 packets received, 0% packet loss\nround-trip min/avg/max = 0.081/0.142/0.342 ms\n')).toEqual({ transmitted: 10, received: 10, lossPct: 0, errors: 0, duplicates: 0, rttMinMs: 0.081, rttAvgMs: 0.142, rttMaxMs: 0.342 });
    expect(parsePing('ping: connect: Network is unreachable\n')).toBeNull();
  });

  it('reads ip -j -d addr from a lab node and a bond + VLAN host', () => {
    const lab = parseIpAddr(fixture('ip-addr.json'));
    expect(lab.map((i) => [i.name, i.kind])).toEqual([['lo', 'loopback'], ['eth0', 'veth']]);
    expect(lab[1]).toMatchObject({ mtu: 1500, state: 'UP', carrier: true, addresses: [{ family: 'inet', address: '198.18.4.11', prefix: 24 }, { family: 'inet6', prefix: 64 }] });
    const bv = parseIpAddr(fixture('ip-addr-bond-vlan.json'));
    expect(bv.find((i) => i.name === 'bond0')).toMatchObject({ kind: 'bond', bondMode: 'active-backup', mtu: 9000 });
    expect(bv.find((i) => i.name === 'eno2')).toMatchObject({ master: 'bond0', bondRole: 'BACKUP' });
    expect(bv.find((i) => i.name === 'bond0.100')).toMatchObject({ kind: 'vlan', vlanId: 100, parent: 'bond0', addresses: [{ address: '10.100.0.11', prefix: 24 }] });
    expect(bv.find((i) => i.name === 'enp65s0f0')).toMatchObject({ kind: 'ethernet', carrier: false, state: 'DOWN' });
    expect(() => parseIpAddr('Error: unknown option')).toThrow();
  });

  it('reads neighbours and default routes', () => {
    const n = parseNeigh(fixture('ip-neigh.json'));
    expect(n.find((e) => e.dst === '198.18.4.99')).toEqual({ dst: '198.18.4.99', dev: 'eth0', state: ['INCOMPLETE'] });
    expect(n.find((e) => e.dst === '198.18.4.12')?.lladdr).toBe('92:ab:8a:50:1b:13');
    expect(parseDefaultRoutes(fixture('ip-route-default.json'))).toEqual([{ gateway: '198.18.4.1', dev: 'eth0' }]);
    expect(parseDefaultRoutes('[]')).toEqual([]);
  });
});

describe('plan validation', () => {
  const eth = (address: string, extra = {}) => ({ name: 'eth0', address, prefix: 24, gateway: '10.0.0.1', ...extra });
  const codes = (plan: NetworkPlanInput) => validateNetworkPlan(plan, HOSTS).map((i) => i.code);

  it('accepts a complete plan', () => {
    expect(codes({
      domain: 'rack.example', vip: '10.0.0.100', vipName: 'cluster', dnsServers: ['10.0.0.53'], requiredPorts: [22, 2224],
      hosts: HOSTS.map((h, i) => ({ hostId: h.id, hostname: `r${i}`, interfaces: [eth(`10.0.0.${11 + i}`, { mtu: 9000 })] })),
    })).toEqual([]);
  });

  it('rejects a duplicate address, also against another host\'s current address', () => {
    const issues = validateNetworkPlan({ hosts: [{ hostId: 'n1', interfaces: [eth('10.0.0.11')] }, { hostId: 'n2', interfaces: [eth('10.0.0.11')] }, { hostId: 'n3', interfaces: [eth('198.18.4.14', { gateway: '' })] }] }, HOSTS);
    expect(issues.filter((i) => i.code === 'address-duplicate').map((i) => [i.hostId, i.field, i.message])).toEqual([
      ['n2', 'interfaces.0.address', 'node2 eth0: address 10.0.0.11 is already planned for node1'],
      ['n3', 'interfaces.0.address', "node3: address 198.18.4.14 is node4's current address"],
    ]);
  });

  it('holds addresses to their subnet and the VIP to a free host address', () => {
    expect(codes({ hosts: [{ hostId: 'n1', interfaces: [eth('10.0.0.0')] }] })).toContain('address-is-network');
    expect(codes({ hosts: [{ hostId: 'n1', interfaces: [eth('10.0.0.255')] }] })).toContain('address-is-broadcast');
    expect(codes({ hosts: [{ hostId: 'n1', interfaces: [eth('10.0.0.11', { gateway: '10.0.1.1' })] }] })).toContain('gateway-outside');
    expect(codes({ vip: '10.0.0.255', hosts: [{ hostId: 'n1', interfaces: [eth('10.0.0.11')] }] })).toContain('vip-is-broadcast');
    expect(codes({ vip: '10.0.0.11', hosts: [{ hostId: 'n1', interfaces: [eth('10.0.0.11')] }] })).toContain('vip-is-node');
    expect(codes({ vip: '198.18.4.12' })).toContain('vip-is-node');
    expect(codes({ vip: '10.9.9.9', hosts: [{ hostId: 'n1', interfaces: [eth('10.0.0.11')] }] })).toContain('vip-outside');
    expect(codes({ hosts: [{ hostId: 'n1', interfaces: [eth('10.0.0.11', { prefix: 31 })] }] })).toContain('prefix-range');
  });

  it('checks names, bonds, VLANs, MTU and ports', () => {
    expect(codes({ hosts: [{ hostId: 'n1', hostname: 'a' }, { hostId: 'n2', hostname: 'A' }] })).toEqual(['hostname-duplicate']);
    expect(codes({ hosts: [{ hostId: 'n1', hostname: 'bad_name' }] })).toEqual(['hostname-invalid']);
    expect(codes({ hosts: [{ hostId: 'n1', hostname: "x'; rm -rf /" }] })).toEqual(['hostname-invalid']);
    expect(codes({ hosts: [{ hostId: 'n1', interfaces: [{ name: 'bond0', kind: 'bond', address: '10.0.0.11', prefix: 24 }] }] })).toEqual(['bond-mode-missing', 'bond-no-members']);
    expect(codes({ hosts: [{ hostId: 'n1', interfaces: [{ name: 'bond0', kind: 'bond', bondMode: '802.3ad', members: ['eno1', 'eno2'] }, { name: 'eno1', address: '10.0.0.11', prefix: 24 }] }] })).toEqual(['bond-member-addressed']);
    expect(codes({ hosts: [{ hostId: 'n1', interfaces: [{ name: 'eth0.5000', kind: 'vlan', vlanId: 5000 }] }] })).toEqual(['vlan-id-range', 'vlan-parent-missing']);
    expect(codes({ hosts: [{ hostId: 'n1', interfaces: [{ name: 'eth0', mtu: 20000 }] }] })).toEqual(['mtu-range']);
    expect(codes({ requiredPorts: [0, 70000] })).toEqual(['port-range', 'port-range']);
    expect(codes({ hosts: [{ hostId: 'zz' }] })).toEqual(['unknown-host']);
  });
});

describe('hostnames and /etc/hosts step', () => {
  const p = project({ domain: 'rack.lab', vip: '198.18.4.100', vipName: 'cluster', hosts: HOSTS.map((h, i) => ({ hostId: h.id, hostname: `rack-0${i + 1}` })) });

  it('plans the same /etc/hosts block on every node, with probes, values passed as arguments', () => {
    expect(hostsBlock(p)).toEqual([
      '198.18.4.11 rack-01.rack.lab rack-01',
      '198.18.4.12 rack-02.rack.lab rack-02',
      '198.18.4.13 rack-03.rack.lab rack-03',
      '198.18.4.14 rack-04.rack.lab rack-04',
      '198.18.4.100 cluster.rack.lab cluster',
    ]);
    const plan = networkHostsStep.plan(p, { hosts: p.hosts });
    const n3 = plan.get('n3')!;
    expect(n3.map((a) => a.id)).toEqual(['hostname', 'etc-hosts', 'verify']);
    expect(n3[0]!.command).toMatchObject({ args: ['rack-03'] });
    expect(n3[0]!.probe).toMatchObject({ args: ['rack-03'] });
    expect((n3[1]!.probe as { args: readonly string[] }).args.slice(0, 2)).toEqual(['check', hostsBlock(p).join('\n')]);
    expect((n3[1]!.command as { args: readonly string[] }).args.slice(0, 2)).toEqual(['apply', hostsBlock(p).join('\n')]);
    // The scripts are fixed text: no planned value appears in them.
    for (const a of n3) if ('script' in a.command) expect(a.command.script).not.toContain('rack-0');
  });

  it('evaluates the read-back', () => {
    const ok = (stdout: string): ActionResult => ({ status: 'done', exitCode: 0, stdout });
    const good = (i: number) =>
      `hostname=rack-0${i}\netc_hostname=rack-0${i}\n` + HOSTS.map((h, k) => `resolve rack-0${k + 1}=${h.address}\nresolve rack-0${k + 1}.rack.lab=${h.address}`).join('\n');
    const results: StepResults = new Map(HOSTS.map((h, i) => [h.id, new Map([['verify', ok(good(i + 1))]])]));
    results.get('n2')!.set('verify', ok(good(2).replace('hostname=rack-02\n', 'hostname=node2\n').replace('resolve rack-01=198.18.4.11', 'resolve rack-01=127.0.1.1')));
    const f = networkHostsStep.evaluate(results, p);
    expect(f.filter((x) => x.severity === 'blocking').map((x) => [x.code, x.hostId])).toEqual([['network.hostname-mismatch', 'n2'], ['network.names-mismatch', 'n2']]);
    expect(f.filter((x) => x.code === 'network.names-ok')).toHaveLength(3);
  });
});

describe('node-to-node check', () => {
  const ping = fixture('ping-ok.txt');
  const mtu = fixture('ping-mtu-ok.txt');
  const neigh = fixture('ip-neigh.json').trim();
  const matrixOut = (me: number, opts: { slowTo?: number; probe?: string } = {}) => {
    const peers = [0, 1, 2, 3].filter((k) => k !== me).map((k) =>
      `=== peer ${k} ${HOSTS[k]!.address}\n-- rs:ping\n${opts.slowTo === k || me === opts.slowTo ? fixture('ping-degraded.txt') : ping}\n-- rs:mtu 1500\n${mtu}\n-- rs:port 22 open\n`);
    return [...peers, opts.probe ?? '', '=== gateway 198.18.4.1', ping, '=== dad-unavailable', '=== neigh', me === 0 ? neigh : '[]'].join('\n');
  };
  const results = (opts: { slowTo?: number; probe?: string; epochs?: number[] } = {}): StepResults =>
    new Map(HOSTS.map((h, i) => [h.id, new Map<string, ActionResult>([
      ['clock', { status: 'done', exitCode: 0, stdout: `epoch=${opts.epochs?.[i] ?? 1700000000.5}\nntp_source=chrony\nntp_synced=yes\n` }],
      ['interfaces', { status: 'done', exitCode: 0, stdout: `=== addr\n${fixture('ip-addr.json').replace('198.18.4.11', h.address)}\n=== route\n${fixture('ip-route-default.json')}\n=== hostname\n${h.name}\n` }],
      ['matrix', { status: 'done', exitCode: 0, stdout: matrixOut(i, opts) }],
    ])]));

  it('plans ping, MTU and ports to every other node, passing addresses as arguments', () => {
    const p = project({ requiredPorts: [22, 2224], vip: '198.18.4.100' });
    const m = networkCheckStep.plan(p, { hosts: p.hosts }).get('n2')!.find((a) => a.id === 'matrix')!;
    expect(m.command).toMatchObject({ args: ['auto', '22,2224', '198.18.4.100', '0', '198.18.4.11', '2', '198.18.4.13', '3', '198.18.4.14'] });
    expect(quoteArg((m.command as { script: string }).script)).toContain('ping -c 10');
  });

  it('a healthy lab gives a green matrix; a slow, lossy node3 turns its row and column red', () => {
    const p = project();
    const green = buildMatrix(readHostFacts(results(), p), p);
    expect(green.cells.map((c) => c.status)).toEqual(Array(12).fill('ok'));
    expect(green.cells[0]).toMatchObject({ sent: 10, received: 10, lossPct: 0, rttAvgMs: 0.156, mtuPayload: 1472, mtuOk: true, ports: { '22': 'open' } });

    const facts = readHostFacts(results({ slowTo: 2 }), p);
    const m = buildMatrix(facts, p);
    const bad = m.cells.filter((c) => c.status === 'blocking').map((c) => `${c.from}>${c.to}`).sort();
    expect(bad).toEqual(['n1>n3', 'n2>n3', 'n3>n1', 'n3>n2', 'n3>n4', 'n4>n3']);
    expect(m.cells.find((c) => c.from === 'n1' && c.to === 'n3')).toMatchObject({ lossPct: 30, rttAvgMs: 101.07, notes: ['loss 30 %', 'rtt 101.07 ms'] });
    const f = evaluateNetwork(facts, p);
    expect(f.find((x) => x.code === 'network.loss' && x.hostId === 'n3')).toMatchObject({ severity: 'blocking', measured: 30 });
    expect(f.find((x) => x.code === 'network.latency' && x.hostId === 'n1')?.message).toBe('node1: high round-trip time to node3 (101.07 ms)');
  });

  it('a cell\'s notes come as codes + params that both locale files word (the English as the backend says it), and the clock as source + synced', () => {
    const p = project();
    const m = buildMatrix(readHostFacts(results({ slowTo: 2 }), p), p);
    const unmeasured = buildMatrix(new Map(), p).cells[0]!;
    const locale = (lang: string) => (JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', '..', 'renderer', 'src', 'i18n', `${lang}.json`), 'utf8')) as
      { network: { matrix: { note: Record<string, string> } } }).network.matrix.note;
    const fill = (s: string | undefined, params: Record<string, string | number>) => (s ?? '').replace(/\{\{\s*(\w+)\s*\}\}/g, (x, k: string) => String(params[k] ?? x));
    const cells = [...m.cells, unmeasured].filter((c) => c.notes.length > 0);
    expect(cells.length).toBeGreaterThan(6);
    for (const c of cells) {
      expect(c.noteTexts?.length).toBe(c.notes.length);
      c.noteTexts!.forEach((n, i) => {
        expect(fill(locale('en')[n.code], n.params)).toBe(c.notes[i]);
        const zh = fill(locale('zh-CN')[n.code], n.params);
        expect(zh, n.code).toMatch(/[\u4e00-\u9fff]/);
        expect(zh, n.code).not.toMatch(/\{\{/);
      });
    }
    expect(m.clocks[0]).toMatchObject({ source: 'chrony', synced: true });
  });

  it('finds a second MAC answering for a node\'s address, a taken VIP and a skewed clock', () => {
    const p = project({ vip: '198.18.4.100' });
    // node1's neighbour table (lab fixture) has other MACs than the ones the nodes report for themselves.
    const probe = '=== probe 198.18.4.100\n-- rs:ping-exit 0\n[{"dst":"198.18.4.100","dev":"eth0","lladdr":"aa:bb:cc:dd:ee:ff","state":["REACHABLE"]}]\n';
    const f = evaluateNetwork(readHostFacts(results({ probe, epochs: [1700000000, 1700000000.2, 1700000045, 1700000000.1] }), p), p);
    expect(f.filter((x) => x.code === 'network.duplicate-address').map((x) => x.hostId)).toEqual(['n2', 'n3']);
    expect(f.find((x) => x.code === 'network.vip-in-use')?.severity).toBe('blocking');
    expect(f.find((x) => x.code === 'network.clock-skew')).toMatchObject({ hostId: 'n3', severity: 'blocking' });
    expect(f.filter((x) => x.code === 'network.ntp-unsynced' || x.code === 'network.ntp-unknown')).toEqual([]);
  });
});

describe('addressing scripts', () => {
  const current = parseIpAddr(fixture('ip-addr.json'));
  const defaults = parseDefaultRoutes(fixture('ip-route-default.json'));

  it('moves an address and gateway, and the rollback restores exactly what was there', () => {
    const s = addressingScripts({ hostId: 'n1', hostname: '', interfaces: [{ name: 'eth0', kind: 'ethernet', members: [], address: '10.99.0.14', prefix: 24, gateway: '10.99.0.1', mtu: 9000 }] }, current, defaults, '198.18.4.11');
    expect(s.newAddress).toBe('10.99.0.14');
    expect(s.changes).toEqual(['eth0: MTU 1500 → 9000', 'eth0: address 198.18.4.11/24 → 10.99.0.14/24', 'default route 198.18.4.1 dev eth0 → 10.99.0.1 dev eth0']);
    expect(s.apply).toContain('ip addr add 10.99.0.14/24 dev eth0\n');
    expect(s.apply).toContain('ip route replace default via 10.99.0.1 dev eth0\n');
    expect(s.rollback.split('\n')).toEqual(expect.arrayContaining(['ip link set dev eth0 mtu 1500', 'ip addr add 198.18.4.11/24 dev eth0', 'ip route replace default via 198.18.4.1 dev eth0']));
  });

  it('builds bonds and VLANs, and removes them on rollback', () => {
    const s = addressingScripts({
      hostId: 'n1', hostname: '',
      interfaces: [
        { name: 'bond0', kind: 'bond', bondMode: '802.3ad', members: ['eno1', 'eno2'], address: '10.20.0.11', prefix: 24, gateway: '' },
        { name: 'bond0.100', kind: 'vlan', parent: 'bond0', vlanId: 100, members: [], address: '10.100.0.11', prefix: 24, gateway: '10.100.0.1' },
      ],
    }, current, defaults, '198.18.4.11');
    expect(s.apply).toContain('ip link add bond0 type bond mode 802.3ad miimon 100\n');
    expect(s.apply).toContain('ip link set eno1 master bond0\n');
    expect(s.apply).toContain('ip link add link bond0 name bond0.100 type vlan id 100\n');
    expect(s.rollback).toContain('ip link del bond0 2>/dev/null');
    expect(s.rollback).toContain('ip link del bond0.100 2>/dev/null');
    expect(s.newAddress).toBe('10.100.0.11');
    expect(s.changes).toContain('create bond bond0 (802.3ad) of eno1, eno2');
  });

  it('every change line comes with a code + params that both locale files word (changes.<code>), the English as the line reads', () => {
    const locale = (lang: string) => (JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', '..', 'renderer', 'src', 'i18n', `${lang}.json`), 'utf8')) as
      { changes: Record<string, string> }).changes;
    const fill = (s: string | undefined, params: Record<string, string | number>) => (s ?? '').replace(/\{\{\s*(\w+)\s*\}\}/g, (x, k: string) => String(params[k] ?? x));
    const bare = current.map((i) => ({ ...i, addresses: i.name === 'lo' ? i.addresses : [] }));
    const all = [
      addressingScripts({ hostId: 'n1', hostname: '', interfaces: [{ name: 'eth0', kind: 'ethernet', members: [], address: '10.99.0.14', prefix: 24, gateway: '10.99.0.1', mtu: 9000 }] }, current, defaults, '198.18.4.11'),
      addressingScripts({ hostId: 'n1', hostname: '', interfaces: [{ name: 'eth0', kind: 'ethernet', members: [], address: '10.99.0.14', prefix: 24, gateway: '10.99.0.1' }] }, bare, [], '198.18.4.11'),
      addressingScripts({
        hostId: 'n1', hostname: '',
        interfaces: [
          { name: 'bond0', kind: 'bond', bondMode: '802.3ad', members: ['eno1', 'eno2'], address: '10.20.0.11', prefix: 24, gateway: '' },
          { name: 'bond0.100', kind: 'vlan', parent: 'bond0', vlanId: 100, members: [], address: '10.100.0.11', prefix: 24, gateway: '10.100.0.1' },
        ],
      }, current, defaults, '198.18.4.11'),
    ];
    const codes = new Set<string>();
    for (const s of all) {
      expect(s.changeTexts).toHaveLength(s.changes.length);
      s.changeTexts.forEach((c, i) => {
        codes.add(c.code);
        expect(fill(locale('en')[c.code], c.params)).toBe(s.changes[i]);
        const zh = fill(locale('zh-CN')[c.code], c.params);
        expect(zh, c.code).toMatch(/[\u4e00-\u9fff]/);
        expect(zh, c.code).not.toMatch(/\{\{/);
      });
    }
    expect([...codes].sort()).toEqual(['net-address', 'net-address-new', 'net-create-bond', 'net-create-vlan', 'net-default-route', 'net-default-route-new', 'net-mtu']);
    expect(locale('zh-CN')['net-reapply']).toMatch(/\{\{host\}\}/);
  });
});

describe('interfaces read', () => {
  it('a host whose read failed says why with a reason: the host\'s stop reason, else a generic one; unparsable output says so', () => {
    const p = project();
    const stopped = { hostId: 'n1', name: 'node1', address: HOSTS[0]!.address, status: 'failed' as const, message: 'Could not connect to the host: Connection refused', reason: 'run-connect-failed' as const, params: { cause: 'conn-refused' }, actions: [] };
    const run = { runId: 'r', stepId: 'network-interfaces', title: '', status: 'failed' as const, startedAt: '', hosts: [stopped], findings: [] };
    const results = new Map([['n3', new Map<string, ActionResult>([['interfaces', { status: 'done', exitCode: 0, stdout: '=== addr\nnot json\n' }]])]]);
    const got = hostInterfaces(p, run as unknown as Parameters<typeof hostInterfaces>[1], results);
    expect(got[0]).toMatchObject({ ok: false, reason: 'run-connect-failed', params: { cause: 'conn-refused' } });
    expect(got[1]).toMatchObject({ ok: false, reason: 'net-interfaces-unread' });
    expect(got[2]).toMatchObject({ ok: false, reason: 'net-ip-output-unreadable' });
  });
});
