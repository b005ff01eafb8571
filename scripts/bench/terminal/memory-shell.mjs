// Diagnostic for bench:terminal's `memory-yes` phase, loaded into the browser host with
// `node --import` (never in the app): a shell "on" the host address memory.invalid that is not
// SSH at all but a producer in the backend's memory, so Rackside's own delivery (TerminalManager's
// batches and flow control, the WebSocket, the hub, the app's pane) can be measured against the
// bare-xterm harness's memory-fed page (B) without a lab node, sshd or ssh2 on the same 2 cores.
// This is a stand-in at the SSH seam, named as such; the standard phases never use it.
//
// It understands just what the benchmark types: `yes | head -c NM; echo MARK` (N MiB of "y\n"
// after the PTY's ONLCR: "y\r\n", then the marker line and a prompt), `cat FILE; echo MARK` (a
// file on the laptop, read into memory when typed, with ONLCR's "\r\n"), `yes` (endless until
// Ctrl-C) and Ctrl-C. Output comes as ssh2 hands it out: 32 kB chunks ('data' events), at most 1 MB per
// macrotask (like the harness's server), and not while paused (flow control).
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = join(import.meta.dirname, '..', '..', '..');
const { SshPool } = await import(pathToFileURL(join(root, 'dist', 'electron', 'services', 'ssh', 'pool.js')).href);

export const MEMORY_HOST = 'memory.invalid';
const CHUNK = 32 * 1024;
const PATTERN = Buffer.from('y\r\n'.repeat(CHUNK)); // a multiple of the 3-byte pattern, ≥ CHUNK
const PROMPT = Buffer.from('\r\nroot@memory:~# ');

class MemoryChannel extends EventEmitter {
  stderr = new EventEmitter();
  paused = false;
  /** Bytes still to produce (Infinity: until Ctrl-C), and where in the pattern (or file). */
  left = 0;
  pos = 0;
  /** `cat`: the file's bytes as the PTY hands them out; null: the `yes` pattern. */
  file = null;
  after = null;
  scheduled = false;

  constructor() {
    super();
    setImmediate(() => this.emit('data', PROMPT));
  }

  write(d) {
    const s = String(d);
    if (s.includes('\x03')) {
      this.left = 0;
      this.after = null;
      this.emit('data', Buffer.concat([Buffer.from('^C'), PROMPT]));
      return true;
    }
    this.emit('data', Buffer.from(s.replace(/\r/g, '\r\n'))); // the tty's echo
    const m = /^yes \| head -c (\d+)M; echo (\S+)\r$/.exec(s);
    const c = /^cat (\S+); echo (\S+)\r$/.exec(s);
    this.file = null;
    if (m) {
      this.left = Number(m[1]) * 1024 * 1024 * 1.5;
      this.after = Buffer.concat([Buffer.from(`${m[2].replace(/'/g, '')}`), PROMPT]);
    } else if (c) {
      // ONLCR: every \n leaves the PTY as \r\n.
      this.file = Buffer.from(readFileSync(c[1], 'latin1').replace(/\n/g, '\r\n'), 'latin1');
      this.left = this.file.length;
      this.after = Buffer.concat([Buffer.from(`\r\n${c[2].replace(/'/g, '')}`), PROMPT]);
    } else if (/^yes\r$/.test(s)) {
      this.left = Infinity;
    } else {
      this.emit('data', PROMPT);
      return true;
    }
    this.pos = 0;
    this.schedule();
    return true;
  }

  schedule() {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  pump() {
    let budget = 1 << 20;
    while (this.left > 0 && budget > 0 && !this.paused) {
      const n = Math.min(CHUNK, this.left);
      // A copy, as ssh2 hands out a fresh buffer per packet.
      if (this.file) {
        this.emit('data', Buffer.from(this.file.subarray(this.pos, this.pos + n)));
        this.pos += n;
      } else {
        this.emit('data', Buffer.from(PATTERN.subarray(this.pos, this.pos + n)));
        this.pos = (this.pos + n) % 3;
      }
      this.left -= n;
      budget -= n;
    }
    if (this.left === 0 && this.after) {
      this.emit('data', this.after);
      this.after = null;
    }
    if (this.left > 0 && !this.paused) this.schedule();
  }

  pause() {
    this.paused = true;
    return this;
  }

  resume() {
    this.paused = false;
    if (this.left > 0) this.schedule();
    return this;
  }

  read() {
    return null;
  }

  setWindow() {}

  close() {
    this.left = 0;
    setImmediate(() => this.emit('close'));
  }
}

const host = SshPool.prototype.host;
SshPool.prototype.host = function (target) {
  if (target.address !== MEMORY_HOST) return host.call(this, target);
  return { shell: async () => new MemoryChannel(), close() {} };
};
