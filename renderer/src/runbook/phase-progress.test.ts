import { describe, expect, it } from 'vitest';
import type { HostRun, PlanView } from '../../../electron/contract/index.js';
import { phaseProgress } from './phase-progress.js';

const action = (id: string, phase: string) => ({ id, title: id, command: 'true', sudo: false, timeoutMs: 1, destructive: false, phase });
const plan: Pick<PlanView, 'phases' | 'hosts'> = {
  phases: [
    { id: 'prepare', title: 'install.phases.prepare', hosts: ['a', 'b'], mode: 'parallel' },
    { id: 'first-master', title: 'install.phases.firstMaster', hosts: ['a'], mode: 'serial' },
    { id: 'masters', title: 'install.phases.masters', hosts: [], mode: 'serial' },
    { id: 'workers', title: 'install.phases.workers', hosts: ['b'], mode: 'parallel' },
  ],
  hosts: [
    { hostId: 'a', name: 'm1', address: '10.0.0.1', user: 'root', actions: [action('packages', 'prepare'), action('chrony', 'first-master')] },
    { hostId: 'b', name: 'w1', address: '10.0.0.2', user: 'root', actions: [action('packages', 'prepare'), action('chrony', 'workers')] },
  ],
};
const host = (hostId: string, statuses: [string, string][]): HostRun => ({
  hostId, name: hostId === 'a' ? 'm1' : 'w1', address: '', status: 'running',
  actions: statuses.map(([actionId, status]) => ({ actionId, title: actionId, status: status as HostRun['actions'][number]['status'], attempts: 1 })),
});

describe('phaseProgress', () => {
  it('is null for a step without phases (the flat table)', () => {
    expect(phaseProgress({ hosts: plan.hosts }, [])).toBeNull();
    expect(phaseProgress(undefined, [])).toBeNull();
  });

  it('groups each host\'s actions by the plan\'s phases: waiting, running, done, stopped; phases with no hosts left out', () => {
    const p = phaseProgress(plan, [
      host('a', [['packages', 'done'], ['chrony', 'running']]),
      host('b', [['packages', 'already-done'], ['chrony', 'pending']]),
    ])!;
    expect(p.map((x) => [x.id, x.mode, x.state])).toEqual([
      ['prepare', 'parallel', 'done'],
      ['first-master', 'serial', 'running'],
      ['workers', 'parallel', 'waiting'],
    ]);
    expect(p[0]!.counts).toEqual({ waiting: 0, running: 0, done: 2, stopped: 0 });
    expect(p[2]!.hosts).toEqual([{ hostId: 'b', name: 'w1', state: 'waiting', done: 0, total: 1 }]);
  });

  it('a failed action stops its host and its phase; skipped counts as finished', () => {
    const p = phaseProgress(plan, [
      host('a', [['packages', 'skipped'], ['chrony', 'pending']]),
      host('b', [['packages', 'failed'], ['chrony', 'pending']]),
    ])!;
    expect(p[0]!.state).toBe('stopped');
    expect(p[0]!.hosts.map((h) => h.state)).toEqual(['done', 'stopped']);
  });
});
