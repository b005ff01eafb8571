import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import asar from '@electron/asar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import config, { ASAR_UNPACK, EXTRA_RESOURCES, RENDERER_ONLY_PACKAGES, appFiles } from '../../electron-builder.config.js';
import { buildInto, filesFilter, listFiles, packApp, ROOT, walkLoads, type PackedApp } from './app-contents.js';

/*
 * The packaged app's contents, checked without any download: `electron-builder --dir` would do
 * the staging itself, but it first unpacks the Electron runtime zip (GitHub), which this machine
 * cannot fetch. packApp stages with electron-builder's own file matcher and the config's patterns,
 * then makes app.asar with @electron/asar, as electron-builder does.
 */

let tmp: string;
let app: PackedApp;
let mainEntry: string;

/** Files a packaging mistake could carry in: each must be left out by the `files` patterns. */
const PLANTED = ['electron/.env', 'electron/.env.production', 'electron/services/planted.test.js', 'renderer/planted.js.map'];

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'rs-pack-'));
  const dist = join(tmp, 'dist');
  await buildInto(dist);
  for (const rel of PLANTED) {
    await mkdir(join(dist, rel, '..'), { recursive: true });
    await writeFile(join(dist, rel), 'SECRET=planted\n');
  }
  app = await packApp(ROOT, dist, join(tmp, 'out'), {
    files: config.files as string[],
    asarUnpack: ASAR_UNPACK,
    extraResources: EXTRA_RESOURCES,
  });
  mainEntry = (JSON.parse(asar.extractFile(app.asarPath, 'package.json').toString('utf8')) as { main: string }).main;

  const sizes = { asarBytes: app.bytes.asar, unpackedBytes: app.bytes.unpacked, extraResourcesBytes: app.bytes.extraResources, files: app.files.length, unpackedFiles: app.unpacked };
  await mkdir(join(ROOT, 'test-results'), { recursive: true });
  await writeFile(join(ROOT, 'test-results', 'app-contents.json'), `${JSON.stringify(sizes, null, 2)}\n`);
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  console.warn(`app contents: app.asar ${mb(app.bytes.asar)} (${app.files.length} files), app.asar.unpacked ${mb(app.bytes.unpacked)} (${app.unpacked.length} files), extra resources ${mb(app.bytes.extraResources)} — test-results/app-contents.json`);
}, 300_000);

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const inArchive = (rel: string) => app.files.includes(rel);
const isUnpacked = (rel: string) => {
  const entry = asar.statFile(app.asarPath, rel) as { unpacked?: boolean };
  return entry.unpacked === true && app.unpacked.includes(rel);
};

