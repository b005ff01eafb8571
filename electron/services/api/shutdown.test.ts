import { describe, expect, it } from 'vitest';
import { createLogger } from '../log/logger.js';
import { runShutdown } from './handlers.js';

function logLines() {
  const lines: { level: string; msg: string }[] = [];
  return { lines, log: createLogger((l) => lines.push(JSON.parse(l) as { level: string; msg: string })) };
}

describe('runShutdown', () => {
  it('waits for every step; a failing step is logged and does not stop the others', async () => {
    const { lines, log } = logLines();
    const done: string[] = [];
    await runShutdown(
      [
        async () => {
          await new Promise((r) => setTimeout(r, 30));
          done.push('slow');
        },
        () => Promise.reject(new Error('disk gone')),
        async () => void done.push('fast'),
      ],
      log,
    );
    expect(done.sort()).toEqual(['fast', 'slow']);
    expect(lines).toEqual([expect.objectContaining({ level: 'error', msg: 'shutdown step failed', error: 'disk gone' })]);
  });

  it('gives up on a step that hangs after the limit, and says so', async () => {
    const { lines, log } = logLines();
    const t0 = Date.now();
    await runShutdown([() => new Promise<void>(() => {})], log, 50);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(45);
    expect(lines).toEqual([expect.objectContaining({ level: 'warn', msg: 'shutdown did not finish in time; exiting anyway', limitMs: 50 })]);
  });
});
