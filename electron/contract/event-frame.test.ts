import { describe, expect, it } from 'vitest';
import { BINARY_EVENT_KIND, HEADROOM_BYTES, joinWithHeadroom, readBinaryEventFrame, takeHeadroom, writeBinaryEventFrame } from './event-frame.js';

const join = (parts: Buffer[], total: number) => joinWithHeadroom(parts, total, Buffer.allocUnsafeSlow);
const text = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString();

describe('headroom', () => {
  it('joins parts behind free room and hands that room out once, as a view in front of the data', () => {
    const data = join([Buffer.from('ab'), Buffer.from('cde')], 5);
    expect(data.toString()).toBe('abcde');
    const frame = takeHeadroom(data, 3)!;
    expect(frame.length).toBe(8);
    frame.set(Buffer.from('HDR'), 0);
    expect(text(frame)).toBe('HDRabcde');
    expect(data.toString()).toBe('abcde');
    expect(takeHeadroom(data, 3)).toBeNull();
  });

  it('refuses anything that is not exactly such a batch, or a header bigger than the room', () => {
    const data = join([Buffer.from('abcdef')], 6);
    // A part of the batch: room "in front of it" would be the batch's own first bytes.
    expect(takeHeadroom(data.subarray(2), 2)).toBeNull();
    expect(takeHeadroom(data.subarray(0, 3), 2)).toBeNull();
    expect(takeHeadroom(data, HEADROOM_BYTES + 1)).toBeNull();
    expect(takeHeadroom(Buffer.from('abcdef'), 2)).toBeNull();
    expect(takeHeadroom(data, HEADROOM_BYTES)?.length).toBe(HEADROOM_BYTES + 6);
  });
});

describe('binary event frame', () => {
  it('reads back what was written, in place in a batch\'s headroom or copied', () => {
    const header = Buffer.from('{"kind":"event"}');
    for (const data of [join([Buffer.from('ab'), Buffer.from('cé')], 5), Buffer.from('abcé')]) {
      const frame = writeBinaryEventFrame(header, data);
      expect(frame[0]).toBe(BINARY_EVENT_KIND);
      const ab = frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.byteLength) as ArrayBuffer;
      const back = readBinaryEventFrame(ab);
      expect(text(back.header)).toBe('{"kind":"event"}');
      expect(text(back.data)).toBe('abcé');
    }
  });

  it('refuses a frame of another kind or shorter than its header says', () => {
    const frame = writeBinaryEventFrame(Buffer.from('{}'), Buffer.from('x'));
    const ab = () => frame.slice().buffer;
    const other = new Uint8Array(ab());
    other[0] = 2;
    expect(() => readBinaryEventFrame(other.buffer)).toThrow(/unknown/);
    expect(() => readBinaryEventFrame(ab().slice(0, 6))).toThrow(/truncated/);
  });
});
