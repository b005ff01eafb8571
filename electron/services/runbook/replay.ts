import {
  runPassed,
  type ActionRun,
  type ActionStatus,
  type FindingView,
  type HostRun,
  type LockHolder,
  type PlanView,
  type ReasonCode,
  type RunView,
  type StepState,
  type Waiver,
  type WaiverWithdrawal,
} from '../../contract/index.js';
import type { JournalEvent } from '../project/journal.js';
import { LAPTOP_HOST, type ActionResult, type StepProfile, type StepResults } from './step-module.js';
import { waiverLapse } from './waiver-match.js';

/** Heartbeat age after which a lock may be taken over (with confirmation). */
export const LOCK_STALE_S = 30;

interface ActionRecord {
  actionId: string;
  title: string;
  status: ActionStatus;
  attempts: number;
  exitCode?: number | null;
  durationMs?: number;
  message?: string;
  transcript?: string;
  sha256?: string;
  skipReason?: string;
  stdout?: string;
}

interface HostRecord {
  hostId: string;
  name: string;
  address: string;
  stopReason?: string;
  stopCode?: { reason: ReasonCode; params: Record<string, string | number> };
  lockHolder?: LockHolder;
  actions: ActionRecord[];
  /** The step's clean-up hook's outcome, when it has one and it ran. */
  cleanUp?: { status: 'done' | 'failed'; result: string; message: string; address?: string };
}

export interface RunRecord {
  runId: string;
  stepId: string;
  plan: PlanView;
  startedAt: string;
  finishedAt?: string;
  finished?: 'completed' | 'failed' | 'cancelled';
  hosts: HostRecord[];
  findings: FindingView[];
  /** The thresholds the run applied, when its step has a profile. */
  profile?: StepProfile;
  /** `${name}\0${hostId}` → the latest output event (a secret's value is not in it). */
  outputs: Map<string, OutputRecord>;
  /** The step's laptop-side checks (StepModule.local), latest result per check. */
  local?: Map<string, ActionResult>;
}

export interface OutputRecord {
  hostId: string;
  actionId: string;
  name: string;
  secret: boolean;
  value?: string;
  sha256: string;
}

export const outputKey = (name: string, hostId: string) => `${name}\0${hostId}`;

/** What is running in this process right now: replay cannot know it from the journal. */
export interface Live {
  /** runId → hosts whose executor is active. */
  hosts: Map<string, Set<string>>;
  /** Runs going on in this process, even between phases when no host is active. */
  runs?: Set<string>;
}

const COMPLETE: ReadonlySet<ActionStatus> = new Set(['done', 'already-done', 'skipped']);
export const isComplete = (s: ActionStatus) => COMPLETE.has(s);

/**
 * The runner's state, rebuilt from the journal. The engine feeds it every event it appends, so
 * the live state and the state rebuilt after a restart come from the same code.
 */
export class JournalState {
  readonly runs = new Map<string, RunRecord>();
  private readonly lastRunOfStep = new Map<string, string>();
  private readonly waivers = new Map<string, Map<string, Waiver>>();
  /** Waivers taken back, in journal order, with the waiver each one withdrew. */
  private readonly withdrawals = new Map<string, { withdrawal: WaiverWithdrawal; waiver: Waiver }[]>();

  static from(events: readonly JournalEvent[]): JournalState {
    const s = new JournalState();
    for (const e of events) s.apply(e);
    return s;
  }

