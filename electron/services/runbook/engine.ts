import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import {
  because,
  causedBy,
  err,
  ok,
  type EventChannel,
  type FindingView,
  type Host,
  type LockHolder,
  type PlanView,
  type Project,
  type Result,
  type RunView,
  type StepState,
  type Waiver,
  type WaiverWithdrawal,
} from '../../contract/index.js';
import type { Logger } from '../log/logger.js';
import { Journal, readJournal, type NewJournalEvent } from '../project/journal.js';
import { openProject } from '../project/project-store.js';
import { outputSecretKind, redactDeep, redactSecrets, type SecretStore } from '../secrets/secret-store.js';
import type { SshTarget } from '../ssh/connect.js';
import { targetOf } from '../ssh/target.js';
import { hostKeyChangedMessage, type HostKeyState } from '../ssh/host-key-state.js';
import type { ExecResult, HostConnection } from '../ssh/host-connection.js';
import type { RemoteCommand } from '../ssh/quote.js';
import {
  acquireCommand,
  HEARTBEAT_INTERVAL_MS,
  heartbeatCommand,
  parseAcquire,
  ownedByInstance,
  releaseCommand,
  runOwner,
  waitOrphanCommand,
  type LockOwner,
} from './lock.js';
import { OutputBatcher } from './output-batcher.js';
import { actionsIn, buildPlan, displayLine, lockedCommand, placeholderCommand, planText, refHosts, type BuiltPlan } from './plan.js';
import { isComplete, JournalState, LOCK_STALE_S, outputKey, type Live } from './replay.js';
import { CAPTURE_LIMIT, commandRefs, findingKey, resolveCommand, type Action, type LocalCheckResult, type OutputRef, type Phase, type StepCommand, type CleanUpOutcome, type StepModule } from './step-module.js';
import { Transcript, transcriptPath } from './transcript.js';

/**
 * A host's live output pane (the terminal dock's step stream, TerminalManager.openStepStream).
 * Text arrives with secrets already redacted.
 */
export interface HostOutputSink {
  action(title: string): void;
  stdout(text: string): void;
  stderr(text: string): void;
  note(text: string): void;
  end(result?: { exitCode?: number | null; message?: string }): Promise<void>;
}


export interface RunbookDeps {
  /** The SSH engine: one connection per host (SshPool). */
  pool: { host(target: SshTarget): HostConnection };
  /** Opens a host's live output pane for a run; optional (tests, headless runners). */
  openHostStream?: (host: Host, title: string, projectDir: string, run?: { runId: string; stepId: string }) => Promise<HostOutputSink>;
  secrets: SecretStore;
  steps: ReadonlyMap<string, StepModule>;
  emit: (channel: EventChannel, payload: unknown) => void;
  log: Logger;
  /** Who this runner is, as lock files show it. Default: a new id, this laptop, this process. */
  owner?: LockOwner;
  /** Hosts whose key changed (SshPool.hostKeys): no run starts on them, and runs on them stop. */
  hostKeys?: Pick<HostKeyState, 'get' | 'subscribe'>;
  heartbeatMs?: number;
}

export interface StartOptions {
  resume?: boolean;
  confirmation?: { planHash: string; changes: string[] };
  takeOver?: string[];
  /** Resume only these hosts (retry / skip of one host). */
  onlyHosts?: string[];
  /** An on-demand step's input (PlanContext.input). */
  input?: unknown;
}

interface ProjectCtx {
  dir: string;
  journal: Journal;
  state: JournalState;
}

interface ActiveRun {
  runId: string;
  stepId: string;
  dir: string;
  module: StepModule;
  built: BuiltPlan;
  input?: unknown;
  abort: AbortController;
  /**
   * The abort of each host task going on; stopRun aborts them with the run. No host listens on the
   * run's signal: a listener per host made 100 hosts 100 listeners (MaxListenersExceededWarning).
   */
  hostAborts: Set<AbortController>;
  /** Output values known to this run: `${name}\0${hostId}` → value (secrets too, in memory only). */
  outputs: Map<string, string>;
  /** Phase drivers going on (a retry of one host adds one): the run ends when the last ends. */
  drivers: number;
  /** Resolves when the last host task ends. */
  done: Promise<RunView | undefined>;
  finish: (v: RunView | undefined) => void;
}

/** Cancel a run: its own signal (checked between phases and hosts) and each host task's. */
function stopRun(run: ActiveRun): void {
  run.abort.abort();
  for (const c of run.hostAborts) c.abort();
}

/** This laptop as lock files name it: host name plus a piece of the machine id, since two laptops may share a name. */
export function laptopName(): string {
  let id = '';
  try {
    id = readFileSync('/etc/machine-id', 'utf8').trim().slice(0, 8);
  } catch {
    // No machine id (not Linux): the host name alone.
  }
  return id ? `${hostname()} (${id})` : hostname();
}

const pidAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const holderRecord = (h: LockHolder) => ({
  owner: h.owner,
  laptop: h.laptop,
  pid: h.pid,
  runId: h.runId,
  ...(h.stepId ? { stepId: h.stepId } : {}),
  heartbeatAgeS: h.heartbeatAgeS,
});

const newRunId = () => `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${randomBytes(3).toString('hex')}`;

/**
 * The step runner. Runs a step's plan on its hosts in parallel (one SSH connection per host), a
 * host stopping at its first failed action while the others go on; journals every action before it
 * starts (fsync'd) and after it ends; writes a transcript per action; holds a lock on each host
 * while it works there; and rebuilds its state from the journal, so a run killed at any point can
 * be resumed without running anything twice that the probes can tell is done.
 */
export class Runbook {
  readonly owner: LockOwner;
  private readonly projects = new Map<string, Promise<ProjectCtx>>();
  private readonly active = new Map<string, ActiveRun>();
  private readonly live: Live = { hosts: new Map(), runs: new Set() };
  private readonly output: OutputBatcher;
  /** Each running host task, so a host key change on its endpoint can stop it. */
  private readonly hostTasks = new Set<{ address: string; port: number; abort: AbortController }>();

  constructor(private readonly deps: RunbookDeps) {
    this.owner = deps.owner ?? { owner: randomUUID(), laptop: laptopName(), pid: process.pid };
    this.output = new OutputBatcher((c) => deps.emit('runbook.output', c));
    deps.hostKeys?.subscribe((c, state) => {
      if (state !== 'changed') return;
      for (const t of this.hostTasks) {
        if (t.address.toLowerCase() === c.address.toLowerCase() && t.port === c.port) t.abort.abort();
      }
    });
  }

