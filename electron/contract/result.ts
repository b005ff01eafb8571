/**
 * Every reply that crosses a process boundary is a Result, never a thrown error: the renderer is
 * untrusted and may be on the other end of a WebSocket, so errors must be plain data with a hint
 * the technician can act on.
 */
export type ErrorCode =
  | 'invalid-request'
  | 'unknown-channel'
  | 'validation-failed'
  | 'not-found'
  | 'parse-failed'
  | 'io-failed'
  | 'unsupported'
  /** The write would replace something newer or unreadable on disk (project.yaml revision, broken file). */
  | 'conflict'
  | 'too-large'
  | 'internal';

export interface AppError {
  code: ErrorCode;
  message: string;
  hint?: string;
  /** Field-level details, e.g. inventory rows that failed validation. */
  issues?: FieldIssue[];
  /**
   * A stable key the renderer renders from its locale files (`errors.<reason>.message` / `.hint`)
   * with `params`, so the text is in the technician's language; message and hint stay the English
   * fallback.
   */
  reason?: ReasonCode;
  /**
   * `detail` is English; `cause`, when set, names the reasons the renderer words `detail` from
   * instead, outermost first ("conn-jump-failed>conn-refused"; see `causedBy`).
   */
  params?: Record<string, string | number>;
}

/**
 * Every `reason` an error (or a connection result) can carry; each has `reasons.<code>.message`
 * and `.hint` in both renderer locale files (a unit test checks it).
 */
