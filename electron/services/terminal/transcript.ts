import { closeSync, openSync, write as writeAsync, writeSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { secretForms } from '../secrets/secret-store.js';

/**
 * Every terminal session is recorded twice under `<base>/logs/<host>/<timestamp>-<kind>`: `.log`
 * exactly as the terminal received it (ANSI included, replayable with `cat`), and `.txt` with
 * escape sequences removed for reading and grepping. Known secrets are replaced before anything
 * reaches the disk (DESIGN.md section 7).
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
export function stripAnsiBytes(latin1: string): string {
  const noEscapes = latin1.includes('\x1b') || latin1.includes('\xc2\x9b') ? latin1.replace(ANSI, '') : latin1;
  return noEscapes.replace(CONTROL, '');
}

/** stripAnsi for ordinary (decoded) text. */
export function stripAnsi(text: string): string {
  return Buffer.from(stripAnsiBytes(Buffer.from(text, 'utf8').toString('latin1')), 'latin1').toString('utf8');
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

/**
 * Decides how much of a growing text may be written now without writing part of a secret that
 * the next chunk completes. Returns the cut: text[0, cut) is safe to redact and write.
 */
export function safeCut(text: string, secrets: readonly string[]): number {
  const usable = secrets.filter((s) => s.length >= 3);
  const longest = usable.reduce((m, s) => Math.max(m, s.length), 0);
  let cut = Math.max(0, text.length - Math.max(0, longest - 1));
  cut = beforeOpenSequence(text, cut);
  // A secret that starts before the cut and ends after it is held back whole.
  for (let moved = true; moved; ) {
    moved = false;
    for (const s of usable) {
      const from = Math.max(0, cut - s.length + 1);
      const i = text.indexOf(s, from);
      if (i >= 0 && i < cut && i + s.length > cut) {
        cut = i;
        moved = true;
      }
    }
  }
  return cut;
}

// One escape sequence (the kinds NOT_TEXT removes), matched where it starts. Unlike NOT_TEXT, an
// introducer of a longer sequence (ESC [, ESC ], DCS…) never counts as a finished two-byte escape.
// eslint-disable-next-line no-control-regex
const SEQUENCE = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[PX^_][^\x1b]*\x1b\\|[()*+][0-9A-Za-z]|[ -/]*[0-OQ-WYZ\\`a-~])|\xc2\x9b[0-?]*[ -/]*[@-~]/y;
/** Escape sequences longer than this (a huge OSC title) are not held back for. */
const MAX_SEQUENCE = 256;

/**
 * Moves `cut` back to the start of an escape sequence that `cut` would split or that is not
 * finished yet, so stripping always sees sequences whole.
 */
function beforeOpenSequence(text: string, cut: number): number {
  for (const start of [text.lastIndexOf('\x1b', cut - 1), text.lastIndexOf('\xc2', cut - 1)]) {
    if (start < 0 || cut - start > MAX_SEQUENCE) continue;
    if (text[start] === '\xc2' && start + 1 < text.length && text[start + 1] !== '\x9b') continue;
    SEQUENCE.lastIndex = start;
    const m = SEQUENCE.exec(text);
    if (!m || start + m[0].length > cut) cut = Math.min(cut, start);
  }
  return cut;
}

/** Held back at most this long, so a quiet session's last line still reaches the disk promptly. */
const HOLD_MS = 1_000;
/** Never hold back more than this: a secret is far shorter, so such a tail has no partial secret worth waiting for. */
const MAX_HOLD_CHARS = 64 * 1024;
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

/** One file written in large pieces: synchronously while the page cache absorbs it, then async. */
class ChunkedFile {
  private parts: Buffer[] = [];
  private size = 0;
  private async = false;
  private chain: Promise<void> = Promise.resolve();
  private failed: Error | null = null;

  constructor(
    readonly path: string,
    private readonly fd: number,
  ) {}

  add(data: Buffer): void {
    if (data.length === 0) return;
    this.parts.push(data);
    this.size += data.length;
    if (this.size >= WRITE_CHUNK_BYTES) this.flush();
  }

  flush(): void {
    if (this.size === 0 || this.failed) return;
    const buf = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    if (this.async) {
      this.chain = this.chain.then(() => writeAll(this.fd, buf)).catch((e: Error) => void (this.failed ??= e));
      return;
    }
    const t0 = performance.now();
    try {
      for (let off = 0; off < buf.length; ) off += writeSync(this.fd, buf, off);
    } catch (e) {
      this.failed = e as Error;
    }
    if (performance.now() - t0 > SLOW_WRITE_MS) this.async = true;
  }

  async close(): Promise<void> {
    this.flush();
    await this.chain;
    closeSync(this.fd);
    if (this.failed) throw this.failed;
  }
}

function writeAll(fd: number, buf: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const step = (off: number) =>
      writeAsync(fd, buf, off, buf.length - off, null, (e, n) => (e ? reject(e) : off + n < buf.length ? step(off + n) : resolve()));
    step(0);
  });
}

/** Secrets as they appear in UTF-8 output seen as latin1 (see stripAnsiBytes). */
const latin1Forms = (secrets: readonly string[]) => secretForms(secrets).map((f) => Buffer.from(f, 'utf8').toString('latin1'));

export class Transcript {
  /** Output not yet written, as latin1 text of its bytes (see stripAnsiBytes). */
  private held = '';
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(
    private readonly log: ChunkedFile,
    private readonly txt: ChunkedFile,
    private readonly secrets: () => readonly string[],
  ) {}

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
  }): Promise<Transcript> {
    const dir = join(opts.baseDir, 'logs', safeLabel(opts.host));
    await mkdir(dir, { recursive: true });
    const stem = join(dir, `${fileTimestamp(opts.now)}-${safeLabel(opts.kind)}`);
    // 0600: transcripts can hold anything a server printed. 'wx': never overwrite another session's.
    const logFd = openSync(`${stem}.log`, 'wx', 0o600);
    let txtFd: number;
    try {
      txtFd = openSync(`${stem}.txt`, 'wx', 0o600);
    } catch (e) {
      closeSync(logFd);
      throw e;
    }
    const t = new Transcript(new ChunkedFile(`${stem}.log`, logFd), new ChunkedFile(`${stem}.txt`, txtFd), opts.secrets);
    if (opts.header) t.writeNow(Buffer.from(opts.header, 'utf8').toString('latin1'));
    return t;
  }

  /** Output as it arrived (UTF-8 bytes), or text of ours (headers, notices). */
  write(data: Buffer | string): void {
    if (this.closed) return;
    this.held += typeof data === 'string' ? Buffer.from(data, 'utf8').toString('latin1') : data.toString('latin1');
    const forms = latin1Forms(this.secrets());
    const cut = this.held.length > MAX_HOLD_CHARS ? this.held.length : safeCut(this.held, forms);
    if (cut > 0) {
      this.writeNow(this.held.slice(0, cut), forms);
      this.held = this.held.slice(cut);
    }
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, HOLD_MS);
      this.timer.unref();
    }
  }

  /** Write whatever is held back (the end of the session, or a pause in output). */
  flush(): void {
    if (this.held) this.writeNow(this.held);
    this.held = '';
    this.log.flush();
    this.txt.flush();
  }

  private writeNow(latin1: string, forms = latin1Forms(this.secrets())): void {
    let clean = latin1;
    for (const f of forms) if (clean.includes(f)) clean = clean.split(f).join('[redacted]');
    this.log.add(Buffer.from(clean, 'latin1'));
    this.txt.add(Buffer.from(stripAnsiBytes(clean), 'latin1'));
  }

  async close(footer?: string): Promise<void> {
    if (this.closed) return;
    clearTimeout(this.timer);
    if (footer) this.write(footer);
    this.flush();
    this.closed = true;
    await Promise.all([this.log.close(), this.txt.close()]);
  }
}
