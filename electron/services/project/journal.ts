import { createHash } from 'node:crypto';
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { because, err, ok, planSchema, REASON_CODES, runbookFindingSchema, waiverSchema, waiverWithdrawalSchema, type ReportJournalHead, type Result } from '../../contract/index.js';

export const JOURNAL_FILE = 'journal.ndjson';

/**
 * The journal is a hash chain: each line written carries `prev`, the SHA-256 of the previous
 * line's bytes (without its newline; the first line: this genesis value), and `n`, its own line
 * number, so an edited, removed or inserted line shows at the first line that no longer fits
 * (report/verify.ts). Lines of a journal written before the chain existed have neither; the chain
 * starts at the first line that has them.
 */
export const JOURNAL_GENESIS = '0'.repeat(64);
export const lineHash = (line: string | Buffer) => createHash('sha256').update(line).digest('hex');

/** The physical lines of a journal file, without their newlines (a torn last line included). */
export function journalLines(data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (let i = data.indexOf(0x0a); i !== -1; i = data.indexOf(0x0a, start)) {
    out.push(data.subarray(start, i));
    start = i + 1;
  }
  if (start < data.length) out.push(data.subarray(start));
  return out;
}

/** A finding as journaled: the contract's finding without the waiver (waivers are their own lines). */
const findingRecord = runbookFindingSchema.omit({ waiver: true, lapsedWaiver: true });

/** The thresholds a run applied (StepProfile), and what the technician confirmed about them. */
export const runProfileSchema = z.object({
  id: z.string(),
  thresholds: z.record(z.string(), z.unknown()),
  confirmation: z.object({ technician: z.string(), at: z.string(), hosts: z.array(z.string()) }).optional(),
});

const runner = { owner: z.string(), laptop: z.string(), pid: z.number() };

/**
 * Every line of journal.ndjson. Append-only: state is rebuilt by replaying these (replay.ts), so
 * nothing here is ever rewritten. Each line also carries `prev` and `n` (the hash chain, see
 * JOURNAL_GENESIS), which parsing drops: they are not part of the event. Commands are recorded as the dry-run shows them (no secrets can
 * be in them: secrets never go into argv); output goes to transcripts under logs/.
 */
export const journalEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('run-started'), at: z.string(), runId: z.string(), stepId: z.string(), plan: planSchema, ...runner,
    profile: runProfileSchema.optional(),
  }),
  z.object({ type: z.literal('run-resumed'), at: z.string(), runId: z.string(), stepId: z.string(), hostIds: z.array(z.string()), ...runner }),
  z.object({
    type: z.literal('lock'),
    at: z.string(),
    runId: z.string(),
    hostId: z.string(),
    outcome: z.enum(['acquired', 'refused', 'taken-over', 'reclaimed', 'released', 'failed']),
    holder: z.object({ owner: z.string(), laptop: z.string(), pid: z.number(), runId: z.string(), stepId: z.string().optional(), heartbeatAgeS: z.number() }).optional(),
    message: z.string().optional(),
  }),
  z.object({
    type: z.literal('action-started'),
    at: z.string(),
    runId: z.string(),
    hostId: z.string(),
    actionId: z.string(),
    attempt: z.number().int().positive(),
    command: z.string(),
    sudo: z.boolean(),
    destructive: z.boolean(),
  }),
  z.object({
    type: z.literal('action-finished'),
    at: z.string(),
    runId: z.string(),
    hostId: z.string(),
    actionId: z.string(),
    attempt: z.number().int().positive(),
    status: z.enum(['done', 'already-done', 'failed', 'interrupted', 'cancelled']),
    /** probe: the probe said done and the command was not run. */
    via: z.enum(['probe', 'command']),
    exitCode: z.number().nullable(),
    signal: z.string().nullable(),
    durationMs: z.number(),
    message: z.string(),
    transcript: z.string(),
    sha256: z.string(),
    stdout: z.string().optional(),
  }),
  z.object({
    type: z.literal('action-skipped'),
    at: z.string(),
    runId: z.string(),
    hostId: z.string(),
    actionId: z.string(),
    reason: z.string(),
    technician: z.string(),
  }),
  z.object({
    type: z.literal('host-stopped'), at: z.string(), runId: z.string(), hostId: z.string(), reason: z.string(),
    // The reason as a code + params the screen words in the technician's language; `reason` stays the English text.
    code: z.enum(REASON_CODES).optional(), params: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  }),
  /** A step's clean-up hook after the host's actions (StepModule.cleanUp). */
  z.object({
    type: z.literal('clean-up'),
    at: z.string(),
    runId: z.string(),
    hostId: z.string(),
    status: z.enum(['done', 'failed']),
    result: z.string(),
    message: z.string(),
    address: z.string().optional(),
    durationMs: z.number(),
  }),
  /** A check the step made from the laptop (StepModule.local), after its last phase. */
  z.object({
    type: z.literal('local-check'),
    at: z.string(),
    runId: z.string(),
    checkId: z.string(),
    status: z.enum(['done', 'failed']),
    stdout: z.string(),
    message: z.string(),
    durationMs: z.number(),
  }),
  /** A phase of a step with phases begins (StepModule.phases): its hosts that run now. */
  z.object({ type: z.literal('phase-started'), at: z.string(), runId: z.string(), phaseId: z.string(), hostIds: z.array(z.string()) }),
  /**
   * An action's output (StepModule Action.output): by the command, or re-read (`read`) when the
   * probe said done. A secret's value is never here, only its SHA-256 (the value is in the secret store).
   */
  z.object({
    type: z.literal('output'),
    at: z.string(),
    runId: z.string(),
    hostId: z.string(),
    actionId: z.string(),
    name: z.string(),
    secret: z.boolean(),
    value: z.string().optional(),
    sha256: z.string(),
  }),
  z.object({ type: z.literal('findings'), at: z.string(), runId: z.string(), stepId: z.string(), findings: z.array(findingRecord) }),
  z.object({ type: z.literal('waiver'), ...waiverSchema.shape }),
  z.object({ type: z.literal('waiver-withdrawn'), ...waiverWithdrawalSchema.shape }),
  /** Written after a line the app was killed while writing: that line is not an event. */
  z.object({ type: z.literal('torn'), at: z.string() }),
  z.object({
    type: z.literal('run-finished'),
    at: z.string(),
    runId: z.string(),
    status: z.enum(['completed', 'failed', 'cancelled']),
  }),
]);
export type JournalEvent = z.infer<typeof journalEventSchema>;
/** An event as appended: `at` is filled in by the journal. */
export type NewJournalEvent = JournalEvent extends infer E ? (E extends { at: string } ? Omit<E, 'at'> : never) : never;