export const REASON_CODES = [
  // The dispatcher (api/dispatcher.ts): a request the contract does not know or accept, a handler that threw.
  'request-unknown-channel', 'request-invalid', 'request-failed',
  // The journal (project/journal.ts): unreadable, or a line edited or damaged.
  'journal-unreadable', 'journal-damaged',
  // Size limits (limits.ts) and the browser host's transport (renderer/src/api/ws-transport.ts).
  'request-too-large', 'file-too-large', 'file-too-large-disk', 'file-unreadable', 'file-path-relative', 'file-not-regular',
  'backend-lost', 'backend-unreachable', 'backend-restarted',
  // Connecting over SSH (ssh/connect.ts, ssh/connection-test.ts).
  'conn-hostkey-unknown', 'conn-hostkey-changed', 'conn-refused', 'conn-timeout', 'conn-unreachable', 'conn-name-not-resolved',
  'conn-reset', 'conn-handshake-timeout', 'conn-auth-failed', 'conn-dropped', 'conn-command-timeout', 'conn-command-failed',
  'conn-no-password', 'conn-no-agent', 'conn-key-unreadable',
  // Jump hosts and key files (ssh/connect.ts); `cause` words their `detail`.
  'conn-hostkey-marked', 'conn-jump-failed', 'conn-jump-no-route', 'conn-key-wrong-passphrase', 'conn-key-needs-passphrase', 'conn-key-unusable', 'conn-key-format', 'conn-failed',
  // How a remote command ended (ssh/host-connection.ts), worded as a cause of run-action-failed and the like.
  'exec-cancelled', 'exec-cancelled-before', 'exec-interrupted', 'exec-start-failed', 'exec-timeout', 'exec-sudo-wrong', 'exec-sudo-required',
  'exec-no-exit-status', 'exec-exit', 'exec-signal',
  // Terminals (terminal/terminal-manager.ts, api/terminal-handlers.ts) and how a pane ended.
  'term-shell-failed', 'term-shell-hostkey-changed', 'term-shell-hostkey-unknown', 'term-shell-no-secret', 'term-local-failed', 'term-session-gone',
  'transcript-write-failed', 'transcript-limit', 'transcript-disk-low',
  'term-exited', 'term-connection-closed', 'term-finished', 'term-no-transcript', 'term-step-done', 'term-phase-done', 'term-step-cancelled', 'term-step-stopped',
  // Runs (runbook/engine.ts).
  'run-host-key-changed', 'run-confirm-changes', 'run-already-running', 'run-nothing-to-resume-from', 'run-plan-changed', 'run-nothing-to-resume',
  // Refusals of the runner's other requests (runbook/engine.ts): cancel, skip, waive, withdraw a waiver.
  'run-unknown-step', 'run-plan-failed', 'run-step-bug', 'run-journal-unopenable', 'run-not-running', 'skip-no-action', 'skip-host-running', 'skip-action-complete',
  'waive-no-finding', 'waive-not-blocking', 'waive-needs-reason', 'unwaive-no-waiver', 'unwaive-needs-reason',
  // Why a host stopped in a run (journaled with the host-stopped event, shown in the runner).
  'run-host-key-stopped', 'run-lock-lost', 'run-orphan-running', 'run-precheck-failed', 'run-session-failed', 'kit-build-failed', 'run-connect-failed', 'run-lock-failed', 'run-action-failed', 'run-secret-missing',
  // The project file (project/project-store.ts).
  'project-broken', 'project-changed-on-disk', 'project-write-failed', 'project-no-folder', 'project-inventory-invalid', 'project-copy-failed',
  'project-not-found', 'project-unreadable', 'project-yaml-syntax', 'project-too-new', 'project-field-invalid',
  // Importing an inventory (inventory/import.ts).
  'import-unknown-type', 'import-no-hosts', 'import-source-invalid', 'import-ansible-plugin', 'import-invalid-rows', 'import-yaml-syntax', 'import-yaml-tag', 'import-yaml-aliases',
  'import-yaml-alias', 'import-yaml-no-hosts', 'import-yaml-not-mapping', 'import-yaml-field', 'import-csv-no-address',
  // Step 1's handlers (api/core-handlers.ts): pickers the browser host lacks, host keys to trust or replace.
  'pick-file-unsupported', 'pick-folder-unsupported', 'hostkey-not-offered', 'hostkey-not-changed', 'hostkey-differs', 'hostkey-differs-now',
  // The report: export, PDF, bundle, its resource files, verify (report/export.ts, pdf.ts, resources.ts, verify.ts).
  'report-no-chromium', 'report-print-failed', 'report-pdf-failed', 'report-pdf-secret', 'report-write-failed', 'bundle-secret', 'bundle-secret-file', 'bundle-write-failed',
  'report-resource-invalid', 'verify-not-found', 'verify-no-report', 'verify-not-manifest', 'verify-journal-unreadable',
  // The network step's handlers (api/network-handlers.ts).
  'net-host-not-in-project', 'net-no-addressing', 'net-plan-invalid', 'net-plan-not-saved', 'net-interfaces-unreadable', 'net-changes-differ',
  'net-address-not-saved', 'net-interfaces-unread', 'net-ip-output-unreadable',
  // How an addressing apply ended (the outcome's message).
  'addr-applied', 'addr-rolled-back', 'addr-lost', 'addr-not-started', 'addr-not-run',
  // Removing a cluster node (api/cluster-handlers.ts).
  'cluster-host-unknown', 'cluster-leave-failed', 'cluster-leave-refused', 'cluster-leave-first-master',
  // The failover drill (drill/engine.ts): refusals of drill.start / abort / recover.
  'drill-busy', 'drill-pending', 'drill-no-vip', 'drill-unavailable', 'drill-not-found', 'drill-not-running',
  // A step that will not plan (runbook/refusal.ts), and the refusals of the join and leave steps.
  'run-plan-refused', 'plan-install-invalid', 'leave-first-master', 'leave-slurm-controller', 'leave-host-unknown',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

/** A problem with one field of one row (row is 1-based as the technician counts it; 0 = whole file). */
export interface FieldIssue {
  row: number;
  field: string;
  message: string;
  /** 1-based line in the source file, when known. */
  line?: number;
  /** Stable code the renderer translates (`issueText.<code>` with `params`); `message` is the English fallback. */
  code?: string;
  params?: Record<string, string | number>;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: AppError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });

/** `r` with a reason the renderer words in the technician's language from `reasons.<reason>`. */
export const because = <R extends { ok: false; error: AppError }>(r: R, reason: ReasonCode, params: Record<string, string | number> = {}): R => ({
  ...r,
  error: { ...r.error, reason, params },
});

/**
 * Params for an error that wraps another one: the inner error's reason (and its own causes) as
 * `cause` with its params, so the renderer words the whole chain; its English `message` as
 * `detail` when it has no reason.
 */
export const causedBy = (inner: { reason?: ReasonCode | undefined; params?: Record<string, string | number> | undefined; message: string }): Record<string, string | number> => {
  if (!inner.reason) return { detail: inner.message };
  const deeper = inner.params?.cause;
  return { ...inner.params, cause: typeof deeper === 'string' && deeper ? `${inner.reason}>${deeper}` : inner.reason };
};

/** The reasons a `cause` param names, outermost first (unknown ones left out). */
export const causeChain = (cause: unknown): ReasonCode[] =>
  typeof cause === 'string' ? cause.split('>').filter((c): c is ReasonCode => (REASON_CODES as readonly string[]).includes(c)) : [];

export const err = (
  code: ErrorCode,
  message: string,
  hint?: string,
  issues?: FieldIssue[],
): { ok: false; error: AppError } => ({
  ok: false,
  error: { code, message, ...(hint ? { hint } : {}), ...(issues ? { issues } : {}) },
});
