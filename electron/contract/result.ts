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
  reason?: string;
  params?: Record<string, string | number>;
}

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

export const err = (
  code: ErrorCode,
  message: string,
  hint?: string,
  issues?: FieldIssue[],
): { ok: false; error: AppError } => ({
  ok: false,
  error: { code, message, ...(hint ? { hint } : {}), ...(issues ? { issues } : {}) },
});
