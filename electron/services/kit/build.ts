import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, copyFile, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { dependencyNames, field, formatStanza, type Stanza } from './deb822.js';
import { KitError, resolvePackages, type KitSource, type ResolvedFile } from './resolve.js';

const run = promisify(execFile);

/**
 * The site kit (issue 22), built at the office: the packages the plan installs with their
 * dependencies, laid out as a flat apt repository per target (`<kit>/<release>-<arch>/`: `pool/`,
 * `Packages`, `Packages.gz`, `Release`, `InRelease`, `Release.gpg`) signed by a key made for this
 * kit (its public keyring `<kit>/rackside-kit.gpg` goes to the servers as `signed-by=`; never
 * `[trusted=yes]`), and a manifest (`manifest.json`): every file with SHA-256, size, package,
 * version, architecture and what in the plan needs it. A rebuild downloads only what is missing.
 *
 * The signing key's private half lives in `gnupgHome`, outside the kit: the kit carries only
 * what the servers need to check it.
 */

export const KIT_KEYRING = 'rackside-kit.gpg';
export const KIT_MANIFEST = 'manifest.json';
export const KIT_MANIFEST_VERSION = 1;

export interface KitNeed {
  package: string;
  /** What in the plan installs it, e.g. `base platform`, `slurm: slurmd (every node)`. */
  neededBy: string;
}

export interface KitTarget {
  /** OS release codename, e.g. bookworm. */
  release: string;
  arch: string;
}

export interface ManifestFile {
  /** Relative to the kit folder. */
  path: string;
  sha256: string;
  size: number;
  package: string;
  version: string;
  arch: string;
  /** What in the plan needs it: the plan's packages that pull it in (itself included when named). */
  neededBy: string[];
}

export interface KitManifest {
  version: typeof KIT_MANIFEST_VERSION;
  builtAt: string;
  /** The app that built it. */
  app: string;
  target: KitTarget;
  /** The fingerprint of the kit's signing key. */
  keyFingerprint: string;
  needs: KitNeed[];
  files: ManifestFile[];
  totalBytes: number;
}

export interface KitProgress {
  stage: 'resolve' | 'download' | 'index' | 'sign';
  doneBytes: number;
  totalBytes: number;
  /** Bytes already in the kit from an earlier build (not downloaded again). */
  reusedBytes: number;
  file?: string;
}

export interface BuildKitOptions {
  dir: string;
  target: KitTarget;
  sources: readonly KitSource[];
  /** dpkg status file of the minimal installed system the servers start from. */
  status: string;
  needs: readonly KitNeed[];
  gnupgHome: string;
  app: string;
  onProgress?: (p: KitProgress) => void;
  signal?: AbortSignal;
  /** Parallel downloads. */
  parallel?: number;
}

export const targetDir = (t: KitTarget) => `${t.release}-${t.arch}`;

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

async function hashFile(path: string, algo: ResolvedFile['hash']['algo']): Promise<string> {
  const h = createHash(algo);
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Fetch `uri` to `dest` (via `dest.part`), counting bytes. file:, http:, https:. */
async function fetchTo(uri: string, dest: string, onBytes: (n: number) => void, signal?: AbortSignal): Promise<void> {
  const part = `${dest}.part`;
  if (uri.startsWith('file:')) {
    await copyFile(fileURLToPath(uri), part);
    onBytes((await stat(part)).size);
  } else {
    await new Promise<void>((resolve, reject) => {
      const get = uri.startsWith('https:') ? httpsGet : httpGet;
      const req = get(uri, { signal, timeout: 60_000 }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new KitError('source-failed', `${uri}: HTTP ${res.statusCode}`, { uri, detail: `HTTP ${res.statusCode}` }));
          return;
        }
        const out = createWriteStream(part);
        res.on('data', (c: Buffer) => onBytes(c.length));
        res.pipe(out);
        out.on('finish', () => resolve());
        out.on('error', reject);
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new KitError('source-failed', `${uri}: no answer for 60 s`, { uri, detail: 'timeout' })));
      req.on('error', (e) => reject(e instanceof KitError ? e : new KitError('source-failed', `${uri}: ${e.message}`, { uri, detail: e.message })));
    });
  }
  await rename(part, dest);
}

