import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, resolve, sep } from 'node:path';
import {
  because,
  err,
  ok,
  REPORT_MANIFEST_ID,
  type ExportedFile,
  type ReportManifest,
  type ReportFormat,
  type ReportLanguage,
  type ReportModel,
  type ReportSignOff,
  type Result,
} from '../../contract/index.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { JOURNAL_FILE, readJournalWithHead } from '../project/journal.js';
import { openProject, PROJECT_FILE } from '../project/project-store.js';
import { DEFAULT_STEPS } from '../steps/registry.js';
import type { StepModule } from '../runbook/step-module.js';
import { PARTIAL } from '../terminal/transcript.js';
import { renderHtml, reportLabels } from './html.js';
import { buildReport } from './model.js';
import { PrintError, type PdfPrinter } from './pdf.js';
import { pdfContainsSecret, redactBytes } from './redact.js';
import { loadReportLook } from './resources.js';
import { writeBundle, SecretInBundleError, type BundledEntry, type BundleSource } from './bundle.js';
import { secretByteForms } from '../secrets/secret-store.js';

export const REPORTS_DIR = 'reports';
export const MANIFEST_SUFFIX = '.manifest.json';

export interface ReportDeps {
  appVersion: string;
  /** Every secret value known now; read at each export, so a secret set a moment ago counts. */
  secrets: () => string[];
  printToPdf: PdfPrinter;
  steps?: readonly Pick<StepModule, 'id' | 'title'>[];
  now?: () => Date;
  /** A folder whose report/ files replace the app's template, style and words (default $RACKSIDE_RESOURCES). */
  resourcesDir?: string;
}

/** reports/ file names sort by time and are safe on every filesystem: 2025-03-01T14-05-09-123Z. */
export const stamp = (d: Date) => d.toISOString().replace(/[:.]/g, '-');

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The report model of a project folder (saved project.yaml + journal), secrets redacted. */
export async function loadReport(dir: string, signOff: ReportSignOff, deps: ReportDeps): Promise<Result<ReportModel>> {
  const opened = await openProject(dir);
  if (!opened.ok) return opened;
  const journal = await readJournalWithHead(dir);
  if (!journal.ok) return journal;
  const model = await buildReport({
    project: opened.value.project,
    events: journal.value.events,
    journal: journal.value.head,
    steps: deps.steps ?? DEFAULT_STEPS,
    signOff,
    appVersion: deps.appVersion,
    secrets: deps.secrets(),
    dir,
    now: deps.now?.(),
  });
  return ok(model);
}

export async function previewReport(dir: string, signOff: ReportSignOff, deps: ReportDeps, language: ReportLanguage = 'en'): Promise<Result<{ report: ReportModel; html: string }>> {
  const look = await loadReportLook(language, deps.resourcesDir);
  if (!look.ok) return look;
  const model = await loadReport(dir, signOff, deps);
  if (!model.ok) return model;
  return ok({ report: model.value, html: renderHtml(model.value, look.value, deps.secrets()) });
}

/** The bytes of each format in `language`, every one redacted (the PDF is printed from the redacted HTML, then checked). */
async function render(model: ReportModel, formats: readonly ReportFormat[], deps: ReportDeps, language: ReportLanguage): Promise<Result<Map<ReportFormat, Buffer>>> {
  const look = await loadReportLook(language, deps.resourcesDir);
  if (!look.ok) return look;
  const secrets = deps.secrets();
  const out = new Map<ReportFormat, Buffer>();
  const html = renderHtml(model, look.value, secrets);
  if (formats.includes('html')) out.set('html', redactBytes(Buffer.from(html, 'utf8'), secrets));
  if (formats.includes('json')) {
    const json = { ...model, labels: reportLabels(model, look.value.text) };
    out.set('json', redactBytes(Buffer.from(JSON.stringify(json, null, 2) + '\n', 'utf8'), secrets));
  }
  if (formats.includes('pdf')) {
    let pdf: Buffer;
    try {
      pdf = await deps.printToPdf(html);
    } catch (e) {
      const failed = err('io-failed', (e as Error).message, e instanceof PrintError ? e.hint : 'Export the HTML and print it from a browser.');
      return e instanceof PrintError && e.reason ? because(failed, e.reason.code, e.reason.params) : because(failed, 'report-pdf-failed', { detail: (e as Error).message });
    }
    // A PDF cannot be edited by string replacement without breaking it: refuse rather than leak.
    const leak = await pdfLeak(pdf, secrets);
    if (leak) return because(err('internal', `The PDF ${leak}; it was not written`, 'This is a bug in the app; please report it. Export HTML instead.'), 'report-pdf-secret');
    out.set('pdf', pdf);
  }
  return ok(out);
}

/** Why a PDF may not leave the app, or null: it shows a secret, or it cannot be read back to prove it does not. */
async function pdfLeak(pdf: Buffer, secrets: readonly string[]): Promise<string | null> {
  try {
    return (await pdfContainsSecret(pdf, secrets)) ? 'contains a secret' : null;
  } catch (e) {
    return `could not be read back to check it for secrets (${(e as Error).message})`;
  }
}

