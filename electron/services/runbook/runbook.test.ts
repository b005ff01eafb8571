import { mkdtemp, readFile, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PlanView, Project } from '../../contract/index.js';
import { createLogger } from '../log/logger.js';
import { Journal, parseJournalText, readJournal, type JournalEvent } from '../project/journal.js';
import { openProject, saveProject } from '../project/project-store.js';
import { MemorySecretStore } from '../secrets/secret-store.js';
import { Runbook } from './engine.js';
import { parseAcquire } from './lock.js';
import { buildPlan, planText } from './plan.js';
import { JournalState } from './replay.js';
import type { StepModule } from './step-module.js';
import { preflightStep } from '../steps/preflight/step.js';
import { Transcript } from './transcript.js';

const project: Project = {
  version: 1,
  site: 'Lab',
  customer: 'ACME',
  technician: 'Li Wei',
  hosts: [
    { id: 'h1', name: 'node1', address: '198.18.0.11', port: 22, user: 'root', role: 'master', auth: { method: 'password' } },
    { id: "h2'; touch /tmp/pwned #", name: 'node2', address: '198.18.0.12', port: 22, user: 'lab', role: 'worker', auth: { method: 'password' } },
  ],
};

const noSsh = { host: () => { throw new Error('no SSH in unit tests'); } };
const silent = createLogger(() => {});

describe('planning', () => {
  it('plans the preflight per host with sudo only for non-root users and hostile ids quoted', () => {
    const r = buildPlan(preflightStep, project);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const { view } = r.value;
    expect(view.hosts.map((h) => h.hostId)).toEqual(['h1', "h2'; touch /tmp/pwned #"]);
    expect(view.hosts.map((h) => h.actions.map((a) => a.id))).toEqual([['access', 'system', 'workdir'], ['access', 'system', 'workdir']]);
    const wd1 = view.hosts[0]!.actions[2]!;
    const wd2 = view.hosts[1]!.actions[2]!;
    expect([wd1.sudo, wd2.sudo]).toEqual([false, true]);
    expect(wd2.command).toContain("exec sudo -S -p '[rackside-sudo-prompt]' -- sh -c ");
    expect(wd1.command).not.toContain('sudo');
    // The hostile id is one single-quoted argument, never shell syntax.
    expect(wd2.command).toContain(`'h2'\\''; touch /tmp/pwned #'`);
    expect(wd1.probe).toContain('/var/lib/rackside');
    expect(view.changes).toEqual([]);
    const text = planText(view);
    for (const h of view.hosts) for (const a of h.actions) expect(text).toContain(a.command);
    expect(text).toContain('== node2 (198.18.0.12, user lab) ==');
  });

  it('hashes the plan: same project same hash, any change in what runs where a new one', () => {
    const a = buildPlan(preflightStep, project);
    const b = buildPlan(preflightStep, structuredClone(project));
    const c = buildPlan(preflightStep, { ...project, hosts: [{ ...project.hosts[0]!, user: 'admin' }, project.hosts[1]!] });
    const d = buildPlan(preflightStep, { ...project, site: 'renamed' });
    if (!a.ok || !b.ok || !c.ok || !d.ok) throw new Error('plan failed');
    expect(b.value.view.planHash).toBe(a.value.view.planHash);
    expect(d.value.view.planHash).toBe(a.value.view.planHash);
    expect(c.value.view.planHash).not.toBe(a.value.view.planHash);
  });

  it('refuses a module whose destructive action does not say what it changes, or repeats an id', () => {
    const bad = (actions: ReturnType<StepModule['plan']>): StepModule => ({ id: 'bad', title: 't', plan: () => actions, evaluate: () => [] });
    const act = { id: 'x', title: 't', command: { argv: ['true'] }, sudo: false, timeoutMs: 1000, destructive: true };
    const r1 = buildPlan(bad(new Map([['h1', [act]]])), project);
    expect(!r1.ok && r1.error.message).toMatch(/does not say what it changes/);
    const r2 = buildPlan(bad(new Map([['h1', [{ ...act, destructive: false }, { ...act, destructive: false }]]])), project);
    expect(!r2.ok && r2.error.message).toMatch(/twice/);
    const r3 = buildPlan(bad(new Map([['nope', [{ ...act, destructive: false }]]])), project);
    expect(!r3.ok && r3.error.message).toMatch(/unknown host/);
    // On screen: a bug in the step, worded from reasons.run-step-bug (the English names what broke).
    for (const r of [r1, r2, r3]) expect(!r.ok && r.error).toMatchObject({ reason: 'run-step-bug', params: { step: 'bad' } });
    const thrown = buildPlan({ ...bad(new Map()), plan: () => { throw new Error('boom'); } }, project);
    expect(!thrown.ok && thrown.error).toMatchObject({ reason: 'run-plan-failed', params: { step: 'bad', detail: 'boom' } });
  });
});

