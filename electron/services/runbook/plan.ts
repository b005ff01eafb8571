import { createHash } from 'node:crypto';
import { because, err, ok, type Host, type PlanView, type Project, type Result } from '../../contract/index.js';
import { wireLine, type RemoteCommand } from '../ssh/quote.js';
import type { ReachSettings } from '../ssh/target.js';
import { wrapForLock } from './lock.js';
import type { Action, StepModule } from './step-module.js';

export interface BuiltPlan {
  view: PlanView;
  /** hostId → actions, in order. Only hosts with at least one action. */
  actions: Map<string, Action[]>;
  hosts: Host[];
  /** How the hosts are reached (the project's bastion and host-key policy). */
  reach: ReachSettings;
}

/** Byte for byte what the host's sshd is sent for a command (HostConnection.exec), as the dry run shows it. */
export function displayLine(cmd: RemoteCommand, sudo: boolean): string {
  return wireLine(cmd, sudo);
}

/** The command an action runs: its own, under the run lock (wrapForLock). */
export const lockedCommand = (a: Pick<Action, 'id' | 'command'>): RemoteCommand => wrapForLock(a.command, a.id);

/**
 * Plan a step for a project: the module's actions per host, checked (unique ids, known hosts,
 * destructive actions say what they change) and hashed. The hash covers everything that decides
 * what runs where, so a confirmation or a resume bound to it cannot apply to a different plan.
 */
/** A step module that broke its own contract: the English says how, the screen that it is a bug. */
const stepBug = (step: string, message: string) => because(err('internal', message, 'This is a bug in the step; please report it.'), 'run-step-bug', { step, detail: message });

export function buildPlan(module: StepModule, project: Project, input?: unknown): Result<BuiltPlan> {
  let planned: Map<string, Action[]>;
  try {
    planned = module.plan(project, { hosts: project.hosts, ...(input !== undefined ? { input } : {}) });
  } catch (e) {
    return because(err('internal', `Step ${module.id} could not plan: ${(e as Error).message}`, 'This is a bug in the step; please report it.'),
      'run-plan-failed', { step: module.id, detail: (e as Error).message });
  }
  const byId = new Map(project.hosts.map((h) => [h.id, h]));
  const hosts: Host[] = [];
  const actions = new Map<string, Action[]>();
  for (const [hostId, list] of planned) {
    const host = byId.get(hostId);
    if (!host) return stepBug(module.id, `Step ${module.id} planned actions for unknown host ${hostId}`);
    const seen = new Set<string>();
    for (const a of list) {
      if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(a.id)) return stepBug(module.id, `Step ${module.id}: bad action id "${a.id}"`);
      if (seen.has(a.id)) return stepBug(module.id, `Step ${module.id}: action id "${a.id}" twice on host ${hostId}`);
      seen.add(a.id);
      if (a.destructive && !a.changes?.length) {
        return stepBug(module.id, `Step ${module.id}: destructive action "${a.id}" does not say what it changes`);
      }
    }
    if (list.length === 0) continue;
    actions.set(hostId, list);
  }
  // Inventory order, whatever order the module returned.
  for (const h of project.hosts) if (actions.has(h.id)) hosts.push(h);

  const viewHosts = hosts.map((h) => ({
    hostId: h.id,
    name: h.name,
    address: h.address,
    user: h.user,
    actions: actions.get(h.id)!.map((a) => ({
      id: a.id,
      title: a.title,
      command: displayLine(lockedCommand(a), a.sudo),
      ...(a.probe ? { probe: displayLine(a.probe, a.sudo) } : {}),
      sudo: a.sudo,
      timeoutMs: a.timeoutMs,
      destructive: a.destructive,
      ...(a.changes ? { changes: [...a.changes] } : {}),
    })),
  }));
  const changes = hosts.flatMap((h) =>
    actions
      .get(h.id)!
      .filter((a) => a.destructive)
      .flatMap((a) =>
        (a.changes ?? []).map((change, i) => {
          const text = a.changeTexts?.[i];
          return { hostId: h.id, actionId: a.id, change, ...(text ? { code: text.code, params: { ...text.params }, ...(text.tickEach ? { tickEach: true } : {}) } : {}) };
        }),
      ),
  );
  const hashed = JSON.stringify({
    stepId: module.id,
    hosts: viewHosts.map((h, i) => ({ ...h, port: hosts[i]!.port, ...reachOf(hosts[i]!, project) })),
  });
  const planHash = createHash('sha256').update(hashed).digest('hex');
  const reach: ReachSettings = { ...(project.bastion ? { bastion: project.bastion } : {}), ...(project.hostKeyPolicy ? { hostKeyPolicy: project.hostKeyPolicy } : {}) };
  return ok({ view: { stepId: module.id, title: module.title, planHash, hosts: viewHosts, changes }, actions, hosts, reach });
}

/** The jump host a host is reached through, for the plan hash (absent when direct). */
function reachOf(h: Host, project: Project): { via?: string } {
  const j = h.jump ?? project.bastion;
  return j ? { via: `${j.user}@${j.address}:${j.port}` } : {};
}

/** The dry run as plain text, for export: every command per host, exactly as sent. */
export function planText(plan: PlanView, at = new Date()): string {
  const out: string[] = [
    `# Rackside dry run: step ${plan.stepId}`,
    `# plan sha256 ${plan.planHash}`,
    `# generated ${at.toISOString()}; nothing was run`,
    '',
  ];
  for (const h of plan.hosts) {
    out.push(`== ${h.name || h.hostId} (${h.address}, user ${h.user}) ==`);
    h.actions.forEach((a, i) => {
      const flags = [`timeout ${Math.round(a.timeoutMs / 1000)} s`, a.sudo ? 'sudo' : null, a.destructive ? 'DESTRUCTIVE' : null]
        .filter(Boolean)
        .join(', ');
      out.push(`${i + 1}. ${a.id} (${flags})`);
      if (a.probe) out.push(`   already done if: ${a.probe}`);
      out.push(`   $ ${a.command}`);
      for (const c of a.changes ?? []) out.push(`   changes: ${c}`);
    });
    out.push('');
  }
  return out.join('\n');
}
