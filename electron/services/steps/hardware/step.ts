import type { HardwareFacts, Project } from '../../../contract/index.js';
import type { Finding, StepModule, StepProfile, StepResults } from '../../runbook/step-module.js';
import { COLLECT_SCRIPT, factsFromOutput } from './collect.js';
import { evaluateHardware } from './evaluate.js';
import { isLabNode, smbiosIdentity } from './lab-node.js';
import { PROFILES } from './profiles.js';

export const profileOf = (project: Project) => PROFILES[project.hardwareProfile ?? 'default'];

/** The confirmation that goes with the project's profile, if it is for that profile. */
export function labConfirmationOf(project: Project) {
  const c = project.hardwareProfileConfirmation;
  return c && c.profile === profileOf(project).id ? c : undefined;
}

/**
 * The lab profile on hosts that are not lab nodes: blocking unless the technician confirmed it
 * for that host (then recorded as info), so a real server never passes on lab thresholds unseen.
 */
export function labProfileFindings(project: Project, facts: HardwareFacts[]): Finding[] {
  if (profileOf(project).id !== 'lab') return [];
  const confirmed = labConfirmationOf(project);
  const out: Finding[] = [];
  for (const h of project.hosts) {
    const f = facts.find((x) => x.hostId === h.id);
    if (!f || isLabNode(f)) continue;
    const label = f.hostname || h.name || h.address;
    const system = smbiosIdentity(f) ?? 'unknown';
    if (confirmed?.hosts.includes(h.id)) {
      out.push({
        severity: 'info', hostId: h.id, code: 'profile.lab-confirmed', params: { host: label, system, technician: confirmed.technician },
        message: `${label}: not a lab node (SMBIOS: ${system}); the lab profile was applied as confirmed by ${confirmed.technician}`,
        remediation: 'Recorded for the report.',
      });
    } else {
      out.push({
        severity: 'blocking', hostId: h.id, code: 'profile.lab-not-lab-node', params: { host: label, system },
        message: `${label}: not a lab node (SMBIOS: ${system}), and the lab profile was not confirmed for it`,
        remediation: 'Choose the default or production profile, or choose the lab profile again and confirm it for this host.',
      });
    }
  }
  return out;
}

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
    const facts = factsFromResults(results, project);
    return [...evaluateHardware(project.hosts, facts, profileOf(project)), ...labProfileFindings(project, facts)];
  },

  profile(project): StepProfile {
    const p = profileOf(project);
    const confirmation = labConfirmationOf(project);
    return {
      id: p.id,
      thresholds: { includeLoopDisks: p.includeLoopDisks, ...p.roles },
      ...(confirmation ? { confirmation: { technician: confirmation.technician, at: confirmation.at, hosts: confirmation.hosts } } : {}),
    };
  },
};
