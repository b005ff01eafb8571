import { z } from 'zod';
import type { Result } from './result.js';
import { connectionResultSchema, hostSchema, projectSchema } from './schemas.js';

/**
 * The one declaration of every request and event. Both adapters (Electron IPC and the browser
 * host's WebSocket) validate incoming payloads against these schemas; the renderer's client and
 * the preload bridge are derived from the same table, so a channel cannot exist on one side only.
 */
export const requests = {
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
    }),
  },
  'secrets.set': {
    request: z.object({
      hostId: z.string().min(1),
      kind: z.enum(['password', 'passphrase', 'sudo']),
      value: z.string().max(4096),
    }),
    response: z.object({}),
  },
  'secrets.status': {
    request: z.object({ hostIds: z.array(z.string()).max(1000) }),
    response: z.object({ password: z.array(z.string()), passphrase: z.array(z.string()) }),
  },
  'ssh.testConnections': {
    request: z.object({ hosts: z.array(hostSchema).min(1).max(1000) }),
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
  'project.save': {
    request: z.object({ dir: z.string().min(1).max(4096), project: projectSchema }),
    response: z.object({ path: z.string() }),
  },
  'project.open': {
    request: z.object({ dir: z.string().min(1).max(4096) }),
    response: z.object({ path: z.string(), project: projectSchema }),
  },
  'project.pickFolder': {
    request: z.object({ purpose: z.enum(['open', 'save']) }),
    response: z.object({ dir: z.string().nullable() }),
  },
} as const;

export const events = {
  /** One host's connection test finished (results also come back in the request's reply). */
  'ssh.connectionResult': connectionResultSchema,
} as const;

export type RequestChannel = keyof typeof requests;
export type EventChannel = keyof typeof events;
export type RequestOf<C extends RequestChannel> = z.input<(typeof requests)[C]['request']>;
export type ResponseOf<C extends RequestChannel> = z.output<(typeof requests)[C]['response']>;
export type EventOf<C extends EventChannel> = z.output<(typeof events)[C]>;

export const REQUEST_CHANNELS = Object.keys(requests) as RequestChannel[];
export const EVENT_CHANNELS = Object.keys(events) as EventChannel[];

export const isRequestChannel = (c: unknown): c is RequestChannel =>
  typeof c === 'string' && Object.prototype.hasOwnProperty.call(requests, c);

/** IPC channel names are namespaced so nothing else in the app can collide with them. */
export const ipcName = (c: RequestChannel | EventChannel): string => `rackside:${c}`;

/** Wire frames of the browser host's WebSocket. */
export const wireRequestSchema = z.object({
  kind: z.literal('req'),
  id: z.number().int().nonnegative(),
  channel: z.string().max(100),
  payload: z.unknown(),
});
export type WireRequest = z.infer<typeof wireRequestSchema>;
export type WireMessage =
  | { kind: 'res'; id: number; result: Result<unknown> }
  | { kind: 'event'; channel: EventChannel; payload: unknown };
