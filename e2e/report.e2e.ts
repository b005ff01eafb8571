import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { parse } from 'yaml';
import type { ReportModel } from '../electron/contract/index.js';
import { lab } from '../scripts/test-support/lab.js';
import { reportSchemaValidator } from '../scripts/test-support/report-schema.js';
import { HardwarePage } from './pages/hardware-page.js';
import { ReportPage } from './pages/report-page.js';
import { RunbookPage } from './pages/runbook-page.js';
import { eventually, WizardPage } from './pages/wizard-page.js';
import { ARTIFACTS, launchChromium, screenshot } from './support/browser.js';
import { startBrowserHost, type RunningHost } from './support/host.js';
import { setUpLabProject } from './support/lab-project.js';

// End to end: inventory, hardware and the network check on the 4-node lab, then the report in all
// three formats and the support bundle, checked byte by byte for a canary secret.
const run = promisify(execFile);
const SITE = '上海数据中心 三号机房';
const CUSTOMER = '华东电力有限公司';
/**
 * The canary: stored as a host's password over the API (secrets.set), and also typed where a
 * hurried technician might paste it — a waiver reason (journaled as typed, so journal.ndjson on
 * disk holds it) and the customer representative's name on the sign-off. Exports must redact it.
 */
const CANARY = `Cn4ry-${Date.now().toString(36)}-pw`;

let host: RunningHost;
let browser: Browser;
let page: Page;
let wizard: WizardPage;
let report: ReportPage;
let projectDir: string;

/** One request over the browser host's API, as the renderer sends it (token + same origin). */
async function apiCall(url: string, channel: string, payload: unknown): Promise<{ ok: boolean; value?: unknown; error?: unknown }> {
  const u = new URL(url);
  const ws = new WebSocket(`ws://${u.host}/api?token=${u.searchParams.get('token')}`, { origin: u.origin });
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const reply = new Promise<{ ok: boolean; value?: unknown; error?: unknown }>((resolve) => {
      ws.on('message', (data: Buffer) => {
        const m = JSON.parse(data.toString()) as { kind: string; id?: number; result?: { ok: boolean } };
        if (m.kind === 'res' && m.id === 1) resolve(m.result!);
      });
    });
    ws.send(JSON.stringify({ kind: 'req', id: 1, channel, payload }));
    return await reply;
  } finally {
    ws.close();
  }
}

beforeAll(async () => {
  host = await startBrowserHost();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  wizard = new WizardPage(page);
  report = new ReportPage(page);
  projectDir = join(await mkdtemp(join(tmpdir(), 'rs-e2e-report-')), 'p');
  await setUpLabProject(wizard, host.url, { site: SITE, customer: CUSTOMER, technician: 'E2E Tech', dir: projectDir });
});

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && page) await screenshot(page, `failed-${ctx.task.name}`);
});

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  for (const i of [1, 2, 3, 4]) await lab.exec(i, 'rm', '-rf', '/var/lib/rackside', '/run/lock/rackside').catch(() => {});
});

