/**
 * The last N characters of a session's output, in the chunks they arrived in. What a pane draws
 * when it becomes visible (only visible panes hold an xterm), after a reload, or when a renderer
 * reconnects; the full output is in the transcript file.
 */
export class RingBuffer {
  private chunks: string[] = [];
  private size = 0;
  /** Some output was dropped from the front. */
  truncated = false;

  constructor(readonly capacityChars: number) {}

  push(data: string): void {
    if (data.length === 0) return;
    if (data.length >= this.capacityChars) {
      this.chunks = [data.slice(data.length - this.capacityChars)];
      this.size = this.capacityChars;
      this.truncated = true;
      return;
    }
    this.chunks.push(data);
    this.size += data.length;
    while (this.size > this.capacityChars) {
      const first = this.chunks[0]!;
      const over = this.size - this.capacityChars;
      if (first.length <= over) {
        this.chunks.shift();
        this.size -= first.length;
      } else {
        this.chunks[0] = first.slice(over);
        this.size -= over;
      }
      this.truncated = true;
    }
  }

  /**
   * The buffered text. After truncation it starts at a line boundary when one is near, with
   * attributes reset, so a cut escape sequence or half line does not garble the first row.
   */
  text(): string {
    const all = this.chunks.join('');
    this.chunks = all ? [all] : [];
    if (!this.truncated) return all;
    const nl = all.indexOf('\n');
    const start = nl >= 0 && nl < 4096 ? nl + 1 : 0;
    return '\x1b[0m' + all.slice(start);
  }

  get length(): number {
    return this.size;
  }
}
