import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectSchema, reportModelSchema, type PlanView, type Project } from '../../contract/index.js';
import { appendLine, probeLogPath } from '../drill/journal.js';
import { Journal } from '../project/journal.js';
import { saveProject } from '../project/project-store.js';
import { previewReport, type ReportDeps } from './export.js';

// The report's step 7 sections from a project folder as the runner and the drill engine leave it:
// the journal of a `verification` run, and a drill journal written by the drill store's own writer.

const project: Project = projectSchema.parse({
  version: 1, site: 'Lab', customer: 'ACME', technician: 'T',
  hosts: [
    { id: 'h1', name: 'node1', address: '198.18.0.11', port: 22, user: 'root', role: 'master', auth: { method: 'key', keyPath: '/k' } },
    { id: 'h2', name: 'node2', address: '198.18.0.12', port: 22, user: 'root', role: 'master', auth: { method: 'key', keyPath: '/k' } },
  ],
  verify: { rtoS: 20, maxClockOffsetMs: 80, rebootHosts: ['h2'] },
});

const plan: PlanView = { stepId: 'verification', title: 'x', planHash: 'x'.repeat(64), changes: [], hosts: [] };

async function folder(): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), 'rs-report-verify-')), 'p');
  await mkdir(dir, { recursive: true });
  const saved = await saveProject(dir, project);
  if (!saved.ok) throw new Error(saved.error.message);
  return dir;
}

async function withVerificationRun(dir: string): Promise<void> {
  const j = await Journal.open(dir);
  await j.append({ type: 'run-started', runId: 'v1', stepId: 'verification', plan, owner: 'o', laptop: 'l', pid: 1 });
  await j.append({
    type: 'findings', runId: 'v1', stepId: 'verification',
    findings: [
      { key: 'verify.clock-offset@h1', severity: 'info', hostId: 'h1', code: 'verify.clock-offset', message: 'Clock offset 3 ms', remediation: '', measured: '3 ms', threshold: '80 ms' },
      { key: 'verify.clock-offset@h2', severity: 'blocking', hostId: 'h2', code: 'verify.clock-offset', message: 'Clock offset 120 ms', remediation: 'Fix chrony', measured: '120 ms', threshold: '80 ms' },
      { key: 'verify.vip@*', severity: 'warning', code: 'verify.vip', message: 'VIP answered slowly', remediation: '', measured: '900 ms', threshold: '500 ms' },
    ],
  });
  await j.append({ type: 'run-finished', runId: 'v1', status: 'completed' });
  await j.append({ type: 'waiver', stepId: 'verification', key: 'verify.clock-offset@h2', code: 'verify.clock-offset', hostId: 'h2', reason: 'NTP server replaced next week', technician: 'Li Wei' });
  await j.close();
}

/** A drill as the engine journals it (started, events, ended), with its probe log beside it. */
async function withDrill(dir: string, id: string, rtoMs: number | null, state: 'passed' | 'failed'): Promise<string> {
  await appendLine(dir, id, {
    type: 'started',
    drill: {
      id, kind: 'service-stop', profile: 'base', targetHostId: 'h1', vip: '198.18.0.100', tcpPort: 9100, technician: 'Li Wei',
      startedAt: id === 'd-1' ? '2026-01-01T10:00:00.000Z' : '2026-01-01T11:00:00.000Z',
      bound: { formula: 'vrrp', params: { advertIntMs: 1000, skewMs: 100, startMs: 500 }, boundMs: 3600 }, rtoTargetMs: 20_000,
    },
  });
  for (const [atMs, event, hostId] of [[0, 'started'], [40, 'fault-injected'], [300, 'outage-start'], [2100, 'vip-moved', 'h2'], [2400, 'service-back'], [2600, 'restore-started'], [5200, 'rejoined', 'h1'], [5300, 'ended']] as const) {
    await appendLine(dir, id, { type: 'event', entry: { atMs, event, ...(hostId ? { hostId } : {}) } });
  }
  const probes = '{"atMs":300,"kind":"icmp","ok":false}\n';
  await writeFile(probeLogPath(dir, id), probes);
  const sha = createHash('sha256').update(probes).digest('hex');
  await appendLine(dir, id, {
    type: 'ended', state, endedAt: '2026-01-01T10:00:05.300Z',
    figures: { outageMs: 2100, detectionMs: null, vipMovedMs: 2060, rtoMs, rejoinMs: 2600, probesSent: 106, probesFailed: 21 },
    reasons: state === 'failed' ? [{ code: 'rto-exceeded', params: { rtoMs: rtoMs ?? 0, targetMs: 20_000 } }] : [],
    probeLogSha256: sha,
  });
  return sha;
}

const deps: ReportDeps = {
  appVersion: '0.1.0', secrets: () => [], printToPdf: async () => Buffer.from(''),
  steps: [{ id: 'verification', title: 'runbook.steps.verification.title' }],
  now: () => new Date('2026-01-01T12:00:00Z'),
};
const signOff = { technician: '', customerRepresentative: '', date: '' };

