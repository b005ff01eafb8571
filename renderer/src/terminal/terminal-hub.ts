import type { RacksideApi } from '../../../electron/contract/index.js';
import { useAppStore } from '../store/index.js';

/**
 * Ack in steps of at least this many bytes (VS Code: CharCountAckSize = 5000). Must not
 * exceed the backend's LOW_WATERMARK_BYTES (electron/services/terminal/flow-control.ts), or a
 * paused producer could wait for an ack saved up here.
 */
export const ACK_SIZE_BYTES = 5_000;

/**
 * Frames from the backend are up to 256 kB (fewer messages, acks and IPC hops per MB), but xterm
 * parses each write in one go and yields to rendering only between writes, after 12 ms of them:
 * 256 kB of `yes` is ~85 000 line feeds, ~30 ms of parsing, dropped frames. So a frame is written
 * in views of at most this size (no copy; xterm carries a UTF-8 sequence or surrogate pair split
 * between writes over to the next) and acked once, when the last one is parsed. Measured with
 * bench:terminal's `yes` (paired runs, Rackside ÷ the OpenSSH-fed reference, p95 frame): 64 kB
 * 0.87–0.90 but p95 33 ms in one run of three; 32 kB 0.87–0.90, p95 16.8 ms in all; 16 kB
 * 0.74–0.83, p95 16.8 ms.
 */
export const XTERM_WRITE_BYTES = 32 * 1024;

/** Where a visible pane's output goes: xterm's write, whose callback fires once it is parsed. */
export interface TerminalSink {
  /** A string, or UTF-8 bytes as the browser host sends output (xterm.js decodes them itself). */
  write(data: string | Uint8Array, parsed: () => void): void;
  /** A snapshot replaces what the pane shows (it already contains the recent output). */
  reset(): void;
}

interface View {
  sink: TerminalSink;
  /** Events up to this seq are inside the snapshot the pane drew; -1 while it is being fetched. */
  seq: number;
}

/**
 * Taps for the benchmark and e2e: told about every chunk a pane has parsed, as it arrived (bytes
 * from the browser host, a string over Electron IPC). Not decoded here: a tap that looks for a
 * marker decodes only the tail it needs, so measuring does not cost the page a second decode.
 */
export type ParsedTap = (sessionId: string, chars: number, data: string | Uint8Array) => void;

/**
 * Routes terminal output from the backend to panes. Visible panes get it written into their
 * xterm and ack from the write callback (flow control, DESIGN.md section 2). Hidden sessions hold
 * no bytes here at all: their output is acked at once and the backend's ring buffer is what a
 * pane draws when it is shown (`terminal.snapshot`), so the renderer's memory does not grow with
 * the number of hosts.
 */
export class TerminalHub {
  private readonly views = new Map<string, View>();
  private readonly unacked = new Map<string, number>();
  private readonly taps = new Set<ParsedTap>();
  private offs: (() => void)[] = [];

  constructor(private readonly api: RacksideApi) {}

  start(): () => void {
    const store = useAppStore.getState;
    this.offs = [
      this.api.on('terminal.data', (e) =>
        this.onData(e.sessionId, e.seq, e.data, typeof e.data === 'string' ? e.data.length : e.chars ?? e.data.length),
      ),
      this.api.on('terminal.session', (s) => store().upsertSession(s)),
      this.api.on('terminal.closed', ({ sessionId }) => store().removeSession(sessionId)),
    ];
    return () => {
      for (const off of this.offs) off();
      this.offs = [];
    };
  }

  /** After a (re)connect: learn which sessions exist and redraw the visible ones from snapshots. */
  async resync(): Promise<void> {
    const r = await this.api['terminal.list']({});
    if (!r.ok) return;
    const store = useAppStore.getState();
    const alive = new Set(r.value.sessions.map((s) => s.sessionId));
    for (const id of store.sessionOrder) if (!alive.has(id)) store.removeSession(id);
    for (const s of r.value.sessions) store.upsertSession(s);
    for (const [id, view] of this.views) void this.sync(id, view);
  }

  attach(sessionId: string, sink: TerminalSink): () => void {
    const view: View = { sink, seq: -1 };
    this.views.set(sessionId, view);
    void this.sync(sessionId, view);
    return () => {
      if (this.views.get(sessionId) === view) this.views.delete(sessionId);
    };
  }

  tap(fn: ParsedTap): () => void {
    this.taps.add(fn);
    return () => this.taps.delete(fn);
  }

  private async sync(sessionId: string, view: View): Promise<void> {
    view.seq = -1;
    const r = await this.api['terminal.snapshot']({ sessionId });
    if (this.views.get(sessionId) !== view) return;
    this.unacked.delete(sessionId);
    if (!r.ok) {
      view.seq = Number.MAX_SAFE_INTEGER;
      return;
    }
    view.sink.reset();
    view.seq = r.value.seq;
    if (r.value.data) view.sink.write(r.value.data, () => {});
  }

  /** `chars`: what the backend counted for flow control (the string length, also for bytes). */
  private onData(sessionId: string, seq: number, data: string | Uint8Array, chars: number): void {
    const view = this.views.get(sessionId);
    if (!view) return this.ack(sessionId, chars);
    // Waiting for the snapshot, or already in it: the backend reset its count with the snapshot.
    if (view.seq < 0 || seq <= view.seq) return;
    view.seq = seq;
    const parsed = () => {
      for (const t of this.taps) t(sessionId, chars, data);
      this.ack(sessionId, chars);
    };
    const n = data.length;
    for (let off = 0; off < n; off += XTERM_WRITE_BYTES) {
      const end = Math.min(n, off + XTERM_WRITE_BYTES);
      const piece = off === 0 && end === n ? data : typeof data === 'string' ? data.slice(off, end) : data.subarray(off, end);
      view.sink.write(piece, end === n ? parsed : () => {});
    }
  }

  private ack(sessionId: string, chars: number): void {
    const total = (this.unacked.get(sessionId) ?? 0) + chars;
    if (total < ACK_SIZE_BYTES) {
      this.unacked.set(sessionId, total);
      return;
    }
    this.unacked.set(sessionId, 0);
    void this.api['terminal.ack']({ sessionId, chars: total });
  }
}
