import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KIT_KEYRING, KIT_MANIFEST, sha256File, targetDir, type KitManifest, type KitTarget } from './build.js';
import { field, parseStanzas } from './deb822.js';

const run = promisify(execFile);

/** Why a kit file is refused. */
export type KitProblemWhy = 'missing' | 'signature' | 'size' | 'sha256' | 'not-in-index' | 'not-in-manifest' | 'manifest-invalid';

export interface KitProblem {
  /** Relative to the kit folder. */
  file: string;
  why: KitProblemWhy;
  /** English detail for logs (the renderer words `why`). */
  detail: string;
}

/**
 * Checks one target of a kit as apt on the servers would, and more: `InRelease` verified with the
 * kit's own keyring (gpgv; the hashes are then read from the signed text gpgv returns, not from a
 * file that could be swapped after the check), `Packages` against those hashes, every .deb against
 * `Packages` (size and SHA-256) and the manifest against both. Returns every problem, not the first.
 */
export async function verifyKit(dir: string, target: KitTarget): Promise<KitProblem[]> {
  const t = targetDir(target);
  const rel = (f: string) => `${t}/${f}`;
  const problems: KitProblem[] = [];
  const keyring = join(dir, KIT_KEYRING);
  if (!(await stat(keyring).catch(() => null))) return [{ file: KIT_KEYRING, why: 'missing', detail: 'the kit has no keyring' }];
  let signed: string;
  try {
    signed = (await run('gpgv', ['--keyring', keyring, '--output', '-', join(dir, t, 'InRelease')], { env: { ...process.env, LC_ALL: 'C' }, maxBuffer: 4 * 1024 * 1024 })).stdout;
  } catch (e) {
    const missing = !(await stat(join(dir, t, 'InRelease')).catch(() => null));
    return [{ file: rel('InRelease'), why: missing ? 'missing' : 'signature', detail: missing ? 'no InRelease' : ((e as { stderr?: string }).stderr ?? String(e)).trim().split('\n').pop()! }];
  }
  // The detached form apt falls back to must say the same, signed too.
  const plain = await readFile(join(dir, t, 'Release'), 'utf8').catch(() => null);
  if (plain === null) problems.push({ file: rel('Release'), why: 'missing', detail: 'no Release' });
  else if (plain !== signed) problems.push({ file: rel('Release'), why: 'signature', detail: 'Release differs from the signed InRelease' });
  else {
    try {
      await run('gpgv', ['--keyring', keyring, join(dir, t, 'Release.gpg'), join(dir, t, 'Release')], { env: { ...process.env, LC_ALL: 'C' } });
    } catch (e) {
      problems.push({ file: rel('Release.gpg'), why: 'signature', detail: ((e as { stderr?: string }).stderr ?? String(e)).trim().split('\n').pop()! });
    }
  }
  const release = parseStanzas(signed)[0] ?? new Map();
  const sums = new Map<string, { sha: string; size: number }>();
  for (const line of (field(release, 'SHA256') ?? '').split('\n')) {
    const m = /^\s*([0-9a-f]{64})\s+(\d+)\s+(\S+)$/.exec(line);
    if (m) sums.set(m[3]!, { sha: m[1]!, size: Number(m[2]) });
  }
  const want = sums.get('Packages');
  let packagesText = '';
  try {
    const data = await readFile(join(dir, t, 'Packages'));
    packagesText = data.toString('utf8');
    const sha = createHash('sha256').update(data).digest('hex');
    if (!want) problems.push({ file: rel('Packages'), why: 'not-in-index', detail: 'the signed Release has no SHA256 line for Packages' });
    else if (data.length !== want.size) problems.push({ file: rel('Packages'), why: 'size', detail: `${data.length} bytes, the signed Release says ${want.size}` });
    else if (sha !== want.sha) problems.push({ file: rel('Packages'), why: 'sha256', detail: `sha256 ${sha}, the signed Release says ${want.sha}` });
  } catch {
    problems.push({ file: rel('Packages'), why: 'missing', detail: 'no Packages index' });
  }
  if (problems.length > 0) return problems;

  const index = new Map<string, { sha: string; size: number }>();
  for (const s of parseStanzas(packagesText)) {
    const fn = field(s, 'Filename');
    if (fn) index.set(fn, { sha: field(s, 'SHA256') ?? '', size: Number(field(s, 'Size')) });
  }
  for (const [fn, w] of index) {
    const path = join(dir, t, fn);
    const st = await stat(path).catch(() => null);
    if (!st) {
      problems.push({ file: rel(fn), why: 'missing', detail: 'listed in Packages, not in the kit' });
      continue;
    }
    if (st.size !== w.size) {
      problems.push({ file: rel(fn), why: 'size', detail: `${st.size} bytes, Packages says ${w.size}` });
      continue;
    }
    const sha = await sha256File(path);
    if (sha !== w.sha) problems.push({ file: rel(fn), why: 'sha256', detail: `sha256 ${sha}, Packages says ${w.sha}` });
  }
  let manifest: KitManifest | null = null;
  try {
    manifest = JSON.parse(await readFile(join(dir, t, KIT_MANIFEST), 'utf8')) as KitManifest;
  } catch (e) {
    problems.push({ file: rel(KIT_MANIFEST), why: 'manifest-invalid', detail: (e as Error).message });
  }
  if (manifest) {
    const listed = new Set<string>();
    for (const f of manifest.files ?? []) {
      const fn = f.path.slice(t.length + 1);
      listed.add(fn);
      const w = index.get(fn);
      if (!w) problems.push({ file: f.path, why: 'not-in-index', detail: 'in the manifest, not in Packages' });
      else if (w.sha !== f.sha256 || w.size !== f.size) problems.push({ file: f.path, why: 'manifest-invalid', detail: 'the manifest and Packages disagree' });
    }
    for (const fn of index.keys()) if (!listed.has(fn)) problems.push({ file: rel(fn), why: 'not-in-manifest', detail: 'in Packages, not in the manifest' });
  }
  return problems;
}
