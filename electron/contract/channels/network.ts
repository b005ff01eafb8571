import { z } from 'zod';
import { REASON_CODES } from '../result.js';
import { networkPlanSchema } from '../network-plan.js';
import { STORAGE_DISKS_STEP } from './storage.js';

/**
 * Wizard step 3, network. The plan lives in project.yaml (`network`); applying hostnames and
 * /etc/hosts and the node-to-node checks are runbook steps (`network-hosts`, `network-check`,
 * run with runbook.start). These channels add: reading interfaces and addressing with a rollback
 * timer (both run on demand through the runner, as steps network-interfaces and
 * network-addressing), saving a validated plan, and the check's results as a matrix.
 */

export const NETWORK_HOSTS_STEP = 'network-hosts';
export const NETWORK_CHECK_STEP = 'network-check';
/** Reading each node's interfaces, default route and hostname, run on demand by network.interfaces. */
export const NETWORK_INTERFACES_STEP = 'network-interfaces';
/** One host's addressing with a rollback timer, run on demand by network.applyAddressing. */
export const NETWORK_ADDRESSING_STEP = 'network-addressing';
/**
 * Steps run on demand through the runner, not wizard steps: their runs are journaled and listed,
 * but the verdict does not wait for them (a rolled-back addressing the plan no longer wants must
 * not block the report forever; the network check judges the network as it is).
 */
export const ON_DEMAND_STEP_IDS: readonly string[] = [NETWORK_INTERFACES_STEP, NETWORK_ADDRESSING_STEP, STORAGE_DISKS_STEP];

export const interfaceInfoSchema = z.object({
  name: z.string(),
  /** ethernet, bond, vlan, bridge, veth, loopback, or the kernel's kind. */
  kind: z.string(),
  mac: z.string(),
  mtu: z.number(),
  /** Kernel operstate: UP, DOWN, UNKNOWN … */
  state: z.string(),
  carrier: z.boolean(),
  master: z.string().optional(),
  bondMode: z.string().optional(),
  /** For a bond member: ACTIVE / BACKUP. */
  bondRole: z.string().optional(),
  vlanId: z.number().optional(),
  parent: z.string().optional(),
  addresses: z.array(z.object({ family: z.enum(['inet', 'inet6']), address: z.string(), prefix: z.number() })),
});
export type InterfaceInfo = z.infer<typeof interfaceInfoSchema>;

export const hostInterfacesSchema = z.object({
  hostId: z.string(),
  name: z.string(),
  address: z.string(),
  ok: z.boolean(),
  message: z.string().optional(),
  /** `message` as a reason + params the renderer words from `reasons.<reason>`. */
  reason: z.enum(REASON_CODES).optional(),
  params: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  interfaces: z.array(interfaceInfoSchema),
  defaultGateway: z.string().optional(),
  hostname: z.string().optional(),
});
export type HostInterfaces = z.infer<typeof hostInterfacesSchema>;

export const CELL_STATUSES = ['ok', 'warning', 'blocking', 'unknown'] as const;
export const matrixCellSchema = z.object({
  from: z.string(),
  to: z.string(),
  status: z.enum(CELL_STATUSES),
  sent: z.number().optional(),
  received: z.number().optional(),
  lossPct: z.number().optional(),
  rttAvgMs: z.number().optional(),
  rttMaxMs: z.number().optional(),
  /** Size of the DF ping (MTU − 28) and whether it got through. */
  mtuPayload: z.number().optional(),
  mtuOk: z.boolean().optional(),
  /** Port → open | refused (path fine, nothing listens) | filtered (no answer). */
  ports: z.record(z.string(), z.enum(['open', 'refused', 'filtered'])).default({}),
  /** Why the cell is not ok, short English; the UI shows its numbers. */
  notes: z.array(z.string()).default([]),
  /** `notes` as codes + params, index by index, that the renderer words from `network.matrix.note.<code>`. */
  noteTexts: z.array(z.object({ code: z.string(), params: z.record(z.string(), z.union([z.string(), z.number()])).default({}) })).optional(),
});
export type MatrixCell = z.infer<typeof matrixCellSchema>;

export const matrixSchema = z.object({
  runId: z.string(),
  finishedAt: z.string().optional(),
  hosts: z.array(z.object({ hostId: z.string(), name: z.string(), address: z.string() })),
  cells: z.array(matrixCellSchema),
  /** `ntp`: English, e.g. "chrony synced"; `source` and `synced` are the same for the renderer to word ("unknown": no source). */
  clocks: z.array(z.object({ hostId: z.string(), offsetS: z.number().optional(), ntp: z.string(), source: z.string().optional(), synced: z.boolean().optional() })),
});
export type MatrixView = z.infer<typeof matrixSchema>;

const dirSchema = z.string().min(1).max(4096);

export const addressingOutcomeSchema = z.object({
  hostId: z.string(),
  /** applied: reachable on the new address and confirmed; rolled-back: the timer restored the old one. */
  status: z.enum(['applied', 'rolled-back', 'failed']),
  address: z.string(),
  message: z.string(),
  /** `message` as a reason + params the renderer words from `reasons.<reason>`. */
  reason: z.enum(REASON_CODES).optional(),
  params: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  durationMs: z.number(),
});
export type AddressingOutcome = z.infer<typeof addressingOutcomeSchema>;

export const networkRequests = {
  /** Every host's interfaces, addresses and default gateway, read now (read-only). */
  'network.interfaces': {
    request: z.object({ dir: dirSchema }),
    response: z.object({ hosts: z.array(hostInterfacesSchema) }),
  },
  /** Validate the plan against the project's hosts and save it into project.yaml; nothing is saved when it has problems. */
  'network.savePlan': {
    request: z.object({ dir: dirSchema, plan: networkPlanSchema }),
    /** The plan is written into project.yaml as it is on disk; `revision` is the file's new one. */
    response: z.object({ path: z.string(), revision: z.number().int() }),
  },
  /** The last network-check run as a node-by-node matrix (null before the first run). */
  'network.matrix': {
    request: z.object({ dir: dirSchema }),
    response: z.object({ matrix: matrixSchema.nullable() }),
  },
  /** What applying one host's addressing would run, and the changes to confirm. */
  'network.addressingPreview': {
    request: z.object({ dir: dirSchema, hostId: z.string().min(1).max(200) }),
    response: z.object({
      changes: z.array(z.string()),
      /** `changes` as codes + params, index by index, that the renderer words from `changes.<code>`. */
      changeTexts: z.array(z.object({ code: z.string(), params: z.record(z.string(), z.union([z.string(), z.number()])) })).optional(),
      apply: z.string(),
      rollback: z.string(),
      newAddress: z.string(),
    }),
  },
  /**
   * Apply one host's addressing with a rollback timer: the host restores its old configuration
   * by itself unless Rackside reconnects on the new address and confirms within the window.
   */
  'network.applyAddressing': {
    request: z.object({
      dir: dirSchema,
      hostId: z.string().min(1).max(200),
      /** Exactly the preview's changes. */
      changes: z.array(z.string()).max(1000),
      rollbackAfterS: z.number().int().min(5).max(600).default(60),
    }),
    response: addressingOutcomeSchema,
  },
} as const;

export const networkEvents = {} as const;
