import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { drillRecordSchema, type DrillBound, type DrillFigures, type DrillKind, type DrillReason, type DrillRecord, type DrillState, type DrillTimelineEntry } from '../../contract/index.js';
import { computeFigures, type ProbeRecord } from './figures.js';

/**
 * A drill's journal, `drills/<id>.ndjson` in the project folder: a `started` line (what and where),
 * one `event` line per timeline event, an `ended` line. Each line is written and fsync'd before the
 * drill goes on, so a drill whose backend died (laptop closed, crash) is found with everything up to
 * its last step: no `ended` line = unfinished (`drill.list`'s pending) for `drill.recover`.
 */
export const DRILLS_DIR = 'drills';

export type DrillHeader = Pick<DrillRecord, 'id' | 'kind' | 'profile' | 'targetHostId' | 'vip' | 'tcpPort' | 'technician' | 'startedAt' | 'bound' | 'rtoTargetMs'>;

export type DrillLine =
  | { type: 'started'; drill: DrillHeader }
  | { type: 'event'; entry: DrillTimelineEntry }
  /** `bound`: when the drill completed it (a fenced failover's fencing, measured): the started line's otherwise. */
  | { type: 'ended'; state: DrillState; endedAt: string; figures: DrillFigures; reasons: DrillReason[]; probeLogSha256: string | null; bound?: DrillBound | null };

export const journalPath = (dir: string, id: string) => join(dir, DRILLS_DIR, `${id}.ndjson`);
export const probeLogPath = (dir: string, id: string) => join(dir, DRILLS_DIR, `${id}.probes.ndjson`);

/** Appends one line and fsyncs it (the file is opened per line: a drill writes a dozen). */
export async function appendLine(dir: string, id: string, line: DrillLine): Promise<void> {
  await mkdir(join(dir, DRILLS_DIR), { recursive: true });
  const fh = await open(journalPath(dir, id), 'a', 0o600);
  try {
    await fh.write(JSON.stringify(line) + '\n');
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export async function readProbes(dir: string, id: string): Promise<ProbeRecord[]> {
  const text = await readFile(probeLogPath(dir, id), 'utf8').catch(() => '');
  const out: ProbeRecord[] = [];
  for (const l of text.split('\n')) {
    if (!l.trim()) continue;
    try {
      const p = JSON.parse(l) as ProbeRecord;
      if (typeof p.atMs === 'number' && (p.kind === 'icmp' || p.kind === 'tcp')) out.push({ atMs: p.atMs, kind: p.kind, ok: !!p.ok, ...(p.ms !== undefined ? { ms: p.ms } : {}) });
    } catch {
      // A torn last line (the backend died mid-write): the probes before it still count.
    }
  }
  return out;
}

export async function probeLogSha256(dir: string, id: string): Promise<string | null> {
  const buf = await readFile(probeLogPath(dir, id)).catch(() => null);
  return buf ? createHash('sha256').update(buf).digest('hex') : null;
}

/** The record a journal describes. Unfinished: state `interrupted`, figures from the probe log so far. */
export function replay(lines: readonly DrillLine[], probes: readonly ProbeRecord[]): DrillRecord | null {
  const started = lines.find((l): l is Extract<DrillLine, { type: 'started' }> => l.type === 'started');
  if (!started) return null;
  const timeline = lines.filter((l): l is Extract<DrillLine, { type: 'event' }> => l.type === 'event').map((l) => l.entry);
  const ended = lines.find((l): l is Extract<DrillLine, { type: 'ended' }> => l.type === 'ended');
  return drillRecordSchema.parse({
    ...started.drill,
    ...(ended?.bound !== undefined ? { bound: ended.bound } : {}),
    endedAt: ended?.endedAt ?? null,
    state: ended?.state ?? 'interrupted',
    timeline,
    figures: ended?.figures ?? computeFigures(timeline, probes, started.drill.kind),
    reasons: ended?.reasons ?? [{ code: 'interrupted', params: {} }],
    probeLogSha256: ended?.probeLogSha256 ?? null,
  });
}

export async function readDrill(dir: string, id: string): Promise<DrillRecord | null> {
  const text = await readFile(journalPath(dir, id), 'utf8').catch(() => null);
  if (text === null) return null;
  const lines: DrillLine[] = [];
  for (const l of text.split('\n')) {
    if (!l.trim()) continue;
    try {
      lines.push(JSON.parse(l) as DrillLine);
    } catch {
      // Only a last line can be torn (every line is fsync'd before the next is written).
    }
  }
  return replay(lines, await readProbes(dir, id));
}

/** Every drill of the project, oldest first (ids sort by time: see newDrillId). */
export async function listDrills(dir: string): Promise<DrillRecord[]> {
  const names = await readdir(join(dir, DRILLS_DIR)).catch(() => [] as string[]);
  const ids = names.filter((n) => n.endsWith('.ndjson') && !n.endsWith('.probes.ndjson')).map((n) => n.slice(0, -'.ndjson'.length)).sort();
  const out: DrillRecord[] = [];
  for (const id of ids) {
    const r = await readDrill(dir, id);
    if (r) out.push(r);
  }
  return out;
}

/** `d-20261206T221500123Z-service-stop`: sortable by start, safe as a file name. */
export function newDrillId(kind: DrillKind, now = new Date()): string {
  return `d-${now.toISOString().replace(/[-:.]/g, '')}-${kind}`;
}

export type { DrillBound };
