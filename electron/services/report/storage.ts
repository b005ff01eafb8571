import { STORAGE_STEP, type ArrayStatus, type HostStoragePlan, type Project, type ReportStorage, type StorageLayout } from '../../contract/index.js';
import type { JournalState } from '../runbook/replay.js';

/** The `status` action's captured stdout as the contract's ArrayStatus (the storage step's own parser). */
export type ArrayStatusReader = (stdout: string, planned: HostStoragePlan, layout: StorageLayout) => ArrayStatus | null;

/** The action of step `storage` whose capture holds each host's array as it was at the end of the run. */
export const STORAGE_STATUS_ACTION = 'status';

/**
 * The report's storage section: the plan as saved, and per planned host its array as the last
 * `storage` run's `status` action read it. The array comes from what that run captured on the
 * host, not from the plan, so the report shows what was built (a pulled disk, a resync in
 * progress, a missing mount) rather than what was meant.
 */
export function storageOf(project: Project, state: JournalState, read: ArrayStatusReader): ReportStorage {
  const plan = project.storage ?? null;
  const run = state.lastRun(STORAGE_STEP);
  const base = { plan, runId: run?.runId ?? null, finishedAt: run?.finishedAt ?? null };
  if (!plan || plan.mode === 'none') return { ...base, hosts: [] };
  const results = run ? state.results(run.runId) : new Map();
  const hosts = plan.hosts
    .filter((h) => h.disks.length > 0)
    .map((h) => {
      const status = results.get(h.hostId)?.get(STORAGE_STATUS_ACTION);
      // A capture that completed (read-only: done, or already-done on a resume); anything else was not read.
      const array = status && (status.status === 'done' || status.status === 'already-done') && status.stdout ? read(status.stdout, h, plan.layout) : null;
      return { hostId: h.hostId, plannedSerials: h.disks.map((d) => d.serial), array };
    });
  return { ...base, hosts };
}
