import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Client, ClientChannel, SFTPWrapper } from 'ssh2';
import type { ConnectionStatus, ReasonCode } from '../../contract/index.js';
import { connect, SshConnectError, type ConnectOptions, type SshTarget } from './connect.js';
import { hostKeyChangedCoded, hostKeyChangedMessage } from './host-key-state.js';
import { commandLine, PID_MARK, SUDO_OK, SUDO_PROMPT, wireLine, type RemoteCommand } from './quote.js';
import { Semaphore } from './semaphore.js';
import { hopsOf } from './target.js';

/** How a command ended. `interrupted` means the link or sshd went away: neither success nor an ordinary failure. */
export type ExecStatus =
  | 'ok'
  | 'failed'
  | 'timeout'
  | 'cancelled'
  | 'interrupted'
  | 'connect-failed'
  | 'sudo-password-required'
  | 'sudo-password-wrong';

export interface ExecResult {
  status: ExecStatus;
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  message: string;
  /** Set when status is connect-failed. */
  connectStatus?: ConnectionStatus;
  /** `message` as a reason + params the renderer words (`reasons.<reason>`). */
  reason?: ReasonCode;
  params?: Record<string, string | number>;
}

export interface ExecOptions {
  sudo?: boolean;
  timeoutMs?: number;
  stdin?: string | Buffer;
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  signal?: AbortSignal;
}

export interface ShellOptions {
  cols: number;
  rows: number;
  term?: string;
}

/** After a cancel or timeout, how long the remote process gets to exit on SIGTERM before the channel is closed. */
export const CANCEL_GRACE_MS = 2_000;

export interface HostConnectionDeps extends ConnectOptions {
  connectLimit: Semaphore;
  channelsPerHost: number;
  /** Sudo password lookup; never logged. */
  sudoPassword: (hostId: string) => string | undefined;
  maxConnectAttempts?: number;
}

/**
 * One host's SSH connection, shared by every command on that host. Connects lazily, reconnects on
 * the next command after a drop, and bounds concurrent channels below sshd's MaxSessions.
 */
export class HostConnection {
  private client: Client | null = null;
  private connecting: Promise<Client> | null = null;
  private readonly channels: Semaphore;
  private readonly live = new Set<(reason: string) => void>();
  fingerprint: string | undefined;

  constructor(
    readonly target: SshTarget,
    private readonly deps: HostConnectionDeps,
  ) {
    this.channels = new Semaphore(deps.channelsPerHost);
  }

  get connected(): boolean {
    return this.client !== null;
  }

  /**
   * The connection, opened if needed. Throws SshConnectError. Refused, without connecting, while
   * the host's key is marked changed: a connection opened before the change must not serve either.
   */
  async ensure(): Promise<Client> {
    // A jump host on the way counts too: a changed bastion key marks the bastion, and nothing
    // reaches a host through it until that key is replaced.
    const changed = hopsOf(this.target)
      .map((t) => this.deps.knownHosts.changes.get(t.address, t.port))
      .find((c) => c !== undefined);
    if (changed) {
      this.close();
      const { fingerprint, keyType, knownFingerprints } = changed;
      throw new SshConnectError('hostkey-changed', hostKeyChangedMessage(changed), { kind: 'changed', fingerprint, keyType, knownFingerprints })
        .because(hostKeyChangedCoded(changed).reason, hostKeyChangedCoded(changed).params);
    }
    if (this.client) return this.client;
    this.connecting ??= this.open().finally(() => (this.connecting = null));
    return this.connecting;
  }

