import { randomBytes } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import type { ClientChannel } from 'ssh2';
import type { TerminalKind, TerminalSession } from '../../contract/channels/terminal.js';
import { because, causedBy, err, joinWithHeadroom, ok, type Emit, type Host, type ReasonCode, type Result } from '../../contract/index.js';
import type { Logger } from '../log/logger.js';
import { spawnLocalPty, type LocalPtyOptions } from '../pty/local-pty.js';
import type { SecretStore } from '../secrets/secret-store.js';
import { SshConnectError } from '../ssh/connect.js';
import { targetOf, type ReachSettings } from '../ssh/target.js';
import { hostKeyChangedCoded, hostKeyChangedMessage } from '../ssh/host-key-state.js';
import type { SshPool } from '../ssh/pool.js';
import { FlowController } from './flow-control.js';
import { charStart, RingBuffer } from './ring-buffer.js';
import { recoverTranscripts, SessionTranscript } from './transcript.js';

/**
 * Output is sent to the renderer in batches at most this far apart: one event per display frame
 * (60 Hz) instead of one per SSH packet (32 KB) or PTY read (often a few bytes). docs/architecture.md, Streams: about 16 ms.
 *
 * Output is bytes from end to end (ssh2 and node-pty hand out Buffers, the browser host sends
 * them as binary frames, xterm.js decodes UTF-8 itself): decoding to a string here and encoding
 * it again for the wire cost ~a third of the backend's CPU per MB in the terminal benchmark, CPU
 * that a 2-core laptop's renderer needs. Flow control counts bytes.
 */
export const BATCH_MS = 16;

/**
 * A batch is sent at once when it reaches this size rather than waiting for the timer, so a fast
 * producer never builds one huge frame. Below HIGH_WATERMARK_BYTES, so flow control still decides
 * when the producer stops. 256 kB rather than 64: every frame costs a WebSocket message (or an IPC
 * hop), an ack and its reply in three processes; with 64 kB frames `cat` reached 0.79–0.93x of the
 * OpenSSH-fed reference, with 256 kB 0.91–0.98x (bench:terminal). The renderer writes a frame
 * into xterm in 32 kB views (terminal-hub.ts), so frame times do not grow with it.
 */
export const MAX_BATCH_BYTES = 256 * 1024;

/**
 * What a pane can redraw from when it becomes visible, after a reload or a reconnect: about 2000
 * lines of 128 columns. Bounded per session so 100 hosts streaming cost at most ~25 MB.
 * Everything is in the transcript file.
 */
export const RING_BYTES = 256 * 1024;

/**
 * Step streams cannot pause the command that produces them (it is running a runbook action, not
 * a shell): while the renderer lags, at most this much is held back and older output is skipped
 * with a notice (the transcript has it all).
 */
export const STEP_BACKLOG_BYTES = 256 * 1024;

// SGR: bold cyan headers, red stderr, dim notices; each resets only what it set.
const HEADER = (s: string) => `\x1b[1;36m${s}\x1b[22;39m\r\n`;
const STDERR_ON = '\x1b[31m';
const STDERR_OFF = '\x1b[39m';
const NOTICE = (s: string) => `\r\n\x1b[2m[${s}]\x1b[22m\r\n`;

/** Interrupt characters: Ctrl-C (SIGINT), Ctrl-\ (SIGQUIT), Ctrl-Z (SIGTSTP). */
// eslint-disable-next-line no-control-regex
const INTERRUPT = /[\x03\x1c\x1a]/;
/** How the tty echoes them (ECHOCTL): the first output produced after the interrupt. */
const INTERRUPT_ECHOES = ['^C', '^\\', '^Z'].map((e) => Buffer.from(e));

/** Where the first interrupt echo starts in `data`, or -1. */
function interruptEcho(data: Buffer): number {
  let at = -1;
  for (const e of INTERRUPT_ECHOES) {
    const i = data.indexOf(e);
    if (i >= 0 && (at < 0 || i < at)) at = i;
  }
  return at;
}