  /** Why a host cannot be worked on now, when its key changed; the journal and screen show this cause. */
  private keyChanged(host: Host): string | undefined {
    const c = this.deps.hostKeys?.get(host.address, host.port);
    return c ? hostKeyChangedMessage(c) : undefined;
  }

  /** The same cause as a code + params for the journal's host-stopped event (worded on screen from reasons.*). */
  private keyChangedCode(host: Host): { code: 'run-host-key-stopped'; params: Record<string, string | number> } | undefined {
    const c = this.deps.hostKeys?.get(host.address, host.port);
    return c ? { code: 'run-host-key-stopped', params: { address: c.address, port: c.port, known: c.knownFingerprints.join(', '), fingerprint: c.fingerprint } } : undefined;
  }

  private refuseChangedKeys(hosts: readonly Host[]): Result<never> | undefined {
    const changed = hosts.flatMap((h) => {
      const why = this.keyChanged(h);
      return why ? [`${h.name || h.id}: ${why}`] : [];
    });
    if (changed.length === 0) return undefined;
    const names = hosts.filter((h) => this.keyChanged(h)).map((h) => h.name || h.id).join(', ');
    return because(err('validation-failed', changed.join(' '),
      'Compare the fingerprints with the server\'s own (at its console); if the change is expected (reinstalled server), replace the key in the inventory step, otherwise check the network.'), 'run-host-key-changed', { hosts: names });
  }

  private module(stepId: string): Result<StepModule> {
    const m = this.deps.steps.get(stepId);
    return m ? ok(m) : because(err('not-found', `There is no step "${stepId}"`, 'This is a bug in the app; please report it.'), 'run-unknown-step', { step: stepId });
  }

  async plan(dir: string, stepId: string, input?: unknown): Promise<Result<{ plan: PlanView; text: string }>> {
    const m = this.module(stepId);
    if (!m.ok) return m;
    const opened = await openProject(dir);
    if (!opened.ok) return opened;
    const built = buildPlan(m.value, opened.value.project, input);
    if (!built.ok) return built;
    return ok({ plan: built.value.view, text: planText(built.value.view) });
  }

  /** Project folder → journal handle and state (replayed from disk the first time). */
  private ctx(dir: string): Promise<ProjectCtx> {
    const key = resolve(dir);
    let p = this.projects.get(key);
    if (!p) {
      p = (async () => {
        const events = await readJournal(key);
        if (!events.ok) throw Object.assign(new Error(events.error.message), { result: events });
        return { dir: key, journal: await Journal.open(key), state: JournalState.from(events.value) };
      })();
      this.projects.set(key, p);
      p.catch(() => this.projects.delete(key));
    }
    return p;
  }

  private async ctxResult(dir: string): Promise<Result<ProjectCtx>> {
    try {
      return ok(await this.ctx(dir));
    } catch (e) {
      const r = (e as { result?: Result<never> }).result;
      if (r) return r;
      return because(err('io-failed', `Cannot open the journal in ${dir}: ${(e as Error).message}`, 'Check that the folder is writable.'),
        'run-journal-unopenable', { dir, detail: (e as NodeJS.ErrnoException).code ?? (e as Error).message });
    }
  }

  private runsIn(dir: string) {
    return [...this.active.values()].filter((r) => r.dir === resolve(dir));
  }

  /** State of every registered step, rebuilt from project.yaml + journal.ndjson, plus what runs now. */
  async state(dir: string): Promise<Result<{ steps: StepState[] }>> {
    const key = resolve(dir);
    let state: JournalState;
    if (this.runsIn(key).length > 0) {
      state = (await this.ctx(key)).state;
    } else {
      // Nothing running here: the disk is the truth (another runner may have written to it).
      const events = await readJournal(key);
      if (!events.ok) return events;
      state = JournalState.from(events.value);
      const cached = this.projects.get(key);
      if (cached) void cached.then((c) => (c.state = state), () => {});
    }
    return ok({ steps: [...this.deps.steps.values()].map((m) => state.stepState(m.id, m.title, this.live)) });
  }

