/**
 * Ack-based flow control between a producer (a remote PTY channel, a local node-pty) and the
 * renderer's xterm.js, as VS Code's terminal does it (FlowControlConstants in its pty host).
 * Without it a fast producer (`yes`, `cat` of a big file) fills xterm's write queue faster than it
 * can parse: Ctrl-C then takes seconds to show (everything queued must be drawn first) and xterm
 * throws away data once 50 MB are queued.
 */

/**
 * Pause the producer once this many bytes were sent to the renderer without an ack; resume it
 * once the renderer's acks bring that below half of it. VS Code uses 100 000 / 5 000 characters
 * (HighWatermarkChars / LowWatermarkChars), and so did we ("~100 k / ~5 k").
 * Measured with `npm run bench:terminal` (cat of 100 MB through an SSH shell, 2 cores):
 *
 *   64 kB frames:  100 k / 5 k     14.5–15.7 MB/s, Ctrl-C → quiet 60 ms
 *                  200 k / 100 k   18.9–19.0 MB/s, Ctrl-C → quiet 66–82 ms
 *                  300 k / 200 k … 1 M / 500 k: no better (0.79–0.93x of the OpenSSH-fed reference)
 *   256 kB frames (MAX_BATCH_BYTES): 1 M / 500 k  0.91–0.98x of that reference, Ctrl-C → quiet 45–102 ms
 *                                    2 M / 1 M    `cat` ~5% faster again, but `yes` Ctrl-C → quiet 263 ms
 *
 * With 100 k / 5 k the renderer drains almost everything before the producer resumes, and then
 * waits a whole round trip (ack → backend → ssh2 → batch → WebSocket) doing nothing; over SSH
 * that round trip is longer than in VS Code's local pty host. Resuming at half the window keeps
 * data queued in xterm while the next batch travels.
 *
 * What is in flight is also what Ctrl-C waits for (the backend drops what it has not sent; xterm
 * draws what it has), so the window is sized in drawing time rather than bytes: as much as the
 * renderer draws in WINDOW_MS at the rate its acks come back, never less than
 * HIGH_WATERMARK_BYTES and never more than MAX_HIGH_WATERMARK_BYTES. Log text draws at 20–30 MB/s
 * here and gets the 2 MB window; `yes` (one line feed every 3 bytes) draws at 6–10 MB/s and keeps 1 MB.
 */
export const HIGH_WATERMARK_BYTES = 1_000_000;

/** The producer resumes below half the window: at the latest here. */
export const LOW_WATERMARK_BYTES = HIGH_WATERMARK_BYTES / 2;

/** The largest window, for output the renderer draws fast (log text). */
export const MAX_HIGH_WATERMARK_BYTES = 2_000_000;

/** The window holds at most this much of the renderer's drawing time (above the 1 MB floor). */
export const WINDOW_MS = 80;

/** Weight of the newest ack interval in the drawing-rate average. */
const RATE_WEIGHT = 0.25;

/**
 * The renderer acks in steps of at least this many bytes, so a stream of tiny writes does not
 * become a stream of tiny requests. Must not exceed LOW_WATERMARK_BYTES, or a paused producer could
 * wait for an ack that the renderer is still saving up. VS Code: CharCountAckSize = 5000. (The
 * renderer has its own copy in renderer/src/terminal/terminal-hub.ts; the contract carries the
 * amounts, not this policy.)
 */
export const ACK_SIZE_BYTES = 5_000;

export interface Producer {
  pause(): void;
  resume(): void;
}

/**
 * Counts unacknowledged bytes and pauses/resumes one producer at the watermarks, which follow the
 * renderer's drawing rate (see HIGH_WATERMARK_BYTES).
 */
export class FlowController {
  private unacked = 0;
  private pausedHere = false;
  /** Bytes per ms the renderer acked while it had output in flight (moving average); 0: unknown. */
  private rate = 0;
  private lastAckAt = 0;
  private high = HIGH_WATERMARK_BYTES;

  constructor(
    private readonly producer: Producer,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get unackedChars(): number {
    return this.unacked;
  }

  get paused(): boolean {
    return this.pausedHere;
  }

  /** The current high watermark; the producer resumes below half of it. */
  get window(): number {
    return this.high;
  }

  /** Bytes handed to the renderer (or queued for it). */
  sent(chars: number): void {
    // The renderer had nothing to draw until now: the next ack interval starts here, not at the
    // last ack (which may be seconds of quiet ago).
    if (this.unacked === 0) this.lastAckAt = this.now();
    this.unacked += chars;
    if (!this.pausedHere && this.unacked > this.high) {
      this.pausedHere = true;
      this.producer.pause();
    }
  }

  /** Bytes the renderer has parsed. Over-acks (two windows on one session) clamp at zero. */
  ack(chars: number): void {
    this.release(chars, true);
  }

  /** Forget what is outstanding: the renderer re-synced from a snapshot, or the data was discarded. */
  reset(): void {
    this.release(Number.MAX_SAFE_INTEGER, false);
  }

  private release(chars: number, drawn: boolean): void {
    const t = this.now();
    // Only intervals in which the renderer had output to draw say how fast it draws.
    if (drawn && this.unacked > 0 && t > this.lastAckAt) {
      const r = Math.min(chars, this.unacked) / (t - this.lastAckAt);
      this.rate = this.rate ? this.rate + RATE_WEIGHT * (r - this.rate) : r;
      this.high = Math.min(MAX_HIGH_WATERMARK_BYTES, Math.max(HIGH_WATERMARK_BYTES, this.rate * WINDOW_MS));
    }
    this.lastAckAt = t;
    this.unacked = Math.max(0, this.unacked - chars);
    if (this.pausedHere && this.unacked < this.high * (LOW_WATERMARK_BYTES / HIGH_WATERMARK_BYTES)) {
      this.pausedHere = false;
      this.producer.resume();
    }
  }
}
