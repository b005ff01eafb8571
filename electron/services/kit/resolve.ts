import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { field, parseStanzas, type Stanza } from './deb822.js';

const run = promisify(execFile);

/**
 * Resolving what a site kit must hold (issue 22): every package the plan installs with all its
 * dependencies, for one OS release and architecture, against the package state of a minimal
 * installed system (a dpkg `status` file: the lab's rootfs is such a state). apt does the
 * resolution, so the answer is exactly what `apt-get install --no-install-recommends` would fetch
 * on such a system: it runs with a private `Dir` (its own sources, lists and cache under `work`),
 * never touching the laptop's own apt state, and prints the URIs instead of downloading.
 *
 * Needs apt on the laptop (a Debian or Ubuntu laptop; other systems: not supported yet).
 */

/** Where the office's packages come from: a Debian mirror, or a flat repository (`suite: './'`). */
export interface KitSource {
  /** http(s):// or file: URI. */
  uri: string;
  /** `bookworm`, or `./` for a flat repository. */
  suite: string;
  /** Empty for a flat repository. */
  components: string[];
  /** Keyring that signs the source (a Debian mirror: /usr/share/keyrings/debian-archive-keyring.gpg). */
  signedBy?: string;
  /** An unsigned source (the lab's own repository only). */
  trusted?: boolean;
}

export interface ResolvedFile {
  package: string;
  version: string;
  arch: string;
  /** The .deb's file name (as apt names it: epoch ':' written %3a). */
  filename: string;
  /** Its name in the kit's pool: the source index's `Filename`, without folders. */
  poolName: string;
  uri: string;
  size: number;
  /** As the source's index gives it (apt prints its strongest). */
  hash: { algo: 'sha256' | 'sha1' | 'md5'; value: string };
  /** The source index's control stanza of this package version. */
  control: Stanza;
}

export type KitErrorCode = 'package-name-invalid' | 'package-not-found' | 'package-no-candidate' | 'unmet-dependency' | 'source-failed' | 'apt-failed';

export class KitError extends Error {
  constructor(
    readonly code: KitErrorCode,
    message: string,
    readonly params: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** A Debian package name (Policy 5.6.1); nothing else reaches apt's argv. */
export const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]{1,99}$/;
const ARCH = /^[a-z0-9][a-z0-9-]{0,31}$/;

export function sourcesLine(s: KitSource, arch: string): string {
  const opts = [`arch=${arch}`, ...(s.signedBy ? [`signed-by=${s.signedBy}`] : []), ...(s.trusted ? ['trusted=yes'] : [])];
  return `deb [${opts.join(' ')}] ${s.uri} ${s.suite}${s.components.length ? ` ${s.components.join(' ')}` : ''}`;
}

function aptArgs(work: string, status: string, arch: string): string[] {
  return [
    '-o', `Dir=${work}`,
    '-o', `Dir::State::status=${status}`,
    '-o', `APT::Architecture=${arch}`,
    '-o', `APT::Architectures=${arch}`,
    '-o', 'Debug::NoLocking=1',
    '-o', 'APT::Install-Recommends=false',
    '-o', 'Acquire::Languages=none',
    // Private folders the _apt user cannot read; as root apt would otherwise warn and fall back.
    '-o', 'APT::Sandbox::User=root',
  ];
}

/** The first package apt's error output names, and what kind of failure it is. */
export function aptError(stderr: string, stdout = ''): KitError {
  const text = `${stdout}\n${stderr}`;
  let m = /Unable to locate package (\S+)/.exec(text);
  if (m) return new KitError('package-not-found', `No source of the kit has the package ${m[1]}`, { package: m[1]! });
  m = /Package '?([^' ]+)'? has no installation candidate/.exec(text);
  if (m) return new KitError('package-no-candidate', `The package ${m[1]} has no installable version in the kit's sources`, { package: m[1]! });
  m = /^\s*(\S+) : (?:Pre)?Depends: (\S+)(?: \([^)]*\))? but (.+)$/m.exec(text);
  if (m) {
    return new KitError('unmet-dependency', `${m[1]} needs ${m[2]}, which ${m[3]!.replace(/\.$/, '')}`, { package: m[1]!, needs: m[2]!, why: m[3]!.trim() });
  }
  m = /^(?:E|W): Failed to fetch (\S+)/m.exec(text);
  if (m) return new KitError('source-failed', `A source of the kit could not be read: ${m[1]}`, { uri: m[1]!, detail: lastError(text) });
  return new KitError('apt-failed', `apt could not resolve the kit: ${lastError(text)}`, { detail: lastError(text) });
}

const lastError = (text: string) => text.split('\n').filter((l) => /^E: /.test(l)).pop()?.slice(3) ?? text.trim().split('\n').pop() ?? '';

