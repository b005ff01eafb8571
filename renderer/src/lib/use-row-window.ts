import { useCallback, useLayoutEffect, useMemo, useReducer, useState } from 'react';
import { computeWindow, WINDOW_FROM_ROWS, type RowWindow } from './row-window.js';

interface Options {
  /** One stable key per row (a host id): measured heights follow the row, not its index. */
  keys: readonly string[];
  /** A row's height before any is measured, in px. */
  estimate: number;
  overscan?: number;
  /** The key of a row to keep rendered outside the window (the row holding focus). */
  pinnedKey?: string | null;
}

export interface RowWindowState extends RowWindow {
  /** False for short lists: every row is rendered and `start`..`end` covers them all. */
  windowed: boolean;
  /** On the element that scrolls (it must have a bounded height when `windowed`). */
  setScrollBox: (el: HTMLElement | null) => void;
  /** On each rendered row, with `data-row-key` set to its key: records its height. */
  measureRow: (el: HTMLElement | null) => void;
  /** Height above the first row inside the scroller (a table's header), measured. */
  measureHead: (el: HTMLElement | null) => void;
}

/**
 * Windowing for long lists: only the rows in view (and a few beyond) are in the DOM; padding
 * stands in for the rest so the scrollbar keeps the full length. Lists of WINDOW_FROM_ROWS or
 * fewer render whole.
 */
export function useRowWindow({ keys, estimate, overscan = 8, pinnedKey = null }: Options): RowWindowState {
  const windowed = keys.length > WINDOW_FROM_ROWS;
  const [scroller, setScroller] = useState<HTMLElement | null>(null);
  const [view, setView] = useState({ top: 0, height: 900 });
  const [headHeight, setHeadHeight] = useState(0);
  const [measureTick, remeasured] = useReducer((n: number) => n + 1, 0);
  // Heights by row key, and one observer for every rendered row: a row that grows (an error
  // shown, a BMC added) moves the rows below it, so the window is computed again. The map is
  // mutated in place; `measureTick` says when it changed.
  const [{ heights, observer }] = useState(() => {
    const heights = new Map<string, number>();
    const observer =
      typeof ResizeObserver === 'undefined'
        ? null
        : new ResizeObserver((entries) => {
            let changed = false;
            for (const e of entries) {
              const el = e.target as HTMLElement;
              const key = el.dataset.rowKey;
              if (key === undefined) continue;
              const h = el.getBoundingClientRect().height;
              if (h > 0 && heights.get(key) !== h) {
                heights.set(key, h);
                changed = true;
              }
            }
            if (changed) remeasured();
          });
    return { heights, observer };
  });

  useLayoutEffect(() => {
    if (!scroller || !windowed) return;
    let frame = 0;
    // The box's geometry is read here, never in a state updater (React runs those while it
    // renders: a read there laid the whole page out inside that task, 58 ms with 100 hosts).
    const read = () => {
      frame = 0;
      const top = scroller.scrollTop;
      const height = scroller.clientHeight;
      setView((v) => (v.top === top && v.height === height ? v : { top, height }));
    };
    // One read per frame: scroll events can come faster than React renders.
    const onScroll = () => {
      if (frame === 0) frame = requestAnimationFrame(read);
    };
    scroller.addEventListener('scroll', onScroll, { passive: true });
    // Its first call comes once the box is laid out (and again whenever it resizes): the first
    // read, without forcing a layout.
    const ro = new ResizeObserver(read);
    ro.observe(scroller);
    return () => {
      scroller.removeEventListener('scroll', onScroll);
      ro.disconnect();
      if (frame !== 0) cancelAnimationFrame(frame);
    };
  }, [scroller, windowed]);

  const measureRow = useCallback(
    (el: HTMLElement | null) => {
      if (!el || !observer) return;
      observer.observe(el);
      return () => observer.unobserve(el);
    },
    [observer],
  ) as (el: HTMLElement | null) => void;

  // Read once laid out (a ResizeObserver's callback comes after layout): reading it in the ref
  // would lay the whole page out inside the task that renders it.
  const measureHead = useCallback((el: HTMLElement | null) => {
    if (!el || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(() => setHeadHeight(el.getBoundingClientRect().height));
    ro.observe(el);
    return () => ro.disconnect();
  }, []) as (el: HTMLElement | null) => void;

  const win = useMemo(() => {
    if (!windowed) return { start: 0, end: keys.length, padTop: 0, padBottom: 0 };
    void measureTick;
    const pinned = pinnedKey === null ? -1 : keys.indexOf(pinnedKey);
    return computeWindow({ count: keys.length, heightOf: (i) => heights.get(keys[i]!), estimate, scrollTop: view.top - headHeight, viewport: view.height, overscan, pinned });
  }, [windowed, keys, estimate, view, headHeight, overscan, heights, measureTick, pinnedKey]);

  return { ...win, windowed, setScrollBox: setScroller, measureRow, measureHead };
}
