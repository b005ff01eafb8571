import { CLUSTER_LEAVE_STEP, JOIN_STAGES, WORKER_JOIN_STEP, type Host, type Project } from '../../../contract/index.js';
import type { Action, ActionResult, Finding, StepModule, StepResults } from '../../runbook/step-module.js';
import { isKit, KIT_SOURCE_ACTION, kitMismatchFinding, kitSession, phaseIds, withKitSource } from '../master/kit-source.js';
import { StepRefusal } from '../../runbook/refusal.js';
import { installContext } from '../master/step.js';
import { clusterAsBuiltActions, clusterAsBuiltPhase } from './as-built.js';

/**
 * Wizard step 6, the worker joins (issue 19): the chosen profile's `join` (master/profile.ts) made
 * into a step. The profile plans the phases and the actions; this module only attributes results
 * to the joining host (`Action.about`, else the host an action runs on) and words the outcome per
 * host and stage. With a profile that has nothing to join (the base platform) the plan is empty.
 *
 * `cluster-leave` (on demand, input `{ hostId }`) is the profile's `leave` for one node: the
 * cluster's side first, then the node.
 */

type Ctx = ReturnType<typeof installContext>;

const failed = new Set<ActionResult['status']>(['failed', 'interrupted', 'cancelled']);

/** Every action of the join plan with the host it runs on and the host it is about. */
export function joinActions(project: Project, ctx: Ctx = installContext(project)): { runsOn: Host; about: string; action: Action }[] {
  const join = ctx.profile.join;
  if (!join) return [];
  const plan = joinPlanOf(project, ctx);
  return project.hosts.flatMap((h) => (plan.get(h.id) ?? []).map((action) => ({ runsOn: h, about: action.about ?? h.id, action })));
}

/** The profile's join actions per host; with a site kit, its source around each host's package installs (kit-source.ts). */
function joinPlanOf(project: Project, ctx: Ctx): Map<string, Action[]> {
  const join = ctx.profile.join;
  if (!join) return new Map();
  const plan = new Map(project.hosts.map((h) => [h.id, join.actions(h, ctx)]));
  const src = ctx.plan.packageSource;
  return isKit(src) ? withKitSource(plan, project.hosts, src, phaseIds(join.phases(ctx))) : plan;
}