  apply(e: JournalEvent): void {
    switch (e.type) {
      case 'run-started': {
        this.runs.set(e.runId, {
          runId: e.runId,
          stepId: e.stepId,
          plan: e.plan,
          startedAt: e.at,
          hosts: e.plan.hosts.map((h) => ({
            hostId: h.hostId,
            name: h.name,
            address: h.address,
            actions: h.actions.map((a) => ({ actionId: a.id, title: a.title, status: 'pending', attempts: 0 })),
          })),
          findings: [],
          ...(e.profile ? { profile: e.profile } : {}),
          outputs: new Map(),
        });
        this.lastRunOfStep.set(e.stepId, e.runId);
        return;
      }
      case 'run-resumed': {
        const run = this.runs.get(e.runId);
        if (!run) return;
        delete run.finished;
        delete run.finishedAt;
        for (const h of run.hosts) {
          if (!e.hostIds.includes(h.hostId)) continue;
          delete h.stopReason;
          delete h.stopCode;
          delete h.lockHolder;
          delete h.cleanUp;
        }
        return;
      }
      case 'lock': {
        const host = this.host(e.runId, e.hostId);
        if (!host) return;
        if (e.outcome === 'refused' && e.holder) {
          host.lockHolder = { ...e.holder, stale: e.holder.heartbeatAgeS > LOCK_STALE_S };
        } else if (e.outcome !== 'released') delete host.lockHolder;
        return;
      }
      case 'action-started': {
        const a = this.action(e.runId, e.hostId, e.actionId);
        if (!a) return;
        a.status = 'running';
        a.attempts = e.attempt;
        return;
      }
      case 'action-finished': {
        const a = this.action(e.runId, e.hostId, e.actionId);
        if (!a) return;
        Object.assign(a, {
          status: e.status,
          attempts: e.attempt,
          exitCode: e.exitCode,
          durationMs: e.durationMs,
          message: e.message,
          transcript: e.transcript,
          sha256: e.sha256,
          stdout: e.stdout ?? '',
        });
        return;
      }
      case 'action-skipped': {
        const a = this.action(e.runId, e.hostId, e.actionId);
        if (!a) return;
        a.status = 'skipped';
        a.skipReason = `${e.reason} (${e.technician})`;
        return;
      }
      case 'host-stopped': {
        const host = this.host(e.runId, e.hostId);
        if (host) {
          host.stopReason = e.reason;
          if (e.code) host.stopCode = { reason: e.code, params: e.params ?? {} };
          else delete host.stopCode;
        }
        return;
      }
      case 'clean-up': {
        const host = this.host(e.runId, e.hostId);
        if (!host) return;
        host.cleanUp = { status: e.status, result: e.result, message: e.message, ...(e.address ? { address: e.address } : {}) };
        // A failed clean-up (e.g. addressing rolled back) fails the host's part of the run.
        if (e.status === 'failed') {
          host.stopReason = e.message;
          // An earlier stop's code would word a message this is not.
          delete host.stopCode;
        }
        return;
      }
      case 'findings': {
        const run = this.runs.get(e.runId);
        if (run) run.findings = e.findings;
        return;
      }
      case 'waiver': {
        let m = this.waivers.get(e.stepId);
        if (!m) this.waivers.set(e.stepId, (m = new Map()));
        const { type: _t, ...w } = e;
        m.set(e.key, w);
        return;
      }
      case 'waiver-withdrawn': {
        const m = this.waivers.get(e.stepId);
        const w = m?.get(e.key);
        if (!m || !w) return;
        m.delete(e.key);
        const { type: _t, ...withdrawal } = e;
        const list = this.withdrawals.get(e.stepId) ?? [];
        list.push({ withdrawal, waiver: w });
        this.withdrawals.set(e.stepId, list);
        return;
      }
      case 'run-finished': {
        const run = this.runs.get(e.runId);
        if (!run) return;
        run.finished = e.status;
        run.finishedAt = e.at;
        return;
      }
      case 'output': {
        const run = this.runs.get(e.runId);
        if (!run) return;
        run.outputs.set(outputKey(e.name, e.hostId), {
          hostId: e.hostId,
          actionId: e.actionId,
          name: e.name,
          secret: e.secret,
          ...(e.value !== undefined ? { value: e.value } : {}),
          sha256: e.sha256,
        });
        return;
      }
      case 'local-check': {
        const run = this.runs.get(e.runId);
        if (!run) return;
        run.local ??= new Map();
        run.local.set(e.checkId, { status: e.status, exitCode: e.status === 'done' ? 0 : null, stdout: e.stdout });
        return;
      }
      case 'phase-started':
      case 'torn':
        return;
    }
  }

  private host(runId: string, hostId: string): HostRecord | undefined {
    return this.runs.get(runId)?.hosts.find((h) => h.hostId === hostId);
  }

  private action(runId: string, hostId: string, actionId: string): ActionRecord | undefined {
    return this.host(runId, hostId)?.actions.find((a) => a.actionId === actionId);
  }

  lastRun(stepId: string): RunRecord | undefined {
    const id = this.lastRunOfStep.get(stepId);
    return id ? this.runs.get(id) : undefined;
  }

  waiversOf(stepId: string): Waiver[] {
    return [...(this.waivers.get(stepId)?.values() ?? [])];
  }

  withdrawalsOf(stepId: string): { withdrawal: WaiverWithdrawal; waiver: Waiver }[] {
    return [...(this.withdrawals.get(stepId) ?? [])];
  }

