import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { reportModelSchema, type PlanView, type Project, type ReportModel, type ReportStep } from '../../contract/index.js';
import { Journal, type NewJournalEvent } from '../project/journal.js';
import { saveProject } from '../project/project-store.js';
import { Transcript, transcriptPath } from '../runbook/transcript.js';
import { exportBundle, exportReport, loadReport, previewReport, type ReportDeps } from './export.js';
import { renderHtml } from './html.js';
import { phaseOf, verdictOf } from './model.js';
import { chromiumPrinter } from './pdf.js';
import { pdfText } from './pdf-text.js';
import { pdfContainsSecret, redactBytes } from './redact.js';
import { reportJsonSchemaText, SCHEMA_DOC_PATH } from './schema.js';
import { reportSchemaValidator } from '../../../scripts/test-support/report-schema.js';
import { loadReportLook } from './resources.js';

const run = promisify(execFile);

async function look(language: 'en' | 'zh-CN', resourcesDir?: string) {
  const r = await loadReportLook(language, resourcesDir);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}
const ROOT = join(import.meta.dirname, '..', '..', '..');
const CANARY = 'canary-Pw-7f3a91';

const project: Project = {
  version: 1,
  site: '上海数据中心 三号机房',
  customer: '华东电力有限公司',
  technician: 'Li Wei',
  hosts: [
    { id: 'h1', name: 'node1', address: '198.18.0.11', port: 22, user: 'root', role: 'master', auth: { method: 'key', keyPath: '/k' } },
    { id: 'h2', name: 'node2', address: '198.18.0.12', port: 22, user: 'root', role: 'worker', auth: { method: 'password' } },
  ],
};

const plan = (stepId: string, actions: string[]): PlanView => ({
  stepId,
  title: stepId,
  planHash: 'x'.repeat(64),
  hosts: project.hosts.map((h) => ({
    hostId: h.id,
    name: h.name,
    address: h.address,
    user: h.user,
    actions: actions.map((id) => ({ id, title: id, command: `sh -c 'echo ${id}'`, sudo: false, timeoutMs: 1000, destructive: false })),
  })),
  changes: [],
});

/** A project folder as the runner leaves it: project.yaml, journal, transcripts with their hashes. */
async function fixture(opts: { waive?: boolean; secretInTranscript?: boolean } = {}): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), 'rs-report-')), 'p');
  await mkdir(dir, { recursive: true });
  expect((await saveProject(dir, project)).ok).toBe(true);
  const j = await Journal.open(dir);
  const ev = (e: NewJournalEvent) => j.append(e);
  const runner = { owner: 'li', laptop: 'lt', pid: 1 };
  await ev({ type: 'run-started', runId: 'r1', stepId: 'hardware', plan: plan('hardware', ['collect']), ...runner });
  for (const h of project.hosts) {
    await ev({ type: 'action-started', runId: 'r1', hostId: h.id, actionId: 'collect', attempt: 1, command: "sh -c 'echo collect'", sudo: false, destructive: false });
    const rel = transcriptPath(h.id, 'r1', 'collect', 1);
    // Written before the secret was known to the app: only export-time redaction can catch it.
    const t = await Transcript.create(dir, rel, () => []);
    t.note(`output of ${h.name}${opts.secretInTranscript && h.id === 'h2' ? ` password=${CANARY}` : ''}`);
    const sha256 = await t.close();
    await ev({ type: 'action-finished', runId: 'r1', hostId: h.id, actionId: 'collect', attempt: 1, status: 'done', via: 'command', exitCode: 0, signal: null, durationMs: 1234, message: 'exit 0', transcript: rel, sha256 });
  }
  await ev({
    type: 'findings',
    runId: 'r1',
    stepId: 'hardware',
    findings: [
      { key: 'memory.size@h1', severity: 'blocking', hostId: 'h1', code: 'memory.size', message: '24.0 GiB RAM, the production profile needs 256.0 GiB', remediation: 'Add memory', measured: '24.0 GiB', threshold: '256.0 GiB' },
      { key: 'cpu.model@*', severity: 'info', code: 'cpu.model', message: 'all the same', remediation: '' },
    ],
  });
  await ev({ type: 'run-finished', runId: 'r1', status: 'completed' });
  if (opts.waive) {
    await ev({ type: 'waiver', stepId: 'hardware', key: 'memory.size@h1', code: 'memory.size', hostId: 'h1', reason: `Pilot accepted; BMC pw is ${CANARY}`, technician: 'Li Wei' });
  }
  await j.close();
  return dir;
}

