import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The real CLI, run from source (tsx), as a technician or a script would call it.
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'cli.ts'), ...args], { encoding: 'utf8', timeout: 30_000 });

describe('rackside-host CLI', () => {
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
});
