import { describe, expect, it } from 'vitest';
import type { HostStorageStatus } from '../../../../electron/contract/index.js';
import { pollStorageStatus } from './status-poller.js';

const status = (sync: boolean): { hosts: HostStorageStatus[]; at: string } => ({
  at: 'now',
  hosts: [
    {
      hostId: 'h1',
      name: 'vm1',
      ok: true,
      arrays: [
        {
          device: '/dev/md/data',
          name: 'data',
          level: 'raid10',
          state: sync ? 'resyncing' : 'clean',
          sizeBytes: 1,
          uuid: 'u',
          members: [],
          missing: [],
          ...(sync ? { sync: { action: 'resync', percent: 40 } } : {}),
          inFstab: true,
          inMdadmConf: true,
        },
      ],
    },
  ],
});

/** A hand-driven clock and page: timers fire only when the test says so (no real time passes). */
function harness(answers: boolean[]) {
  const timers = new Map<number, () => void>();
  let next = 1;
  let hidden = false;
  let listener: (() => void) | null = null;
  const shown: boolean[] = [];
  let reads = 0;
  const flush = () => new Promise((r) => setTimeout(r, 0));
  const stop = pollStorageStatus({
    read: async () => {
      const a = answers[Math.min(reads, answers.length - 1)]!;
      reads++;
      return status(a);
    },
    show: (s) => shown.push(s.hosts[0]!.arrays[0]!.state === 'resyncing'),
    hidden: () => hidden,
    onVisibility: (fn) => {
      listener = fn;
      return () => (listener = null);
    },
    setTimer: (fn) => {
      const id = next++;
      timers.set(id, fn);
      return id;
    },
    clearTimer: (id) => timers.delete(id as number),
    intervalMs: 2000,
  });
  return {
    stop,
    flush,
    get reads() { return reads; },
    get pending() { return timers.size; },
    get listening() { return listener !== null; },
    shown,
    fire: async () => {
      const [id, fn] = [...timers.entries()][0]!;
      timers.delete(id);
      fn();
      await flush();
    },
    setHidden: async (h: boolean) => {
      hidden = h;
      listener?.();
      await flush();
    },
  };
}

describe('resync polling', () => {
  it('reads once and stops when no array syncs', async () => {
    const h = harness([false]);
    await h.flush();
    expect(h.reads).toBe(1);
    expect(h.pending).toBe(0);
    h.stop();
  });

  it('re-reads while an array syncs and stops once it is clean', async () => {
    const h = harness([true, true, false]);
    await h.flush();
    expect(h.pending).toBe(1);
    await h.fire();
    await h.fire();
    expect(h.reads).toBe(3);
    expect(h.shown).toEqual([true, true, false]);
    expect(h.pending).toBe(0);
    h.stop();
  });

  it('does not read while the window is hidden, and resumes when it is shown', async () => {
    const h = harness([true]);
    await h.flush();
    await h.setHidden(true);
    await h.fire();
    expect(h.reads).toBe(1);
    expect(h.pending).toBe(0);
    await h.setHidden(false);
    expect(h.reads).toBe(2);
    expect(h.pending).toBe(1);
    h.stop();
  });

  it('stops on unmount: the timer is cleared, the listener removed, and an answer in flight is dropped', async () => {
    const h = harness([true]);
    h.stop();
    await h.flush();
    expect(h.shown).toEqual([]);
    expect(h.pending).toBe(0);
    expect(h.listening).toBe(false);
  });
});
