import {
  verifyPlanSchema,
  type DrillRecord,
  type Project,
  type ReportDrill,
  type ReportStep,
  type ReportVerificationRun,
} from '../../contract/index.js';
import { listDrills } from '../drill/journal.js';

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

/** Every drill of the project folder, oldest first, as the drill engine's store replays them (an unfinished one: interrupted). */
export async function readDrills(dir: string | undefined): Promise<DrillRecord[]> {
  return dir ? listDrills(dir) : [];
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
