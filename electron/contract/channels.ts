import { z } from 'zod';
import type { Result } from './result.js';
import { clusterEvents, clusterRequests } from './channels/cluster.js';
import { coreEvents, coreRequests } from './channels/core.js';
import { drillEvents, drillRequests } from './channels/drill.js';
import { hardwareEvents, hardwareRequests } from './channels/hardware.js';
import { installEvents, installRequests } from './channels/install.js';
import { kitEvents, kitRequests } from './channels/kit.js';
import { networkEvents, networkRequests } from './channels/network.js';
import { reportEvents, reportRequests } from './channels/report.js';
import { runbookEvents, runbookRequests } from './channels/runbook.js';
import { storageEvents, storageRequests } from './channels/storage.js';
import { terminalEvents, terminalRequests } from './channels/terminal.js';
import { verifyEvents, verifyRequests } from './channels/verify.js';

/**
 * The one declaration of every request and event. Both adapters (Electron IPC and the browser
 * host's WebSocket) validate incoming payloads against these schemas; the renderer's client and
 * the preload bridge are derived from the same table, so a channel cannot exist on one side only.
 * Each domain declares its channels in channels/<domain>.ts; this table joins them.
 */
export const requests = {
  ...clusterRequests,
  ...coreRequests,
  ...drillRequests,
  ...hardwareRequests,
  ...installRequests,
  ...kitRequests,
  ...networkRequests,
  ...reportRequests,
  ...runbookRequests,
  ...storageRequests,
  ...terminalRequests,
  ...verifyRequests,
} as const;

export const events = {
  ...clusterEvents,
  ...coreEvents,
  ...drillEvents,
  ...hardwareEvents,
  ...installEvents,
  ...kitEvents,
  ...networkEvents,
  ...reportEvents,
  ...runbookEvents,
  ...storageEvents,
  ...terminalEvents,
  ...verifyEvents,
} as const;

export * from './channels/runbook.js';
export { hostKeyChangeSchema, importSourceSchema, type HostKeyChange, type ImportSource } from './channels/core.js';
export * from './channels/network.js';
export * from './channels/storage.js';
export * from './channels/install.js';
export * from './channels/kit.js';
export * from './channels/cluster.js';
export * from './channels/drill.js';
export * from './channels/verify.js';
export * from './report.js';

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
