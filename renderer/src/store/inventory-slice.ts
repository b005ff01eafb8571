import type { StateCreator } from 'zustand';
import { bmcSecretId, jumpSecretId, type AppError, type ConnectionResult, type FieldIssue } from '../../../electron/contract/index.js';
import { CONNECTION_FIELDS, type HostDraft } from '../lib/host-draft.js';
import type { AppStore } from './index.js';

export interface ImportOutcome {
  fileName: string;
  /** Set when the import failed; the inventory was left unchanged. */
  error: AppError | null;
  imported: number;
  secretsStored: number;
  /** Into a non-empty inventory: what the import changed. */
  changes?: { added: number; changed: number; removed: number; unchanged: number };
  /** Entries of an Ansible / k0sctl file that were not imported or not supported. */
  notes?: FieldIssue[];
}

export interface InventoryError {
  action: 'test' | 'trust';
  /** Host the failure is about, when it is about one. */
  address?: string;
  error: AppError;
}

/** Whether a secret is held by the backend for a host. The secret itself never comes here. */
export interface SecretFlags {
  password: boolean;
  passphrase: boolean;
  sudo: boolean;
}

export interface InventorySlice {
  hosts: HostDraft[];
  /** Latest connection test per host id. */
  results: Record<string, ConnectionResult>;
  testing: Record<string, true>;
  importOutcome: ImportOutcome | null;
  /** Failure of a request-level action (test, trust), shown above the table. */
  inventoryError: InventoryError | null;
  secretFlags: Record<string, SecretFlags>;
  addHost(host: HostDraft): void;
  updateHost(id: string, patch: Partial<Omit<HostDraft, 'id'>>): void;
  removeHost(id: string): void;
  /** Import: the file's hosts replace the inventory, old test results no longer apply. */
  replaceHosts(hosts: HostDraft[]): void;
  /** Import after the technician's merge/replace choice: results stay for rows still reached the same way. */
  applyImport(hosts: HostDraft[], keepResults: string[]): void;
  setResult(result: ConnectionResult): void;
  setTesting(ids: string[], on: boolean): void;
  setImportOutcome(outcome: ImportOutcome | null): void;
  setInventoryError(error: InventoryError | null): void;
  setSecretFlags(hostIds: string[], status: { password: string[]; passphrase: string[]; sudo: string[] }): void;
}

export const createInventorySlice: StateCreator<AppStore, [], [], InventorySlice> = (set) => ({
  hosts: [],
  results: {},
  testing: {},
  importOutcome: null,
  inventoryError: null,
  secretFlags: {},

  addHost: (host) => set((s) => ({ hosts: [...s.hosts, host], dirty: true })),

  updateHost: (id, patch) =>
    set((s) => {
      const touchesConnection = CONNECTION_FIELDS.some((f) => f in patch);
      const results = touchesConnection && s.results[id] ? without(s.results, id) : s.results;
      return {
        hosts: s.hosts.map((h) => (h.id === id ? { ...h, ...patch } : h)),
        results,
        dirty: true,
      };
    }),

  removeHost: (id) =>
    set((s) => ({
      hosts: s.hosts.filter((h) => h.id !== id),
      results: without(s.results, id),
      testing: without(s.testing, id),
      secretFlags: without(without(without(s.secretFlags, id), jumpSecretId(id)), bmcSecretId(id)),
      dirty: true,
    })),

  replaceHosts: (hosts) => set({ hosts, results: {}, testing: {}, inventoryError: null, dirty: true }),

  applyImport: (hosts, keepResults) =>
    set((s) => {
      const keep = new Set(keepResults);
      const results = Object.fromEntries(Object.entries(s.results).filter(([id]) => keep.has(id)));
      return { hosts, results, testing: {}, inventoryError: null, dirty: true };
    }),

  setResult: (result) =>
    set((s) => {
      // A late event for a row that was removed or re-imported meanwhile is stale.
      if (!s.hosts.some((h) => h.id === result.hostId)) return {};
      return { results: { ...s.results, [result.hostId]: result }, testing: without(s.testing, result.hostId) };
    }),

  setTesting: (ids, on) =>
    set((s) => {
      const testing = { ...s.testing };
      for (const id of ids) {
        if (on) testing[id] = true;
        else delete testing[id];
      }
      return { testing };
    }),

  setImportOutcome: (importOutcome) => set({ importOutcome }),
  setInventoryError: (inventoryError) => set({ inventoryError }),

  setSecretFlags: (hostIds, status) =>
    set((s) => {
      const pw = new Set(status.password);
      const pp = new Set(status.passphrase);
      const su = new Set(status.sudo);
      const secretFlags = { ...s.secretFlags };
      for (const id of hostIds) secretFlags[id] = { password: pw.has(id), passphrase: pp.has(id), sudo: su.has(id) };
      return { secretFlags };
    }),
});

function without<T>(record: Record<string, T>, key: string): Record<string, T> {
  if (!(key in record)) return record;
  const copy = { ...record };
  delete copy[key];
  return copy;
}