const bytes = (d: Buffer | string) => (typeof d === 'string' ? Buffer.from(d, 'utf8') : d);

/**
 * After an interrupt typed while output streams, output is skipped until the tty's echo of it
 * appears, for at most this long. Everything before the echo was produced before the interrupt
 * and is only in flight (ssh2 buffers a 2 MB channel window, and sshd has up to another window
 * on the way): drawing it would take ~0.3–1 s at xterm's speed here, after the technician asked
 * for it to stop. A program in raw mode (no echo) just loses this much of the screen, never of
 * the transcript.
 */
export const INTERRUPT_SKIP_MS = 1_000;

/**
 * The renderer counts as behind when more than this is unacknowledged: several screens of output,
 * which typing at a prompt never produces faster than xterm draws it. (VS Code's low watermark,
 * and ours until the watermarks were raised for throughput, see flow-control.ts.)
 */
export const BEHIND_BYTES = 5_000;

/**
 * A session counts as streaming (an interrupt then drops the backlog) for this long after output
 * last arrived while the renderer was behind (more than BEHIND_BYTES unacknowledged). The
 * unacked count alone misses the moments when the renderer has just caught up and the next packet
 * is on its way (frequent with `yes`, whose remote end is slower than xterm here): Ctrl-C then
 * drew all ~3 MB in flight (0.5 s in the benchmark). Typing at a prompt never leaves the renderer
 * that far behind.
 */
export const STREAMING_GRACE_MS = 250;

/** Where output the screen skipped can still be read, for the notice that says it was skipped. */
const whereKept = (s: Session) =>
  s.transcript?.recording ? 'the transcript has them' : s.transcript ? 'not recorded either: the transcript has stopped' : 'not recorded: this session has no transcript';

interface Session {
  info: TerminalSession;
  ring: RingBuffer;
  seq: number;
  pending: Buffer[];
  pendingBytes: number;
  timer: NodeJS.Timeout | null;
  flow: FlowController;
  /** Step streams: output is held (not sent) while the renderer lags. */
  held: boolean;
  skipped: number;
  transcript: SessionTranscript | null;
  write?: (data: string) => void;
  resize?: (cols: number, rows: number) => void;
  /** Output queued behind an interrupt: read it out (output() skips it, see dropBacklog). */
  discardQueued?: () => void;
  /** Stop the producer (flow control); a no-op while skipping after an interrupt. */
  pauseProducer?: () => void;
  /** Skipping output until the interrupt's echo (see INTERRUPT_SKIP_MS): until when, and how much so far. */
  skipUntil: number;
  skippedForInterrupt: number;
  /** Date.now() until which the session counts as streaming (see STREAMING_GRACE_MS). */
  streamingUntil: number;
  kill?: () => void;
  /** SSH shells: the host's endpoint, so a host key change can end the shell (HostKeyState). */
  endpoint?: { address: string; port: number };
}

export interface TerminalManagerDeps {
  emit: Emit;
  pool: SshPool;
  secrets: SecretStore;
  /** Transcripts go to <projectDir>/logs when a project is open, else here (the app's data folder). */
  dataDir: string;
  /** Size limit of one session's transcript; default LOG_MAX_BYTES (transcript.ts). Tests use less. */
  transcriptMaxBytes?: number;
  log: Logger;
  /** Tests: a shell other than the user's login shell. */
  localShell?: Pick<LocalPtyOptions, 'shell' | 'args' | 'env' | 'cwd'>;
}

