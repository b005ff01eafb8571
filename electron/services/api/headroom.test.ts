import { describe, expect, it } from 'vitest';
import { HEADROOM_BYTES, joinWithHeadroom, takeHeadroom } from './headroom.js';

describe('headroom', () => {
  it('joins parts behind free room and hands that room out once, as a view in front of the data', () => {
    const data = joinWithHeadroom([Buffer.from('ab'), Buffer.from('cde')], 5);
    expect(data.toString()).toBe('abcde');
    const frame = takeHeadroom(data, 3)!;
    expect(frame.length).toBe(8);
    frame.write('HDR', 0);
    expect(frame.toString()).toBe('HDRabcde');
    expect(data.toString()).toBe('abcde');
    expect(takeHeadroom(data, 3)).toBeNull();
  });

  it('refuses anything that is not exactly such a batch, or a header bigger than the room', () => {
    const data = joinWithHeadroom([Buffer.from('abcdef')], 6);
    // A part of the batch: room "in front of it" would be the batch's own first bytes.
    expect(takeHeadroom(data.subarray(2), 2)).toBeNull();
    expect(takeHeadroom(data.subarray(0, 3), 2)).toBeNull();
    expect(takeHeadroom(data, HEADROOM_BYTES + 1)).toBeNull();
    expect(takeHeadroom(Buffer.from('abcdef'), 2)).toBeNull();
    expect(takeHeadroom(data, HEADROOM_BYTES)?.length).toBe(HEADROOM_BYTES + 6);
  });
});