  /** Start a new run of a step, or resume its last run. Returns once the run is journaled; it goes on in the background. */
  async start(dir: string, stepId: string, opts: StartOptions = {}): Promise<Result<{ runId: string }>> {
    const m = this.module(stepId);
    if (!m.ok) return m;
    const opened = await openProject(dir);
    if (!opened.ok) return opened;
    const project = opened.value.project;
    const built = buildPlan(m.value, project, opts.input);
    if (!built.ok) return built;
    const plan = built.value.view;

    if (plan.changes.length > 0) {
      const want = plan.changes.map((c) => c.change).sort();
      const got = [...(opts.confirmation?.changes ?? [])].sort();
      if (opts.confirmation?.planHash !== plan.planHash || JSON.stringify(want) !== JSON.stringify(got)) {
        return because(err('validation-failed', `This step changes the servers (${plan.changes.length} change(s)); it runs only after you confirm exactly these changes`,
          'Review the list of changes and confirm them.'), 'run-confirm-changes', { count: plan.changes.length });
      }
    }
    const c = await this.ctxResult(dir);
    if (!c.ok) return c;
    const ctx = c.value;

    const running = this.runsIn(ctx.dir).find((r) => r.stepId === stepId);
    // A step with phases retries a host only once the run has stopped: its phases go on from there.
    if (running && (!(opts.resume && opts.onlyHosts) || built.value.phases.length > 1)) {
      return because(err('validation-failed', `Step ${stepId} is already running in this project`, 'Wait for it to finish or cancel it.'), 'run-already-running', { step: stepId });
    }

    let runId: string;
    let hosts = built.value.hosts;
    if (opts.resume) {
      const last = ctx.state.lastRun(stepId);
      if (!last) return because(err('not-found', `Step ${stepId} has no run to resume`, 'Start the step instead.'), 'run-nothing-to-resume-from', { step: stepId });
      if (last.plan.planHash !== plan.planHash) {
        return because(err('validation-failed', 'The plan changed since the last run (project or inventory edited), so it cannot be resumed',
          'Start a new run; actions already done are recognised by their probes and not repeated.'), 'run-plan-changed');
      }
      runId = last.runId;
      const liveHere = this.live.hosts.get(runId);
      const unfinished = hosts.filter((h) => {
        if (liveHere?.has(h.id)) return false;
        const rec = last.hosts.find((x) => x.hostId === h.id);
        return rec !== undefined && rec.actions.some((a) => !isComplete(a.status));
      });
      hosts = unfinished.filter((h) => !opts.onlyHosts || opts.onlyHosts.includes(h.id));
      // A phased run whose retried or skipped host is done may still have hosts its phases never
      // reached: the run goes on with those (drive), so it is not "nothing to resume".
      const reachable = built.value.phases.length > 1 && unfinished.some((h) => !last.hosts.find((x) => x.hostId === h.id)?.stopReason);
      if (hosts.length === 0 && !reachable) return because(err('validation-failed', 'Nothing to resume: every action of this run is done', 'Start a new run to check again.'), 'run-nothing-to-resume');
      const refused = this.refuseChangedKeys(hosts);
      if (refused) return refused;
      await this.append(ctx, { type: 'run-resumed', runId, stepId, hostIds: hosts.map((h) => h.id), ...this.owner });
    } else {
      const refused = this.refuseChangedKeys(hosts);
      if (refused) return refused;
      runId = newRunId();
      const profile = m.value.profile?.(project);
      await this.append(ctx, { type: 'run-started', runId, stepId, plan, ...this.owner, ...(profile ? { profile } : {}) });
    }

    let run = running && running.runId === runId ? running : undefined;
    if (!run) {
      let finish!: (v: RunView | undefined) => void;
      const done = new Promise<RunView | undefined>((r) => (finish = r));
      run = {
        runId, stepId, dir: ctx.dir, module: m.value, built: built.value, ...(opts.input !== undefined ? { input: opts.input } : {}),
        abort: new AbortController(), hostAborts: new Set(), outputs: opts.resume ? this.restoreOutputs(ctx, runId, stepId) : new Map(), drivers: 0, done, finish,
      };
      this.active.set(runId, run);
    }
    this.live.hosts.set(runId, this.live.hosts.get(runId) ?? new Set<string>());
    this.live.runs!.add(runId);
    this.emitRun(ctx, runId);
    const active = run;
    active.drivers++;
    void this.drive(ctx, active, new Set(hosts.map((h) => h.id)), new Set(opts.takeOver ?? []))
      .catch((e: Error) => this.deps.log.error('run task failed', { runId, error: e.stack ?? e.message }))
      .finally(async () => {
        active.drivers--;
        if (active.drivers !== 0) return;
        await this.localChecks(ctx, active, project).catch((e: Error) => this.deps.log.error('local checks failed', { runId, error: e.stack ?? e.message }));
        // A retry may have started a driver while the checks ran: that driver finishes the run.
        if (active.drivers === 0) void this.finishRun(ctx, active);
      });
    return ok({ runId });
  }

  /**
   * The outputs a resumed run already has: a value from the journal, a secret from the secret
   * store (when its SHA-256 is the one journaled). Missing ones are re-read before a phase needs them.
   */
  private restoreOutputs(ctx: ProjectCtx, runId: string, stepId: string): Map<string, string> {
    const out = new Map<string, string>();
    for (const [key, o] of ctx.state.runs.get(runId)?.outputs ?? []) {
      const value = o.secret ? this.deps.secrets.get(o.hostId, outputSecretKind(stepId, o.name)) : o.value;
      if (value !== undefined && sha256(value) === o.sha256) out.set(key, value);
    }
    return out;
  }

  /**
   * Runs the plan phase by phase. In the first phase with work left only `first` hosts run (a
   * resume: the unfinished ones; a retry: the one host) and those the run never reached there;
   * later phases run all their hosts. A phase with a host that did not end well is the last one:
   * the run stops there, to be resumed.
   */
  private async drive(ctx: ProjectCtx, run: ActiveRun, first: Set<string>, takeOver: Set<string>): Promise<void> {
    const { built } = run;
    const open = (phase: Phase, hostId: string) => {
      const rec = ctx.state.runs.get(run.runId)?.hosts.find((h) => h.hostId === hostId);
      return actionsIn(built, phase.id, hostId).some((a) => {
        const st = rec?.actions.find((x) => x.actionId === a.id)?.status;
        return st === undefined || !isComplete(st);
      });
    };
    const hostOf = new Map(built.hosts.map((h) => [h.id, h]));
    let firstPhase = true;
    for (const [index, phase] of built.phases.entries()) {
      const openHosts = phase.hosts.filter((h) => open(phase, h));
      if (openHosts.length === 0) continue;
      // A host of a phased run that the run never reached (later in a serial phase) goes on too:
      // retrying the host that stopped the phase continues the phase, not just that host.
      const unreached = (hostId: string) => {
        const rec = ctx.state.runs.get(run.runId)?.hosts.find((h) => h.hostId === hostId);
        return built.phases.length > 1 && rec !== undefined && !rec.stopReason && !rec.lockHolder
          && actionsIn(built, phase.id, hostId).every((a) => rec.actions.find((x) => x.actionId === a.id)?.status === 'pending');
      };
      const now = firstPhase ? openHosts.filter((h) => first.has(h) || unreached(h)) : openHosts;
      firstPhase = false;
      if (run.abort.signal.aborted || now.length === 0) break;
      if (!(await this.recoverOutputs(ctx, run, phase, now, takeOver))) break;
      if (built.phases.length > 1) await this.append(ctx, { type: 'phase-started', runId: run.runId, phaseId: phase.id, hostIds: now });
      // The host's clean-up follows its last phase (or the phase it stopped in: the run stops there).
      const lastPhaseOf = (hostId: string) => built.phases.findLastIndex((p) => p.hosts.includes(hostId));
      const part = (hostId: string) =>
        this.hostPart(ctx, run, hostOf.get(hostId)!, actionsIn(built, phase.id, hostId), takeOver, (ended) => ended === 'failed' || lastPhaseOf(hostId) === index);
      if (phase.mode === 'parallel') await Promise.all(now.map(part));
      else {
        for (const h of now) {
          await part(h);
          // One at a time means a failure stops the rest of the phase (a rolling change goes no further).
          if (open(phase, h) || run.abort.signal.aborted) break;
        }
      }
      if (phase.hosts.some((h) => open(phase, h))) break;
    }
  }

