import { z } from 'zod';
import { REASON_CODES } from '../result.js';

/**
 * The step runner (docs/architecture.md, "The step runner"): dry-run plans, runs with per-host
 * progress, findings, waivers and resume. Plans and runs are addressed by project folder and step
 * id; the backend reads project.yaml and journal.ndjson from that folder itself, so what runs is
 * always what is saved.
 */

export const RUNBOOK_SEVERITIES = ['blocking', 'warning', 'info'] as const;
export const severitySchema = z.enum(RUNBOOK_SEVERITIES);
export type RunbookSeverity = z.infer<typeof severitySchema>;
/** Finding severity, shared by every step (hardware checks use it too). */
export type Severity = RunbookSeverity;

/**
 * A finding's numbers in a form that can be compared across runs: `better` says which way is an
 * improvement (RAM: higher; uncorrectable errors: lower). A waiver keeps the numbers it waived.
 */
export const findingCompareSchema = z.object({
  measured: z.number(),
  threshold: z.number(),
  better: z.enum(['higher', 'lower']),
});
export type FindingCompare = z.infer<typeof findingCompareSchema>;

export const waiverSchema = z.object({
  stepId: z.string(),
  /** Finding key: `<code>@<hostId or *>`. */
  key: z.string(),
  code: z.string(),
  hostId: z.string().optional(),
  reason: z.string(),
  technician: z.string(),
  at: z.string(),
  /**
   * What was waived: the finding's measured value and threshold as shown, their numbers, and the
   * profile the run applied. Absent on waivers recorded before waivers were bound to a value.
   */
  measured: z.union([z.string(), z.number()]).optional(),
  threshold: z.union([z.string(), z.number()]).optional(),
  compare: findingCompareSchema.optional(),
  profile: z.string().optional(),
});
export type Waiver = z.infer<typeof waiverSchema>;

/** Why a recorded waiver no longer covers its finding. */
export const WAIVER_LAPSE_REASONS = ['worse', 'stricter', 'changed'] as const;
export const lapsedWaiverSchema = z.object({
  waiver: waiverSchema,
  /** worse: the value got worse; stricter: the threshold got stricter; changed: not comparable, and not the same. */
  why: z.enum(WAIVER_LAPSE_REASONS),
});
export type LapsedWaiver = z.infer<typeof lapsedWaiverSchema>;

/** A waiver taken back: the finding is open again. */
export const waiverWithdrawalSchema = z.object({
  stepId: z.string(),
  key: z.string(),
  reason: z.string(),
  technician: z.string(),
  at: z.string(),
});
export type WaiverWithdrawal = z.infer<typeof waiverWithdrawalSchema>;

export const runbookFindingSchema = z.object({
  key: z.string(),
  severity: severitySchema,
  hostId: z.string().optional(),
  code: z.string(),
  /** English; the renderer translates by code (`findings.<code>`) with these params. */
  message: z.string(),
  remediation: z.string(),
  params: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  measured: z.union([z.string(), z.number()]).optional(),
  threshold: z.union([z.string(), z.number()]).optional(),
  compare: findingCompareSchema.optional(),
  waiver: waiverSchema.optional(),
  /** A waiver recorded for this finding that does not cover it any more (the finding is open). */
  lapsedWaiver: lapsedWaiverSchema.optional(),
});
export type FindingView = z.infer<typeof runbookFindingSchema>;

/** One action as the dry-run shows it: the exact command line the host's shell receives. */
export const plannedActionSchema = z.object({
  id: z.string(),
  /** i18n key of the action's title. */
  title: z.string(),
  command: z.string(),
  probe: z.string().optional(),
  /** What the command gets on stdin, one line each, as placeholders (`<output:NAME@host>`, `<secret:ID>`): secrets go there, never in the line. */
  stdin: z.array(z.string()).optional(),
  /** The same for the probe. */
  probeStdin: z.array(z.string()).optional(),
  sudo: z.boolean(),
  timeoutMs: z.number(),
  destructive: z.boolean(),
  /** What a destructive action changes, shown in the confirmation. */
  changes: z.array(z.string()).optional(),
  /** The phase the action runs in (the plan's `phases`); absent when the step has none. */
  phase: z.string().optional(),
  /** The value the action produces for later actions (shown in commands as `<output:NAME@host>`). */
  output: z.object({ name: z.string(), secret: z.boolean().optional() }).optional(),
  /** The host the action is about when it runs on another's connection (worker joins: the joining node). */
  about: z.string().optional(),
  /** Its timeline stage (worker joins: `JOIN_STAGES`). */
  stage: z.string().optional(),
});
export type PlannedAction = z.infer<typeof plannedActionSchema>;

