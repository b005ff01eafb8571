import { closeSync, existsSync, fstatSync, openSync, read as readAsync, readFileSync, readSync, renameSync, rmSync, statfsSync, unlinkSync, writeFileSync, writeSync, writev as writevAsync, writevSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { redactByteForms, secretByteForms } from '../secrets/secret-store.js';
import type { ReasonCode } from '../../contract/index.js';

/** A message as a reason + params the renderer words (`reasons.<reason>`). */
type Coded = { reason: ReasonCode; params: Record<string, string | number> };

/**
 * Every terminal session is recorded twice under `<base>/logs/<host>/<timestamp>-<kind>`: `.log`
 * exactly as the terminal received it (ANSI included, replayable with `cat`), and `.txt` with
 * escape sequences removed for reading and grepping. Known secrets are replaced before anything
 * reaches the disk (docs/architecture.md, Security).
 *
 * The `.log` is the record and is written as output arrives. The `.txt` is a reading copy made
 * from the `.log` (read back from the page cache) once output has been quiet for HOLD_MS, when it
 * trails by more than TXT_MAX_LAG_BYTES, and at close: while a 100 MB `cat` streams, the 2 shared
 * cores draw instead of filtering text nobody reads yet (measured: ~6 ms of backend CPU per MB).
 *
 * So after a crash the `.txt` can miss the end of what the `.log` has. While a transcript is open a
 * marker `<stem>.txt.partial` (holding the backend's pid) sits beside it and is removed once both
 * files are complete; recoverTranscripts() remakes the `.txt` of any transcript whose marker was
 * left by a process that is gone.
 */

// CSI (ESC [ … final), OSC (ESC ] … BEL or ESC \), DCS/SOS/PM/APC strings, two-byte escapes, and
// the 8-bit CSI (U+009B, which is the bytes C2 9B in UTF-8: the transcript works on bytes seen as
// latin1 text, where a lone 0x9B is part of some other character and must stay).
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[PX^_][^\x1b]*\x1b\\|\x1b[()*+][0-9A-Za-z]|\x1b[ -/]*[0-~]|\xc2\x9b[0-?]*[ -/]*[@-~]/g;
// The C0 controls a reader does not want in a text file: every CR (so CRLF becomes LF), BEL,
// backspace, SI/SO… Tab and LF stay.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f]+/g;

/**
 * Terminal output as plain text: escape sequences removed, CRLF as LF, other controls dropped.
 * Works on UTF-8 bytes seen as latin1 text (one character per byte: Buffer#toString('latin1')),
 * which is how transcripts handle output: no decoding, and every sequence it removes is ASCII.
 * It runs on every byte a terminal shows, so the escape pass is skipped when there is no escape
 * (plain `cat` output): 1.7 ms per MB here instead of 2.7 for one combined pass.
 */
function stripAnsiBytes(latin1: string): string {
  const noEscapes = latin1.includes('\x1b') || latin1.includes('\xc2\x9b') ? latin1.replace(ANSI, '') : latin1;
  return noEscapes.replace(CONTROL, '');
}

/**
 * 1 GiB, 512 MiB, 2 GB, 5 MB, 300 kB: a size as it was most likely set, for messages; `measured`
 * sizes are rounded (850 MB, 1.2 GB) instead.
 */
function formatBytes(n: number, measured = false): string {
  if (measured) return n >= 1e9 ? `${(n / 1e9).toFixed(1)} GB` : n >= 1e6 ? `${Math.round(n / 1e6)} MB` : `${Math.round(n / 1000)} kB`;
  for (const [size, unit] of [[1024 ** 3, 'GiB'], [1024 ** 2, 'MiB'], [1e9, 'GB'], [1e6, 'MB']] as const) {
    if (n >= size && n % size === 0) return `${n / size} ${unit}`;
  }
  return `${Math.round(n / 1000)} kB`;
}

/** Bytes an unprivileged writer may still use on the disk holding `dir` (null where it cannot be read). */
function freeBytes(dir: string): number | null {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}

/** A file-name-safe label for a host: its name or address, never a path. */
export function safeLabel(label: string): string {
  const s = label.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_').slice(0, 64);
  return s || 'host';
}

/** `2026-11-26T08-01-48-123Z`: sorts by time, no `:` (not allowed in Windows file names). */
export function fileTimestamp(d = new Date()): string {
  return d.toISOString().replace(/[:.]/g, '-');
}

// One escape sequence (the kinds ANSI removes), matched where it starts. Unlike ANSI, an
// introducer of a longer sequence (ESC [, ESC ], DCS…) never counts as a finished two-byte escape.
// eslint-disable-next-line no-control-regex
const SEQUENCE = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[PX^_][^\x1b]*\x1b\\|[()*+][0-9A-Za-z]|[ -/]*[0-OQ-WYZ\\`a-~])|\xc2\x9b[0-?]*[ -/]*[@-~]/y;
/** Escape sequences longer than this (a huge OSC title) are not held back for. */
const MAX_SEQUENCE = 256;

/**
 * Decides how much of growing output may be written now without writing part of a secret that
 * the next chunk completes, or splitting an escape sequence. Returns the cut: bytes [0, cut) are
 * safe to redact and write. `forms`: the secrets as UTF-8 bytes (secretByteForms).
 */
export function safeCut(buf: Buffer, forms: readonly Buffer[]): number {
  const longest = forms.reduce((m, f) => Math.max(m, f.length), 0);
  let cut = Math.max(0, buf.length - Math.max(0, longest - 1));
  cut = beforeOpenSequence(buf, cut);
  // A secret that starts before the cut and ends after it is held back whole.
  for (let moved = true; moved; ) {
    moved = false;
    for (const f of forms) {
      const i = buf.indexOf(f, Math.max(0, cut - f.length + 1));
      if (i >= 0 && i < cut && i + f.length > cut) {
        cut = i;
        moved = true;
      }
    }
  }
  return cut;
}

/**
 * Moves `cut` back to the start of an escape sequence that `cut` would split or that is not
 * finished yet, so stripping always sees sequences whole.
 */
function beforeOpenSequence(buf: Buffer, cut: number): number {
  for (const start of [buf.lastIndexOf(0x1b, cut - 1), buf.lastIndexOf(0xc2, cut - 1)]) {
    if (start < 0 || cut - start > MAX_SEQUENCE) continue;
    if (buf[start] === 0xc2 && start + 1 < buf.length && buf[start + 1] !== 0x9b) continue;
    SEQUENCE.lastIndex = 0;
    const m = SEQUENCE.exec(buf.toString('latin1', start, Math.min(buf.length, start + MAX_SEQUENCE + 1)));
    if (!m || start + m[0].length > cut) cut = Math.min(cut, start);
  }
  return cut;
}

/**
 * The plain-text copy of output bytes: escape sequences and unwanted controls removed (see
 * stripAnsiBytes). Output without any escape sequence (plain `cat`, `yes`) is filtered byte by
 * byte instead: a regex replace pays per match, and `yes` has a CR every three bytes (8 ms per MB
 * that way, ~1 here).
 */
export function plainText(bytes: Buffer): Buffer {
  if (bytes.includes(0x1b) || bytes.includes(C1_CSI)) return Buffer.from(stripAnsiBytes(bytes.toString('latin1')), 'latin1');
  const out = Buffer.allocUnsafe(bytes.length);
  let j = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    // Keep tab, LF, printable ASCII and every byte of a UTF-8 sequence (>= 0x80); drop the rest (CONTROL).
    if (b >= 0x20 ? b !== 0x7f : b === 0x0a || b === 0x09) out[j++] = b;
  }
  return out.subarray(0, j);
}
const C1_CSI = Buffer.from([0xc2, 0x9b]);

/** Held back at most this long, so a quiet session's last line still reaches the disk promptly. */
const HOLD_MS = 1_000;
/** Never hold back more than this: a secret is far shorter, so such a tail has no partial secret worth waiting for. */
const MAX_HOLD_BYTES = 64 * 1024;
/**
 * Output is written in pieces of at least this size (or when it has waited HOLD_MS): a 30 MB/s
 * `cat` then costs ~120 writes a second per file instead of one per 16 ms batch.
 */
const WRITE_CHUNK_BYTES = 256 * 1024;
/**
 * Transcripts are written with synchronous writes, which only copy into the page cache: measured
 * on our machines, 100 MB cost ~40 ms of CPU that way and ~250 ms through libuv's io_uring
 * (Node 20's default for fs.write), CPU the renderer's core needs while output streams. A disk
 * that pushes back (full page cache, slow USB stick) would stall the event loop, so the first write
 * slower than this switches the transcript to asynchronous writes for good.
 */
const SLOW_WRITE_MS = 50;

/**
 * The `.txt` copy is made when output pauses, so it may trail the `.log` by this much while output
 * streams without a pause; beyond it, it catches up while output goes on. Bounds the work left
 * for close (~3 ms of CPU per MB) and what a crash leaves out of the `.txt` (the `.log` has it).
 */
export const TXT_MAX_LAG_BYTES = 256 * 1024 * 1024;
/**
 * A session's `.log` stops growing at this size (its `.txt` copy is never larger): left running
 * over lunch, `yes` would otherwise fill the laptop's disk (7 MB/s in the lab: 25 GB an hour,
 * plus the copy). 1 GiB holds ten 100 MB log dumps, and far more than any step prints. The `.log`
 * ends with a line saying where recording stopped and why; the session tells the UI.
 */
export const LOG_MAX_BYTES = 1024 ** 3;
/**
 * Recording stops while the disk holding the transcripts has less than this free: the limit above
 * is per session, and 100 hosts' sessions (or other programs) can still fill a disk together. A
 * laptop whose disk is full cannot save the project, its journal or the report either; this much
 * leaves room for those (they are kilobytes to a few MB) and for the OS.
 */
export const DISK_RESERVE_BYTES = 256 * 1024 ** 2;
/**
 * Free space is checked when a transcript opens, then on a write once this many bytes or
 * DISK_CHECK_MS have passed since the last check (a statfs: microseconds), so many sessions that
 * each write little are checked too.
 */
export const DISK_CHECK_BYTES = 16 * 1024 * 1024;
const DISK_CHECK_MS = 1_000;
/** The `.txt` is made from the `.log` in pieces of this size, one per macrotask. */
export const CONVERT_PIECE_BYTES = 1024 * 1024;

/** One file written in large pieces: synchronously while the page cache absorbs it, then async. */
class ChunkedFile {
  private parts: Buffer[] = [];
  private size = 0;
  private async = false;
  private chain: Promise<void> = Promise.resolve();
  private failed: Error | null = null;
  /** Bytes that have reached the file (the write returned), in order from its start. */
  written = 0;

  constructor(
    readonly path: string,
    readonly fd: number,
    asyncFromStart = false,
    /** Told once, at the first write that fails (a full disk, a pulled USB stick). */
    private readonly onFail: (e: Error) => void = () => {},
  ) {
    this.async = asyncFromStart;
  }

  private fail(e: Error): void {
    if (this.failed) return;
    this.failed = e;
    this.onFail(e);
  }

  get isAsync(): boolean {
    return this.async;
  }

  /** Every write handed to the file so far has finished. */
  settled(): Promise<void> {
    return this.chain;
  }

  add(data: Buffer): void {
    if (data.length === 0) return;
    this.parts.push(data);
    this.size += data.length;
    if (this.size >= WRITE_CHUNK_BYTES) this.flush();
  }

  flush(): void {
    if (this.size === 0 || this.failed) return;
    // Written as the parts they came in (writev): joining them first cost an allocation and a
    // copy of every byte a second time. Many small parts (typing, step output) are joined: one
    // writev takes at most IOV_MAX of them, and small copies are cheap.
    const size = this.size;
    const parts = this.parts.length > MAX_WRITEV_PARTS ? [Buffer.concat(this.parts, size)] : this.parts;
    this.parts = [];
    this.size = 0;
    if (this.async) {
      this.chain = this.chain
        .then(() => writeAll(this.fd, parts))
        .then(() => void (this.written += size))
        .catch((e: Error) => this.fail(e));
      return;
    }
    const t0 = performance.now();
    try {
      for (let rest = parts; rest.length; ) rest = after(rest, writevSync(this.fd, rest));
      this.written += size;
    } catch (e) {
      this.fail(e as Error);
    }
    if (performance.now() - t0 > SLOW_WRITE_MS) this.async = true;
  }

  get isFailed(): boolean {
    return this.failed !== null;
  }

  async close(): Promise<void> {
    this.flush();
    await this.chain;
    closeSync(this.fd);
    if (this.failed) throw this.failed;
  }
}

/** `length` bytes of a file from `position` (fewer at its end), as the log's write mode suits. */
function readAt(fd: number, position: number, length: number, sync: boolean): Promise<Buffer> | Buffer {
  const buf = Buffer.allocUnsafe(length);
  if (sync) return buf.subarray(0, readSync(fd, buf, 0, length, position));
  return new Promise((resolve, reject) =>
    readAsync(fd, buf, 0, length, position, (e, n) => (e ? reject(e) : resolve(buf.subarray(0, n)))),
  );
}

/** The marker of a transcript whose `.txt` may trail its `.log` (see the top of this file). */
export const PARTIAL = '.txt.partial';

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remakes the `.txt` of every transcript under `<baseDir>/logs` that a process left incomplete
 * (crash, power loss, a full disk at close): the whole plain copy is made again from the `.log`
 * into a new file that replaces the old one only once complete, then the marker goes. Transcripts
 * of a live process (this one or another: the marker holds its pid) are left alone. Returns the
 * `.txt` files it remade; one that fails is left with its marker, to be tried at the next start.
 */
export async function recoverTranscripts(baseDir: string, onError: (txtPath: string, e: Error) => void = () => {}): Promise<string[]> {
  const logs = join(baseDir, 'logs');
  const names = await readdir(logs, { recursive: true }).catch(() => [] as string[]);
  const done: string[] = [];
  for (const name of names.filter((n) => n.endsWith(PARTIAL)).sort()) {
    const marker = join(logs, name);
    const stem = marker.slice(0, -PARTIAL.length);
    try {
      const pid = Number(readFileSync(marker, 'utf8').trim());
      if (pid === process.pid || processAlive(pid)) continue;
      const hasLog = existsSync(`${stem}.log`);
      if (hasLog) await remakePlainCopy(`${stem}.log`, `${stem}.txt`);
      unlinkSync(marker);
      if (hasLog) done.push(`${stem}.txt`);
    } catch (e) {
      onError(`${stem}.txt`, e as Error);
    }
  }
  return done;
}

/** The `.txt` made from the whole `.log`, as SessionTranscript makes it while recording, in 1 MB pieces. */
async function remakePlainCopy(logPath: string, txtPath: string): Promise<void> {
  const tmp = `${txtPath}.remake`;
  const input = openSync(logPath, 'r');
  let output: number | null = null;
  try {
    output = openSync(tmp, 'w', 0o600);
    const end = fstatSync(input).size;
    for (let pos = 0; pos < end; ) {
      const piece = readAt(input, pos, Math.min(CONVERT_PIECE_BYTES, end - pos), true) as Buffer;
      if (piece.length === 0) break;
      let { cut, text } = plainPiece(piece, pos + piece.length >= end);
      // Never with 1 MB pieces; but a loop that cannot advance must not spin.
      if (cut === 0) ({ cut, text } = plainPiece(piece, true));
      for (let off = 0; off < text.length; ) off += writeSync(output, text, off);
      pos += cut;
      await new Promise<void>((r) => setImmediate(r));
    }
    closeSync(output);
    output = null;
    renameSync(tmp, txtPath);
  } finally {
    closeSync(input);
    if (output !== null) {
      closeSync(output);
      try {
        unlinkSync(tmp);
      } catch {
        // Already gone.
      }
    }
  }
}

/**
 * The plain text of a piece of a `.log` read from some offset. The `.log` holds whole escape
 * sequences only where its writer cut, and a piece boundary may split one: unless the piece is
 * `whole` (it ends where the written output does), it stops before an open sequence and the next
 * piece starts there. `cut`: how many bytes of the piece the text covers (0: only an unfinished
 * sequence, whose rest is still to come).
 */
function plainPiece(piece: Buffer, whole: boolean): { cut: number; text: Buffer } {
  const cut = whole ? piece.length : beforeOpenSequence(piece, piece.length);
  return { cut, text: plainText(piece.subarray(0, cut)) };
}

/** At most this many parts go to one writev; more are joined first (IOV_MAX is 1024 on Linux). */
const MAX_WRITEV_PARTS = 64;

/** What is left of `parts` once their first `n` bytes were written (a short write). */
export function after(parts: Buffer[], n: number): Buffer[] {
  let i = 0;
  while (i < parts.length && n >= parts[i]!.length) n -= parts[i++]!.length;
  const rest = parts.slice(i);
  if (n > 0) rest[0] = rest[0]!.subarray(n);
  return rest;
}

function writeAll(fd: number, parts: Buffer[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const step = (rest: Buffer[]) =>
      writevAsync(fd, rest, (e, n) => {
        if (e) return reject(e);
        const left = after(rest, n);
        return left.length ? step(left) : resolve();
      });
    step(parts);
  });
}

/**
 * One terminal session's recording (`.log` with ANSI, `.txt` plain). Named apart from the step
 * runner's per-action Transcript (runbook/transcript.ts): two different files, two names.
 */
export class SessionTranscript {
  /** Output not yet written: the tail a secret or an escape sequence may continue from. */
  private held: Buffer = Buffer.alloc(0);
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Bytes handed to the `.log` so far, and how many of them the `.txt` copy covers. */
  private logged = 0;
  private converted = 0;
  private converting: Promise<void> | null = null;
  private convertAgain = false;
  private convertFailed: Error | null = null;
  private lastWrite = 0;
  /** Why recording stopped (size limit, failed write); null while it records. */
  private stopReason: string | null = null;
  private stopCode: Coded | null = null;
  private log!: ChunkedFile;
  private txt!: ChunkedFile;
  /** `<stem>.txt.partial`: present while the `.txt` may trail the `.log` (null if it could not be made). */
  private marker: string | null = null;
  private dir = '';
  /** `logged`, and the time, at which free space is checked next. */
  private nextDiskCheck = 0;
  private nextDiskCheckAt = 0;

  private constructor(
    private readonly secrets: () => readonly string[],
    private readonly txtMaxLag: number,
    private readonly maxLogBytes: number,
    private readonly onStopped: (reason: string, coded: Coded) => void,
    private readonly disk: { reserve: number; every: number },
  ) {}

  /** Whether output is still being recorded (false after the size limit, a full disk or a failed write). */
  get recording(): boolean {
    return this.stopReason === null;
  }

  /** Why recording stopped early, or null. */
  get stoppedBecause(): string | null {
    return this.stopReason;
  }

  /** `stoppedBecause` as a reason + params the renderer words (`reasons.<reason>`). */
  get stoppedCode(): Coded | null {
    return this.stopCode;
  }

  get logPath(): string {
    return this.log.path;
  }

  get txtPath(): string {
    return this.txt.path;
  }

  static async open(opts: {
    baseDir: string;
    host: string;
    kind: string;
    secrets: () => readonly string[];
    header?: string;
    now?: Date;
    /** Default TXT_MAX_LAG_BYTES (tests use less). */
    txtMaxLagBytes?: number;
    /** Write asynchronously from the start, as after a slow write (for tests of that path). */
    asyncWrites?: boolean;
    /** Default LOG_MAX_BYTES (tests use less). */
    maxLogBytes?: number;
    /** Default DISK_RESERVE_BYTES and DISK_CHECK_BYTES (tests use less). */
    diskReserveBytes?: number;
    diskCheckEveryBytes?: number;
    /** Told once when recording stops early, with a sentence saying why (no secrets: sizes and an OS error). */
    onStopped?: (reason: string, coded: Coded) => void;
  }): Promise<SessionTranscript> {
    const dir = join(opts.baseDir, 'logs', safeLabel(opts.host));
    await mkdir(dir, { recursive: true });
    const stem = join(dir, `${fileTimestamp(opts.now)}-${safeLabel(opts.kind)}`);
    // 0600: transcripts can hold anything a server printed. 'wx': never overwrite another
    // session's. The .log is also read (its plain copy is made from it).
    const logFd = openSync(`${stem}.log`, 'wx+', 0o600);
    let txtFd: number;
    try {
      txtFd = openSync(`${stem}.txt`, 'wx', 0o600);
    } catch (e) {
      closeSync(logFd);
      throw e;
    }
    const t = new SessionTranscript(opts.secrets, opts.txtMaxLagBytes ?? TXT_MAX_LAG_BYTES, opts.maxLogBytes ?? LOG_MAX_BYTES, opts.onStopped ?? (() => {}), {
      reserve: opts.diskReserveBytes ?? DISK_RESERVE_BYTES,
      every: opts.diskCheckEveryBytes ?? DISK_CHECK_BYTES,
    });
    t.dir = dir;
    const failed = (file: string) => (e: Error) => t.stop(`writing ${file} failed (${(e as NodeJS.ErrnoException).code ?? e.message}): later output is not recorded`,
      { reason: 'transcript-write-failed', params: { file, detail: (e as NodeJS.ErrnoException).code ?? e.message } });
    t.log = new ChunkedFile(`${stem}.log`, logFd, opts.asyncWrites, failed(`${stem}.log`));
    t.txt = new ChunkedFile(`${stem}.txt`, txtFd, opts.asyncWrites, failed(`${stem}.txt`));
    try {
      writeFileSync(`${stem}${PARTIAL}`, String(process.pid), { mode: 0o600, flag: 'wx' });
      t.marker = `${stem}${PARTIAL}`;
    } catch {
      // Without the marker only crash recovery of the .txt is lost; the session is still recorded.
    }
    if (opts.header) t.writeNow(Buffer.from(opts.header, 'utf8'));
    return t;
  }

  /** Output as it arrived (UTF-8 bytes), or text of ours (headers, notices). */
  write(data: Buffer | string): void {
    if (this.closed || this.stopReason !== null) return;
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const buf = this.held.length ? Buffer.concat([this.held, bytes]) : bytes;
    const forms = secretByteForms(this.secrets());
    let cut = safeCut(buf, forms);
    if (buf.length - cut > MAX_HOLD_BYTES) cut = buf.length;
    if (cut > 0) this.writeNow(buf.subarray(0, cut), forms);
    // A copy: the tail must not keep the caller's (large) buffer alive.
    this.held = cut < buf.length ? Buffer.from(buf.subarray(cut)) : Buffer.alloc(0);
    this.lastWrite = performance.now();
    this.tick();
  }

  /**
   * Every HOLD_MS while output comes: what is held back and buffered goes to the `.log`. Once a
   * whole HOLD_MS passed without output, the `.txt` catches up too.
   */
  private tick(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flushLog();
      if (performance.now() - this.lastWrite >= HOLD_MS) void this.catchUp();
      else this.tick();
    }, HOLD_MS);
    this.timer.unref();
  }

  private flushLog(): void {
    if (this.held.length) this.writeNow(this.held);
    this.held = Buffer.alloc(0);
    this.log.flush();
  }

  /** Everything written so far is in both files: the `.log` and its plain copy. */
  private async complete(): Promise<void> {
    this.flushLog();
    await this.catchUp();
    while (this.converting) await this.converting;
    await this.txt.settled();
  }

  async close(footer?: string): Promise<void> {
    if (this.closed) return;
    if (footer && this.stopReason === null) this.write(footer);
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.complete();
    await Promise.all([this.log.close(), this.txt.close()]);
    if (this.convertFailed) throw this.convertFailed;
    // Both files are whole: nothing for recovery to do. (After a failure the marker stays, and the
    // next start remakes the .txt from whatever the .log has.)
    if (this.marker) rmSync(this.marker, { force: true });
  }

  /**
   * Stops recording: what was written stays (and its `.txt` copy is completed as usual), and the
   * `.log` says so at its end unless writing is what failed.
   */
  private stop(reason: string, coded: Coded): void {
    if (this.stopReason !== null) return;
    this.stopReason = reason;
    this.stopCode = coded;
    this.held = Buffer.alloc(0);
    if (!this.log.isFailed) {
      const line = Buffer.from(`\r\n# Rackside: transcript stopped at ${new Date().toISOString()}: ${reason}\r\n`, 'utf8');
      this.log.add(line);
      this.logged += line.length;
      this.log.flush();
    }
    this.onStopped(reason, coded);
  }

  private writeNow(bytes: Buffer, forms = secretByteForms(this.secrets())): void {
    if (this.stopReason !== null) return;
    // The limit falls between two writes, never inside one: no character or escape sequence is cut.
    if (this.logged + bytes.length > this.maxLogBytes) {
      return this.stop(`the ${formatBytes(this.maxLogBytes)} limit per session was reached: later output is not recorded (the terminal still shows it)`,
        { reason: 'transcript-limit', params: { limit: formatBytes(this.maxLogBytes) } });
    }
    if (this.logged >= this.nextDiskCheck || performance.now() >= this.nextDiskCheckAt) {
      this.nextDiskCheck = this.logged + this.disk.every;
      this.nextDiskCheckAt = performance.now() + DISK_CHECK_MS;
      const free = freeBytes(this.dir);
      if (free !== null && free < this.disk.reserve) {
        return this.stop(`only ${formatBytes(free, true)} left free on the disk (recording keeps ${formatBytes(this.disk.reserve)} free): later output is not recorded (the terminal still shows it)`,
          { reason: 'transcript-disk-low', params: { free: formatBytes(free, true), reserve: formatBytes(this.disk.reserve) } });
      }
    }
    const clean = redactByteForms(bytes, forms);
    this.log.add(clean);
    this.logged += clean.length;
    if (this.logged - this.converted > this.txtMaxLag) void this.catchUp();
  }

  /** Make the `.txt` from what the `.log` has gained, in pieces, yielding between them. */
  private catchUp(): Promise<void> {
    if (this.converting) {
      this.convertAgain = true;
      return this.converting;
    }
    this.converting = this.convert()
      .catch((e: Error) => void (this.convertFailed ??= e))
      .finally(() => {
        this.converting = null;
        if (this.convertAgain) {
          this.convertAgain = false;
          void this.catchUp();
        }
      });
    return this.converting;
  }

  private async convert(): Promise<void> {
    for (;;) {
      if (this.convertFailed) return;
      await this.log.settled();
      const end = this.log.written;
      if (this.converted >= end) return;
      const piece = await readAt(this.log.fd, this.converted, Math.min(CONVERT_PIECE_BYTES, end - this.converted), !this.log.isAsync);
      if (piece.length === 0) return;
      // What the writer flushed whole at a pause or the end is converted whole.
      const { cut, text } = plainPiece(piece, this.converted + piece.length >= this.logged && this.held.length === 0);
      if (cut === 0) return;
      this.txt.add(text);
      this.converted += cut;
      this.txt.flush();
      await new Promise<void>((r) => setImmediate(r));
    }
  }
}
