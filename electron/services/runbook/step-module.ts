import type { FindingCompare, Host, Project, RunbookSeverity } from '../../contract/index.js';
import type { RemoteCommand } from '../ssh/quote.js';

/**
 * A wizard step as the runner sees it (docs/architecture.md, "The step runner"). A module is plain
 * data + two pure functions, so planning and evaluation are unit-testable without a host:
 *
 * - `plan(project, ctx)` says what to run where: an ordered list of actions per host;
 * - `evaluate(results, project)` turns what came back into findings: each with a `code` declared in
 *   `steps/finding-codes.ts` and `params` that fill its texts in `resources/findings/{en,zh-CN}.json`
 *   (`finding-texts.test.ts` fails otherwise); `message`/`remediation` are the English fallback.
 *
 * Register a module in `steps/registry.ts` (`DEFAULT_STEPS`); its `id` is what the UI passes to
 * `runbook.plan` / `runbook.start`, its `title` an i18n key.
 */
export interface StepModule {
  id: string;
  /** i18n key, e.g. `runbook.steps.preflight.title`. */
  title: string;
  plan(project: Project, ctx: PlanContext): Map<string, Action[]>;
  /**
   * The order across hosts: phases run one after the other, each on the hosts it names (chosen by
   * the module, e.g. by role), in parallel or one host at a time; the next phase starts when every
   * host of the phase ended well. Absent: one phase, every planned host, parallel. With phases,
   * every action names its `phase`, and a host's actions of one phase run when that phase runs.
   */
  phases?(project: Project, ctx: PlanContext): Phase[];
  evaluate(results: StepResults, project: Project): Finding[];
  /** The thresholds a run applies (e.g. the hardware profile): journaled with the run and shown in the report. */
  profile?(project: Project): StepProfile;
  /**
   * After a host's last action, still under the host's lock (as k0sctl's phases have CleanUp):
   * confirm or undo what the actions left in flight, e.g. addressing's timer-guarded rollback.
   * It runs whether or not the actions all succeeded (the results say which did); its outcome is
   * journaled (`clean-up`), and a failed one fails the host's part of the run. Must not throw
   * for an unreachable host: that is a failed outcome.
   */
  cleanUp?(host: Host, results: ReadonlyMap<string, ActionResult>, ctx: CleanUpContext): Promise<CleanUpOutcome>;
  /**
   * Checks made from the laptop itself (step 7: the VIP answers here, a port the plan does not
   * open is dropped), after the run's last phase and before `evaluate`. Read-only and bounded by
   * the module; each result is journaled (`local-check`) and `evaluate` sees them as the pseudo-host
   * LAPTOP_HOST. Runs again on every resume or retry (nothing to be "already done"). Must not throw:
   * a check that cannot be made is a failed result.
   */
  local?(project: Project, ctx: LocalContext): Promise<LocalCheckResult[]>;
}

/** The pseudo-host id under which `evaluate` sees a step's laptop-side checks (StepModule.local). */
export const LAPTOP_HOST = 'laptop';

export interface LocalContext {
  input?: unknown;
  signal: AbortSignal;
}

export interface LocalCheckResult {
  /** [a-z0-9-], unique within the step's local checks. */
  id: string;
  status: 'done' | 'failed';
  /** What the check saw, small (the module's own format, read by its `evaluate`). */
  stdout: string;
  /** One line for the journal and the log. */
  message: string;
}

export interface CleanUpContext {
  /** The input the run was planned with (PlanContext.input). */
  input?: unknown;
  signal: AbortSignal;
  /** A line for the host's live output pane. */
  note(text: string): void;
}

export interface CleanUpOutcome {
  status: 'done' | 'failed';
  /** The step's own word for what happened (addressing: applied, rolled-back, failed). */
  result: string;
  message: string;
  /** The host is reached on this address from now on (it moved): the runner releases its lock there. */
  address?: string;
}

export interface StepProfile {
  id: string;
  thresholds: Record<string, unknown>;
  /** Anything the technician confirmed about applying it (e.g. the lab profile on hosts not known to be lab nodes). */
  confirmation?: { technician: string; at: string; hosts: string[] };
}

export interface PlanContext {
  /** The hosts of the project, in inventory order. */
  hosts: readonly Host[];
  /**
   * What the request adds to the project for an on-demand step (which hosts, the addressing
   * scripts built from a host's current state); absent for the wizard's steps. Part of the plan
   * hash through the actions it yields; a run planned with an input cannot be resumed without it.
   */
  input?: unknown;
}

/** A value produced by one action (its trimmed stdout) and used as a parameter of later actions. */
export interface OutputRef {
  output: string;
  /** The producing host's id; absent: the one host that produces it. */
  host?: string;
  /** Every producing host's value, one argument each, in inventory order. */
  all?: boolean;
}

export type ActionArg = string | OutputRef;