describe('Commissioning report', () => {
  it('after inventory, hardware and network: HTML, PDF, JSON and the bundle, audited, schema-valid, canary-free', async () => {
    const project = parse(await readFile(join(projectDir, 'project.yaml'), 'utf8')) as { hosts: { id: string; name: string }[] };
    const first = project.hosts[0]!;
    expect((await apiCall(host.url, 'secrets.set', { hostId: first.id, kind: 'password', value: CANARY })).ok).toBe(true);

    // Hardware, production profile: RAM is blocking on every lab node; one is waived.
    const hardware = new HardwarePage(page);
    await hardware.open();
    await hardware.chooseProfile('production');
    expect(await hardware.runner.runToEnd()).toBe('completed');
    // Completed with blocking findings nobody waived: not a pass, so never the green badge.
    const hwStatus = hardware.runner.root.getByTestId('run-status');
    await expect.poll(async () => Number(await hwStatus.getAttribute('data-blocking'))).toBeGreaterThanOrEqual(4);
    expect(await hwStatus.getAttribute('class')).toContain('badge-danger');
    expect(await hwStatus.getAttribute('class')).not.toContain('badge-ok');
    expect(await hwStatus.innerText()).toMatch(/^Completed, blocking findings open \(\d+\)$/);
    await hardware.runner.waive('memory.size', first.id, `Pilot accepted by the customer; BMC password is ${CANARY}`, 'E2E Tech');
    await expect.poll(() => hardware.runner.finding('memory.size', first.id).getAttribute('data-waived')).toBe('yes');
    // The waiver reason carried the canary: the journal line already has it redacted (DESIGN 7).
    const journalText = await readFile(join(projectDir, 'journal.ndjson'), 'utf8');
    expect(journalText).not.toContain(CANARY);
    expect(journalText).toContain('BMC password is [redacted]');

    // Network: the node-to-node check through its runner on the Network page.
    await wizard.step('network').click();
    const net = new RunbookPage(page, 'network-check');
    await net.waitVisible();
    await net.run();
    await eventually(() => net.runStatus(), (s) => s !== null && s !== 'running', 90_000);

    await report.open();
    await report.fillSignOff({ customerRepresentative: `Wang Fang ${CANARY}`, date: '2025-03-01' });
    const verdict = await report.preview();
    // Three nodes keep a blocking RAM finding, the storage, master install, worker join and
    // verification steps have not run: "Not commissioned", naming them.
    expect(verdict).toBe('not-ready');
    expect(await report.verdictText()).toBe('Not commissioned');
    const reasons = await report.reasons();
    // Every wizard step has a runnable module now (step 7's `verification` too): no item is about a whole wizard step.
    expect(reasons.filter((r) => r.step === '').map((r) => [r.code, r.phase])).toEqual([]);
    expect(reasons).toContainEqual(expect.objectContaining({ code: 'not-run', phase: 'verify', step: 'verification' }));
    expect(reasons).toContainEqual(expect.objectContaining({ code: 'not-run', phase: 'storage', step: 'storage' }));
    expect(reasons).toContainEqual(expect.objectContaining({ code: 'not-run', phase: 'master', step: 'master-install' }));
    expect(reasons).toContainEqual(expect.objectContaining({ code: 'not-run', phase: 'workers', step: 'worker-join' }));
    expect(reasons.map((r) => r.text)).toEqual(expect.arrayContaining(['Storage / RAID: RAID and volumes has not run.']));
    expect(reasons.find((r) => r.phase === 'verify')?.text).toMatch(/^Verification.* has not run\.$/);
    expect(reasons).toContainEqual(expect.objectContaining({ code: 'blocking', phase: 'hardware', step: 'hardware' }));
    const box = report.previewFrame().locator('.verdict-box');
    expect(await box.locator('.verdict-value').innerText()).toContain('Not commissioned');
    for (const phase of ['storage', 'master', 'workers', 'verify']) expect(await box.locator(`li[data-code="not-run"][data-phase="${phase}"]`).count()).toBe(1);
    expect(await report.previewFrame().locator('#sign-off').innerText()).toMatch(/have NOT been commissioned/);
    expect(await report.previewFrame().locator('#sign-off').innerText()).not.toMatch(/commissioned as described/);
    expect(await report.previewFrame().locator('[data-field="site"]').first().innerText()).toBe(SITE);
    await report.hideTerminalDock();
    await screenshot(page, 'report-preview');

    const files = await report.exportAll();
    expect(files.map((f) => f.kind).sort()).toEqual(['html', 'json', 'pdf']);
    const bundle = await report.exportBundle();
    expect(bundle.kind).toBe('bundle');
    for (const f of [...files, bundle]) expect(relative(projectDir, f.path)).toMatch(/^reports\/(commissioning|support-bundle)-[\dT-]+Z\.(html|pdf|json|tar\.gz)$/);
    const path = (k: string) => files.find((f) => f.kind === k)!.path;

    // JSON: valid against the committed schema, with the lab's serials, the matrix and the waiver.
    const jsonText = await readFile(path('json'), 'utf8');
    const model = JSON.parse(jsonText) as ReportModel;
    expect(reportSchemaValidator()(model)).toEqual([]);
    expect(model.project).toMatchObject({ site: SITE, customer: CUSTOMER });
    expect(model.inventory.map((h) => h.hardware?.serial)).toEqual(['LAB0001X', 'LAB0002X', 'LAB0003X', 'LAB0004X']);
    expect(model.steps.find((s) => s.stepId === 'hardware')!.findings.some((f) => f.code === 'memory.size' && f.measured !== null && f.threshold !== null)).toBe(true);
    expect(model.steps.find((s) => s.stepId === 'network-check')!.runId).not.toBeNull();
    expect(model.network.matrix!.hosts).toHaveLength(4);
    expect(model.network.matrix!.cells).toHaveLength(12);
    expect(model.waivers).toEqual([expect.objectContaining({ code: 'memory.size', hostId: first.id, technician: 'E2E Tech', reason: 'Pilot accepted by the customer; BMC password is [redacted]', applied: true })]);
    expect(model.signOff.customerRepresentative).toBe('Wang Fang [redacted]');

    // Audit trail: every journaled action, and each transcript's hash matches the file on disk.
    const journal = (await readFile(join(projectDir, 'journal.ndjson'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const started = journal.filter((e) => e.type === 'action-started');
    expect(started.length).toBeGreaterThanOrEqual(4 + 4 * 3);
    const key = (e: { runId: unknown; hostId: unknown; actionId: unknown; attempt: unknown }) => `${String(e.runId)}/${String(e.hostId)}/${String(e.actionId)}/${String(e.attempt)}`;
    expect(model.auditTrail.map(key)).toEqual(started.map((e) => key(e as never)));
    for (const fin of journal.filter((e) => e.type === 'action-finished')) {
      const a = model.auditTrail.find((x) => key(x) === key(fin as never))!;
      expect(a.sha256).toBe(fin.sha256);
      expect(a.exitCode).toBe(fin.exitCode);
      expect(a.command).toBe(started.find((s) => key(s as never) === key(a))!.command);
      const bytes = await readFile(join(projectDir, a.transcript!));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(a.sha256);
      expect(a.transcriptIntact).toBe(true);
    }

    // PDF → PNG pages, saved with the test's artifacts; the Chinese names are text in the PDF.
    const pngDir = join(ARTIFACTS, 'report-pdf');
    await rm(pngDir, { recursive: true, force: true });
    await mkdir(pngDir, { recursive: true });
    await run('pdftoppm', ['-r', '80', '-png', path('pdf'), join(pngDir, 'page')]);
    const pngs = (await readdir(pngDir)).filter((n) => n.endsWith('.png'));
    expect(pngs.length).toBeGreaterThanOrEqual(4);
    const pdfText = (await run('pdftotext', ['-layout', path('pdf'), '-'])).stdout;
    expect(pdfText).toContain(SITE);
    expect(pdfText).toContain(CUSTOMER);
    expect(pdfText).toContain('LAB0001X');
    // The canary is searched in the PDF's text (its bytes are compressed: a byte search can never
    // match); the redacted name shows this search sees the very place the canary was typed.
    expect(pdfText).toContain('Not commissioned');
    expect(pdfText.replace(/\s+/g, ' ')).toContain('Wang Fang [redacted]');
    expect(pdfText).not.toContain(CANARY);
    expect(pdfText.replace(/\s+/g, '')).not.toContain(CANARY);

    // The canary is in no exported byte: the three formats, the bundle, and the bundle's contents.
    const gz = await readFile(bundle.path);
    const exported = [...(await Promise.all(files.map((f) => readFile(f.path)))), gz, gunzipSync(gz)];
    for (const b of exported) expect(b.includes(CANARY)).toBe(false);
    const out = await mkdtemp(join(tmpdir(), 'rs-e2e-bundle-'));
    await run('tar', ['-xzf', bundle.path, '-C', out]);
    const listed = (await readdir(out, { recursive: true })).map(String);
    const top = listed.find((n) => !n.includes('/'))!;
    expect(listed).toEqual(expect.arrayContaining([`${top}/project.yaml`, `${top}/journal.ndjson`, `${top}/manifest.json`]));
    expect(listed.filter((n) => n.startsWith(`${top}/logs/`) && n.endsWith('.log'))).toHaveLength(journal.filter((e) => e.type === 'action-finished').length);
    expect(listed.filter((n) => n.startsWith(`${top}/reports/`))).toHaveLength(3);
    for (const n of listed) {
      const st = await readFile(join(out, n)).catch(() => null);
      if (st) expect(st.includes(CANARY)).toBe(false);
    }
    expect(await readFile(join(out, top, 'journal.ndjson'), 'utf8')).toContain('BMC password is [redacted]');
  });

  it('verify: the exported report matches the project folder; after a journal line is edited on disk it names that line', async () => {
    // Runs after the export above (same page and project folder).
    const good = await report.verify();
    expect(good.problems).toEqual([]);
    expect(good.match).toBe(true);
    expect(good.text).toContain('Match: the report and the project folder match.');

    const journalPath = join(projectDir, 'journal.ndjson');
    const original = await readFile(journalPath, 'utf8');
    const lines = original.split('\n');
    // An edit a forger might make: a different time on line 3, the JSON still valid.
    const line3 = JSON.parse(lines[2]!) as { at: string };
    lines[2] = JSON.stringify({ ...line3, at: '2020-01-01T00:00:00.000Z' });
    await writeFile(journalPath, lines.join('\n'));
    try {
      const bad = await report.verify();
      expect(bad.match).toBe(false);
      expect(bad.problems[0]).toMatchObject({ code: 'journal-line-edited', line: '3' });
      expect(bad.problems[0]!.text).toBe('Journal line 3 was edited.');
      await report.hideTerminalDock();
      await screenshot(page, 'report-verify-differs');
      await wizard.setLanguage('zh-CN');
      expect((await report.verify()).problems[0]!.text).toBe('日志第 3 行已被修改。');
      await wizard.setLanguage('en');
    } finally {
      await writeFile(journalPath, original);
    }
    expect((await report.verify()).match).toBe(true);
  });

  it('exports in 中文 when chosen in the Report step: HTML and PDF show the Chinese headings and verdict', async () => {
    // Runs after the exports above (same page and project folder); the UI is in English.
    expect(await report.language()).toBe('en');
    await report.chooseLanguage('zh-CN');
    await report.preview();
    const frame = report.previewFrame();
    expect(await frame.locator('.verdict-value').innerText()).toBe('未完成调试');
    expect(await frame.locator('#sign-off h2').innerText()).toBe('签字确认');
    await report.hideTerminalDock();
    await screenshot(page, 'report-preview-zh');
    const files = await report.exportAll();
    const path = (k: string) => files.find((f) => f.kind === k)!.path;
    const html = await readFile(path('html'), 'utf8');
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain('<div class="verdict-value">未完成调试</div>');
    expect(html).not.toContain('Not commissioned');
    const pdfText = (await run('pdftotext', ['-layout', path('pdf'), '-'])).stdout.replace(/\s+/g, '');
    for (const s of ['调试报告', '结论', '未完成调试', '清单与硬件标识', '各步骤检查结果', '审计记录', '签字确认', '存储/RAID：RAID、LVM、文件系统与挂载（storage）尚未执行。']) expect(pdfText).toContain(s);
    expect(pdfText).not.toContain('Notcommissioned');
    expect(pdfText).toContain(SITE.replace(/\s+/g, ''));
    const model = JSON.parse(await readFile(path('json'), 'utf8')) as ReportModel;
    expect(reportSchemaValidator()(model)).toEqual([]);
    expect(model.labels).toMatchObject({ language: 'zh-CN', verdict: '未完成调试' });
    await report.chooseLanguage('en');
  });
});
