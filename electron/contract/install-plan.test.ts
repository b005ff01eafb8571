import { describe, expect, it } from 'vitest';
import { installPlanSchema, validateInstallPlan, vipCandidates } from './install-plan.js';

const hosts = [
  { id: 'h1', name: 'node1', address: '10.0.0.11', role: 'master' },
  { id: 'h2', name: 'node2', address: '10.0.0.12', role: 'master' },
  { id: 'h3', name: 'node3', address: '10.0.0.13', role: 'worker' },
];
const codes = (input: Parameters<typeof validateInstallPlan>[0], hs = hosts, vip = '10.0.0.100') =>
  validateInstallPlan(input, hs, vip, ['base']).map((i) => `${i.severity}:${i.code}`);

describe('install plan', () => {
  it('an empty section is a complete plan: lab source, the masters as VIP candidates, router id 51, firewall on', () => {
    const plan = installPlanSchema.parse({});
    expect(plan.packageSource).toEqual({ kind: 'lab' });
    expect(plan.vrrp.routerId).toBe(51);
    expect(plan.firewall).toEqual({ enabled: true, rollbackAfterS: 60 });
    expect(vipCandidates(plan, hosts)).toEqual(['h1', 'h2']);
    expect(codes({})).toEqual([]);
  });

  it('warns (does not refuse) when the VIP has a single candidate: it adds no availability', () => {
    const one = [hosts[0]!, hosts[2]!];
    expect(codes({}, one)).toEqual(['warning:vip-single-candidate']);
    expect(codes({ vrrp: { candidates: ['h3'] } })).toEqual(['warning:vip-single-candidate']);
    // No VIP planned: nothing to warn about.
    expect(codes({}, one, '')).toEqual([]);
  });

  it('refuses unknown or repeated candidates, a router id outside 1-255, an inventory with no master', () => {
    expect(codes({ vrrp: { candidates: ['h1', 'h1', 'nope'], routerId: 0 } })).toEqual([
      'error:router-id-range', 'error:candidate-twice', 'error:candidate-unknown', 'warning:vip-single-candidate',
    ]);
    expect(codes({}, [hosts[2]!], '')).toEqual(['error:no-master']);
    expect(codes({}, [hosts[2]!])).toEqual(['error:no-master', 'error:vip-no-candidate']);
  });

  it('checks the mirror, time servers, sysctl, ports, the rollback timer and the profile', () => {
    expect(codes({ packageSource: { kind: 'mirror', url: 'ftp://x y', suite: 'book worm' } })).toEqual(['error:mirror-url-invalid', 'error:mirror-suite-invalid']);
    expect(codes({ packageSource: { kind: 'mirror', url: 'http://deb.example/debian' } })).toEqual([]);
    expect(codes({ timeServers: ['ntp.example.org', '10.1.1.1', 'bad name;'] })).toEqual(['error:time-server-invalid']);
    expect(codes({ sysctl: { 'net.ipv4.ip_forward': '1', 'bad key': '1', 'vm.swappiness': '$(reboot)' } })).toEqual(['error:sysctl-key-invalid', 'error:sysctl-value-invalid']);
    expect(codes({ ports: { master: [{ port: 70000 }], worker: [{ port: 53, protocol: 'udp' }] }, servicePort: 0 })).toEqual(['error:port-range', 'error:port-range']);
    expect(codes({ firewall: { enabled: true, rollbackAfterS: 5 } })).toEqual(['error:rollback-range']);
    expect(codes({ profile: 'pacemaker' })).toEqual(['error:profile-unknown']);
  });

  it('a site kit source: an absolute folder, a port the hosts can bind, removed after the install unless kept', () => {
    expect(installPlanSchema.parse({ packageSource: { kind: 'kit', dir: '/home/tech/kits/site-a' } }).packageSource)
      .toEqual({ kind: 'kit', dir: '/home/tech/kits/site-a', keep: false, port: 47480 });
    expect(codes({ packageSource: { kind: 'kit', dir: '/home/tech/kits/site-a', keep: true } })).toEqual([]);
    expect(codes({ packageSource: { kind: 'kit', dir: 'C:\\Users\\tech\\kit' } })).toEqual([]);
    expect(codes({ packageSource: { kind: 'kit', dir: '' } })).toEqual(['error:kit-dir-missing']);
    expect(codes({ packageSource: { kind: 'kit', dir: '  ' } })).toEqual(['error:kit-dir-missing']);
    expect(codes({ packageSource: { kind: 'kit', dir: 'kits/site-a' } })).toEqual(['error:kit-dir-not-absolute']);
    expect(codes({ packageSource: { kind: 'kit', dir: '/k', port: 80 } })).toEqual(['error:kit-port-range']);
    expect(codes({ packageSource: { kind: 'kit', dir: '/k', port: 70000 } })).toEqual(['error:kit-port-range']);
    const bad = validateInstallPlan({ packageSource: { kind: 'kit', dir: 'rel' } }, hosts, '', ['base'])[0]!;
    expect(bad).toMatchObject({ field: 'packageSource.dir', params: { value: 'rel' } });
    // A kit with no folder at all is a shape error naming the field, not a crash.
    expect(codes({ packageSource: { kind: 'kit' } as never })).toEqual(['error:schema']);
  });

  it('a shape error is a coded issue naming its field', () => {
    const issues = validateInstallPlan({ vrrp: { routerId: 'x' as unknown as number } }, hosts, '', ['base']);
    expect(issues[0]).toMatchObject({ severity: 'error', code: 'schema', field: 'vrrp.routerId' });
  });
});