/**
 * A RemoteCommand whose argv/args may name outputs; the engine resolves them just before the
 * action runs, the dry run shows them as `<output:NAME@host>`. A RemoteCommand is a StepCommand.
 * The script text itself never holds a ref: values only ever arrive as quoted arguments.
 */
export type StepCommand = { argv: readonly ActionArg[] } | { script: string; args?: readonly ActionArg[] };

export interface Phase {
  /** Stable, [a-z0-9-]; actions name it. */
  id: string;
  /** i18n key. */
  title: string;
  /** Host ids, chosen by the module (by role); run in this order when serial. */
  hosts: readonly string[];
  mode: 'parallel' | 'serial';
}

export interface ActionOutput {
  /** [a-z0-9-]; unique per host within the plan. */
  name: string;
  /** Kept in the secret store, never in the journal (only its SHA-256), redacted everywhere. */
  secret?: boolean;
  /**
   * Re-reads the value when the probe says "already done" (so a resumed or repeated run gets the
   * value the host has without making a new one). Required with a probe.
   */
  read?: StepCommand;
}

export const isOutputRef = (a: ActionArg): a is OutputRef => typeof a !== 'string';

/** The refs a command names, in argument order. */
export function commandRefs(cmd: StepCommand): OutputRef[] {
  const args = 'argv' in cmd ? cmd.argv : (cmd.args ?? []);
  return args.filter(isOutputRef);
}

/** The command with each ref replaced by the arguments `value` gives for it (one, or one per producer for `all`). */
export function resolveCommand(cmd: StepCommand, value: (ref: OutputRef) => readonly string[]): RemoteCommand {
  const map = (args: readonly ActionArg[]) => args.flatMap((a) => (isOutputRef(a) ? [...value(a)] : [a]));
  return 'argv' in cmd ? { argv: map(cmd.argv) } : { script: cmd.script, ...(cmd.args ? { args: map(cmd.args) } : {}) };
}

export interface Action {
  /** Unique within the host's list; stable across runs (the journal refers to it). */
  id: string;
  /** i18n key. */
  title: string;
  /** An argv, or a fixed script with positional parameters: never user text pasted into a shell string. */
  command: StepCommand;
  /** The phase the action belongs to (Phase.id); required when the module has phases. */
  phase?: string;
  /** The action's trimmed stdout is a value later actions use (OutputRef). */
  output?: ActionOutput;
  sudo: boolean;
  timeoutMs: number;
  /** Destructive actions run only with a confirmation naming this plan and its `changes`. */
  destructive: boolean;
  /** What a destructive action changes, one line each, shown in the confirmation. */
  changes?: string[];
  /**
   * `changes` as codes + params the renderer words in the technician's language
   * (`changes.<code>`), index by index; `tickEach`: the confirmation asks a tick per change (each
   * disk a storage action wipes), not one for the whole list.
   */
  changeTexts?: { code: string; params: Record<string, string | number>; tickEach?: boolean }[];
  /**
   * "Already done?": exit 0 means the action's effect is in place and the command is not run. An
   * action with side effects must have one; an action without one is re-run on resume, so it
   * must be read-only or harmless to repeat.
   */
  probe?: StepCommand;
  /** Keep stdout (up to CAPTURE_LIMIT bytes, secrets redacted) in the journal for `evaluate`. */
  capture?: boolean;
  /**
   * The host this action is about, when it runs on another host's connection: the worker joins
   * run `pcs cluster node add W` and "seen by the cluster" on the first master, but the technician
   * reads them in W's timeline. Absent: the host it runs on. Shown in the plan, hashed with it.
   */
  about?: string;
  /**
   * The timeline stage the action belongs to (worker joins: `JOIN_STAGES` — packages,
   * configuration, service, seen). A stage's time limit is its actions' timeouts. Absent: none.
   */
  stage?: string;
}

export interface ActionResult {
  status: 'done' | 'already-done' | 'failed' | 'skipped' | 'interrupted' | 'cancelled' | 'pending';
  exitCode: number | null;
  /** Captured stdout of the run that completed the action (only with `capture`). */
  stdout: string;
  /** The action's output value (Action.output), when it has one and it is not secret. */
  output?: string;
}

/** hostId → actionId → result of its latest attempt. */
export type StepResults = Map<string, Map<string, ActionResult>>;

export interface Finding {
  severity: RunbookSeverity;
  hostId?: string;
  code: string;
  message: string;
  remediation: string;
  params?: Record<string, string | number>;
  measured?: string | number;
  threshold?: string | number;
  /** The numbers behind measured/threshold, so a waiver can tell a worse value from an equal one. */
  compare?: FindingCompare;
}

/** Captured stdout is for small, structured outputs (os-release, df); more is cut. */
export const CAPTURE_LIMIT = 64 * 1024;

export const findingKey = (f: { code: string; hostId?: string | undefined }) => `${f.code}@${f.hostId ?? '*'}`;
