import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildKit, KIT_KEYRING, manifestHash, type KitProgress } from './build.js';
import { KitError, type KitSource } from './resolve.js';
import { verifyKit } from './verify.js';

const run = promisify(execFile);

/**
 * The site kit builder against a real apt: a source repository of real .deb packages made here
 * with dpkg-deb (a small dependency graph, one package already installed on the "minimal system",
 * a virtual package, one broken dependency), apt resolving against a dpkg status file, gpg
 * signing, and apt itself (with a private Dir) accepting the kit with `signed-by=` and refusing it
 * tampered. No mocks.
 */

const T = { release: 'bookworm', arch: 'amd64' };
let root: string;
let srcRepo: string;
let status: string;
let gnupg: string;
const source = (): KitSource => ({ uri: `file:${srcRepo}`, suite: './', components: [], trusted: true });

async function makeDeb(name: string, version: string, fields: Record<string, string> = {}, payloadBytes = 2000) {
  const d = join(root, 'build', `${name}_${version}`);
  await mkdir(join(d, 'DEBIAN'), { recursive: true });
  await mkdir(join(d, 'usr/share', name), { recursive: true });
  // Incompressible payload, so sizes differ and a flipped byte is a real change.
  await writeFile(join(d, 'usr/share', name, 'data'), Buffer.from(Array.from({ length: payloadBytes }, (_, i) => (i * 7919 + name.length * 31) % 251)));
  const control = { Package: name, Version: version, Architecture: 'amd64', Maintainer: 'Rackside tests <t@rackside.invalid>', Description: `test package ${name}`, ...fields };
  await writeFile(join(d, 'DEBIAN/control'), Object.entries(control).map(([k, v]) => `${k}: ${v}`).join('\n') + '\n');
  // Debian's file names leave the epoch out.
  await run('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', d, join(srcRepo, `${name}_${version.replace(/^\d+:/, '')}_amd64.deb`)]);
}

async function indexSource() {
  const { stdout } = await run('dpkg-scanpackages', ['--multiversion', '.', '/dev/null'], { cwd: srcRepo });
  await writeFile(join(srcRepo, 'Packages'), stdout);
  await writeFile(join(srcRepo, 'Packages.gz'), gzipSync(stdout));
}

const needs = [
  { package: 'rk-app', neededBy: 'slurm: slurmd (every node)' },
  { package: 'rk-tool', neededBy: 'base platform' },
];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'rackside-kit-'));
  srcRepo = join(root, 'src');
  gnupg = join(root, 'gnupg');
  await mkdir(srcRepo, { recursive: true });
  // rk-app → rk-lib (>= 1.0) → rk-base (installed) and rk-virtual (provided by rk-impl).
  await makeDeb('rk-app', '2.0-1', { Depends: 'rk-lib (>= 1.0), rk-base' }, 3000);
  await makeDeb('rk-lib', '1.2-1', { 'Pre-Depends': 'rk-virtual' }, 2500);
  await makeDeb('rk-impl', '1:0.9-1', { Provides: 'rk-virtual' }, 1500);
  await makeDeb('rk-base', '1.0-1');
  await makeDeb('rk-tool', '1.0-1', { Depends: 'rk-lib' }, 1200);
  await makeDeb('rk-broken', '1.0-1', { Depends: 'rk-missing (>= 3)' });
  await makeDeb('rk-extra', '1.0-1', {}, 4000);
  await indexSource();
  // The minimal system: dpkg's status with rk-base installed.
  status = join(root, 'status');
  await writeFile(status, [
    'Package: rk-base', 'Status: install ok installed', 'Priority: optional', 'Architecture: amd64', 'Version: 1.0-1',
    'Maintainer: Rackside tests <t@rackside.invalid>', 'Description: installed', '',
  ].join('\n'));
}, 60_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** apt on a "server" (a private Dir): the kit as its only source, with signed-by and no trusted=yes. */
async function aptFromKit(kit: string) {
  const w = await mkdtemp(join(root, 'server-'));
  for (const d of ['etc/apt/sources.list.d', 'etc/apt/preferences.d', 'var/lib/apt/lists/partial', 'var/cache/apt/archives/partial']) await mkdir(join(w, d), { recursive: true });
  await writeFile(join(w, 'etc/apt/sources.list'), `deb [arch=amd64 signed-by=${join(kit, KIT_KEYRING)}] file:${join(kit, 'bookworm-amd64')} ./\n`);
  const args = ['-o', `Dir=${w}`, '-o', `Dir::State::status=${status}`, '-o', 'Debug::NoLocking=1', '-o', 'APT::Architecture=amd64', '-o', 'APT::Sandbox::User=root'];
  const update = await run('apt-get', [...args, 'update'], { env: { ...process.env, LC_ALL: 'C' } }).then((r) => r, (e: { stdout: string; stderr: string }) => ({ ...e, failed: true }));
  return { args, update };
}