  private async open(): Promise<Client> {
    const attempts = this.deps.maxConnectAttempts ?? 6;
    for (let attempt = 1; ; attempt++) {
      try {
        const { client, verdict } = await this.deps.connectLimit.run(() => connect(this.target, this.deps));
        this.fingerprint = verdict.fingerprint;
        this.client = client;
        const dropped = (why: string) => {
          if (this.client !== client) return;
          this.client = null;
          for (const end of [...this.live]) end(why);
        };
        client.on('close', () => dropped('the connection closed'));
        client.on('error', (e: Error) => dropped(e.message));
        // Forwards kept open (keepForward) come back with the connection, before any command runs on it.
        for (const f of this.forwards) await f.attach(client).catch((e: Error) => f.failed(e));
        return client;
      } catch (e) {
        // sshd's MaxStartups drops connections before the banner when many arrive at once:
        // back off with jitter and try again rather than report a false failure.
        if (e instanceof SshConnectError && e.throttled && attempt < attempts) {
          await new Promise((r) => setTimeout(r, 150 * 2 ** (attempt - 1) * (0.5 + Math.random())));
          continue;
        }
        throw e;
      }
    }
  }

  close(): void {
    this.client?.end();
    this.client = null;
  }

  private readonly forwards = new Set<{ attach(c: Client): Promise<void>; failed(e: Error): void }>();

  /**
   * Something bound to the connection for as long as the handle is open, made again on every
   * reconnection (before the next command runs): a remote port forward the host's commands use
   * (the site kit served from the laptop). `open` gets the live client and returns how to undo it.
   * The first `open` failing is thrown; a later one is logged by `onLost`.
   */
  async keepForward(open: (client: Client) => Promise<{ close(): Promise<void> }>, onLost?: (e: Error) => void): Promise<{ close(): Promise<void> }> {
    let current: { client: Client; handle: { close(): Promise<void> } } | null = null;
    const entry = {
      attach: async (c: Client) => {
        current = { client: c, handle: await open(c) };
      },
      failed: (e: Error) => onLost?.(e),
    };
    const client = await this.ensure();
    await entry.attach(client);
    this.forwards.add(entry);
    return {
      close: async () => {
        this.forwards.delete(entry);
        const c = current;
        current = null;
        // A forward of a connection that has gone went with it: nothing to undo there.
        if (c && c.client === this.client) await c.handle.close();
      },
    };
  }

