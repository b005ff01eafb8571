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
  params?: Record<string, string | number>;
}

/**
 * Every `reason` an error (or a connection result) can carry; each has `reasons.<code>.message`
 * and `.hint` in both renderer locale files (a unit test checks it).
 */
export const REASON_CODES = [
  // Size limits (limits.ts) and the browser host's transport (renderer/src/api/ws-transport.ts).
  'request-too-large', 'file-too-large', 'file-too-large-disk', 'file-unreadable', 'file-path-relative', 'file-not-regular',
  'backend-lost', 'backend-unreachable', 'backend-restarted',
  // Connecting over SSH (ssh/connect.ts, ssh/connection-test.ts).
  'conn-hostkey-unknown', 'conn-hostkey-changed', 'conn-refused', 'conn-timeout', 'conn-unreachable', 'conn-name-not-resolved',
  'conn-reset', 'conn-handshake-timeout', 'conn-auth-failed', 'conn-dropped', 'conn-command-timeout', 'conn-command-failed',
  'conn-no-password', 'conn-no-agent', 'conn-key-unreadable',
  // Runs (runbook/engine.ts).
  'run-host-key-changed', 'run-confirm-changes', 'run-already-running', 'run-nothing-to-resume-from', 'run-plan-changed', 'run-nothing-to-resume',
  // Why a host stopped in a run (journaled with the host-stopped event, shown in the runner).
  'run-host-key-stopped', 'run-lock-lost', 'run-orphan-running', 'run-precheck-failed', 'run-connect-failed', 'run-lock-failed', 'run-action-failed',
  // The project file (project/project-store.ts).
  'project-broken', 'project-changed-on-disk',
  // Importing an inventory (inventory/import.ts).
  'import-unknown-type', 'import-no-hosts', 'import-source-invalid', 'import-ansible-plugin', 'import-invalid-rows', 'import-yaml-syntax', 'import-yaml-tag', 'import-yaml-aliases',
  'import-yaml-alias', 'import-yaml-no-hosts', 'import-yaml-not-mapping', 'import-yaml-field', 'import-csv-no-address',
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

export const err = (
  code: ErrorCode,
  message: string,
  hint?: string,
  issues?: FieldIssue[],
): { ok: false; error: AppError } => ({
  ok: false,
  error: { code, message, ...(hint ? { hint } : {}), ...(issues ? { issues } : {}) },
});