/** Where the step runner writes a host's live output; see TerminalManager.openStepStream. */
export interface StepStream {
  readonly sessionId: string;
  /** A header line naming the action that starts now (each action of a step on this host). */
  action(title: string): void;
  stdout(chunk: Buffer | string): void;
  /** Drawn in red so it stands apart from stdout. */
  stderr(chunk: Buffer | string): void;
  /** A dim status line, e.g. "exit code 0 in 1.2 s". */
  note(text: string): void;
  /** The step is over on this host. The pane stays (read-only) until closed. */
  end(result?: { exitCode?: number | null; message?: string; reason?: ReasonCode; params?: Record<string, string | number> }): Promise<void>;
}


/**
 * Owns every terminal session: SSH PTY shells, the local shell and step streams. Output of each is
 * batched, flow-controlled by the renderer's acks, kept in a bounded ring buffer and written to a
 * transcript with secrets redacted.
 */
export class TerminalManager {
  private readonly sessions = new Map<string, Session>();
  /** Transcripts still being completed (their plain copy is made at the end: transcript.ts). */
  private readonly finishing = new Set<Promise<void>>();

  /** Folders whose transcripts were checked for an unclean end (recoverTranscripts), this run. */
  private readonly recovered = new Set<string>();

  constructor(private readonly deps: TerminalManagerDeps) {
    this.recover(deps.dataDir);
    // The pool closes the host's connection too; ending the shells here first makes their last
    // line name the cause rather than "the connection closed". (Unit tests pass no pool.)
    deps.pool.hostKeys?.subscribe((c, state) => {
      if (state !== 'changed') return;
      for (const s of [...this.sessions.values()]) {
        const e = s.endpoint;
        if (!e || s.info.state === 'exited' || e.address.toLowerCase() !== c.address.toLowerCase() || e.port !== c.port) continue;
        s.kill?.();
        void this.finish(s, null, hostKeyChangedMessage(c), hostKeyChangedCoded(c));
      }
    });
  }

  /**
   * Completes the plain copies a crashed run left behind in a folder's transcripts, once per
   * folder and run, in the background (closeAll waits for it).
   */
  private recover(baseDir: string): void {
    if (this.recovered.has(baseDir)) return;
    this.recovered.add(baseDir);
    const work = recoverTranscripts(baseDir, (txt, e) => this.deps.log.error('plain-text transcript could not be remade', { txt, error: e.message }))
      .then((remade) => {
        for (const txt of remade) this.deps.log.info('plain-text transcript remade after an unclean end', { txt });
      })
      .catch((e: Error) => this.deps.log.error('transcripts could not be checked for an unclean end', { baseDir, error: e.message }))
      .finally(() => this.finishing.delete(work));
    this.finishing.add(work);
  }

  list(): TerminalSession[] {
    return [...this.sessions.values()].map((s) => s.info);
  }

