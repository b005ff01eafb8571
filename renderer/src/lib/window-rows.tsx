import { useState, type FocusEvent, type ReactNode } from 'react';
import { useRowWindow, type RowWindowState } from './use-row-window.js';

/**
 * A windowed table body (issue 21): padding for the rows above the window, the rows in it, padding
 * for those below, and the pinned row (the one holding keyboard focus) with its padding split
 * around it. One keyed list, no fragments: a row keeps its place in React's tree whether it is
 * pinned or in the window, so it is never remounted (which would drop the focus it is pinned for).
 */
export function windowRows(w: RowWindowState, colSpan: number, rowOf: (index: number) => ReactNode, padTestId: string): ReactNode[] {
  const pad = (key: string, height: number) => (height > 0 ? <PadRow key={key} height={height} colSpan={colSpan} testId={padTestId} /> : null);
  const pinned = (): ReactNode[] => (w.pin ? [pad('pin-before', w.pin.before), rowOf(w.pin.index), pad('pin-after', w.pin.after)] : []);
  const rows: ReactNode[] = [];
  for (let i = w.start; i < w.end; i++) rows.push(rowOf(i));
  return [
    ...(w.pin?.side === 'top' ? pinned() : [pad('pad-top', w.padTop)]),
    ...rows,
    ...(w.pin?.side === 'bottom' ? pinned() : [pad('pad-bottom', w.padBottom)]),
  ];
}

/** The row key (`data-row-key`) of the row holding `el`, for the focus a windowed table pins. */
export const rowKeyOf = (el: EventTarget | null): string | null =>
  el instanceof HTMLElement ? (el.closest<HTMLElement>('[data-row-key]')?.dataset.rowKey ?? null) : null;

/**
 * A windowed table (one row per key, `estimate` px high until measured) and the props of the box
 * it scrolls in: spread `scrollBox(testId)` on that element. The row holding keyboard focus stays
 * rendered when it scrolls out of the window: unmounted, it would take the focus (and the
 * technician's next keystrokes, or the Retry just tabbed to) with it.
 */
export function useWindowedTable(keys: readonly string[], estimate: number) {
  const [focusedKey, setFocusedKey] = useState<string | null>(null);
  const rows = useRowWindow({ keys, estimate, pinnedKey: focusedKey });
  const scrollBox = (testId: string) => ({
    className: rows.windowed ? 'table-scroll table-windowed' : 'table-scroll',
    ref: rows.setScrollBox,
    'data-testid': testId,
    onFocus: (e: FocusEvent<HTMLElement>) => setFocusedKey(rowKeyOf(e.target)),
    onBlur: (e: FocusEvent<HTMLElement>) => {
      if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setFocusedKey(null);
    },
  });
  return { rows, scrollBox };
}

/** Stands in for rows outside the window, keeping the scrollbar's length; hidden from screen readers. */
function PadRow({ height, colSpan, testId }: { height: number; colSpan: number; testId: string }) {
  return (
    <tr aria-hidden="true" className="pad-row" data-testid={testId}>
      <td colSpan={colSpan} style={{ height, padding: 0, border: 'none' }} />
    </tr>
  );
}
