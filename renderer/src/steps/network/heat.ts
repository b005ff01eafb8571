import type { MatrixCell } from '../../../../electron/contract/index.js';

/**
 * Above this many hosts the node-to-node matrix is a heat map: 12 hosts make 132 text cells that
 * still fit 1440 px; 100 hosts would make 9,900, each three lines of text.
 */
export const HEAT_MAP_FROM_HOSTS = 13;

export const HEAT_KINDS = ['fast', 'ok', 'slow', 'warning', 'blocking', 'unknown'] as const;
export type HeatKind = (typeof HEAT_KINDS)[number];

/**
 * A cell's colour class: failures first (a blocking or warning cell is never hidden by a good
 * round trip), then ok cells by average round trip, since on one switch a slow pair is the
 * thing to look at.
 */
export function heatKind(c: Pick<MatrixCell, 'status' | 'rttAvgMs' | 'lossPct'> | undefined): HeatKind {
  if (!c || c.status === 'unknown') return 'unknown';
  if (c.status === 'blocking') return 'blocking';
  if (c.status === 'warning' || (c.lossPct ?? 0) > 0) return 'warning';
  if (c.rttAvgMs === undefined) return 'ok';
  if (c.rttAvgMs <= 1) return 'fast';
  if (c.rttAvgMs <= 5) return 'ok';
  return 'slow';
}

/** Canvas colours, readable on the light and the dark theme alike. */
export const HEAT_COLOURS: Record<HeatKind | 'self', string> = {
  fast: '#2f9e44',
  ok: '#8bc34a',
  slow: '#d4c52a',
  warning: '#f08c00',
  blocking: '#e03131',
  unknown: '#868e96',
  self: '#dee2e6',
};

/** The cells by "from to" host ids: the lookup a 100×100 matrix does 9,900 times per draw. */
export function indexCells(cells: readonly MatrixCell[]): Map<string, MatrixCell> {
  return new Map(cells.map((c) => [`${c.from}\n${c.to}`, c]));
}

export const cellKey = (from: string, to: string) => `${from}\n${to}`;
