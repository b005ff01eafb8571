import { z } from 'zod';
import { drillKindSchema, drillOptionSchema, drillProgressSchema, drillReasonSchema, drillRecordSchema } from '../drill.js';

/**
 * The failover drill (drill.ts). A drill is disruptive: `drill.start` needs the technician's name
 * and `confirm: true`, which the UI sends only from the dialog that says what will be cut and for
 * how long. One drill at a time per project (reason `drill-busy` otherwise).
 */

const dirSchema = z.string().min(1).max(4096);
const idSchema = z.string().min(1).max(200);

export const drillRequests = {
  /** What can be drilled now: the VIP, its current holder (read from the nodes), each kind with its availability and expected bound. */
  'drill.options': {
    request: z.object({ dir: dirSchema }),
    response: z.object({
      vip: z.string(),
      tcpPort: z.number().int(),
      /** The host holding the VIP now; null when none does (or two do: `problem` says). */
      holderHostId: z.string().nullable(),
      problem: drillReasonSchema.optional(),
      rtoTargetMs: z.number(),
      options: z.array(drillOptionSchema),
    }),
  },
  /** Start a drill; it runs in the backend (events `drill.progress`) and ends restored. */
  'drill.start': {
    request: z.object({
      dir: dirSchema,
      kind: drillKindSchema,
      /** Absent: the VIP's current holder. */
      targetHostId: idSchema.optional(),
      technician: z.string().trim().min(1).max(200),
      confirm: z.literal(true),
    }),
    response: z.object({ drillId: z.string() }),
  },
  /** Stop a running drill: the fault is undone at once and the drill ends as aborted. */
  'drill.abort': {
    request: z.object({ dir: dirSchema, drillId: idSchema }),
    response: z.object({ record: drillRecordSchema }),
  },
  /** Every drill of the project, oldest first; `pending`: one found unfinished (laptop closed mid-drill). */
  'drill.list': {
    request: z.object({ dir: dirSchema }),
    response: z.object({ drills: z.array(drillRecordSchema), pending: drillRecordSchema.nullable() }),
  },
  /** Undo an interrupted drill's fault (power on, link up, service started, rule removed) and end it. */
  'drill.recover': {
    request: z.object({ dir: dirSchema, drillId: idSchema }),
    response: z.object({ record: drillRecordSchema }),
  },
} as const;

export const drillEvents = {
  'drill.progress': drillProgressSchema,
} as const;
