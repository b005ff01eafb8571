/**
 * What `npm run dist` must download before electron-builder can make an installer, and whether
 * each is already here (a cache, a local copy named by an environment variable) or reachable.
 * electron-builder would find out only halfway through, after the build, and may leave a
 * half-made release/ behind; this finds out first, in a few seconds.
 *
 * The helper archives are those electron-builder 26.18.1 (pinned exactly in package.json) uses with
 * its default toolsets (app-builder-lib/out/toolsets); dist-preflight.test.ts checks each name
 * still appears there, so an upgrade that changes them fails a test instead of this check lying.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

export type Target = 'linux' | 'win' | 'mac';
export interface Need {
  /** What it is, for the technician. */
  what: string;
  /** The file electron-builder downloads. */
  file: string;
  url: string;
  /** Where it is found when already here (first that exists), or null. */
  foundAt: string | null;
  /** How to provide it without internet access. */
  provide: string;
}

type Env = Record<string, string | undefined>;

const ELECTRON_RELEASES = 'https://github.com/electron/electron/releases/download/';
const BUILDER_BINARIES = 'https://github.com/electron-userland/electron-builder-binaries/releases/download/';
const ELECTRON_HEADERS = 'https://www.electronjs.org/headers/';

/** Helper archives by target, for the host they are built on: [releaseName, file, env override]. */
export function helperArchives(target: Target, host: NodeJS.Platform = process.platform, arch: string = process.arch): { release: string; file: string; override: string; overrideSet?: (env: Env) => boolean }[] {
  const sevenZip = { release: '7zip@1.0.0', file: `7zip-${host === 'darwin' ? 'darwin' : host === 'win32' ? 'win' : 'linux'}-${arch === 'arm64' ? 'arm64' : host === 'darwin' ? 'x86_64' : 'x64'}.tar.gz`, override: 'ELECTRON_BUILDER_7ZIP_PATH' };
  if (target === 'linux') {
    const fpmArch = host === 'darwin' ? (arch === 'arm64' ? 'darwin-arm64' : 'darwin-x86_64') : arch === 'arm64' ? 'linux-arm64v8' : 'linux-amd64';
    return [
      sevenZip,
      { release: 'appimage-12.0.1', file: 'appimage-12.0.1.7z', override: 'APPIMAGE_TOOLS_PATH' },
      { release: 'fpm@2.1.4', file: `fpm-1.17.0-ruby-3.4.3-${fpmArch}.7z`, override: 'CUSTOM_FPM_PATH', overrideSet: (env) => env.USE_SYSTEM_FPM === 'true' },
    ];
  }
  // .ico and .icns are made from the PNGs by electron-builder's icons tool.
  const icons = { release: 'icons@1.2.3', file: 'icons-bundle.tar.gz', override: 'ELECTRON_BUILDER_ICONS_TOOLSET_DIR' };
  if (target === 'win') {
    return [
      sevenZip,
      icons,
      { release: 'nsis-3.0.4.1', file: 'nsis-3.0.4.1.7z', override: 'ELECTRON_BUILDER_NSIS_DIR' },
      { release: 'nsis-resources-3.4.1', file: 'nsis-resources-3.4.1.7z', override: 'ELECTRON_BUILDER_NSIS_RESOURCES_DIR' },
      { release: 'winCodeSign-2.6.0', file: 'winCodeSign-2.6.0.7z', override: 'ELECTRON_BUILDER_RCEDIT_PATH' },
    ];
  }
  // DMG: hdiutil and codesign come with macOS itself.
  return [sevenZip, icons];
}

const platformOf = (t: Target) => (t === 'win' ? 'win32' : t === 'mac' ? 'darwin' : 'linux');

/** electron-builder's cache folder (app-builder-lib getCacheDirectory). */
export function builderCacheDir(env: Env = process.env): string {
  if (env.ELECTRON_BUILDER_CACHE?.trim()) return env.ELECTRON_BUILDER_CACHE.trim();
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'electron-builder');
  if (process.platform === 'win32') return join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'electron-builder', 'Cache');
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'electron-builder');
}

/** @electron/get's default cache folder (env-paths "electron"), where electron-builder keeps Electron zips. */
export function electronCacheDir(env: Env = process.env): string {
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'electron');
  if (process.platform === 'win32') return join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'electron', 'Cache');
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'electron');
}

/** A file anywhere up to two folders below `dir` (@electron/get keeps each URL's files in a hashed folder). */
function findBelow(dir: string, name: string, depth = 2): string | null {
  if (!existsSync(dir)) return null;
  if (existsSync(join(dir, name))) return join(dir, name);
  if (depth === 0) return null;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const found = findBelow(join(dir, e.name), name, depth - 1);
    if (found) return found;
  }
  return null;
}

export function electronVersion(root: string): string {
  return (JSON.parse(readFileSync(join(root, 'node_modules', 'electron', 'package.json'), 'utf8')) as { version: string }).version;
}

