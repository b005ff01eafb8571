import { z } from 'zod';
import { installPlanSchema } from '../install-plan.js';

/**
 * Wizard step 5, the master install (docs/architecture.md). The plan lives in project.yaml
 * (`install`); running it is the runner's step `master-install` (runbook.plan / runbook.start).
 */

const dirSchema = z.string().min(1).max(4096);

export const installRequests = {
  /**
   * Validate the plan against the project's hosts, the network plan's VIP and the known profiles,
   * and save it into project.yaml; nothing is saved when it has an error (error `validation-failed`
   * with the issues coded `install.issue.<code>`). Warnings (one VIP candidate) do not stop the save.
   */
  'install.savePlan': {
    request: z.object({ dir: dirSchema, plan: installPlanSchema }),
    response: z.object({ path: z.string(), revision: z.number().int() }),
  },
} as const;

export const installEvents = {} as const;
