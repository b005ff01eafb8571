import { describe, expect, it } from 'vitest';
import { cellKey, heatKind, indexCells } from './heat.js';

describe('heatKind', () => {
  it('shows failures before round trips', () => {
    expect(heatKind({ status: 'blocking', rttAvgMs: 0.2 })).toBe('blocking');
    expect(heatKind({ status: 'warning', rttAvgMs: 0.2 })).toBe('warning');
    expect(heatKind({ status: 'ok', rttAvgMs: 0.2, lossPct: 10 })).toBe('warning');
  });

  it('grades ok cells by average round trip', () => {
    expect(heatKind({ status: 'ok', rttAvgMs: 0.3 })).toBe('fast');
    expect(heatKind({ status: 'ok', rttAvgMs: 3 })).toBe('ok');
    expect(heatKind({ status: 'ok', rttAvgMs: 12 })).toBe('slow');
    expect(heatKind({ status: 'ok' })).toBe('ok');
  });

  it('a missing or unknown cell is unknown', () => {
    expect(heatKind(undefined)).toBe('unknown');
    expect(heatKind({ status: 'unknown' })).toBe('unknown');
  });
});

describe('indexCells', () => {
  it('finds a cell by its pair, in its direction', () => {
    const a = { from: 'a', to: 'b', status: 'ok' as const, ports: {}, notes: [] };
    const m = indexCells([a, { ...a, from: 'b', to: 'a', status: 'blocking' as const }]);
    expect(m.get(cellKey('a', 'b'))?.status).toBe('ok');
    expect(m.get(cellKey('b', 'a'))?.status).toBe('blocking');
  });
});