export const workerJoinStep: StepModule = {
  id: WORKER_JOIN_STEP,
  title: 'runbook.steps.worker-join.title',
  phases(project) {
    const ctx = installContext(project);
    const join = ctx.profile.join;
    if (!join) return [];
    // Last: what the cluster is once every host joined, for the report (as-built.ts).
    return [...join.phases(ctx), ...(ctx.profile.asBuilt ? [clusterAsBuiltPhase(ctx)] : [])];
  },
  plan(project) {
    const ctx = installContext(project);
    const join = ctx.profile.join;
    if (!join) return new Map();
    const asBuilt = ctx.profile.asBuilt;
    const plan = joinPlanOf(project, ctx);
    return new Map(project.hosts.map((h) => [h.id, [...(plan.get(h.id) ?? []), ...(asBuilt ? clusterAsBuiltActions(h, ctx, asBuilt) : [])]]));
  },
  hostSession: (_host, project, link) => kitSession(project, link),
  evaluate(results: StepResults, project: Project): Finding[] {
    let ctx: Ctx;
    try {
      ctx = installContext(project);
    } catch {
      return [];
    }
    const out: Finding[] = [];
    if (!ctx.profile.join) {
      out.push({ severity: 'info', code: 'join.nothing', params: { profile: ctx.profile.id }, message: `Profile ${ctx.profile.id} has no worker joins`, remediation: '' });
      return out;
    }
    const planned = joinActions(project, ctx);
    const src = ctx.plan.packageSource;
    if (isKit(src)) {
      for (const h of project.hosts) {
        const f = kitMismatchFinding(h, results.get(h.id)?.get(KIT_SOURCE_ACTION), planned.filter((p) => p.runsOn.id === h.id).map((p) => p.action), src, 'join.kit-mismatch');
        if (f) out.push(f);
      }
    }
    const byAbout = new Map<string, { stage: string; id: string; r: ActionResult | undefined }[]>();
    for (const p of planned) {
      const list = byAbout.get(p.about) ?? [];
      list.push({ stage: p.action.stage ?? '', id: p.action.id, r: results.get(p.runsOn.id)?.get(p.action.id) });
      byAbout.set(p.about, list);
    }
    // The joining hosts: those a "seen by the cluster" stage is about. Others with actions here
    // (the first master reading a secret) are the cluster side: already members since step 5.
    const joining = new Set(planned.filter((p) => p.action.stage === 'seen').map((p) => p.about));
    for (const h of project.hosts) {
      const list = byAbout.get(h.id);
      if (!list || list.every((x) => !x.r)) continue;
      const label = h.name || h.address;
      const bad = list.filter((x) => x.r && failed.has(x.r.status));
      if (!joining.has(h.id)) {
        if (bad.length > 0) {
          out.push({ severity: 'blocking', hostId: h.id, code: 'join.cluster-side-failed', params: { host: label, actions: bad.map((b) => b.id).join(', ') },
            message: `${label}: its part of the joins (on the cluster's side) did not finish (${bad.map((b) => b.id).join(', ')})`,
            remediation: 'Open the failed action\'s output, fix the cause, then Retry this host: no worker joins before it finished.' });
        }
        continue;
      }
      if (bad.length > 0) {
        const stage = JOIN_STAGES.find((s) => bad.some((b) => b.stage === s)) ?? bad[0]!.stage;
        out.push({ severity: 'blocking', hostId: h.id, code: 'join.failed', params: { host: label, stage, actions: bad.map((b) => b.id).join(', ') },
          message: `${label}: did not join the cluster (stage ${stage}: ${bad.map((b) => b.id).join(', ')})`,
          remediation: 'Open the failed action\'s output, fix the cause, then Retry this host: finished stages are not repeated.' });
      } else if (list.every((x) => x.r && (x.r.status === 'done' || x.r.status === 'already-done'))) {
        out.push({ severity: 'info', hostId: h.id, code: 'join.member', params: { host: label, profile: ctx.profile.id },
          message: `${label}: member of the cluster`, remediation: '' });
      }
    }
    out.push(...(ctx.profile.findings?.('worker-join', results, ctx) ?? []));
    return out;
  },
};

/** The leave step's input: the node whose membership is removed. */
export interface LeaveInput {
  hostId: string;
}

export const clusterLeaveStep: StepModule = {
  id: CLUSTER_LEAVE_STEP,
  title: 'runbook.steps.cluster-leave.title',
  phases(project, pctx) {
    const ctx = installContext(project);
    const leaving = leavingHost(project, pctx.input);
    return ctx.profile.leave?.phases(ctx, leaving) ?? [];
  },
  plan(project, pctx) {
    const ctx = installContext(project);
    const leaving = leavingHost(project, pctx.input);
    const leave = ctx.profile.leave;
    if (!leave) return new Map();
    return new Map(project.hosts.map((h) => [h.id, leave.actions(h, ctx, leaving)]));
  },
  evaluate(results: StepResults, project: Project): Finding[] {
    const out: Finding[] = [];
    for (const h of project.hosts) {
      const r = results.get(h.id);
      if (!r) continue;
      const bad = [...r].filter(([, x]) => failed.has(x.status)).map(([id]) => id);
      if (bad.length > 0) {
        out.push({ severity: 'blocking', hostId: h.id, code: 'leave.failed', params: { host: h.name || h.address, actions: bad.join(', ') },
          message: `${h.name || h.address}: removing the node from the cluster did not finish (${bad.join(', ')})`,
          remediation: 'Open the failed action\'s output, fix the cause, then Retry.' });
      }
    }
    return out;
  },
};

function leavingHost(project: Project, input: unknown): Host {
  const id = (input as Partial<LeaveInput> | undefined)?.hostId;
  const h = project.hosts.find((x) => x.id === id);
  if (!h) throw new StepRefusal('leave-host-unknown', { hostId: String(id ?? '') }, `cluster-leave needs the id of a host of the inventory (got ${JSON.stringify(id)})`);
  return h;
}
