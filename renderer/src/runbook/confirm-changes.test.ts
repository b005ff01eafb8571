import { describe, expect, it } from 'vitest';
import type { PlanView } from '../../../electron/contract/index.js';
import { formatBytes } from '../lib/bytes.js';
import { canConfirm, changeParams, tickEachIndexes } from './confirm-changes.js';

const wipe = (serial: string): PlanView['changes'][number] => ({
  hostId: 'h1',
  actionId: 'create-array',
  change: `wipe ${serial}`,
  code: 'storage.wipe-disk',
  params: { host: 'vm1', serial, size: 268435456, model: 'QEMU', array: 'data', level: 'raid10' },
  tickEach: true,
});
const plain: PlanView['changes'][number] = { hostId: 'h1', actionId: 'addr', change: 'set 10.0.0.5/24 on eth0' };

describe('the destructive-changes confirmation', () => {
  it('keeps Run disabled until the list AND every disk to wipe are ticked', () => {
    const changes = [wipe('S1'), plain, wipe('S2')];
    expect(tickEachIndexes(changes)).toEqual([0, 2]);
    expect(canConfirm(changes, false, new Set())).toBe(false);
    // The list's own tick is not enough when disks ask for theirs.
    expect(canConfirm(changes, true, new Set())).toBe(false);
    expect(canConfirm(changes, true, new Set([0]))).toBe(false);
    expect(canConfirm(changes, false, new Set([0, 2]))).toBe(false);
    expect(canConfirm(changes, true, new Set([0, 2]))).toBe(true);
  });

  it('a list without per-change ticks needs only the list tick, as before', () => {
    expect(canConfirm([plain], false, new Set())).toBe(false);
    expect(canConfirm([plain], true, new Set())).toBe(true);
  });

  it('shows sizes in bytes human-readable and leaves the other params as they are', () => {
    expect(changeParams(wipe('S1').params)).toEqual({ host: 'vm1', serial: 'S1', size: '256 MiB', model: 'QEMU', array: 'data', level: 'raid10' });
    expect(changeParams({ sizeBytes: 2 * 1024 ** 4, count: 3 })).toEqual({ sizeBytes: '2 TiB', count: 3 });
    expect(changeParams(undefined)).toEqual({});
    // A virtual disk has no model: a dash, not a gap in the sentence.
    expect(changeParams({ model: '' })).toEqual({ model: '—' });
  });

  it('formats bytes in binary units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(268435456)).toBe('256 MiB');
    expect(formatBytes(1.5 * 1024 ** 3)).toBe('1.5 GiB');
    expect(formatBytes(960197124096)).toBe('894 GiB');
    expect(formatBytes(-1)).toBe('—');
  });
});
