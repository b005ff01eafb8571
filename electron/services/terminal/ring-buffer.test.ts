import { describe, expect, it } from 'vitest';
import { RingBuffer } from './ring-buffer.js';

describe('RingBuffer', () => {
  it('keeps everything while under capacity', () => {
    const r = new RingBuffer(100);
    r.push('abc\r\n');
    r.push('def');
    expect(r.text()).toBe('abc\r\ndef');
    expect(r.truncated).toBe(false);
  });

  it('drops the oldest output, resets attributes and starts at a line boundary', () => {
    const r = new RingBuffer(20);
    r.push('line-one\r\n');
    r.push('line-two\r\n');
    r.push('line-three\r\n');
    expect(r.length).toBe(20);
    expect(r.truncated).toBe(true);
    expect(r.text()).toBe('\x1b[0mline-three\r\n');
  });

  it('keeps the tail of a single chunk larger than the capacity', () => {
    const r = new RingBuffer(4);
    r.push('0123456789');
    expect(r.length).toBe(4);
    expect(r.text().endsWith('6789')).toBe(true);
  });
});
