import { readFile } from 'node:fs/promises';
import { Client, type ConnectConfig, type ServerHostKeyAlgorithm } from 'ssh2';
import type { ConnectionStatus, Host } from '../../contract/index.js';
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

export class SshConnectError extends Error {
  constructor(
    readonly status: ConnectionStatus,
    message: string,
    readonly verdict?: Verdict,
  ) {
    super(message);
  }
}

export interface ConnectOptions {
  knownHosts: KnownHosts;
  secrets: SecretStore;
  readyTimeoutMs?: number;
}

/**
 * Open one authenticated connection. The host key is checked before any credential is sent: an
 * unknown key stops with `hostkey-unknown` (the technician confirms its fingerprint first), a
 * changed key with `hostkey-changed`.
 */
export async function connect(host: Host, opts: ConnectOptions): Promise<{ client: Client; verdict: Verdict }> {
  const auth = await credentials(host, opts.secrets);
  const known = await opts.knownHosts.knownKeyTypes(host.address, host.port);
  const preferred = known.flatMap((t) => ALGORITHMS_FOR_KEY_TYPE[t] ?? [t]);
  const serverHostKey = [...new Set([...preferred, ...HOST_KEY_ALGORITHMS])].filter(
    (a): a is ServerHostKeyAlgorithm => (HOST_KEY_ALGORITHMS as readonly string[]).includes(a),
  );

  return new Promise((resolve, reject) => {
    const client = new Client();
    let verdict: Verdict | undefined;
    let settled = false;
    const finish = (e: SshConnectError | null) => {
      if (settled) return;
      settled = true;
      if (e) {
        client.end();
        reject(e);
      } else resolve({ client, verdict: verdict! });
    };
    client.on('ready', () => finish(null));
    client.on('error', (e: Error & { level?: string; code?: string }) => finish(classify(e, verdict)));
    client.on('close', () => finish(new SshConnectError('error', 'The server closed the connection during login')));

    const config: ConnectConfig = {
      host: host.address,
      port: host.port,
      username: host.user,
      readyTimeout: opts.readyTimeoutMs ?? READY_TIMEOUT_MS,
      keepaliveInterval: 10_000,
      keepaliveCountMax: 2,
      agentForward: false,
      tryKeyboard: false,
      algorithms: { serverHostKey },
      hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
        opts.knownHosts.verify(host.address, host.port, key).then(
          (v) => {
            verdict = v;
            verify(v.kind === 'trusted');
          },
          () => verify(false),
        );
      },
      ...auth,
    };
    try {
      client.connect(config);
    } catch (e) {
      // ssh2 throws synchronously for unusable keys (e.g. encrypted without passphrase).
      finish(new SshConnectError('key-unreadable', keyProblem(host, (e as Error).message)));
    }
  });
}

async function credentials(host: Host, secrets: SecretStore): Promise<Partial<ConnectConfig>> {
  if (host.auth.method === 'password') {
    const password = secrets.get(host.id, 'password');
    if (password === undefined) {
      throw new SshConnectError('secret-missing', 'No password entered for this host');
    }
    return { password };
  }
  let privateKey: Buffer;
  try {
    privateKey = await readFile(host.auth.keyPath);
  } catch (e) {
    throw new SshConnectError('key-unreadable', `Cannot read key file ${host.auth.keyPath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const passphrase = secrets.get(host.id, 'passphrase');
  return passphrase === undefined ? { privateKey } : { privateKey, passphrase };
}

function keyProblem(host: Host, message: string): string {
  if (/passphrase/i.test(message)) return 'The private key is encrypted: enter its passphrase';
  if (/bad passphrase|decrypt/i.test(message)) return 'Wrong passphrase for the private key';
  const path = host.auth.method === 'key' ? host.auth.keyPath : '';
  return `Cannot use private key ${path}: ${message}`;
}

function classify(e: Error & { level?: string; code?: string }, verdict: Verdict | undefined): SshConnectError {
  if (verdict?.kind === 'unknown') {
    return new SshConnectError('hostkey-unknown', 'First contact: confirm the host key fingerprint', verdict);
  }
  if (verdict?.kind === 'changed') {
    return new SshConnectError(
      'hostkey-changed',
      `HOST KEY CHANGED (now ${verdict.fingerprint}, known ${verdict.knownFingerprints.join(', ')}): possible man-in-the-middle; nothing was sent`,
      verdict,
    );
  }
  switch (e.code) {
    case 'ECONNREFUSED':
      return new SshConnectError('refused', 'Connection refused: is sshd running and listening on this port?', verdict);
    case 'ETIMEDOUT':
      return new SshConnectError('timeout', 'Timed out connecting: check cabling, address and firewall', verdict);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
      return new SshConnectError('unreachable', 'Host unreachable: check the address, link and routing', verdict);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new SshConnectError('name-not-resolved', 'Host name not resolved: check the name or use an IP address', verdict);
    case 'ECONNRESET':
      return new SshConnectError('error', 'Connection reset by the server (sshd throttling or TCP wrappers?)', verdict);
  }
  if (e.level === 'client-timeout') {
    return new SshConnectError('timeout', 'Timed out waiting for the SSH handshake: check the link and that sshd answers', verdict);
  }
  if (e.level === 'client-authentication') {
    return new SshConnectError('auth-failed', 'Authentication failed: check the user name, password or key', verdict);
  }
  return new SshConnectError('error', e.message, verdict);
}
