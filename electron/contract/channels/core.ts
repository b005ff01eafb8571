import { z } from 'zod';
import { connectionResultSchema, hostKeyPolicySchema, hostSchema, jumpHostSchema, projectSchema, roleSchema } from '../schemas.js';

const fingerprintSchema = z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/);

/** A host (address:port) whose key no longer matches the trusted one: nothing runs on it until it is replaced. */
export const hostKeyChangeSchema = z.object({
  address: z.string(),
  port: z.number().int(),
  /** The key the server presents now. */
  fingerprint: z.string(),
  keyType: z.string(),
  /** The key(s) trusted before. */
  knownFingerprints: z.array(z.string()),
  detectedAt: z.string(),
});
export type HostKeyChange = z.infer<typeof hostKeyChangeSchema>;

/** A note or problem about one host or line of an import file, worded by the renderer from `issueText.<code>`. */
const importIssueSchema = z.object({
  row: z.number().int(),
  field: z.string(),
  message: z.string(),
  line: z.number().int().optional(),
  code: z.string().optional(),
  params: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
});

/**
 * Where imported hosts came from when the file was an Ansible inventory or a k0sctl cluster file:
 * each host's groups (parents included; k0sctl: its role), the role each group gives by default
 * (the technician confirms or changes the map before the hosts are taken), and what was not
 * imported, by host and line.
 */
export const importSourceSchema = z.object({
  format: z.enum(['ansible-ini', 'ansible-yaml', 'k0sctl']),
  groups: z.record(z.string(), z.array(z.string())),
  defaultRoles: z.record(z.string(), roleSchema),
  notes: z.array(importIssueSchema),
});
export type ImportSource = z.infer<typeof importSourceSchema>;

/** Project, inventory, secrets and the SSH connection test (wizard step 1). */
export const coreRequests = {
  'app.info': {
    request: z.object({}),
    response: z.object({
      version: z.string(),
      transport: z.enum(['electron', 'browser']),
      dataDir: z.string(),
      platform: z.string(),
    }),
  },
  'inventory.parse': {
    request: z.object({
      fileName: z.string().max(4096),
      text: z.string().max(5_000_000),
    }),
    response: z.object({
      hosts: z.array(hostSchema),
      /** Secrets that came with the file (password column) were moved to the secret store, by host id. */
      secretsStored: z.array(z.string()),
      source: importSourceSchema.optional(),
    }),
  },
  /**
   * Reads an inventory file from the backend's disk (up to MAX_IMPORT_FILE_BYTES) and parses it like
   * inventory.parse: big files do not travel through the socket or IPC.
   */
  'inventory.importFile': {
    request: z.object({ path: z.string().min(1).max(4096) }),
    response: z.object({ fileName: z.string(), hosts: z.array(hostSchema), secretsStored: z.array(z.string()), source: importSourceSchema.optional() }),
  },
  /** Native file picker for an inventory file; `unsupported` in the browser host. */
  'inventory.pickFile': {
    request: z.object({}),
    response: z.object({ path: z.string().nullable() }),
  },
  'secrets.set': {
    request: z.object({
      hostId: z.string().min(1),
      kind: z.enum(['password', 'passphrase', 'sudo']),
      value: z.string().max(4096),
    }),
    response: z.object({}),
  },
  /**
   * Merge import: a host matched by address:port keeps its id (so its row, test result and typed
   * secrets stay); the secrets the file brought under the new id move to the kept one. Every kind,
   * and the host's jump host secrets, move; nothing is returned.
   */
  'secrets.move': {
    request: z.object({ moves: z.array(z.object({ from: z.string().min(1), to: z.string().min(1) })).max(10_000) }),
    response: z.object({}),
  },
  'secrets.status': {
    request: z.object({ hostIds: z.array(z.string()).max(1000) }),
    response: z.object({ password: z.array(z.string()), passphrase: z.array(z.string()), sudo: z.array(z.string()) }),
  },
  'ssh.testConnections': {
    request: z.object({
      hosts: z.array(hostSchema).min(1).max(1000),
      /** The project's bastion and host-key policy, as in project.yaml. */
      bastion: jumpHostSchema.optional(),
      hostKeyPolicy: hostKeyPolicySchema.optional(),
    }),
    response: z.object({ results: z.array(connectionResultSchema) }),
  },
  'hostkeys.trust': {
    request: z.object({
      address: z.string().min(1),
      port: z.number().int().min(1).max(65535),
      /** Must be a fingerprint this backend was shown by that server; the renderer cannot invent keys. */
      fingerprint: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/),
    }),
    response: z.object({ fingerprint: z.string() }),
  },
  /** Hosts whose key changed (this backend saw a mismatch and the key was not replaced since). */
  'hostkeys.changes': {
    request: z.object({}),
    response: z.object({ changes: z.array(hostKeyChangeSchema) }),
  },
  /**
   * Replace a changed host's trusted key with the one it now presents, after the technician
   * compared both fingerprints. `fingerprint` must be the new key this backend was shown.
   */
  'hostkeys.replace': {
    request: z.object({
      address: z.string().min(1),
      port: z.number().int().min(1).max(65535),
      fingerprint: fingerprintSchema,
    }),
    response: z.object({ fingerprint: z.string() }),
  },
  'project.save': {
    request: z.object({
      dir: z.string().min(1).max(4096),
      project: projectSchema,
      /** The revision this window opened or last saved (0: never saved); a newer file on disk is not overwritten. */
      revision: z.number().int().min(0),
      /** The technician chose "replace it" for a project.yaml that failed to open (kept as project.yaml.broken-<time>). */
      replaceBroken: z.boolean().optional(),
    }),
    response: z.object({ path: z.string(), revision: z.number().int() }),
  },
  'project.open': {
    request: z.object({ dir: z.string().min(1).max(4096) }),
    response: z.object({ path: z.string(), project: projectSchema, revision: z.number().int() }),
  },
  'project.pickFolder': {
    request: z.object({ purpose: z.enum(['open', 'save']) }),
    response: z.object({ dir: z.string().nullable() }),
  },
} as const;

export const coreEvents = {
  /** One host's connection test finished (results also come back in the request's reply). */
  'ssh.connectionResult': connectionResultSchema,
  /** A host's key was seen to change (`changed`), or its new key was trusted (`cleared`). */
  'hostkeys.changed': z.object({ state: z.enum(['changed', 'cleared']), change: hostKeyChangeSchema }),
} as const;

