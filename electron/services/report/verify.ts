import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import {
  because,
  err,
  ok,
  reportJournalHeadSchema,
  reportManifestSchema,
  type ReportJournalHead,
  type ReportVerification,
  type Result,
  type VerifyProblem,
} from '../../contract/index.js';
import { chainFields, JOURNAL_FILE, JOURNAL_GENESIS, journalLines, lineHash } from '../project/journal.js';
import { MANIFEST_SUFFIX, REPORTS_DIR } from './export.js';

const problem = (code: VerifyProblem['code'], at: { line?: number; toLine?: number; file?: string } = {}): VerifyProblem => ({
  code,
  line: at.line ?? null,
  toLine: at.toLine ?? null,
  file: at.file ?? null,
});

/**
 * The first place a journal's hash chain breaks, by line number (1-based). Each chained line's
 * `n` must be its position and its `prev` the hash of the line before; the first line that fails
 * says what happened just before it: a line edited (its hash changed), lines removed (`n` jumps
 * ahead), or a line inserted (`n` falls behind, or the line after it chains to the line before).
 * A torn line (the app died mid-write) is not a break when the line after it chains to it.
 */
export function chainBreak(data: Buffer): { lines: number; chainedFrom: number | null; problem: VerifyProblem | null } {
  const lines = journalLines(data);
  const fields = lines.map(chainFields);
  const start = fields.findIndex((f) => typeof f?.prev === 'string');
  if (start < 0) return { lines: lines.length, chainedFrom: null, problem: null };
  const hashBefore = (i: number) => (i === 0 ? JOURNAL_GENESIS : lineHash(lines[i - 1]!));
  for (let i = start; i < lines.length; i++) {
    const ln = i + 1;
    const f = fields[i];
    const next = fields[i + 1];
    const chained = typeof f?.prev === 'string' && typeof f.n === 'number';
    if (!chained) {
      if (next && next.prev === lineHash(lines[i]!)) continue; // torn, and the next line says so
      if (i === lines.length - 1 && data[data.length - 1] !== 0x0a) continue; // torn last line
      // Not a chained line: put there (the next line chains past it) or edited beyond parsing.
      return { lines: lines.length, chainedFrom: start + 1, problem: problem(next?.prev === hashBefore(i) ? 'journal-line-inserted' : 'journal-line-edited', { line: ln }) };
    }
    const n = f.n as number;
    if (n !== ln) {
      if (next && next.n === ln && next.prev === hashBefore(i)) return { lines: lines.length, chainedFrom: start + 1, problem: problem('journal-line-inserted', { line: ln }) };
      if (n > ln) return { lines: lines.length, chainedFrom: start + 1, problem: problem('journal-lines-removed', { line: ln, toLine: n - 1 }) };
      return { lines: lines.length, chainedFrom: start + 1, problem: problem('journal-line-inserted', { line: Math.max(1, ln - 1) }) };
    }
    if (f.prev !== hashBefore(i)) return { lines: lines.length, chainedFrom: start + 1, problem: problem('journal-line-edited', { line: Math.max(1, ln - 1) }) };
  }
  return { lines: lines.length, chainedFrom: start + 1, problem: null };
}

/** The journal against the head a report recorded: the chain first, then the head's line. */
export function checkJournal(data: Buffer, head: ReportJournalHead): { lines: number; chainedFrom: number | null; problem: VerifyProblem | null } {
  const chain = chainBreak(data);
  if (chain.problem) return chain;
  const lines = journalLines(data);
  if (head.lines > lines.length) return { ...chain, problem: problem('journal-shorter', { line: lines.length + 1, toLine: head.lines }) };
  const at = head.lines === 0 ? JOURNAL_GENESIS : lineHash(lines[head.lines - 1]!);
  if (at !== head.head) {
    // With a later line chained to it, an edit would have broken the chain: the whole file was rewritten.
    return { ...chain, problem: problem(head.lines === lines.length ? 'journal-line-edited' : 'head-differs', { line: head.lines }) };
  }
  if (chain.chainedFrom === null && head.chainedFrom !== null) return { ...chain, problem: problem('journal-unchained') };
  return chain;
}

/**
 * Whether an exported report and a project folder still match: each file the manifest lists
 * hashes as recorded, and the folder's journal holds the report's journal head with its chain
 * intact. `report`: a folder (its newest manifest), a manifest, or any exported file of a report.
 */