  /** Per host and action, the latest outcome: what `evaluate` sees. */
  results(runId: string): StepResults {
    const out: StepResults = new Map();
    const run = this.runs.get(runId);
    const outputs = [...(run?.outputs.values() ?? [])];
    for (const h of run?.hosts ?? []) {
      out.set(
        h.hostId,
        new Map(
          h.actions.map((a) => {
            const value = outputs.find((o) => o.hostId === h.hostId && o.actionId === a.actionId)?.value;
            return [
              a.actionId,
              {
                status: a.status === 'running' ? 'interrupted' : a.status,
                exitCode: a.exitCode ?? null,
                stdout: a.stdout ?? '',
                ...(value !== undefined ? { output: value } : {}),
              },
            ];
          }),
        ),
      );
    }
    if (run?.local?.size) out.set(LAPTOP_HOST, new Map(run.local));
    return out;
  }

  runView(runId: string, live: Live): RunView | undefined {
    const run = this.runs.get(runId);
    if (!run) return undefined;
    const liveHosts = live.hosts.get(runId);
    const active = (liveHosts !== undefined && liveHosts.size > 0) || (live.runs?.has(runId) ?? false);
    const hosts = run.hosts.map((h) => hostView(h, liveHosts?.has(h.hostId) ?? false, run.finished, active));
    const waivers = this.waivers.get(run.stepId);
    return {
      runId: run.runId,
      stepId: run.stepId,
      planHash: run.plan.planHash,
      status: active ? 'running' : (run.finished ?? 'interrupted'),
      startedAt: run.startedAt,
      ...(run.finishedAt && !active ? { finishedAt: run.finishedAt } : {}),
      hosts,
      findings: run.findings.map((f) => {
        const w = waivers?.get(f.key);
        if (!w) return f;
        const why = waiverLapse(w, f);
        return why ? { ...f, lapsedWaiver: { waiver: w, why } } : { ...f, waiver: w };
      }),
    };
  }

  stepState(stepId: string, title: string, live: Live): StepState {
    const run = this.lastRun(stepId);
    const view = run ? this.runView(run.runId, live)! : null;
    const interrupted =
      view?.hosts.flatMap((h) => h.actions.filter((a) => a.status === 'interrupted').map((a) => ({ hostId: h.hostId, actionId: a.actionId }))) ??
      [];
    const unfinished = view?.hosts.some((h) => h.actions.some((a) => !isComplete(a.status))) ?? false;
    return {
      stepId,
      title,
      lastRun: view,
      resumable: view !== null && view.status !== 'running' && unfinished,
      interrupted,
      passed: view !== null && runPassed(view),
      waivers: this.waiversOf(stepId),
    };
  }
}

function hostView(h: HostRecord, live: boolean, finished: RunRecord['finished'], runActive = false): HostRun {
  const actions: ActionRun[] = h.actions.map((a) => {
    // Started and never finished, and nobody is running it now: the runner died under it.
    const status: ActionStatus = a.status === 'running' && !live ? 'interrupted' : a.status;
    const { stdout: _stdout, ...rest } = a;
    return { ...rest, status };
  });
  const current = actions.find((a) => a.status === 'running') ?? actions.find((a) => !isComplete(a.status));
  let status: HostRun['status'];
  if (live) status = h.lockHolder ? 'lock-held' : actions.some((a) => a.status === 'running') ? 'running' : 'locking';
  else if (actions.every((a) => isComplete(a.status))) status = h.cleanUp?.status === 'failed' ? 'failed' : 'done';
  else if (h.lockHolder) status = 'lock-held';
  else if (actions.some((a) => a.status === 'interrupted')) status = 'interrupted';
  // Its phase has not come yet (the run goes on with other hosts).
  else if (runActive && !h.stopReason && actions.every((a) => a.status === 'pending' || isComplete(a.status))) status = 'waiting';
  else if (actions.some((a) => a.status === 'failed')) status = 'failed';
  else if (actions.some((a) => a.status === 'cancelled') || finished === 'cancelled') status = 'cancelled';
  else if (finished) status = h.stopReason ? 'failed' : 'waiting';
  else status = 'interrupted';
  return {
    hostId: h.hostId,
    name: h.name,
    address: h.address,
    status,
    ...(current ? { currentActionId: current.actionId } : {}),
    ...(h.stopReason ? { message: h.stopReason } : {}),
    ...(h.stopReason && h.stopCode ? h.stopCode : {}),
    ...(h.lockHolder ? { lockHolder: h.lockHolder } : {}),
    actions,
  };
}
