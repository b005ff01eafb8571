import { z } from 'zod';
import { hardwareFactsSchema, hardwareProfileIdSchema, hardwareProfileSchema, profileLoadErrorSchema } from '../hardware.js';

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
  /**
   * The hardware profiles as the files say now (built-in, then the company's; re-read on every
   * call, so a file dropped into the data folder's profiles/ shows up without a restart), and
   * every file that could not be loaded.
   */
  'hardware.profiles': {
    request: z.object({}),
    response: z.object({ profiles: z.array(hardwareProfileSchema), errors: z.array(profileLoadErrorSchema), companyDir: z.string() }),
  },
} as const;

export const hardwareEvents = {} as const;
