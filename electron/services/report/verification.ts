import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  drillRecordSchema,
  VERIFICATION_STEP,
  verifyPlanSchema,
  type DrillRecord,
  type Project,
  type ReportDrill,
  type ReportStep,
  type ReportVerificationRun,
} from '../../contract/index.js';

/**
 * The report's verification section from the `verification` step as the report already read it
 * (its findings with measured value, threshold and waiver): every check of the last run with its
 * result, and the plan it was held to.
 */
export function verificationOf(project: Project, step: ReportStep | undefined): ReportVerificationRun {
  const plan = verifyPlanSchema.parse(project.verify ?? {});
  if (!step || step.runId === null) {
    return { runId: null, status: 'not-run', finishedAt: null, passed: false, plan, checks: [] };
  }
  return {
    runId: step.runId,
    status: step.status,
    finishedAt: step.finishedAt,
    passed: step.passed,
    plan,
    checks: step.findings.map((f) => ({
      key: f.key,
      code: f.code,
      hostId: f.hostId,
      message: f.message,
      ...(f.params ? { params: f.params } : {}),
      severity: f.severity,
      measured: f.measured,
      threshold: f.threshold,
      result: f.severity === 'info' ? 'pass' : f.severity === 'warning' ? 'warning' : f.waiver ? 'waived' : 'fail',
      waiver: f.waiver,
    })),
  };
}

/** Where drills are journaled in the project folder (contract/drill.ts). */
export const DRILLS_DIR = 'drills';

/**
 * Every drill of the project folder, oldest first. Reads `drills/<id>.ndjson` as the contract
 * describes it (one JSON line per event) and keeps, per file, the last line that is a whole
 * drill record — bare or under `record` — so a drill cut short still shows as far as it got.
 * Probe logs (`*.probes.ndjson`) and unreadable files are skipped: the report must still build.
 *
 * A reader of the report's own until the drill engine's store (electron/services/drill/) exists.
 */
export async function readDrills(dir: string | undefined): Promise<DrillRecord[]> {
  if (!dir) return [];
  let names: string[];
  try {
    names = await readdir(join(dir, DRILLS_DIR));
  } catch {
    return [];
  }
  const out: DrillRecord[] = [];
  for (const name of names.filter((n) => n.endsWith('.ndjson') && !n.endsWith('.probes.ndjson')).sort()) {
    let text: string;
    try {
      text = await readFile(join(dir, DRILLS_DIR, name), 'utf8');
    } catch {
      continue;
    }
    let last: DrillRecord | null = null;
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      let v: unknown;
      try {
        v = JSON.parse(line);
      } catch {
        // A line torn by a crash mid-write: the lines before it still stand.
        continue;
      }
      const direct = drillRecordSchema.safeParse(v);
      const nested = direct.success ? direct : drillRecordSchema.safeParse((v as { record?: unknown } | null)?.record);
      if (nested.success) last = nested.data;
    }
    if (last) out.push(last);
  }
  return out.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}

/** A drill with its RTO compared to the expected bound and to the customer's RTO. */
export function reportDrillOf(d: DrillRecord): ReportDrill {
  const rto = d.figures.rtoMs;
  return {
    ...d,
    rtoWithinBound: rto === null || !d.bound ? null : rto <= d.bound.boundMs,
    rtoWithinTarget: rto === null ? null : rto <= d.rtoTargetMs,
  };
}
