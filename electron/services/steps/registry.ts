import type { StepModule } from '../runbook/step-module.js';
import { hardwareStep } from './hardware/step.js';
import { networkCheckStep } from './network/check-step.js';
import { networkHostsStep } from './network/hosts-step.js';
import { networkInterfacesStep } from './network/interfaces-step.js';
import { clusterLeaveStep, workerJoinStep } from './join/index.js';
import { masterInstallStep } from './master/step.js';
import { preflightStep } from './preflight/step.js';
import { storageDisksStep, storageStep } from './storage/index.js';
import { verificationStep } from './verify/index.js';

/**
 * Every step module the runner knows, by id. To add a step: write a StepModule (see
 * runbook/step-module.ts and preflight/step.ts; docs/architecture.md, "The step runner") and list
 * it here; the UI runs it with `<StepRunner stepId="…" />`.
 *
 * DEFAULT_STEPS are the wizard's steps, in wizard order: the report's verdict waits for each.
 */
export const DEFAULT_STEPS: readonly StepModule[] = [preflightStep, hardwareStep, networkHostsStep, networkCheckStep, storageStep, masterInstallStep, workerJoinStep, verificationStep];

/**
 * Steps a handler runs on demand (reading interfaces), through the runner like the others
 * (journaled, locked, recorded), but not wizard steps the verdict waits for. The addressing step
 * (network/addressing.ts, networkAddressingStep) is on demand too; it needs services for its
 * clean-up, so api/ builds it and adds it to the registry it hands the runner.
 */
export const ON_DEMAND_STEPS: readonly StepModule[] = [networkInterfacesStep, storageDisksStep, clusterLeaveStep];

export function stepRegistry(modules: readonly StepModule[] = [...DEFAULT_STEPS, ...ON_DEMAND_STEPS]): ReadonlyMap<string, StepModule> {
  const map = new Map<string, StepModule>();
  for (const m of modules) {
    if (map.has(m.id)) throw new Error(`Two step modules with id ${m.id}`);
    map.set(m.id, m);
  }
  return map;
}
