import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { because, CLUSTER_LEAVE_STEP, err, type PlanView, type Project, type RunView } from '../../contract/index.js';
import { saveProject } from '../project/project-store.js';
import type { RunRecord } from '../runbook/replay.js';
import { clusterMembers, leaveOutcome } from '../steps/join/members.js';
import { createClusterHandlers } from './cluster-handlers.js';
import type { SharedServices } from './handlers.js';

const project: Project = {
  version: 1, site: 'Lab', customer: 'ACME', technician: 'T',
  hosts: [
    { id: 'm1', name: 'node1', address: '10.0.0.11', port: 22, user: 'root', role: 'master', auth: { method: 'key', keyPath: '/k' } },
    { id: 'w1', name: 'node2', address: '10.0.0.12', port: 22, user: 'root', role: 'worker', auth: { method: 'key', keyPath: '/k' } },
    { id: 'w2', name: '', address: '10.0.0.13', port: 22, user: 'root', role: 'worker', auth: { method: 'key', keyPath: '/k' } },
  ],
};

const runView = (status: RunView['status'], findings: RunView['findings'] = []): RunView => ({
  runId: 'r1', stepId: CLUSTER_LEAVE_STEP, planHash: 'h', status, startedAt: '2026-12-06T00:00:00Z', hosts: [], findings,
});

type HostRec = RunRecord['hosts'][number];
const hostRec = (hostId: string, statuses: string[]): HostRec => ({ hostId, actions: statuses.map((s, i) => ({ actionId: `a${i}`, status: s })) }) as unknown as HostRec;

describe('clusterMembers', () => {
  it('joined hosts (join.member) and hosts that completed a completed master install are members; hosts gone from the inventory are not', () => {
    const join = { findings: [
      { key: 'join.member@w1', severity: 'info' as const, hostId: 'w1', code: 'join.member', message: '', remediation: '' },
      { key: 'join.failed@w2', severity: 'blocking' as const, hostId: 'w2', code: 'join.failed', message: '', remediation: '' },
      { key: 'join.member@gone', severity: 'info' as const, hostId: 'gone', code: 'join.member', message: '', remediation: '' },
    ] };
    const master = { finished: 'completed' as const, hosts: [hostRec('m1', ['done', 'already-done']), hostRec('w2', ['done', 'pending'])] };
    expect(clusterMembers(project, { join, master }, true)).toEqual([{ hostId: 'm1', via: 'master' }, { hostId: 'w1', via: 'join' }]);
    // A master install that did not complete made no members.
    expect(clusterMembers(project, { join, master: { ...master, finished: 'failed' } }, true)).toEqual([{ hostId: 'w1', via: 'join' }]);
  });

  it('a profile with nothing to leave (the base platform) has no members to remove', () => {
    const join = { findings: [{ key: 'k', severity: 'info' as const, hostId: 'w1', code: 'join.member', message: '', remediation: '' }] };
    expect(clusterMembers(project, { join }, false)).toEqual([]);
    expect(clusterMembers(project, {}, true)).toEqual([]);
  });
});

describe('leaveOutcome', () => {
  it('ok only for a completed run without an open blocking finding', () => {
    expect(leaveOutcome(runView('completed'), 'r1', 'node2')).toMatchObject({ ok: true, value: { runId: 'r1' } });
    const failedFinding = { key: 'leave.failed@m1', severity: 'blocking' as const, hostId: 'm1', code: 'leave.failed', message: 'x', remediation: 'y' };
    for (const v of [runView('failed'), runView('cancelled'), runView('completed', [failedFinding]), undefined]) {
      const r = leaveOutcome(v, 'r1', 'node2');
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatchObject({ reason: 'cluster-leave-failed', params: { host: 'node2', runId: 'r1' } });
    }
  });
});

/**
 * The handler against a real project folder. The runner is a stand-in (a seam: a real leave needs
 * a built cluster, which the profiles' lab tests prove): it records what it was asked and ends
 * each run as the test says.
 */
