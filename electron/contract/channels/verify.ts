import { z } from 'zod';
import { verifyPlanSchema } from '../verify-plan.js';

/**
 * Wizard step 7, verification (verify-plan.ts). The plan lives in project.yaml (`verify`);
 * running the checks is the runner's step `verification`; the failover drill has its own channels
 * (channels/drill.ts).
 */

const dirSchema = z.string().min(1).max(4096);

export const verifyRequests = {
  /**
   * Validate the plan against the project's hosts and save it into project.yaml; nothing is saved
   * when it has a problem (error `validation-failed` with the issues coded `verify.issue.<code>`).
   */
  'verify.savePlan': {
    request: z.object({ dir: dirSchema, plan: verifyPlanSchema }),
    response: z.object({ path: z.string(), revision: z.number().int() }),
  },
} as const;

export const verifyEvents = {} as const;
