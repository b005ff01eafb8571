import type { storageRequests } from '../../contract/channels/storage.js';
import {
  err,
  ok,
  STORAGE_DISKS_STEP,
  validateStoragePlan,
  type FieldIssue,
  type HostDisks,
  type HostStorageStatus,
  type Project,
  type StorageIssue,
} from '../../contract/index.js';
import { readJournal } from '../project/journal.js';
import { openProject, updateProject } from '../project/project-store.js';
import { JournalState } from '../runbook/replay.js';
import type { ReachSettings } from '../ssh/target.js';
import { hostDisks, plannedHosts, plannedVolumes, readStatusCapture, STATUS_SCRIPT } from '../steps/storage/index.js';
import type { HandlersFor } from './dispatcher.js';
import type { HandlerContext, SharedServices } from './handlers.js';

/**
 * Storage step (issue 17). Reading disks runs the on-demand step storage-disks through the runner
 * (journaled, locked, recorded); applying the plan is the runner's step `storage`. The status
 * read is polled by the UI every few seconds for the resync bar, so it goes straight over the
 * SSH pool, read-only, and is not journaled.
 */
export function createStorageHandlers(ctx: HandlerContext, shared: SharedServices): HandlersFor<keyof typeof storageRequests> {
  const reachOf = (project: Project): ReachSettings => ({
    ...(project.bastion ? { bastion: project.bastion } : {}),
    ...(project.hostKeyPolicy ? { hostKeyPolicy: project.hostKeyPolicy } : {}),
  });

  /** The disks as the last storage-disks run read them (for validating a plan), if any. */
  async function disksLastRead(dir: string, project: Project): Promise<HostDisks[] | undefined> {
    const events = await readJournal(dir);
    if (!events.ok) return undefined;
    const state = JournalState.from(events.value);
    const run = state.lastRun(STORAGE_DISKS_STEP);
    if (!run) return undefined;
    return hostDisks(project, state.runView(run.runId, { hosts: new Map() }), state.results(run.runId));
  }

  const toFieldIssues = (project: Project, issues: StorageIssue[]): FieldIssue[] =>
    issues.map((i) => ({
      row: i.hostId ? project.hosts.findIndex((h) => h.id === i.hostId) + 1 : 0,
      field: i.field,
      message: i.message,
      code: `storage.issue.${i.code}`,
      ...(i.params ? { params: i.params } : {}),
    }));

  return {
    'storage.disks': async ({ dir }) => {
      const opened = await openProject(dir);
      if (!opened.ok) return opened;
      const started = await shared.runbook.start(dir, STORAGE_DISKS_STEP, {});
      if (!started.ok) return started;
      const view = await shared.runbook.whenDone(started.value.runId);
      const events = await readJournal(dir);
      if (!events.ok) return events;
      const state = JournalState.from(events.value);
      return ok({ hosts: hostDisks(opened.value.project, view, state.results(started.value.runId)) });
    },

    'storage.savePlan': async ({ dir, plan }) => {
      const opened = await openProject(dir);
      if (!opened.ok) return opened;
      const read = await disksLastRead(dir, opened.value.project);
      const saved = await updateProject(dir, (project) => {
        const issues = validateStoragePlan(plan, project.hosts, read, project.storage);
        if (issues.length) {
          return err('validation-failed', `The storage plan has ${issues.length} problem(s); nothing was saved`, 'Fix the listed fields, then save again.', toFieldIssues(project, issues));
        }
        return { ...project, storage: plan };
      });
      return saved.ok ? ok({ path: saved.value.path, revision: saved.value.revision }) : saved;
    },

    'storage.status': async ({ dir }) => {
      const opened = await openProject(dir);
      if (!opened.ok) return opened;
      const project = opened.value.project;
      const plan = project.storage;
      const reach = reachOf(project);
      const hosts = await Promise.all(
        plannedHosts(project).map(async ({ host, hp }): Promise<HostStorageStatus> => {
          const base = { hostId: host.id, name: host.name };
          const layout = plan!.layout;
          const r = await shared.pool.forHost(host, reach).run(
            { script: STATUS_SCRIPT, args: [layout.arrayName, ...plannedVolumes(layout).map((v) => v.mountPoint)] },
            { sudo: true, timeoutMs: 30_000 },
          );
          if (r.status !== 'ok') {
            ctx.log.info('storage status read failed', { hostId: host.id, status: r.status });
            return { ...base, ok: false, reason: 'conn-command-failed', params: { detail: r.message }, arrays: [] };
          }
          const s = readStatusCapture(r.stdout, hp, layout);
          return { ...base, ok: true, arrays: s.array ? [s.array] : [] };
        }),
      );
      return ok({ hosts, at: new Date().toISOString() });
    },
  };
}
