import { describe, expect, it } from 'vitest';
import { ACK_SIZE_BYTES, FlowController, HIGH_WATERMARK_BYTES, LOW_WATERMARK_BYTES } from './flow-control.js';

function producer() {
  const calls: string[] = [];
  return { calls, p: { pause: () => calls.push('pause'), resume: () => calls.push('resume') } };
}

describe('FlowController', () => {
  it('pauses above the high watermark and resumes only below the low one', () => {
    const { calls, p } = producer();
    const fc = new FlowController(p);
    fc.sent(HIGH_WATERMARK_BYTES);
    expect(calls).toEqual([]);
    fc.sent(1);
    expect(calls).toEqual(['pause']);
    fc.sent(50_000);
    expect(calls).toEqual(['pause']);
    // Acks that leave exactly the low watermark outstanding do not resume yet.
    fc.ack(HIGH_WATERMARK_BYTES + 1 + 50_000 - LOW_WATERMARK_BYTES);
    expect(fc.unackedChars).toBe(LOW_WATERMARK_BYTES);
    expect(calls).toEqual(['pause']);
    fc.ack(1);
    expect(calls).toEqual(['pause', 'resume']);
    expect(fc.paused).toBe(false);
  });

  it('clamps over-acks at zero and reset() resumes a paused producer', () => {
    const { calls, p } = producer();
    const fc = new FlowController(p);
    fc.ack(10);
    expect(fc.unackedChars).toBe(0);
    fc.sent(HIGH_WATERMARK_BYTES + 10);
    fc.reset();
    expect(calls).toEqual(['pause', 'resume']);
    expect(fc.unackedChars).toBe(0);
  });

  it('the ack step never exceeds the low watermark (a paused producer always gets its ack)', () => {
    expect(ACK_SIZE_BYTES).toBeLessThanOrEqual(LOW_WATERMARK_BYTES);
  });
});