export async function verifyReport(report: string | undefined, dir: string): Promise<Result<ReportVerification>> {
  const target = resolve(report ?? join(dir, REPORTS_DIR));
  const st = await stat(target).catch(() => null);
  if (!st) return because(err('not-found', `${target} does not exist`, 'Give the reports folder, or a report file exported by Rackside.'), 'verify-not-found', { path: target });
  let manifestPath: string | null = null;
  let jsonPath: string | null = null;
  if (st.isDirectory()) {
    const names = (await readdir(target)).sort();
    const m = names.filter((n) => n.endsWith(MANIFEST_SUFFIX)).pop();
    const j = names.filter((n) => /^commissioning-.*\.json$/.test(n) && !n.endsWith(MANIFEST_SUFFIX)).pop();
    manifestPath = m ? join(target, m) : null;
    jsonPath = j ? join(target, j) : null;
    if (!m && !j) return because(err('not-found', `No exported report in ${target}`, 'Export the report first, or give the folder it was exported to.'), 'verify-no-report', { path: target });
  } else {
    const stem = basename(target).replace(/\.manifest\.json$|\.(json|html|pdf)$/, '');
    const sibling = join(dirname(target), `${stem}${MANIFEST_SUFFIX}`);
    if (target.endsWith(MANIFEST_SUFFIX)) manifestPath = target;
    else if (await stat(sibling).then(() => true, () => false)) manifestPath = sibling;
    jsonPath = target.endsWith('.json') && !target.endsWith(MANIFEST_SUFFIX) ? target : null;
  }

  const problems: VerifyProblem[] = [];
  const files: ReportVerification['files'] = [];
  let head: ReportJournalHead | null = null;
  if (manifestPath) {
    const m = reportManifestSchema.safeParse(await readJson(manifestPath));
    if (!m.success) {
      return because(err('parse-failed', `${manifestPath} is not a Rackside report manifest`, 'Give the manifest Rackside wrote with the report, or the reports folder.'),
        'verify-not-manifest', { path: manifestPath });
    }
    head = m.data.journal;
    for (const f of m.data.files) {
      const bytes = await readFile(join(dirname(manifestPath), f.name)).catch(() => null);
      const status = bytes === null ? 'missing' : createHash('sha256').update(bytes).digest('hex') === f.sha256 ? 'match' : 'differs';
      files.push({ name: f.name, status });
      if (status !== 'match') problems.push(problem(status === 'missing' ? 'file-missing' : 'file-hash-differs', { file: f.name }));
    }
  } else {
    problems.push(problem('manifest-missing', jsonPath ? { file: basename(jsonPath) } : {}));
    const j = jsonPath ? reportJournalHeadSchema.safeParse(((await readJson(jsonPath)) as { journal?: unknown } | null)?.journal) : null;
    if (j?.success) head = j.data;
  }

  const journal = await readFile(join(resolve(dir), JOURNAL_FILE)).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? Buffer.alloc(0) : null));
  if (journal === null) return because(err('io-failed', `Could not read the journal in ${dir}`, 'Check the folder permissions.'), 'verify-journal-unreadable', { dir });
  let chain: { lines: number; chainedFrom: number | null; problem: VerifyProblem | null };
  if (head) chain = checkJournal(journal, head);
  else {
    chain = chainBreak(journal);
    problems.push(problem('report-unreadable', { file: basename(jsonPath ?? manifestPath ?? target) }));
  }
  // The journal's first break is the first place report and folder stop matching: it goes first.
  if (chain.problem) problems.unshift(chain.problem);
  return ok({
    match: problems.length === 0,
    report: manifestPath ?? jsonPath ?? target,
    journalLines: chain.lines,
    chainedFrom: chain.chainedFrom,
    reportLines: head?.lines ?? null,
    files,
    problems,
  });
}

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch {
    return null;
  }
}

/** A verification as English lines (the CLI; the app words the same codes from its locale files). */
export function verificationTextEn(v: ReportVerification): string[] {
  const out: string[] = [];
  out.push(v.match ? 'MATCH: the report and the project folder match.' : 'DIFFERENT: the report and the project folder do not match.');
  out.push(`Report: ${v.report}`);
  for (const p of v.problems) out.push(`- ${problemTextEn(p)}`);
  for (const f of v.files.filter((x) => x.status === 'match')) out.push(`  ${f.name}: SHA-256 matches`);
  if (v.chainedFrom === null) out.push('Journal: no line carries the hash chain (written before it existed); its lines could not be checked.');
  else if (v.chainedFrom > 1) out.push(`Journal: ${v.journalLines} lines; the chain starts at line ${v.chainedFrom} (lines before it were written before the chain existed and are covered only by line ${v.chainedFrom}'s link).`);
  else out.push(`Journal: ${v.journalLines} lines, chained from line 1.`);
  if (v.reportLines !== null && v.match && v.journalLines > v.reportLines) out.push(`${v.journalLines - v.reportLines} line(s) were added to the journal after the report was built.`);
  return out;
}

export function problemTextEn(p: VerifyProblem): string {
  switch (p.code) {
    case 'journal-line-edited':
      return `journal line ${p.line} was edited`;
    case 'journal-line-inserted':
      return `journal line ${p.line} was inserted`;
    case 'journal-lines-removed':
      return p.toLine !== null && p.toLine !== p.line ? `journal lines ${p.line}–${p.toLine} were removed` : `journal line ${p.line} was removed`;
    case 'journal-shorter':
      return `the journal ends before line ${p.toLine}, which the report was built on (lines ${p.line}–${p.toLine} removed)`;
    case 'head-differs':
      return `journal line ${p.line} is not the line the report was built on, though the chain is intact (the journal was rewritten)`;
    case 'journal-unchained':
      return 'the report was built on a chained journal, but no line of this journal carries the chain';
    case 'file-missing':
      return `${p.file} is missing`;
    case 'file-hash-differs':
      return `${p.file}'s SHA-256 differs from the one recorded at export`;
    case 'manifest-missing':
      return `no manifest was found next to the report${p.file ? ` (${p.file})` : ''}: the exported files' hashes cannot be checked`;
    case 'report-unreadable':
      return `${p.file} records no journal head: the report's place in the journal cannot be checked`;
  }
}
