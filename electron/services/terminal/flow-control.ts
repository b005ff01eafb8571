/**
 * Ack-based flow control between a producer (a remote PTY channel, a local node-pty) and the
 * renderer's xterm.js, as VS Code's terminal does it (FlowControlConstants in its pty host).
 * Without it a fast producer (`yes`, `cat` of a big file) fills xterm's write queue faster than it
 * can parse: Ctrl-C then takes seconds to show (everything queued must be drawn first) and xterm
 * throws away data once 50 MB are queued.
 */

/**
 * Pause the producer once this many bytes were sent to the renderer without an ack; resume it
 * once the renderer's acks bring that below LOW_WATERMARK_BYTES. VS Code uses 100 000 / 5 000
 * characters (HighWatermarkChars / LowWatermarkChars), and so did we; DESIGN.md asks for "~100 k /
 * ~5 k". Measured with `npm run bench:terminal` (cat of 100 MB through an SSH shell, 2 cores):
 *
 *   64 kB frames:  100 k / 5 k     14.5–15.7 MB/s, Ctrl-C → quiet 60 ms
 *                  200 k / 100 k   18.9–19.0 MB/s, Ctrl-C → quiet 66–82 ms
 *                  300 k / 200 k … 1 M / 500 k: no better (0.79–0.93x of the OpenSSH-fed reference)
 *   256 kB frames (MAX_BATCH_BYTES): 1 M / 500 k  0.91–0.98x of that reference, Ctrl-C → quiet 45–102 ms
 *
 * With 100 k / 5 k the renderer drains almost everything before the producer resumes, and then
 * waits a whole round trip (ack → backend → ssh2 → batch → WebSocket) doing nothing; over SSH
 * that round trip is longer than in VS Code's local pty host. Resuming at half the window keeps
 * data queued in xterm while the next batch travels; the window holds four 256 kB frames, so two
 * are still queued when the producer resumes. Ctrl-C stays well inside 300 ms: at most 1 MB is
 * in flight (the backend drops what it has not sent), which xterm parses in 10–50 ms.
 */
export const HIGH_WATERMARK_BYTES = 1_000_000;

export const LOW_WATERMARK_BYTES = 500_000;

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

/** Counts unacknowledged bytes and pauses/resumes one producer at the watermarks. */
export class FlowController {
  private unacked = 0;
  private pausedHere = false;

  constructor(
    private readonly producer: Producer,
    private readonly high = HIGH_WATERMARK_BYTES,
    private readonly low = LOW_WATERMARK_BYTES,
  ) {}

  get unackedChars(): number {
    return this.unacked;
  }

  get paused(): boolean {
    return this.pausedHere;
  }

  /** Bytes handed to the renderer (or queued for it). */
  sent(chars: number): void {
    this.unacked += chars;
    if (!this.pausedHere && this.unacked > this.high) {
      this.pausedHere = true;
      this.producer.pause();
    }
  }

  /** Bytes the renderer has parsed. Over-acks (two windows on one session) clamp at zero. */
  ack(chars: number): void {
    this.unacked = Math.max(0, this.unacked - chars);
    if (this.pausedHere && this.unacked < this.low) {
      this.pausedHere = false;
      this.producer.resume();
    }
  }

  /** Forget what is outstanding: the renderer re-synced from a snapshot, or the data was discarded. */
  reset(): void {
    this.ack(Number.MAX_SAFE_INTEGER);
  }
}
