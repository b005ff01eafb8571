import type { clusterRequests } from '../../contract/channels/cluster.js';
import { because, CLUSTER_LEAVE_STEP, err, MASTER_INSTALL_STEP, ok, WORKER_JOIN_STEP } from '../../contract/index.js';
import { readJournal } from '../project/journal.js';
import { openProject } from '../project/project-store.js';
import { JournalState } from '../runbook/replay.js';
import { clusterMembers, leaveOutcome } from '../steps/join/members.js';
import { profileById } from '../steps/master/index.js';
import type { HandlersFor } from './dispatcher.js';
import type { SharedServices } from './handlers.js';

/**
 * Removing a cluster node (issue 19). Membership is read from the journal; leaving runs the
 * on-demand step `cluster-leave` through the runner (journaled, locked, recorded, like the storage
 * step's `storage-disks`) and answers when the run has ended.
 */
export function createClusterHandlers(shared: Pick<SharedServices, 'runbook'>): HandlersFor<keyof typeof clusterRequests> {
  return {
    'cluster.members': async ({ dir }) => {
      const opened = await openProject(dir);
      // No saved project yet: nothing was built, so nothing to leave.
      if (!opened.ok) return opened.error.code === 'not-found' ? ok({ profile: '', members: [] }) : opened;
      const project = opened.value.project;
      const profileId = project.install?.profile ?? 'base';
      const events = await readJournal(dir);
      if (!events.ok) return events;
      const state = JournalState.from(events.value);
      const members = clusterMembers(project, { join: state.lastRun(WORKER_JOIN_STEP), master: state.lastRun(MASTER_INSTALL_STEP) }, !!profileById(profileId)?.leave);
      return ok({ profile: profileId, members });
    },

    'cluster.leave': async ({ dir, hostId }) => {
      const opened = await openProject(dir);
      if (!opened.ok) return opened;
      const host = opened.value.project.hosts.find((h) => h.id === hostId);
      if (!host) {
        return because(err('not-found', `Host ${hostId} is not in the saved inventory`, 'Save the project, then remove the host again.'), 'cluster-host-unknown', { hostId });
      }
      const label = host.name || host.address;
      // Both profiles run the cluster's side of every change on the first master (Slurm's
      // controller, Pacemaker's node additions and removals): it cannot leave. Said here, in the
      // technician's language, before anything is planned.
      const project = opened.value.project;
      const firstMaster = project.hosts.find((h) => h.role === 'master');
      if (firstMaster?.id === hostId && profileById(project.install?.profile ?? 'base')?.leave) {
        return because(err('unsupported', `${label} cannot leave the cluster: it is the first master, which runs the cluster's side of every change`, 'Keep this host, or rebuild the cluster without it.'),
          'cluster-leave-first-master', { host: label });
      }
      const input = { hostId };
      // The technician confirmed the removal in the dialog, which says what leaving does.
      const planned = await shared.runbook.plan(dir, CLUSTER_LEAVE_STEP, input);
      // The leave was not planned (a refusal of the profile, an install plan no longer valid): said
      // as this host's refusal, with the planner's cause and rows, so the dialog words them all.
      if (!planned.ok) {
        if (planned.error.reason !== 'run-plan-failed' && planned.error.reason !== 'run-plan-refused') return planned;
        const { step: _step, ...inner } = planned.error.params ?? {};
        const detail = String(inner.detail ?? planned.error.message);
        return because(err('unsupported', `${label} cannot leave the cluster: ${detail}`, 'Correct what is named and remove the host again; if it cannot be corrected, keep this host, or rebuild the cluster without it.', planned.error.issues),
          'cluster-leave-refused', { ...inner, host: label, detail });
      }
      const changes = planned.value.plan.changes.map((c) => c.change);
      const started = await shared.runbook.start(dir, CLUSTER_LEAVE_STEP, {
        input,
        ...(changes.length > 0 ? { confirmation: { planHash: planned.value.plan.planHash, changes } } : {}),
      });
      if (!started.ok) return started;
      const runId = started.value.runId;
      let view = await shared.runbook.whenDone(runId);
      // A run that ended before whenDone was asked (an empty plan) is read back from the journal.
      if (!view) {
        const events = await readJournal(dir);
        if (events.ok) view = JournalState.from(events.value).runView(runId, { hosts: new Map() });
      }
      return leaveOutcome(view, runId, label);
    },
  };
}
