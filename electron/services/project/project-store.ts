import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isNode, LineCounter, parseDocument, stringify } from 'yaml';
import {
  err,
  ok,
  PROJECT_VERSION,
  projectSchema,
  validateHosts,
  type FieldIssue,
  type Project,
  type Result,
} from '../../contract/index.js';
import { writeFileAtomic } from '../fs/atomic-write.js';

export const PROJECT_FILE = 'project.yaml';

const HEADER = `# Rackside project (version ${PROJECT_VERSION}). Secrets are never stored in this file.\n`;

export async function saveProject(dir: string, project: Project): Promise<Result<{ path: string }>> {
  if (!dir.trim()) return err('invalid-request', 'No project folder given', 'Choose or type a folder for the project.');
  const checked = validateHosts(project.hosts);
  if (checked.issues.length > 0) {
    return err('validation-failed', 'The inventory has problems; the project was not saved',
      'Fix the rows listed below, then save again.', checked.issues);
  }
  const folder = resolve(dir);
  const path = join(folder, PROJECT_FILE);
  // The inventory step saves only what it edits; sections it does not know of (thresholds set by
  // hand or by another step) are carried over from the file rather than silently dropped.
  let toWrite = project;
  if (project.thresholds === undefined || project.network === undefined) {
    const existing = await openProject(folder);
    if (existing.ok && project.thresholds === undefined && existing.value.project.thresholds) toWrite = { ...toWrite, thresholds: existing.value.project.thresholds };
    if (existing.ok && project.network === undefined && existing.value.project.network) toWrite = { ...toWrite, network: existing.value.project.network };
  }
  try {
    await mkdir(folder, { recursive: true });
    await writeFileAtomic(path, HEADER + stringify(projectSchema.parse(toWrite), { lineWidth: 0 }));
  } catch (e) {
    return err('io-failed', `Could not write ${path}: ${(e as Error).message}`,
      'Check that the folder exists, is writable and the disk is not full.');
  }
  return ok({ path });
}

export async function openProject(dir: string): Promise<Result<{ path: string; project: Project }>> {
  const path = join(resolve(dir), PROJECT_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      return err('not-found', `There is no ${PROJECT_FILE} in ${resolve(dir)}`, 'Pick the folder you saved the project in.');
    }
    return err('io-failed', `Could not read ${path}: ${(e as Error).message}`, 'Check the file permissions.');
  }
  return parseProjectText(text, path);
}

/** Parse project.yaml, reporting the line and field of the first problems. Never modifies the file. */
export function parseProjectText(text: string, path: string): Result<{ path: string; project: Project }> {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = lc.linePos(e.pos[0]).line;
    const first = e.message.split('\n')[0] ?? 'syntax error';
    return err('parse-failed', `${path}${line ? ` line ${line}` : ''}: YAML syntax error: ${first}`,
      'Fix the file by hand (it was not changed) or restore it from a backup.',
      [{ row: 0, field: 'file', message: first, ...(line ? { line } : {}) }]);
  }
  const data = doc.toJSON() as unknown;
  const version = (data as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version > PROJECT_VERSION) {
    return err('unsupported', `${path} is project version ${version}; this Rackside reads up to ${PROJECT_VERSION}`,
      'Open it with a newer Rackside.');
  }
  const parsed = projectSchema.safeParse(data);
  if (!parsed.success) {
    const issues: FieldIssue[] = parsed.error.issues.slice(0, 20).map((i) => {
      const node = doc.getIn(i.path as (string | number)[], true);
      const line = isNode(node) && node.range ? lc.linePos(node.range[0]).line : undefined;
      const hostIndex = i.path[0] === 'hosts' && typeof i.path[1] === 'number' ? i.path[1] + 1 : 0;
      return { row: hostIndex, field: i.path.join('.') || '(file)', message: i.message, ...(line ? { line } : {}) };
    });
    const f = issues[0]!;
    return err('validation-failed',
      `${path}${f.line ? ` line ${f.line}` : ''}: field "${f.field}": ${f.message}`,
      'Fix the file by hand (it was not changed) or restore it from a backup.', issues);
  }
  return ok({ path, project: parsed.data });
}
