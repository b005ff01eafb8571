/**
 * The app's packaged contents built the way electron-builder builds them, without the Electron
 * runtime (which `electron-builder --dir` needs and this machine cannot download): the files of
 * electron-builder.config.ts's `files` and the production node_modules staged in a folder,
 * app.asar made from it with @electron/asar (`asarUnpack` files beside it in app.asar.unpacked),
 * and the `extraResources`. scripts/build/app-contents.test.ts checks the result.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync, type Stats } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join, posix, relative, resolve, sep } from 'node:path';
import asar from '@electron/asar';
import { excludedExts, excludedNames, FileMatcher } from 'app-builder-lib/out/fileMatcher.js';

export const ROOT = join(import.meta.dirname, '..', '..');

/** Folders and files of a tree, as posix paths relative to `dir`. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.push(relative(dir, p).split(sep).join('/'));
    }
  };
  await walk(dir);
  return out.sort();
}

/**
 * The production build (`npm run build`'s three steps) into `outDir` instead of dist/, so a test
 * neither needs nor disturbs the worktree's dist/.
 */
export async function buildInto(outDir: string): Promise<void> {
  const { build } = await import('vite');
  const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'electron/tsconfig.build.json'), '--outDir', join(outDir, 'electron')], { encoding: 'utf8' });
  if (tsc.status !== 0) throw new Error(`tsc failed:\n${tsc.stdout}${tsc.stderr}`);
  await build({ configFile: join(ROOT, 'vite.config.ts'), mode: 'production', logLevel: 'silent', build: { outDir: join(outDir, 'renderer'), emptyOutDir: true } });
  await build({ configFile: join(ROOT, 'vite.preload.config.ts'), root: ROOT, logLevel: 'silent', build: { outDir: join(outDir, 'electron', 'preload'), emptyOutDir: true } });
}

/** The package folders electron-builder copies: `dependencies` and `optionalDependencies`, transitively. */
export async function productionPackages(root: string): Promise<string[]> {
  const seen = new Set<string>();
  const find = (name: string, from: string): string | null => {
    for (let d = from; ; d = dirname(d)) {
      const p = join(d, 'node_modules', name);
      if (existsSync(join(p, 'package.json'))) return p;
      if (dirname(d) === d) return null;
    }
  };
  const visit = async (dir: string) => {
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
    for (const name of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) {
      const p = find(name, dir);
      // An optional dependency for another platform is simply not installed.
      if (!p || seen.has(p)) continue;
      seen.add(p);
      await visit(p);
    }
  };
  await visit(root);
  return [...seen].map((p) => relative(root, p).split(sep).join('/')).sort();
}

/**
 * electron-builder's own `files` matching (app-builder-lib's FileMatcher, the class its packager
 * filters with): project files by the patterns plus the default exclusions electron-builder adds
 * (getMainFileMatchers), production node_modules by the `!` patterns only
 * (getNodeModuleFileMatcher). Paths are posix, relative to the app folder.
 */
export function filesFilter(patterns: readonly string[]): { project(rel: string): boolean; nodeModule(rel: string): boolean } {
  const base = resolve('/rackside-app');
  const identity = (p: string) => p;
  const project = new FileMatcher(base, base, identity, [
    '!**/node_modules/**',
    ...patterns,
    `!**/*.{${excludedExts},pdb}`,
    `!**/{${excludedNames}}`,
    '!**/electron-builder.{yaml,yml,json,json5,toml,ts}',
  ]).createFilter();
  const modules = new FileMatcher(base, base, identity, ['**/*', ...patterns.filter((p) => p.startsWith('!'))]).createFilter();
  const file = { isDirectory: () => false } as Stats;
  return {
    project: (rel) => project(join(base, ...rel.split('/')), file),
    nodeModule: (rel) => modules(join(base, ...rel.split('/')), file),
  };
}

export interface PackagerConfig {
  files: readonly string[];
  asarUnpack: readonly string[];
  extraResources: readonly { from: string; to: string; filter: readonly string[] }[];
}

