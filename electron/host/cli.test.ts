import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

/** Start the CLI from source until it prints its address; returns that address and a stop function. */
async function serve(...args: string[]): Promise<{ url: URL; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'cli.ts'), '--static', join(ROOT, 'renderer'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const url = await new Promise<URL>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`no address:\n${out}`)), 30_000);
    const read = (d: Buffer) => {
      out += d.toString();
      const m = /Rackside browser host: (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        res(new URL(m[1]!));
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.once('exit', (code) => rej(new Error(`exited ${code}:\n${out}`)));
  });
  return {
    url,
    stop: () => new Promise<void>((res) => {
      child.once('exit', () => res());
      child.kill('SIGTERM');
    }),
  };
}

// The real CLI, run from source (tsx), as a technician or a script would call it.
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'cli.ts'), ...args], { encoding: 'utf8', timeout: 30_000 });

// Each case starts Node with tsx: seconds each on a busy 2-core machine.
describe('rackside-host CLI', { timeout: 60_000 }, () => {
  it.each(['abc', '0', '-5', '2000000'])('refuses --transcript-limit-mb %s with a message that says what to give', (value) => {
    const r = cli(`--transcript-limit-mb=${value}`, '--static', '/nonexistent');
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(`--transcript-limit-mb must be a number of MB above 0 (at most 1048576), not "${value}"`);
  });

  it('documents the flag in --help', () => {
    const r = cli('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('--transcript-limit-mb N');
  });

  it('comes back on the port it had, with a new token, so an open page finds it and can say it restarted', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'rs-cli-'));
    try {
      const first = await serve('--data-dir', dataDir);
      await first.stop();
      const second = await serve('--data-dir', dataDir);
      try {
        expect(second.url.port).toBe(first.url.port);
        expect(second.url.searchParams.get('token')).not.toBe(first.url.searchParams.get('token'));
        // Taken by the running host: a third start falls back to any free port instead of failing.
        const third = await serve('--data-dir', dataDir);
        expect(third.url.port).not.toBe(first.url.port);
        await third.stop();
      } finally {
        await second.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
