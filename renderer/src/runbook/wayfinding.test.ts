import { describe, expect, it } from 'vitest';
import type { FindingView, HostRun, RunView, StepState } from '../../../electron/contract/index.js';
import { blockingSummary, compressHostNames, groupFindings } from './finding-groups.js';
import { hostProgress, withDurations } from './run-progress.js';
import { inventoryState, wizardStepState } from './step-status.js';

const finding = (code: string, hostId: string, extra: Partial<FindingView> = {}): FindingView => ({
  key: `${code}@${hostId}`, severity: 'blocking', hostId, code, message: `${hostId}: ${code}`, remediation: '', ...extra,
});
const run = (stepId: string, status: RunView['status'], findings: FindingView[] = [], hosts: HostRun[] = []): RunView => ({
  runId: `r-${stepId}`, stepId, planHash: 'h', status, startedAt: '2026-12-06T10:00:00Z', hosts, findings,
});
const state = (stepId: string, lastRun: RunView | null, passed = false): StepState => ({ stepId, title: stepId, lastRun, resumable: false, interrupted: [], passed, waivers: [] });
const waiver = { stepId: 'hardware', key: 'k', code: 'memory.size', reason: 'ok for the pilot', technician: 'Li', at: '2026-12-06T10:00:00Z' };

describe('wizard step state', () => {
  it('not started, running, failed, blocking, passed and passed with waivers', () => {
    expect(wizardStepState('hardware', {})).toBe('not-started');
    expect(wizardStepState('hardware', { preflight: state('preflight', null), hardware: state('hardware', null) })).toBe('not-started');
    expect(wizardStepState('hardware', { preflight: state('preflight', run('preflight', 'running')) })).toBe('running');
    expect(wizardStepState('hardware', { preflight: state('preflight', run('preflight', 'failed')) })).toBe('failed');
    const blocking = run('hardware', 'completed', [finding('memory.size', 'a')]);
    expect(wizardStepState('hardware', { preflight: state('preflight', run('preflight', 'completed'), true), hardware: state('hardware', blocking) })).toBe('blocking');
    expect(wizardStepState('hardware', { preflight: state('preflight', run('preflight', 'completed'), true), hardware: state('hardware', null) })).toBe('partial');
    expect(wizardStepState('hardware', { preflight: state('preflight', run('preflight', 'completed'), true), hardware: state('hardware', run('hardware', 'completed'), true) })).toBe('passed');
    const waived = run('hardware', 'completed', [finding('memory.size', 'a', { waiver })]);
    expect(wizardStepState('hardware', { preflight: state('preflight', run('preflight', 'completed'), true), hardware: state('hardware', waived, true) })).toBe('passed-waivers');
  });

  it('inventory is done once a project with hosts is saved', () => {
    expect(inventoryState({ dir: '', dirty: false, hostCount: 4 })).toBe('not-started');
    expect(inventoryState({ dir: '/p', dirty: true, hostCount: 4 })).toBe('not-started');
    expect(inventoryState({ dir: '/p', dirty: false, hostCount: 4 })).toBe('passed');
  });
});

describe('findings grouped by kind', () => {
  it('compresses numbered host names into ranges', () => {
    expect(compressHostNames(['node3', 'node1', 'node2', 'node4'])).toBe('node1–node4');
    expect(compressHostNames(['node1', 'node2', 'node7', 'db'])).toBe('db, node1, node2, node7');
    expect(compressHostNames(['gpu01', 'gpu02', 'gpu03', 'node9', 'node10', 'node11'])).toBe('gpu01–gpu03, node9–node11');
  });

  it('one group per kind across hosts, blocking first, with the hosts, the shared measured value and what one waiver covers', () => {
    const names: Record<string, string> = { a: 'node1', b: 'node2', c: 'node3', d: 'node4' };
    const findings = [
      finding('disk.smart', 'a', { severity: 'warning' }),
      ...['a', 'b', 'c', 'd'].map((h) => finding('memory.size', h, { measured: '23.5 GiB', ...(h === 'b' ? { waiver } : {}) })),
      finding('cpu.cores', 'c', { measured: 8 }),
      finding('cpu.cores', 'd', { measured: 16 }),
    ];
    const groups = groupFindings(findings, (id) => names[id]!);
    expect(groups.map((g) => [g.code, g.severity, g.hostList, g.measured, g.open.length])).toEqual([
      ['memory.size', 'blocking', 'node1–node4', '23.5 GiB', 3],
      ['cpu.cores', 'blocking', 'node3, node4', '8, 16', 2],
      ['disk.smart', 'warning', 'node1', undefined, 0],
    ]);
    expect(blockingSummary(findings)).toEqual({ count: 5, hosts: 3, kinds: 2 });
  });

  it('a different threshold is another kind; roles with the same threshold share one', () => {
    const names: Record<string, string> = { a: 'node1', b: 'node2', c: 'node3' };
    const findings = [
      finding('memory.size', 'a', { threshold: '256.0 GiB', params: { role: 'master' } }),
      finding('memory.size', 'b', { threshold: '256.0 GiB', params: { role: 'worker' } }),
      finding('memory.size', 'c', { threshold: '128.0 GiB', params: { role: 'worker' } }),
    ];
    expect(groupFindings(findings, (id) => names[id]!).map((g) => [g.hostList, g.roles])).toEqual([
      ['node1, node2', 'master, worker'],
      ['node3', 'worker'],
    ]);
  });
});

describe('per-host progress with an ETA from earlier durations', () => {
  const host = (statuses: [string, string, number?][], status: HostRun['status'] = 'running'): HostRun => ({
    hostId: 'a', name: 'node1', address: '10.0.0.1', status,
    actions: statuses.map(([actionId, s, durationMs]) => ({ actionId, title: actionId, status: s as HostRun['actions'][number]['status'], attempts: 1, ...(durationMs !== undefined ? { durationMs } : {}) })),
  });

  it('estimates what is left from the medians of the same actions in earlier runs', () => {
    let history = withDurations(undefined, { runId: 'r1', hosts: [host([['cpu', 'done', 1000], ['disks', 'done', 4000]], 'done')] });
    history = withDurations(history, { runId: 'r2', hosts: [host([['cpu', 'done', 3000], ['disks', 'done', 6000]], 'done')] });
    // The same run seen again does not count twice.
    history = withDurations(history, { runId: 'r2', hosts: [host([['cpu', 'done', 3000], ['disks', 'done', 6000]], 'done')] });
    expect(Object.keys(history.cpu!)).toHaveLength(2);
    const p = hostProgress(host([['cpu', 'done', 2000], ['disks', 'running']]), history, 2500, 500);
    expect(p).toEqual({ done: 1, total: 2, fraction: 0.5, elapsedMs: 2500, etaMs: 4500 });
  });

  it('has no ETA for an action that never finished before, and none left when the host is done', () => {
    expect(hostProgress(host([['cpu', 'running'], ['new', 'pending']]), withDurations(undefined, { runId: 'r', hosts: [host([['cpu', 'done', 10]])] }), 0).etaMs).toBeUndefined();
    expect(hostProgress(host([['cpu', 'done', 10]], 'done'), undefined, 99).etaMs).toBe(0);
  });
});