export interface PackedApp {
  /** The staged app folder app.asar was made from (what `--dir` would pack). */
  stageDir: string;
  /** resources/ of the packaged app: app.asar, app.asar.unpacked, extra resources. */
  resourcesDir: string;
  asarPath: string;
  unpackedDir: string;
  /** Every file of the app, as posix paths relative to the app root (inside the archive or unpacked). */
  files: string[];
  /** Those of `files` that are in app.asar.unpacked. */
  unpacked: string[];
  bytes: { asar: number; unpacked: number; extraResources: number };
}

/**
 * Stages and packs the app: `distDir` stands in for the project's dist/ (a test builds into a
 * temporary one); everything else comes from `root`.
 */
export async function packApp(root: string, distDir: string, outDir: string, config: PackagerConfig): Promise<PackedApp> {
  const stageDir = join(outDir, 'stage');
  const resourcesDir = join(outDir, 'resources');
  const filter = filesFilter(config.files);

  const sources = new Map<string, string>();
  for (const rel of await listFiles(distDir)) sources.set(`dist/${rel}`, join(distDir, rel));
  for (const rel of await listFiles(join(root, 'resources'))) sources.set(`resources/${rel}`, join(root, 'resources', rel));
  sources.set('package.json', join(root, 'package.json'));
  for (const [rel, abs] of sources) if (filter.project(rel)) await copyInto(stageDir, rel, abs);

  for (const pkg of await productionPackages(root)) {
    for (const rel of await listFiles(join(root, pkg))) {
      const appRel = `${pkg}/${rel}`;
      if (filter.nodeModule(appRel)) await copyInto(stageDir, appRel, join(root, pkg, rel));
    }
  }

  // @electron/asar matches `unpack` against absolute paths; electron-builder's asarUnpack patterns
  // are relative to the app folder, so they are anchored to it here.
  const anchored = config.asarUnpack.map((p) => posix.join(stageDir.split(sep).join('/'), p));
  const unpack = anchored.length === 1 ? anchored[0] : `{${anchored.join(',')}}`;
  const asarPath = join(resourcesDir, 'app.asar');
  await mkdir(resourcesDir, { recursive: true });
  await asar.createPackageWithOptions(stageDir, asarPath, unpack ? { unpack } : {});

  let extraBytes = 0;
  for (const extra of config.extraResources) {
    const match = new FileMatcher(join(root, extra.from), join(resourcesDir, extra.to), (p) => p, [...extra.filter]).createFilter();
    for (const rel of await listFiles(join(root, extra.from))) {
      if (!match(join(root, extra.from, ...rel.split('/')), { isDirectory: () => false } as Stats)) continue;
      await copyInto(join(resourcesDir, extra.to), rel, join(root, extra.from, rel));
      extraBytes += (await stat(join(root, extra.from, rel))).size;
    }
  }

  const unpackedDir = `${asarPath}.unpacked`;
  const files = asar
    .listPackage(asarPath, { isPack: false })
    .map((p) => p.replace(/^[/\\]/, '').split(sep).join('/'))
    .filter((p) => 'size' in asar.statFile(asarPath, p) || 'link' in asar.statFile(asarPath, p));
  const unpacked = existsSync(unpackedDir) ? await listFiles(unpackedDir) : [];
  const sumSizes = async (dir: string, rels: string[]) => {
    let n = 0;
    for (const r of rels) n += (await stat(join(dir, r))).size;
    return n;
  };
  return {
    stageDir,
    resourcesDir,
    asarPath,
    unpackedDir,
    files,
    unpacked,
    bytes: { asar: (await stat(asarPath)).size, unpacked: await sumSizes(unpackedDir, unpacked), extraResources: extraBytes },
  };
}

async function copyInto(dir: string, rel: string, from: string): Promise<void> {
  const to = join(dir, ...rel.split('/'));
  await mkdir(dirname(to), { recursive: true });
  await copyFile(from, to);
}

const BUILTINS = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
/** Specifiers Electron itself provides: not files of the app. */
const isRuntimeModule = (spec: string) => spec === 'electron' || spec.startsWith('electron/') || BUILTINS.has(spec) || spec.startsWith('node:');

/**
 * Literal module specifiers of a JavaScript file: static imports and re-exports, side-effect
 * imports, import() and require() with a string literal. Computed ones (node-pty's native module
 * path, pdf.js's worker URL) are not seen: the test checks those files by name.
 */
