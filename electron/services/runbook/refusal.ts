import type { FieldIssue, ReasonCode } from '../../contract/index.js';

/**
 * A step that will not plan what it was asked (a node that cannot leave the cluster, an install
 * plan that is no longer valid): not a bug in the step but a refusal the technician acts on. The
 * planner answers it as `run-plan-refused` with `reason` as its cause, so the renderer words it
 * from `reasons.<reason>` with `params` in the technician's language; `message` stays the English
 * fallback (logs), `issues` the rows to fix, each with its own code.
 */
export class StepRefusal extends Error {
  constructor(
    readonly reason: ReasonCode,
    readonly params: Record<string, string | number>,
    message: string,
    readonly issues?: FieldIssue[],
  ) {
    super(message);
    this.name = 'StepRefusal';
  }
}