  async openShell(host: Host, size: { cols: number; rows: number }, projectDir?: string, reach?: ReachSettings): Promise<Result<TerminalSession>> {
    const label = host.name || host.address;
    const s = await this.create('ssh', host.id, label, true, projectDir, `ssh ${host.user}@${host.address}:${host.port}`);
    s.endpoint = { address: host.address, port: host.port };
    let ch: ClientChannel;
    try {
      ch = await this.deps.pool.host(targetOf(host, reach)).shell(size);
    } catch (e) {
      const message = e instanceof SshConnectError ? e.message : `Could not open a shell: ${(e as Error).message}`;
      // The connection's own reason words `detail` on screen (see localizedError).
      const params = { host: label, ...(e instanceof SshConnectError ? causedBy(e) : { detail: message }) };
      await this.finish(s, null, message, { reason: 'term-shell-failed', params });
      this.forget(s.info.sessionId);
      const [reason, hint]: [ReasonCode, string] =
        e instanceof SshConnectError && e.status === 'hostkey-changed'
          ? ['term-shell-hostkey-changed', 'Compare the fingerprints with the server\'s own; if the change is expected, replace the key in the inventory step.']
          : e instanceof SshConnectError && e.status === 'hostkey-unknown'
          ? ['term-shell-hostkey-unknown', 'Test the connection in the inventory step and confirm the host key first.']
          : e instanceof SshConnectError && e.status === 'secret-missing'
            ? ['term-shell-no-secret', 'Enter the password for this host in the inventory step.']
            : ['term-shell-failed', 'Check the host in the inventory step (Test connections).'];
      return because(err('io-failed', `${label}: ${message}`, hint), reason, params);
    }
    // While output is skipped after an interrupt the channel keeps flowing (see dropBacklog).
    s.pauseProducer = () => {
      if (!s.skipUntil) ch.pause();
    };
    s.flow = new FlowController({ pause: () => s.pauseProducer?.(), resume: () => ch.resume() });
    s.write = (d) => void ch.write(d);
    s.resize = (cols, rows) => ch.setWindow(rows, cols, 0, 0);
    s.kill = () => ch.close();
    // read() in paused mode hands each buffered chunk to the 'data' listener, i.e. to output(),
    // which is skipping at that moment (see dropBacklog).
    s.discardQueued = () => {
      while (ch.read() !== null);
      // Skipped output costs nothing to "draw": let it all come, so the echo arrives sooner.
      ch.resume();
    };
    const onData = (d: Buffer) => this.output(s, d);
    let exitCode: number | null = null;
    ch.on('data', onData);
    ch.stderr.on('data', onData);
    ch.on('exit', (code: number | null) => (exitCode = code));
    ch.on('close', () => void this.finish(s, exitCode, exitCode === null ? 'The connection closed' : `Exited with code ${exitCode}`,
      exitCode === null ? { reason: 'term-connection-closed' } : { reason: 'term-exited', params: { code: exitCode } }));
    return ok(this.setState(s, 'open'));
  }

  async openLocal(size: { cols: number; rows: number }, projectDir?: string): Promise<Result<TerminalSession>> {
    const s = await this.create('local', 'local', 'local', true, projectDir, 'local shell');
    let pty;
    try {
      pty = spawnLocalPty({ ...size, ...this.deps.localShell });
    } catch (e) {
      await this.finish(s, null, (e as Error).message);
      this.forget(s.info.sessionId);
      return because(err('io-failed', `Could not start a local shell: ${(e as Error).message}`, 'Check that your login shell ($SHELL) exists.'),
        'term-local-failed', { detail: (e as Error).message });
    }
    s.flow = new FlowController({ pause: () => pty.pause(), resume: () => pty.resume() });
    s.write = (d) => pty.write(d);
    s.resize = (cols, rows) => pty.resize(cols, rows);
    s.kill = () => pty.kill();
    // Buffers (encoding: null, see spawnLocalPty); strings on Windows.
    pty.onData((d: Buffer | string) => this.output(s, bytes(d)));
    pty.onExit(({ exitCode }) => void this.finish(s, exitCode, `Exited with code ${exitCode}`, { reason: 'term-exited', params: { code: exitCode } }));
    return ok(this.setState(s, 'open'));
  }