  /** One host's actions of a phase, shown live while it runs. */
  private async hostPart(
    ctx: ProjectCtx, run: ActiveRun, host: Host, actions: Action[], takeOver: Set<string>,
    cleanUpAfter: (ended: 'done' | 'failed') => boolean, reread = false,
  ): Promise<void> {
    const liveHosts = this.live.hosts.get(run.runId)!;
    liveHosts.add(host.id);
    try {
      await this.runHost(ctx, run, host, actions, takeOver.has(host.id), cleanUpAfter, reread);
    } catch (e) {
      this.deps.log.error('host task failed', { runId: run.runId, hostId: host.id, error: (e as Error).stack ?? (e as Error).message });
    } finally {
      liveHosts.delete(host.id);
      this.emitHost(ctx, run.runId, host.id);
    }
  }

  /**
   * Before a phase: every output its actions use must be known. One a resumed run lost (a secret
   * of a memory-only store) is read again from its producer: the producing action's probe must say
   * done, then its `read` gives the value; it is never made anew. False: the run cannot go on.
   */
  private async recoverOutputs(ctx: ProjectCtx, run: ActiveRun, phase: Phase, hostIds: string[], takeOver: Set<string>): Promise<boolean> {
    const { built } = run;
    const missing = new Map<string, Action[]>();
    for (const hostId of hostIds) {
      const rec = ctx.state.runs.get(run.runId)?.hosts.find((h) => h.hostId === hostId);
      for (const a of actionsIn(built, phase.id, hostId)) {
        const st = rec?.actions.find((x) => x.actionId === a.id)?.status;
        if (st !== undefined && isComplete(st)) continue;
        for (const ref of [a.command, ...(a.probe ? [a.probe] : []), ...(a.output?.read ? [a.output.read] : [])].flatMap(commandRefs)) {
          for (const p of refHosts(ref, built.producers)) {
            if (run.outputs.has(outputKey(ref.output, p))) continue;
            const producer = built.actions.get(p)?.find((x) => x.output?.name === ref.output);
            if (!producer) continue;
            // Made earlier in this very phase on this host, and not yet: the phase makes it (a
            // fresh run), so it is not lost.
            const producerStatus = ctx.state.runs.get(run.runId)?.hosts.find((h) => h.hostId === p)?.actions.find((x) => x.actionId === producer.id)?.status;
            if (actionsIn(built, phase.id, p).includes(producer) && !(producerStatus !== undefined && isComplete(producerStatus))) continue;
            const list = missing.get(p) ?? [];
            if (!list.includes(producer)) list.push(producer);
            missing.set(p, list);
          }
        }
      }
    }
    if (missing.size === 0) return true;
    const hostOf = new Map(built.hosts.map((h) => [h.id, h]));
    await Promise.all([...missing].map(([p, list]) => this.hostPart(ctx, run, hostOf.get(p)!, list, takeOver, () => false, true)));
    return [...missing].every(([p, list]) => list.every((a) => run.outputs.has(outputKey(a.output!.name, p))));
  }

  /** A ref's argument(s) from the run's outputs; a value not known (yet) throws. */
  private refValue(run: ActiveRun) {
    return (ref: OutputRef): string[] =>
      refHosts(ref, run.built.producers).map((h) => {
        const v = run.outputs.get(outputKey(ref.output, h));
        if (v === undefined) throw new Error(`output ${ref.output} of host ${h} is not known`);
        return v;
      });
  }

  /**
   * The step's laptop-side checks (StepModule.local) at the end of a run that was not cancelled,
   * each journaled, so `evaluate` (and a replay) sees them as the pseudo-host LAPTOP_HOST.
   */
  private async localChecks(ctx: ProjectCtx, run: ActiveRun, project: Project): Promise<void> {
    if (!run.module.local || run.abort.signal.aborted) return;
    const started = Date.now();
    let results: LocalCheckResult[];
    try {
      results = await run.module.local(project, { ...(run.input !== undefined ? { input: run.input } : {}), signal: run.abort.signal });
    } catch (e) {
      results = [{ id: 'local', status: 'failed', stdout: '', message: `The laptop's checks failed: ${(e as Error).message}` }];
    }
    const durationMs = Date.now() - started;
    for (const r of results) {
      await this.append(ctx, { type: 'local-check', runId: run.runId, checkId: r.id, status: r.status, stdout: this.redact(r.stdout.slice(0, CAPTURE_LIMIT)), message: this.redact(r.message), durationMs });
    }
  }

  /** The run's end (for tests and callers that wait). */
  whenDone(runId: string): Promise<RunView | undefined> {
    return this.active.get(runId)?.done ?? Promise.resolve(undefined);
  }

  cancel(runId: string): Result<Record<string, never>> {
    const run = this.active.get(runId);
    if (!run) return because(err('not-found', 'That run is not running', 'It may have finished already.'), 'run-not-running');
    stopRun(run);
    return ok({});
  }

  /** Re-run the host's failed or interrupted action (probe first) and continue its plan. */
  retry(dir: string, stepId: string, hostId: string, takeOver: string[] = []) {
    return this.start(dir, stepId, { resume: true, onlyHosts: [hostId], takeOver });
  }

  async skip(dir: string, stepId: string, hostId: string, actionId: string, reason: string, technician: string): Promise<Result<{ runId: string }>> {
    const c = await this.ctxResult(dir);
    if (!c.ok) return c;
    const last = c.value.state.lastRun(stepId);
    const action = last?.hosts.find((h) => h.hostId === hostId)?.actions.find((a) => a.actionId === actionId);
    if (!last || !action) return because(err('not-found', `No action ${actionId} on that host in the last run of ${stepId}`), 'skip-no-action', { action: actionId, step: stepId });
    if (this.live.hosts.get(last.runId)?.has(hostId)) return because(err('validation-failed', 'That host is still running', 'Cancel it first.'), 'skip-host-running');
    if (isComplete(action.status)) return because(err('validation-failed', `Action ${actionId} is already ${action.status}`), 'skip-action-complete', { action: actionId, status: action.status });
    await this.append(c.value, { type: 'action-skipped', runId: last.runId, hostId, actionId, reason, technician });
    const rest = await this.start(dir, stepId, { resume: true, onlyHosts: [hostId] });
    // Skipping the last open action leaves nothing to resume: the run is then simply done.
    if (!rest.ok && /Nothing to resume/.test(rest.error.message)) {
      await this.finishRun(c.value, { runId: last.runId, module: this.deps.steps.get(stepId)!, dir: c.value.dir } as ActiveRun);
      return ok({ runId: last.runId });
    }
    return rest;
  }

