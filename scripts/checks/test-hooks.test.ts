import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** The renderer built as `mode` into a temporary folder: every file's text, by name. */
async function buildRenderer(mode: string): Promise<Map<string, string>> {
  const outDir = await mkdtemp(join(tmpdir(), 'rs-build-'));
  dirs.push(outDir);
  await build({ configFile: join(root, 'vite.config.ts'), mode, logLevel: 'silent', build: { outDir, emptyOutDir: true } });
  const files = new Map<string, string>();
  const walk = async (dir: string) => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else files.set(p.slice(outDir.length + 1), await readFile(p, 'utf8'));
    }
  };
  await walk(outDir);
  return files;
}

const mentions = (files: Map<string, string>, needle: string) => [...files].filter(([, text]) => text.includes(needle)).map(([name]) => name);

describe('test hooks ship only in test builds', () => {
  it('the ordinary build has no window.racksideTerminals and no test-build marker', async () => {
    const files = await buildRenderer('production');
    expect(files.has('index.html')).toBe(true);
    expect(mentions(files, 'racksideTerminals')).toEqual([]);
    expect(files.has('test-build.txt')).toBe(false);
  }, 120_000);

  it('the test build (npm run build:test) keeps it and says so', async () => {
    const files = await buildRenderer('test-hooks');
    expect(mentions(files, 'racksideTerminals').length).toBeGreaterThan(0);
    expect(files.has('test-build.txt')).toBe(true);
  }, 120_000);
});
