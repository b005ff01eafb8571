#!/usr/bin/env node
// `npm start`: build if the sources changed, then run the Electron app; when the Electron runtime
// is not installed (as on our build machines), say why and serve the same UI from the browser host.
// `npm run serve` (--browser) goes straight to the browser host.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const browserOnly = argv.includes('--browser');
const passThrough = argv.filter((a) => a !== '--browser');

function newestMtime(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

const outputs = ['dist/renderer/index.html', 'dist/electron/host/cli.js', 'dist/electron/preload/index.cjs'].map((p) => join(root, p));
const built = outputs.every(existsSync) ? Math.min(...outputs.map((p) => statSync(p).mtimeMs)) : 0;
const sources = Math.max(newestMtime(join(root, 'electron')), newestMtime(join(root, 'renderer')));
// A test build (npm run build:test, which npm test makes) carries e2e hooks: never serve it to a
// technician. RACKSIDE_SERVE_TEST_BUILD=1 is for the e2e test of `npm start` itself, which runs
// between other e2e tests that need the test build in place.
const testBuild = existsSync(join(root, 'dist', 'renderer', 'test-build.txt')) && process.env.RACKSIDE_SERVE_TEST_BUILD !== '1';
if (built < sources || testBuild) {
  console.log('Building Rackside…');
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

function electronBinary() {
  // Read the electron package's path.txt ourselves: requiring the package would try to download the
  // runtime, which cannot work offline and only delays the fallback.
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) {
    const p = join(process.env.ELECTRON_OVERRIDE_DIST_PATH, process.platform === 'win32' ? 'electron.exe' : 'electron');
    return existsSync(p) ? { path: p } : { reason: `ELECTRON_OVERRIDE_DIST_PATH has no runtime at ${p}` };
  }
  const pkg = join(root, 'node_modules', 'electron');
  const pathFile = join(pkg, 'path.txt');
  if (!existsSync(pathFile)) {
    return { reason: 'the electron package was installed without its runtime (ELECTRON_SKIP_BINARY_DOWNLOAD, or no internet)' };
  }
  const p = join(pkg, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(p) ? { path: p } : { reason: `the runtime at ${p} is missing` };
}

function run(cmd, args) {
  const child = spawn(cmd, args, { cwd: root, stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
}

if (!browserOnly) {
  const electron = electronBinary();
  if (electron.path) {
    run(electron.path, [root, ...passThrough]);
  } else {
    console.log(`Electron runtime not available (${electron.reason}).`);
    console.log('Serving the same app in your browser instead (the browser host).');
    run(process.execPath, [join(root, 'dist/electron/host/cli.js'), ...passThrough]);
  }
} else {
  run(process.execPath, [join(root, 'dist/electron/host/cli.js'), ...passThrough]);
}