  async waive(dir: string, stepId: string, key: string, reason: string, technician: string): Promise<Result<{ waiver: Waiver }>> {
    const c = await this.ctxResult(dir);
    if (!c.ok) return c;
    const last = c.value.state.lastRun(stepId);
    const finding = last?.findings.find((f) => f.key === key);
    if (!finding) return because(err('not-found', `No finding ${key} in the last run of ${stepId}`, 'Run the step again to refresh its findings.'), 'waive-no-finding', { key, step: stepId });
    if (finding.severity !== 'blocking') return because(err('validation-failed', 'Only blocking findings are waived'), 'waive-not-blocking');
    if (reason.trim().length < 3 || technician.trim() === '') {
      return because(err('validation-failed', 'A waiver needs a reason and the technician\'s name'), 'waive-needs-reason');
    }
    const waiver: Waiver = {
      stepId,
      key,
      code: finding.code,
      ...(finding.hostId ? { hostId: finding.hostId } : {}),
      reason: reason.trim(),
      technician: technician.trim(),
      at: new Date().toISOString(),
      // Bound to what it waives: a later worse value or stricter threshold is not covered.
      ...(finding.measured !== undefined ? { measured: finding.measured } : {}),
      ...(finding.threshold !== undefined ? { threshold: finding.threshold } : {}),
      ...(finding.compare ? { compare: finding.compare } : {}),
      ...(last?.profile ? { profile: last.profile.id } : {}),
    };
    await this.append(c.value, { type: 'waiver', ...waiver });
    if (last) this.emitRun(c.value, last.runId);
    return ok({ waiver });
  }

  /** Take a waiver back: journaled with who and why; its finding is open again. */
  async withdrawWaiver(dir: string, stepId: string, key: string, reason: string, technician: string): Promise<Result<{ withdrawal: WaiverWithdrawal }>> {
    const c = await this.ctxResult(dir);
    if (!c.ok) return c;
    if (!c.value.state.waiversOf(stepId).some((w) => w.key === key)) {
      return because(err('not-found', `No waiver for ${key} in step ${stepId}`, 'It may have been withdrawn already; refresh the step.'), 'unwaive-no-waiver', { key, step: stepId });
    }
    if (reason.trim().length < 3 || technician.trim() === '') {
      return because(err('validation-failed', 'Withdrawing a waiver needs a reason and the technician\'s name'), 'unwaive-needs-reason');
    }
    const withdrawal: WaiverWithdrawal = { stepId, key, reason: reason.trim(), technician: technician.trim(), at: new Date().toISOString() };
    await this.append(c.value, { type: 'waiver-withdrawn', ...withdrawal });
    const last = c.value.state.lastRun(stepId);
    if (last) this.emitRun(c.value, last.runId);
    return ok({ withdrawal });
  }

  /** Cancel everything, wait for the hosts to stop (locks released), close the journals. */
  async close(): Promise<void> {
    for (const r of this.active.values()) stopRun(r);
    await Promise.all([...this.active.values()].map((r) => r.done));
    for (const p of this.projects.values()) await p.then((c) => c.journal.close(), () => {});
    this.projects.clear();
  }

  // --- internals ---

  /** Every journal line passes here: whatever the technician typed, no known secret is written. */
  private async append(ctx: ProjectCtx, e: NewJournalEvent) {
    const full = await ctx.journal.append(redactDeep(e, this.deps.secrets.values(), this.secretLabels()));
    ctx.state.apply(full);
    return full;
  }

  private emitRun(ctx: ProjectCtx, runId: string) {
    const run = ctx.state.runView(runId, this.live);
    if (run) this.deps.emit('runbook.run', { dir: ctx.dir, run });
  }

  private emitHost(ctx: ProjectCtx, runId: string, hostId: string) {
    const run = ctx.state.runView(runId, this.live);
    const host = run?.hosts.find((h) => h.hostId === hostId);
    if (run && host) this.deps.emit('runbook.progress', { runId, stepId: run.stepId, dir: ctx.dir, host });
  }

  private async finishRun(ctx: ProjectCtx, run: Pick<ActiveRun, 'runId' | 'module' | 'dir'> & Partial<ActiveRun>) {
    if (this.live.hosts.get(run.runId)?.size) return;
    const opened = await openProject(ctx.dir);
    const rec = ctx.state.runs.get(run.runId);
    if (rec && opened.ok) {
      let findings: FindingView[] = [];
      try {
        findings = run.module.evaluate(ctx.state.results(run.runId), opened.value.project).map((f) => ({ ...f, key: findingKey(f) }));
      } catch (e) {
        this.deps.log.error('evaluate failed', { stepId: run.module.id, error: (e as Error).stack });
      }
      await this.append(ctx, { type: 'findings', runId: run.runId, stepId: run.module.id, findings });
      const complete = rec.hosts.every((h) => h.actions.every((a) => isComplete(a.status)) && h.cleanUp?.status !== 'failed');
      const status = complete ? 'completed' : run.abort?.signal.aborted ? 'cancelled' : 'failed';
      await this.append(ctx, { type: 'run-finished', runId: run.runId, status });
    }
    this.output.flush();
    this.active.delete(run.runId);
    this.live.hosts.delete(run.runId);
    this.live.runs!.delete(run.runId);
    const view = ctx.state.runView(run.runId, this.live);
    this.emitRun(ctx, run.runId);
    run.finish?.(view);
  }

