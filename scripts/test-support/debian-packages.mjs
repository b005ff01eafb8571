// The Debian packages `npm test` needs, from scripts/debian-packages.txt (also read by .ci/run),
// and which of them this machine lacks.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const PACKAGE_LIST = join(import.meta.dirname, '..', 'debian-packages.txt');

export function readPackageList(path = PACKAGE_LIST) {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean);
}

/** Packages not installed, or null when this is not a Debian-like system (no dpkg-query). */
export function missingPackages(names) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Package} ${db:Status-Status}\\n', ...names], { encoding: 'utf8' });
  if (r.error) return null;
  const installed = new Set(
    r.stdout
      .split('\n')
      .map((l) => l.split(' '))
      .filter(([, status]) => status === 'installed')
      .map(([name]) => name),
  );
  return names.filter((n) => !installed.has(n));
}

export const installLine = (names) => `apt-get install -y --no-install-recommends ${names.join(' ')}`;
