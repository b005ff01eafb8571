import { createHash } from 'node:crypto';
import { because, causedBy, err, ok, type Host, type PlanView, type Project, type Result } from '../../contract/index.js';
import { wireLine, type RemoteCommand } from '../ssh/quote.js';
import type { ReachSettings } from '../ssh/target.js';
import { wrapForLock } from './lock.js';
import { StepRefusal } from './refusal.js';
import { commandRefs, isOutputRef, resolveCommand, type Action, type OutputRef, type Phase, type SecretRef, type StepCommand, type StepModule } from './step-module.js';

export interface BuiltPlan {
  view: PlanView;
  /** hostId → actions, in order. Only hosts with at least one action. */
  actions: Map<string, Action[]>;
  hosts: Host[];
  /** How the hosts are reached (the project's bastion and host-key policy). */
  reach: ReachSettings;
  /**
   * The phases in order, each with only its hosts that have actions in it. A module without
   * phases gets one: every planned host, parallel (`DEFAULT_PHASE`).
   */
  phases: Phase[];
  /** Output name → the hosts producing it, in inventory order. */
  producers: Map<string, string[]>;
}

/** The phase of a step without phases (not shown in the plan, not hashed). */
export const DEFAULT_PHASE = 'all';

/** The actions of a host that run in a phase, in plan order. */
export function actionsIn(plan: Pick<BuiltPlan, 'actions' | 'phases'>, phaseId: string, hostId: string): Action[] {
  const list = plan.actions.get(hostId) ?? [];
  return phaseId === DEFAULT_PHASE && plan.phases.length === 1 && plan.phases[0]!.id === DEFAULT_PHASE ? list : list.filter((a) => a.phase === phaseId);
}

/** How the dry run and the plan hash show a ref: named, never a value, so the hash is stable. */
export const outputPlaceholder = (name: string, hostId: string) => `<output:${name}@${hostId}>`;

/** The producers a ref stands for: one (its host, or the only producer), or all of them. */
export function refHosts(ref: OutputRef, producers: ReadonlyMap<string, readonly string[]>): string[] {
  const all = producers.get(ref.output) ?? [];
  if (ref.all) return [...all];
  if (ref.host !== undefined) return all.includes(ref.host) ? [ref.host] : [];
  return all.length === 1 ? [all[0]!] : [];
}

/** A command with its refs as placeholders (the dry run). */
export const placeholderCommand = (cmd: StepCommand, producers: ReadonlyMap<string, readonly string[]>): RemoteCommand =>
  resolveCommand(cmd, (ref) => refHosts(ref, producers).map((h) => outputPlaceholder(ref.output, h)));

/** How the dry run and the plan hash show a store secret on stdin: its id (and kind), never its value. */
export const secretRefPlaceholder = (ref: SecretRef) => `<secret:${ref.secret}${ref.kind && ref.kind !== 'password' ? `:${ref.kind}` : ''}>`;

/** A command's stdin lines as the dry run shows them (refs as placeholders); undefined without stdin. */
export function placeholderStdin(cmd: StepCommand, producers: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  if (!cmd.stdin?.length) return undefined;
  return cmd.stdin.flatMap((a) => (typeof a === 'string' ? [a]
    : isOutputRef(a) ? refHosts(a, producers).map((h) => outputPlaceholder(a.output, h))
      : [secretRefPlaceholder(a)]));
}

/** For commands that must not name outputs (a step without them): a ref here is a bug. */
export const noRefs = (ref: OutputRef): never => {
  throw new Error(`Unresolved output ref ${ref.output}`);
};

/**
 * Byte for byte what the host's sshd is sent for a command (HostConnection.exec), as the dry run
 * shows it; an output ref appears as its placeholder (`<output:NAME@host>`) where the value is sent.
 */
export function displayLine(cmd: RemoteCommand, sudo: boolean): string {
  return wireLine(cmd, sudo);
}

/**
 * The command an action runs: its own, under the run lock (wrapForLock), with its refs resolved by
 * `value` (the engine: the outputs' values; the dry run: placeholders).
 */
export const lockedCommand = (a: Pick<Action, 'id' | 'command'>, value: (ref: OutputRef) => readonly string[] = noRefs): RemoteCommand =>
  wrapForLock(resolveCommand(a.command, value), a.id);

const PHASE_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
const OUTPUT_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

/**
 * Phases and outputs checked: known hosts, every action in a phase of its host, output names
 * unique per host, and every ref naming an output produced before it runs — in an earlier phase,
 * or earlier on the same host in the same phase (a host of the same phase may run at the same
 * time, so its values are not "before"). Returns the phases in use and the producers, or why not.
 */