describe('site kit (real apt, dpkg-deb, gpg)', () => {
  let kit: string;
  const seen: KitProgress[] = [];

  it('holds every package the plan needs with its dependencies, but nothing the minimal system has; manifest says what needs what', async () => {
    kit = join(root, 'kit');
    const m = await buildKit({ dir: kit, target: T, sources: [source()], status, needs, gnupgHome: gnupg, app: 'rackside-test', onProgress: (p) => seen.push(p) });
    const names = m.files.map((f) => f.package).sort();
    expect(names).toEqual(['rk-app', 'rk-impl', 'rk-lib', 'rk-tool']);
    const lib = m.files.find((f) => f.package === 'rk-lib')!;
    expect(lib.neededBy).toEqual(['base platform', 'slurm: slurmd (every node)']);
    expect(m.files.find((f) => f.package === 'rk-app')!.neededBy).toEqual(['slurm: slurmd (every node)']);
    // The virtual package rk-virtual leads to its provider.
    expect(m.files.find((f) => f.package === 'rk-impl')).toMatchObject({ version: '1:0.9-1', arch: 'amd64', neededBy: ['base platform', 'slurm: slurmd (every node)'] });
    for (const f of m.files) expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(m.totalBytes).toBe(m.files.reduce((n, f) => n + f.size, 0));
    // Progress: every stage, and the download counted every byte.
    expect([...new Set(seen.map((p) => p.stage))]).toEqual(['resolve', 'download', 'index', 'sign']);
    const last = seen.filter((p) => p.stage === 'download').pop()!;
    expect(last.doneBytes).toBe(last.totalBytes);
    expect(last.totalBytes).toBe(m.totalBytes);
    expect(await verifyKit(kit, T)).toEqual([]);
    expect(await manifestHash(kit, T)).toMatch(/^[0-9a-f]{64}$/);
  }, 60_000);

  it('is accepted by apt with signed-by= (no trusted=yes), which resolves the plan from it alone', async () => {
    const { args, update } = await aptFromKit(kit);
    expect('failed' in update, update.stderr).toBe(false);
    const { stdout } = await run('apt-get', [...args, '-y', '--print-uris', 'install', 'rk-app', 'rk-tool'], { env: { ...process.env, LC_ALL: 'C' } });
    expect(stdout).toContain('bookworm-amd64/pool/rk-app_2.0-1_amd64.deb');
    expect(stdout).toContain('rk-impl');
  }, 60_000);

  it('a rebuild after a plan change downloads only what is missing, and drops what is no longer needed', async () => {
    const progress: KitProgress[] = [];
    const m = await buildKit({ dir: kit, target: T, sources: [source()], status, needs: [...needs, { package: 'rk-extra', neededBy: 'monitoring' }], gnupgHome: gnupg, app: 'rackside-test', onProgress: (p) => progress.push(p) });
    const extra = m.files.find((f) => f.package === 'rk-extra')!;
    const dl = progress.filter((p) => p.stage === 'download').pop()!;
    expect(dl.totalBytes).toBe(extra.size);
    expect(dl.reusedBytes).toBe(m.totalBytes - extra.size);
    const m2 = await buildKit({ dir: kit, target: T, sources: [source()], status, needs, gnupgHome: gnupg, app: 'rackside-test' });
    expect(m2.files.some((f) => f.package === 'rk-extra')).toBe(false);
    expect(await verifyKit(kit, T)).toEqual([]);
  }, 60_000);

  it('names the package that cannot be resolved', async () => {
    const dir = join(root, 'kit-bad');
    const err1 = await buildKit({ dir, target: T, sources: [source()], status, needs: [{ package: 'rk-nowhere', neededBy: 'x' }], gnupgHome: gnupg, app: 't' }).catch((e: unknown) => e);
    expect(err1).toBeInstanceOf(KitError);
    expect(err1).toMatchObject({ code: 'package-not-found', params: { package: 'rk-nowhere' } });
    const err2 = await buildKit({ dir, target: T, sources: [source()], status, needs: [{ package: 'rk-broken', neededBy: 'x' }], gnupgHome: gnupg, app: 't' }).catch((e: unknown) => e);
    expect(err2).toMatchObject({ code: 'unmet-dependency', params: { package: 'rk-broken', needs: 'rk-missing' } });
    const err3 = await buildKit({ dir, target: T, sources: [source()], status, needs: [{ package: '-oDir=/etc', neededBy: 'x' }], gnupgHome: gnupg, app: 't' }).catch((e: unknown) => e);
    expect(err3).toMatchObject({ code: 'package-name-invalid' });
  }, 60_000);

  it('a tampered kit is refused with the file and why: one byte of a .deb, the Release file, a missing package', async () => {
    const deb = join(kit, 'bookworm-amd64/pool/rk-lib_1.2-1_amd64.deb');
    const original = await readFile(deb);
    const flipped = Buffer.from(original);
    flipped[flipped.length - 10] = flipped[flipped.length - 10]! ^ 0xff;
    await writeFile(deb, flipped);
    expect(await verifyKit(kit, T)).toEqual([expect.objectContaining({ file: 'bookworm-amd64/pool/rk-lib_1.2-1_amd64.deb', why: 'sha256' })]);
    await writeFile(deb, original);

    const inRelease = join(kit, 'bookworm-amd64/InRelease');
    const signed = await readFile(inRelease, 'utf8');
    await writeFile(inRelease, signed.replace('Suite: rackside-kit', 'Suite: rackside-kiT'));
    expect(await verifyKit(kit, T)).toEqual([expect.objectContaining({ file: 'bookworm-amd64/InRelease', why: 'signature' })]);
    // apt refuses it as well.
    const { update } = await aptFromKit(kit);
    expect('failed' in update || /NO_PUBKEY|BADSIG|not signed|invalid/i.test(`${update.stdout}${update.stderr}`)).toBe(true);
    await writeFile(inRelease, signed);

    const release = join(kit, 'bookworm-amd64/Release');
    const plain = await readFile(release, 'utf8');
    await writeFile(release, plain.replace('Codename: bookworm', 'Codename: trixie'));
    expect(await verifyKit(kit, T)).toEqual([expect.objectContaining({ file: 'bookworm-amd64/Release', why: 'signature' })]);
    await writeFile(release, plain);

    const app = join(kit, 'bookworm-amd64/pool/rk-app_2.0-1_amd64.deb');
    const keep = await readFile(app);
    await rm(app);
    expect(await verifyKit(kit, T)).toEqual([expect.objectContaining({ file: 'bookworm-amd64/pool/rk-app_2.0-1_amd64.deb', why: 'missing' })]);
    await writeFile(app, keep);
    expect(await verifyKit(kit, T)).toEqual([]);
  }, 60_000);
});