describe('the packaged app (app.asar as electron-builder makes it)', () => {
  it("has package.json with `main` pointing at the built main process, inside the archive", () => {
    expect(mainEntry).toBe('dist/electron/main/index.js');
    expect(inArchive(mainEntry)).toBe(true);
    expect(isUnpacked(mainEntry)).toBe(false);
  });

  it('holds every file the main process and the preload load (their imports and requires, transitively)', async () => {
    const sourceOf = (rel: string) => (rel.startsWith('dist/') ? join(tmp, rel) : join(ROOT, rel));
    const { loaded, missing, unresolved } = await walkLoads(app.stageDir, [mainEntry, 'dist/electron/preload/index.cjs'], sourceOf);
    expect(missing).toEqual([]);
    // Only packages' guarded attempts at optional per-platform builds; our own code resolves everything.
    expect(unresolved.filter((u) => !u.includes('(from node_modules/'))).toEqual([]);
    // The walk must have reached the services and the packages they use, or it proves nothing.
    for (const sample of ['dist/electron/services/api/handlers.js', 'dist/electron/contract/index.js', 'node_modules/ssh2/lib/index.js', 'node_modules/node-pty/lib/index.js', 'node_modules/pdfjs-dist/legacy/build/pdf.mjs']) {
      expect(loaded, sample).toContain(sample);
    }
    expect([...loaded].filter((f) => !inArchive(f))).toEqual([]);
  });

  it('holds the renderer main loads over app://, and every script and style its page references', async () => {
    const html = asar.extractFile(app.asarPath, 'dist/renderer/index.html').toString('utf8');
    const refs = [...html.matchAll(/(?:src|href)="([^"#?]+)"/g)]
      .map((m) => m[1]!)
      .filter((ref) => !/^[a-z][a-z0-9+.-]*:/i.test(ref))
      .map((ref) => `dist/renderer/${ref.replace(/^\.?\//, '')}`);
    expect(refs.length).toBeGreaterThan(0);
    expect(refs.filter((r) => !inArchive(r))).toEqual([]);
    // Chunks the bundle imports on demand (the WebGL addon) are not in the page: the whole build is.
    const built = (await listFiles(join(tmp, 'dist', 'renderer'))).map((f) => `dist/renderer/${f}`).filter((f) => !PLANTED.includes(f.slice('dist/'.length)));
    expect(built.filter((f) => !inArchive(f))).toEqual([]);
  });

  it('holds the report template and finding texts the services read from <app>/resources, and the profiles beside the archive', async () => {
    for (const rel of ['report/report.html', 'report/report.css', 'report/locales/en.json', 'report/locales/zh-CN.json', 'findings/en.json', 'findings/zh-CN.json']) {
      expect(inArchive(`resources/${rel}`), rel).toBe(true);
    }
    const profiles = (await listFiles(join(ROOT, 'resources', 'profiles'))).filter((f) => f.endsWith('.yaml'));
    expect(profiles.length).toBeGreaterThan(0);
    expect(await listFiles(join(app.resourcesDir, 'profiles'))).toEqual(profiles);
    expect(inArchive('resources/profiles/default.yaml')).toBe(false);
  });

  it('contains no test files, no source maps, no .env and not the browser host', () => {
    expect(app.files.filter((f) => /(^|\/)(tests?|__tests__|test-fakes)\//.test(f) || /\.(test|spec|e2e)\.[cm]?[jt]s$/.test(f))).toEqual([]);
    expect(app.files.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(app.files.filter((f) => /(^|\/)\.env(\.|$)/.test(f))).toEqual([]);
    expect(app.files.filter((f) => f.startsWith('dist/electron/host/'))).toEqual([]);
    expect(app.files.filter((f) => f.startsWith('dist/renderer/test-build'))).toEqual([]);
    for (const planted of PLANTED) expect(inArchive(`dist/${planted}`), planted).toBe(false);
  });

  it('ships source maps when asked (RACKSIDE_SOURCEMAPS=1), and only then', () => {
    expect(filesFilter(appFiles(true)).project('dist/electron/main/index.js.map')).toBe(true);
    expect(filesFilter(appFiles(false)).project('dist/electron/main/index.js.map')).toBe(false);
  });

  it("keeps node-pty's native module and helpers (and every other .node) outside the archive, in app.asar.unpacked", async () => {
    expect(isUnpacked('node_modules/node-pty/build/Release/pty.node')).toBe(true);
    const nativeInArchive = app.files.filter((f) => f.endsWith('.node') && !isUnpacked(f));
    expect(nativeInArchive).toEqual([]);
    const helpers = app.files.filter((f) => /node-pty\/prebuilds\/[^/]+\/(spawn-helper|winpty-agent\.exe)$/.test(f));
    expect(helpers.length).toBeGreaterThan(0);
    expect(helpers.filter((f) => !isUnpacked(f))).toEqual([]);
    // Unpacked files are real files on disk, byte for byte the module's own.
    const onDisk = await readFile(join(app.unpackedDir, 'node_modules/node-pty/build/Release/pty.node'));
    expect(onDisk.equals(await readFile(join(ROOT, 'node_modules/node-pty/build/Release/pty.node')))).toBe(true);
  });

  it('leaves out what only the renderer bundle or a native build uses', () => {
    for (const pkg of RENDERER_ONLY_PACKAGES) expect(app.files.filter((f) => f.startsWith(`node_modules/${pkg}/`)), pkg).toEqual([]);
    expect(app.files.filter((f) => /node_modules\/node-pty\/(src|deps|third_party)\//.test(f) || f.endsWith('.pdb'))).toEqual([]);
  });
});
