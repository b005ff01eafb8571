import { STORAGE_DISKS_STEP, type HostDisks, type Project, type RunView } from '../../../contract/index.js';
import type { ActionResult, StepModule } from '../../runbook/step-module.js';
import { diskEligibility, parseDisksCapture } from './eligibility.js';
import { DISKS_SCRIPT } from './scripts.js';

/**
 * Reading every host's disks (storage.disks): a step like the others, so the read is journaled,
 * holds the host's lock and leaves a transcript; run on demand, read-only, no findings. sudo:
 * `wipefs -n` and `smartctl -H` open the devices.
 */
export const storageDisksStep: StepModule = {
  id: STORAGE_DISKS_STEP,
  title: 'runbook.steps.storage-disks.title',
  /** Input (optional): `{ hostIds }` to read only those hosts. */
  plan(project, ctx) {
    const only = (ctx.input as { hostIds?: string[] } | undefined)?.hostIds;
    return new Map(
      project.hosts
        .filter((h) => !only || only.includes(h.id))
        .map((h) => [h.id, [{ id: 'disks', title: 'runbook.actions.storage.disks', command: { script: DISKS_SCRIPT }, sudo: true, timeoutMs: 60_000, destructive: false, capture: true }]]),
    );
  },
  evaluate: () => [],
};

/** Each host's disks with eligibility from a finished storage-disks run; a host whose read failed says why. */
export function hostDisks(project: Project, run: RunView | undefined, results: ReadonlyMap<string, ReadonlyMap<string, ActionResult>>): HostDisks[] {
  return project.hosts.flatMap((h): HostDisks[] => {
    const base = { hostId: h.id, name: h.name, address: h.address };
    const hr = run?.hosts.find((x) => x.hostId === h.id);
    const r = results.get(h.id)?.get('disks');
    if (!r && !hr) return [];
    if (!r || r.status !== 'done') {
      const why = hr?.actions.find((a) => a.actionId === 'disks')?.message ?? hr?.message ?? 'the disks could not be read';
      return [{ ...base, ok: false, reason: 'run-action-failed', params: { action: 'disks', detail: why }, message: why, mdSupported: false, disks: [] }];
    }
    try {
      const facts = parseDisksCapture(r.stdout);
      return [{ ...base, ok: true, mdSupported: facts.mdSupported, disks: diskEligibility(facts) }];
    } catch (e) {
      const why = `Unreadable lsblk output: ${(e as Error).message}`;
      return [{ ...base, ok: false, reason: 'run-action-failed', params: { action: 'disks', detail: why }, message: why, mdSupported: false, disks: [] }];
    }
  });
}
