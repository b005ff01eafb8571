import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { createInstance, type TFunction } from 'i18next';
import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../../renderer/src/lib/format-issue.js';
import { localizedError } from '../../../renderer/src/lib/localized-error.js';
import { because, CLUSTER_LEAVE_STEP, err, type AppError, type PlanView, type Project, type RunView } from '../../contract/index.js';
import { saveProject } from '../project/project-store.js';
import { buildPlan } from '../runbook/plan.js';
import type { RunRecord } from '../runbook/replay.js';
import { clusterMembers, leaveOutcome } from '../steps/join/members.js';
import { clusterLeaveStep, workerJoinStep } from '../steps/join/step.js';
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

/**
 * Refusals as the technician reads them: the real planner and step modules, the renderer's own
 * wording (localizedError, formatIssue) over the real locale files, in Chinese.
 */
describe('refusals in the technician\'s language', () => {
  const locale = (lang: string) => JSON.parse(readFileSync(join(import.meta.dirname, '../../../renderer/src/i18n', `${lang}.json`), 'utf8')) as object;
  const i18n = async (lng: string): Promise<TFunction> => {
    const i = createInstance();
    await i.init({ resources: { en: { translation: locale('en') }, 'zh-CN': { translation: locale('zh-CN') } }, lng, fallbackLng: 'en', interpolation: { escapeValue: false } });
    return i.t;
  };
  /** The error as the dialog shows it in 中文: message, hint and rows, none an English sentence. */
  const inChinese = async (e: AppError) => {
    const t = await i18n('zh-CN');
    const { message, hint } = localizedError(t, e);
    const rows = (e.issues ?? []).map((i) => formatIssue(t, i));
    for (const text of [message, hint ?? '', ...rows]) {
      expect(text, e.message).toMatch(/[\u4e00-\u9fff]/);
      expect(text, e.message).not.toMatch(/\{\{|reasons\./);
      // No English sentence (three words in a row); host names, ids and "Slurm (slurmctld)" aside.
      expect(text, e.message).not.toMatch(/[A-Za-z]{2,}\s+[A-Za-z]{2,}\s+[A-Za-z]{2,}/);
    }
    return { message, hint, rows };
  };
  // No VIP in these projects' network plans: keepalived owns none, so Pacemaker's plan is valid without one.
  const withProfile = (profile: string, install: object = {}): Project =>
    ({ ...project, install: { profile, ...(profile === 'pacemaker' ? { pacemaker: { vipOwner: 'keepalived' } } : {}), ...install } } as Project);

  it('a leave refused for another reason than the first master (the install plan names a VIP candidate no longer in the inventory): coded, its rows coded, worded in Chinese', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'rs-cluster-')), 'p');
    const p = withProfile('pacemaker', { vrrp: { candidates: ['gone'] } });
    const saved = await saveProject(dir, p);
    if (!saved.ok) throw new Error(saved.error.message);
    const { calls, shared } = standInRunbook(runView('completed'));
    // The real planner on the saved project: what Runbook.plan answers.
    shared.runbook.plan = async (_dir: string, stepId: string, input?: unknown) => {
      calls.push({ kind: 'plan', stepId, input });
      const b = buildPlan(clusterLeaveStep, p, input);
      return (b.ok ? { ok: true as const, value: { plan: b.value.view, text: '' } } : b) as never;
    };
    const r = await createClusterHandlers(shared)['cluster.leave']({ dir, hostId: 'w1' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatchObject({ reason: 'cluster-leave-refused', params: { host: 'node2', cause: 'plan-install-invalid' } });
    expect(r.error.issues?.map((i) => [i.field, i.code])).toEqual([['vrrp.candidates.0', 'install.issue.candidate-unknown']]);
    expect(calls.filter((c) => c.kind === 'start')).toEqual([]);
    const zh = await inChinese(r.error);
    expect(zh.message).toContain('node2 无法退出集群');
    expect(zh.rows.join('\n')).toContain('VIP 候选主机 gone 不在清单中');
  });

  it('the profiles\' own refusals and an unknown leaving host are refusals (run-plan-refused) with a coded cause, not bugs', async () => {
    const cases: [Project, unknown, string][] = [
      [withProfile('slurm'), { hostId: 'm1' }, 'leave-slurm-controller'],
      [withProfile('pacemaker'), { hostId: 'm1' }, 'leave-first-master'],
      [withProfile('pacemaker'), { hostId: 'nope' }, 'leave-host-unknown'],
    ];
    for (const [p, input, cause] of cases) {
      const b = buildPlan(clusterLeaveStep, p, input);
      expect(b.ok).toBe(false);
      if (b.ok) continue;
      expect(b.error).toMatchObject({ code: 'unsupported', reason: 'run-plan-refused', params: { step: CLUSTER_LEAVE_STEP, cause } });
      await inChinese(b.error);
    }
  });

  it('a join whose install plan became invalid is refused with the plan\'s rows, worded in Chinese', async () => {
    const b = buildPlan(workerJoinStep, withProfile('slurm', { firewall: { enabled: true, rollbackAfterS: 5 } }));
    expect(b.ok).toBe(false);
    if (b.ok) return;
    expect(b.error).toMatchObject({ reason: 'run-plan-refused', params: { cause: 'plan-install-invalid', count: 1 } });
    expect(b.error.issues?.map((i) => i.code)).toEqual(['install.issue.rollback-range']);
    await inChinese(b.error);
  });
});