/** For each downloaded package, the plan's packages that pull it in (a walk over Depends/Pre-Depends within the kit). */
export function neededBy(files: readonly { package: string; control: Stanza }[], needs: readonly KitNeed[]): Map<string, string[]> {
  const byName = new Map(files.map((f) => [f.package, f]));
  // Virtual packages: a Provides name leads to the providers in the kit.
  const provides = new Map<string, string[]>();
  for (const f of files) for (const p of dependencyNames(field(f.control, 'Provides'))) provides.set(p, [...(provides.get(p) ?? []), f.package]);
  const out = new Map<string, Set<string>>();
  for (const need of needs) {
    const seen = new Set<string>();
    const stack = [need.package];
    while (stack.length) {
      const name = stack.pop()!;
      for (const n of byName.has(name) ? [name] : (provides.get(name) ?? [])) {
        if (seen.has(n)) continue;
        seen.add(n);
        const f = byName.get(n)!;
        stack.push(...dependencyNames(field(f.control, 'Depends')), ...dependencyNames(field(f.control, 'Pre-Depends')));
      }
    }
    for (const n of seen) {
      const set = out.get(n) ?? new Set();
      set.add(need.neededBy);
      out.set(n, set);
    }
  }
  return new Map([...out].map(([k, v]) => [k, [...v].sort()]));
}

const gpg = (home: string, args: string[]) => run('gpg', ['--batch', '--homedir', home, ...args], { env: { ...process.env, LC_ALL: 'C' } });

/** The kit's signing key: made once in `home` (no passphrase: the folder is the app's own, 0700). Its fingerprint. */
export async function ensureSigningKey(home: string): Promise<string> {
  await mkdir(home, { recursive: true, mode: 0o700 });
  await chmod(home, 0o700);
  const list = async () => (await gpg(home, ['--with-colons', '--list-secret-keys'])).stdout;
  let out = await list().catch(() => '');
  if (!/^sec:/m.test(out)) {
    await gpg(home, ['--passphrase', '', '--quick-gen-key', 'Rackside site kit <site-kit@rackside.invalid>', 'ed25519', 'sign', '0']);
    out = await list();
  }
  const fpr = /^fpr:+([0-9A-F]{40}):/m.exec(out);
  if (!fpr) throw new KitError('apt-failed', 'gpg made no signing key', { detail: out.slice(0, 200) });
  return fpr[1]!;
}

function releaseText(t: KitTarget, entries: { name: string; data: Buffer }[], at: Date): string {
  const sum = (algo: 'md5' | 'sha256') => entries.map((e) => ` ${createHash(algo).update(e.data).digest('hex')} ${String(e.data.length).padStart(10)} ${e.name}`).join('\n');
  return [
    'Origin: Rackside',
    'Label: Rackside site kit',
    'Suite: rackside-kit',
    `Codename: ${t.release}`,
    `Architectures: ${t.arch}`,
    `Date: ${at.toUTCString().replace('GMT', 'UTC')}`,
    'Description: Packages for one site, built by Rackside at the office',
    'MD5Sum:',
    sum('md5'),
    'SHA256:',
    sum('sha256'),
    '',
  ].join('\n');
}

