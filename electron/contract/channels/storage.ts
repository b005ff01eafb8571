import { z } from 'zod';
import { hostDisksSchema, hostStorageStatusSchema, storagePlanSchema } from '../storage-plan.js';

/**
 * Wizard step 4, storage (docs/architecture.md, "The storage step"). The plan lives in
 * project.yaml (`storage`); applying it is the runner's step `storage` (runbook.plan / runbook.start,
 * destructive: the confirmation names every disk by host, serial and size). These channels add:
 * reading every host's disks with an eligibility verdict (on demand, through the runner as step
 * `storage-disks`), saving a validated plan, and the arrays' state now (resync progress).
 */

export const STORAGE_STEP = 'storage';
/** Reading each host's disks and their eligibility, run on demand by storage.disks (read-only). */
export const STORAGE_DISKS_STEP = 'storage-disks';

const dirSchema = z.string().min(1).max(4096);

export const storageRequests = {
  /** Every host's disks with size, model, serial, by-id path and an eligibility verdict with reasons, read now. */
  'storage.disks': {
    request: z.object({ dir: dirSchema }),
    response: z.object({ hosts: z.array(hostDisksSchema) }),
  },
  /**
   * Validate the plan against the project's hosts and the disks last read, and save it into
   * project.yaml; nothing is saved when it has problems (error `invalid` with coded issues).
   */
  'storage.savePlan': {
    request: z.object({ dir: dirSchema, plan: storagePlanSchema }),
    response: z.object({ path: z.string(), revision: z.number().int() }),
  },
  /** The planned arrays as they are now on each planned host: state, members by serial, resync progress, mount. Read-only. */
  'storage.status': {
    request: z.object({ dir: dirSchema }),
    response: z.object({ hosts: z.array(hostStorageStatusSchema), at: z.string() }),
  },
} as const;

export const storageEvents = {} as const;