function checkPhases(
  module: StepModule,
  project: Project,
  input: unknown,
  actions: Map<string, Action[]>,
): { phases: Phase[]; producers: Map<string, string[]> } | string | StepRefusal {
  const planned = project.hosts.filter((h) => actions.has(h.id)).map((h) => h.id);
  let phases: Phase[];
  if (module.phases) {
    try {
      phases = module.phases(project, { hosts: project.hosts, ...(input !== undefined ? { input } : {}) });
    } catch (e) {
      if (e instanceof StepRefusal) return e;
      return `could not plan its phases: ${(e as Error).message}`;
    }
    const ids = new Set<string>();
    for (const p of phases) {
      if (!PHASE_ID.test(p.id)) return `bad phase id "${p.id}"`;
      if (ids.has(p.id)) return `phase "${p.id}" twice`;
      ids.add(p.id);
      if (new Set(p.hosts).size !== p.hosts.length) return `phase "${p.id}" names a host twice`;
      for (const h of p.hosts) if (!project.hosts.some((x) => x.id === h)) return `phase "${p.id}" names unknown host ${h}`;
    }
    for (const [hostId, list] of actions) {
      for (const a of list) {
        const p = phases.find((x) => x.id === a.phase);
        if (!p) return `action "${a.id}" on host ${hostId} is in no phase of the step (${a.phase ?? 'none given'})`;
        if (!p.hosts.includes(hostId)) return `action "${a.id}" is in phase "${p.id}", which does not run on host ${hostId}`;
      }
    }
    // Only the hosts with work in a phase take part in it.
    phases = phases
      .map((p) => ({ ...p, hosts: p.hosts.filter((h) => actions.get(h)?.some((a) => a.phase === p.id)) }))
      .filter((p) => p.hosts.length > 0);
  } else {
    for (const [hostId, list] of actions) {
      const a = list.find((x) => x.phase !== undefined);
      if (a) return `action "${a.id}" on host ${hostId} names phase "${a.phase}" but the step has no phases`;
    }
    phases = [{ id: DEFAULT_PHASE, title: module.title, hosts: planned, mode: 'parallel' }];
  }

  // Where each action runs in the order: (phase index, position on its host).
  const producers = new Map<string, string[]>();
  const producedAt = new Map<string, { phase: number; index: number }>(); // `${name}\0${host}`
  for (const hostId of planned) {
    actions.get(hostId)!.forEach((a, index) => {
      if (!a.output) return;
      if (!OUTPUT_NAME.test(a.output.name)) return;
      const key = `${a.output.name}\0${hostId}`;
      producedAt.set(key, { phase: phases.findIndex((p) => p.id === (a.phase ?? DEFAULT_PHASE)), index });
    });
  }
  for (const hostId of planned) {
    const seen = new Set<string>();
    for (const a of actions.get(hostId)!) {
      if (!a.output) continue;
      if (!OUTPUT_NAME.test(a.output.name)) return `bad output name "${a.output.name}" (action "${a.id}")`;
      if (seen.has(a.output.name)) return `output "${a.output.name}" produced twice on host ${hostId}`;
      seen.add(a.output.name);
      if (a.probe && !a.output.read) return `action "${a.id}" has a probe and an output but no \`read\` to get the value when the probe says done`;
      producers.set(a.output.name, [...(producers.get(a.output.name) ?? []), hostId]);
    }
  }
  for (const hostId of planned) {
    const list = actions.get(hostId)!;
    for (let index = 0; index < list.length; index++) {
      const a = list[index]!;
      const phase = phases.findIndex((p) => p.id === (a.phase ?? DEFAULT_PHASE));
      const cmds = [a.command, ...(a.probe ? [a.probe] : []), ...(a.output?.read ? [a.output.read] : [])];
      for (const ref of cmds.flatMap(commandRefs)) {
        const from = refHosts(ref, producers);
        const named = `output "${ref.output}"${ref.host ? ` of host ${ref.host}` : ''}`;
        if (from.length === 0) {
          return (producers.get(ref.output)?.length ?? 0) > 1 && !ref.host
            ? `action "${a.id}" on host ${hostId} uses ${named}, which several hosts produce: name the host or ask for all`
            : `action "${a.id}" on host ${hostId} uses ${named}, which no action of the step produces`;
        }
        for (const p of from) {
          const at = producedAt.get(`${ref.output}\0${p}`)!;
          const before = at.phase < phase || (at.phase === phase && p === hostId && at.index < index);
          if (!before) return `action "${a.id}" on host ${hostId} uses ${named} of host ${p}, which is not produced before it runs`;
        }
      }
    }
  }
  return { phases, producers };
}

/**
 * Plan a step for a project: the module's actions per host, checked (unique ids, known hosts,
 * destructive actions say what they change) and hashed. The hash covers everything that decides
 * what runs where, so a confirmation or a resume bound to it cannot apply to a different plan.
 */
/** A step module that broke its own contract: the English says how, the screen that it is a bug. */
const stepBug = (step: string, message: string) => because(err('internal', message, 'This is a bug in the step; please report it.'), 'run-step-bug', { step, detail: message });