/** Everything the targets need downloaded, each with where it already is, if anywhere. */
export function needs(root: string, targets: Target[], env: Env = process.env, arch: string = process.arch, headersUrl: string = ELECTRON_HEADERS): Need[] {
  const version = electronVersion(root);
  const out: Need[] = [];
  const ebCache = builderCacheDir(env);
  const elCache = electronCacheDir(env);
  const mirror = env.ELECTRON_MIRROR || ELECTRON_RELEASES;
  const binaries = env.ELECTRON_BUILDER_BINARIES_MIRROR || BUILDER_BINARIES;
  const dist = env.RACKSIDE_ELECTRON_DIST;

  for (const target of targets) {
    const file = `electron-v${version}-${platformOf(target)}-${arch}.zip`;
    const local = dist ? [join(dist, file), dist].find((p) => existsSync(p)) : undefined;
    out.push({
      what: `the Electron ${version} runtime for ${target}-${arch}`,
      file,
      url: `${mirror}${env.ELECTRON_CUSTOM_DIR || `v${version}`}/${file}`,
      foundAt: local ?? findBelow(elCache, file),
      provide: `put ${file} in RACKSIDE_ELECTRON_DIST=<folder> (or its unpacked folder as RACKSIDE_ELECTRON_DIST), or in the Electron cache ${elCache} with SHASUMS256.txt-${version} beside it, or set ELECTRON_MIRROR=<url of a mirror>/`,
    });
    for (const h of helperArchives(target, process.platform, arch)) {
      if (out.some((n) => n.file === h.file)) continue;
      const overridden = env[h.override] || h.overrideSet?.(env) ? `${h.override} (environment)` : null;
      const cached = existsSync(join(ebCache, h.release, h.file))
        ? join(ebCache, h.release, h.file)
        : existsSync(join(ebCache, h.release)) && readdirSync(join(ebCache, h.release)).some((d) => d.startsWith(`${h.file.replace(/\.(tar\.gz|7z|zip)$/, '')}-`))
          ? join(ebCache, h.release)
          : null;
      out.push({
        what: `electron-builder's helper ${h.release} (for ${target})`,
        file: h.file,
        url: `${binaries}${h.release}/${h.file}`,
        foundAt: overridden ?? cached,
        provide: `put ${h.file} in ${join(ebCache, h.release)}/ (ELECTRON_BUILDER_CACHE moves that folder), set ${h.override} to a local copy of the tool${h.overrideSet ? ' (or USE_SYSTEM_FPM=true with fpm installed)' : ''}, or ELECTRON_BUILDER_BINARIES_MIRROR=<url of a mirror>/`,
      });
    }
  }
  // NSIS runs the uninstaller it built to sign it: outside Windows through Wine, the system's on
  // Linux (app-builder-lib toolsets/wine.js).
  if (targets.includes('win') && process.platform === 'linux') {
    const wine = onPath('wine', env);
    out.push({
      what: 'Wine (the Windows installer is built by running NSIS output)',
      file: 'wine',
      url: '',
      foundAt: wine,
      provide: 'install it (Debian: sudo apt-get install wine), or build the Windows installer on Windows',
    });
  }
  // The native modules (node-pty, cpu-features) are rebuilt against Electron's headers
  // (npmRebuild): @electron/rebuild fetches them from its fixed headerURL into ~/.electron-gyp, and
  // electron-builder offers no mirror setting for it.
  const gyp = join(env.HOME || homedir(), '.electron-gyp', version);
  out.push({
    what: `the Electron ${version} headers (native module rebuild)`,
    file: `node-v${version}-headers.tar.gz`,
    url: `${headersUrl}v${version}/node-v${version}-headers.tar.gz`,
    foundAt: existsSync(join(gyp, 'include', 'node', 'node.h')) ? gyp : null,
    provide: `unpack them into ${gyp}/ as node-gyp does (include/node/…, and an installVersion file), e.g. by copying that folder from a machine that ran npm run dist`,
  });
  return out;
}

function onPath(program: string, env: Env): string | null {
  for (const dir of (env.PATH ?? '').split(delimiter)) if (dir && existsSync(join(dir, program))) return join(dir, program);
  return null;
}

/** True when `url` answers (any status below 400) within `ms`; a refused, unresolvable or silent host is false. */
export async function reachable(url: string, ms = 5000): Promise<boolean> {
  try {
    const res = await fetch(url, { method: 'HEAD', redirect: 'follow', signal: AbortSignal.timeout(ms) });
    return res.status < 400;
  } catch {
    return false;
  }
}

/** The needs neither here nor reachable: what stops `npm run dist`. Probes run together. */
export async function missing(all: Need[], probe: (url: string) => Promise<boolean> = reachable): Promise<Need[]> {
  const open = all.filter((n) => !n.foundAt);
  // A program (no URL) cannot be fetched: absent means missing.
  const answers = await Promise.all(open.map((n) => (n.url ? probe(n.url) : Promise.resolve(false))));
  return open.filter((_, i) => !answers[i]);
}

export function refusal(gone: Need[]): string {
  return [
    `npm run dist: stopped before building anything — ${gone.length} download${gone.length === 1 ? ' is' : 's are'} missing and cannot be fetched from here:`,
    ...gone.flatMap((n) => [`  ✗ ${n.what}: ${n.file}`, ...(n.url ? [`      from ${n.url}`] : []), `      to provide it: ${n.provide}`]),
    'Nothing was packaged (no half-made installer). Provide the files above and run npm run dist again.',
  ].join('\n');
}

export function hostTarget(platform: NodeJS.Platform = process.platform): Target {
  return platform === 'win32' ? 'win' : platform === 'darwin' ? 'mac' : 'linux';
}
