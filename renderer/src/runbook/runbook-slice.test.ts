import { describe, expect, it } from 'vitest';
import type { HostRun, RunView } from '../../../electron/contract/index.js';
import { createAppStore } from '../store/index.js';

const host = (hostId: string, status: HostRun['status']): HostRun => ({
  hostId, name: hostId, address: '198.18.0.11', status,
  actions: [{ actionId: 'a', title: 't', status: status === 'done' ? 'done' : 'running', attempts: 1 }],
});
const run = (runId: string, status: RunView['status'], hosts: HostRun[]): RunView => ({
  runId, stepId: 'preflight', planHash: 'h', status, startedAt: '2025-01-01T00:00:00Z', hosts, findings: [],
});

describe('runbook slice', () => {
  it('applies per-host progress to the run it belongs to only', () => {
    const store = createAppStore();
    store.getState().applyRun(run('r1', 'running', [host('x', 'waiting'), host('y', 'waiting')]));
    store.getState().applyHostProgress('preflight', 'r1', host('x', 'running'));
    store.getState().applyHostProgress('preflight', 'r0', host('y', 'done'));
    expect(store.getState().runbookRuns.preflight!.hosts.map((h) => h.status)).toEqual(['running', 'waiting']);
  });

  it('takes the journal\'s view of the last run, except while this window follows that run live', () => {
    const store = createAppStore();
    const state = (r: RunView | null) => ({ stepId: 'preflight', title: 't', lastRun: r, resumable: false, interrupted: [], passed: false, waivers: [] });
    store.getState().applyRun(run('r1', 'running', [host('x', 'running')]));
    store.getState().setRunbookSteps([state(run('r1', 'interrupted', [host('x', 'waiting')]))]);
    expect(store.getState().runbookRuns.preflight!.status).toBe('running');
    store.getState().setRunbookSteps([state(run('r2', 'completed', [host('x', 'done')]))]);
    expect(store.getState().runbookRuns.preflight!.runId).toBe('r2');
    store.getState().setRunbookSteps([state(null)]);
    expect(store.getState().runbookRuns.preflight).toBeUndefined();
  });
});