  /**
   * A read-only pane for one host's output while a step runs. The runner calls this once per host
   * and step, `action(title)` before each action, feeds `stdout`/`stderr` from HostConnection.exec's
   * onStdout/onStderr, and `end()` when the host is done. It is logged like a shell.
   */
  async openStepStream(opts: {
    hostId: string;
    hostLabel: string;
    title: string;
    projectDir?: string;
    /** false when the runner keeps its own per-action transcripts, so output is not logged twice. */
    transcript?: boolean;
    /** The run this host's output belongs to (the dock groups a run's hosts under one tab). */
    run?: { runId: string; stepId: string };
  }): Promise<StepStream> {
    const s = await this.create('step', opts.hostId, `${opts.hostLabel} · ${opts.title}`, false, opts.projectDir, opts.title, opts.transcript ?? true, opts.run);
    s.flow = new FlowController({
      pause: () => (s.held = true),
      resume: () => {
        s.held = false;
        this.schedule(s);
      },
    });
    this.setState(s, 'open');
    const out = new StringDecoder('utf8');
    const errd = new StringDecoder('utf8');
    const text = (d: Buffer | string, dec: StringDecoder) => (typeof d === 'string' ? d : dec.write(d)).replace(/\r?\n/g, '\r\n');
    return {
      sessionId: s.info.sessionId,
      action: (title) => this.output(s, bytes(`\r\n${HEADER(`▶ ${title}`)}`)),
      stdout: (d) => this.output(s, bytes(text(d, out))),
      stderr: (d) => {
        const t = text(d, errd);
        if (t) this.output(s, bytes(STDERR_ON + t + STDERR_OFF));
      },
      note: (t) => this.output(s, bytes(NOTICE(t))),
      end: async (r) => {
        if (r?.message) this.output(s, bytes(NOTICE(r.message)));
        await this.finish(s, r?.exitCode ?? null, r?.message ?? 'Finished', r?.reason ? { reason: r.reason, params: r.params ?? {} } : { reason: 'term-finished' });
      },
    };
  }

  /** Input to one or several sessions (broadcast). Returns the sessions that took it. */
  input(sessionIds: readonly string[], data: string): string[] {
    const delivered: string[] = [];
    for (const id of new Set(sessionIds)) {
      const s = this.sessions.get(id);
      if (!s?.write || s.info.state !== 'open') continue;
      // The interrupt goes out first: dropping the backlog reads up to a channel window (2 MB)
      // through output() into the transcript, and the remote should not wait for that.
      s.write(data);
      // Streaming: the renderer is, or just was, behind with drawing. Typing at a prompt never is.
      const streaming = s.flow.paused || s.flow.unackedChars > BEHIND_BYTES || Date.now() < s.streamingUntil;
      if (INTERRUPT.test(data) && streaming) this.dropBacklog(s);
      delivered.push(id);
    }
    return delivered;
  }

  resize(sessionId: string, cols: number, rows: number): boolean {
    const s = this.sessions.get(sessionId);
    if (!s?.resize || s.info.state !== 'open') return false;
    s.resize(cols, rows);
    return true;
  }

  ack(sessionId: string, chars: number): void {
    this.sessions.get(sessionId)?.flow.ack(chars);
  }

  snapshot(sessionId: string): { data: string; seq: number; truncated: boolean } | null {
    const s = this.sessions.get(sessionId);
    if (!s) return null;
    this.flush(s, true);
    // The caller draws from here: whatever was in flight before is not coming back as acks.
    s.flow.reset();
    return { data: s.ring.text(), seq: s.seq, truncated: s.ring.truncated };
  }

  close(sessionId: string): boolean {
    const s = this.sessions.get(sessionId);
    if (!s) return false;
    if (s.info.state !== 'exited') s.kill?.();
    void this.finish(s, null, 'Closed');
    this.forget(sessionId);
    return true;
  }

  /**
   * Closes every session; resolves once every transcript (also of sessions that ended before) is
   * complete on disk, plain copy included. The backend awaits it before it exits.
   */
  async closeAll(): Promise<void> {
    for (const id of [...this.sessions.keys()]) this.close(id);
    await Promise.all([...this.finishing]);
  }

  // ---------------------------------------------------------------------------------------------