export const hostPlanSchema = z.object({
  hostId: z.string(),
  name: z.string(),
  address: z.string(),
  user: z.string(),
  actions: z.array(plannedActionSchema),
});
export type HostPlan = z.infer<typeof hostPlanSchema>;

export const planSchema = z.object({
  stepId: z.string(),
  title: z.string(),
  /** SHA-256 of the plan; a destructive run's confirmation must name it. */
  planHash: z.string(),
  hosts: z.array(hostPlanSchema),
  /** The order across hosts, when the step has phases (absent: every host at once). */
  phases: z.array(z.object({ id: z.string(), title: z.string(), hosts: z.array(z.string()), mode: z.enum(['parallel', 'serial']) })).optional(),
  /** Every destructive change, host by host: what the confirmation lists. */
  changes: z.array(
    z.object({
      hostId: z.string(),
      actionId: z.string(),
      /** English, and what the confirmation sends back. */
      change: z.string(),
      /** The change as a code + params the renderer words from `changes.<code>` (absent: show `change`). */
      code: z.string().optional(),
      params: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
      /** Ticked one by one in the confirmation (a disk to wipe), not only with the list. */
      tickEach: z.boolean().optional(),
    }),
  ),
});
export type PlanView = z.infer<typeof planSchema>;

export const ACTION_STATUSES = [
  'pending',
  'running',
  /** Ran and exited 0. */
  'done',
  /** Its probe said it was already done; the command was not run. */
  'already-done',
  'failed',
  'skipped',
  /** Started, and the runner died or the link dropped before it finished. */
  'interrupted',
  'cancelled',
] as const;
export const actionStatusSchema = z.enum(ACTION_STATUSES);
export type ActionStatus = z.infer<typeof actionStatusSchema>;

export const actionRunSchema = z.object({
  actionId: z.string(),
  title: z.string(),
  status: actionStatusSchema,
  attempts: z.number(),
  exitCode: z.number().nullable().optional(),
  durationMs: z.number().optional(),
  message: z.string().optional(),
  /** Relative to the project folder. */
  transcript: z.string().optional(),
  sha256: z.string().optional(),
  skipReason: z.string().optional(),
});
export type ActionRun = z.infer<typeof actionRunSchema>;

export const lockHolderSchema = z.object({
  owner: z.string(),
  laptop: z.string(),
  pid: z.number(),
  runId: z.string(),
  /** The step the holding run runs (locks written before this field existed have none). */
  stepId: z.string().optional(),
  heartbeatAgeS: z.number(),
  /** Heartbeat older than 30 s: may be taken over after confirmation. */
  stale: z.boolean(),
});
export type LockHolder = z.infer<typeof lockHolderSchema>;

export const HOST_RUN_STATUSES = ['waiting', 'locking', 'running', 'done', 'failed', 'cancelled', 'interrupted', 'lock-held'] as const;
export const hostRunSchema = z.object({
  hostId: z.string(),
  name: z.string(),
  address: z.string(),
  status: z.enum(HOST_RUN_STATUSES),
  /** Action running now, or where the host stopped. */
  currentActionId: z.string().optional(),
  message: z.string().optional(),
  /** `message` as a reason + params the renderer words from `reasons.<reason>`. */
  reason: z.enum(REASON_CODES).optional(),
  params: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  lockHolder: lockHolderSchema.optional(),
  actions: z.array(actionRunSchema),
});
export type HostRun = z.infer<typeof hostRunSchema>;

export const RUN_STATUSES = ['running', 'completed', 'failed', 'cancelled', 'interrupted'] as const;
export const runSchema = z.object({
  runId: z.string(),
  stepId: z.string(),
  planHash: z.string(),
  status: z.enum(RUN_STATUSES),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  hosts: z.array(hostRunSchema),
  findings: z.array(runbookFindingSchema),
});
export type RunView = z.infer<typeof runSchema>;

/** A blocking finding nobody waived: what keeps a run from passing. */
export const isOpenBlocking = (f: Pick<FindingView, 'severity' | 'waiver'>): boolean => f.severity === 'blocking' && !f.waiver;