  /**
   * A host's actions of one phase, under the host's lock: a host in several phases takes its lock
   * for each of them and releases it in between (another runner may work there only while this
   * run does not). `reread`: done actions whose output was lost, probed and read again.
   */
  private async runHost(
    ctx: ProjectCtx, run: ActiveRun, host: Host, actions: Action[], takeOverConfirmed: boolean,
    cleanUpAfter: (ended: 'done' | 'failed') => boolean, reread = false,
  ): Promise<void> {
    const { runId } = run;
    const conn = this.deps.pool.host(targetOf(host, run.built.reach));
    const sudo = host.user !== 'root';
    this.emitHost(ctx, runId, host.id);

    const hostAbort = new AbortController();
    run.hostAborts.add(hostAbort);
    if (run.abort.signal.aborted) hostAbort.abort();
    let locked = false;
    try {
      locked = await this.lock(ctx, run, conn, host, takeOverConfirmed, hostAbort.signal);
    } finally {
      if (!locked) run.hostAborts.delete(hostAbort);
    }
    if (!locked) return;
    let sink: HostOutputSink | undefined;
    try {
      sink = await this.deps.openHostStream?.(host, run.stepId, ctx.dir, { runId, stepId: run.stepId });
    } catch (e) {
      this.deps.log.warn('no live output pane for host', { hostId: host.id, error: (e as Error).message });
    }
    let lost = false;
    const task = { address: host.address, port: host.port, abort: hostAbort };
    this.hostTasks.add(task);
    // Marked between the lock and now: the key-change watch (hostTasks) missed this task.
    if (this.keyChanged(host)) hostAbort.abort();
    const me = runOwner(this.owner, runId);
    // Where the lock is released: the host's address, or the one a clean-up moved it to.
    let releaseOn = conn;
    const heartbeat = setInterval(() => {
      void conn.run(heartbeatCommand(me), { sudo, timeoutMs: 15_000 }).then((r) => {
        if (r.status === 'failed' && r.exitCode === 3) {
          // Someone took the lock over (it looked stale to them): stop touching this host.
          lost = true;
          hostAbort.abort();
        }
      });
    }, this.deps.heartbeatMs ?? HEARTBEAT_INTERVAL_MS);
    try {
      const longest = Math.max(...actions.map((a) => a.timeoutMs), 10_000);
      const orphan = await conn.run(waitOrphanCommand(), { sudo, timeoutMs: longest, signal: hostAbort.signal });
      if (orphan.stdout.includes('orphan=')) {
        this.deps.log.info('waited for a command left running by an earlier runner', { runId, hostId: host.id, detail: orphan.stdout.trim() });
      }
      if (orphan.status !== 'ok') {
        const reason = this.keyChanged(host) ?? (orphan.status === 'timeout'
          ? `A command an earlier runner started is still running on the host (${orphan.stdout.trim()}); wait for it, then retry`
          : `Could not check the host before running: ${orphan.message}`);
        const coded = this.keyChangedCode(host) ?? (orphan.status === 'timeout'
          ? { code: 'run-orphan-running' as const, params: { detail: orphan.stdout.trim() } }
          : { code: 'run-precheck-failed' as const, params: { detail: orphan.message } });
        if (orphan.status !== 'cancelled' || this.keyChanged(host)) await this.append(ctx, { type: 'host-stopped', runId, hostId: host.id, reason, ...coded });
        return;
      }
      for (const action of actions) {
        const rec = ctx.state.runs.get(runId)?.hosts.find((h) => h.hostId === host.id)?.actions.find((a) => a.actionId === action.id);
        if (!rec || (isComplete(rec.status) && !reread)) continue;
        if (hostAbort.signal.aborted) break;
        const ok = await this.runAction(ctx, run, conn, host, action, rec.attempts + 1, hostAbort.signal, sink, reread);
        if (!ok) break;
      }
      const partDone = this.partDone(ctx, runId, host.id, actions);
      if (run.module.cleanUp && cleanUpAfter(partDone ? 'done' : 'failed')) {
        const outcome = await this.cleanUp(ctx, run, host, hostAbort.signal, sink);
        // The hook may have closed the connection (or moved the host): the pool reconnects.
        releaseOn = this.deps.pool.host(targetOf({ ...host, ...(outcome.address ? { address: outcome.address } : {}) }));
      }
      if (lost) {
        await this.append(ctx, { type: 'host-stopped', runId, hostId: host.id, reason: 'Another runner took over this host\'s lock', code: 'run-lock-lost' });
      }
      const changed = this.keyChanged(host);
      const rec = ctx.state.runs.get(runId)?.hosts.find((h) => h.hostId === host.id);
      if (changed && !partDone && !rec?.stopReason) {
        await this.append(ctx, { type: 'host-stopped', runId, hostId: host.id, reason: changed, ...this.keyChangedCode(host) });
      }
    } finally {
      this.hostTasks.delete(task);
      clearInterval(heartbeat);
      run.hostAborts.delete(hostAbort);
      const rec = ctx.state.runs.get(runId)?.hosts.find((h) => h.hostId === host.id);
      const allDone = this.partDone(ctx, runId, host.id, actions);
      const everyAction = allDone && (rec?.actions.every((a) => isComplete(a.status)) ?? false);
      const ending = allDone ? (everyAction ? 'all actions done' : 'phase done') : hostAbort.signal.aborted ? 'cancelled' : (rec?.stopReason ?? 'stopped');
      // The pane header words the ending from reasons.*; the host's stop reason words its detail.
      const coded = everyAction ? { reason: 'term-step-done' as const, params: { step: run.stepId } }
        : allDone ? { reason: 'term-phase-done' as const, params: { step: run.stepId } }
        : hostAbort.signal.aborted ? { reason: 'term-step-cancelled' as const, params: { step: run.stepId } }
        : { reason: 'term-step-stopped' as const, params: { step: run.stepId, ...causedBy({ ...rec?.stopCode, message: ending }) } };
      await sink?.end({ message: `${run.stepId}: ${ending}`, ...coded }).catch(() => {});
      if (!lost) {
        const r = await releaseOn.run(releaseCommand(me), { sudo, timeoutMs: 15_000 });
        if (r.status === 'ok') await this.append(ctx, { type: 'lock', runId, hostId: host.id, outcome: 'released' });
      }
    }
  }

  private partDone(ctx: ProjectCtx, runId: string, hostId: string, actions: Action[]): boolean {
    const rec = ctx.state.runs.get(runId)?.hosts.find((h) => h.hostId === hostId);
    return actions.every((a) => {
      const st = rec?.actions.find((x) => x.actionId === a.id)?.status;
      return st !== undefined && isComplete(st);
    });
  }

  /** The step's clean-up hook for one host, journaled; a throw is a failed outcome, never an escape. */
  private async cleanUp(ctx: ProjectCtx, run: ActiveRun, host: Host, signal: AbortSignal, sink?: HostOutputSink): Promise<CleanUpOutcome> {
    const started = Date.now();
    const results = ctx.state.results(run.runId).get(host.id) ?? new Map();
    let outcome: CleanUpOutcome;
    try {
      outcome = await run.module.cleanUp!(host, results, { ...(run.input !== undefined ? { input: run.input } : {}), signal, note: (t) => sink?.note(t) });
    } catch (e) {
      this.deps.log.error('clean-up failed', { runId: run.runId, hostId: host.id, error: (e as Error).stack ?? String(e) });
      outcome = { status: 'failed', result: 'error', message: `Clean-up failed: ${(e as Error).message}` };
    }
    const message = this.redact(outcome.message);
    await this.append(ctx, { type: 'clean-up', runId: run.runId, hostId: host.id, ...outcome, message, durationMs: Date.now() - started });
    sink?.note(`clean-up: ${outcome.result} (${message})`);
    this.emitHost(ctx, run.runId, host.id);
    return outcome;
  }

