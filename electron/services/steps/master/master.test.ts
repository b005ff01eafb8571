import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectSchema, type Project } from '../../../contract/index.js';
import { buildPlan, planText } from '../../runbook/plan.js';
import { DEFAULT_STEPS } from '../registry.js';
import { firewallRules, keepsSsh } from './firewall.js';
import { CLUSTER_PROFILES, type ClusterProfile } from './profile.js';
import { asBuiltOf, parseAsBuilt } from './as-built.js';
import { chronyFor, installContext, masterInstallStep, packagesFor, portsFor, sourcesList } from './step.js';

const host = (i: number, role: 'master' | 'worker') => ({
  id: `h${i}`, name: `node${i}`, address: `10.9.0.${10 + i}`, port: 22, user: 'root', role, auth: { method: 'key' as const, keyPath: '/k' },
});

function project(over: Partial<Project> = {}, roles: ('master' | 'worker')[] = ['master', 'master', 'worker', 'worker']): Project {
  return projectSchema.parse({
    version: 1,
    hosts: roles.map((r, i) => host(i + 1, r)),
    network: { vip: '10.9.0.100' },
    ...over,
  });
}

describe('master install: plan', () => {
  it('is a wizard step after storage (the network check before it)', () => {
    const ids = DEFAULT_STEPS.map((s) => s.id);
    expect(ids.indexOf('master-install')).toBe(ids.indexOf('storage') + 1);
    expect(ids.indexOf('storage')).toBe(ids.indexOf('network-check') + 1);
  });

  it('runs prepare on every host in parallel, then the first master, the other masters one at a time, the workers in parallel', () => {
    const r = buildPlan(masterInstallStep, project());
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.phases.map((p) => [p.id, p.mode, p.hosts.join(',')])).toEqual([
      ['prepare', 'parallel', 'h1,h2,h3,h4'],
      ['first-master', 'serial', 'h1'],
      ['masters', 'serial', 'h2'],
      ['workers', 'parallel', 'h3,h4'],
    ]);
    const ids = (h: string) => r.value.actions.get(h)!.map((a) => a.id);
    expect(ids('h1')).toEqual([
      'package-source', 'packages', 'sysctl', 'node-exporter', 'admin-key', 'host-key', 'vrrp-secret',
      'key-mesh', 'chrony-pool', 'chrony', 'prometheus', 'keepalived', 'haproxy', 'firewall', 'firewall-confirm', 'as-built',
    ]);
    expect(ids('h2')).toEqual([
      'package-source', 'packages', 'sysctl', 'node-exporter', 'admin-key', 'host-key',
      'key-mesh', 'chrony-pool', 'chrony', 'keepalived', 'haproxy', 'firewall', 'firewall-confirm', 'as-built',
    ]);
    expect(ids('h3')).toEqual([
      'package-source', 'packages', 'sysctl', 'node-exporter', 'admin-key', 'host-key', 'key-mesh', 'chrony-pool', 'chrony', 'firewall', 'firewall-confirm', 'as-built',
    ]);
    // A single master: no "masters" phase (phases without hosts are left out).
    const one = buildPlan(masterInstallStep, project({}, ['master', 'worker']));
    if (!one.ok) throw new Error(one.error.message);
    expect(one.value.phases.map((p) => p.id)).toEqual(['prepare', 'first-master', 'workers']);
  });

  it('every action that changes something has an "already done?" probe, and every output a read', () => {
    const r = buildPlan(masterInstallStep, project());
    if (!r.ok) throw new Error(r.error.message);
    for (const [, list] of r.value.actions) {
      for (const a of list) {
        // The one read-only action: it records what the host runs on every run.
        if (a.id === 'as-built') continue;
        expect(a.probe, a.id).toBeDefined();
        if (a.output) expect(a.output.read, a.id).toBeDefined();
      }
    }
  });

  it('the key mesh takes every node\'s public key and host key; the VRRP secret is a secret output of the first master only', () => {
    const r = buildPlan(masterInstallStep, project());
    if (!r.ok) throw new Error(r.error.message);
    const producers = (name: string) => [...r.value.actions].filter(([, l]) => l.some((a) => a.output?.name === name)).map(([h]) => h);
    expect(producers('admin-key')).toEqual(['h1', 'h2', 'h3', 'h4']);
    expect(producers('host-key')).toEqual(['h1', 'h2', 'h3', 'h4']);
    expect(producers('vrrp-secret')).toEqual(['h1']);
    expect(r.value.actions.get('h1')!.find((a) => a.id === 'vrrp-secret')!.output).toMatchObject({ secret: true });
    // The dry run names the refs, never a value: the secret is a placeholder.
    const h2 = r.value.view.hosts.find((h) => h.hostId === 'h2')!;
    const ka = h2.actions.find((a) => a.id === 'keepalived')!;
    // On stdin, never in the line (which any user of the node reads in /proc/<pid>/cmdline).
    expect(ka.command).not.toContain('vrrp-secret');
    expect(ka.stdin).toEqual(['<output:vrrp-secret@h1>']);
    expect(ka.probeStdin).toEqual(['<output:vrrp-secret@h1>']);
    const mesh = h2.actions.find((a) => a.id === 'key-mesh')!;
    expect(mesh.command).toContain('<output:admin-key@h1>');
    expect(mesh.command).toContain('<output:host-key@h4>');
    // The plan hash does not depend on values (there are none at plan time): stable.
    const again = buildPlan(masterInstallStep, project());
    expect(again.ok && again.value.view.planHash).toBe(r.value.view.planHash);
    expect(planText(r.value.view)).toContain('output: vrrp-secret (secret');
  });

  it('a VIP with no second candidate plans (the finding warns); without a VIP there is no keepalived or secret', () => {
    const single = project({}, ['master', 'worker', 'worker']);
    expect(installContext(single).warnings.map((w) => w.code)).toEqual(['vip-single-candidate']);
    expect(masterInstallStep.evaluate(new Map(), single).map((f) => f.code)).toEqual(['install.vip-single-candidate']);
    const noVip = project({ network: { vip: '' } as Project['network'] });
    const r = buildPlan(masterInstallStep, noVip);
    if (!r.ok) throw new Error(r.error.message);
    expect([...r.value.actions.values()].flat().filter((a) => ['vrrp-secret', 'keepalived', 'haproxy'].includes(a.id))).toEqual([]);
  });

  it('refuses an invalid install plan with its coded issues', () => {
    const r = buildPlan(masterInstallStep, project({ install: { vrrp: { candidates: ['nope'], routerId: 300 } } as Project['install'] }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/router id 300.*nope|nope.*router/s);
  });

  it('packages, ports, chrony and the package source follow role and plan', () => {
    const ctx = installContext(project({ install: { timeServers: ['ntp.example.org'], packageSource: { kind: 'mirror', url: 'http://deb.example/debian', suite: 'bookworm', components: ['main'] } } as Project['install'] }));
    const [m1, m2, w1] = ctx.hosts;
    expect(packagesFor(m1!, ctx)).toEqual(['chrony', 'nftables', 'prometheus-node-exporter', 'prometheus', 'keepalived', 'haproxy']);
    expect(packagesFor(w1!, ctx)).toEqual(['chrony', 'nftables', 'prometheus-node-exporter']);
    expect(portsFor(m1!, ctx).map((p) => `${p.port}/${p.protocol}`)).toEqual(['9100/tcp', '123/udp', '9090/tcp', '9090/tcp', '9091/tcp']);
    expect(portsFor(w1!, ctx).map((p) => `${p.port}/${p.protocol}`)).toEqual(['9100/tcp']);
    expect(chronyFor(m1!, ctx)).toContain('server ntp.example.org iburst\nlocal stratum 8\nallow 10.9.0.12');
    expect(chronyFor(m2!, ctx)).toContain('server 10.9.0.11 iburst\nlocal stratum 9');
    expect(chronyFor(w1!, ctx)).toBe('# Managed by Rackside (master install): time sources.\nserver 10.9.0.11 iburst\nserver 10.9.0.12 iburst\n');
    expect(sourcesList(ctx.plan.packageSource)).toContain('deb http://deb.example/debian bookworm main\n');
  });
});