/** The step would not plan (StepRefusal): nothing ran; the refusal's own reason words why. */
const refused = (step: string, e: StepRefusal) =>
  because(err('unsupported', `Step ${step} was not planned: ${e.message}`, 'Nothing was run. Correct what is named, then try again.', e.issues), 'run-plan-refused',
    { step, detail: e.message, ...causedBy(e) });

export function buildPlan(module: StepModule, project: Project, input?: unknown): Result<BuiltPlan> {
  let planned: Map<string, Action[]>;
  try {
    planned = module.plan(project, { hosts: project.hosts, ...(input !== undefined ? { input } : {}) });
  } catch (e) {
    if (e instanceof StepRefusal) return refused(module.id, e);
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
      if (a.about !== undefined && !byId.has(a.about)) return stepBug(module.id, `Step ${module.id}: action "${a.id}" is about unknown host ${a.about}`);
      if (a.destructive && !a.changes?.length) {
        return stepBug(module.id, `Step ${module.id}: destructive action "${a.id}" does not say what it changes`);
      }
    }
    if (list.length === 0) continue;
    actions.set(hostId, list);
  }
  const checked = checkPhases(module, project, input, actions);
  if (checked instanceof StepRefusal) return refused(module.id, checked);
  if (typeof checked === 'string') return err('internal', `Step ${module.id}: ${checked}`, 'This is a bug in the step; please report it.');
  const { phases, producers } = checked;
  const shown = (cmd: StepCommand) => placeholderCommand(cmd, producers);
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
      command: displayLine(wrapForLock(shown(a.command), a.id), a.sudo),
      ...(a.probe ? { probe: displayLine(shown(a.probe), a.sudo) } : {}),
      // Only an action with stdin shows (and hashes) it: other plans' hashes are what they were.
      ...(a.command.stdin?.length ? { stdin: placeholderStdin(a.command, producers)! } : {}),
      ...(a.probe?.stdin?.length ? { probeStdin: placeholderStdin(a.probe, producers)! } : {}),
      sudo: a.sudo,
      timeoutMs: a.timeoutMs,
      destructive: a.destructive,
      ...(a.changes ? { changes: [...a.changes] } : {}),
      ...(a.phase !== undefined ? { phase: a.phase } : {}),
      ...(a.about !== undefined ? { about: a.about } : {}),
      ...(a.stage !== undefined ? { stage: a.stage } : {}),
      ...(a.output ? { output: { name: a.output.name, ...(a.output.secret ? { secret: true } : {}) } } : {}),
    })),
  }));
  // Only a step with phases shows (and hashes) them: a phase-less plan's hash is what it was.
  const viewPhases = module.phases ? phases.map((p) => ({ id: p.id, title: p.title, hosts: [...p.hosts], mode: p.mode })) : undefined;
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
    ...(viewPhases ? { phases: viewPhases } : {}),
  });
  const planHash = createHash('sha256').update(hashed).digest('hex');
  const reach: ReachSettings = { ...(project.bastion ? { bastion: project.bastion } : {}), ...(project.hostKeyPolicy ? { hostKeyPolicy: project.hostKeyPolicy } : {}) };
  return ok({
    view: { stepId: module.id, title: module.title, planHash, hosts: viewHosts, ...(viewPhases ? { phases: viewPhases } : {}), changes },
    actions,
    hosts,
    reach,
    phases,
    producers,
  });
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
  if (plan.phases) {
    out.push('Phases, in order (the next starts when every host of one ended well):');
    const name = (id: string) => plan.hosts.find((h) => h.hostId === id)?.name || id;
    plan.phases.forEach((p, i) => out.push(`${i + 1}. ${p.id} (${p.mode}): ${p.hosts.map(name).join(', ')}`));
    out.push('');
  }
  for (const h of plan.hosts) {
    out.push(`== ${h.name || h.hostId} (${h.address}, user ${h.user}) ==`);
    h.actions.forEach((a, i) => {
      const flags = [`timeout ${Math.round(a.timeoutMs / 1000)} s`, a.sudo ? 'sudo' : null, a.destructive ? 'DESTRUCTIVE' : null]
        .filter(Boolean)
        .join(', ');
      out.push(`${i + 1}. ${a.id} (${[a.phase ? `phase ${a.phase}` : null, flags].filter(Boolean).join(', ')})`);
      if (a.output) out.push(`   output: ${a.output.name}${a.output.secret ? ' (secret: kept in the secret store, shown as a placeholder)' : ''}`);
      if (a.probe) out.push(`   already done if: ${a.probe}`);
      if (a.probeStdin) out.push(`   its stdin, one per line: ${a.probeStdin.join(' ')}`);
      out.push(`   $ ${a.command}`);
      if (a.stdin) out.push(`   stdin, one per line: ${a.stdin.join(' ')}`);
      for (const c of a.changes ?? []) out.push(`   changes: ${c}`);
    });
    out.push('');
  }
  return out.join('\n');
}
