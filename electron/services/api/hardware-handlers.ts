import type { hardwareRequests } from '../../contract/channels/hardware.js';
import { ok } from '../../contract/index.js';
import { isLabNode } from '../steps/hardware/lab-node.js';
import { factsFromResults, loopDisksOfRun, profileIdOf } from '../steps/hardware/step.js';
import { readJournal } from '../project/journal.js';
import { openProject } from '../project/project-store.js';
import { JournalState } from '../runbook/replay.js';
import type { HandlersFor } from './dispatcher.js';
import type { SharedServices } from './handlers.js';

/** Hardware table data: parsed from what the last Hardware run captured (in the journal). */
export function createHardwareHandlers(shared: Pick<SharedServices, 'profiles'>): HandlersFor<keyof typeof hardwareRequests> {
  return {
    'hardware.profiles': async () => {
      const { profiles, errors } = shared.profiles.load();
      return ok({ profiles, errors, companyDir: shared.profiles.dirs.company ?? '' });
    },
    'hardware.facts': async ({ dir }) => {
      const opened = await openProject(dir);
      if (!opened.ok) return opened;
      const events = await readJournal(dir);
      if (!events.ok) return events;
      const project = opened.value.project;
      const state = JournalState.from(events.value);
      const run = state.lastRun('hardware');
      const facts = run ? factsFromResults(state.results(run.runId), project, loopDisksOfRun(events.value, run.runId, project)) : [];
      return ok({ profile: profileIdOf(project), runId: run?.runId ?? null, facts, labHosts: facts.filter((f) => isLabNode(f)).map((f) => f.hostId) });
    },
  };
}