describe('master install: firewall rules', () => {
  it('open SSH (22 and the inventory port) before anything that could drop it, then the role\'s ports', () => {
    const rules = firewallRules({ sshPort: 2222, ports: [{ port: 9100, protocol: 'tcp' }, { port: 123, protocol: 'udp' }], vrrpPeers: ['10.0.0.2'] });
    expect(rules).toContain('tcp dport { 22, 2222 } accept');
    expect(rules).toContain('ip saddr 10.0.0.2 ip protocol 112 accept comment "vrrp"');
    expect(rules).toContain('udp dport 123 accept');
    expect(keepsSsh(rules, 2222)).toBe(true);
    expect(keepsSsh(rules, 22)).toBe(true);
  });

  it('keepsSsh refuses a rule set that drops SSH first or never accepts it', () => {
    expect(keepsSsh('table inet x {\n chain input {\n type filter hook input priority 0; policy drop;\n }\n}\n', 22)).toBe(false);
    expect(keepsSsh('chain input {\n tcp dport 22 drop\n tcp dport 22 accept\n}\n', 22)).toBe(false);
  });
});

describe('master install: profiles', () => {
  it('a profile adds packages, ports, phases and actions without engine or step changes', () => {
    const extra: ClusterProfile = {
      id: 'test-only-extra',
      title: 'x',
      packages: { master: ['munge'], worker: ['munge'] },
      ports: { master: [{ port: 6817, protocol: 'tcp' }], worker: [{ port: 6818, protocol: 'tcp' }] },
      sysctl: { 'net.core.somaxconn': '1024' },
      phases: (ctx) => [{ id: 'join', title: 'x', hosts: ctx.workers.map((h) => h.id), mode: 'serial' }],
      actions: (h, ctx) => (h.role === 'worker' ? [{ id: 'join', title: 'x', phase: 'join', sudo: false, timeoutMs: 1000, destructive: false,
        command: { argv: ['echo', { output: 'admin-key', host: ctx.firstMaster.id }] }, probe: { argv: ['false'] } }] : []),
    };
    (CLUSTER_PROFILES as ClusterProfile[]).push(extra);
    try {
      const r = buildPlan(masterInstallStep, project({ install: { profile: 'test-only-extra' } as Project['install'] }));
      if (!r.ok) throw new Error(r.error.message);
      expect(r.value.phases.map((p) => p.id)).toEqual(['prepare', 'first-master', 'masters', 'workers', 'join']);
      expect(r.value.actions.get('h3')!.find((a) => a.id === 'join')?.phase).toBe('join');
      const pk = r.value.actions.get('h3')!.find((a) => a.id === 'packages')!;
      expect('args' in pk.command && pk.command.args).toContain('munge');
    } finally {
      (CLUSTER_PROFILES as ClusterProfile[]).pop();
    }
  });
});

