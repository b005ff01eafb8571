/**
 * Live output is sent in batches: one event per host, action and stream every BATCH_MS at most,
 * instead of one per network chunk. 16 ms is one frame: the UI cannot show anything faster, and
 * a chatty command costs ~60 events a second per host rather than thousands.
 */
export const BATCH_MS = 16;
/** Above this a batch is sent at once, so one event never carries an unbounded string. */
export const BATCH_MAX_CHARS = 64 * 1024;

export interface OutputChunk {
  runId: string;
  hostId: string;
  actionId: string;
  stream: 'stdout' | 'stderr';
  data: string;
}

export class OutputBatcher {
  private readonly pending = new Map<string, OutputChunk>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly send: (chunk: OutputChunk) => void) {}

  push(chunk: OutputChunk): void {
    if (!chunk.data) return;
    const key = `${chunk.runId}\0${chunk.hostId}\0${chunk.actionId}\0${chunk.stream}`;
    const prev = this.pending.get(key);
    if (prev) prev.data += chunk.data;
    else this.pending.set(key, { ...chunk });
    if ((prev?.data.length ?? chunk.data.length) >= BATCH_MAX_CHARS) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), BATCH_MS);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const c of all) this.send(c);
  }
}
