import { z } from 'zod';
import { hardwareFactsSchema, hardwareProfileIdSchema } from '../hardware.js';

/** Wizard step 2. Running, findings and waivers go through the runner (channels/runbook.ts). */
export const hardwareRequests = {
  /** What the last Hardware run found on each host, for the hardware table. */
  'hardware.facts': {
    request: z.object({ dir: z.string().min(1).max(4096) }),
    response: z.object({
      profile: hardwareProfileIdSchema,
      runId: z.string().nullable(),
      facts: z.array(hardwareFactsSchema),
      /** Hosts the last run identified as lab nodes by their SMBIOS data; any other needs a confirmation for the lab profile. */
      labHosts: z.array(z.string()),
    }),
  },
} as const;

export const hardwareEvents = {} as const;
