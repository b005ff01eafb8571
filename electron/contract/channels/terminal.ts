import { z } from 'zod';
import { REASON_CODES } from '../result.js';
import { hostKeyPolicySchema, hostSchema, jumpHostSchema } from '../schemas.js';

/**
 * The live terminal (issue 6, docs/architecture.md, Streams). Output flows backend → renderer as
 * `terminal.data` batches straight into xterm.js (never through the store); the renderer acks what
 * xterm has parsed with `terminal.ack`, and the backend pauses the producer while too much is
 * unacknowledged. Sessions are interactive shells (SSH PTY or a local node-pty shell) or read-only
 * step streams fed by the step runner.
 */

export const TERMINAL_KINDS = ['ssh', 'local', 'step'] as const;
export const terminalKindSchema = z.enum(TERMINAL_KINDS);
export type TerminalKind = z.infer<typeof terminalKindSchema>;

export const terminalStateSchema = z.enum(['connecting', 'open', 'exited']);

/** Largest terminal we size a PTY to; far above any screen, small enough to be harmless. */
const MAX_COLS = 1000;
const MAX_ROWS = 500;
/** Largest single input (a big paste); keystrokes are a few bytes. */
const MAX_INPUT_CHARS = 1_000_000;
/** Broadcast reaches at most this many shells at once (a site has 4–100 servers). */
const MAX_BROADCAST = 200;

const sessionIdSchema = z.string().min(1).max(100);

export const terminalSessionSchema = z.object({
  sessionId: sessionIdSchema,
  kind: terminalKindSchema,
  /** Inventory host id; 'local' for the laptop's own shell. */
  hostId: z.string(),
  /** What the pane header shows: host name or address, or the step's action title. */
  title: z.string(),
  state: terminalStateSchema,
  /** Interactive sessions take input and resize; step streams are read-only. */
  interactive: z.boolean(),
  /** Transcript files (ANSI and plain text), so the UI can tell the technician where they are. */
  transcript: z.object({ log: z.string(), txt: z.string() }).nullable(),
  /** Set once the transcript stopped recording early (its size limit, a failed write): why, in a sentence. */
  transcriptStopped: z.string().optional(),
  /** `transcriptStopped` as a reason + params the renderer words from `reasons.<reason>`. */
  transcriptStoppedCode: z.object({ reason: z.enum(REASON_CODES), params: z.record(z.string(), z.union([z.string(), z.number()])) }).optional(),
  exitCode: z.number().nullable().optional(),
  message: z.string().optional(),
  /** `message` as a reason + params the renderer words from `reasons.<reason>`. */
  reason: z.enum(REASON_CODES).optional(),
  params: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  /** Step streams: the run they belong to, so the dock shows one tab per run with its hosts inside. */
  run: z.object({ runId: z.string(), stepId: z.string() }).optional(),
});
export type TerminalSession = z.infer<typeof terminalSessionSchema>;

export const terminalRequests = {
  'terminal.open': {
    request: z.object({
      /** An inventory host (as the renderer has it, like ssh.testConnections) or the laptop itself. */
      target: z.discriminatedUnion('kind', [
        z.object({ kind: z.literal('ssh'), host: hostSchema, bastion: jumpHostSchema.optional(), hostKeyPolicy: hostKeyPolicySchema.optional() }),
        z.object({ kind: z.literal('local') }),
      ]),
      cols: z.number().int().min(2).max(MAX_COLS),
      rows: z.number().int().min(1).max(MAX_ROWS),
      /** The open project's folder: transcripts go to its logs/; the app data folder otherwise. */
      projectDir: z.string().max(4096).optional(),
    }),
    response: terminalSessionSchema,
  },
  'terminal.input': {
    /** One session, or several at once (broadcast input): the same bytes go to each. */
    request: z.object({
      sessionIds: z.array(sessionIdSchema).min(1).max(MAX_BROADCAST),
      data: z.string().min(1).max(MAX_INPUT_CHARS),
    }),
    response: z.object({ delivered: z.array(z.string()) }),
  },
  'terminal.resize': {
    request: z.object({
      sessionId: sessionIdSchema,
      cols: z.number().int().min(2).max(MAX_COLS),
      rows: z.number().int().min(1).max(MAX_ROWS),
    }),
    response: z.object({}),
  },
  'terminal.ack': {
    /** Characters of `terminal.data` that xterm has finished parsing (from its write callback). */
    request: z.object({ sessionId: sessionIdSchema, chars: z.number().int().min(1).max(100_000_000) }),
    response: z.object({}),
  },
  'terminal.snapshot': {
    /**
     * The session's recent output (bounded ring buffer) to draw a pane that was hidden, after a
     * reload or a reconnect. Also resets flow control: data that never reached a renderer cannot
     * be acked, so the counter restarts here. Live events with seq ≤ `seq` are already in `data`.
     */
    request: z.object({ sessionId: sessionIdSchema }),
    response: z.object({ data: z.string(), seq: z.number().int(), truncated: z.boolean() }),
  },
  'terminal.close': {
    request: z.object({ sessionId: sessionIdSchema }),
    response: z.object({}),
  },
  'terminal.list': {
    request: z.object({}),
    response: z.object({ sessions: z.array(terminalSessionSchema) }),
  },
} as const;

export const terminalEvents = {
  /**
   * A batch of output (≈16 ms worth). `seq` increases by one per batch of a session. The backend
   * emits `data` as the bytes the shell printed (UTF-8; xterm.js decodes it) with `chars`, the
   * amount the renderer acks once xterm has parsed the batch (flow control; the backend counts
   * bytes). The browser host sends it as a binary WebSocket frame (no JSON escaping, see
   * electron/host/server.ts). A string `data` (no `chars`) is acked by its length.
   */
  'terminal.data': z.object({
    sessionId: sessionIdSchema,
    seq: z.number().int(),
    data: z.union([z.string(), z.instanceof(Uint8Array)]),
    /** What the renderer acks for this batch once parsed (its byte length for bytes); absent for a string. */
    chars: z.number().int().min(0).optional(),
  }),
  /** A session appeared or changed state (opened, exited; also step streams opened by the runner). */
  'terminal.session': terminalSessionSchema,
  /** A session was closed and forgotten. */
  'terminal.closed': z.object({ sessionId: sessionIdSchema }),
} as const;
