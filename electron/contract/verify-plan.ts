import { z } from 'zod';

/**
 * Wizard step 7, verification (issue 20): what the finished cluster is held to. Stored as the
 * optional `verify` section of project.yaml; every field has a default, so `{}` is a complete plan.
 *
 * - `rtoS`: the customer's recovery time objective for the VIP's service; a failover drill passes
 *   when its measured RTO is within it (drill.ts).
 * - `maxClockOffsetMs`: a node's offset from the cluster's time source above this is blocking.
 * - `rebootHosts`: hosts the optional reboot test may reboot (guarded: the test asks again before
 *   each); empty: no reboot test.
 */
export const VERIFICATION_STEP = 'verification';

export const verifyPlanSchema = z.object({
  rtoS: z.number().min(1).max(3600).default(30),
  maxClockOffsetMs: z.number().min(1).max(60_000).default(100),
  rebootHosts: z.array(z.string().min(1).max(200)).max(1000).default([]),
});
export type VerifyPlan = z.infer<typeof verifyPlanSchema>;
export type VerifyPlanInput = z.input<typeof verifyPlanSchema>;

export interface VerifyPlanIssue {
  /** Dotted path: `rtoS`, `rebootHosts.2` … */
  field: string;
  /** Stable code for translation: `verify.issue.<code>`. */
  code: string;
  message: string;
  params?: Record<string, string | number>;
}

/** Everything that must hold before step 7 runs with this plan (unknown reboot hosts, out-of-range values). */
export function validateVerifyPlan(input: VerifyPlanInput, hostIds: readonly string[]): VerifyPlanIssue[] {
  const parsed = verifyPlanSchema.safeParse(input);
  if (!parsed.success) {
    return parsed.error.issues.map((i) => {
      const field = i.path.join('.');
      return { field, code: 'schema', message: `${field}: ${i.message}`, params: { field, message: i.message } };
    });
  }
  const issues: VerifyPlanIssue[] = [];
  const known = new Set(hostIds);
  const seen = new Set<string>();
  parsed.data.rebootHosts.forEach((id, i) => {
    if (!known.has(id)) issues.push({ field: `rebootHosts.${i}`, code: 'reboot-host-unknown', message: `Reboot test host "${id}" is not in the inventory`, params: { value: id } });
    else if (seen.has(id)) issues.push({ field: `rebootHosts.${i}`, code: 'reboot-host-repeated', message: `Reboot test host "${id}" is listed twice`, params: { value: id } });
    seen.add(id);
  });
  return issues;
}
