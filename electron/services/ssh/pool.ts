import type { SecretStore } from '../secrets/secret-store.js';
import type { SshTarget } from './connect.js';
import { HostConnection } from './host-connection.js';
import type { KnownHosts } from './known-hosts.js';
import { Semaphore } from './semaphore.js';
import { hopsOf, targetOf, type ReachSettings } from './target.js';
import type { Host } from '../../contract/index.js';

/**
 * Limits, each below the server-side default it must stay under:
 * - channels per host 6 < sshd MaxSessions 10 (leaves room for an interactive shell or two);
 * - 32 simultaneous connects < sshd MaxStartups 10:30:100 only per host; across hosts this bounds
 *   the laptop's own handshake CPU (docs/architecture.md, "Budgets": one global connect limit, default 32).
 */
export const DEFAULT_CHANNELS_PER_HOST = 6;
export const DEFAULT_CONNECT_LIMIT = 32;

export interface SshPoolOptions {
  knownHosts: KnownHosts;
  secrets: SecretStore;
  connectLimit?: number;
  channelsPerHost?: number;
  readyTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
}

/** The one way steps reach servers: one reused connection per host. */
export class SshPool {
  private readonly hosts = new Map<string, HostConnection>();
  private readonly connectLimit: Semaphore;

  constructor(private readonly opts: SshPoolOptions) {
    this.connectLimit = new Semaphore(opts.connectLimit ?? DEFAULT_CONNECT_LIMIT);
    // A key mismatch seen by any connection attempt ends the connections opened before it: they
    // were authenticated against a key the host no longer has (HostKeyState).
    opts.knownHosts.changes.subscribe((c, state) => {
      if (state !== 'changed') return;
      for (const conn of this.hosts.values()) {
        if (hopsOf(conn.target).some((t) => t.address.toLowerCase() === c.address.toLowerCase() && t.port === c.port)) conn.close();
      }
    });
  }

  /** Hosts whose key changed (the known_hosts this pool verifies against). */
  get hostKeys() {
    return this.opts.knownHosts.changes;
  }

  /** An inventory host's connection, reached as the project says (bastion, host-key policy). */
  forHost(host: Host, settings?: ReachSettings): HostConnection {
    return this.host(targetOf(host, settings));
  }

  /** The connection object for a host (not yet connected: it connects on first use). */
  host(target: SshTarget): HostConnection {
    const existing = this.hosts.get(target.id);
    if (existing && sameEndpoint(existing.target, target)) return existing;
    existing?.close();
    const conn = new HostConnection(target, {
      knownHosts: this.opts.knownHosts,
      secrets: this.opts.secrets,
      connectLimit: this.connectLimit,
      channelsPerHost: this.opts.channelsPerHost ?? DEFAULT_CHANNELS_PER_HOST,
      sudoPassword: (id) => this.opts.secrets.get(id, 'sudo') ?? this.passwordFor(target, id),
      ...(this.opts.readyTimeoutMs ? { readyTimeoutMs: this.opts.readyTimeoutMs } : {}),
      ...(this.opts.keepaliveIntervalMs ? { keepaliveIntervalMs: this.opts.keepaliveIntervalMs } : {}),
      ...(this.opts.keepaliveCountMax ? { keepaliveCountMax: this.opts.keepaliveCountMax } : {}),
    });
    this.hosts.set(target.id, conn);
    return conn;
  }

  /** With password login, sudo usually wants the same password. */
  private passwordFor(target: SshTarget, id: string): string | undefined {
    return target.auth.method === 'password' ? this.opts.secrets.get(id, 'password') : undefined;
  }

  closeAll(): void {
    for (const c of this.hosts.values()) c.close();
    this.hosts.clear();
  }
}

function sameEndpoint(a: SshTarget, b: SshTarget): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