/**
 * Fake printer (the seam where Electron's printToPDF or Chromium would print): a one-page PDF,
 * valid enough for pdf.js to read back, whose text is the HTML's hash, so tests that do not look
 * at the PDF's pages stay fast.
 */
const fakePdf = async (html: string) => minimalPdf(createHash('sha256').update(html).digest('hex'));
function minimalPdf(text: string): Buffer {
  const content = `BT /F1 8 Tf 10 100 Td (${text.replace(/[()\\]/g, '\\$&')}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${Buffer.byteLength(content)} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets = objects.map((o, i) => {
    const at = Buffer.byteLength(out);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
    return at;
  });
  const xref = Buffer.byteLength(out);
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}
const deps = (over: Partial<ReportDeps> = {}): ReportDeps => ({
  appVersion: '0.1.0',
  secrets: () => [CANARY],
  printToPdf: fakePdf,
  steps: [{ id: 'hardware', title: 'runbook.steps.hardware.title' }],
  now: () => new Date('2025-03-01T10:20:30.456Z'),
  ...over,
});
const signOff = { technician: '', customerRepresentative: `Zhang San ${CANARY}`, date: '2025-03-01' };

describe('report model', () => {
  it('has inventory, findings with measured value and threshold, waivers, every action with its transcript hash, and no secret', async () => {
    const dir = await fixture({ waive: true });
    const r = await loadReport(dir, signOff, deps());
    if (!r.ok) throw new Error(r.error.message);
    const m = r.value;
    expect(reportModelSchema.parse(m)).toEqual(m);
    expect(m.project).toEqual({ site: project.site, customer: project.customer, technician: 'Li Wei' });
    expect(m.inventory.map((h) => [h.hostId, h.role, h.auth])).toEqual([['h1', 'master', 'key'], ['h2', 'worker', 'password']]);
    const hw = m.steps.find((s) => s.stepId === 'hardware')!;
    expect(hw.status).toBe('completed');
    expect(hw.findings[0]).toMatchObject({ severity: 'blocking', measured: '24.0 GiB', threshold: '256.0 GiB', waiver: { technician: 'Li Wei' } });
    expect(m.waivers).toHaveLength(1);
    expect(m.waivers[0]!.applied).toBe(true);
    // Hardware passed by waiver, but the rest of the wizard has not run.
    expect(m.verdict.status).toBe('not-ready');
    expect(m.verdict.items).toContainEqual({ code: 'waived', phase: 'hardware', stepId: 'hardware', count: 1 });
    expect(m.auditTrail.map((a) => [a.hostName, a.actionId, a.exitCode, a.durationMs, a.transcriptIntact])).toEqual([
      ['node1', 'collect', 0, 1234, true],
      ['node2', 'collect', 0, 1234, true],
    ]);
    for (const a of m.auditTrail) {
      expect(createHash('sha256').update(await readFile(join(dir, a.transcript!))).digest('hex')).toBe(a.sha256);
    }
    expect(m.network).toEqual({ plan: null, matrix: null });
    const text = JSON.stringify(m);
    expect(text).not.toContain(CANARY);
    expect(m.signOff.customerRepresentative).toBe('Zhang San [redacted]');
    expect(m.signOff.technician).toBe('Li Wei');
  });

  it('is not ready while a blocking finding is open or a required step has not run', async () => {
    const dir = await fixture();
    const r = await loadReport(dir, signOff, deps({ steps: [{ id: 'hardware', title: 't' }, { id: 'network-check', title: 't' }] }));
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.verdict.status).toBe('not-ready');
    expect(r.value.verdict.reasons.join('\n')).toMatch(/1 blocking finding\(s\) not waived/);
    expect(r.value.verdict.reasons.join('\n')).toMatch(/network-check\) has not run/);
    expect(r.value.steps.find((s) => s.stepId === 'network-check')!.status).toBe('not-run');
  });


  it('flags a transcript that no longer matches its recorded hash', async () => {
    const dir = await fixture();
    await writeFile(join(dir, transcriptPath('h1', 'r1', 'collect', 1)), 'edited afterwards\n');
    const r = await loadReport(dir, signOff, deps());
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.auditTrail.map((a) => a.transcriptIntact)).toEqual([false, true]);
  });
});

/** A step of the report model as the journal left it. */
const step = (stepId: string, status: ReportStep['status'], findings: { blocking?: number; waived?: number } = {}): ReportStep => ({
  stepId,
  phase: phaseOf(stepId),
  title: stepId,
  titleEn: stepId,
  status,
  runId: status === 'not-run' ? null : `run-${stepId}`,
  startedAt: null,
  finishedAt: null,
  passed: status === 'completed' && !findings.blocking,
  findings: [
    ...Array.from({ length: findings.blocking ?? 0 }, (_, k) => finding(`b${k}`, null)),
    ...Array.from({ length: findings.waived ?? 0 }, (_, k) => finding(`w${k}`, { stepId, key: `w${k}`, code: 'memory.size', hostId: null, reason: 'ok', technician: 'Li', at: '' })),
  ],
});
const finding = (key: string, waiver: ReportStep['findings'][number]['waiver']): ReportStep['findings'][number] => ({
  key, severity: 'blocking', hostId: null, code: 'memory.size', message: '', remediation: '', measured: null, threshold: null, waiver,
});
/** One built module per wizard step, as a later session will have them. */
const ALL = ['preflight', 'hardware', 'network-check', 'storage', 'master', 'workers', 'verify'];

describe('verdict', () => {
  it('is "Not commissioned" (not-ready) naming storage, master, workers and verification while they have no step to run', async () => {
    const dir = await fixture({ waive: true });
    const r = await loadReport(dir, signOff, deps({ steps: [{ id: 'preflight', title: 't' }, { id: 'hardware', title: 't' }, { id: 'network-check', title: 't' }] }));
    if (!r.ok) throw new Error(r.error.message);
    const v = r.value.verdict;
    expect(v.status).toBe('not-ready');
    expect(v.items.filter((i) => i.stepId === null)).toEqual(
      ['storage', 'master', 'workers', 'verify'].map((phase) => ({ code: 'not-run', phase, stepId: null, count: 0 })),
    );
    expect(v.items).toContainEqual({ code: 'not-run', phase: 'hardware', stepId: 'preflight', count: 0 });
    expect(v.items).toContainEqual({ code: 'not-run', phase: 'network', stepId: 'network-check', count: 0 });
    expect(v.reasons).toContain('Storage / RAID has not run.');
    expect(v.reasons).toContain('Verification has not run.');
  });

  it('is ready only when every wizard step has run and passed; waivers make it "ready with waivers"', () => {
    const done = ALL.map((id) => step(id, 'completed'));
    expect(verdictOf(project, done, ALL)).toEqual({ status: 'ready', reasons: [], items: [] });
    const waived = done.map((s) => (s.stepId === 'hardware' ? step('hardware', 'completed', { waived: 2 }) : s));
    expect(verdictOf(project, waived, ALL)).toMatchObject({ status: 'ready-with-waivers', items: [{ code: 'waived', stepId: 'hardware', count: 2 }] });
    // Every module of every wizard step must pass: one wizard step with no module is "not run".
    expect(verdictOf(project, done.filter((s) => s.stepId !== 'workers'), ALL.filter((id) => id !== 'workers')).items).toEqual([
      { code: 'not-run', phase: 'workers', stepId: null, count: 0 },
    ]);
    expect(verdictOf({ ...project, hosts: [] }, done, ALL).items).toEqual([{ code: 'no-hosts', phase: 'inventory', stepId: null, count: 0 }]);
  });

  it('does not wait for steps run on demand: a failed interface read or a rolled-back addressing leaves it ready', () => {
    const done = ALL.map((id) => step(id, 'completed'));
    expect(verdictOf(project, [...done, step('network-interfaces', 'failed'), step('network-addressing', 'failed')], ALL)).toEqual({ status: 'ready', reasons: [], items: [] });
    // Any other step outside the wizard's list still counts when it ran.
    expect(verdictOf(project, [...done, step('network-legacy', 'failed')], ALL).status).toBe('not-ready');
  });

  it('names each step not run, failed, unfinished or with blocking findings; a waiver elsewhere does not make it ready', () => {
    const steps = ALL.map((id) =>
      id === 'hardware' ? step(id, 'completed', { blocking: 1, waived: 1 })
      : id === 'storage' ? step(id, 'failed')
      : id === 'master' ? step(id, 'interrupted')
      : id === 'workers' ? step(id, 'not-run')
      : id === 'verify' ? step(id, 'cancelled')
      : step(id, 'completed'),
    );
    const v = verdictOf(project, steps, ALL);
    expect(v.status).toBe('not-ready');
    expect(v.items.map((i) => [i.code, i.stepId, i.count])).toEqual([
      ['blocking', 'hardware', 1],
      ['failed', 'storage', 0],
      ['unfinished', 'master', 0],
      ['not-run', 'workers', 0],
      ['unfinished', 'verify', 0],
    ]);
  });

  it('the HTML says "Not commissioned", its sign-off sentence follows, and a completed step with open blocking findings is not green', async () => {
    const dir = await fixture();
    const r = await previewReport(dir, signOff, deps());
    if (!r.ok) throw new Error(r.error.message);
    const html = r.value.html;
    expect(html).toContain('Not commissioned');
    // An English report is English only: the Chinese one is a choice at export.
    expect(html).not.toContain('未完成调试');
    expect(html).not.toMatch(/commissioned as described/);
    expect(html).toMatch(/have NOT been commissioned/);
    expect(html).toMatch(/<li data-code="not-run" data-phase="storage" data-step="">Storage \/ RAID has not run\./);
    expect(html).not.toMatch(/class="st st-completed"[^>]*data-passed="false"/);
    expect(html).toMatch(/class="st st-blocked" data-status="completed" data-passed="false"/);
    const ready = renderHtml({ ...minimalModel(), verdict: { status: 'ready', reasons: [], items: [] } }, await look('en'));
    expect(ready).toContain('commissioned as described and are ready for use.');
  });
});

describe('report formats', () => {
  it('HTML is self-contained and printable: inline CSS, A4, page breaks, header, no URL, no script', async () => {
    const dir = await fixture({ waive: true });
    const r = await previewReport(dir, signOff, deps());
    if (!r.ok) throw new Error(r.error.message);
    const html = r.value.html;
    expect(html).toContain('@page { size: A4');
    expect(html).toContain('break-before: page');
    expect(html).toContain('"Noto Sans CJK SC"');
    expect(html).toContain(project.site);
    expect(html).toContain(project.customer);
    expect(html).not.toMatch(/<script|<link|@import|url\(|src=|href=/i);
    expect(html).not.toContain(CANARY);
    expect(html).toContain('Not commissioned');
    expect(html).toContain('Pilot accepted; BMC pw is [redacted]');
  });

  it('escapes what the technician typed', async () => {
    const m = { ...minimalModel(), project: { site: '<img src=x onerror=alert(1)>', customer: '</style><script>x()</script>"\\', technician: '"t"' } };
    const html = renderHtml(m, await look('en'));
    expect(html).not.toContain('<img');
    expect(html).not.toMatch(/<script/i);
    // Exactly one </style>: the page-header CSS cannot be closed from inside a name.
    expect(html.split('</style>')).toHaveLength(2);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('exports the three formats atomically into reports/, and the JSON validates against the committed schema', async () => {
    const dir = await fixture({ waive: true });
    const r = await exportReport(dir, signOff, ['html', 'pdf', 'json'], deps());
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.files.map((f) => f.path.slice(dir.length + 1))).toEqual([
      'reports/commissioning-2025-03-01T10-20-30-456Z.html',
      'reports/commissioning-2025-03-01T10-20-30-456Z.pdf',
      'reports/commissioning-2025-03-01T10-20-30-456Z.json',
    ]);
    expect((await readdir(join(dir, 'reports'))).filter((n) => n.includes('.tmp'))).toEqual([]);
    const json = JSON.parse(await readFile(r.value.files[2]!.path, 'utf8')) as unknown;
    const validate = reportSchemaValidator(JSON.parse(await readFile(join(ROOT, SCHEMA_DOC_PATH), 'utf8')) as object);
    expect(validate(json)).toEqual([]);
    expect(validate({ ...(json as object), verdict: { status: 'maybe', reasons: [] } })).toEqual(
      expect.arrayContaining(['/verdict/status must be equal to one of the allowed values', "/verdict must have required property 'items'"]),
    );
    for (const f of r.value.files) expect((await readFile(f.path)).includes(CANARY)).toBe(false);
  });

  it('the committed docs/report.schema.json is the schema generated from the zod model', async () => {
    // To update after changing electron/contract/report.ts:
    //   npx tsx -e "import('./electron/services/report/schema.ts').then(m=>require('fs').writeFileSync('docs/report.schema.json', m.reportJsonSchemaText()))"
    expect(await readFile(join(ROOT, SCHEMA_DOC_PATH), 'utf8')).toBe(reportJsonSchemaText());
  });
});

describe('support bundle', () => {
  it('is a tar.gz the system tar lists and extracts: project, journal, transcripts, report files; the canary is redacted everywhere', async () => {
    const dir = await fixture({ waive: true, secretInTranscript: true });
    const r = await exportBundle(dir, signOff, deps());
    if (!r.ok) throw new Error(r.error.message);
    const gz = await readFile(r.value.file.path);
    expect(r.value.file.path).toMatch(/reports\/support-bundle-2025-03-01T10-20-30-456Z\.tar\.gz$/);
    const tar = gunzipSync(gz);
    expect(gz.includes(CANARY)).toBe(false);
    expect(tar.includes(CANARY)).toBe(false);
    const { stdout } = await run('tar', ['-tzf', r.value.file.path]);
    const top = 'support-bundle-2025-03-01T10-20-30-456Z';
    expect(stdout.trim().split('\n').sort()).toEqual(
      [
        'project.yaml',
        'journal.ndjson',
        'logs/h1/r1-collect.log',
        'logs/h2/r1-collect.log',
        'reports/commissioning-2025-03-01T10-20-30-456Z.html',
        'reports/commissioning-2025-03-01T10-20-30-456Z.pdf',
        'reports/commissioning-2025-03-01T10-20-30-456Z.json',
        'manifest.json',
      ].map((p) => `${top}/${p}`).sort(),
    );
    const out = await mkdtemp(join(tmpdir(), 'rs-bundle-'));
    await run('tar', ['-xzf', r.value.file.path, '-C', out]);
    // The journal line with the waiver reason and the transcript were redacted; the others are byte-identical.
    expect(await readFile(join(out, top, 'journal.ndjson'), 'utf8')).toContain('BMC pw is [redacted]');
    expect(await readFile(join(out, top, 'logs/h2/r1-collect.log'), 'utf8')).toContain('password=[redacted]');
    expect((await readFile(join(out, top, 'logs/h1/r1-collect.log'))).equals(await readFile(join(dir, 'logs/h1/r1-collect.log')))).toBe(true);
    const manifest = JSON.parse(await readFile(join(out, top, 'manifest.json'), 'utf8')) as { files: { path: string; redacted: boolean }[] };
    expect(manifest.files.filter((f) => f.redacted).map((f) => f.path).sort()).toEqual(['journal.ndjson', 'logs/h2/r1-collect.log']);
  });

  it('byte redaction leaves bytes without a secret untouched and catches the JSON-escaped form', () => {
    const bin = Buffer.from([0xff, 0xfe, 0x41]);
    expect(redactBytes(bin, ['abc'])).toBe(bin);
    expect(redactBytes(Buffer.from('{"m":"pa\\"ss"} pa"ss'), ['pa"ss']).toString()).toBe('{"m":"[redacted]"} [redacted]');
  });
});

describe('PDF with Chromium', () => {
  it('the secret guard reads the printed text: a secret on a Chromium-printed page is found, though not in the compressed bytes', async () => {
    const print = chromiumPrinter();
    const pdf = await print(`<!doctype html><meta charset="utf-8"><p>Site 上海数据中心</p><p>BMC password: ${CANARY}</p>`);
    // What the old guard looked at: the page text is compressed glyph ids, so this can never match.
    expect(pdf.includes(CANARY)).toBe(false);
    const text = await pdfText(pdf);
    expect(text).toContain('BMC password');
    expect(text).toContain(CANARY);
    expect(await pdfContainsSecret(pdf, [CANARY])).toBe(true);
    expect(await pdfContainsSecret(pdf, ['not-on-the-page'])).toBe(false);
    // A CJK secret: pdf.js gives compatibility forms for some glyphs ("⼼" for "心"); still found.
    expect(await pdfContainsSecret(pdf, ['数据中心'])).toBe(true);

    // A printer that leaks (as if redaction had missed a spot): the export refuses and writes no file.
    const dir = await fixture();
    const leaky = async (html: string) => print(html.replace('</body>', `<p>${CANARY}</p></body>`));
    const r = await exportReport(dir, signOff, ['pdf'], deps({ printToPdf: leaky }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/contains a secret/);
    expect(existsSync(join(dir, 'reports')) ? (await readdir(join(dir, 'reports'))).filter((n) => n.endsWith('.pdf')) : []).toEqual([]);
  }, 60_000);

  it('a PDF that cannot be read back is not exported (the guard cannot prove it clean)', async () => {
    const dir = await fixture();
    const r = await exportReport(dir, signOff, ['pdf'], deps({ printToPdf: async () => Buffer.from('%PDF-1.4 not really') }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/could not be read back/);
  });

  it('prints A4 pages with the Chinese site and customer as text, fonts embedded', async () => {
    const dir = await fixture({ waive: true });
    const r = await exportReport(dir, signOff, ['pdf'], deps({ printToPdf: chromiumPrinter() }));
    if (!r.ok) throw new Error(r.error.message);
    const pdf = r.value.files[0]!.path;
    expect((await readFile(pdf)).subarray(0, 5).toString()).toBe('%PDF-');
    const info = (await run('pdfinfo', [pdf])).stdout;
    expect(info).toMatch(/Page size:.*\(A4\)/);
    expect(Number(/Pages:\s+(\d+)/.exec(info)![1])).toBeGreaterThanOrEqual(4);
    const text = (await run('pdftotext', ['-layout', pdf, '-'])).stdout;
    expect(text).toContain('上海数据中心');
    expect(text).toContain('华东电力有限公司');
    expect(text).not.toContain(CANARY);
    // Every font is embedded: the PDF looks the same on a machine without CJK fonts.
    const fonts = (await run('pdffonts', [pdf])).stdout.trim().split('\n').slice(2);
    expect(fonts.length).toBeGreaterThan(0);
    for (const f of fonts) expect(f).toMatch(/\syes\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+$/);
  }, 60_000);
});

function minimalModel(): ReportModel {
  return reportModelSchema.parse({
    schema: 'rackside.commissioning-report',
    version: 1,
    generatedAt: '2025-01-01T00:00:00.000Z',
    generator: { app: 'Rackside', version: '0' },
    project: { site: '', customer: '', technician: '' },
    verdict: { status: 'ready', reasons: [], items: [] },
    inventory: [],
    steps: [],
    waivers: [],
    network: { plan: null, matrix: null },
    auditTrail: [],
    journal: { lines: 0, head: '0'.repeat(64), chainedFrom: null },
    signOff: { technician: '', customerRepresentative: '', date: '' },
  });
}

describe('report language and resources', () => {
  const localeFile = (lang: string) => join(ROOT, 'resources', 'report', 'locales', `${lang}.json`);
  type Tree = { [k: string]: string | Tree };
  const leaves = (t: Tree, at = ''): [string, string][] =>
    Object.entries(t).flatMap(([k, v]) => (typeof v === 'string' ? [[`${at}${k}`, v] as [string, string]] : leaves(v, `${at}${k}.`)));
  const placeholders = (s: string) => [...s.matchAll(/\{\{\s*([\w.-]+)\s*\}\}/g)].map((m) => m[1]).sort();

  it('the report locales have the same keys and placeholders in English and Simplified Chinese; finding texts come from resources/findings only', async () => {
    const en = new Map(leaves(JSON.parse(await readFile(localeFile('en'), 'utf8')) as Tree));
    const zh = new Map(leaves(JSON.parse(await readFile(localeFile('zh-CN'), 'utf8')) as Tree));
    expect([...zh.keys()].filter((k) => !en.has(k))).toEqual([]);
    expect([...en.keys()].filter((k) => !zh.has(k))).toEqual([]);
    for (const [k, v] of en) {
      expect(v.trim(), k).not.toBe('');
      expect(placeholders(zh.get(k)!), k).toEqual(placeholders(v));
    }
    // One source for finding texts, shared with the app (finding-texts.test.ts checks it): no copy here to drift.
    expect([...en.keys()].filter((k) => k.startsWith('findings.'))).toEqual([]);
    expect((await look('zh-CN')).text.finding('cpu.cores', 'message', { host: 'node1', measured: 2, threshold: 32, profile: 'production', role: 'master' }, 'English')).toBe(
      'node1：CPU 核心数 2，production 配置档要求 master 至少 32 个',
    );
    // A fact not collected: the hardware table's reason in the report's language, from the same file.
    expect((await look('zh-CN')).text.finding('unknown.bmc', 'reason', { tool: 'ipmitool', pkg: 'ipmitool', field: 'bmc', reason: 'tool-missing' }, 'ipmitool is not installed')).toBe('未安装 ipmitool');
  });

  /** A not-ready model whose every text has a translation: a translated network finding with its params. */
  const translatedModel = (): ReportModel => {
    const m = minimalModel();
    return {
      ...m,
      project: { site: '上海数据中心', customer: '华东电力有限公司', technician: '李伟' },
      verdict: { status: 'not-ready', reasons: [], items: [{ code: 'not-run', phase: 'storage', stepId: null, count: 0 }, { code: 'blocking', phase: 'network', stepId: 'network-check', count: 1 }] },
      steps: [
        {
          stepId: 'network-check', phase: 'network', title: 'runbook.steps.network-check.title', titleEn: 'Network checks (node-to-node matrix)', status: 'completed',
          runId: 'r1', startedAt: '2025-03-01T10:00:00.000Z', finishedAt: '2025-03-01T10:01:00.000Z', passed: false,
          findings: [{ key: 'network.no-default-route@h1', severity: 'blocking', hostId: null, code: 'network.no-default-route', message: 'node1: no default route', remediation: 'Set a gateway in the plan if the node must reach anything outside its subnets.', params: { host: 'node1' }, measured: null, threshold: null, waiver: null }],
        },
      ],
    };
  };

  it('in Chinese: a degraded matrix words its cells\' status, notes, ports and the clocks\' sync in Chinese', async () => {
    const zh = await look('zh-CN');
    const nt = (code: string, params: Record<string, string | number>) => ({ code, params });
    const cell = { from: 'h1', to: 'h2', status: 'blocking' as const, lossPct: 30, rttAvgMs: 101.07, mtuPayload: 8972, mtuOk: false, ports: { '2224': 'filtered' as const, '22': 'refused' as const },
      notes: ['loss 30 %', 'rtt 101.07 ms', 'MTU 9000 does not pass', 'port 2224 filtered', 'port 22 closed'],
      noteTexts: [nt('loss', { pct: 30 }), nt('rtt', { ms: 101.07 }), nt('mtu', { mtu: 9000 }), nt('port-filtered', { port: '2224' }), nt('port-closed', { port: '22' })] };
    const matrix = {
      runId: 'r1', hosts: [{ hostId: 'h1', name: 'node1', address: '10.0.0.1' }, { hostId: 'h2', name: 'node2', address: '10.0.0.2' }],
      cells: [cell, { from: 'h2', to: 'h1', status: 'unknown' as const, ports: {}, notes: ['not measured'], noteTexts: [{ code: 'not-measured', params: {} }] }],
      clocks: [{ hostId: 'h1', offsetS: 0, ntp: 'chrony not synced', source: 'chrony', synced: false }, { hostId: 'h2', ntp: 'unknown' }],
    };
    const html = renderHtml({ ...translatedModel(), network: { plan: null, matrix } }, zh);
    const text = html.replace(/<style>[\s\S]*?<\/style>/, '').replace(/<[^>]+>/g, ' ').replace(/&[^;]+;/g, ' ');
    for (const s of ['阻断', 'MTU 9000 无法通过', '端口 2224 被过滤', '2224 过滤', '未测量', 'chrony 未同步', '时间同步未知']) expect(text).toContain(s);
    expect(text.replaceAll('npm run verify', '').match(/[A-Za-z]{2,}\s+[A-Za-z]{2,}\s+[A-Za-z]{2,}/g)).toBeNull();
  });

  it('in Chinese: the headings, verdict, step names, findings and sign-off sentence are Chinese, and no English sentence of the template is left', async () => {
    const [zh, en] = [await look('zh-CN'), await look('en')];
    const html = renderHtml(translatedModel(), zh);
    expect(html).toContain('<html lang="zh-CN">');
    for (const s of ['未完成调试', '结论', '步骤', '清单与硬件标识', '各步骤检查结果', '审计记录', '签字确认', '存储/RAID 尚未执行。', '网络检查（节点间矩阵）', 'node1：没有默认路由', '本报告所列服务器尚未完成调试', '第 " counter(page) " 页，共 " counter(pages) " 页']) {
      expect(html).toContain(s);
    }
    // No English text of the locale outside the finding texts, and no run of three English words at all.
    const text = html.replace(/<style>[\s\S]*?<\/style>/, '').replace(/<[^>]+>/g, ' ').replace(/&[^;]+;/g, ' ');
    const english = leaves(JSON.parse(await readFile(localeFile('en'), 'utf8')) as Tree).filter(([k]) => !k.startsWith('findings.'));
    const fragments = english.flatMap(([, v]) => v.split(/\{\{[^}]*\}\}/)).map((f) => f.trim()).filter((f) => /[a-z]{2,}\s+[a-z]{2,}/i.test(f));
    expect(fragments.filter((f) => text.includes(f))).toEqual([]);
    // "npm run verify" is a command the reader types, the same in every language.
    expect(text.replaceAll('npm run verify', '').match(/[A-Za-z]{2,}\s+[A-Za-z]{2,}\s+[A-Za-z]{2,}/g)).toBeNull();
    // The same model in English: English only.
    const enHtml = renderHtml(translatedModel(), en);
    expect(enHtml).toContain('Not commissioned');
    expect(enHtml).toContain('Storage / RAID has not run.');
    expect(enHtml).not.toContain('未完成调试');
  });

  it('exports in Chinese: HTML and PDF (Chromium) with Chinese headings and verdict, JSON labels in Chinese and valid against the schema', async () => {
    const dir = await fixture({ waive: true });
    const r = await exportReport(dir, signOff, ['html', 'pdf', 'json'], deps({ printToPdf: chromiumPrinter() }), undefined, 'zh-CN');
    if (!r.ok) throw new Error(r.error.message);
    const [htmlFile, pdfFile, jsonFile] = r.value.files.map((f) => f.path) as [string, string, string];
    const html = await readFile(htmlFile, 'utf8');
    expect(html).toContain('<div class="verdict-value">未完成调试</div>');
    expect(html).not.toContain('Not commissioned');
    const pdf = (await run('pdftotext', ['-layout', pdfFile, '-'])).stdout.replace(/\s+/g, '');
    for (const s of ['调试报告', '未完成调试', '各步骤检查结果', '审计记录', '签字确认']) expect(pdf).toContain(s);
    expect(pdf).not.toContain('Notcommissioned');
    const json = JSON.parse(await readFile(jsonFile, 'utf8')) as ReportModel;
    expect(reportSchemaValidator(JSON.parse(await readFile(join(ROOT, SCHEMA_DOC_PATH), 'utf8')) as object)(json)).toEqual([]);
    expect(json.labels).toMatchObject({ language: 'zh-CN', verdict: '未完成调试', steps: { hardware: '硬件检查' } });
    expect(json.labels!.reasons).toContain('存储/RAID 尚未执行。');
    // A memory.size finding without params (as runs before params were recorded): its English message, never a raw placeholder.
    expect(json.labels!.findings.hardware!['memory.size@h1']!.message).toBe('24.0 GiB RAM, the production profile needs 256.0 GiB');
    expect(json.verdict.reasons).toContain('Storage / RAID has not run.');
  }, 60_000);

  it('a company template and style from an override folder are used; one missing a section is refused, naming the file', async () => {
    const custom = await mkdtemp(join(tmpdir(), 'rs-resources-'));
    await mkdir(join(custom, 'report', 'locales'), { recursive: true });
    const template = (await readFile(join(ROOT, 'resources', 'report', 'report.html'), 'utf8')).replace('<main>', '<main><p class="letterhead">ACME Server Services</p>');
    await writeFile(join(custom, 'report', 'report.html'), template);
    await writeFile(join(custom, 'report', 'report.css'), '.letterhead { color: #123456; }');
    await writeFile(join(custom, 'report', 'locales', 'en.json'), JSON.stringify({ headings: { signOff: 'Acceptance' } }));
    const dir = await fixture();
    const ok1 = await previewReport(dir, signOff, deps({ resourcesDir: custom }));
    if (!ok1.ok) throw new Error(ok1.error.message);
    expect(ok1.value.html).toContain('<p class="letterhead">ACME Server Services</p>');
    expect(ok1.value.html).toContain('.letterhead { color: #123456; }');
    expect(ok1.value.html).toContain('<h2>Acceptance</h2>');
    // Keys the override leaves out come from the app's locale.
    expect(ok1.value.html).toContain('<h2>Audit trail</h2>');

    await writeFile(join(custom, 'report', 'report.html'), template.replace('{{signOff}}', ''));
    const bad = await exportReport(dir, signOff, ['html'], deps({ resourcesDir: custom }));
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.message).toBe(`The report cannot be built with ${join(custom, 'report', 'report.html')}: the placeholder {{signOff}} is missing`);
    await writeFile(join(custom, 'report', 'report.html'), template.replace('</main>', '</main><img src="https://example.com/x.png">'));
    const bad2 = await previewReport(dir, signOff, deps({ resourcesDir: custom }));
    expect(!bad2.ok && bad2.error.message).toMatch(/contains "<img"/);
  });
});
