import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { electronVersion, helperArchives, missing, needs, reachable, refusal } from './dist-preflight.js';

const root = join(import.meta.dirname, '..', '..');
const version = electronVersion(root);
let tmp: string;
/** A local port nothing listens on: the stand-in for a machine without internet. */
let closedPort: number;
/** A local HTTP server that has every file: the stand-in for a reachable mirror. */
let mirror: Server;
let mirrorUrl: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'rs-dist-'));
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  mirror = createServer((_req, res) => res.writeHead(200).end());
  await new Promise<void>((r) => mirror.listen(0, '127.0.0.1', r));
  mirrorUrl = `http://127.0.0.1:${(mirror.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  await new Promise<void>((r) => mirror?.close(() => r()));
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** An environment with empty caches and mirrors that do not answer. */
const offline = (home: string) => ({
  HOME: home,
  XDG_CACHE_HOME: join(home, 'cache'),
  ELECTRON_BUILDER_CACHE: join(home, 'cache', 'electron-builder'),
  ELECTRON_MIRROR: `http://127.0.0.1:${closedPort}/`,
  ELECTRON_BUILDER_BINARIES_MIRROR: `http://127.0.0.1:${closedPort}/`,
  PATH: '',
});

describe('npm run dist preflight', () => {
  it("names only helper archives electron-builder's installed toolsets really download", () => {
    const toolsets = ['7zip', 'linux', 'windows', 'icons'].map((f) => readFileSync(join(root, 'node_modules/app-builder-lib/out/toolsets', `${f}.js`), 'utf8')).join('\n');
    for (const target of ['linux', 'win', 'mac'] as const) {
      for (const h of helperArchives(target, 'linux', 'x64')) {
        expect(toolsets, h.file).toContain(h.file);
        expect(toolsets, h.release).toContain(h.release.replace(/@.*/, ''));
      }
    }
  });

  it('offline with empty caches: names the Electron runtime, every helper and the headers, with how to provide each', async () => {
    const home = join(tmp, 'empty');
    const gone = await missing(needs(root, ['linux'], offline(home), 'x64', `http://127.0.0.1:${closedPort}/`));
    const files = gone.map((n) => n.file);
    expect(files).toEqual([
      `electron-v${version}-linux-x64.zip`,
      '7zip-linux-x64.tar.gz',
      'appimage-12.0.1.7z',
      'fpm-1.17.0-ruby-3.4.3-linux-amd64.7z',
      `node-v${version}-headers.tar.gz`,
    ]);
    const text = refusal(gone);
    expect(text).toContain('stopped before building anything');
    expect(text).toContain(`http://127.0.0.1:${closedPort}/v${version}/electron-v${version}-linux-x64.zip`);
    expect(text).toContain('RACKSIDE_ELECTRON_DIST');
    expect(text).toContain('ELECTRON_BUILDER_BINARIES_MIRROR');
    expect(text).toContain(join(home, 'cache', 'electron-builder', 'appimage-12.0.1'));
  });

  it('the Windows installer on Linux also needs Wine, which no mirror provides', async () => {
    const gone = await missing(needs(root, ['win'], { ...offline(join(tmp, 'empty')), ELECTRON_BUILDER_BINARIES_MIRROR: mirrorUrl, ELECTRON_MIRROR: mirrorUrl }, 'x64', mirrorUrl));
    expect(gone.map((n) => n.file)).toEqual(process.platform === 'linux' ? ['wine'] : []);
  });

  it('finds what is already here: a seeded cache, a local Electron folder, a tool named by its variable', async () => {
    const home = join(tmp, 'seeded');
    const env = { ...offline(home), RACKSIDE_ELECTRON_DIST: join(home, 'electron-zips'), CUSTOM_FPM_PATH: '/usr/bin/fpm' };
    await mkdir(env.RACKSIDE_ELECTRON_DIST, { recursive: true });
    await writeFile(join(env.RACKSIDE_ELECTRON_DIST, `electron-v${version}-linux-x64.zip`), 'zip');
    for (const [release, file] of [['7zip@1.0.0', '7zip-linux-x64.tar.gz'], ['appimage-12.0.1', 'appimage-12.0.1.7z']] as const) {
      await mkdir(join(env.ELECTRON_BUILDER_CACHE, release), { recursive: true });
      await writeFile(join(env.ELECTRON_BUILDER_CACHE, release, file), 'archive');
    }
    await mkdir(join(home, '.electron-gyp', version, 'include', 'node'), { recursive: true });
    await writeFile(join(home, '.electron-gyp', version, 'include', 'node', 'node.h'), '');
    expect(await missing(needs(root, ['linux'], env, 'x64', `http://127.0.0.1:${closedPort}/`))).toEqual([]);
  });

  it('a reachable mirror is enough: nothing is missing', async () => {
    const env = { ...offline(join(tmp, 'empty')), ELECTRON_MIRROR: mirrorUrl, ELECTRON_BUILDER_BINARIES_MIRROR: mirrorUrl };
    expect(await reachable(`${mirrorUrl}anything`)).toBe(true);
    expect(await reachable(`http://127.0.0.1:${closedPort}/anything`)).toBe(false);
    expect(await missing(needs(root, ['linux'], env, 'x64', mirrorUrl))).toEqual([]);
  });

  it('npm run dist refuses at once, before any build, and leaves no package behind', async () => {
    const home = join(tmp, 'run');
    const releaseBefore = existsSync(join(root, 'release')) ? await readdir(join(root, 'release')) : null;
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'scripts/build/dist.ts'), '--linux'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, ...offline(home), PATH: process.env.PATH },
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('stopped before building anything');
    expect(r.stderr).toContain(`electron-v${version}-linux-x64.zip`);
    // Neither the build (`> rackside build`) nor electron-builder ran.
    expect(r.stdout).not.toContain('vite');
    expect(r.stdout + r.stderr).not.toContain('electron-builder  version');
    expect(existsSync(join(root, 'release')) ? await readdir(join(root, 'release')) : null).toEqual(releaseBefore);
  });
});
