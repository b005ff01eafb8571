import { execFile } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { Project } from '../../contract/index.js';
import { Journal, JOURNAL_GENESIS, lineHash, readJournal } from '../project/journal.js';
import { saveProject } from '../project/project-store.js';
import { exportReport, type ReportDeps } from './export.js';
import { chainBreak, verificationTextEn, verifyReport } from './verify.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..', '..');

const project: Project = {
  version: 1,
  site: 'Site',
  customer: 'Customer',
  technician: 'Li Wei',
  hosts: [{ id: 'h1', name: 'node1', address: '198.18.0.11', port: 22, user: 'root', role: 'master', auth: { method: 'key', keyPath: '/k' } }],
};

/** A project folder with a journal of `n` lines written by the Journal (a new run finished each line). */
async function folder(n: number, legacy: string[] = []): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), 'rs-verify-')), 'p');
  await mkdir(dir, { recursive: true });
  expect((await saveProject(dir, project)).ok).toBe(true);
  if (legacy.length) await writeFile(join(dir, 'journal.ndjson'), legacy.map((l) => l + '\n').join(''));
  const j = await Journal.open(dir);
  for (let i = 1; i <= n; i++) await j.append({ type: 'run-finished', runId: `r${i}`, status: 'completed' });
  await j.close();
  return dir;
}
const lines = async (dir: string) => (await readFile(join(dir, 'journal.ndjson'), 'utf8')).split('\n').slice(0, -1);
const rewrite = (dir: string, ls: string[]) => writeFile(join(dir, 'journal.ndjson'), ls.map((l) => l + '\n').join(''));
const breakOf = async (dir: string) => chainBreak(await readFile(join(dir, 'journal.ndjson'))).problem;

describe('journal hash chain', () => {
  it('each line carries the hash of the line before it (the first: the genesis value) and its line number', async () => {
    const dir = await folder(3);
    const ls = await lines(dir);
    const parsed = ls.map((l) => JSON.parse(l) as { prev: string; n: number });
    expect(parsed.map((p) => p.n)).toEqual([1, 2, 3]);
    expect(parsed[0]!.prev).toBe(JOURNAL_GENESIS);
    expect(parsed[1]!.prev).toBe(lineHash(ls[0]!));
    expect(parsed[2]!.prev).toBe(lineHash(ls[1]!));
    // Reopening continues the chain; the chain fields are not part of the events.
    const j = await Journal.open(dir);
    await j.append({ type: 'run-finished', runId: 'r4', status: 'failed' });
    await j.close();
    const ls2 = await lines(dir);
    expect(JSON.parse(ls2[3]!)).toMatchObject({ prev: lineHash(ls2[2]!), n: 4 });
    const events = await readJournal(dir);
    expect(events.ok && events.value[0]).toEqual({ type: 'run-finished', at: expect.any(String), runId: 'r1', status: 'completed' });
    expect(await breakOf(dir)).toBeNull();
  });

  it('a journal written before the chain still opens; the chain starts at its first new line', async () => {
    const legacy = [JSON.stringify({ type: 'run-finished', at: '2025-01-01T00:00:00.000Z', runId: 'old', status: 'completed' })];
    const dir = await folder(2, legacy);
    const ls = await lines(dir);
    expect(JSON.parse(ls[1]!)).toMatchObject({ prev: lineHash(ls[0]!), n: 2 });
    const events = await readJournal(dir);
    expect(events.ok && events.value.map((e) => (e as { runId: string }).runId)).toEqual(['old', 'r1', 'r2']);
    expect(chainBreak(await readFile(join(dir, 'journal.ndjson')))).toEqual({ lines: 3, chainedFrom: 2, problem: null });
    // The old line is covered by the first chained line's link to it.
    await rewrite(dir, [ls[0]!.replace('old', 'odd'), ...ls.slice(1)]);
    expect(await breakOf(dir)).toMatchObject({ code: 'journal-line-edited', line: 1 });
  });

  it('names the line: edited, removed, inserted', async () => {
    const dir = await folder(6);
    const ls = await lines(dir);
    await rewrite(dir, ls.map((l, i) => (i === 2 ? l.replace('completed', 'failed') : l)));
    expect(await breakOf(dir)).toEqual({ code: 'journal-line-edited', line: 3, toLine: null, file: null });
    await rewrite(dir, ls.filter((_, i) => i !== 2));
    expect(await breakOf(dir)).toMatchObject({ code: 'journal-lines-removed', line: 3, toLine: 3 });
    await rewrite(dir, ls.filter((_, i) => i !== 2 && i !== 3));
    expect(await breakOf(dir)).toMatchObject({ code: 'journal-lines-removed', line: 3, toLine: 4 });
    const forged = JSON.stringify({ type: 'run-finished', at: '2025-01-01T00:00:00.000Z', runId: 'x', status: 'completed' });
    await rewrite(dir, [...ls.slice(0, 2), forged, ...ls.slice(2)]);
    expect(await breakOf(dir)).toMatchObject({ code: 'journal-line-inserted', line: 3 });
    // A copy of a real line (its chain fields and all) inserted.
    await rewrite(dir, [...ls.slice(0, 4), ls[1]!, ...ls.slice(4)]);
    expect(await breakOf(dir)).toMatchObject({ code: 'journal-line-inserted', line: 5 });
    await rewrite(dir, ls);
    expect(await breakOf(dir)).toBeNull();
  });

  it('a torn line (the app died mid-write) is not a break: the next open ends it and chains to it', async () => {
    const dir = await folder(2);
    await appendFile(join(dir, 'journal.ndjson'), '{"type":"run-fini');
    expect(await breakOf(dir)).toBeNull();
    const j = await Journal.open(dir);
    await j.append({ type: 'run-finished', runId: 'r3', status: 'completed' });
    await j.close();
    const ls = await lines(dir);
    expect(ls).toHaveLength(5);
    expect(JSON.parse(ls[3]!)).toMatchObject({ type: 'torn', prev: lineHash(ls[2]!), n: 4 });
    expect(await breakOf(dir)).toBeNull();
    expect((await readJournal(dir)).ok).toBe(true);
  });
});

