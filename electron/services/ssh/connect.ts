import { readFile } from 'node:fs/promises';
import type { Duplex } from 'node:stream';
import { Client, type ConnectConfig, type ServerHostKeyAlgorithm } from 'ssh2';
import { causedBy, type ConnectionStatus, type ReasonCode } from '../../contract/index.js';
import type { SecretStore } from '../secrets/secret-store.js';
import type { KnownHosts, Verdict } from './known-hosts.js';

/** Host-key algorithms we accept, best first. Plain `ssh-rsa` (SHA-1 signatures) is never offered. */
const HOST_KEY_ALGORITHMS: readonly ServerHostKeyAlgorithm[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
];

/** known_hosts key types map to the signature algorithms that use them. */
const ALGORITHMS_FOR_KEY_TYPE: Record<string, string[]> = { 'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256'] };

/** How long a TCP connect + handshake + auth may take before the host is reported as timing out. */
export const READY_TIMEOUT_MS = 10_000;
/**
 * Keepalive: a probe every 5 s, the link declared dead after 4 unanswered ones. A dropped link is
 * thus noticed within ~20-25 s, inside the 30 s docs/architecture.md ("Budgets") allows, without tripping on a busy host.
 */
export const KEEPALIVE_INTERVAL_MS = 5_000;
export const KEEPALIVE_COUNT_MAX = 4;

/** Who to connect to and how. `Host` from the contract is one; a jump host is another. */
export interface SshTarget {
  id: string;
  address: string;
  port: number;
  user: string;
  auth: { method: 'password' } | { method: 'key'; keyPath: string } | { method: 'agent'; socket?: string };
  /** Reach this host through another one (a bastion), as `ssh -J` does. */
  jump?: SshTarget;
  /** Absent: "confirm" (an unknown key stops with hostkey-unknown). */
  hostKeyPolicy?: 'confirm' | 'accept-new';
}


export class SshConnectError extends Error {
  constructor(
    readonly status: ConnectionStatus,
    message: string,
    readonly verdict?: Verdict,
    /** The server closed us before the handshake: typical of sshd's MaxStartups throttling. */
    readonly throttled = false,
    /** Whose key `verdict` is, when it is a jump host's rather than the target's. */
    readonly keyHost?: { address: string; port: number },
  ) {
    super(message);
  }

  /** The message as a reason the renderer words in the technician's language (`reasons.<reason>`). */
  reason?: ReasonCode;
  params?: Record<string, string | number>;
  because(reason: ReasonCode, params: Record<string, string | number> = {}): this {
    this.reason = reason;
    this.params = params;
    return this;
  }
}

export interface ConnectOptions {
  knownHosts: KnownHosts;
  secrets: SecretStore;
  readyTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
}

export interface Connected {
  client: Client;
  verdict: Verdict;
  /** Clients of jump hosts on the way, closed with this one. */
  via: Client[];
}

/**
 * Open one authenticated connection. The host key is checked before any credential is sent: an
 * unknown key stops with `hostkey-unknown` (the technician confirms its fingerprint first), a
 * changed key with `hostkey-changed`.
 */
export async function connect(target: SshTarget, opts: ConnectOptions): Promise<Connected> {
  let via: Client[] = [];
  let sock: Duplex | undefined;
  if (target.jump) {
    let jump: Connected;
    try {
      jump = await connect(target.jump, opts);
    } catch (e) {
      const je = e as SshConnectError;
      throw new SshConnectError(je.status, `Jump host ${target.jump.address}: ${je.message}`, je.verdict, je.throttled,
        je.keyHost ?? { address: target.jump.address, port: target.jump.port })
        .because('conn-jump-failed', { jump: target.jump.address, ...causedBy(je) });
    }
    via = [...jump.via, jump.client];
    try {
      sock = await new Promise<Duplex>((resolve, reject) =>
        jump.client.forwardOut('127.0.0.1', 0, target.address, target.port, (e, ch) => (e ? reject(e) : resolve(ch))),
      );
    } catch (e) {
      for (const c of via) c.end();
      const reason = (e as Error).message;
      const status: ConnectionStatus = /refused/i.test(reason) ? 'refused' : /resolve|name/i.test(reason) ? 'name-not-resolved' : 'unreachable';
      const cause: ReasonCode = status === 'refused' ? 'conn-refused' : status === 'name-not-resolved' ? 'conn-name-not-resolved' : 'conn-unreachable';
      throw new SshConnectError(status, `Jump host ${target.jump.address} could not reach ${target.address}:${target.port}: ${reason}`)
        .because('conn-jump-no-route', { jump: target.jump.address, target: `${target.address}:${target.port}`, detail: reason, cause });
    }
  }
  try {
    const { client, verdict } = await connectDirect(target, opts, sock);
    client.once('close', () => {
      for (const c of via) c.end();
    });
    return { client, verdict, via };
  } catch (e) {
    for (const c of via) c.end();
    throw e;
  }
}