function plan(): PlanView {
  const r = buildPlan(preflightStep, project);
  if (!r.ok) throw new Error('plan');
  return r.value.view;
}
const at = '2025-01-01T00:00:00.000Z';
const runner = { owner: 'o1', laptop: 'lap', pid: 1 };
const started = (hostId: string, actionId: string, attempt = 1): JournalEvent => ({
  type: 'action-started', at, runId: 'r1', hostId, actionId, attempt, command: 'x', sudo: false, destructive: false,
});
const finished = (hostId: string, actionId: string, status: 'done' | 'already-done' | 'failed' = 'done', stdout = ''): JournalEvent => ({
  type: 'action-finished', at, runId: 'r1', hostId, actionId, attempt: 1, status, via: status === 'already-done' ? 'probe' : 'command',
  exitCode: status === 'failed' ? 1 : 0, signal: null, durationMs: 5, message: 'm', transcript: 'logs/x.log', sha256: 'ab', stdout,
});

describe('journal replay', () => {
  it('rebuilds finished, interrupted and pending actions after the runner died', () => {
    const events: JournalEvent[] = [
      { type: 'run-started', at, runId: 'r1', stepId: 'preflight', plan: plan(), ...runner },
      started('h1', 'access'), finished('h1', 'access'),
      started('h1', 'system'),
      started("h2'; touch /tmp/pwned #", 'access'), finished("h2'; touch /tmp/pwned #", 'access', 'failed'),
      { type: 'host-stopped', at, runId: 'r1', hostId: "h2'; touch /tmp/pwned #", reason: 'access: Exit code 1' },
    ];
    const s = JournalState.from(events).stepState('preflight', 'title', { hosts: new Map() });
    expect(s.lastRun?.status).toBe('interrupted');
    const [h1, h2] = s.lastRun!.hosts;
    expect(h1!.actions.map((a) => a.status)).toEqual(['done', 'interrupted', 'pending']);
    expect(h1!.status).toBe('interrupted');
    expect(h2!.actions.map((a) => a.status)).toEqual(['failed', 'pending', 'pending']);
    expect(h2!.status).toBe('failed');
    expect(s.resumable).toBe(true);
    expect(s.interrupted).toEqual([{ hostId: 'h1', actionId: 'system' }]);
    // While this process runs it, the same action is running, not interrupted.
    const live = JournalState.from(events).stepState('preflight', 't', { hosts: new Map([['r1', new Set(['h1'])]]) });
    expect(live.lastRun!.hosts[0]!.actions[1]!.status).toBe('running');
    expect(live.lastRun!.status).toBe('running');
  });

  it('a completed run passes only when every blocking finding is waived; the latest waiver counts', () => {
    const h = 'h1';
    const finding = { key: 'preflight.root-space-low@h1', severity: 'blocking' as const, hostId: h, code: 'preflight.root-space-low', message: 'low', remediation: 'free' };
    const base: JournalEvent[] = [
      { type: 'run-started', at, runId: 'r1', stepId: 'preflight', plan: plan(), ...runner },
      ...['h1', "h2'; touch /tmp/pwned #"].flatMap((id) => ['access', 'system', 'workdir'].flatMap((a) => [started(id, a), finished(id, a, a === 'workdir' ? 'already-done' : 'done')])),
      { type: 'findings', at, runId: 'r1', stepId: 'preflight', findings: [finding] },
      { type: 'run-finished', at, runId: 'r1', status: 'completed' },
    ];
    const before = JournalState.from(base).stepState('preflight', 't', { hosts: new Map() });
    expect([before.lastRun?.status, before.passed, before.resumable]).toEqual(['completed', false, false]);
    const waiver: JournalEvent = { type: 'waiver', at, stepId: 'preflight', key: finding.key, code: finding.code, hostId: h, reason: 'customer signs off', technician: 'Li Wei' };
    const after = JournalState.from([...base, waiver]).stepState('preflight', 't', { hosts: new Map() });
    expect(after.passed).toBe(true);
    expect(after.lastRun!.findings[0]!.waiver).toMatchObject({ reason: 'customer signs off', technician: 'Li Wei' });
    expect(after.waivers).toHaveLength(1);
  });

  it('drops a torn last line, but names a damaged line in the middle', () => {
    const good = JSON.stringify({ type: 'run-finished', at, runId: 'r1', status: 'completed' });
    const torn = parseJournalText(`${good}\n{"type":"action-sta`, '/p/journal.ndjson');
    expect(torn.ok && torn.value).toHaveLength(1);
    const bad = parseJournalText(`${good}\n{"type":"run-finished","at":"x","runId":"r1","status":"maybe"}\n${good}\n`, '/p/journal.ndjson');
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.error.message).toMatch(/line 2: field "status"/);
      expect(bad.error.issues?.[0]?.line).toBe(2);
    }
  });

  it('appends fsync\'d lines, and after a torn write marks it so the file stays readable', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rs-journal-'));
    const j = await Journal.open(dir);
    await j.append({ type: 'run-finished', runId: 'r1', status: 'completed' });
    await j.close();
    await appendFile(join(dir, 'journal.ndjson'), '{"type":"action-fin');
    const j2 = await Journal.open(dir);
    await j2.append({ type: 'run-finished', runId: 'r2', status: 'failed' });
    await j2.close();
    const r = await readJournal(dir);
    expect(r.ok && r.value.map((e) => e.type === 'run-finished' && e.runId)).toEqual(['r1', 'r2']);
    expect((await readFile(join(dir, 'journal.ndjson'), 'utf8')).split('\n')).toHaveLength(5);
  });
});

