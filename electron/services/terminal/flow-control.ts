/**
 * Ack-based flow control between a producer (a remote PTY channel, a local node-pty) and the
 * renderer's xterm.js, as VS Code's terminal does it (FlowControlConstants in its pty host).
 * Without it a fast producer (`yes`, `cat` of a big file) fills xterm's write queue faster than it
 * can parse: Ctrl-C then takes seconds to show (everything queued must be drawn first) and xterm
 * throws away data once 50 MB are queued.
 */

/**
 * Pause the producer once this many characters were sent to the renderer without an ack. Large
 * enough that the pipe never runs dry while acks travel back (xterm parses ~100 k chars in
 * 5–15 ms here), small enough that Ctrl-C has at most this much to draw before it shows.
 * VS Code: HighWatermarkChars = 100000.
 */
export const HIGH_WATERMARK_BYTES = 100_000;

/** Resume the producer once unacknowledged characters fall below this. VS Code: LowWatermarkChars = 5000. */
export const LOW_WATERMARK_BYTES = 5_000;

/**
 * The renderer acks in steps of at least this many characters, so a stream of tiny writes does
 * not become a stream of tiny requests. Must not exceed LOW_WATERMARK_BYTES, or a paused producer
 * could wait for an ack that the renderer is still saving up. VS Code: CharCountAckSize = 5000.
 * (The renderer has its own copy in renderer/src/terminal/terminal-hub.ts; the contract carries
 * chars, not this policy.)
 */
export const ACK_SIZE_BYTES = 5_000;

export interface Producer {
  pause(): void;
  resume(): void;
}

/** Counts unacknowledged characters and pauses/resumes one producer at the watermarks. */
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

  /** Characters handed to the renderer (or queued for it). */
  sent(chars: number): void {
    this.unacked += chars;
    if (!this.pausedHere && this.unacked > this.high) {
      this.pausedHere = true;
      this.producer.pause();
    }
  }

  /** Characters the renderer has parsed. Over-acks (two windows on one session) clamp at zero. */
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