/** A run passed: it completed and every blocking finding is waived. */
export const runPassed = (run: Pick<RunView, 'status' | 'findings'>): boolean => run.status === 'completed' && !run.findings.some(isOpenBlocking);

export const stepStateSchema = z.object({
  stepId: z.string(),
  title: z.string(),
  lastRun: runSchema.nullable(),
  /** The last run stopped with actions unfinished (interrupted, cancelled, failed): Resume continues it. */
  resumable: z.boolean(),
  /** Actions started whose end was never recorded: Resume probes them first. */
  interrupted: z.array(z.object({ hostId: z.string(), actionId: z.string() })),
  /** Run completed and every blocking finding is waived. */
  passed: z.boolean(),
  waivers: z.array(waiverSchema),
});
export type StepState = z.infer<typeof stepStateSchema>;

const dirSchema = z.string().min(1).max(4096);
const idSchema = z.string().min(1).max(200);

export const runbookRequests = {
  'runbook.plan': {
    request: z.object({ dir: dirSchema, stepId: idSchema }),
    response: z.object({ plan: planSchema, text: z.string() }),
  },
  'runbook.start': {
    request: z.object({
      dir: dirSchema,
      stepId: idSchema,
      /** Continue the last run of this step instead of starting a new one. */
      resume: z.boolean().default(false),
      /** Required when the plan has destructive actions: the plan's hash and exactly its changes. */
      confirmation: z.object({ planHash: z.string(), changes: z.array(z.string()).max(10_000) }).optional(),
      /** Hosts whose stale lock (heartbeat over 30 s old) the technician agreed to take over. */
      takeOver: z.array(idSchema).max(1000).default([]),
    }),
    response: z.object({ runId: z.string() }),
  },
  'runbook.cancel': {
    request: z.object({ runId: idSchema }),
    response: z.object({}),
  },
  /** Re-run a host's failed or interrupted action and continue that host's plan. */
  'runbook.retry': {
    request: z.object({ dir: dirSchema, stepId: idSchema, hostId: idSchema }),
    response: z.object({ runId: z.string() }),
  },
  /** Record that the technician skips a host's failed action (with a reason), and continue. */
  'runbook.skip': {
    request: z.object({
      dir: dirSchema,
      stepId: idSchema,
      hostId: idSchema,
      actionId: idSchema,
      reason: z.string().trim().min(3).max(2000),
      technician: z.string().trim().min(1).max(200),
    }),
    response: z.object({ runId: z.string() }),
  },
  'runbook.waive': {
    request: z.object({
      dir: dirSchema,
      stepId: idSchema,
      key: idSchema,
      reason: z.string().trim().min(3, 'the reason must be at least 3 characters').max(2000),
      technician: z.string().trim().min(1, 'the technician name is empty').max(200),
    }),
    response: z.object({ waiver: waiverSchema }),
  },
  /** Take a waiver back (journaled with who and why): its finding is open again. */
  'runbook.withdrawWaiver': {
    request: z.object({
      dir: dirSchema,
      stepId: idSchema,
      key: idSchema,
      reason: z.string().trim().min(3, 'the reason must be at least 3 characters').max(2000),
      technician: z.string().trim().min(1, 'the technician name is empty').max(200),
    }),
    response: z.object({ withdrawal: waiverWithdrawalSchema }),
  },
  /** The runner's state rebuilt from project.yaml + journal.ndjson (and the runs active now). */
  'runbook.state': {
    request: z.object({ dir: dirSchema }),
    response: z.object({ steps: z.array(stepStateSchema) }),
  },
} as const;

export const runbookEvents = {
  /** One host of a run changed (stage, action status): a full snapshot of that host. */
  'runbook.progress': z.object({ runId: z.string(), stepId: z.string(), dir: z.string(), host: hostRunSchema }),
  /** A run started, ended or got findings: the whole run. */
  'runbook.run': z.object({ dir: z.string(), run: runSchema }),
  /**
   * Remote output of an action as it arrives, batched (~16 ms), secrets redacted. For live
   * per-host output panes; the full output is also in the action's transcript.
   */
  'runbook.output': z.object({
    runId: z.string(),
    hostId: z.string(),
    actionId: z.string(),
    stream: z.enum(['stdout', 'stderr']),
    data: z.string(),
  }),
} as const;