describe('master install: as built', () => {
  // Real output of the as-built action on a lab worker (fixtures/as-built-worker.txt).
  const fixture = readFileSync(join(import.meta.dirname, 'fixtures', 'as-built-worker.txt'), 'utf8');

  it('reads package versions and chrony\'s sources, the selected one marked', () => {
    const r = parseAsBuilt(fixture);
    expect(r.packages.map((p) => p.name)).toEqual(['chrony', 'nftables', 'prometheus-node-exporter']);
    expect(r.packages.every((p) => /\d/.test(p.version))).toBe(true);
    expect(r.timeSources.filter((t) => t.selected)).toHaveLength(1);
  });

  it('puts the VIP, its candidates, the monitoring targets and each host\'s ports beside what the hosts reported', () => {
    const p = project();
    const done = { status: 'done' as const, exitCode: 0, stdout: fixture };
    const a = asBuiltOf(new Map([['h3', new Map([['as-built', done]])]]), p)!;
    expect(a).toMatchObject({ profile: 'base', vip: '10.9.0.100', vipCandidates: ['h1', 'h2'], routerId: 51, prometheus: { hostId: 'h1' } });
    expect(a.prometheus.targets).toHaveLength(4);
    expect(a.hosts.find((h) => h.hostId === 'h3')!.packages).toHaveLength(3);
    expect(a.hosts.find((h) => h.hostId === 'h1')!.packages).toEqual([]);
    expect(a.hosts.find((h) => h.hostId === 'h3')!.ports.map((x) => x.port)).toEqual([9100]);
  });
});
