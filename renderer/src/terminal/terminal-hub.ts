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

/**
 * Views handed to xterm at a time; the rest of a pane's output waits here and is handed over from
 * a fresh task (a MessageChannel message) whenever xterm has parsed one. Why: xterm parses its
 * queue for 12 ms, then continues with setTimeout(0) from inside that timer's callback, and
 * Chromium delays timers nested more than 5 deep by at least 4 ms (the HTML spec's clamp). With a
 * few MB queued (`yes`: flow control keeps 1–2 MB in flight) every 12 ms of parsing was followed
 * by ~4 ms of idling. In a bare page (1000 × 32 kB of `yes` into a 120x40 xterm, all queued at
 * once) 700–860 ms of 2.9–3.2 s went to timers firing late, at 10.2–11.4 MB/s; fed two at a time
 * from message tasks, 30–130 ms and 12.1–12.7 MB/s. scripts/bench/terminal/xterm-options.ts
 * (30 MB of `yes`, 4 rounds): 11.0 MB/s this way, 9.9 queued. Two, so that xterm has the next
 * view at hand when it finishes one and does not wait within its 12 ms.
 */
export const XTERM_VIEWS_IN_FLIGHT = 2;

/** Where a visible pane's output goes: xterm's write, whose callback fires once it is parsed. */
export interface TerminalSink {
  /** A string, or UTF-8 bytes as the browser host sends output (xterm.js decodes them itself). */
  write(data: string | Uint8Array, parsed: () => void): void;
  /** A snapshot replaces what the pane shows (it already contains the recent output). */
  reset(): void;
}

interface Piece {
  data: string | Uint8Array;
  /** The frame's last view: its parse acks the frame. */
  parsed?: () => void;
}

interface View {
  sink: TerminalSink;
  /** Events up to this seq are inside the snapshot the pane drew; -1 while it is being fetched. */
  seq: number;
  /** Views of output not yet handed to xterm (see XTERM_VIEWS_IN_FLIGHT), and how many xterm has. */
  queue: Piece[];
  inXterm: number;
}

/**
 * Taps for the benchmark and e2e: told about every chunk a pane has parsed, as it arrived (bytes
 * from the browser host, a string over Electron IPC). Not decoded here: a tap that looks for a
 * marker decodes only the tail it needs, so measuring does not cost the page a second decode.
 */
export type ParsedTap = (sessionId: string, chars: number, data: string | Uint8Array) => void;

/**
 * Told about every chunk the moment it arrives for a visible pane, before it is written: with
 * the parsed tap, the benchmark sees when a pane had nothing left to draw and waited for output.
 */
export type ArrivalTap = (sessionId: string, chars: number) => void;

/**
 * Routes terminal output from the backend to panes. Visible panes get it written into their
 * xterm and ack from the write callback (flow control, docs/architecture.md, Streams). Hidden sessions hold
 * no bytes here at all: their output is acked at once and the backend's ring buffer is what a
 * pane draws when it is shown (`terminal.snapshot`), so the renderer's memory does not grow with
 * the number of hosts.
 */
export class TerminalHub {
  private readonly views = new Map<string, View>();
  private readonly unacked = new Map<string, number>();
  private readonly taps = new Set<ParsedTap>();
  private readonly arrivalTaps = new Set<ArrivalTap>();
  private offs: (() => void)[] = [];
  /** Panes waiting to be handed more output from a fresh task (see XTERM_VIEWS_IN_FLIGHT). */
  private readonly toFeed = new Set<View>();
  private channel: MessageChannel | null = null;

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
    const view: View = { sink, seq: -1, queue: [], inXterm: 0 };
    this.views.set(sessionId, view);
    void this.sync(sessionId, view);
    return () => {
      if (this.views.get(sessionId) === view) this.views.delete(sessionId);
      view.queue = [];
      this.toFeed.delete(view);
    };
  }

  tap(fn: ParsedTap): () => void {
    this.taps.add(fn);
    return () => this.taps.delete(fn);
  }

  tapArrivals(fn: ArrivalTap): () => void {
    this.arrivalTaps.add(fn);
    return () => this.arrivalTaps.delete(fn);
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
    // What was still queued here is in the snapshot.
    view.queue = [];
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
    for (const t of this.arrivalTaps) t(sessionId, chars);
    const parsed = () => {
      for (const t of this.taps) t(sessionId, chars, data);
      this.ack(sessionId, chars);
    };
    const n = data.length;
    for (let off = 0; off < n; off += XTERM_WRITE_BYTES) {
      const end = Math.min(n, off + XTERM_WRITE_BYTES);
      const piece = off === 0 && end === n ? data : typeof data === 'string' ? data.slice(off, end) : data.subarray(off, end);
      view.queue.push(end === n ? { data: piece, parsed } : { data: piece });
    }
    this.feed(view);
  }

  /** Hands queued views to xterm until it has XTERM_VIEWS_IN_FLIGHT. */
  private feed(view: View): void {
    while (view.inXterm < XTERM_VIEWS_IN_FLIGHT && view.queue.length > 0) {
      const piece = view.queue.shift()!;
      view.inXterm += 1;
      view.sink.write(piece.data, () => {
        view.inXterm -= 1;
        piece.parsed?.();
        if (view.queue.length > 0) this.feedSoon(view);
      });
    }
  }

  /**
   * Feeds a pane from a new task rather than from xterm's write callback: a write from inside
   * xterm's parse loop joins its queue and is continued with nested (clamped) timers.
   */
  private feedSoon(view: View): void {
    // One message at a time: it feeds every pane waiting by then.
    const posted = this.toFeed.size > 0;
    this.toFeed.add(view);
    if (posted) return;
    if (!this.channel) {
      this.channel = new MessageChannel();
      this.channel.port1.onmessage = () => {
        const views = [...this.toFeed];
        this.toFeed.clear();
        for (const v of views) this.feed(v);
      };
    }
    this.channel.port2.postMessage(null);
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