describe('project.yaml schema', () => {
  it('opens files without thresholds, names the line and field of a bad one, and keeps thresholds on save', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rs-proj-'));
    expect((await saveProject(dir, project)).ok).toBe(true);
    const text = await readFile(join(dir, 'project.yaml'), 'utf8');
    expect(text).not.toContain('thresholds');
    await writeFile(join(dir, 'project.yaml'), text + 'thresholds:\n  minRootFreeMiB: lots\n');
    const before = await readFile(join(dir, 'project.yaml'), 'utf8');
    const bad = await openProject(dir);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.message).toMatch(/line \d+: field "thresholds.minRootFreeMiB"/);
    expect(await readFile(join(dir, 'project.yaml'), 'utf8')).toBe(before);
    await writeFile(join(dir, 'project.yaml'), text + 'thresholds:\n  minRootFreeMiB: 4096\n');
    // A file that failed to open is written again only after it opened cleanly for editing.
    expect((await openProject(dir, { forEditing: true })).ok).toBe(true);
    // The inventory step saves without thresholds: they are carried over, not dropped.
    expect((await saveProject(dir, { ...project, site: 'B' })).ok).toBe(true);
    const re = await openProject(dir);
    expect(re.ok && re.value.project).toMatchObject({ site: 'B', thresholds: { minRootFreeMiB: 4096 } });
  });
});