/** Write the report in the chosen formats and language to <dir>/reports/commissioning-<stamp>.<ext>, atomically. */
export async function exportReport(
  dir: string,
  signOff: ReportSignOff,
  formats: readonly ReportFormat[],
  deps: ReportDeps,
  at: Date = deps.now?.() ?? new Date(),
  language: ReportLanguage = 'en',
): Promise<Result<{ files: ExportedFile[]; manifest: string }>> {
  const model = await loadReport(dir, signOff, deps);
  if (!model.ok) return model;
  const bytes = await render(model.value, formats, deps, language);
  if (!bytes.ok) return bytes;
  const folder = join(resolve(dir), REPORTS_DIR);
  const files: ExportedFile[] = [];
  try {
    await mkdir(folder, { recursive: true });
    for (const format of formats) {
      const data = bytes.value.get(format)!;
      const path = join(folder, `commissioning-${stamp(at)}.${format}`);
      await writeFileAtomic(path, data);
      files.push({ kind: format, path, bytes: data.length, sha256: sha(data) });
    }
    // Last, once every file is in place: what `verify` checks them and the journal against.
    const manifest: ReportManifest = {
      schema: REPORT_MANIFEST_ID,
      version: 1,
      createdAt: at.toISOString(),
      journal: model.value.journal,
      files: files.map((f) => ({ name: basename(f.path), kind: f.kind as ReportFormat, bytes: f.bytes, sha256: f.sha256 })),
    };
    const manifestPath = join(folder, `commissioning-${stamp(at)}${MANIFEST_SUFFIX}`);
    await writeFileAtomic(manifestPath, Buffer.from(JSON.stringify(manifest, null, 2) + '\n'));
    return ok({ files, manifest: manifestPath });
  } catch (e) {
    return because(err('io-failed', `Could not write the report into ${folder}: ${(e as Error).message}`, 'Check that the project folder is writable and the disk is not full.'),
      'report-write-failed', { folder, detail: (e as NodeJS.ErrnoException).code ?? (e as Error).message });
  }
}

/**
 * A support bundle for whoever helps the technician afterwards: project.yaml, the journal, every
 * transcript under logs/, and a fresh HTML/PDF/JSON report, in one .tar.gz under reports/.
 * Every entry passes through redaction of all known secrets; a file holding none comes out
 * byte-identical (transcripts still match the hashes in the audit trail). manifest.json lists
 * each entry's SHA-256 as bundled and whether redaction changed it.
 */
export async function exportBundle(dir: string, signOff: ReportSignOff, deps: ReportDeps, language: ReportLanguage = 'en'): Promise<Result<{ file: ExportedFile; entries: string[] }>> {
  const at = deps.now?.() ?? new Date();
  const report = await exportReport(dir, signOff, ['html', 'pdf', 'json'], deps, at, language);
  if (!report.ok) return report;
  const root = resolve(dir);
  const secrets = deps.secrets();
  const top = `support-bundle-${stamp(at)}`;
  const rels: string[] = [PROJECT_FILE, JOURNAL_FILE, ...(await filesUnder(root, 'logs')), ...report.value.files.map((f) => `${REPORTS_DIR}/${f.path.slice(f.path.lastIndexOf(sep) + 1)}`)];
  // PDFs go into the bundle as they are (no byte redaction can work on compressed streams): each
  // is read back as text first, as the export does.
  for (const rel of rels.filter((r) => r.endsWith('.pdf'))) {
    const leak = await pdfLeak(await readFile(join(root, rel)), secrets);
    if (leak) return because(err('internal', `${rel} ${leak}; no bundle was written`, 'This is a bug in the app; please report it.'), 'bundle-secret-file', { file: rel });
  }
  const path = join(root, REPORTS_DIR, `${top}.tar.gz`);
  const sources: BundleSource[] = [];
  for (const rel of rels) {
    // A project that never ran has no journal yet: the bundle says so with an empty one.
    const present = await lstat(join(root, rel)).then((st) => st.isFile(), () => false);
    sources.push({
      name: `${top}/${rel}`,
      ...(present || rel !== JOURNAL_FILE ? { file: join(root, rel) } : { data: Buffer.alloc(0) }),
      // PDFs are binary (compressed streams): redaction cannot work there, the export checked them.
      redact: !rel.endsWith('.pdf'),
    });
  }
  let bundled: BundledEntry[];
  try {
    bundled = await writeBundle(path, sources, secretByteForms(secrets), {
      mtime: at,
      manifest: (entries) => ({
        name: `${top}/manifest.json`,
        redact: false,
        data: redactBytes(Buffer.from(JSON.stringify({
          createdAt: at.toISOString(),
          app: `Rackside ${deps.appVersion}`,
          files: entries.map((e) => ({ path: e.name.slice(top.length + 1), bytes: e.bytes, sha256: e.sha256, redacted: e.redacted })),
        }, null, 2) + '\n'), secrets),
      }),
    });
  } catch (e) {
    if (e instanceof SecretInBundleError) {
      return because(err('internal', 'The bundle would contain a secret; it was not written', 'This is a bug in the app; please report it.'), 'bundle-secret');
    }
    return because(err('io-failed', `Could not write the bundle ${path}: ${(e as Error).message}`, 'Check that the project folder is readable, writable and the disk is not full.'),
      'bundle-write-failed', { path, detail: (e as NodeJS.ErrnoException).code ?? (e as Error).message });
  }
  const st = await stat(path);
  const digest = createHash('sha256');
  for await (const chunk of createReadStream(path)) digest.update(chunk as Buffer);
  return ok({ file: { kind: 'bundle', path, bytes: st.size, sha256: digest.digest('hex') }, entries: [...bundled.map((e) => e.name), `${top}/manifest.json`] });
}

/** Regular files under <root>/<sub>, relative to root with "/" separators; symlinks are not followed. */
async function filesUnder(root: string, sub: string): Promise<string[]> {
  const base = join(root, sub);
  const names = await readdir(base, { recursive: true }).catch(() => [] as string[]);
  const out: string[] = [];
  for (const n of names.sort()) {
    const st = await lstat(join(base, n)).catch(() => null);
    // A `.txt.partial` marker only says a transcript is still open (transcript.ts): not evidence.
    if (st?.isFile() && !n.endsWith(PARTIAL)) out.push(`${sub}/${n.split(sep).join('/')}`);
  }
  return out;
}
