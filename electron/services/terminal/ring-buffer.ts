/**
 * What the ring may hold on to: the view itself, unless it is a small view into a much larger
 * allocation (a slice of a read buffer), which would keep all of that alive for as long as the
 * ring holds it; those are copied, so the bound is a bound on memory. Copying every chunk instead
 * cost a 256 kB allocation per full batch, which with the frame copy made V8 run a full GC every
 * few MB of output.
 */
function keepable(data: Buffer): Buffer {
  return data.buffer.byteLength > 2 * data.length + 4096 ? Buffer.from(data) : data;
}

/**
 * The last N bytes of a session's output, in the chunks they arrived in. What a pane draws when
 * it becomes visible (only visible panes hold an xterm), after a reload, or when a renderer
 * reconnects; the full output is in the transcript file. Bytes, not text: output stays the UTF-8
 * it arrived as all the way to xterm.js, and is decoded here only when a snapshot is asked for.
 */
export class RingBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  /** Some output was dropped from the front. */
  truncated = false;

  constructor(readonly capacityBytes: number) {}

  push(data: Buffer): void {
    if (data.length === 0) return;
    if (data.length >= this.capacityBytes) {
      // A whole batch of output as big as the ring (the terminal's full batches are) replaces it.
      this.chunks = [keepable(data.subarray(data.length - this.capacityBytes))];
      this.size = this.capacityBytes;
      this.truncated = true;
      return;
    }
    this.chunks.push(keepable(data));
    this.size += data.length;
    while (this.size > this.capacityBytes) {
      const first = this.chunks[0]!;
      const over = this.size - this.capacityBytes;
      if (first.length <= over) {
        this.chunks.shift();
        this.size -= first.length;
      } else {
        this.chunks[0] = first.subarray(over);
        this.size -= over;
      }
      this.truncated = true;
    }
  }

  /**
   * The buffered output as text. After truncation it starts at a line boundary when one is near,
   * with attributes reset, so a cut escape sequence, half line or half character does not garble
   * the first row.
   */
  text(): string {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
    this.chunks = all.length ? [all] : [];
    if (!this.truncated) return all.toString('utf8');
    const nl = all.indexOf(0x0a);
    // No newline near the front: at least do not start inside a UTF-8 sequence.
    const start = nl >= 0 && nl < 4096 ? nl + 1 : charStart(all, 0);
    return '\x1b[0m' + all.subarray(start).toString('utf8');
  }

  get length(): number {
    return this.size;
  }
}

/** The first index at or after `i` that starts a UTF-8 character (skips continuation bytes 10xxxxxx). */
export function charStart(buf: Buffer, i: number): number {
  while (i < buf.length && (buf[i]! & 0xc0) === 0x80) i++;
  return i;
}
