import { link, mkdir, readFile, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { isNode, LineCounter, parseDocument, stringify } from 'yaml';
import {
  because,
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

/**
 * The one writer of project.yaml. Every save and every read-modify-write in this process queues
 * per folder, so two requests never interleave their read and their write; each write bumps the
 * file's `revision`, so a window holding an older revision cannot write over a newer file.
 */
const queues = new Map<string, Promise<unknown>>();

/**
 * Folders whose project.yaml failed to open. Writing there would replace the technician's hand
 * edits with whatever the window holds, so saves are refused until the file opens again or the
 * technician chooses to replace it (the old file is kept beside it).
 */
const brokenFolders = new Set<string>();

function serialized<T>(folder: string, work: () => Promise<T>): Promise<T> {
  const previous = queues.get(folder) ?? Promise.resolve();
  const next = previous.then(work, work);
  const settled = next.catch(() => undefined);
  queues.set(folder, settled);
  void settled.then(() => {
    if (queues.get(folder) === settled) queues.delete(folder);
  });
  return next;
}

export interface SaveOptions {
  /**
   * The revision the caller's copy was opened or last saved at (0 for a project never saved).
   * Omitted only by services seeding a folder they own (tests, fixtures); every request from a
   * window carries one.
   */
  revision?: number;
  /** The technician chose "replace it" for a file that failed to open. */
  replaceBroken?: boolean;
}

type OnDisk =
  | { kind: 'missing' }
  | { kind: 'ok'; project: Project; revision: number }
  | { kind: 'unreadable'; error: Result<never> };

async function readOnDisk(folder: string): Promise<OnDisk> {
  const opened = await openProject(folder);
  if (opened.ok) return { kind: 'ok', project: opened.value.project, revision: opened.value.revision };
  if (opened.error.code === 'not-found') return { kind: 'missing' };
  return { kind: 'unreadable', error: opened as Result<never> };
}

function brokenRefusal(path: string): Result<never> {
  return because(err('conflict', `${path} could not be opened, so it is not written over`,
    'Keep it and fix it by hand, then open it again; or choose "replace it" (the old file is kept as project.yaml.broken-<time>).',
    // The field tells the window this is the broken-file refusal, so it can offer keep / replace.
    [{ row: 0, field: 'file', message: 'it could not be opened; nothing was written' }]), 'project-broken', { path });
}

async function write(path: string, project: Project, revision: number): Promise<Result<{ path: string; revision: number }>> {
  const { version, ...rest } = projectSchema.parse(project);
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, HEADER + stringify({ version, revision, ...rest }, { lineWidth: 0 }));
  } catch (e) {
    return because(err('io-failed', `Could not write ${path}: ${(e as Error).message}`,
      'Check that the folder exists, is writable and the disk is not full.'), 'project-write-failed', { path, detail: (e as NodeJS.ErrnoException).code ?? (e as Error).message });
  }
  brokenFolders.delete(dirname(path));
  return ok({ path, revision });
}

/** `project.yaml.broken-20250101T120000123Z`: sorts by time; never overwrites an earlier copy. */
async function keepBrokenCopy(path: string): Promise<void> {
  const stamp = new Date().toISOString().replace(/[-:.]/g, '');
  for (let n = 0; ; n++) {
    const target = `${path}.broken-${stamp}${n ? `-${n}` : ''}`;
    try {
      await link(path, target);
      break;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      if (code === 'ENOENT') return;
      throw e;
    }
  }
  await unlink(path);
}

export async function saveProject(dir: string, project: Project, options: SaveOptions = {}): Promise<Result<{ path: string; revision: number }>> {
  if (!dir.trim()) return because(err('invalid-request', 'No project folder given', 'Choose or type a folder for the project.'), 'project-no-folder');
  const checked = validateHosts(project.hosts);
  if (checked.issues.length > 0) {
    return because(err('validation-failed', 'The inventory has problems; the project was not saved',
      'Fix the rows listed below, then save again.', checked.issues), 'project-inventory-invalid');
  }
  const folder = resolve(dir);
  const path = join(folder, PROJECT_FILE);
  return serialized(folder, async () => {
    const disk = await readOnDisk(folder);
    const broken = disk.kind === 'unreadable' || brokenFolders.has(folder);
    if (broken && !options.replaceBroken) return brokenRefusal(path);
    if (broken) {
      try {
        await keepBrokenCopy(path);
      } catch (e) {
        return because(err('io-failed', `Could not keep a copy of ${path}: ${(e as Error).message}`, 'Nothing was written. Check the folder permissions.'),
          'project-copy-failed', { path, detail: (e as NodeJS.ErrnoException).code ?? (e as Error).message });
      }
      return write(path, project, 1);
    }
    const current = disk.kind === 'ok' ? disk.revision : 0;
    if (disk.kind === 'ok' && options.revision !== undefined && options.revision !== current) {
      return because(err('conflict', `${path} changed on disk since you opened it: revision ${current}, yours ${options.revision}; reopen it`,
        'Nothing was written. Open the project again to load the newer file, then redo your change.',
        [{ row: 0, field: 'revision', message: `revision ${current} on disk, yours ${options.revision}` }]), 'project-changed-on-disk', { path, current, yours: options.revision });
    }
    // The inventory step saves only what it edits; sections it does not know of (thresholds set by
    // hand or by another step) are carried over from the file rather than silently dropped.
    let toWrite = project;
    if (disk.kind === 'ok') {
      if (project.thresholds === undefined && disk.project.thresholds) toWrite = { ...toWrite, thresholds: disk.project.thresholds };
      if (project.network === undefined && disk.project.network) toWrite = { ...toWrite, network: disk.project.network };
    }
    return write(path, toWrite, current + 1);
  });
}