describe('preflight findings', () => {
  const results = (avail: number[], kernels: string[]) =>
    new Map(
      project.hosts.map((h, i) => [
        h.id,
        new Map([
          ['access', { status: 'done' as const, exitCode: 0, stdout: `uid=0\nuser=root\nsudo=${i ? 'password' : 'root'}\n` }],
          ['system', { status: 'done' as const, exitCode: 0, stdout: `os_id=debian\nos_name=Debian GNU/Linux 12 (bookworm)\nkernel=${kernels[i]}\narch=x86_64\nroot_avail_kib=${avail[i]! * 1024}\n` }],
          ['workdir', { status: 'already-done' as const, exitCode: 0, stdout: '' }],
        ]),
      ]),
    );

  it('blocks on low space on / against the project threshold, warns on differing kernels, records the OS', () => {
    const f = preflightStep.evaluate(results([500, 9000], ['6.1.0', '6.1.0']), project);
    expect(f.filter((x) => x.severity === 'blocking')).toEqual([
      expect.objectContaining({ code: 'preflight.root-space-low', hostId: 'h1', measured: 500, threshold: 2048 }),
    ]);
    expect(f.filter((x) => x.code === 'preflight.system')).toHaveLength(2);
    expect(f.some((x) => x.code === 'preflight.sudo-password')).toBe(true);
    const high = preflightStep.evaluate(results([500, 9000], ['6.1.0', '6.9.1']), { ...project, thresholds: { minRootFreeMiB: 10_000 } });
    expect(high.filter((x) => x.code === 'preflight.root-space-low').map((x) => x.hostId)).toEqual(['h1', "h2'; touch /tmp/pwned #"]);
    expect(high.find((x) => x.code === 'preflight.kernel-mismatch')?.severity).toBe('warning');
  });
});

describe('engine guards', () => {
  it('refuses a destructive plan without a confirmation naming exactly its changes, before touching any host', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rs-rb-'));
    await saveProject(dir, project);
    const wipe: StepModule = {
      id: 'wipe',
      title: 't',
      plan: (p) => new Map(p.hosts.map((h) => [h.id, [{ id: 'wipe', title: 't', command: { argv: ['wipefs', '-a', '/dev/sdb'] }, sudo: true, timeoutMs: 1000, destructive: true, changes: [`${h.name}: erase signatures on /dev/sdb`] }]])),
      evaluate: () => [],
    };
    const rb = new Runbook({ pool: noSsh, secrets: new MemorySecretStore(), steps: new Map([['wipe', wipe]]), emit: () => {}, log: silent });
    const planned = await rb.plan(dir, 'wipe');
    if (!planned.ok) throw new Error(planned.error.message);
    const changes = planned.value.plan.changes.map((c) => c.change);
    expect(changes).toEqual(['node1: erase signatures on /dev/sdb', 'node2: erase signatures on /dev/sdb']);
    for (const confirmation of [undefined, { planHash: 'f'.repeat(64), changes }, { planHash: planned.value.plan.planHash, changes: changes.slice(1) }]) {
      const r = await rb.start(dir, 'wipe', confirmation ? { confirmation } : {});
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.message).toMatch(/only after you confirm/);
    }
    expect((await readJournal(dir)).ok && ((await readJournal(dir)) as { value: unknown[] }).value).toEqual([]);
    await rb.close();
  });
});

describe('lock and transcript', () => {
  it('parses who holds a lock and whether it is stale', () => {
    expect(parseAcquire('state=acquired\n')).toEqual({ state: 'acquired' });
    expect(parseAcquire('state=held\nowner=abc\nlaptop=tech-1 (12ab)\npid=42\nrun=r9\nheartbeat=1\nage=31\n')).toEqual({
      state: 'held',
      holder: { owner: 'abc', laptop: 'tech-1 (12ab)', pid: 42, runId: 'r9', heartbeatAgeS: 31, stale: true },
    });
    expect(parseAcquire('garbage')).toBeNull();
  });

  it('redacts secrets split across chunks and hashes exactly the bytes on disk', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rs-tr-'));
    const t = await Transcript.create(dir, 'logs/h/r-a.log', () => ['s3cr3t-Pass']);
    t.note('# header');
    t.output('stdout', Buffer.from('password is s3cr'));
    t.output('stdout', Buffer.from('3t-Pass ok\nno newline'));
    const sha = await t.close();
    const text = await readFile(join(dir, 'logs/h/r-a.log'));
    expect(text.toString()).toBe('# header\npassword is [redacted] ok\nno newline\n');
    const { createHash } = await import('node:crypto');
    expect(createHash('sha256').update(text).digest('hex')).toBe(sha);
  });
});
