import type { Project } from '../../contract/index.js';
import type { JournalEvent } from '../project/journal.js';
import { JournalState } from '../runbook/replay.js';

/**
 * Which kit target (`<release>-<dpkg arch>`) each host of the plan needs, as the last preflight run
 * read it off the host (`preflight.system`: VERSION_CODENAME, `dpkg --print-architecture`). A host
 * the preflight has not read (not run yet, unreachable, or run before it read these) is unknown:
 * the install checks it on site before its first package (kit-source).
 */
export interface KitHostCoverage {
  /** Hosts whose target the kit has. */
  covered: string[];
  /** Hosts whose target the kit lacks, with that target. */
  uncovered: { host: string; target: string }[];
  /** Hosts whose target is not known yet. */
  unknown: string[];
}

export function kitHostCoverage(project: Project, events: readonly JournalEvent[], kitTargets: readonly string[]): KitHostCoverage {
  const state = JournalState.from(events);
  const run = state.lastRun('preflight');
  const read = new Map<string, string>();
  for (const f of run?.findings ?? []) {
    if (f.code !== 'preflight.system' || !f.hostId) continue;
    const release = String(f.params?.release ?? '');
    const arch = String(f.params?.dpkgArch ?? '');
    if (release && arch) read.set(f.hostId, `${release}-${arch}`);
  }
  const out: KitHostCoverage = { covered: [], uncovered: [], unknown: [] };
  for (const h of project.hosts) {
    const label = h.name || h.address;
    const target = read.get(h.id);
    if (!target) out.unknown.push(label);
    else if (kitTargets.includes(target)) out.covered.push(label);
    else out.uncovered.push({ host: label, target });
  }
  return out;
}