  /** Run a command; never throws. Output streams through the callbacks as it arrives. */
  async exec(cmd: RemoteCommand, opts: ExecOptions = {}): Promise<ExecResult> {
    const started = Date.now();
    const done = (status: ExecStatus, message: string, exitCode: number | null = null, signal: string | null = null, extra: Partial<Pick<ExecResult, 'connectStatus' | 'reason' | 'params'>> = {}) =>
      ({ status, exitCode, signal, durationMs: Date.now() - started, message, ...extra }) satisfies ExecResult;

    if (opts.signal?.aborted) return done('cancelled', 'Cancelled before it started', null, null, { reason: 'exec-cancelled-before' });
    let client: Client;
    try {
      client = await this.ensure();
    } catch (e) {
      const ce = e as SshConnectError;
      return done('connect-failed', ce.message, null, null, { connectStatus: ce.status ?? 'error', ...(ce.reason ? { reason: ce.reason, params: ce.params ?? {} } : {}) });
    }
    const password = opts.sudo ? this.deps.sudoPassword(this.target.id) : undefined;
    const line = wireLine(cmd, opts.sudo === true);

    return this.channels.run(
      () =>
        new Promise<ExecResult>((resolve) => {
          let finished = false;
          let timer: NodeJS.Timeout | undefined;
          let stream: ClientChannel | undefined;
          let ending: { status: ExecStatus; message: string; coded: { reason: ReasonCode; params?: Record<string, string | number> } } | null = null;
          let pgid: number | null = null;
          let graceTimer: NodeJS.Timeout | undefined;
          const finish = (r: ExecResult) => {
            if (finished) return;
            finished = true;
            clearTimeout(timer);
            clearTimeout(graceTimer);
            this.live.delete(onDrop);
            opts.signal?.removeEventListener('abort', onAbort);
            resolve(r);
          };
          const onDrop = (why: string) =>
            finish(done('interrupted', `Interrupted: ${why}. The command may or may not have completed on the host.`, null, null, { reason: 'exec-interrupted' }));
          this.live.add(onDrop);

          // sshd refuses SSH "signal" requests on root logins (no post-auth privilege separation),
          // so the remote process group is also killed from a second channel, by the PGID the
          // command announced when it started.
          const killGroup = (sig: 'TERM' | 'KILL') => {
            // ssh2 throws "Not connected" once the connection is closed (e.g. after a host key
            // change closed it): there is nothing left to signal through it then.
            try {
              stream?.signal(sig);
              if (pgid !== null) client.exec(`kill -${sig} -- -${pgid} 2>/dev/null`, (e, ch) => (e ? undefined : ch.resume().stderr.resume()));
            } catch {
              // Closed: the session and its process group were ended by sshd with the connection.
            }
          };
          // Once stopping, the kill goes out as soon as there is something to kill: the channel
          // may not be open yet, and the PGID arrives with the command's first stderr line.
          const deliverStop = () => {
            if (!ending || !stream) return;
            killGroup('TERM');
            graceTimer ??= setTimeout(() => {
              killGroup('KILL');
              stream?.close();
              if (ending) finish(done(ending.status, ending.message, null, null, ending.coded));
            }, CANCEL_GRACE_MS).unref();
          };
          const stop = (status: ExecStatus, message: string, coded: { reason: ReasonCode; params?: Record<string, string | number> }) => {
            if (ending || finished) return;
            ending = { status, message, coded };
            deliverStop();
          };
          const onAbort = () => stop('cancelled', 'Cancelled by the technician', { reason: 'exec-cancelled' });
          opts.signal?.addEventListener('abort', onAbort);
          // Aborted while we waited for the connection or a channel slot: never start it.
          if (opts.signal?.aborted) return finish(done('cancelled', 'Cancelled before it started', null, null, { reason: 'exec-cancelled-before' }));
          if (opts.timeoutMs) timer = setTimeout(() => stop('timeout', `Timed out after ${opts.timeoutMs} ms`, { reason: 'exec-timeout', params: { ms: opts.timeoutMs ?? 0 } }), opts.timeoutMs);

          openExec(client, line, (e, ch) => {
            if (e) {
              finish(done(this.client ? 'failed' : 'interrupted', `Could not start the command: ${e.message}`, null, null, { reason: 'exec-start-failed', params: { detail: e.message } }));
              return;
            }
            stream = ch;
            deliverStop();
            let exitCode: number | null = null;
            let signal: string | null = null;
            const feedStdin = () => {
              if (opts.stdin !== undefined) ch.write(opts.stdin);
              ch.end();
            };
            const preamble = new StderrPreamble(opts.sudo === true, {
              pid: (p) => {
                pgid = p;
                if (ending) deliverStop();
                else if (!opts.sudo) feedStdin();
              },
              sudoPrompt: (first) => {
                if (first && password !== undefined) return void ch.write(password + '\n');
                // Asked with no password stored: say so rather than guess (a wrong try may count
                // against the account). Asked again: the password was wrong. Stop before sudo waits.
                if (first) preamble.sudo = 'required';
                ch.close();
              },
              sudoOk: feedStdin,
              stderr: (d) => opts.onStderr?.(d),
            });
            ch.on('data', (d: Buffer) => opts.onStdout?.(d));
            ch.stderr.on('data', (d: Buffer) => preamble.push(d));
            ch.on('exit', (code: number | null, sig?: string) => {
              exitCode = code;
              signal = sig ?? null;
            });
            ch.on('close', () => {
              if (ending) return finish(done(ending.status, ending.message, exitCode, signal, ending.coded));
              if (preamble.sudo === 'wrong') return finish(done('sudo-password-wrong', 'sudo rejected the password: check the sudo password for this host', exitCode, signal, { reason: 'exec-sudo-wrong' }));
              if (preamble.sudo === 'required') return finish(done('sudo-password-required', 'sudo needs a password for this user: enter the sudo password for this host', exitCode, signal, { reason: 'exec-sudo-required' }));
              if (exitCode === null && signal === null) {
                // No exit status: the session died under the command (sshd killed, link gone).
                if (this.client !== client) return onDrop('the connection closed');
                return finish(done('interrupted', 'Interrupted: the server ended the session without an exit status', null, null, { reason: 'exec-no-exit-status' }));
              }
              if (exitCode === 0) return finish(done('ok', 'Exit code 0', 0, null, { reason: 'exec-exit', params: { code: 0 } }));
              finish(done('failed', signal ? `Killed by signal ${signal}` : `Exit code ${exitCode}`, exitCode, signal,
                signal ? { reason: 'exec-signal', params: { signal } } : { reason: 'exec-exit', params: { code: exitCode ?? '?' } }));
            });
          });
        }),
    );
  }

