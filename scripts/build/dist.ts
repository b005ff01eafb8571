/**
 * `npm run dist [-- --linux|--win|--mac ...]`: the installers (README, Installers). Without a
 * platform flag, the host's. First checks that every download electron-builder will need is here
 * or reachable (dist-preflight.ts) and stops at once, naming each missing one and how to provide
 * it, so a machine without internet never gets a half-made package; then `npm run build` and
 * electron-builder with electron-builder.config.ts. Other arguments go to electron-builder
 * (e.g. `--x64 --arm64`, `--dir`).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { hostTarget, missing, needs, refusal, type Target } from './dist-preflight.js';

const root = join(import.meta.dirname, '..', '..');
const args = process.argv.slice(2);
const flags: Record<string, Target> = { '--linux': 'linux', '-l': 'linux', '--win': 'win', '-w': 'win', '--mac': 'mac', '-m': 'mac' };
const targets = [...new Set(args.filter((a) => a in flags).map((a) => flags[a]!))];
if (targets.length === 0) targets.push(hostTarget());
const passOn = args.filter((a) => !(a in flags));

if (targets.includes('mac') && process.platform !== 'darwin') {
  console.error('npm run dist: the macOS DMG can only be built (and signed, notarised) on macOS: it needs hdiutil and codesign. Nothing was built.');
  process.exit(2);
}

const arches = passOn.filter((a) => ['--x64', '--arm64', '--ia32', '--armv7l'].includes(a)).map((a) => a.slice(2));
const gone = (await Promise.all((arches.length ? arches : [process.arch]).map((arch) => missing(needs(root, targets, process.env, arch))))).flat();
if (gone.length) {
  console.error(refusal(gone));
  process.exit(2);
}

const run = (cmd: string, argv: string[]) => {
  const r = spawnSync(cmd, argv, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
run('npm', ['run', 'build']);
run('npx', [
  'electron-builder',
  '--config',
  'electron-builder.config.ts',
  ...targets.map((t) => `--${t}`),
  '--publish',
  'never',
  ...(process.env.RACKSIDE_ELECTRON_DIST ? [`-c.electronDist=${process.env.RACKSIDE_ELECTRON_DIST}`] : []),
  ...passOn,
]);
console.warn(`npm run dist: installers in ${join(root, 'release')}`);
