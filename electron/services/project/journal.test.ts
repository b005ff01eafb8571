import { mkdtemp, open, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { chainBreak } from '../report/verify.js';
import { Journal, readJournal } from './journal.js';

describe('Journal appends at scale', () => {
  it('100 appends at once (a 100-host step): each on disk when it resolves, in order, one chain, fewer fsyncs than lines', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rs-journal-'));
    const journal = await Journal.open(dir);
    // Counts the real FileHandle's datasync calls (a probe: the call still goes to the file).
    const probe = await open(join(dir, 'probe'), 'w');
    const syncs = vi.spyOn(Object.getPrototypeOf(probe) as { datasync: () => Promise<void> }, 'datasync');
    await probe.close();
    const onDisk: boolean[] = [];
    await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        journal.append({ type: 'lock', runId: 'r1', hostId: `h${i}`, outcome: 'acquired' }).then(async () => {
          onDisk[i] = (await readFile(join(dir, 'journal.ndjson'), 'utf8')).includes(`"hostId":"h${i}"`);
        }),
      ),
    );
    await journal.close();
    expect(onDisk.every(Boolean)).toBe(true);
    const events = await readJournal(dir);
    if (!events.ok) throw new Error(events.error.message);
    expect(events.value.map((e) => (e as { hostId: string }).hostId)).toEqual(Array.from({ length: 100 }, (_, i) => `h${i}`));
    expect(chainBreak(await readFile(join(dir, 'journal.ndjson'))).problem).toBeNull();
    expect(syncs.mock.calls.length).toBeGreaterThan(0);
    expect(syncs.mock.calls.length).toBeLessThan(100);
    syncs.mockRestore();
  });

  it('a failed write rejects the appends it carried, and the next append still continues the chain', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rs-journal-'));
    const journal = await Journal.open(dir);
    await journal.append({ type: 'lock', runId: 'r1', hostId: 'a', outcome: 'acquired' });
    const probe = await open(join(dir, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { appendFile: (...a: unknown[]) => Promise<void> };
    await probe.close();
    const failing = vi.spyOn(proto, 'appendFile').mockRejectedValueOnce(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }));
    await expect(journal.append({ type: 'lock', runId: 'r1', hostId: 'b', outcome: 'acquired' })).rejects.toThrow('no space');
    failing.mockRestore();
    await journal.append({ type: 'lock', runId: 'r1', hostId: 'c', outcome: 'acquired' });
    await journal.close();
    const events = await readJournal(dir);
    if (!events.ok) throw new Error(events.error.message);
    expect(events.value.map((e) => (e as { hostId: string }).hostId)).toEqual(['a', 'c']);
    expect(chainBreak(await readFile(join(dir, 'journal.ndjson'))).problem).toBeNull();
  });
});