async function connectDirect(target: SshTarget, opts: ConnectOptions, sock?: Duplex): Promise<{ client: Client; verdict: Verdict }> {
  const auth = await credentials(target, opts.secrets);
  const known = await opts.knownHosts.knownKeyTypes(target.address, target.port);
  const preferred = known.flatMap((t) => ALGORITHMS_FOR_KEY_TYPE[t] ?? [t]);
  const serverHostKey = [...new Set([...preferred, ...HOST_KEY_ALGORITHMS])].filter(
    (a): a is ServerHostKeyAlgorithm => (HOST_KEY_ALGORITHMS as readonly string[]).includes(a),
  );

  return new Promise((resolve, reject) => {
    const client = new Client();
    let verdict: Verdict | undefined;
    let handshaken = false;
    let settled = false;
    const finish = (e: SshConnectError | null) => {
      if (settled) return;
      settled = true;
      if (e) {
        client.end();
        reject(e);
      } else resolve({ client, verdict: verdict! });
    };
    client.on('handshake', () => (handshaken = true));
    client.on('ready', () => finish(null));
    client.on('error', (e: Error & { level?: string; code?: string }) => finish(classify(e, verdict, handshaken)));
    client.on('close', () =>
      finish(new SshConnectError('error', 'The server closed the connection during login', verdict, !handshaken)),
    );
    if (auth.password !== undefined) {
      // Servers that only allow keyboard-interactive get the password for prompts that ask for one.
      const password = auth.password;
      client.on('keyboard-interactive', (_name, _instr, _lang, prompts, answer) =>
        answer(prompts.map((p) => (/password|passcode|密码/i.test(p.prompt) ? password : ''))),
      );
    }

    const config: ConnectConfig = {
      host: target.address,
      port: target.port,
      username: target.user,
      readyTimeout: opts.readyTimeoutMs ?? READY_TIMEOUT_MS,
      keepaliveInterval: opts.keepaliveIntervalMs ?? KEEPALIVE_INTERVAL_MS,
      keepaliveCountMax: opts.keepaliveCountMax ?? KEEPALIVE_COUNT_MAX,
      agentForward: false,
      tryKeyboard: auth.password !== undefined,
      algorithms: { serverHostKey },
      hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
        acceptNew(target, opts.knownHosts, key).then(
          (v) => {
            verdict = v;
            verify(v.kind === 'trusted');
          },
          () => verify(false),
        );
      },
      ...(sock ? { sock: sock as unknown as ConnectConfig['sock'] } : {}),
      ...auth,
    };
    try {
      client.connect(config);
    } catch (e) {
      // ssh2 throws synchronously for unusable keys (e.g. encrypted without passphrase).
      finish(keyProblem(target, (e as Error).message));
    }
  });
}

/**
 * The host-key check. Under "accept-new" an unknown key is written to known_hosts (the record of
 * first contact) and trusted; a changed key is refused under every policy, as known_hosts marks it.
 */
async function acceptNew(target: SshTarget, knownHosts: KnownHosts, key: Buffer): Promise<Verdict> {
  const v = await knownHosts.verify(target.address, target.port, key);
  if (v.kind !== 'unknown' || target.hostKeyPolicy !== 'accept-new') return v;
  if (!(await knownHosts.trustPending(target.address, target.port, v.fingerprint))) return v;
  return { kind: 'trusted', fingerprint: v.fingerprint, keyType: v.keyType, acceptedNew: true };
}

