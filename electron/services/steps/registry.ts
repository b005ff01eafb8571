import type { StepModule } from '../runbook/step-module.js';
import { hardwareStep } from './hardware/step.js';
import { networkCheckStep } from './network/check-step.js';
import { networkHostsStep } from './network/hosts-step.js';
import { preflightStep } from './preflight/step.js';

/**
 * Every step module the runner knows, by id. To add a step: write a StepModule (see
 * step-module.ts and steps/preflight.ts) and list it here; the UI runs it with
 * `<StepRunner stepId="…" />`.
 */
export const DEFAULT_STEPS: readonly StepModule[] = [preflightStep, hardwareStep, networkHostsStep, networkCheckStep];

export function stepRegistry(modules: readonly StepModule[] = DEFAULT_STEPS): ReadonlyMap<string, StepModule> {
  const map = new Map<string, StepModule>();
  for (const m of modules) {
    if (map.has(m.id)) throw new Error(`Two step modules with id ${m.id}`);
    map.set(m.id, m);
  }
  return map;
}
