import { describe, expect, it } from 'vitest';
import { RingBuffer } from './ring-buffer.js';

const b = (s: string) => Buffer.from(s, 'utf8');

describe('RingBuffer', () => {
  it('keeps everything while under capacity', () => {
    const r = new RingBuffer(100);
    r.push(b('abc\r\n'));
    r.push(b('déf'));
    expect(r.text()).toBe('abc\r\ndéf');
    expect(r.truncated).toBe(false);
  });

  it('drops the oldest output, resets attributes and starts at a line boundary', () => {
    const r = new RingBuffer(20);
    r.push(b('line-one\r\n'));
    r.push(b('line-two\r\n'));
    r.push(b('line-three\r\n'));
    expect(r.length).toBe(20);
    expect(r.truncated).toBe(true);
    expect(r.text()).toBe('\x1b[0mline-three\r\n');
  });

  it('keeps the tail of a single chunk larger than the capacity', () => {
    const r = new RingBuffer(4);
    r.push(b('0123456789'));
    expect(r.length).toBe(4);
    expect(r.text().endsWith('6789')).toBe(true);
  });

  it('never starts a snapshot inside a multi-byte character', () => {
    // 'é' is two bytes: a 5-byte ring over "éééé" starts on the second byte of one of them.
    const r = new RingBuffer(5);
    r.push(b('éééé'));
    expect(r.text()).toBe('\x1b[0méé');
    // '😀' is four bytes: a cut after its first byte leaves three continuation bytes to skip.
    const r4 = new RingBuffer(11);
    r4.push(b('😀😀😀'));
    expect(r4.text()).toBe('\x1b[0m😀😀');
  });

  it('does not keep a large buffer alive through a small view of it', () => {
    const r = new RingBuffer(1024);
    const big = Buffer.alloc(1 << 20, 0x61);
    r.push(big.subarray(0, 10));
    big.fill(0x62);
    // A copy was kept: changing (or freeing) the big buffer does not reach the ring.
    expect(r.text()).toBe('a'.repeat(10));
  });

  it('holds a batch as big as itself without copying it, but copies the tail of a much larger buffer', () => {
    // A full terminal batch is its own allocation: the ring keeps a view (no 256 kB copy per batch).
    const r = new RingBuffer(8);
    const batch = Buffer.allocUnsafeSlow(10); // its own allocation, as a batch's Buffer.concat is
    batch.write('0123456789');
    r.push(batch);
    batch.fill(0x7a);
    expect(r.text()).toBe('\x1b[0m' + 'z'.repeat(8));
    // The last 8 bytes of a 1 MB buffer: kept as a copy, the megabyte is not held.
    const big = Buffer.alloc(1 << 20, 0x61);
    r.push(big);
    big.fill(0x62);
    expect(r.text()).toBe('\x1b[0m' + 'a'.repeat(8));
  });
});
