import { createHash, createHmac } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { HostKeyState } from './host-key-state.js';

/** OpenSSH's "SHA256:<base64 without padding>" fingerprint of a raw public key blob. */
export function fingerprintOf(key: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(key).digest('base64').replace(/=+$/, '');
}

/** The key type is the first string of the SSH wire encoding of a public key. */
export function keyTypeOf(key: Buffer): string {
  if (key.length < 4) return 'unknown';
  const len = key.readUInt32BE(0);
  return key.subarray(4, 4 + len).toString('ascii');
}

/** known_hosts names a host as "addr" on port 22 and "[addr]:port" otherwise. */
export function hostPattern(address: string, port: number): string {
  const a = address.toLowerCase();
  return port === 22 ? a : `[${a}]:${port}`;
}

interface Entry {
  names: string[];
  hashed?: { salt: Buffer; hash: Buffer };
  keyType: string;
  key: string;
}

export type Verdict =
  | { kind: 'trusted'; fingerprint: string; keyType: string; /** First contact under the "accept-new" policy: recorded just now. */ acceptedNew?: true }
  | { kind: 'unknown'; fingerprint: string; keyType: string }
  | { kind: 'changed'; fingerprint: string; keyType: string; knownFingerprints: string[] };

/**
 * The app's known_hosts, in OpenSSH's format so `ssh -o UserKnownHostsFile=…` and ssh-keygen
 * interoperate with it. Keys seen on first contact are held as "pending" until the technician
 * confirms the fingerprint; only pending keys can be trusted, so a compromised renderer cannot
 * inject a key of its own choosing.
 */
export class KnownHosts {
  readonly path: string;
  /** Hosts whose key was seen to change, marked by verify(); see HostKeyState. */
  readonly changes = new HostKeyState();
  private readonly pending = new Map<string, { pattern: string; keyType: string; key: string }>();
  /** New keys of changed hosts, for replaceChanged only (never trustPending: that would add a second trusted key). */
  private readonly replacements = new Map<string, { pattern: string; keyType: string; key: string }>();
  private lock: Promise<unknown> = Promise.resolve();

  constructor(dataDir: string) {
    this.path = join(dataDir, 'known_hosts');
  }

  private async entries(): Promise<Entry[]> {
    let text = '';
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    const out: Entry[] = [];
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (!line || line.startsWith('#') || line.startsWith('@')) continue;
      const [names, keyType, key] = line.split(/\s+/);
      if (!names || !keyType || !key) continue;
      if (names.startsWith('|1|')) {
        const [, , salt, hash] = names.split('|');
        if (salt && hash) out.push({ names: [], hashed: { salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') }, keyType, key });
      } else {
        out.push({ names: names.toLowerCase().split(','), keyType, key });
      }
    }
    return out;
  }

  /** Whether a known_hosts line is a key of `pattern`. A line naming several hosts goes whole, as with `ssh-keygen -R`. */
  private static lineNames(raw: string, pattern: string): boolean {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('@')) return false;
    const [names, keyType, key] = line.split(/\s+/);
    if (!names || !keyType || !key) return false;
    if (names.startsWith('|1|')) {
      const [, , salt, hash] = names.split('|');
      return !!salt && !!hash && createHmac('sha1', Buffer.from(salt, 'base64')).update(pattern).digest().equals(Buffer.from(hash, 'base64'));
    }
    return names.toLowerCase().split(',').includes(pattern);
  }

  private static matches(e: Entry, pattern: string): boolean {
    if (e.hashed) return createHmac('sha1', e.hashed.salt).update(pattern).digest().equals(e.hashed.hash);
    return e.names.includes(pattern);
  }

  /** Key types already known for this host, so negotiation can prefer them (as OpenSSH does). */
  async knownKeyTypes(address: string, port: number): Promise<string[]> {
    const pattern = hostPattern(address, port);
    return (await this.entries()).filter((e) => KnownHosts.matches(e, pattern)).map((e) => e.keyType);
  }

  async verify(address: string, port: number, key: Buffer): Promise<Verdict> {
    const pattern = hostPattern(address, port);
    const fingerprint = fingerprintOf(key);
    const keyType = keyTypeOf(key);
    const mine = (await this.entries()).filter((e) => KnownHosts.matches(e, pattern));
    const b64 = key.toString('base64');
    if (mine.some((e) => e.key === b64)) return { kind: 'trusted', fingerprint, keyType };
    if (mine.length > 0) {
      const knownFingerprints = mine.map((e) => fingerprintOf(Buffer.from(e.key, 'base64')));
      this.replacements.set(`${pattern} ${fingerprint}`, { pattern, keyType, key: b64 });
      this.changes.mark({ address, port, fingerprint, keyType, knownFingerprints });
      return { kind: 'changed', fingerprint, keyType, knownFingerprints };
    }
    this.pending.set(`${pattern} ${fingerprint}`, { pattern, keyType, key: b64 });
    return { kind: 'unknown', fingerprint, keyType };
  }

  /** Trust a key this process was shown by that host. Returns false when no such key was seen. */
  async trustPending(address: string, port: number, fingerprint: string): Promise<boolean> {
    const pattern = hostPattern(address, port);
    const p = this.pending.get(`${pattern} ${fingerprint}`);
    if (!p) return false;
    await this.add(pattern, p.keyType, p.key);
    this.pending.delete(`${pattern} ${fingerprint}`);
    return true;
  }

  /**
   * Replace the known key(s) of a host whose key changed with the one it now presents: only the
   * key of the current mark (the fingerprint the technician was shown), never one the caller
   * supplies. Clears the mark.
   */
  async replaceChanged(address: string, port: number, fingerprint: string): Promise<'replaced' | 'not-changed' | 'fingerprint-differs'> {
    const mark = this.changes.get(address, port);
    if (!mark) return 'not-changed';
    const pattern = hostPattern(address, port);
    const r = this.replacements.get(`${pattern} ${fingerprint}`);
    if (mark.fingerprint !== fingerprint || !r) return 'fingerprint-differs';
    await this.add(pattern, r.keyType, r.key, true);
    this.replacements.delete(`${pattern} ${fingerprint}`);
    this.changes.clear(address, port);
    return 'replaced';
  }

  /** Append a key line; with `replace`, drop every other line of that host first (hashed ones too). */
  private async add(pattern: string, keyType: string, key: string, replace = false): Promise<void> {
    // Serialise read-modify-write so parallel trusts cannot drop each other's lines.
    const run = this.lock.then(async () => {
      let text = '';
      try {
        text = await readFile(this.path, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        await mkdir(join(this.path, '..'), { recursive: true });
      }
      if (replace) text = text.split('\n').filter((l) => !KnownHosts.lineNames(l, pattern)).join('\n');
      if (text && !text.endsWith('\n')) text += '\n';
      await writeFileAtomic(this.path, `${text}${pattern} ${keyType} ${key}\n`, 0o600);
    });
    this.lock = run.catch(() => {});
    return run;
  }
}