/** `'URI' FILE SIZE ALGO:HASH` lines of `apt-get --print-uris`. */
export function parsePrintUris(stdout: string): { uri: string; filename: string; size: number; hash: ResolvedFile['hash'] }[] {
  const out = [];
  for (const line of stdout.split('\n')) {
    const m = /^'([^']+)' (\S+) (\d+) (SHA256|SHA1|MD5Sum):([0-9a-f]+)$/.exec(line.trim());
    if (!m) continue;
    const algo = m[4] === 'SHA256' ? 'sha256' : m[4] === 'SHA1' ? 'sha1' : 'md5';
    out.push({ uri: m[1]!, filename: m[2]!, size: Number(m[3]), hash: { algo, value: m[5]! } as ResolvedFile['hash'] });
  }
  return out;
}

/**
 * Every package stanza of the downloaded indexes, by the basename of its `Filename`. apt may keep
 * its lists compressed (lz4, gz: a local apt.conf decides), so they are listed by apt and read
 * through apt-helper, which decompresses whatever form they are in.
 */
async function readIndexes(args: readonly string[], env: NodeJS.ProcessEnv): Promise<Map<string, Stanza>> {
  const byFile = new Map<string, Stanza>();
  const { stdout } = await run('apt-get', [...args, 'indextargets', '--format', '$(FILENAME)', 'Created-By: Packages'], { env, maxBuffer: 4 * 1024 * 1024 });
  for (const file of stdout.split('\n').filter((l) => l.trim() !== '')) {
    const text = (await run('/usr/lib/apt/apt-helper', [...args, 'cat-file', file], { env, maxBuffer: 512 * 1024 * 1024 })).stdout;
    for (const s of parseStanzas(text)) {
      const fn = field(s, 'Filename');
      if (fn) byFile.set(fn.split('/').pop()!, s);
    }
  }
  return byFile;
}

/**
 * What the kit needs for `packages` on `arch`: apt's answer against `status`. `work` is apt's
 * private state folder (kept between builds: its lists are refreshed each time).
 */
export async function resolvePackages(opts: { work: string; sources: readonly KitSource[]; arch: string; status: string; packages: readonly string[] }): Promise<ResolvedFile[]> {
  const bad = opts.packages.find((p) => !PACKAGE_NAME.test(p));
  if (bad !== undefined) throw new KitError('package-name-invalid', `"${bad}" is not a Debian package name`, { package: bad });
  if (!ARCH.test(opts.arch)) throw new KitError('apt-failed', `"${opts.arch}" is not an architecture name`, { detail: opts.arch });
  const w = opts.work;
  for (const d of ['etc/apt/sources.list.d', 'etc/apt/preferences.d', 'etc/apt/apt.conf.d', 'var/lib/apt/lists/partial', 'var/cache/apt/archives/partial']) {
    await mkdir(join(w, d), { recursive: true });
  }
  await writeFile(join(w, 'etc/apt/sources.list'), opts.sources.map((s) => sourcesLine(s, opts.arch)).join('\n') + '\n');
  const args = aptArgs(w, opts.status, opts.arch);
  const env = { ...process.env, LC_ALL: 'C', DEBIAN_FRONTEND: 'noninteractive' };
  try {
    const u = await run('apt-get', [...args, '-q', 'update'], { env, maxBuffer: 16 * 1024 * 1024 });
    // apt-get update exits 0 with a warning when a source failed: that source is not in the kit.
    // (`Err:` lines alone are not failures: apt tries compressed index names a file: source lacks.)
    if (/^(W|E): Failed to fetch/m.test(u.stderr)) throw aptError(u.stderr, u.stdout);
  } catch (e) {
    if (e instanceof KitError) throw e;
    const x = e as { stderr?: string; stdout?: string; code?: string };
    if (x.code === 'ENOENT') throw new KitError('apt-failed', 'apt-get is not installed on this laptop: building a kit needs a Debian or Ubuntu laptop', { detail: 'apt-get missing' });
    throw aptError(x.stderr ?? '', x.stdout ?? '');
  }
  let stdout: string;
  try {
    ({ stdout } = await run('apt-get', [...args, '-q', '-y', '--print-uris', 'install', '--', ...opts.packages], { env, maxBuffer: 16 * 1024 * 1024 }));
  } catch (e) {
    const x = e as { stderr?: string; stdout?: string };
    throw aptError(x.stderr ?? '', x.stdout ?? '');
  }
  const index = await readIndexes(args, env);
  return parsePrintUris(stdout).map((u) => {
    const last = u.uri.split('/').pop()!;
    const control = index.get(decodeURIComponent(last)) ?? index.get(last) ?? index.get(u.filename);
    if (!control) throw new KitError('apt-failed', `apt named ${u.filename}, which no index of the kit's sources lists`, { detail: u.filename });
    const poolName = field(control, 'Filename')!.split('/').pop()!;
    return { ...u, poolName, package: field(control, 'Package')!, version: field(control, 'Version')!, arch: field(control, 'Architecture')!, control };
  });
}
