import { createHmac, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fingerprintOf, keyTypeOf, KnownHosts } from './known-hosts.js';

// An ed25519 public key blob in SSH wire format (type string + 32-byte key).
function blob(seed: number) {
  const t = Buffer.from('ssh-ed25519');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(t.length);
  const klen = Buffer.alloc(4);
  klen.writeUInt32BE(32);
  return Buffer.concat([len, t, klen, Buffer.alloc(32, seed)]);
}

describe('KnownHosts', () => {
  it('holds a first-contact key as pending until trusted, then trusts it; a different key is "changed"', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rs-kh-'));
    const kh = new KnownHosts(dir);
    const k = blob(1);
    const v1 = await kh.verify('10.0.0.1', 22, k);
    expect(v1).toEqual({ kind: 'unknown', fingerprint: fingerprintOf(k), keyType: 'ssh-ed25519' });
    expect(await kh.trustPending('10.0.0.1', 22, 'SHA256:' + 'A'.repeat(43))).toBe(false);
    expect(await kh.trustPending('10.0.0.1', 22, v1.fingerprint)).toBe(true);
    expect((await kh.verify('10.0.0.1', 22, k)).kind).toBe('trusted');
    const changed = await kh.verify('10.0.0.1', 22, blob(2));
    expect(changed).toMatchObject({ kind: 'changed', knownFingerprints: [v1.fingerprint] });
    // Another port is another host.
    expect((await kh.verify('10.0.0.1', 2222, k)).kind).toBe('unknown');
    const text = await readFile(kh.path, 'utf8');
    expect(text).toBe(`10.0.0.1 ssh-ed25519 ${k.toString('base64')}\n`);
    expect((await stat(kh.path)).mode & 0o777).toBe(0o600);
  });

  it('reads OpenSSH hashed and [host]:port entries', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rs-kh-'));
    const salt = randomBytes(20);
    const hash = createHmac('sha1', salt).update('[10.0.0.2]:2222').digest();
    await writeFile(join(dir, 'known_hosts'), `|1|${salt.toString('base64')}|${hash.toString('base64')} ssh-ed25519 ${blob(3).toString('base64')}\n`);
    const kh = new KnownHosts(dir);
    expect((await kh.verify('10.0.0.2', 2222, blob(3))).kind).toBe('trusted');
    expect(await kh.knownKeyTypes('10.0.0.2', 2222)).toEqual(['ssh-ed25519']);
  });

  it('computes fingerprints the way ssh-keygen -l prints them', () => {
    expect(fingerprintOf(blob(1))).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(keyTypeOf(blob(1))).toBe('ssh-ed25519');
  });
});
