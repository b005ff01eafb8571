import {
  PROJECT_VERSION,
  validateHosts,
  type AppError,
  type ConnectionResult,
  type Host,
  type RacksideApi,
} from '../../../../electron/contract/index.js';
import { draftToHostInput } from '../../lib/host-draft.js';
import { useAppStore } from '../../store/index.js';
import type { InventoryError } from '../../store/inventory-slice.js';

/**
 * Inventory actions that span several store updates and backend calls. They read the store at the
 * time they run (not a render's snapshot), so a slow reply cannot write stale rows back.
 */

export function validInventory(): { hosts: Host[]; issueCount: number } {
  const { hosts, issues } = validateHosts(useAppStore.getState().hosts.map(draftToHostInput));
  return { hosts, issueCount: issues.length };
}

export async function testConnections(api: RacksideApi, hosts: Host[]): Promise<void> {
  if (hosts.length === 0) return;
  const ids = hosts.map((h) => h.id);
  const store = useAppStore.getState();
  store.setInventoryError(null);
  store.setTesting(ids, true);
  const { bastion, hostKeyPolicy } = store.extras;
  const r = await api['ssh.testConnections']({ hosts, ...(bastion ? { bastion } : {}), ...(hostKeyPolicy ? { hostKeyPolicy } : {}) });
  const after = useAppStore.getState();
  if (r.ok) {
    for (const result of r.value.results) after.setResult(result);
  } else {
    after.setInventoryError({ action: 'test', error: r.error });
  }
  after.setTesting(ids, false);
}

/**
 * Trusts the fingerprints the backend showed for these rows (only `hostkey-unknown` ones; a
 * changed key is never trusted from here), then re-tests the rows that were trusted.
 */
export async function trustAndRetest(api: RacksideApi, hostIds: string[]): Promise<void> {
  const { results, setTesting, setInventoryError } = useAppStore.getState();
  const targets = hostIds
    .map((id) => results[id])
    .filter((r): r is ConnectionResult & { fingerprint: string } =>
      r !== undefined && r.status === 'hostkey-unknown' && !!r.fingerprint,
    );
  if (targets.length === 0) return;
  setInventoryError(null);
  setTesting(
    targets.map((r) => r.hostId),
    true,
  );
  const trusted = new Set<string>();
  let trustError: InventoryError | null = null;
  // Several rows behind one bastion show the same (bastion's) key: it is trusted once.
  const done = new Map<string, boolean>();
  for (const r of targets) {
    // A jump host's key is confirmed for the jump host (it stopped there).
    const key = { address: r.keyAddress ?? r.address, port: r.keyPort ?? r.port, fingerprint: r.fingerprint };
    const id = `${key.address.toLowerCase()}:${key.port} ${key.fingerprint}`;
    let ok = done.get(id);
    if (ok === undefined) {
      const res = await api['hostkeys.trust'](key);
      ok = res.ok;
      if (!res.ok) trustError ??= { action: 'trust', address: key.address, error: res.error };
      done.set(id, ok);
    }
    if (ok) trusted.add(r.hostId);
  }
  const retest = validInventory().hosts.filter((h) => trusted.has(h.id));
  const retestIds = new Set(retest.map((h) => h.id));
  useAppStore.getState().setTesting(
    targets.map((r) => r.hostId).filter((id) => !retestIds.has(id)),
    false,
  );
  await testConnections(api, retest);
  if (trustError && !useAppStore.getState().inventoryError) useAppStore.getState().setInventoryError(trustError);
}

/**
 * Save the project as the store holds it (inventory, fields and every later step's extras), based
 * on the revision it was opened or last saved at. `replaceBroken`: the technician chose to replace
 * a project.yaml that failed to open (the backend keeps the old one beside it).
 */
export async function saveProject(api: RacksideApi, options: { replaceBroken?: boolean } = {}): Promise<boolean> {
  const { hosts, issueCount } = validInventory();
  if (issueCount > 0) return false;
  const s = useAppStore.getState();
  const dir = s.projectDir.trim();
  const r = await api['project.save']({
    dir,
    project: { ...s.extras, version: PROJECT_VERSION, site: s.site, customer: s.customer, technician: s.technician, hosts },
    revision: s.projectRevision,
    ...(options.replaceBroken ? { replaceBroken: true } : {}),
  });
  const after = useAppStore.getState();
  if (r.ok) {
    after.markSaved(r.value.path, r.value.revision);
    return true;
  }
  if (isBrokenFileError(r.error)) after.setBrokenProject({ dir, choice: 'pending' });
  after.setProjectMessage({ kind: 'error', action: 'save', error: r.error });
  return false;
}

/** The file could not be read as a project: never written over without the technician's choice. */
export function isBrokenFileError(error: AppError): boolean {
  if (error.code === 'conflict') return error.issues?.some((i) => i.field === 'file') ?? false;
  return error.code === 'parse-failed' || error.code === 'validation-failed' || error.code === 'unsupported';
}
