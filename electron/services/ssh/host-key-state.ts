/** A host (address:port) whose key no longer matches known_hosts, as first detected. */
export interface HostKeyChange {
  address: string;
  port: number;
  /** What the server presents now. */
  fingerprint: string;
  keyType: string;
  /** What known_hosts trusts for it. */
  knownFingerprints: string[];
  detectedAt: string;
}

/** One key per endpoint, the same however the address was typed. */
const endpoint = (address: string, port: number) => `${address.toLowerCase()}:${port}`;

export type HostKeyListener = (change: HostKeyChange, state: 'changed' | 'cleared') => void;

/**
 * The one record of hosts whose key changed, beside known_hosts (which every connection attempt
 * verifies against: pool, connection test, shell). A mismatch anywhere marks the endpoint here;
 * listeners then close what was opened before the change (pooled connections, shells, runs), and
 * every new run or shell on it is refused until the technician replaces the key
 * (KnownHosts.replaceChanged). A connection opened earlier was authenticated against the old key,
 * so after a mismatch it can no longer be told apart from one to an impostor.
 */
export class HostKeyState {
  private readonly marks = new Map<string, HostKeyChange>();
  private readonly listeners = new Set<HostKeyListener>();

  mark(change: Omit<HostKeyChange, 'detectedAt'>): void {
    const key = endpoint(change.address, change.port);
    const before = this.marks.get(key);
    if (before && before.fingerprint === change.fingerprint) return;
    const full = { ...change, detectedAt: new Date().toISOString() };
    this.marks.set(key, full);
    for (const l of [...this.listeners]) l(full, 'changed');
  }

  get(address: string, port: number): HostKeyChange | undefined {
    return this.marks.get(endpoint(address, port));
  }

  list(): HostKeyChange[] {
    return [...this.marks.values()];
  }

  clear(address: string, port: number): void {
    const key = endpoint(address, port);
    const mark = this.marks.get(key);
    if (!mark) return;
    this.marks.delete(key);
    for (const l of [...this.listeners]) l(mark, 'cleared');
  }

  subscribe(fn: HostKeyListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}

/** `hostKeyChangedMessage` as a reason + params the renderer words (`reasons.conn-hostkey-marked`). */
export function hostKeyChangedCoded(c: HostKeyChange): { reason: 'conn-hostkey-marked'; params: Record<string, string> } {
  return { reason: 'conn-hostkey-marked', params: { host: `${c.address}:${c.port}`, known: c.knownFingerprints.join(', '), fingerprint: c.fingerprint } };
}

/** The technician-facing cause, with both fingerprints and what to do (services' messages are English; the renderer localises from the event). */
export function hostKeyChangedMessage(c: HostKeyChange): string {
  return `Host key changed on ${c.address}:${c.port}: known ${c.knownFingerprints.join(', ')}, now ${c.fingerprint}. `
    + 'Nothing is run and no password is sent to it until you compare the fingerprints and replace the key (inventory: Replace host key).';
}
