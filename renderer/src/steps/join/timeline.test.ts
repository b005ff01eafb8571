import { describe, expect, it } from 'vitest';
import type { ActionRun, FindingView, HostRun, PlanView } from '../../../../electron/contract/index.js';
import { hostState, joinTimelines, waitReasonOf } from './timeline.js';

// The shape the Slurm profile's join plans: packages, config and service on the worker itself;
// "seen" checked from the first master, about the worker.
const act = (id: string, stage?: string, about?: string) => ({
  id, title: `join.actions.${id}`, command: 'true', sudo: true, timeoutMs: 1000, destructive: false, ...(stage ? { stage } : {}), ...(about ? { about } : {}),
});
const plan: Pick<PlanView, 'hosts'> = {
  hosts: [
    { hostId: 'm', name: 'm1', address: '10.0.0.1', user: 'root', actions: [act('seen-w1', 'seen', 'w1'), act('seen-w2', 'seen', 'w2'), act('as-built')] },
    { hostId: 'w1', name: 'w1', address: '10.0.0.2', user: 'root', actions: [act('pkgs', 'packages'), act('munge', 'configuration'), act('conf', 'configuration'), act('slurmd', 'service')] },
    { hostId: 'w2', name: '', address: '10.0.0.3', user: 'root', actions: [act('pkgs', 'packages'), act('munge', 'configuration'), act('conf', 'configuration'), act('slurmd', 'service')] },
  ],
};
type St = ActionRun['status'];
const a = (actionId: string, status: St, extra: Partial<ActionRun> = {}): ActionRun => ({ actionId, title: actionId, status, attempts: 1, ...extra });
const host = (hostId: string, status: HostRun['status'], actions: ActionRun[], extra: Partial<HostRun> = {}): HostRun => ({ hostId, name: hostId, address: '', status, actions, ...extra });

