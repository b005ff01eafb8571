import { describe, expect, it } from 'vitest';
import { installPlanSchema, validateInstallPlan } from '../../../../electron/contract/index.js';
import { draftFromPlan, planFromDraft } from './install-draft.js';

const hosts = [
  { id: 'h1', name: 'm1', address: '10.0.0.1', role: 'master' },
  { id: 'h2', name: 'm2', address: '10.0.0.2', role: 'master' },
  { id: 'h3', name: 'w1', address: '10.0.0.3', role: 'worker' },
];

describe('install draft', () => {
  it('round-trips a full plan through the form', () => {
    const plan = installPlanSchema.parse({
      packageSource: { kind: 'mirror', url: 'http://mirror.example/debian', suite: 'bookworm' },
      timeServers: ['ntp1.example', '10.0.0.250'],
      vrrp: { candidates: ['h2', 'h1'], routerId: 77 },
      servicePort: 8443,
      sysctl: { 'vm.swappiness': '10' },
      ports: { master: [{ port: 6443, protocol: 'tcp' }, { port: 4789, protocol: 'udp' }], worker: [] },
      firewall: { enabled: true, rollbackAfterS: 90 },
    });
    expect(installPlanSchema.parse(planFromDraft(draftFromPlan(plan)))).toEqual(plan);
  });

  it('what is typed is judged by the contract: a bad number, port, sysctl line, one candidate', () => {
    const d = { ...draftFromPlan(undefined), routerId: 'x', masterPorts: '70000, 53/udp', sysctl: 'not a key', candidates: ['h1'] };
    const codes = validateInstallPlan(planFromDraft(d), hosts, '10.0.0.100', ['base']).map((i) => i.code);
    expect(codes).toContain('schema');
    const d2 = { ...draftFromPlan(undefined), masterPorts: '70000, 53/udp', sysctl: 'not a key', candidates: ['h1'] };
    const issues = validateInstallPlan(planFromDraft(d2), hosts, '10.0.0.100', ['base']);
    expect(issues.map((i) => [i.severity, i.code]).sort()).toEqual([
      ['error', 'port-range'],
      ['error', 'sysctl-key-invalid'],
      ['warning', 'vip-single-candidate'],
    ]);
  });
});