/**
 * The project's journal. Each append is one line, fsync'd before append() resolves: the runner
 * awaits it before starting the action the line announces, so after a crash the journal never
 * claims less than what ran. Appends are serialised; one handle per project folder. Lines
 * appended while a write is in flight go out together with one fsync (group commit): with 100
 * hosts a sync per line was ~1000 serial fsyncs per preflight (scripts/bench/scale).
 */
export class Journal {
  private chain: Promise<unknown> = Promise.resolve();
  /** Appends waiting for the next write, in order. */
  private queue: { event: JournalEvent; resolve: (e: JournalEvent) => void; reject: (e: unknown) => void }[] = [];

  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
    /** Hash of the last line and the number of lines: the next line's `prev` and `n`. */
    private last: { hash: string; lines: number },
  ) {}

  static async open(dir: string): Promise<Journal> {
    const path = join(resolve(dir), JOURNAL_FILE);
    const fh = await open(path, 'a+');
    // The whole file, once: the chain continues from its last line (hashed as bytes, as written).
    const data = await readFile(path);
    const lines = journalLines(data);
    let last = { hash: lines.length ? lineHash(lines[lines.length - 1]!) : JOURNAL_GENESIS, lines: lines.length };
    if (data.length > 0 && data[data.length - 1] !== 0x0a) {
      // A crash mid-write left a torn last line: end it, and say so on a fresh, chained line.
      const torn = chained({ type: 'torn', at: new Date().toISOString() }, last);
      await fh.appendFile(`\n${torn.line}\n`);
      await fh.datasync();
      last = torn.next;
    } else if (data.length === 0) {
      // A new file: make its directory entry durable too.
      const d = await open(resolve(dir), 'r');
      await d.sync().finally(() => d.close());
    }
    return new Journal(path, fh, last);
  }

  append(event: NewJournalEvent): Promise<JournalEvent> {
    const full = { at: new Date().toISOString(), ...event } as JournalEvent;
    return new Promise<JournalEvent>((resolve, reject) => {
      this.queue.push({ event: full, resolve, reject });
      // The first of a batch books the next write; later ones join it until it starts.
      if (this.queue.length === 1) this.chain = this.chain.then(() => this.write());
    });
  }

  private async write(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    // Chained inside the queue: `last` is the line actually written before these.
    let last = this.last;
    const lines: string[] = [];
    for (const { event } of batch) {
      const c = chained(event, last);
      lines.push(c.line);
      last = c.next;
    }
    try {
      await this.fh.appendFile(lines.join('\n') + '\n');
      await this.fh.datasync();
    } catch (e) {
      for (const b of batch) b.reject(e);
      return;
    }
    this.last = last;
    for (const b of batch) b.resolve(b.event);
  }

  async close(): Promise<void> {
    await this.chain;
    await this.fh.close();
  }
}