async function credentials(target: SshTarget, secrets: SecretStore): Promise<Partial<ConnectConfig>> {
  switch (target.auth.method) {
    case 'password': {
      const password = secrets.get(target.id, 'password');
      if (password === undefined) throw new SshConnectError('secret-missing', 'No password entered for this host').because('conn-no-password');
      return { password };
    }
    case 'agent': {
      const agent = target.auth.socket ?? process.env.SSH_AUTH_SOCK;
      if (!agent) {
        throw new SshConnectError('secret-missing', 'No ssh-agent found (SSH_AUTH_SOCK is not set): start one or choose a key file').because('conn-no-agent');
      }
      return { agent };
    }
    case 'key': {
      let privateKey: Buffer;
      try {
        privateKey = await readFile(target.auth.keyPath);
      } catch (e) {
        throw new SshConnectError(
          'key-unreadable',
          `Cannot read key file ${target.auth.keyPath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
        ).because('conn-key-unreadable', { path: target.auth.keyPath, detail: (e as NodeJS.ErrnoException).code ?? (e as Error).message });
      }
      const passphrase = secrets.get(target.id, 'passphrase');
      return passphrase === undefined ? { privateKey } : { privateKey, passphrase };
    }
  }
}

function keyProblem(target: SshTarget, message: string): SshConnectError {
  if (/bad passphrase|Bad passphrase|decrypt/i.test(message)) return new SshConnectError('key-unreadable', 'Wrong passphrase for the private key').because('conn-key-wrong-passphrase');
  if (/no passphrase given|passphrase/i.test(message)) return new SshConnectError('key-unreadable', 'The private key is encrypted: enter its passphrase').because('conn-key-needs-passphrase');
  const path = target.auth.method === 'key' ? target.auth.keyPath : '';
  if (/Cannot parse privateKey|Unsupported key format/i.test(message)) {
    return new SshConnectError('key-unreadable', `Cannot use private key ${path}: ${message}`).because('conn-key-format', { path });
  }
  return new SshConnectError('key-unreadable', `Cannot use private key ${path}: ${message}`).because('conn-key-unusable', { path, detail: message });
}

function classify(e: Error & { level?: string; code?: string }, verdict: Verdict | undefined, handshaken: boolean): SshConnectError {
  if (verdict?.kind === 'unknown') {
    return new SshConnectError('hostkey-unknown', 'First contact: confirm the host key fingerprint', verdict).because('conn-hostkey-unknown');
  }
  if (verdict?.kind === 'changed') {
    return new SshConnectError(
      'hostkey-changed',
      `HOST KEY CHANGED (now ${verdict.fingerprint}, known ${verdict.knownFingerprints.join(', ')}): possible man-in-the-middle; nothing was sent`,
      verdict,
    ).because('conn-hostkey-changed', { fingerprint: verdict.fingerprint, known: verdict.knownFingerprints.join(', ') });
  }
  switch (e.code) {
    case 'ECONNREFUSED':
      return new SshConnectError('refused', 'Connection refused: is sshd running and listening on this port?', verdict).because('conn-refused');
    case 'ETIMEDOUT':
      return new SshConnectError('timeout', 'Timed out connecting: check cabling, address and firewall', verdict).because('conn-timeout');
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
      return new SshConnectError('unreachable', 'Host unreachable: check the address, link and routing', verdict).because('conn-unreachable');
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new SshConnectError('name-not-resolved', 'Host name not resolved: check the name or use an IP address', verdict).because('conn-name-not-resolved');
    case 'ECONNRESET':
      return new SshConnectError('error', 'Connection reset by the server (sshd throttling connections?)', verdict, !handshaken).because('conn-reset');
  }
  if (e.level === 'client-timeout') {
    return new SshConnectError('timeout', 'Timed out waiting for the SSH handshake: check the link and that sshd answers', verdict).because('conn-handshake-timeout');
  }
  if (e.level === 'client-authentication') {
    return new SshConnectError('auth-failed', 'Authentication failed: check the user name, password or key', verdict).because('conn-auth-failed');
  }
  if (/before handshake|Connection lost/i.test(e.message) && !handshaken) {
    return new SshConnectError('error', 'The server dropped the connection before the handshake (sshd MaxStartups throttling?)', verdict, true).because('conn-dropped');
  }
  return new SshConnectError('error', e.message, verdict).because('conn-failed', { detail: e.message });
}
