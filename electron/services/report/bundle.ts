import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { pack as tarPack, type Pack } from 'tar-stream';

/** What redaction puts where a secret was (the same marker as secrets/secret-store.ts). */
const MARKER = Buffer.from('[redacted]');

/**
 * Redacts a byte stream chunk by chunk, in constant memory: the last (longest form − 1) bytes are
 * held back until the next chunk shows whether a secret continues there. Matches are taken
 * leftmost-longest. Bytes without a secret pass through unchanged, never decoded.
 */
export class StreamRedactor {
  private carry = Buffer.alloc(0);
  private readonly keep: number;
  /** Whether any secret was replaced so far. */
  changed = false;

  constructor(private readonly forms: readonly Buffer[]) {
    this.keep = Math.max(0, ...forms.map((f) => f.length)) - 1;
  }

  push(chunk: Buffer): Buffer[] {
    const buf = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    return this.take(buf, Math.max(0, buf.length - Math.max(0, this.keep)));
  }

  end(): Buffer[] {
    const buf = this.carry;
    this.carry = Buffer.alloc(0);
    return this.take(buf, buf.length);
  }

  /** Emit `buf` up to `limit` (a match that starts before it is emitted whole); keep the rest. */
  private take(buf: Buffer, limit: number): Buffer[] {
    const out: Buffer[] = [];
    let pos = 0;
    if (this.forms.length > 0) {
      // Each form's next occurrence, searched again only once the scan has passed it: one pass
      // over the buffer per form, however many secrets it holds.
      const next = this.forms.map((f) => (f.length === 0 ? -1 : buf.indexOf(f)));
      for (;;) {
        let at = -1;
        let len = 0;
        for (let k = 0; k < this.forms.length; k++) {
          if (next[k]! >= 0 && next[k]! < pos) next[k] = buf.indexOf(this.forms[k]!, pos);
          const i = next[k]!;
          if (i >= 0 && i < limit && (at < 0 || i < at || (i === at && this.forms[k]!.length > len))) {
            at = i;
            len = this.forms[k]!.length;
          }
        }
        if (at < 0) break;
        if (at > pos) out.push(buf.subarray(pos, at));
        out.push(MARKER);
        this.changed = true;
        pos = at + len;
      }
    }
    const end = Math.max(pos, limit);
    if (end > pos) out.push(buf.subarray(pos, end));
    // A copy: the caller's chunk may be reused by the stream it came from.
    this.carry = Buffer.from(buf.subarray(end));
    return out;
  }
}

/** Raises when any form passes through, wherever chunk boundaries fall. */
class SecretScanner extends Transform {
  private tail = Buffer.alloc(0);
  private readonly keep: number;
  found = false;

  constructor(private readonly forms: readonly Buffer[]) {
    super();
    this.keep = Math.max(0, ...forms.map((f) => f.length)) - 1;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
    const window = this.tail.length ? Buffer.concat([this.tail, chunk]) : chunk;
    if (this.forms.some((f) => f.length > 0 && window.includes(f))) {
      this.found = true;
      return done(new SecretInBundleError());
    }
    this.tail = Buffer.from(window.subarray(Math.max(0, window.length - this.keep)));
    done(null, chunk);
  }
}

export class SecretInBundleError extends Error {
  constructor() {
    super('the bundle would contain a secret');
  }
}

export interface BundleSource {
  /** Path inside the archive ("/"-separated, relative, no ".."). */
  name: string;
  /** The file on disk, or the bytes themselves (small entries such as the manifest). */
  file?: string;
  data?: Buffer;
  /** Redact known secrets (every text file); false for PDFs, which are checked instead. */
  redact: boolean;
}

export interface BundledEntry {
  name: string;
  bytes: number;
  sha256: string;
  redacted: boolean;
}

const READ_CHUNK = 256 * 1024;

/**
 * One source's bytes as bundled, in chunks: the file up to the size it had when the bundle began
 * (a transcript still being written grows; both passes must see the same bytes), redacted.
 */