/** Build (or bring up to date) one target of the kit in `dir`. Returns its manifest. */
export async function buildKit(o: BuildKitOptions): Promise<KitManifest> {
  const tdir = join(o.dir, targetDir(o.target));
  const pool = join(tdir, 'pool');
  await mkdir(pool, { recursive: true });
  const progress = { stage: 'resolve' as KitProgress['stage'], doneBytes: 0, totalBytes: 0, reusedBytes: 0 };
  o.onProgress?.({ ...progress });

  const packages = [...new Set(o.needs.map((n) => n.package))];
  const resolved = await resolvePackages({ work: join(o.dir, '.apt', targetDir(o.target)), sources: o.sources, arch: o.target.arch, status: o.status, packages });
  const byFile = new Map(resolved.map((r) => [r.poolName, r]));

  // Incremental: a pool file of the right size and hash is kept; one not wanted any more goes.
  const todo: ResolvedFile[] = [];
  for (const [name, r] of byFile) {
    const path = join(pool, name);
    const st = await stat(path).catch(() => null);
    if (st && st.size === r.size && (await hashFile(path, r.hash.algo)) === r.hash.value) progress.reusedBytes += r.size;
    else todo.push(r);
  }
  for (const f of await readdir(pool)) if (!byFile.has(f)) await rm(join(pool, f), { force: true });
  progress.stage = 'download';
  progress.totalBytes = todo.reduce((n, r) => n + r.size, 0);
  o.onProgress?.({ ...progress });

  const queue = [...todo];
  const worker = async () => {
    for (let r = queue.shift(); r; r = queue.shift()) {
      o.signal?.throwIfAborted();
      const dest = join(pool, r.poolName);
      await fetchTo(r.uri, dest, (n) => {
        progress.doneBytes += n;
        o.onProgress?.({ ...progress, file: r!.filename });
      }, o.signal);
      const got = await hashFile(dest, r.hash.algo);
      if (got !== r.hash.value) {
        await rm(dest, { force: true });
        throw new KitError('source-failed', `${r.filename} from ${r.uri} does not match its index (${r.hash.algo} ${got})`, { uri: r.uri, detail: 'hash mismatch' });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(o.parallel ?? 4, todo.length)) }, worker));

  progress.stage = 'index';
  o.onProgress?.({ ...progress });
  const files: ManifestFile[] = [];
  const stanzas: string[] = [];
  const need = neededBy(resolved, o.needs);
  for (const [name, r] of [...byFile].sort(([a], [b]) => a.localeCompare(b))) {
    const sha = await sha256File(join(pool, name));
    const s: Stanza = new Map(r.control);
    s.delete('Filename');
    for (const k of [...s.keys()]) if (/^(SHA256|SHA1|SHA512|MD5sum|Size)$/i.test(k)) s.delete(k);
    s.set('Filename', `pool/${name}`);
    s.set('Size', String(r.size));
    s.set('SHA256', sha);
    stanzas.push(formatStanza(s));
    files.push({ path: `${targetDir(o.target)}/pool/${name}`, sha256: sha, size: r.size, package: r.package, version: r.version, arch: r.arch, neededBy: need.get(r.package) ?? [] });
  }
  const packagesText = Buffer.from(stanzas.join('\n'));
  const packagesGz = gzipSync(packagesText, { level: 9 });
  await writeFileAtomic(join(tdir, 'Packages'), packagesText);
  await writeFileAtomic(join(tdir, 'Packages.gz'), packagesGz);

  progress.stage = 'sign';
  o.onProgress?.({ ...progress });
  const fingerprint = await ensureSigningKey(o.gnupgHome);
  const release = releaseText(o.target, [{ name: 'Packages', data: packagesText }, { name: 'Packages.gz', data: packagesGz }], new Date());
  await writeFileAtomic(join(tdir, 'Release'), release);
  for (const f of ['InRelease', 'Release.gpg']) await rm(join(tdir, f), { force: true });
  await gpg(o.gnupgHome, ['--yes', '--local-user', fingerprint, '--clearsign', '--output', join(tdir, 'InRelease'), join(tdir, 'Release')]);
  await gpg(o.gnupgHome, ['--yes', '--local-user', fingerprint, '--detach-sign', '--output', join(tdir, 'Release.gpg'), join(tdir, 'Release')]);
  const keyring = (await run('gpg', ['--batch', '--homedir', o.gnupgHome, '--export', fingerprint], { encoding: 'buffer', maxBuffer: 1024 * 1024 })).stdout;
  await writeFileAtomic(join(o.dir, KIT_KEYRING), keyring);

  const manifest: KitManifest = {
    version: KIT_MANIFEST_VERSION,
    builtAt: new Date().toISOString(),
    app: o.app,
    target: o.target,
    keyFingerprint: fingerprint,
    needs: [...o.needs],
    files,
    totalBytes: files.reduce((n, f) => n + f.size, 0),
  };
  await writeFileAtomic(join(tdir, KIT_MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

/** SHA-256 of a target's manifest file, as the report records it. */
export async function manifestHash(dir: string, target: KitTarget): Promise<string> {
  return createHash('sha256').update(await readFile(join(dir, targetDir(target), KIT_MANIFEST))).digest('hex');
}