  private async create(
    kind: TerminalKind,
    hostId: string,
    title: string,
    interactive: boolean,
    projectDir: string | undefined,
    what: string,
    withTranscript = true,
    run?: { runId: string; stepId: string },
  ): Promise<Session> {
    const sessionId = `${kind}-${randomBytes(6).toString('hex')}`;
    let transcript: SessionTranscript | null = null;
    if (withTranscript && projectDir) this.recover(projectDir);
    if (withTranscript) try {
      transcript = await SessionTranscript.open({
        baseDir: projectDir || this.deps.dataDir,
        host: kind === 'local' ? 'local' : title.split(' · ')[0]!,
        kind: kind === 'step' ? 'step' : 'shell',
        secrets: () => this.deps.secrets.values(),
        header: `# Rackside transcript: ${what} (${kind}), started ${new Date().toISOString()}\r\n`,
        ...(this.deps.transcriptMaxBytes ? { maxLogBytes: this.deps.transcriptMaxBytes } : {}),
        onStopped: (reason, coded) => {
          this.deps.log.warn('transcript stopped', { sessionId, reason });
          const live = this.sessions.get(sessionId);
          if (live) this.setState(live, live.info.state, { transcriptStopped: reason, transcriptStoppedCode: coded });
        },
      });
    } catch (e) {
      // The session is still useful without a transcript, but the technician must know.
      this.deps.log.error('transcript could not be opened', { sessionId, error: (e as Error).message });
    }
    const s: Session = {
      info: {
        sessionId,
        kind,
        hostId,
        title,
        state: 'connecting',
        interactive,
        transcript: transcript ? { log: transcript.logPath, txt: transcript.txtPath } : null,
        // Stopped already at open (the disk is nearly full): onStopped came before this session existed.
        ...(transcript?.stoppedBecause ? { transcriptStopped: transcript.stoppedBecause } : {}),
        ...(transcript?.stoppedCode ? { transcriptStoppedCode: transcript.stoppedCode } : {}),
        ...(transcript || !withTranscript ? {} : { message: 'No transcript: the logs folder could not be written', reason: 'term-no-transcript' as const }),
        ...(run ? { run } : {}),
      },
      ring: new RingBuffer(RING_BYTES),
      seq: 0,
      pending: [],
      pendingBytes: 0,
      timer: null,
      flow: new FlowController({ pause: () => {}, resume: () => {} }),
      held: false,
      skipped: 0,
      skipUntil: 0,
      skippedForInterrupt: 0,
      streamingUntil: 0,
      transcript,
    };
    this.sessions.set(sessionId, s);
    this.deps.emit('terminal.session', s.info);
    return s;
  }

  private setState(s: Session, state: TerminalSession['state'], extra: Partial<TerminalSession> = {}): TerminalSession {
    s.info = { ...s.info, state, ...extra };
    if (this.sessions.has(s.info.sessionId)) this.deps.emit('terminal.session', s.info);
    return s.info;
  }

  private output(s: Session, data: Buffer): void {
    if (data.length === 0) return;
    if (s.skipUntil) {
      const echo = interruptEcho(data);
      if (echo < 0 && Date.now() < s.skipUntil) {
        s.skippedForInterrupt += data.length;
        s.transcript?.write(data);
        return;
      }
      const cut = Math.max(0, echo);
      s.transcript?.write(data.subarray(0, cut));
      const skipped = s.skippedForInterrupt + cut;
      s.skipUntil = 0;
      s.skippedForInterrupt = 0;
      if (s.flow.paused) s.pauseProducer?.();
      const rest = data.subarray(cut);
      data = skipped > 0 ? Buffer.concat([bytes(NOTICE(`interrupted: ${skipped} bytes of output queued before it not shown; ${whereKept(s)}`)), rest]) : rest;
    }
    s.pending.push(data);
    s.pendingBytes += data.length;
    // Counted on arrival, not on sending: the producer stops as soon as the renderer falls behind.
    s.flow.sent(data.length);
    if (s.flow.unackedChars > BEHIND_BYTES) s.streamingUntil = Date.now() + STREAMING_GRACE_MS;
    if (s.held && s.pendingBytes > STEP_BACKLOG_BYTES) this.trimHeld(s);
    this.schedule(s);
  }

