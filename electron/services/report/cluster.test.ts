import { readFile } from 'node:fs/promises';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectSchema, type PlanView, type Project } from '../../contract/index.js';
import { Journal } from '../project/journal.js';
import { saveProject } from '../project/project-store.js';
import { Transcript, transcriptPath } from '../runbook/transcript.js';
import { previewReport, type ReportDeps } from './export.js';

// The report's as-built cluster, from a journal as the worker-join run's last phase leaves it; the
// captured outputs are real lab output (steps/join/fixtures, see as-built.test.ts).
const fixture = (name: string) => readFile(join(import.meta.dirname, '..', 'steps', 'join', 'fixtures', name), 'utf8');

const project = (profile: string): Project =>
  projectSchema.parse({
    version: 1, site: 'Lab', customer: 'C', technician: 'T',
    hosts: [
      { id: 'h1', name: 'node1', address: '198.18.0.11', port: 22, user: 'root', role: 'master', auth: { method: 'key', keyPath: '/k' } },
      { id: 'h2', name: 'node2', address: '198.18.0.12', port: 22, user: 'root', role: 'worker', auth: { method: 'key', keyPath: '/k' } },
    ],
    install: { profile },
  });

const act = (id: string) => ({ id, title: 'x', command: 'x', sudo: false, timeoutMs: 1000, destructive: false });
const plan: PlanView = {
  stepId: 'worker-join', title: 'x', planHash: 'x'.repeat(64), changes: [],
  hosts: [
    { hostId: 'h1', name: 'node1', address: '198.18.0.11', user: 'root', actions: [act('cluster-as-built'), act('cluster-members')] },
    { hostId: 'h2', name: 'node2', address: '198.18.0.12', user: 'root', actions: [act('cluster-as-built')] },
  ],
};

async function folder(profile: string): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), 'rs-cluster-')), 'p');
  await mkdir(dir, { recursive: true });
  const saved = await saveProject(dir, project(profile));
  if (!saved.ok) throw new Error(saved.error.message);
  return dir;
}

async function withJoinRun(profile: string, runStatus: 'completed' | 'failed', captures: [string, string, string][]): Promise<string> {
  const dir = await folder(profile);
  const j = await Journal.open(dir);
  await j.append({ type: 'run-started', runId: 'r1', stepId: 'worker-join', plan, owner: 'o', laptop: 'l', pid: 1 });
  for (const [hostId, actionId, file] of captures) {
    await j.append({ type: 'action-started', runId: 'r1', hostId, actionId, attempt: 1, command: 'x', sudo: false, destructive: false });
    const rel = transcriptPath(hostId, 'r1', actionId, 1);
    const t = await Transcript.create(dir, rel, () => []);
    t.note('as built');
    const sha256 = await t.close();
    await j.append({ type: 'action-finished', runId: 'r1', hostId, actionId, attempt: 1, status: 'done', via: 'command', exitCode: 0, signal: null, durationMs: 10, message: 'exit 0', transcript: rel, sha256, stdout: await fixture(file) });
  }
  await j.append({ type: 'run-finished', runId: 'r1', status: runStatus });
  await j.close();
  return dir;
}

const deps: ReportDeps = {
  appVersion: '0.1.0', secrets: () => [], printToPdf: async () => Buffer.from(''),
  steps: [{ id: 'master-install', title: 'runbook.steps.master-install.title' }, { id: 'worker-join', title: 'runbook.steps.worker-join.title' }],
  now: () => new Date('2026-01-01T00:00:00Z'),
};
const signOff = { technician: '', customerRepresentative: '', date: '' };

describe('report: the cluster as built', () => {
  it('lists the profile, the members with their state, and per host its services and package versions, in HTML and JSON, both languages', async () => {
    const dir = await withJoinRun('slurm', 'completed', [
      ['h1', 'cluster-as-built', 'as-built-slurm-node2.txt'],
      ['h1', 'cluster-members', 'members-slurm.txt'],
      ['h2', 'cluster-as-built', 'as-built-slurm-bare-node3.txt'],
    ]);
    const r = await previewReport(dir, signOff, deps, 'en');
    if (!r.ok) throw new Error(r.error.message);
    const c = r.value.report.cluster!;
    expect(c).toMatchObject({ profile: 'slurm', runId: 'r1', recorded: true, passed: true, members: [{ name: 'node2', state: 'idle' }] });
    expect(c.hosts[0]!.units).toEqual([{ name: 'munge', state: 'active' }, { name: 'slurmctld', state: 'active' }, { name: 'slurmd', state: 'active' }]);
    expect(c.hosts[1]!.packages).toEqual([{ name: 'slurmd', version: '' }, { name: 'munge', version: '' }]);
    const html = r.value.html;
    expect(html).toContain('id="cluster"');
    expect(html).toContain('data-state="passed"');
    expect(html).toContain('Cluster — as built');
    expect(html).toContain('slurmctld active');
    expect(html).toContain('slurmd 22.05.8-4+deb12u3');
    expect(html).toContain('slurmd not installed');
    const zh = await previewReport(dir, signOff, deps, 'zh-CN');
    if (!zh.ok) throw new Error(zh.error.message);
    expect(zh.value.html).toContain('集群——竣工状态');
    expect(zh.value.html).toContain('slurmd 未安装');
    expect(zh.value.html).not.toMatch(/\{\{\w+\}\}/);
    // Each host's role in the technician's language, as the inventory section words it.
    const roles = [...zh.value.html.slice(zh.value.html.indexOf('data-testid="cluster-hosts"')).matchAll(/<tr><td>node\d<\/td><td>([^<]*)<\/td>/g)].map((m) => m[1]);
    expect(roles).toEqual(['主节点', '工作节点']);
  });

  it('says so when the join step has not run, and the verdict is not ready', async () => {
    const dir = await folder('pacemaker');
    const r = await previewReport(dir, signOff, deps, 'en');
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.report.cluster).toMatchObject({ profile: 'pacemaker', runId: null, recorded: false, passed: false, members: [] });
    expect(r.value.html).toContain('data-state="notRun"');
    expect(r.value.html).toContain('The join step has not run yet');
    expect(r.value.report.verdict.status).toBe('not-ready');
    expect(r.value.report.verdict.items).toContainEqual({ code: 'not-run', phase: 'workers', stepId: 'worker-join', count: 0 });
  });

  it('a failed join run: the state read is shown, marked not passed, and the verdict names the join step', async () => {
    const dir = await withJoinRun('pacemaker', 'failed', [
      ['h1', 'cluster-as-built', 'as-built-pacemaker-node1.txt'],
      ['h1', 'cluster-members', 'members-pacemaker.txt'],
    ]);
    const r = await previewReport(dir, signOff, deps, 'en');
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.report.cluster).toMatchObject({ runId: 'r1', recorded: true, passed: false, members: [{ name: 'node1', state: 'member' }] });
    expect(r.value.html).toContain('data-state="notPassed"');
    expect(r.value.html).toContain('fence-agents not installed');
    expect(r.value.report.verdict.status).toBe('not-ready');
    expect(r.value.report.verdict.items).toContainEqual({ code: 'failed', phase: 'workers', stepId: 'worker-join', count: 0 });
  });

  it('has no cluster section for the base platform before any join', async () => {
    const r = await previewReport(await folder('base'), signOff, deps, 'en');
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.report.cluster).toBeUndefined();
    expect(r.value.html).not.toContain('id="cluster"');
  });
});