  /** Run and collect output as text; for short commands whose output fits in memory. */
  async run(cmd: RemoteCommand, opts: Omit<ExecOptions, 'onStdout' | 'onStderr'> = {}) {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const result = await this.exec(cmd, { ...opts, onStdout: (d) => out.push(d), onStderr: (d) => err.push(d) });
    return { ...result, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
  }

  /** An interactive PTY shell. The caller owns flow control: pause() above its high watermark, resume() below the low. */
  async shell(opts: ShellOptions): Promise<ClientChannel> {
    const client = await this.ensure();
    const release = await this.channels.acquire();
    return new Promise((resolve, reject) => {
      withOpenRetry((k) => client.shell({ term: opts.term ?? 'xterm-256color', cols: opts.cols, rows: opts.rows }, k), (e, ch) => {
        if (e) {
          release();
          return reject(e);
        }
        ch.once('close', release);
        resolve(ch);
      });
    });
  }

  /**
   * Upload a file and prove it arrived intact (SHA-256 computed on the host). Uses SFTP, or
   * streams through `cat` when the server has no SFTP subsystem.
   */
  async upload(
    localPath: string,
    remotePath: string,
    onProgress?: (sent: number, total: number) => void,
  ): Promise<{ bytes: number; sha256: string; method: 'sftp' | 'exec' }> {
    const total = (await stat(localPath)).size;
    const sha256 = await fileSha256(localPath);
    const client = await this.ensure();
    let method: 'sftp' | 'exec' = 'sftp';
    const sftp = await new Promise<SFTPWrapper | null>((resolve) => client.sftp((e, s) => resolve(e ? null : s)));
    if (sftp) {
      await new Promise<void>((resolve, reject) =>
        sftp.fastPut(localPath, remotePath, { step: (sent) => onProgress?.(sent, total) }, (e) => (e ? reject(e) : resolve())),
      ).finally(() => sftp.end());
    } else {
      method = 'exec';
      const r = await this.execStreamIn({ script: 'cat > "$1"', args: [remotePath] }, localPath, total, onProgress);
      if (r.status !== 'ok') throw new Error(`Upload to ${remotePath} failed: ${r.message}`);
    }
    const check = await this.run({ argv: ['sha256sum', '--', remotePath] }, { timeoutMs: 120_000 });
    const remoteSum = check.stdout.split(/\s+/)[0];
    if (check.status !== 'ok' || remoteSum !== sha256) {
      throw new Error(`Upload to ${remotePath} is corrupt: local SHA-256 ${sha256}, remote ${remoteSum || check.message}`);
    }
    return { bytes: total, sha256, method };
  }

  private async execStreamIn(cmd: RemoteCommand, localPath: string, total: number, onProgress?: (sent: number, total: number) => void) {
    const client = await this.ensure();
    return this.channels.run(
      () =>
        new Promise<{ status: 'ok' | 'failed'; message: string }>((resolve) => {
          client.exec(commandLine(cmd), (e, ch) => {
            if (e) return resolve({ status: 'failed', message: e.message });
            let sent = 0;
            let code: number | null = null;
            const src = createReadStream(localPath);
            src.on('data', (d) => {
              sent += d.length;
              onProgress?.(sent, total);
            });
            src.pipe(ch);
            // Both output streams must be drained, or the channel never emits 'close'.
            ch.resume();
            ch.stderr.resume();
            ch.on('exit', (c: number | null) => (code = c));
            ch.on('close', () => resolve(code === 0 ? { status: 'ok', message: 'ok' } : { status: 'failed', message: `exit code ${code}` }));
          });
        }),
    );
  }
}

/**
 * sshd frees a session slot only after it has reaped the session's process, so a burst of short
 * commands can briefly find all MaxSessions slots taken although our own count is below it.
 * Opening is retried then: the command has not started, so a retry cannot run it twice.
 */
const CHANNEL_OPEN_RETRIES = 8;
const CHANNEL_OPEN_RETRY_MS = 50;

function withOpenRetry(
  open: (cb: (e: Error | undefined, ch: ClientChannel) => void) => void,
  cb: (e: Error | undefined, ch: ClientChannel) => void,
  attempt = 1,
): void {
  open((e, ch) => {
    if (e && /Channel open failure/.test(e.message) && attempt < CHANNEL_OPEN_RETRIES) {
      setTimeout(() => withOpenRetry(open, cb, attempt + 1), CHANNEL_OPEN_RETRY_MS * attempt);
      return;
    }
    cb(e, ch);
  });
}

const openExec = (client: Client, line: string, cb: (e: Error | undefined, ch: ClientChannel) => void) =>
  withOpenRetry((k) => client.exec(line, k), cb);

/**
 * Reads the start of a command's stderr: our PID line, then (with sudo) sudo's prompt and our
 * "sudo is through" marker. Everything after that is the command's own stderr, passed on as is.
 */
export class StderrPreamble {
  private buf = '';
  private phase: 'pid' | 'sudo' | 'pass' = 'pid';
  sudo: 'waiting' | 'asked' | 'ok' | 'wrong' | 'required' = 'waiting';