  private schedule(s: Session): void {
    // Held step output is sent when the renderer catches up (the flow controller's resume).
    if (s.held) return;
    // A full batch goes at once; so does everything once the producer is paused: nothing more is
    // coming to batch with, and the renderer's acks (which resume the producer) wait for it.
    if (s.pendingBytes >= MAX_BATCH_BYTES || s.flow.paused) return this.flush(s);
    s.timer ??= setTimeout(() => {
      s.timer = null;
      this.flush(s);
    }, BATCH_MS);
  }

  private flush(s: Session, force = false): void {
    if (s.timer) {
      clearTimeout(s.timer);
      s.timer = null;
    }
    if (s.pendingBytes === 0 || (s.held && !force)) return;
    if (s.skipped > 0) {
      const notice = bytes(NOTICE(`${s.skipped} bytes skipped while the display caught up; ${whereKept(s)}`));
      s.pending.unshift(notice);
      s.pendingBytes += notice.length;
      s.flow.sent(notice.length);
      s.skipped = 0;
    }
    // Joined with room in front for the transport's frame header, so the browser host sends it
    // without another copy (contract/event-frame.ts). A single part (a small interactive echo) goes as it is.
    const data = s.pending.length === 1 ? s.pending[0]! : joinWithHeadroom(s.pending, s.pendingBytes, Buffer.allocUnsafeSlow);
    s.pending = [];
    s.pendingBytes = 0;
    s.seq += 1;
    s.ring.push(data);
    s.transcript?.write(data);
    // `chars`: what the renderer acks for this batch (bytes: flow control counts bytes).
    this.deps.emit('terminal.data', { sessionId: s.info.sessionId, seq: s.seq, data, chars: data.length });
  }

  /** Step stream while held: keep the newest output, skip (but log) the oldest. */
  private trimHeld(s: Session): void {
    const all = Buffer.concat(s.pending, s.pendingBytes);
    // Not inside a UTF-8 sequence: the kept part starts with a whole character.
    const cut = charStart(all, all.length - STEP_BACKLOG_BYTES);
    s.transcript?.write(all.subarray(0, cut));
    s.pending = [all.subarray(cut)];
    s.pendingBytes = all.length - cut;
    s.skipped += cut;
    s.flow.ack(cut);
  }

  /**
   * Ctrl-C while output streams: what is queued was printed before the interrupt and would take
   * up to a few MB (ssh2 buffers a whole channel window) to draw before the prompt shows. Like the
   * tty's own flush-on-interrupt, drop it from the screen — the transcript keeps it — so the
   * interrupt shows within a frame or two.
   */
  private dropBacklog(s: Session): void {
    const queued = Buffer.concat(s.pending, s.pendingBytes);
    s.transcript?.write(queued);
    s.flow.ack(queued.length);
    s.pending = [];
    s.pendingBytes = 0;
    s.skipUntil = Date.now() + INTERRUPT_SKIP_MS;
    s.skippedForInterrupt = queued.length;
    // What ssh2 holds goes through output(), which now skips it into the transcript.
    s.discardQueued?.();
  }

  private async finish(s: Session, exitCode: number | null, message: string, coded?: { reason: ReasonCode; params?: Record<string, string | number> }): Promise<void> {
    if (s.info.state === 'exited') return;
    this.flush(s, true);
    // An earlier reason (no transcript) must not word this message.
    const { reason: _r, params: _p, ...info } = s.info;
    s.info = info;
    this.setState(s, 'exited', { exitCode, message, ...(coded ? { reason: coded.reason, ...(coded.params ? { params: coded.params } : {}) } : {}) });
    const closing = s.transcript?.close(`\r\n# ${message}, ${new Date().toISOString()}\r\n`).catch((e: Error) =>
      this.deps.log.error('transcript could not be closed', { sessionId: s.info.sessionId, error: e.message }),
    );
    if (!closing) return;
    this.finishing.add(closing);
    await closing;
    this.finishing.delete(closing);
  }

  private forget(sessionId: string): void {
    if (this.sessions.delete(sessionId)) this.deps.emit('terminal.closed', { sessionId });
  }
}
