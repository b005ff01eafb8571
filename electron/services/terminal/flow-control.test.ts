import { describe, expect, it } from 'vitest';
import { ACK_SIZE_BYTES, FlowController, HIGH_WATERMARK_BYTES, LOW_WATERMARK_BYTES, MAX_HIGH_WATERMARK_BYTES, WINDOW_MS } from './flow-control.js';

function producer() {
  const calls: string[] = [];
  return { calls, p: { pause: () => calls.push('pause'), resume: () => calls.push('resume') } };
}

describe('FlowController', () => {
  it('pauses above the high watermark and resumes only below the low one', () => {
    const { calls, p } = producer();
    // A clock that stands still: no drawing rate is learnt, the window stays at its floor.
    const fc = new FlowController(p, () => 0);
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

  /** Streams `mbPerS` through a controller for `ms`, the renderer acking 256 kB frames as it draws them. */
  function stream(mbPerS: number, ms: number) {
    let t = 0;
    const { calls, p } = producer();
    const fc = new FlowController(p, () => t);
    const frame = 256 * 1024;
    const perMs = (mbPerS * 1e6) / 1000;
    // The producer outpaces the renderer: the window is always full while it runs.
    while (t < ms) {
      while (!fc.paused) fc.sent(frame);
      t += frame / perMs;
      fc.ack(frame);
    }
    return { fc, calls };
  }

  it('sizes the window to WINDOW_MS of drawing: 2 MB for log text, the 1 MB floor for `yes`', () => {
    const fast = stream(30, 2000).fc;
    expect(fast.window).toBe(MAX_HIGH_WATERMARK_BYTES); // 30 MB/s × 80 ms = 2.4 MB, capped
    const yes = stream(7, 2000).fc;
    expect(yes.window).toBe(HIGH_WATERMARK_BYTES); // 7 MB/s × 80 ms = 560 kB, below the floor
    const mid = stream(18, 2000).fc;
    expect(mid.window).toBeCloseTo(18_000 * WINDOW_MS, -4); // 1.44 MB
    // In flight at most: the window plus the frame that crossed it; drawn in ≤ WINDOW_MS + a frame.
    expect(mid.unackedChars).toBeLessThanOrEqual(mid.window + 256 * 1024);
  });

  it('does not learn a rate from time the renderer had nothing to draw, nor from a reset', () => {
    const run20 = (quietMs: number) => {
      let t = 0;
      const fc = new FlowController(producer().p, () => t);
      for (let i = 0; i < 3; i++) {
        fc.sent(200_000);
        t += 10; // 20 MB/s: a 1.6 MB window
        fc.ack(200_000);
        t += quietMs;
      }
      return fc.window;
    };
    // Seconds of quiet between outputs do not shrink it (they would count as a slow renderer).
    expect(run20(0)).toBeCloseTo(1_600_000, -3);
    expect(run20(10_000)).toBe(run20(0));
    // A reset (snapshot) releases everything at once: it says nothing about drawing.
    let t = 0;
    const fc = new FlowController(producer().p, () => t);
    fc.sent(1_500_000);
    t += 1;
    fc.reset();
    expect(fc.window).toBe(HIGH_WATERMARK_BYTES);
  });
});
