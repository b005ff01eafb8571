import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { missingPackages, readPackageList } from '../test-support/debian-packages.mjs';

const root = join(import.meta.dirname, '..', '..');

describe('npm test on a fresh machine', () => {
  it('stops at once with the exact apt-get line when a package is missing and it may not install', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rs-deb-'));
    try {
      const list = join(dir, 'packages.txt');
      await writeFile(list, '# test list\nbash\nrackside-no-such-package-x # not in any archive\n');
      const r = spawnSync(process.execPath, [join(root, 'scripts', 'test.mjs')], {
        cwd: root,
        encoding: 'utf8',
        // Its reports in the temporary folder: `npm test` runs this file while its lanes wait on
        // test-results/build.status, which this run would otherwise replace with "not built".
        env: { ...process.env, RACKSIDE_DEBIAN_PACKAGES: list, RACKSIDE_NO_APT: '1', RACKSIDE_TEST_RESULTS: dir },
        timeout: 60_000,
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('Missing Debian packages: rackside-no-such-package-x');
      expect(r.stderr).toContain('sudo apt-get install -y --no-install-recommends rackside-no-such-package-x');
      // It stopped before any stage ran (no typecheck, no lab).
      expect(r.stdout).not.toContain('▶ typecheck');
      expect(r.stdout).toMatch(/tests: 0 passed, 0 failed/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('.ci/run installs the same list that npm test checks', async () => {
    const ci = await readFile(join(root, '.ci', 'run'), 'utf8');
    expect(ci).toContain('scripts/debian-packages.txt');
    const wanted: string[] = readPackageList();
    expect(wanted).toEqual(expect.arrayContaining(['chromium', 'debootstrap', 'openssh-client', 'poppler-utils']));
    // This machine ran the list's install (or CI did): nothing on it is missing.
    expect(missingPackages(wanted)).toEqual([]);
  });
});