  /** Take the host's lock, or journal why not. */
  private async lock(ctx: ProjectCtx, run: ActiveRun, conn: HostConnection, host: Host, takeOverConfirmed: boolean, signal: AbortSignal): Promise<boolean> {
    const { runId } = run;
    const sudo = host.user !== 'root';
    const me = runOwner(this.owner, runId);
    const attempt = async (takeFrom: { owner: string; minAgeS: number } | null) =>
      conn.run(acquireCommand(me, runId, run.stepId, takeFrom), { sudo, timeoutMs: 20_000, signal });
    let r = await attempt(null);
    let outcome = r.status === 'ok' ? parseAcquire(r.stdout) : null;
    if (outcome?.state === 'held') {
      const h = outcome.holder;
      // A lock of this very laptop whose process is gone: its runner died (e.g. killed). Ours at once.
      // So is one of this instance whose run has ended (its release was lost with the link): no
      // run of ours is on the host. A run of ours that is still going is a holder like any other.
      const ownDead = (h.laptop === this.owner.laptop && h.pid > 0 && !pidAlive(h.pid))
        || (ownedByInstance(h.owner, this.owner) && !this.active.has(h.runId));
      if (ownDead || (h.stale && takeOverConfirmed)) {
        r = await attempt({ owner: h.owner, minAgeS: ownDead ? 0 : LOCK_STALE_S });
        const again = r.status === 'ok' ? parseAcquire(r.stdout) : null;
        if (again && again.state !== 'held') {
          await this.append(ctx, {
            type: 'lock',
            runId,
            hostId: host.id,
            outcome: ownDead ? 'reclaimed' : 'taken-over',
            holder: holderRecord(h),
          });
          return true;
        }
        outcome = again ?? outcome;
      }
    }
    if (outcome?.state === 'acquired' || outcome?.state === 'taken-over') {
      await this.append(ctx, { type: 'lock', runId, hostId: host.id, outcome: 'acquired' });
      return true;
    }
    if (outcome?.state === 'held') {
      const h = outcome.holder;
      await this.append(ctx, {
        type: 'lock',
        runId,
        hostId: host.id,
        outcome: 'refused',
        holder: holderRecord(h),
        message: `Held by ${h.laptop} (pid ${h.pid}, ${h.stepId ? `step ${h.stepId}, ` : ''}run ${h.runId}), heartbeat ${h.heartbeatAgeS} s ago`,
      });
      return false;
    }
    const why = r.status === 'ok' ? `unexpected answer: ${r.stdout.slice(0, 200)}` : r.message;
    await this.append(ctx, { type: 'lock', runId, hostId: host.id, outcome: 'failed', message: why });
    // Name the real cause: a host that cannot be reached (or whose key changed) is not a lock problem.
    const reason = this.keyChanged(host)
      ?? (r.status === 'connect-failed' ? `Could not connect to the host: ${why}` : `Could not take the host's run lock: ${why}`);
    const coded = this.keyChangedCode(host) ?? {
      code: r.status === 'connect-failed' ? 'run-connect-failed' as const : 'run-lock-failed' as const,
      params: r.status === 'ok' ? { detail: why } : causedBy(r),
    };
    await this.append(ctx, { type: 'host-stopped', runId, hostId: host.id, reason, ...coded });
    return false;
  }

