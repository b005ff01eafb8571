import type { HardwareFacts, Project } from '../../contract/index.js';
import type { Finding, StepModule, StepResults } from '../runbook/step-module.js';
import { COLLECT_SCRIPT, factsFromOutput } from './collect.js';
import { evaluateHardware } from './evaluate.js';
import { PROFILES } from './profiles.js';

export const profileOf = (project: Project) => PROFILES[project.hardwareProfile ?? 'default'];

/** The facts of every host whose collection finished, parsed from the captured output. */
export function factsFromResults(results: StepResults, project: Project): HardwareFacts[] {
  const profile = profileOf(project);
  const out: HardwareFacts[] = [];
  for (const host of project.hosts) {
    const r = results.get(host.id)?.get('collect');
    if (r && (r.status === 'done' || r.status === 'already-done') && r.stdout) {
      out.push(factsFromOutput(host.id, r.stdout, { includeLoopDisks: profile.includeLoopDisks }, host.user === 'root' || r.exitCode === 0));
    }
  }
  return out;
}

/**
 * Hardware checks (wizard step 2): one read-only collection per host, all hosts in parallel over
 * their one connection, then every host against its role's thresholds in the project's profile,
 * and the hosts against each other.
 */
export const hardwareStep: StepModule = {
  id: 'hardware',
  title: 'runbook.steps.hardware.title',

  plan(project) {
    return new Map(
      project.hosts.map((h) => [
        h.id,
        [
          {
            id: 'collect',
            title: 'hardware.actions.collect',
            command: { script: COLLECT_SCRIPT },
            // dmidecode and smartctl need root.
            sudo: h.user !== 'root',
            timeoutMs: 120_000,
            destructive: false,
            capture: true,
          },
        ],
      ]),
    );
  },

  evaluate(results, project): Finding[] {
    return evaluateHardware(project.hosts, factsFromResults(results, project), profileOf(project));
  },
};
