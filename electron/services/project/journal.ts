import { open, readFile, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { err, ok, planSchema, runbookFindingSchema, waiverSchema, waiverWithdrawalSchema, type Result } from '../../contract/index.js';

export const JOURNAL_FILE = 'journal.ndjson';

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
 * nothing here is ever rewritten. Commands are recorded as the dry-run shows them (no secrets can
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
  z.object({ type: z.literal('host-stopped'), at: z.string(), runId: z.string(), hostId: z.string(), reason: z.string() }),
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
 * claims less than what ran. Appends are serialised; one handle per project folder.
 */
export class Journal {
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
  ) {}

  static async open(dir: string): Promise<Journal> {
    const path = join(resolve(dir), JOURNAL_FILE);
    const fh = await open(path, 'a+');
    // A crash mid-write can leave a torn last line; start ours on a fresh one.
    const { size } = await fh.stat();
    if (size > 0) {
      const last = Buffer.alloc(1);
      await fh.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) {
        await fh.appendFile(`\n${JSON.stringify({ type: 'torn', at: new Date().toISOString() })}\n`);
        await fh.datasync();
      }
    } else {
      // A new file: make its directory entry durable too.
      const d = await open(resolve(dir), 'r');
      await d.sync().finally(() => d.close());
    }
    return new Journal(path, fh);
  }

  append(event: NewJournalEvent): Promise<JournalEvent> {
    const full = { at: new Date().toISOString(), ...event } as JournalEvent;
    const line = JSON.stringify(full) + '\n';
    const p = this.chain.then(async () => {
      await this.fh.appendFile(line);
      await this.fh.datasync();
      return full;
    });
    this.chain = p.catch(() => {});
    return p;
  }

  async close(): Promise<void> {
    await this.chain;
    await this.fh.close();
  }
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
    return err('io-failed', `Could not read ${path}: ${(e as Error).message}`, 'Check the file permissions.');
  }
  return parseJournalText(text, path);
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
      return err('parse-failed', `${path} line ${i + 1}: not a JSON line`,
        'The journal was edited or damaged; restore it from a backup. It was not changed.',
        [{ row: 0, field: 'journal', message: 'not a JSON line', line: i + 1 }]);
    }
    const parsed = journalEventSchema.safeParse(data);
    if (!parsed.success) {
      if (torn) continue;
      const issue = parsed.error.issues[0]!;
      const field = issue.path.join('.') || 'type';
      return err('validation-failed', `${path} line ${i + 1}: field "${field}": ${issue.message}`,
        'The journal was edited or damaged; restore it from a backup. It was not changed.',
        [{ row: 0, field, message: issue.message, line: i + 1 }]);
    }
    if (parsed.data.type !== 'torn') events.push(parsed.data);
  }
  return ok(events);
}
