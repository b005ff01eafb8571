import { readFile } from 'node:fs/promises';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectSchema, type PlanView } from '../../contract/index.js';
import { Journal } from '../project/journal.js';
import { saveProject } from '../project/project-store.js';
import { Transcript, transcriptPath } from '../runbook/transcript.js';
import { previewReport, type ReportDeps } from './export.js';

// The report's as-built platform, from a journal as the master install leaves it (the as-built
// action's captured output is the real output of a lab worker: steps/master/fixtures).
const fixtureText = () => readFile(join(import.meta.dirname, '..', 'steps', 'master', 'fixtures', 'as-built-worker.txt'), 'utf8');

const project = projectSchema.parse({
  version: 1, site: 'Lab', customer: 'C', technician: 'T',
  hosts: [
    { id: 'h1', name: 'node1', address: '198.18.0.11', port: 22, user: 'root', role: 'master', auth: { method: 'key', keyPath: '/k' } },
    { id: 'h2', name: 'node2', address: '198.18.0.12', port: 22, user: 'root', role: 'master', auth: { method: 'key', keyPath: '/k' } },
    { id: 'h3', name: 'node3', address: '198.18.0.13', port: 22, user: 'root', role: 'worker', auth: { method: 'key', keyPath: '/k' } },
  ],
  network: { vip: '198.18.0.100' },
});

const plan: PlanView = {
  stepId: 'master-install', title: 'x', planHash: 'x'.repeat(64), changes: [],
  hosts: [{ hostId: 'h3', name: 'node3', address: '198.18.0.13', user: 'root', actions: [
    { id: 'kit-source', title: 'x', command: 'x', sudo: false, timeoutMs: 1000, destructive: false },
    { id: 'as-built', title: 'x', command: 'x', sudo: false, timeoutMs: 1000, destructive: false },
  ] }],
};

async function projectWithInstallRun(kitStdout?: string): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), 'rs-platform-')), 'p');
  await mkdir(dir, { recursive: true });
  const p = kitStdout ? projectSchema.parse({ ...project, install: { packageSource: { kind: 'kit', dir: '/kits/site-a' } } }) : project;
  expect((await saveProject(dir, p)).ok).toBe(true);
  const j = await Journal.open(dir);
  await j.append({ type: 'run-started', runId: 'r1', stepId: 'master-install', plan, owner: 'o', laptop: 'l', pid: 1 });
  await j.append({ type: 'action-started', runId: 'r1', hostId: 'h3', actionId: 'as-built', attempt: 1, command: 'x', sudo: false, destructive: false });
  const rel = transcriptPath('h3', 'r1', 'as-built', 1);
  const t = await Transcript.create(dir, rel, () => []);
  t.note('as built');
  const sha256 = await t.close();
  await j.append({ type: 'action-finished', runId: 'r1', hostId: 'h3', actionId: 'as-built', attempt: 1, status: 'done', via: 'command', exitCode: 0, signal: null, durationMs: 10, message: 'exit 0', transcript: rel, sha256, stdout: await fixtureText() });
  if (kitStdout) {
    // The kit check's capture, as kit-source prints it on the host (kit-source.ts).
    await j.append({ type: 'action-started', runId: 'r1', hostId: 'h3', actionId: 'kit-source', attempt: 1, command: 'x', sudo: false, destructive: false });
    await j.append({ type: 'action-finished', runId: 'r1', hostId: 'h3', actionId: 'kit-source', attempt: 1, status: 'done', via: 'command', exitCode: 0, signal: null, durationMs: 10, message: 'exit 0', transcript: rel, sha256, stdout: kitStdout });
  }
  await j.append({ type: 'run-finished', runId: 'r1', status: 'completed' });
  await j.close();
  return dir;
}

const deps: ReportDeps = {
  appVersion: '0.1.0', secrets: () => [], printToPdf: async () => Buffer.from(''),
  steps: [{ id: 'master-install', title: 'runbook.steps.master-install.title' }], now: () => new Date('2026-01-01T00:00:00Z'),
};
const signOff = { technician: '', customerRepresentative: '', date: '' };

describe('report: the base platform as built', () => {
  it('lists the VIP and its candidates, the monitoring targets, and per host its time sources, firewall ports and package versions', async () => {
    const dir = await projectWithInstallRun();
    const r = await previewReport(dir, signOff, deps, 'en');
    if (!r.ok) throw new Error(r.error.message);
    const p = r.value.report.platform!;
    expect(p).toMatchObject({ runId: 'r1', profile: 'base', vip: '198.18.0.100', vipCandidates: ['h1', 'h2'], routerId: 51 });
    expect(p.prometheus).toEqual({ hostId: 'h1', targets: ['198.18.0.11:9100', '198.18.0.12:9100', '198.18.0.13:9100'] });
    const w = p.hosts.find((h) => h.hostId === 'h3')!;
    expect(w.packages.map((x) => x.name)).toEqual(['chrony', 'nftables', 'prometheus-node-exporter']);
    expect(w.timeSources.some((s) => s.selected)).toBe(true);
    const html = r.value.html;
    expect(html).toContain('id="platform"');
    expect(html).toContain('Base platform — as built');
    expect(html).toContain('198.18.0.100 (VRRP 51)');
    expect(html).toContain(`chrony ${w.packages[0]!.version}`);
    const zh = await previewReport(dir, signOff, deps, 'zh-CN');
    expect(zh.ok && zh.value.html).toContain('基础平台——竣工状态');
  });

  it('records the site kit\'s manifest hash when the install took its packages from a kit', async () => {
    const sha = 'c0ffee'.repeat(10) + 'abcd';
    const dir = await projectWithInstallRun(`target=bookworm-amd64\nmanifest=${sha}\n`);
    const r = await previewReport(dir, signOff, deps, 'en');
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.report.platform!.kit).toEqual([{ hostId: 'h3', target: 'bookworm-amd64', manifestSha256: sha }]);
    expect(r.value.html).toContain('Site kit (manifest SHA-256 per host)');
    expect(r.value.html).toContain(`node3: bookworm-amd64 sha256 ${sha}`);
    const zh = await previewReport(dir, signOff, deps, 'zh-CN');
    expect(zh.ok && zh.value.html).toContain('现场套件（每台主机的清单 SHA-256）');
    // Without a kit: no such line.
    const plain = await previewReport(await projectWithInstallRun(), signOff, deps, 'en');
    expect(plain.ok && plain.value.html).not.toContain('platform-kit');
  });

  it('has no platform section before the install has run', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'rs-platform-')), 'p');
    await mkdir(dir, { recursive: true });
    expect((await saveProject(dir, project)).ok).toBe(true);
    const r = await previewReport(dir, signOff, deps, 'en');
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.report.platform).toBeUndefined();
    expect(r.value.html).not.toContain('id="platform"');
  });
});
