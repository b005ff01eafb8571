import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { redactSecrets } from '../secrets/secret-store.js';

/**
 * Every terminal session is recorded twice under `<base>/logs/<host>/<timestamp>-<kind>`: `.log`
 * exactly as the terminal received it (ANSI included, replayable with `cat`), and `.txt` with
 * escape sequences removed for reading and grepping. Known secrets are replaced before anything
 * reaches the disk (DESIGN.md section 7).
 */

// CSI (ESC [ … final), OSC (ESC ] … BEL or ESC \), DCS/SOS/PM/APC strings, and two-byte escapes.
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[PX^_][^\x1b]*\x1b\\|\x1b[()*+][0-9A-Za-z]|\x1b[ -/]*[0-~]|\x9b[0-?]*[ -/]*[@-~]/g;
// Other C0 controls a reader does not want in a text file (BEL, backspace runs, SI/SO…); keeps \t and \n.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f]/g;

/** Terminal output as plain text: escape sequences removed, CRLF as LF, other controls dropped. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, '').replace(/\r+\n/g, '\n').replace(/\r/g, '').replace(CONTROL, '');
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
  // An incomplete escape sequence at the end: hold it so stripping sees it whole.
  const esc = text.lastIndexOf('\x1b');
  // eslint-disable-next-line no-control-regex
  if (esc >= 0 && text.length - esc < 256 && !/^\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[^[\]])/.test(text.slice(esc))) {
    cut = Math.min(cut, esc);
  }
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

/** Held back at most this long, so a quiet session's last line still reaches the disk promptly. */
const HOLD_MS = 1_000;
/** Never hold back more than this: a secret is far shorter, so such a tail has no partial secret worth waiting for. */
const MAX_HOLD_CHARS = 64 * 1024;

export class Transcript {
  private held = '';
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(
    readonly logPath: string,
    readonly txtPath: string,
    private readonly log: WriteStream,
    private readonly txt: WriteStream,
    private readonly secrets: () => readonly string[],
  ) {}

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
    // 0600: transcripts can hold anything a server printed.
    const log = createWriteStream(`${stem}.log`, { flags: 'wx', mode: 0o600 });
    const txt = createWriteStream(`${stem}.txt`, { flags: 'wx', mode: 0o600 });
    const t = new Transcript(`${stem}.log`, `${stem}.txt`, log, txt, opts.secrets);
    if (opts.header) t.writeNow(opts.header);
    return t;
  }

  write(data: string): void {
    if (this.closed) return;
    this.held += data;
    const cut = this.held.length > MAX_HOLD_CHARS ? this.held.length : safeCut(this.held, this.secrets());
    if (cut > 0) {
      this.writeNow(this.held.slice(0, cut));
      this.held = this.held.slice(cut);
    }
    if (this.held && !this.timer) {
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
  }

  private writeNow(text: string): void {
    const clean = redactSecrets(text, this.secrets());
    this.log.write(clean);
    this.txt.write(stripAnsi(clean));
  }

  async close(footer?: string): Promise<void> {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.flush();
    if (footer) this.writeNow(footer);
    this.closed = true;
    await Promise.all([
      new Promise<void>((r) => this.log.end(() => r())),
      new Promise<void>((r) => this.txt.end(() => r())),
    ]);
  }
}