describe('joinTimelines', () => {
  it('before any run: one timeline per joining host, every stage not started; an action on the master about a worker is in the worker\'s timeline', () => {
    const tl = joinTimelines(plan, undefined);
    expect(tl.map((t) => t.hostId)).toEqual(['w1', 'w2']);
    expect(tl[1]!.name).toBe('10.0.0.3');
    expect(tl[0]!.stages.map((s) => [s.stage, s.state, s.total])).toEqual([
      ['packages', 'pending', 1], ['configuration', 'pending', 2], ['service', 'pending', 1], ['seen', 'pending', 1],
    ]);
    expect(tl[0]!.joined).toBe(false);
  });

  it('live: done, running with elapsed time, and a host seen by the cluster is joined', () => {
    const run = {
      findings: [],
      hosts: [
        host('m', 'running', [a('seen-w1', 'done', { durationMs: 400 }), a('seen-w2', 'pending'), a('as-built', 'pending')]),
        host('w1', 'done', [a('pkgs', 'already-done', { durationMs: 100 }), a('munge', 'done', { durationMs: 200 }), a('conf', 'done', { durationMs: 300 }), a('slurmd', 'done', { durationMs: 50 })]),
        host('w2', 'running', [a('pkgs', 'done', { durationMs: 1000 }), a('munge', 'done', { durationMs: 500 }), a('conf', 'running'), a('slurmd', 'pending')]),
      ],
    };
    const tl = joinTimelines(plan, run, { now: 10_000, runningSince: (h, id) => (h === 'w2' && id === 'conf' ? 7_000 : undefined) });
    expect(tl[0]!.stages.map((s) => s.state)).toEqual(['done', 'done', 'done', 'done']);
    expect(tl[0]!.joined).toBe(true);
    expect(tl[0]!.stages[1]!.elapsedMs).toBe(500);
    expect(tl[1]!.stages.map((s) => s.state)).toEqual(['done', 'running', 'pending', 'pending']);
    // 500 ms finished + 3 s of the running action.
    expect(tl[1]!.stages[1]).toMatchObject({ done: 1, total: 2, elapsedMs: 3500 });
  });

  it('a failed "seen" check of w2 on the master: w2 failed in stage seen, retried on the master; its join.failed finding attached', () => {
    const finding: FindingView = { key: 'join.failed@w2', severity: 'blocking', hostId: 'w2', code: 'join.failed', message: 'x', remediation: 'y', params: { host: 'w2', stage: 'seen' } };
    const run = {
      findings: [finding],
      hosts: [
        host('m', 'failed', [a('seen-w1', 'done'), a('seen-w2', 'failed', { exitCode: 1 }), a('as-built', 'pending')]),
        host('w1', 'done', [a('pkgs', 'done'), a('munge', 'done'), a('conf', 'done'), a('slurmd', 'done')]),
        host('w2', 'done', [a('pkgs', 'done'), a('munge', 'done'), a('conf', 'done'), a('slurmd', 'done')]),
      ],
    };
    const [w1, w2] = joinTimelines(plan, run);
    expect(w1!.joined).toBe(true);
    expect(w1!.failure).toBeUndefined();
    expect(w2!.stages.map((s) => s.state)).toEqual(['done', 'done', 'done', 'failed']);
    expect(w2!.failure).toEqual({ stage: 'seen', retryHostId: 'm', actionId: 'seen-w2', title: 'join.actions.seen-w2', exitCode: 1 });
    expect(w2!.finding).toBe(finding);
  });

  it('waiting for the technician is its own state: a lock held by another laptop, an unknown host key, a missing password', () => {
    const pending = [a('pkgs', 'pending'), a('munge', 'pending'), a('conf', 'pending'), a('slurmd', 'pending')];
    const run = {
      findings: [],
      hosts: [
        host('m', 'running', [a('seen-w1', 'pending'), a('seen-w2', 'pending'), a('as-built', 'pending')]),
        host('w1', 'lock-held', pending, { lockHolder: { owner: 'x', laptop: 'other', pid: 1, runId: 'r', heartbeatAgeS: 2, stale: false } }),
        host('w2', 'failed', pending, { reason: 'run-connect-failed', params: { cause: 'conn-hostkey-unknown' } }),
      ],
    };
    const [w1, w2] = joinTimelines(plan, run);
    expect(w1!.stages.map((s) => s.state)).toEqual(['waiting', 'waiting', 'waiting', 'pending']);
    expect(w1).toMatchObject({ waitReason: 'lock', waitHostId: 'w1' });
    expect(w2).toMatchObject({ waitReason: 'hostkey', waitHostId: 'w2' });
    expect(w2!.failure).toBeUndefined();
    expect(waitReasonOf({ status: 'failed', reason: 'run-connect-failed', params: { cause: 'conn-no-password' } })).toBe('credentials');
    expect(waitReasonOf({ status: 'failed', reason: 'run-host-key-stopped' })).toBe('hostkey');
    expect(waitReasonOf({ status: 'failed', reason: 'run-action-failed' })).toBeUndefined();
  });

  it('the Pacemaker shape: the first master\'s own stage (reading the hacluster password) is a cluster-side card, first, "done" not "member"; a failure there says so', () => {
    const pcm: Pick<PlanView, 'hosts'> = {
      hosts: [
        { hostId: 'm1', name: 'node1', address: '', user: 'root', actions: [act('hacluster-password', 'configuration'), act('pcm-add-w1', 'service', 'w1'), act('pcm-seen-w1', 'seen', 'w1')] },
        { hostId: 'm2', name: 'node2', address: '', user: 'root', actions: [act('as-built')] },
        { hostId: 'w1', name: 'node3', address: '', user: 'root', actions: [act('pcm-packages', 'packages'), act('pcm-pcsd', 'configuration')] },
      ],
    };
    const before = joinTimelines(pcm, undefined);
    expect(before.map((x) => [x.hostId, x.clusterSide])).toEqual([['m1', true], ['w1', false]]);
    const done = joinTimelines(pcm, {
      findings: [],
      hosts: [host('m1', 'done', [a('hacluster-password', 'done'), a('pcm-add-w1', 'done'), a('pcm-seen-w1', 'done')]), host('w1', 'done', [a('pcm-packages', 'done'), a('pcm-pcsd', 'done')])],
    });
    expect(done.map((x) => [x.hostId, hostState(x, false)])).toEqual([['m1', 'prepared'], ['w1', 'joined']]);
    const failed = joinTimelines(pcm, { findings: [], hosts: [host('m1', 'failed', [a('hacluster-password', 'failed', { exitCode: 1 })])] });
    expect(failed[0]).toMatchObject({ hostId: 'm1', clusterSide: true, failure: { stage: 'configuration', retryHostId: 'm1' } });
    expect(hostState(failed[0]!, false)).toBe('failed');
  });

  it('no plan, no timelines; actions without a join stage (the as-built capture) are in none', () => {
    expect(joinTimelines(undefined, undefined)).toEqual([]);
    expect(joinTimelines({ hosts: [{ hostId: 'm', name: 'm', address: '', user: 'root', actions: [act('as-built')] }] }, undefined)).toEqual([]);
  });

  it('a card\'s state: a host part-way through is running while the run runs, stopped once it ended without a failure of its own', () => {
    const stages = (states: string[]) => states.map((state, i) => ({ stage: (['packages', 'configuration', 'service', 'seen'] as const)[i]!, state: state as 'done', done: 0, total: 1, elapsedMs: 0 }));
    expect(hostState({ joined: false, stages: stages(['done', 'done', 'done', 'pending']) }, true)).toBe('running');
    expect(hostState({ joined: false, stages: stages(['done', 'done', 'done', 'pending']) }, false)).toBe('stopped');
    expect(hostState({ joined: false, stages: stages(['pending', 'pending', 'pending', 'pending']) }, false)).toBe('pending');
    expect(hostState({ joined: true, stages: stages(['done', 'done', 'done', 'done']) }, false)).toBe('joined');
    expect(hostState({ joined: false, waitReason: 'lock', stages: stages(['waiting', 'pending', 'pending', 'pending']) }, true)).toBe('waiting');
  });
});
