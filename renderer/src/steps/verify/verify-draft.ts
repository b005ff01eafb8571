import { verifyPlanSchema, type VerifyPlan, type VerifyPlanInput } from '../../../../electron/contract/index.js';

/**
 * The verification plan as the form edits it: numbers stay text while typed and are parsed into
 * the contract's plan on every keystroke, so validateVerifyPlan judges what is on screen.
 */
export interface VerifyDraft {
  rtoS: string;
  maxClockOffsetMs: string;
  /** Host ids, in inventory order. */
  rebootHosts: string[];
}

/** A number field: a number when it is one, else NaN so validation reports it (not a silent default). */
const num = (s: string): number => (s.trim() === '' ? Number.NaN : Number(s.trim()));

export function draftFromPlan(plan: VerifyPlanInput | undefined): VerifyDraft {
  const p: VerifyPlan = verifyPlanSchema.parse(plan ?? {});
  return { rtoS: String(p.rtoS), maxClockOffsetMs: String(p.maxClockOffsetMs), rebootHosts: [...p.rebootHosts] };
}

export function planFromDraft(d: VerifyDraft): VerifyPlanInput {
  return { rtoS: num(d.rtoS), maxClockOffsetMs: num(d.maxClockOffsetMs), rebootHosts: d.rebootHosts };
}