export function specifiersOf(source: string): string[] {
  const found = new Set<string>();
  const patterns = [
    /\b(?:import|export)\s[^'"`;]*?\bfrom\s*(['"])([^'"]+)\1/g,
    /(?:^|[;}])\s*import\s*(['"])([^'"]+)\1/gm,
    /\bimport\s*\(\s*(['"])([^'"]+)\1\s*\)/g,
    /\brequire\s*\(\s*(['"])([^'"]+)\1\s*\)/g,
  ];
  // Comments may hold example code (`require('x')` in a doc comment): drop them first.
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"\\])\/\/.*$/gm, '$1');
  for (const re of patterns) for (const m of code.matchAll(re)) if (!m[2]!.includes('${')) found.add(m[2]!);
  return [...found];
}

/**
 * Every file `entries` load, transitively, resolved in the staged app folder the way Node would
 * (relative paths as written, packages through node_modules and their `exports`/`main`), as
 * paths relative to `appDir`. A specifier the stage cannot resolve is `missing` (with who asked)
 * when it resolves from the same file in the source tree (`sourceOf`): the packaging dropped it;
 * else `unresolved`: not installed at all, as the optional per-platform packages a package
 * tries in turn (@napi-rs/canvas-<platform>).
 */
export async function walkLoads(
  appDir: string,
  entries: string[],
  sourceOf: (rel: string) => string,
): Promise<{ loaded: Set<string>; missing: string[]; unresolved: string[] }> {
  const loaded = new Set<string>();
  const missing: string[] = [];
  const unresolved: string[] = [];
  const queue = entries.map((e) => resolve(appDir, e));
  while (queue.length) {
    const file = queue.pop()!;
    const rel = relative(appDir, file).split(sep).join('/');
    if (loaded.has(rel)) continue;
    loaded.add(rel);
    if (!/\.(c|m)?js$/.test(file)) continue;
    for (const spec of specifiersOf(await readFile(file, 'utf8'))) {
      if (isRuntimeModule(spec)) continue;
      const target = resolveFrom(file, spec);
      if (target && !relative(appDir, target).startsWith('..')) queue.push(target);
      else (resolveFrom(sourceOf(rel), spec) ? missing : unresolved).push(`${spec} (from ${rel})`);
    }
  }
  return { loaded, missing, unresolved };
}

function resolveFrom(file: string, spec: string): string | null {
  if (spec.startsWith('.') || spec.startsWith('/')) {
    const base = resolve(dirname(file), spec);
    for (const c of [base, `${base}.js`, `${base}.json`, join(base, 'index.js')]) if (isFile(c)) return c;
    return null;
  }
  // Packages: require's resolution (main, exports' "require"/"node"/"default"); an ESM-only
  // export ("import" condition only) is looked up in the package's exports by hand.
  try {
    return createRequire(file).resolve(spec);
  } catch {
    return resolveEsmExport(file, spec);
  }
}

function resolveEsmExport(file: string, spec: string): string | null {
  const parts = spec.split('/');
  const name = spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  const subpath = `.${spec.slice(name.length)}`;
  for (let d = dirname(file); ; d = dirname(d)) {
    const pkgDir = join(d, 'node_modules', name);
    if (isFile(join(pkgDir, 'package.json'))) {
      const pkg = createRequire(file)(join(pkgDir, 'package.json')) as { exports?: unknown };
      const target = pickExport(pkg.exports, subpath);
      return target && isFile(join(pkgDir, target)) ? join(pkgDir, target) : null;
    }
    if (dirname(d) === d) return null;
  }
}

function pickExport(exports: unknown, subpath: string): string | null {
  if (typeof exports === 'string') return subpath === '.' ? exports : null;
  if (!exports || typeof exports !== 'object') return null;
  const map = exports as Record<string, unknown>;
  const isSubpathMap = Object.keys(map).some((k) => k.startsWith('.'));
  const entry = isSubpathMap ? map[subpath] : subpath === '.' ? map : undefined;
  const condition = (v: unknown): string | null => {
    if (typeof v === 'string') return v;
    if (!v || typeof v !== 'object') return null;
    const o = v as Record<string, unknown>;
    for (const k of ['node', 'import', 'default']) if (k in o) return condition(o[k]);
    return null;
  };
  return condition(entry);
}

const isFile = (p: string) => statSync(p, { throwIfNoEntry: false })?.isFile() === true;
