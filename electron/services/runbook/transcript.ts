import { createHash } from 'node:crypto';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { redactSecrets } from '../secrets/secret-store.js';

/** Host ids become folder names: keep them to a safe alphabet. */
export const safeName = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100) || '_';

/** `logs/<host>/<run>-<action>.log`, `-<attempt>` added from the second attempt on. */
export function transcriptPath(hostId: string, runId: string, actionId: string, attempt: number): string {
  return join('logs', safeName(hostId), `${runId}-${safeName(actionId)}${attempt > 1 ? `-${attempt}` : ''}.log`);
}

/**
 * One action attempt's transcript. Output is written line by line with every known secret
 * redacted (whole lines, so a secret split across two network chunks is still found), and hashed
 * as written, so the journal can record the SHA-256 of exactly the file on disk.
 */
export class Transcript {
  private readonly hash = createHash('sha256');
  private chain: Promise<unknown> = Promise.resolve();
  private readonly partial = { stdout: '', stderr: '' };

  private constructor(
    private readonly fh: FileHandle,
    private readonly secrets: () => string[],
    private readonly labels?: () => ReadonlyMap<string, string>,
  ) {}

  /** `labels`: a secret's named placeholder (secret outputs), instead of `[redacted]`. */
  static async create(projectDir: string, rel: string, secrets: () => string[], labels?: () => ReadonlyMap<string, string>): Promise<Transcript> {
    const path = join(projectDir, rel);
    await mkdir(dirname(path), { recursive: true });
    return new Transcript(await open(path, 'w', 0o600), secrets, labels);
  }

  /** Write text that is ours (headers), redacted like everything else. */
  note(text: string): void {
    this.write(text.endsWith('\n') ? text : text + '\n');
  }

  /** Feed output; returns the redacted complete lines written (for live events). */
  output(stream: 'stdout' | 'stderr', chunk: Buffer): string {
    const text = this.partial[stream] + chunk.toString('utf8');
    const cut = text.lastIndexOf('\n');
    // Long lines without a newline are flushed in pieces so memory stays bounded.
    if (cut < 0 && text.length < 8192) {
      this.partial[stream] = text;
      return '';
    }
    const upto = cut < 0 ? text.length : cut + 1;
    this.partial[stream] = text.slice(upto);
    return this.write(text.slice(0, upto));
  }

  /** Write out what is left of unterminated last lines; returns it (redacted) per stream. */
  drain(): { stdout: string; stderr: string } {
    const out = { stdout: '', stderr: '' };
    for (const s of ['stdout', 'stderr'] as const) {
      if (this.partial[s]) out[s] = this.write(this.partial[s] + '\n');
      this.partial[s] = '';
    }
    return out;
  }

  /** Flush partial lines, fsync, close; returns the SHA-256 of the file's bytes. */
  async close(): Promise<string> {
    this.drain();
    await this.chain;
    await this.fh.sync();
    await this.fh.close();
    return this.hash.digest('hex');
  }

  private write(text: string): string {
    const clean = redactSecrets(text, this.secrets(), this.labels?.());
    const buf = Buffer.from(clean, 'utf8');
    this.hash.update(buf);
    this.chain = this.chain.then(() => this.fh.write(buf));
    return clean;
  }
}