/** Fake printer: no PDF in these exports (the PDF paths are tested in report.test.ts). */
const deps: ReportDeps = {
  appVersion: '0.1.0',
  secrets: () => [],
  printToPdf: () => Promise.reject(new Error('no PDF in this test')),
  steps: [{ id: 'hardware', title: 'runbook.steps.hardware.title' }],
};
const signOff = { technician: '', customerRepresentative: '', date: '' };

describe('verify: report against project folder', () => {
  it('matches after export; names the file whose hash differs, the journal line edited, the lines removed at the end', async () => {
    const dir = await folder(4);
    const ex = await exportReport(dir, signOff, ['html', 'json'], deps);
    if (!ex.ok) throw new Error(ex.error.message);
    const json = JSON.parse(await readFile(ex.value.files[1]!.path, 'utf8')) as { journal: unknown };
    const ls = await lines(dir);
    expect(json.journal).toEqual({ lines: 4, head: lineHash(ls[3]!), chainedFrom: 1 });
    expect(await readFile(ex.value.files[0]!.path, 'utf8')).toContain(lineHash(ls[3]!));

    const reports = join(dir, 'reports');
    const v = await verifyReport(reports, dir);
    expect(v.ok && v.value).toMatchObject({ match: true, journalLines: 4, reportLines: 4, chainedFrom: 1, problems: [] });
    expect(v.ok && v.value.files.map((f) => f.status)).toEqual(['match', 'match']);
    // The same through the report JSON itself.
    expect((await verifyReport(ex.value.files[1]!.path, dir)).ok).toBe(true);

    // Lines appended after the report: still a match (the head is where it was).
    const j = await Journal.open(dir);
    await j.append({ type: 'run-finished', runId: 'r5', status: 'completed' });
    await j.close();
    const later = await verifyReport(reports, dir);
    expect(later.ok && later.value.match).toBe(true);
    expect(later.ok && verificationTextEn(later.value).join('\n')).toMatch(/1 line\(s\) were added to the journal after the report was built/);

    // The report's own last line edited (nothing after it chained to it when the report was built, but line 5 is now).
    const now = await lines(dir);
    await rewrite(dir, now.map((l, i) => (i === 3 ? l.replace('r4', 'r9') : l)));
    const edited = await verifyReport(reports, dir);
    expect(edited.ok && edited.value.match).toBe(false);
    expect(edited.ok && edited.value.problems[0]).toEqual({ code: 'journal-line-edited', line: 4, toLine: null, file: null });

    // Lines the report was built on removed from the end: the chain is intact, the report's head says so.
    await rewrite(dir, now.slice(0, 2));
    const short = await verifyReport(reports, dir);
    expect(short.ok && short.value.problems[0]).toMatchObject({ code: 'journal-shorter', line: 3, toLine: 4 });

    // An exported file changed.
    await rewrite(dir, now);
    await appendFile(ex.value.files[0]!.path, '<!-- edited -->');
    const file = await verifyReport(reports, dir);
    expect(file.ok && file.value.problems).toEqual([{ code: 'file-hash-differs', line: null, toLine: null, file: ex.value.files[0]!.path.split('/').pop() }]);
  });

  it('a journal rewritten as a whole, consistently re-chained, does not hold the report head', async () => {
    const dir = await folder(3);
    const ex = await exportReport(dir, signOff, ['json'], deps);
    if (!ex.ok) throw new Error(ex.error.message);
    const other = await folder(5);
    await writeFile(join(dir, 'journal.ndjson'), await readFile(join(other, 'journal.ndjson')));
    const v = await verifyReport(join(dir, 'reports'), dir);
    expect(v.ok && v.value.problems).toEqual([{ code: 'head-differs', line: 3, toLine: null, file: null }]);
  });

  it('npm run verify: exit 0 and MATCH, then exit 1 naming the edited line', async () => {
    const dir = await folder(5);
    const ex = await exportReport(dir, signOff, ['json'], deps);
    if (!ex.ok) throw new Error(ex.error.message);
    const cli = (...args: string[]) => run('npm', ['run', '--silent', 'verify', '--', ...args], { cwd: ROOT }).then((r) => ({ code: 0, out: r.stdout }), (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }));
    const good = await cli(join(dir, 'reports'), dir);
    expect(good.code).toBe(0);
    expect(good.out).toMatch(/^MATCH/);
    const ls = await lines(dir);
    await rewrite(dir, ls.map((l, i) => (i === 1 ? l.replace('completed', 'failed') : l)));
    const bad = await cli(ex.value.files[0]!.path, dir);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('journal line 2 was edited');
  }, 60_000);
});
