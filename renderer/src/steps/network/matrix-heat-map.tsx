import { useEffect, useMemo, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { MatrixCell, MatrixView } from '../../../../electron/contract/index.js';
import { matrixCellNotes, matrixPorts } from '../../lib/format-issue.js';
import { cellKey, HEAT_COLOURS, HEAT_KINDS, heatKind, indexCells, type HeatKind } from './heat.js';

/** Problem pairs listed as buttons under the map (the keyboard's and screen reader's way in). */
const LIST_MAX = 40;

const fmt = (n: number | undefined) => (n === undefined ? '—' : n >= 100 ? n.toFixed(0) : n.toFixed(2));

/**
 * The node-to-node matrix of a large cluster: one coloured square per pair on a canvas (9,900
 * squares are one element, not 9,900 table cells), the problem pairs listed, and one pair's
 * numbers at a time on click, Enter or from the list.
 */
export function MatrixHeatMap({ matrix }: { matrix: MatrixView }) {
  const { t } = useTranslation();
  const n = matrix.hosts.length;
  const cells = useMemo(() => indexCells(matrix.cells), [matrix.cells]);
  const size = Math.max(4, Math.min(14, Math.floor(720 / n)));
  const canvas = useRef<HTMLCanvasElement>(null);
  const [cursor, setCursor] = useState<{ row: number; col: number }>({ row: 0, col: 1 });
  const [picked, setPicked] = useState<{ row: number; col: number } | null>(null);

  const counts = useMemo(() => {
    const c: Record<HeatKind, number> = { fast: 0, ok: 0, slow: 0, warning: 0, blocking: 0, unknown: 0 };
    const problems: { row: number; col: number; cell: MatrixCell | undefined; kind: HeatKind }[] = [];
    matrix.hosts.forEach((from, row) =>
      matrix.hosts.forEach((to, col) => {
        if (row === col) return;
        const cell = cells.get(cellKey(from.hostId, to.hostId));
        const kind = heatKind(cell);
        c[kind]++;
        if (kind === 'blocking' || kind === 'warning' || kind === 'unknown') problems.push({ row, col, cell, kind });
      }),
    );
    const rank = { blocking: 0, warning: 1, unknown: 2 } as Record<HeatKind, number>;
    problems.sort((a, b) => rank[a.kind] - rank[b.kind]);
    return { c, problems };
  }, [matrix.hosts, cells]);

  useEffect(() => {
    const el = canvas.current;
    const ctx = el?.getContext('2d');
    if (!el || !ctx) return;
    const dpr = window.devicePixelRatio || 1;
    el.width = n * size * dpr;
    el.height = n * size * dpr;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    for (let row = 0; row < n; row++) {
      for (let col = 0; col < n; col++) {
        const kind = row === col ? 'self' : heatKind(cells.get(cellKey(matrix.hosts[row]!.hostId, matrix.hosts[col]!.hostId)));
        ctx.fillStyle = HEAT_COLOURS[kind];
        ctx.fillRect(col * size, row * size, size - (size > 5 ? 1 : 0), size - (size > 5 ? 1 : 0));
      }
    }
    for (const [p, colour] of [[cursor, '#1c7ed6'], [picked, '#000000']] as const) {
      if (!p) continue;
      ctx.strokeStyle = colour;
      ctx.lineWidth = 2;
      ctx.strokeRect(p.col * size + 1, p.row * size + 1, size - 2, size - 2);
    }
  }, [matrix.hosts, cells, n, size, cursor, picked]);

  const at = (e: MouseEvent<HTMLCanvasElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    const col = Math.floor(((e.clientX - r.left) / r.width) * n);
    const row = Math.floor(((e.clientY - r.top) / r.height) * n);
    return row >= 0 && row < n && col >= 0 && col < n && row !== col ? { row, col } : null;
  };
  const onKey = (e: KeyboardEvent<HTMLCanvasElement>) => {
    const move: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    const d = move[e.key];
    if (d) {
      e.preventDefault();
      setCursor((c) => ({ row: Math.min(n - 1, Math.max(0, c.row + d[0])), col: Math.min(n - 1, Math.max(0, c.col + d[1])) }));
    } else if ((e.key === 'Enter' || e.key === ' ') && cursor.row !== cursor.col) {
      e.preventDefault();
      setPicked(cursor);
    }
  };
  const name = (i: number) => matrix.hosts[i]!.name || matrix.hosts[i]!.address;

  return (
    <div className="net-heat" data-testid="matrix-heat-map" data-hosts={n}>
      <p className="small" data-testid="matrix-heat-summary">
        {t('network.matrix.heat.summary', { hosts: n, pairs: n * (n - 1), blocking: counts.c.blocking, warning: counts.c.warning, unknown: counts.c.unknown })}
      </p>
      <ul className="net-heat-legend">
        {HEAT_KINDS.map((k) => (
          <li key={k} data-testid="matrix-heat-legend" data-kind={k} data-count={counts.c[k]}>
            <span className="net-heat-swatch" style={{ background: HEAT_COLOURS[k] }} aria-hidden="true" />
            {t(`network.matrix.heat.kind.${k}`)} ({counts.c[k]})
          </li>
        ))}
      </ul>
      <div className="net-heat-body">
        <canvas
          ref={canvas}
          data-testid="matrix-heat-canvas"
          data-cell-size={size}
          className="net-heat-canvas"
          style={{ width: n * size, height: n * size }}
          tabIndex={0}
          role="img"
          aria-label={t('network.matrix.heat.canvasLabel', { hosts: n })}
          title={t('network.matrix.heat.hint')}
          onClick={(e) => {
            const p = at(e);
            if (p) {
              setPicked(p);
              setCursor(p);
            }
          }}
          onKeyDown={onKey}
        />
        <div className="net-heat-side">
          <PairDetail matrix={matrix} cells={cells} pair={picked} />
          {counts.problems.length > 0 ? (
            <>
              <h3>{t('network.matrix.heat.problems', { count: counts.problems.length })}</h3>
              <ul className="net-heat-problems" data-testid="matrix-heat-problems">
                {counts.problems.slice(0, LIST_MAX).map((p) => (
                  <li key={`${p.row}:${p.col}`}>
                    <button type="button" className="link-button" data-testid="matrix-heat-problem" data-kind={p.kind} onClick={() => setPicked({ row: p.row, col: p.col })}>
                      <span className="net-heat-swatch" style={{ background: HEAT_COLOURS[p.kind] }} aria-hidden="true" />
                      {name(p.row)} → {name(p.col)}: {t(`network.matrix.heat.kind.${p.kind}`)}
                    </button>
                  </li>
                ))}
              </ul>
              {counts.problems.length > LIST_MAX ? <p className="muted small">{t('network.matrix.heat.more', { count: counts.problems.length - LIST_MAX })}</p> : null}
            </>
          ) : null}
        </div>
      </div>
    </div>
  );
}

function PairDetail({ matrix, cells, pair }: { matrix: MatrixView; cells: Map<string, MatrixCell>; pair: { row: number; col: number } | null }) {
  const { t } = useTranslation();
  if (!pair) {
    return (
      <p className="muted small" data-testid="matrix-pair-none">
        {t('network.matrix.heat.pick')}
      </p>
    );
  }
  const from = matrix.hosts[pair.row]!;
  const to = matrix.hosts[pair.col]!;
  const c = cells.get(cellKey(from.hostId, to.hostId));
  const notes = c ? [...matrixCellNotes(t, c), matrixPorts(t, c.ports)].filter(Boolean) : [];
  return (
    <div className="net-heat-detail" data-testid="matrix-pair" data-from={from.hostId} data-to={to.hostId} data-status={c?.status ?? 'unknown'} aria-live="polite">
      <h3>
        <span title={`${from.name} ${from.address}`}>{from.name}</span> → <span title={`${to.name} ${to.address}`}>{to.name}</span>
      </h3>
      <p className="muted small mono">
        {from.address} → {to.address}
      </p>
      {c ? (
        <dl className="net-heat-numbers">
          <dt>{t('network.matrix.heat.status')}</dt>
          <dd data-testid="matrix-pair-status">{t(`network.matrix.heat.kind.${heatKind(c)}`)}</dd>
          <dt>{t('network.matrix.heat.rtt')}</dt>
          <dd data-testid="matrix-pair-rtt">
            {fmt(c.rttAvgMs)} / {fmt(c.rttMaxMs)} ms
          </dd>
          <dt>{t('network.matrix.heat.lossLabel')}</dt>
          <dd data-testid="matrix-pair-loss">{t('network.matrix.loss', { loss: c.lossPct ?? '—' })}</dd>
          <dt>MTU</dt>
          <dd>{c.mtuOk === undefined ? '—' : c.mtuOk ? `✓ ${c.mtuPayload ?? ''}` : `✗ ${c.mtuPayload ?? ''}`}</dd>
        </dl>
      ) : (
        <p data-testid="matrix-pair-status">{t('network.matrix.heat.kind.unknown')}</p>
      )}
      {notes.length > 0 ? (
        <ul className="small" data-testid="matrix-pair-notes">
          {notes.map((x, i) => (
            <li key={i}>{x}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
