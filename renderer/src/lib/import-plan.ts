import { bmcSecretId, jumpSecretId, type Host, type Role } from '../../../electron/contract/index.js';
import { CONNECTION_FIELDS, draftFromHost, type HostDraft } from './host-draft.js';

/**
 * What an import does to a non-empty inventory, before it does it: the technician sees this list
 * and chooses merge or replace. Hosts are matched by address and port, the key their trusted host
 * key is filed under, so a host that stays at the same address:port keeps its row id (and with it
 * its stored passwords and, when nothing about reaching it changed, its connection test result).
 */

export type ImportMode = 'merge' | 'replace';

/** Fields compared between an inventory row and the file's host of the same address:port. */
export const COMPARED_FIELDS = ['name', 'user', 'role', 'authMethod', 'keyPath', 'jump', 'bmc'] as const;
export type ComparedField = (typeof COMPARED_FIELDS)[number];

export interface FieldChange {
  field: ComparedField;
  from: string;
  to: string;
}

export interface ImportPlan {
  /** The inventory after the import. */
  hosts: HostDraft[];
  added: HostDraft[];
  changed: { host: HostDraft; changes: FieldChange[] }[];
  unchanged: HostDraft[];
  /** Replace: rows the file does not have, dropped. */
  removed: HostDraft[];
  /** Merge: rows the file does not have, kept as they are. */
  kept: HostDraft[];
  /** Secrets the file brought under a new host id, for the row id that is kept. */
  secretMoves: { from: string; to: string }[];
  /** Rows whose connection test result still holds (nothing about reaching them changed). */
  keepResults: string[];
}

export const hostKey = (address: string, port: string | number) => `${address.trim().toLowerCase()}:${String(port).trim() || '22'}`;

const jumpText = (d: HostDraft) => (d.jump ? `${d.jump.user}@${d.jump.address}:${d.jump.port}${d.jump.authMethod === 'key' ? ` (${d.jump.keyPath})` : ` (${d.jump.authMethod})`}` : '');
// A merge that brings, changes or drops a host's BMC lists it like any other change.
const bmcText = (d: HostDraft) => (d.bmc ? `${d.bmc.user}@${d.bmc.address}:${d.bmc.port}` : '');
const fieldText = (d: HostDraft, f: ComparedField): string => (f === 'jump' ? jumpText(d) : f === 'bmc' ? bmcText(d) : d[f]);

/** Roles from the technician's group → role map: a host in any master group is a master. */
export function applyGroupRoles(hosts: Host[], groups: Record<string, string[]>, roles: Record<string, Role>): Host[] {
  return hosts.map((h) => ({ ...h, role: (groups[h.id] ?? []).some((g) => roles[g] === 'master') ? 'master' : 'worker' }));
}

export function planImport(existing: HostDraft[], incoming: Host[], mode: ImportMode, secretsStored: readonly string[] = []): ImportPlan {
  const stored = new Set(secretsStored);
  const byKey = new Map<string, HostDraft>();
  for (const d of existing) if (!byKey.has(hostKey(d.address, d.port))) byKey.set(hostKey(d.address, d.port), d);
  const plan: ImportPlan = { hosts: [], added: [], changed: [], unchanged: [], removed: [], kept: [], secretMoves: [], keepResults: [] };
  const replacement = new Map<string, HostDraft>();
  const fresh: HostDraft[] = [];
  const finalOf = new Map<string, HostDraft>();
  for (const h of incoming) {
    const old = byKey.get(hostKey(h.address, h.port));
    const draft = draftFromHost(h);
    if (!old || replacement.has(old.id)) {
      plan.added.push(draft);
      fresh.push(draft);
      finalOf.set(h.id, draft);
      continue;
    }
    const next = { ...draft, id: old.id };
    replacement.set(old.id, next);
    finalOf.set(h.id, next);
    if (stored.has(h.id) || stored.has(jumpSecretId(h.id)) || stored.has(bmcSecretId(h.id))) plan.secretMoves.push({ from: h.id, to: old.id });
    const changes = COMPARED_FIELDS.filter((f) => fieldText(old, f) !== fieldText(next, f)).map((f) => ({ field: f, from: fieldText(old, f), to: fieldText(next, f) }));
    if (changes.length === 0) plan.unchanged.push(next);
    else plan.changed.push({ host: next, changes });
    const reachSame = CONNECTION_FIELDS.every((f) => (f === 'jump' ? jumpText(old) === jumpText(next) : String(old[f]).trim() === String(next[f]).trim()));
    if (reachSame) plan.keepResults.push(old.id);
  }
  if (mode === 'merge') {
    for (const d of existing) {
      const next = replacement.get(d.id);
      if (next) plan.hosts.push(next);
      else {
        plan.hosts.push(d);
        plan.kept.push(d);
        plan.keepResults.push(d.id);
      }
    }
    plan.hosts.push(...fresh);
  } else {
    plan.hosts = incoming.map((h) => finalOf.get(h.id)!);
    plan.removed = existing.filter((d) => !replacement.has(d.id));
  }
  return plan;
}