describe('report: verification and failover drills (step 7)', () => {
  it('lists every check of the last verification run with measured value, threshold, result and waiver, and the plan', async () => {
    const dir = await folder();
    await withVerificationRun(dir);
    const r = await previewReport(dir, signOff, deps, 'en');
    if (!r.ok) throw new Error(r.error.message);
    const v = r.value.report.verification!;
    expect(v).toMatchObject({ runId: 'v1', status: 'completed', passed: true, plan: { rtoS: 20, maxClockOffsetMs: 80, rebootHosts: ['h2'] } });
    expect(v.checks.map((c) => [c.key, c.measured, c.threshold, c.result, c.waiver?.technician ?? null])).toEqual([
      ['verify.clock-offset@h1', '3 ms', '80 ms', 'pass', null],
      ['verify.clock-offset@h2', '120 ms', '80 ms', 'waived', 'Li Wei'],
      ['verify.vip@*', '900 ms', '500 ms', 'warning', null],
    ]);
    const html = r.value.html;
    expect(html).toContain('id="verification"');
    expect(html).toMatch(/data-result="waived"[\s\S]*?120 ms[\s\S]*?80 ms[\s\S]*?Li Wei: NTP server replaced next week/);
    expect(html).toContain('Verification (step 7)');
    expect(html).toContain('20 s');
    const zh = await previewReport(dir, signOff, deps, 'zh-CN');
    if (!zh.ok) throw new Error(zh.error.message);
    expect(zh.value.html).toContain('验证（第 7 步）');
    expect(zh.value.html).toContain('已豁免');
    expect(zh.value.html).not.toMatch(/\{\{\s*\w+\s*\}\}/);
  });

  it('verification not run: the section says so and lists no checks', async () => {
    const dir = await folder();
    const r = await previewReport(dir, signOff, deps, 'en');
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.report.verification).toMatchObject({ runId: null, status: 'not-run', checks: [] });
    expect(r.value.html).toMatch(/id="verification"[^>]*data-state="notRun"/);
    expect(r.value.report.drills).toEqual([]);
    expect(r.value.html).toContain('data-testid="drills-none"');
  });

  it('each drill: kind, target, timeline, RTO vs bound vs customer RTO, rejoin, probe log SHA-256, in HTML (both languages) and JSON', async () => {
    const dir = await folder();
    const sha = await withDrill(dir, 'd-1', 2400, 'passed');
    await withDrill(dir, 'd-2', 25_000, 'failed');
    const r = await previewReport(dir, signOff, deps, 'en');
    if (!r.ok) throw new Error(r.error.message);
    const drills = r.value.report.drills!;
    expect(drills.map((d) => [d.id, d.kind, d.targetHostId, d.state, d.figures.rtoMs, d.rtoWithinBound, d.rtoWithinTarget])).toEqual([
      ['d-1', 'service-stop', 'h1', 'passed', 2400, true, true],
      ['d-2', 'service-stop', 'h1', 'failed', 25_000, false, false],
    ]);
    expect(drills[0]!.probeLogSha256).toBe(sha);
    expect(drills[0]!.timeline.map((e) => e.event)).toContain('vip-moved');
    // The JSON export is the model verbatim: the schema (docs/report.schema.json) carries both sections.
    expect(reportModelSchema.parse(JSON.parse(JSON.stringify(r.value.report))).drills).toHaveLength(2);

    const html = r.value.html;
    const first = html.slice(html.indexOf('data-drill-id="d-1"'), html.indexOf('data-drill-id="d-2"'));
    expect(first).toContain('Service stop on node1');
    // The bound's terms with their values, not the formula's code name.
    expect(first).toMatch(/2400 ms; expected ≤ 3600 ms \(3 × advert 1000 ms \+ skew 100 ms \+ takeover 500 ms\) <span class="vr-pass">within<\/span>; customer&#39;s RTO 20.0 s <span class="vr-pass">within/);
    expect(first).toContain('VIP moved');
    expect(first).toContain(sha);
    expect(first).toContain('2600 ms');
    const second = html.slice(html.indexOf('data-drill-id="d-2"'));
    expect(second).toContain('beyond the customer');
    expect(second).toMatch(/vr-fail">exceeded/);

    const zh = await previewReport(dir, signOff, deps, 'zh-CN');
    if (!zh.ok) throw new Error(zh.error.message);
    expect(zh.value.html).toContain('故障切换演练');
    expect(zh.value.html).toContain('node1 上的停止服务');
    expect(zh.value.html).toContain('3 × 通告间隔 1000 ms + 偏移 100 ms + 接管 500 ms');
    expect(zh.value.html).not.toMatch(/\{\{\s*\w+\s*\}\}/);
  });
});
