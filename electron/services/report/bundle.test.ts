import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { secretByteForms } from '../secrets/secret-store.js';
import { SecretInBundleError, StreamRedactor, writeBundle } from './bundle.js';
import { redactBytes } from './redact.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..', '..');
const dirs: string[] = [];
const tempDir = async () => {
  const d = await mkdtemp(join(tmpdir(), 'rs-bundle-'));
  dirs.push(d);
  return d;
};
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('streamed support bundle', () => {
  it('redacts a secret wherever the chunk boundaries fall, like the whole-buffer redaction', () => {
    const secrets = ['s3cr3t-pw', 'pw"q'];
    const forms = secretByteForms(secrets);
    const text = Buffer.from('a s3cr3t-pw b "pw\\"q" c s3cr3t-pw s3cr3t-p s3cr3t-pwd\n');
    const whole = redactBytes(text, secrets);
    expect(whole.toString()).not.toContain('s3cr3t-pw ');
    for (let cut = 0; cut <= text.length; cut++) {
      for (const step of [1, 3, 7, 1000]) {
        const r = new StreamRedactor(forms);
        const out: Buffer[] = [...r.push(text.subarray(0, cut))];
        for (let i = cut; i < text.length; i += step) out.push(...r.push(text.subarray(i, i + step)));
        out.push(...r.end());
        expect(Buffer.concat(out).toString(), `cut ${cut} step ${step}`).toBe(whole.toString());
        expect(r.changed).toBe(true);
      }
    }
    const clean = new StreamRedactor(forms);
    expect(Buffer.concat([...clean.push(Buffer.from('nothing here')), ...clean.end()]).toString()).toBe('nothing here');
    expect(clean.changed).toBe(false);
  });

  it('writes long paths (ustar prefix), binary and empty files that the system tar extracts; refuses unsafe names', async () => {
    const dir = await tempDir();
    const long = `${'d'.repeat(90)}/${'e'.repeat(60)}/file-${'f'.repeat(80)}.bin`;
    const data = Buffer.from([0, 1, 2, 255, 254, 10]);
    await writeFile(join(dir, 'bin'), data);
    const out = join(dir, 'a.tar.gz');
    const entries = await writeBundle(out, [{ name: long, file: join(dir, 'bin'), redact: true }, { name: 'x/empty', data: Buffer.alloc(0), redact: false }], [], { mtime: new Date() });
    expect(entries.map((e) => e.bytes)).toEqual([6, 0]);
    await run('tar', ['-xzf', out, '-C', dir]);
    expect((await readFile(join(dir, long))).equals(data)).toBe(true);
    expect(existsSync(join(dir, 'x/empty'))).toBe(true);
    await expect(writeBundle(join(dir, 'b.tar.gz'), [{ name: '../x', data, redact: false }], [], { mtime: new Date() })).rejects.toThrow(/Unsafe/);
  });

  it('leaves nothing on disk when a secret would pass unredacted (a PDF is bundled as it is)', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'r.pdf'), Buffer.from('%PDF-1.7 canary-Pw-7f3a91 %%EOF'));
    const out = join(dir, 'bundle.tar.gz');
    await expect(writeBundle(out, [{ name: 'b/r.pdf', file: join(dir, 'r.pdf'), redact: false }], secretByteForms(['canary-Pw-7f3a91']), { mtime: new Date() })).rejects.toBeInstanceOf(SecretInBundleError);
    expect(await readdir(dir)).toEqual(['r.pdf']);
  });

  it('bundles a 300 MB transcript in bounded memory (peak RSS of the process, not the file size)', async () => {
    const dir = await tempDir();
    const big = join(dir, 'session.log');
    const fh = await open(big, 'w');
    // Terminal-like text with a secret now and then, so redaction really works on the stream.
    const line = Buffer.from('2026-12-06 node1 kernel: [  1.234] md: resync of md0 done ok'.padEnd(200, '.') + '\r\n');
    const block = Buffer.concat([...Array.from({ length: Math.floor((1 << 20) / line.length) }, () => line), Buffer.from('password=canary-Pw-7f3a91\r\n')]);
    let size = 0;
    while (size < 300 * (1 << 20)) size += (await fh.write(block)).bytesWritten;
    await fh.close();
    const script = `
      import { writeBundle } from ${JSON.stringify(join(ROOT, 'electron/services/report/bundle.ts'))};
      import { secretByteForms } from ${JSON.stringify(join(ROOT, 'electron/services/secrets/secret-store.ts'))};
      import { readFileSync } from 'node:fs';
      const entries = await writeBundle(${JSON.stringify(join(dir, 'out.tar.gz'))}, [{ name: 'b/logs/session.log', file: ${JSON.stringify(big)}, redact: true }], secretByteForms(['canary-Pw-7f3a91']), { mtime: new Date() });
      const hwm = /VmHWM:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))[1];
      console.log(JSON.stringify({ hwmKiB: Number(hwm), entries }));
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((res) => child.on('exit', res));
    expect(code, stderr).toBe(0);
    const r = JSON.parse(stdout.trim().split('\n').pop()!) as { hwmKiB: number; entries: { bytes: number; redacted: boolean }[] };
    expect(r.entries[0]!.redacted).toBe(true);
    expect(r.entries[0]!.bytes).toBeGreaterThan(290 * (1 << 20));
    // The whole-buffer bundle held the file, its redacted copy and the tar at once (well over 1 GB).
    expect(r.hwmKiB).toBeLessThan(256 * 1024);
    console.warn(`bundle of ${(r.entries[0]!.bytes / (1 << 20)).toFixed(0)} MB: peak RSS ${(r.hwmKiB / 1024).toFixed(0)} MB`);
    const { stdout: listing } = await run('tar', ['-tvzf', join(dir, 'out.tar.gz')]);
    expect(listing).toContain('b/logs/session.log');
  }, 300_000);
});
