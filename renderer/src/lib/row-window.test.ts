import { describe, expect, it } from 'vitest';
import { computeWindow } from './row-window.js';

const none = () => undefined;

describe('computeWindow', () => {
  it('renders the visible rows and the overscan, standing in for the rest with padding', () => {
    const w = computeWindow({ count: 1000, heightOf: none, estimate: 50, scrollTop: 5000, viewport: 500, overscan: 3 });
    // Rows 100..109 are visible; 3 more each side.
    expect(w).toEqual({ start: 97, end: 113, padTop: 97 * 50, padBottom: (1000 - 113) * 50 });
  });

  it('at the top renders from the first row with no top padding', () => {
    const w = computeWindow({ count: 1000, heightOf: none, estimate: 40, scrollTop: 0, viewport: 400, overscan: 2 });
    expect(w.start).toBe(0);
    expect(w.padTop).toBe(0);
    expect(w.end).toBe(12);
  });

  it('uses measured heights, and their mean for rows not measured yet', () => {
    // Rows 0 and 1 measured at 100 px: the mean (100) replaces the 40 px estimate for the others.
    const heightOf = (i: number) => (i < 2 ? 100 : undefined);
    const w = computeWindow({ count: 100, heightOf, estimate: 40, scrollTop: 1000, viewport: 300, overscan: 0 });
    expect(w).toEqual({ start: 10, end: 13, padTop: 1000, padBottom: 87 * 100 });
  });

  it('scrolled past the end of a list that shrank, shows its tail', () => {
    const w = computeWindow({ count: 5, heightOf: none, estimate: 50, scrollTop: 10_000, viewport: 500, overscan: 1 });
    expect(w.end).toBe(5);
    expect(w.start).toBe(3);
    expect(w.padBottom).toBe(0);
  });

  it('a pinned row (the focused one) outside the window is kept, its padding split around it; inside the window nothing changes', () => {
    const base = { count: 1000, heightOf: none, estimate: 50, scrollTop: 5000, viewport: 500, overscan: 3 };
    const above = computeWindow({ ...base, pinned: 10 });
    expect(above).toEqual({ start: 97, end: 113, padTop: 97 * 50, padBottom: (1000 - 113) * 50, pin: { index: 10, side: 'top', before: 10 * 50, after: 86 * 50 } });
    const below = computeWindow({ ...base, pinned: 500 });
    expect(below.pin).toEqual({ index: 500, side: 'bottom', before: (500 - 113) * 50, after: (1000 - 501) * 50 });
    // The split always adds up to the padding it replaces.
    for (const w of [above, below]) {
      const pad = w.pin!.side === 'top' ? w.padTop : w.padBottom;
      expect(w.pin!.before + 50 + w.pin!.after).toBe(pad);
    }
    expect(computeWindow({ ...base, pinned: 100 }).pin).toBeUndefined();
    expect(computeWindow({ ...base, pinned: 5000 }).pin).toBeUndefined();
  });

  it('an empty list renders nothing', () => {
    expect(computeWindow({ count: 0, heightOf: none, estimate: 50, scrollTop: 0, viewport: 500, overscan: 3 })).toEqual({ start: 0, end: 0, padTop: 0, padBottom: 0 });
  });
});
