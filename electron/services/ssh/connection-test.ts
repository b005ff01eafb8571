import type { Client } from 'ssh2';
import type { ConnectionResult, Host } from '../../contract/index.js';
import type { SecretStore } from '../secrets/secret-store.js';
import { connect, SshConnectError } from './connect.js';
import { targetOf, type ReachSettings } from './target.js';
import type { KnownHosts } from './known-hosts.js';

/** Parallel connects at once; above this, hosts queue (docs/architecture.md, "Budgets": one global connect limit). */
export const CONNECT_CONCURRENCY = 32;

// Constant text, no user input: prints hostname, kernel release and the OS name on three lines.
const IDENTIFY = 'hostname; uname -r; (. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME") || uname -s';

export interface ConnectionTestOptions {
  knownHosts: KnownHosts;
  secrets: SecretStore;
  onResult?: (r: ConnectionResult) => void;
  readyTimeoutMs?: number;
  /** The project's bastion and host-key policy. */
  reach?: ReachSettings;
}

/** Connect to every host in parallel and report hostname, OS and host-key fingerprint per host. */
export async function testConnections(hosts: Host[], opts: ConnectionTestOptions): Promise<ConnectionResult[]> {
  const results: ConnectionResult[] = new Array(hosts.length);
  let next = 0;
  const worker = async () => {
    while (next < hosts.length) {
      const i = next++;
      const r = await testOne(hosts[i]!, opts);
      results[i] = r;
      opts.onResult?.(r);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONNECT_CONCURRENCY, hosts.length) }, worker));
  return results;
}

async function testOne(host: Host, opts: ConnectionTestOptions): Promise<ConnectionResult> {
  const started = Date.now();
  const base = { hostId: host.id, address: host.address, port: host.port };
  try {
    const { client, verdict } = await connect(targetOf(host, opts.reach), opts);
    try {
      const out = await execText(client, IDENTIFY, 10_000);
      const [hostname = '', kernel = '', os = ''] = out.split('\n').map((l) => l.trim());
      return {
        ...base,
        status: 'ok',
        message: 'Connected',
        fingerprint: verdict.fingerprint,
        keyType: verdict.keyType,
        ...(verdict.kind === 'trusted' && verdict.acceptedNew ? { acceptedNew: true } : {}),
        hostname,
        kernel,
        os,
        durationMs: Date.now() - started,
      };
    } finally {
      client.end();
    }
  } catch (e) {
    const ce = e instanceof SshConnectError ? e : new SshConnectError('error', (e as Error).message);
    return {
      ...base,
      status: ce.status,
      message: ce.message,
      ...(ce.reason ? { reason: ce.reason, params: ce.params ?? {} } : {}),
      ...(ce.verdict ? { fingerprint: ce.verdict.fingerprint, keyType: ce.verdict.keyType } : {}),
      ...(ce.keyHost ? { keyAddress: ce.keyHost.address, keyPort: ce.keyHost.port } : {}),
      durationMs: Date.now() - started,
    };
  }
}

function execText(client: Client, command: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new SshConnectError('timeout', 'The server did not answer a command in time').because('conn-command-timeout')), timeoutMs);
    client.exec(command, (e, stream) => {
      if (e) {
        clearTimeout(timer);
        reject(new SshConnectError('error', `Could not run a command: ${e.message}`).because('conn-command-failed', { detail: e.message }));
        return;
      }
      let out = '';
      stream.on('data', (d: Buffer) => (out += d.toString('utf8')));
      stream.stderr.resume();
      stream.on('close', () => {
        clearTimeout(timer);
        resolve(out);
      });
    });
  });
}