/** The line an event is written as: the event, then `prev` (the previous line's hash) and `n` (its line number). */
function chained(event: object, last: { hash: string; lines: number }): { line: string; next: { hash: string; lines: number } } {
  const line = JSON.stringify({ ...event, prev: last.hash, n: last.lines + 1 });
  return { line, next: { hash: lineHash(line), lines: last.lines + 1 } };
}

/**
 * Read and validate a journal. A missing file is an empty journal; a torn last line (the app died
 * while writing it) is dropped; any other bad line is an error naming it, and the file is left
 * exactly as it is.
 */
export async function readJournal(dir: string): Promise<Result<JournalEvent[]>> {
  const path = join(resolve(dir), JOURNAL_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return ok([]);
    return because(err('io-failed', `Could not read ${path}: ${(e as Error).message}`, 'Check the file permissions.'),
      'journal-unreadable', { path, detail: (e as NodeJS.ErrnoException).code ?? (e as Error).message });
  }
  return parseJournalText(text, path);
}

/** The journal's events and where its chain stood, from one read of the file (nothing appended in between). */
export async function readJournalWithHead(dir: string): Promise<Result<{ events: JournalEvent[]; head: ReportJournalHead }>> {
  const path = join(resolve(dir), JOURNAL_FILE);
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return ok({ events: [], head: journalHead(Buffer.alloc(0)) });
    return because(err('io-failed', `Could not read ${path}: ${(e as Error).message}`, 'Check the file permissions.'),
      'journal-unreadable', { path, detail: (e as NodeJS.ErrnoException).code ?? (e as Error).message });
  }
  const events = parseJournalText(data.toString('utf8'), path);
  return events.ok ? ok({ events: events.value, head: journalHead(data) }) : events;
}

/** Line count, hash of the last line, and the first line that carries the chain. */
export function journalHead(data: Buffer): ReportJournalHead {
  const lines = journalLines(data);
  const chainedFrom = lines.findIndex((l) => typeof chainFields(l)?.prev === 'string');
  return { lines: lines.length, head: lines.length ? lineHash(lines[lines.length - 1]!) : JOURNAL_GENESIS, chainedFrom: chainedFrom < 0 ? null : chainedFrom + 1 };
}

/** A line's `prev` and `n`, or null when it is not a JSON object. */
export function chainFields(line: Buffer): { prev?: unknown; n?: unknown } | null {
  try {
    const v = JSON.parse(line.toString('utf8')) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as { prev?: unknown; n?: unknown }) : null;
  } catch {
    return null;
  }
}

export function parseJournalText(text: string, path: string): Result<JournalEvent[]> {
  const lines = text.split('\n');
  const events: JournalEvent[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    // No newline after it, or marked torn by the next line: the app died while writing it.
    const torn = i === lines.length - 1 || /^\{"type":"torn"/.test(lines[i + 1] ?? '');
    let data: unknown;
    try {
      data = JSON.parse(line);
    } catch {
      if (torn) continue;
      return because(err('parse-failed', `${path} line ${i + 1}: not a JSON line`,
        'The journal was edited or damaged; restore it from a backup. It was not changed.',
        [{ row: 0, field: 'journal', message: 'not a JSON line', line: i + 1, code: 'journal-not-json' }]), 'journal-damaged', { path, line: i + 1 });
    }
    const parsed = journalEventSchema.safeParse(data);
    if (!parsed.success) {
      if (torn) continue;
      const issue = parsed.error.issues[0]!;
      const field = issue.path.join('.') || 'type';
      return because(err('validation-failed', `${path} line ${i + 1}: field "${field}": ${issue.message}`,
        'The journal was edited or damaged; restore it from a backup. It was not changed.',
        [{ row: 0, field, message: issue.message, line: i + 1, code: 'journal-field-invalid' }]), 'journal-damaged', { path, line: i + 1 });
    }
    if (parsed.data.type !== 'torn') events.push(parsed.data);
  }
  return ok(events);
}