  /**
   * One attempt at one action: journal, probe, command, transcript, output. Returns whether the
   * host may go on. `reread`: the action is done but its output was lost; only "already done"
   * (probe, then `read`) is accepted, never running the command again (an action without a probe
   * is harmless to repeat by Action.probe's rule, and is run again).
   */
  private async runAction(
    ctx: ProjectCtx,
    run: ActiveRun,
    conn: HostConnection,
    host: Host,
    action: Action,
    attempt: number,
    signal: AbortSignal,
    sink?: HostOutputSink,
    reread = false,
  ): Promise<boolean> {
    const { runId } = run;
    const rel = transcriptPath(host.id, runId, action.id, attempt);
    // As the dry run shows it: refs as placeholders (values go over the wire only).
    const shown = (cmd: StepCommand) => placeholderCommand(cmd, run.built.producers);
    const line = displayLine(lockedCommand({ id: action.id, command: shown(action.command) }), action.sudo);
    const value = this.refValue(run);
    let resolved: { command: RemoteCommand; probe?: RemoteCommand; read?: RemoteCommand };
    try {
      resolved = {
        command: lockedCommand(action, value),
        ...(action.probe ? { probe: resolveCommand(action.probe, value) } : {}),
        ...(action.output?.read ? { read: resolveCommand(action.output.read, value) } : {}),
      };
    } catch (e) {
      await this.append(ctx, { type: 'host-stopped', runId, hostId: host.id, reason: `${action.id}: ${(e as Error).message}`, code: 'run-action-failed', params: { action: action.id, detail: (e as Error).message } });
      return false;
    }
    const transcript = await Transcript.create(ctx.dir, rel, () => this.deps.secrets.values(), () => this.secretLabels());
    transcript.note(`# rackside run ${runId} step ${run.stepId} host ${host.name || host.id} (${host.address}) action ${action.id} attempt ${attempt}${reread ? ' (re-reading its lost output)' : ''}`);
    // The line that says this action is about to run is on disk before anything runs.
    await this.append(ctx, {
      type: 'action-started',
      runId,
      hostId: host.id,
      actionId: action.id,
      attempt,
      command: line,
      sudo: action.sudo,
      destructive: action.destructive,
    });
    this.emitHost(ctx, runId, host.id);
    sink?.action(`${action.id}: ${line}`);

    const stdout: string[] = [];
    let captured = 0;
    const out = (stream: 'stdout' | 'stderr', text: string, capture: boolean) => {
      if (stream === 'stdout' && capture && captured < CAPTURE_LIMIT) {
        stdout.push(text);
        captured += text.length;
      }
      this.output.push({ runId, hostId: host.id, actionId: action.id, stream, data: text });
      if (text) sink?.[stream](text);
    };
    // A secret output's stdout and stderr (a generator may echo what it made) are held back until
    // its value is known and registered with the redactors: only then are they written, the value
    // as its placeholder, to the transcript and the live pane. If no value came, they are dropped.
    const secret = action.output?.secret === true;
    let held: { stream: 'stdout' | 'stderr'; d: Buffer }[] = [];
    const exec = async (cmd: RemoteCommand, timeoutMs: number, capture: boolean, hold = false): Promise<ExecResult & { raw: string }> => {
      const raw: Buffer[] = [];
      const r = await conn.exec(cmd, {
        sudo: action.sudo,
        timeoutMs,
        signal,
        onStdout: (d) => {
          raw.push(d);
          if (hold) held.push({ stream: 'stdout', d });
          else out('stdout', transcript.output('stdout', d), capture);
        },
        onStderr: (d) => {
          if (hold) held.push({ stream: 'stderr', d });
          else out('stderr', transcript.output('stderr', d), capture);
        },
      });
      const rest = transcript.drain();
      out('stdout', rest.stdout, capture);
      out('stderr', rest.stderr, capture);
      return { ...r, raw: Buffer.concat(raw).toString('utf8') };
    };
    const release = (capture: boolean) => {
      for (const { stream, d } of held) out(stream, transcript.output(stream, d), capture);
      const rest = transcript.drain();
      out('stdout', rest.stdout, capture);
      out('stderr', rest.stderr, capture);
      held = [];
    };
    const withhold = () => {
      if (held.length) transcript.note('## (output of a secret value withheld: it was not kept)');
      held = [];
    };

    let via: 'probe' | 'command' = 'command';
    let result: ExecResult | undefined;
    let produced: string | undefined;
    const wantsOutput = action.output !== undefined;
    if (resolved.probe) {
      transcript.note(`## already done? $ ${displayLine(shown(action.probe!), action.sudo)}`);
      const p = await exec(resolved.probe, Math.min(action.timeoutMs, 60_000), false);
      transcript.note(`## probe: ${p.message}`);
      if (p.status === 'ok') {
        via = 'probe';
        result = p;
      } else if (p.status !== 'failed' || reread) {
        // Not an answer ("no, not done") but a broken link, a cancel, a sudo problem: stop here.
        // Re-reading a lost output, "not done" is an answer we cannot go on from: the value
        // other hosts may already use is gone, and a new one would not be it.
        result = reread && p.status === 'failed'
          ? { ...p, message: `its output ${action.output?.name} was lost and the host no longer has it (probe: ${p.message}); not made anew` }
          : p;
      }
      if (via === 'probe' && wantsOutput && resolved.read) {
        transcript.note(`## read the value: $ ${displayLine(shown(action.output!.read!), action.sudo)}`);
        const r = await exec(resolved.read, Math.min(action.timeoutMs, 60_000), false, secret);
        transcript.note(`## read: ${r.message}`);
        if (r.status === 'ok') produced = r.raw.trim();
        else {
          withhold();
          result = r;
          via = 'command';
        }
      }
    }
    // Re-reading an action without a probe runs it again: such an action is harmless to repeat (Action.probe).
    if (!result) {
      transcript.note(`## $ ${line}`);
      const r = await exec(resolved.command, action.timeoutMs, action.capture === true, secret);
      result = r;
      if (r.status === 'ok' && wantsOutput) produced = r.raw.trim();
    }
    if (wantsOutput && result.status === 'ok') {
      // A secret under 3 characters would not be redacted (secretForms): refuse it rather than leak
      // it. An output is a parameter, not a file: over CAPTURE_LIMIT is refused too.
      if (!produced || (secret && produced.length < 3) || produced.length > CAPTURE_LIMIT) {
        withhold();
        result = { ...result, status: 'failed', message: `${result.message}; but it printed no usable value for its output ${action.output!.name}` };
      } else {
        await this.keepOutput(ctx, run, host, action, produced);
        release(action.capture === true && via === 'command');
      }
    } else withhold();
    transcript.note(`## ${via === 'probe' && result.status === 'ok' ? 'already done (probe exit 0): not run' : result.message} (${result.durationMs} ms)`);
    const sha = await transcript.close();
    const status =
      result.status === 'ok' ? (via === 'probe' ? 'already-done' : 'done')
        : result.status === 'cancelled' ? 'cancelled'
          : result.status === 'interrupted' ? 'interrupted'
            : 'failed';
    const text = stdout.join('');
    await this.append(ctx, {
      type: 'action-finished',
      runId,
      hostId: host.id,
      actionId: action.id,
      attempt,
      status,
      via,
      exitCode: result.exitCode,
      signal: result.signal,
      durationMs: result.durationMs,
      message: this.redact(result.message),
      transcript: rel,
      sha256: sha,
      ...(action.capture && via === 'command' ? { stdout: text.slice(0, CAPTURE_LIMIT) } : {}),
    });
    this.output.flush();
    sink?.note(`${action.id}: ${status} (${this.redact(result.message)}, ${result.durationMs} ms)`);
    this.emitHost(ctx, runId, host.id);
    if (status === 'done' || status === 'already-done') return true;
    if (status === 'failed') {
      await this.append(ctx, { type: 'host-stopped', runId, hostId: host.id, reason: `${action.id}: ${result.message}`, code: 'run-action-failed', params: { action: action.id, ...causedBy(result) } });
    }
    return false;
  }

  /**
   * An output's value: known to the run at once; a secret goes to the secret store first (so every
   * redactor knows it before anything that holds it is written), the journal gets its SHA-256 only.
   */
  private async keepOutput(ctx: ProjectCtx, run: ActiveRun, host: Host, action: Action, value: string) {
    const o = action.output!;
    if (o.secret) this.deps.secrets.set(host.id, outputSecretKind(run.stepId, o.name), value);
    run.outputs.set(outputKey(o.name, host.id), value);
    await this.append(ctx, {
      type: 'output',
      runId: run.runId,
      hostId: host.id,
      actionId: action.id,
      name: o.name,
      secret: o.secret === true,
      ...(o.secret ? {} : { value }),
      sha256: sha256(value),
    });
  }

  private secretLabels(): ReadonlyMap<string, string> {
    return this.deps.secrets.labels?.() ?? new Map();
  }

  private redact(text: string): string {
    return redactSecrets(text, this.deps.secrets.values(), this.secretLabels());
  }
}

const sha256 = (v: string) => createHash('sha256').update(v, 'utf8').digest('hex');
