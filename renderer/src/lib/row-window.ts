/**
 * Which rows of a long list to render (issue 21: 1000 hosts must feel like 4). Pure arithmetic,
 * kept apart from the React hook (use-row-window.ts) so it is tested without a DOM.
 *
 * Rows may differ in height (a host row grows with its jump host, BMC or errors): a row's height
 * is its measured one when it has been on screen, else the mean of those measured, else `estimate`.
 */

/** Lists up to this long render every row: small clusters keep plain DOM (find-in-page, print). */
export const WINDOW_FROM_ROWS = 60;

export interface RowWindow {
  /** First rendered row (0-based). */
  start: number;
  /** One past the last rendered row. */
  end: number;
  /** Space standing in for the rows before `start` and after `end`, in px. */
  padTop: number;
  padBottom: number;
  /**
   * A row kept rendered outside the window (the one holding keyboard focus: unmounting it would
   * drop the focus and the technician's typing), with the padding on either side of it, which
   * then stands in for `padTop` (side top) or `padBottom` (side bottom).
   */
  pin?: { index: number; side: 'top' | 'bottom'; before: number; after: number };
}

export interface WindowInput {
  count: number;
  /** Measured height of row i, or undefined if it has not been rendered yet. */
  heightOf: (i: number) => number | undefined;
  estimate: number;
  /** Scroll offset from the first row's top, and the visible height, in px. */
  scrollTop: number;
  viewport: number;
  /** Rows rendered beyond each edge, so Tab and arrow keys reach a row before it scrolls in. */
  overscan: number;
  /** A row to keep rendered wherever the window is (the focused one). */
  pinned?: number | undefined;
}

export function computeWindow({ count, heightOf, estimate, scrollTop, viewport, overscan, pinned }: WindowInput): RowWindow {
  if (count === 0) return { start: 0, end: 0, padTop: 0, padBottom: 0 };
  let measured = 0;
  let measuredSum = 0;
  const heights = new Array<number | undefined>(count);
  for (let i = 0; i < count; i++) {
    const h = heightOf(i);
    heights[i] = h;
    if (h !== undefined) {
      measured++;
      measuredSum += h;
    }
  }
  const fallback = measured > 0 ? measuredSum / measured : estimate;
  const top = Math.max(0, scrollTop);
  const bottom = top + Math.max(0, viewport);

  let y = 0;
  let first = -1;
  let last = count - 1;
  for (let i = 0; i < count; i++) {
    const h = heights[i] ?? fallback;
    if (first < 0 && y + h > top) first = i;
    if (y >= bottom) {
      last = i - 1;
      break;
    }
    y += h;
  }
  // Scrolled past the end (the list shrank): show its tail.
  if (first < 0) first = Math.max(0, count - 1);
  last = Math.max(first, last);

  const start = Math.max(0, first - overscan);
  const end = Math.min(count, last + 1 + overscan);
  let padTop = 0;
  for (let i = 0; i < start; i++) padTop += heights[i] ?? fallback;
  let padBottom = 0;
  for (let i = end; i < count; i++) padBottom += heights[i] ?? fallback;
  if (pinned === undefined || pinned < 0 || pinned >= count || (pinned >= start && pinned < end)) return { start, end, padTop, padBottom };
  const [from, side, pad] = pinned < start ? [0, 'top' as const, padTop] : [end, 'bottom' as const, padBottom];
  let before = 0;
  for (let i = from; i < pinned; i++) before += heights[i] ?? fallback;
  const after = Math.max(0, pad - before - (heights[pinned] ?? fallback));
  return { start, end, padTop, padBottom, pin: { index: pinned, side, before, after } };
}