/**
 * Read-modify-write of the saved project under the writer's lock (network plan, a host's new
 * address): the change applies to the file as it is now, so it can neither be lost to nor lose a
 * concurrent save. `change` may refuse with an error Result; then nothing is written.
 */
export async function updateProject(
  dir: string,
  change: (project: Project) => Project | Result<Project>,
): Promise<Result<{ path: string; revision: number; project: Project }>> {
  const folder = resolve(dir);
  const path = join(folder, PROJECT_FILE);
  return serialized(folder, async () => {
    const opened = await openProject(folder);
    if (!opened.ok) return opened;
    if (brokenFolders.has(folder)) return brokenRefusal(path);
    const changed = change(opened.value.project);
    const next = 'ok' in changed ? changed : ok(changed);
    if (!next.ok) return next;
    const written = await write(path, next.value, opened.value.revision + 1);
    return written.ok ? ok({ ...written.value, project: next.value }) : written;
  });
}

export interface OpenOptions {
  /** A window loads the file to edit it: a clean open lifts an earlier "broken" mark. */
  forEditing?: boolean;
}

export async function openProject(dir: string, options: OpenOptions = {}): Promise<Result<{ path: string; project: Project; revision: number }>> {
  const folder = resolve(dir);
  const path = join(folder, PROJECT_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      return because(err('not-found', `There is no ${PROJECT_FILE} in ${folder}`, 'Pick the folder you saved the project in.'), 'project-not-found', { file: PROJECT_FILE, folder });
    }
    return because(err('io-failed', `Could not read ${path}: ${(e as Error).message}`, 'Check the file permissions.'), 'project-unreadable', { path, detail: code ?? (e as Error).message });
  }
  const parsed = parseProjectText(text, path);
  if (!parsed.ok) brokenFolders.add(folder);
  else if (options.forEditing) brokenFolders.delete(folder);
  return parsed;
}

/** Parse project.yaml, reporting the line and field of the first problems. Never modifies the file. */
export function parseProjectText(text: string, path: string): Result<{ path: string; project: Project; revision: number }> {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = lc.linePos(e.pos[0]).line;
    const first = e.message.split('\n')[0] ?? 'syntax error';
    return because(err('parse-failed', `${path}${line ? ` line ${line}` : ''}: YAML syntax error: ${first}`,
      'Fix the file by hand (it was not changed) or restore it from a backup.',
      [{ row: 0, field: 'file', message: first, ...(line ? { line } : {}) }]), 'project-yaml-syntax', { path, line: line ?? '?' });
  }
  const data = doc.toJSON() as unknown;
  const version = (data as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version > PROJECT_VERSION) {
    return because(err('unsupported', `${path} is project version ${version}; this Rackside reads up to ${PROJECT_VERSION}`,
      'Open it with a newer Rackside.'), 'project-too-new', { path, version, max: PROJECT_VERSION });
  }
  // Files written before revisions existed have none: they are revision 0.
  const revision = (data as { revision?: unknown } | null)?.revision ?? 0;
  if (typeof revision !== 'number' || !Number.isSafeInteger(revision) || revision < 0) {
    const node = doc.get('revision', true);
    const line = isNode(node) && node.range ? lc.linePos(node.range[0]).line : undefined;
    return because(err('validation-failed', `${path}${line ? ` line ${line}` : ''}: field "revision": must be a whole number, 0 or more`,
      'Fix the file by hand (it was not changed) or restore it from a backup.',
      [{ row: 0, field: 'revision', message: 'must be a whole number, 0 or more', ...(line ? { line } : {}) }]), 'project-field-invalid', { path, field: 'revision' });
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
    return because(err('validation-failed',
      `${path}${f.line ? ` line ${f.line}` : ''}: field "${f.field}": ${f.message}`,
      'Fix the file by hand (it was not changed) or restore it from a backup.', issues), 'project-field-invalid', { path, field: f.field });
  }
  return ok({ path, project: parsed.data, revision });
}
