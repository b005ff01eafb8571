import { describe, expect, it } from 'vitest';
import { installPlanSchema, validateInstallPlan } from '../../../../electron/contract/index.js';
import { draftFromPlan, draftIssues, newPartition, planFromDraft, setDefaultPartition } from './install-draft.js';

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

  it('keeps the Pacemaker and Slurm settings through the form (a save does not reset them to defaults)', () => {
    const plan = installPlanSchema.parse({
      profile: 'slurm',
      pacemaker: { clusterName: 'ha1', vipOwner: 'keepalived', quorumPolicy: 'freeze' },
      slurm: { clusterName: 'hpc', partitions: [{ name: 'batch', hosts: ['h3'], default: true, maxTimeMin: 120 }, { name: 'debug', hosts: [], default: false }] },
    });
    const back = installPlanSchema.parse(planFromDraft(draftFromPlan(plan)));
    expect(back).toEqual(plan);
    // Choosing another profile keeps the other profile's settings for when it is chosen again.
    const asPcm = installPlanSchema.parse(planFromDraft({ ...draftFromPlan(plan), profile: 'pacemaker' }));
    expect(asPcm.slurm).toEqual(plan.slurm);
    expect(asPcm.pacemaker).toEqual(plan.pacemaker);
  });

  it('refuses a max time that is not a whole number of minutes in range, and only for the chosen profile', () => {
    const d = draftFromPlan({ profile: 'slurm' });
    const bad = { ...d, partitions: [{ ...d.partitions[0]!, maxTimeMin: '2h' }] };
    expect(draftIssues(bad).map((i) => [i.code, i.field, i.params?.value])).toEqual([['form-max-time', 'slurm.partitions.0.maxTimeMin', '2h']]);
    expect(draftIssues({ ...bad, partitions: [{ ...d.partitions[0]!, maxTimeMin: '0' }] })).toHaveLength(1);
    expect(draftIssues({ ...bad, partitions: [{ ...d.partitions[0]!, maxTimeMin: '999999' }] })).toHaveLength(1);
    expect(draftIssues({ ...bad, partitions: [{ ...d.partitions[0]!, maxTimeMin: ' 60 ' }] })).toEqual([]);
    expect(draftIssues({ ...bad, profile: 'pacemaker' })).toEqual([]);
    // The bad text never reaches the plan as a number the contract would accept.
    expect(installPlanSchema.parse(planFromDraft(bad)).slurm.partitions[0]!.maxTimeMin).toBeUndefined();
  });

  it('adds partitions with fresh names, one default at a time', () => {
    const first = newPartition([]);
    expect(first).toMatchObject({ name: 'part1', default: true });
    const parts = [first, newPartition([first])];
    expect(parts[1]).toMatchObject({ name: 'part2', default: false });
    expect(setDefaultPartition(parts, 1).map((p) => p.default)).toEqual([false, true]);
  });
});
