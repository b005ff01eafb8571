import type { HardwareFacts, Project } from '../../../contract/index.js';
import type { JournalEvent } from '../../project/journal.js';
import type { Finding, StepModule, StepProfile, StepResults } from '../../runbook/step-module.js';
import { COLLECT_SCRIPT, factsFromOutput } from './collect.js';
import { evaluateHardware } from './evaluate.js';
import { isLabNode, smbiosIdentity } from './lab-node.js';
import { defaultBuiltinProfilesDir, ProfileLibrary } from './profile-files.js';
import type { HardwareProfile } from './profiles.js';

/** The profile id a project names (absent: "default"), whether or not such a profile is loaded. */
export const profileIdOf = (project: Project) => project.hardwareProfile ?? 'default';

/** The project's profile as the files say now; undefined when no loaded profile has that id. */
export const profileOf = (project: Project, library: ProfileLibrary): HardwareProfile | undefined => library.get(profileIdOf(project));

/** The confirmation that goes with the project's profile, if it is for that profile. */
export function labConfirmationOf(project: Project) {
  const c = project.hardwareProfileConfirmation;
  return c && c.profile === profileIdOf(project) ? c : undefined;
}

/** A project naming a profile no file defines (renamed, deleted, or from another laptop). */
function unknownProfileFinding(project: Project, library: ProfileLibrary): Finding {
  const profile = profileIdOf(project);
  const known = library.load().profiles.map((p) => p.id).join(', ');
  return {
    severity: 'blocking', code: 'profile.unknown', params: { profile, known },
    message: `The project's hardware profile "${profile}" is not among the loaded profiles (${known})`,
    remediation: 'Choose one of the listed profiles, or put the profile file back into the profiles folder.',
  };
}

/**
 * The lab profile on hosts that are not lab nodes: blocking unless the technician confirmed it
 * for that host (then recorded as info), so a real server never passes on lab thresholds unseen.
 */
export function labProfileFindings(project: Project, facts: HardwareFacts[]): Finding[] {
  if (profileIdOf(project) !== 'lab') return [];
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

/**
 * Whether a run counted loop devices as disks, as journaled with it: its facts read the same
 * whatever the profile files say today. Runs journaled before profiles were: only the lab did.
 */
export function loopDisksOfRun(events: readonly JournalEvent[], runId: string, project: Project): { includeLoopDisks: boolean } {
  const start = events.find((e) => e.type === 'run-started' && e.runId === runId);
  const profile = start?.type === 'run-started' ? start.profile : undefined;
  return { includeLoopDisks: profile ? profile.thresholds.includeLoopDisks === true : project.hardwareProfile === 'lab' };
}

/** The facts of every host whose collection finished, parsed from the captured output. */
export function factsFromResults(results: StepResults, project: Project, profile: Pick<HardwareProfile, 'includeLoopDisks'> | undefined): HardwareFacts[] {
  const includeLoopDisks = profile?.includeLoopDisks ?? false;
  const out: HardwareFacts[] = [];
  for (const host of project.hosts) {
    const r = results.get(host.id)?.get('collect');
    if (r && (r.status === 'done' || r.status === 'already-done') && r.stdout) {
      out.push(factsFromOutput(host.id, r.stdout, { includeLoopDisks }, host.user === 'root' || r.exitCode === 0));
    }
  }
  return out;
}

/**
 * Hardware checks (wizard step 2): one read-only collection per host, all hosts in parallel over
 * their one connection, then every host against its role's thresholds in the project's profile
 * (read from the profile files each time: `library`), and the hosts against each other.
 */
export function createHardwareStep(library: ProfileLibrary): StepModule {
  return {
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
      const profile = profileOf(project, library);
      if (!profile) return [unknownProfileFinding(project, library)];
      const facts = factsFromResults(results, project, profile);
      return [...evaluateHardware(project.hosts, facts, profile), ...labProfileFindings(project, facts)];
    },

    profile(project): StepProfile {
      const p = profileOf(project, library);
      const confirmation = labConfirmationOf(project);
      return {
        id: profileIdOf(project),
        // An unknown profile applies no thresholds (the run's finding says so).
        thresholds: p ? { includeLoopDisks: p.includeLoopDisks, ...p.roles } : {},
        ...(confirmation ? { confirmation: { technician: confirmation.technician, at: confirmation.at, hosts: confirmation.hosts } } : {}),
      };
    },
  };
}

/** The step with the built-in profiles only, for listings that need its id and title (the report). */
export const hardwareStep: StepModule = createHardwareStep(new ProfileLibrary({ builtin: defaultBuiltinProfilesDir() }));