async function* bundledBytes(src: BundleSource, size: number, forms: readonly Buffer[], redactor?: StreamRedactor): AsyncGenerator<Buffer> {
  const r = src.redact ? (redactor ?? new StreamRedactor(forms)) : null;
  const chunks: Iterable<Buffer> | AsyncIterable<Buffer> = src.data
    ? [src.data]
    : size === 0
      ? []
      : createReadStream(src.file!, { start: 0, end: size - 1, highWaterMark: READ_CHUNK });
  for await (const chunk of chunks) {
    if (r) yield* r.push(chunk);
    else yield chunk;
  }
  if (r) yield* r.end();
}

function assertSafeName(name: string) {
  if (name.startsWith('/') || name.split('/').includes('..') || name.includes('\0')) throw new Error(`Unsafe path in the bundle: ${name}`);
}

/**
 * Write a .tar.gz of `sources` to `path` (atomically: a temporary file renamed into place) in
 * constant memory, whatever the files' sizes. Each file is read twice: once to learn its size and
 * hash after redaction (a tar header needs the size first), once into the archive. `manifest`
 * receives what was bundled and returns one more entry written last. The whole compressed-to-be
 * stream is scanned for every secret form; if one is found nothing is left on disk.
 */
export async function writeBundle(
  path: string,
  sources: readonly BundleSource[],
  forms: readonly Buffer[],
  opts: { mtime: Date; manifest?: (entries: BundledEntry[]) => BundleSource },
): Promise<BundledEntry[]> {
  const planned: { src: BundleSource; size: number; entry: BundledEntry }[] = [];
  for (const src of sources) {
    assertSafeName(src.name);
    const size = src.data ? src.data.length : (await stat(src.file!)).size;
    const hash = createHash('sha256');
    const redactor = new StreamRedactor(forms);
    let bytes = 0;
    for await (const chunk of bundledBytes(src, size, forms, redactor)) {
      hash.update(chunk);
      bytes += chunk.length;
    }
    planned.push({ src, size, entry: { name: src.name, bytes, sha256: hash.digest('hex'), redacted: redactor.changed } });
  }
  const entries = planned.map((p) => p.entry);
  const manifest = opts.manifest?.(entries);
  if (manifest) {
    assertSafeName(manifest.name);
    const data = manifest.data ?? Buffer.alloc(0);
    planned.push({ src: { ...manifest, data }, size: data.length, entry: { name: manifest.name, bytes: 0, sha256: '', redacted: false } });
  }

  const tmp = join(dirname(path), `.${randomBytes(6).toString('hex')}.bundle.tmp`);
  const tar: Pack = tarPack();
  const feed = async () => {
    try {
      for (const { src, size, entry } of planned) {
        const header = { name: src.name, mode: 0o644, mtime: opts.mtime, uname: 'rackside', gname: 'rackside' };
        if (src.data && !src.redact) {
          await entryFromBuffer(tar, header, src.data);
          continue;
        }
        // The size after redaction, measured in the first pass; the second sees the same bytes.
        let sink!: ReturnType<Pack['entry']>;
        const added = new Promise<void>((res, rej) => {
          sink = tar.entry({ ...header, size: entry.bytes }, (e) => (e ? rej(e) : res()));
        });
        // Awaited below; a failure while this loop waits (the pack destroyed) is the pipeline's to report.
        added.catch(() => {});
        sink.on('error', () => {});
        for await (const chunk of bundledBytes(src, size, forms)) {
          if (!sink.write(chunk)) {
            // A failed pipeline (a secret found, a full disk) destroys the pack: stop reading then.
            await new Promise<void>((res) => {
              sink.once('drain', res);
              tar.once('close', res);
            });
            if (tar.destroyed) throw new Error('bundle aborted');
          }
        }
        sink.end(null);
        await added;
      }
      tar.finalize();
    } catch (e) {
      tar.destroy(e as Error);
    }
  };
  const scanner = new SecretScanner(forms);
  void feed();
  try {
    await pipeline(tar, scanner, createGzip({ level: 6 }), createWriteStream(tmp, { mode: 0o644 }));
    const fh = await open(tmp, 'r+');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    if (scanner.found) throw new SecretInBundleError();
    throw e;
  }
  return entries;
}

function entryFromBuffer(tar: Pack, header: Parameters<Pack['entry']>[0], data: Buffer): Promise<void> {
  return new Promise((res, rej) => tar.entry({ ...header, size: data.length }, data, (e) => (e ? rej(e) : res())));
}