function standInRunbook(end: RunView | undefined, changes: PlanView['changes'] = []) {
  const calls: { kind: string; stepId: string; opts?: unknown; input?: unknown }[] = [];
  const runbook = {
    async plan(_dir: string, stepId: string, input?: unknown) {
      calls.push({ kind: 'plan', stepId, input });
      return { ok: true as const, value: { plan: { stepId, title: '', planHash: 'ph', hosts: [], changes } as PlanView, text: '' } };
    },
    async start(_dir: string, stepId: string, opts: unknown) {
      calls.push({ kind: 'start', stepId, opts });
      return { ok: true as const, value: { runId: 'r1' } };
    },
    async whenDone() {
      return end;
    },
  };
  return { calls, shared: { runbook } as unknown as Pick<SharedServices, 'runbook'> & { runbook: typeof runbook } };
}

async function folder(): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), 'rs-cluster-')), 'p');
  const r = await saveProject(dir, project);
  if (!r.ok) throw new Error(r.error.message);
  return dir;
}

describe('cluster.leave / cluster.members', () => {
  it('runs cluster-leave with the host as input (confirming the plan\'s changes) and answers when it completed', async () => {
    const dir = await folder();
    const { calls, shared } = standInRunbook(runView('completed'), [{ hostId: 'm1', actionId: 'remove', change: 'remove node2 from the cluster' }]);
    const r = await createClusterHandlers(shared)['cluster.leave']({ dir, hostId: 'w1' });
    expect(r).toMatchObject({ ok: true, value: { runId: 'r1' } });
    expect(calls).toEqual([
      { kind: 'plan', stepId: CLUSTER_LEAVE_STEP, input: { hostId: 'w1' } },
      { kind: 'start', stepId: CLUSTER_LEAVE_STEP, opts: { input: { hostId: 'w1' }, confirmation: { planHash: 'ph', changes: ['remove node2 from the cluster'] } } },
    ]);
  });

  it('a failed leave is an error the renderer words (cluster-leave-failed): the caller keeps the host', async () => {
    const dir = await folder();
    const { shared } = standInRunbook(runView('failed'));
    const r = await createClusterHandlers(shared)['cluster.leave']({ dir, hostId: 'w2' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ reason: 'cluster-leave-failed', params: { host: '10.0.0.13', runId: 'r1' } });
  });

  it('a node the profile refuses to plan a leave for (Slurm\'s controller) is a refusal (cluster-leave-refused), and nothing runs', async () => {
    const dir = await folder();
    const { calls, shared } = standInRunbook(runView('completed'));
    shared.runbook.plan = async () =>
      because(err('internal', 'Step cluster-leave could not plan', 'This is a bug in the step; please report it.'), 'run-plan-failed', { step: CLUSTER_LEAVE_STEP, detail: 'node1 runs the Slurm controller' }) as never;
    const r = await createClusterHandlers(shared)['cluster.leave']({ dir, hostId: 'm1' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ reason: 'cluster-leave-refused', params: { host: 'node1', detail: 'node1 runs the Slurm controller' } });
    expect(calls.filter((c) => c.kind === 'start')).toEqual([]);
  });

  it('the first master of a profile that can remove nodes is refused in the technician\'s words (cluster-leave-first-master), before anything is planned', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'rs-cluster-')), 'p');
    const saved = await saveProject(dir, { ...project, install: { profile: 'slurm' } } as Project);
    if (!saved.ok) throw new Error(saved.error.message);
    const { calls, shared } = standInRunbook(runView('completed'));
    const r = await createClusterHandlers(shared)['cluster.leave']({ dir, hostId: 'm1' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ reason: 'cluster-leave-first-master', params: { host: 'node1' } });
    expect(calls).toEqual([]);
  });

  it('a host not in the saved inventory is refused before anything runs', async () => {
    const dir = await folder();
    const { calls, shared } = standInRunbook(runView('completed'));
    const r = await createClusterHandlers(shared)['cluster.leave']({ dir, hostId: 'nope' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.reason).toBe('cluster-host-unknown');
    expect(calls).toEqual([]);
  });

  it('members: none for a project with no runs, and none for a folder with no project yet', async () => {
    const dir = await folder();
    const { shared } = standInRunbook(undefined);
    const h = createClusterHandlers(shared);
    expect(await h['cluster.members']({ dir })).toEqual({ ok: true, value: { profile: 'base', members: [] } });
    const empty = await mkdtemp(join(tmpdir(), 'rs-cluster-none-'));
    expect(await h['cluster.members']({ dir: empty })).toEqual({ ok: true, value: { profile: '', members: [] } });
  });
});