  constructor(
    private readonly withSudo: boolean,
    private readonly on: {
      pid(pgid: number): void;
      sudoPrompt(first: boolean): void;
      sudoOk(): void;
      stderr(d: Buffer): void;
    },
  ) {}

  push(d: Buffer): void {
    if (this.phase === 'pass') return this.on.stderr(d);
    this.buf += d.toString('utf8');
    for (;;) {
      if (this.phase === 'sudo' && this.buf.startsWith(SUDO_PROMPT)) {
        this.buf = this.buf.slice(SUDO_PROMPT.length);
        const first = this.sudo === 'waiting';
        this.sudo = first ? 'asked' : 'wrong';
        this.on.sudoPrompt(first);
        continue;
      }
      const nl = this.buf.indexOf('\n');
      if (nl < 0) return;
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      if (this.phase === 'pid' && line.startsWith(PID_MARK)) {
        this.phase = this.withSudo ? 'sudo' : 'pass';
        this.on.pid(Number(line.slice(PID_MARK.length)));
      } else if (this.phase === 'sudo' && line === SUDO_OK) {
        this.sudo = 'ok';
        this.phase = 'pass';
        this.on.sudoOk();
      } else if (this.phase === 'sudo' && /a password is required|a terminal is required/.test(line)) {
        this.sudo = 'required';
      } else if (this.phase === 'sudo' && /Sorry, try again|incorrect password/.test(line)) {
        this.sudo = 'wrong';
      } else {
        this.on.stderr(Buffer.from(line + '\n'));
      }
      if (this.phase === 'pass') {
        if (this.buf) this.on.stderr(Buffer.from(this.buf));
        this.buf = '';
        return;
      }
    }
  }
}

function fileSha256(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (d) => h.update(d))
      .on('end', () => resolve(h.digest('hex')))
      .on('error', reject);
  });
}
