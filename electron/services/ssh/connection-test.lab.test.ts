import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Host } from '../../contract/index.js';
import { lab, type LabStatus } from '../../../scripts/test-support/lab.js';
import { parseInventoryFile } from '../inventory/import.js';
import { createLogger } from '../log/logger.js';
import { MemorySecretStore } from '../secrets/secret-store.js';
import { testConnections } from './connection-test.js';
import { KnownHosts } from './known-hosts.js';

// Integration: the lab's real OpenSSH servers (scripts/lab), no mocks.
let status: LabStatus;
let hosts: Host[];
let dataDir: string;
let knownHosts: KnownHosts;
const secrets = new MemorySecretStore();
const logLines: string[] = [];
const log = createLogger((l) => logLines.push(l));
const CANARY = 'canary-Wr0ng-pa$$word-7f3c';

beforeAll(async () => {
  status = await lab.status();
  const inv = await lab.inventoryText();
  const parsed = parseInventoryFile(inv.path, inv.text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  hosts = parsed.value.hosts.slice(0, 4);
  dataDir = await mkdtemp(join(tmpdir(), 'rs-conn-'));
  knownHosts = new KnownHosts(dataDir);
});

afterAll(async () => {
  // Leave the lab as we found it even if a test failed half-way.
  await lab.run('sshd', 'start', '3').catch(() => {});
});

describe('connection test against the lab', () => {
  it('first contact shows each node\'s real fingerprint and sends nothing until it is trusted', async () => {
    const first = await testConnections(hosts, { knownHosts, secrets });
    expect(first.map((r) => r.status)).toEqual(['hostkey-unknown', 'hostkey-unknown', 'hostkey-unknown', 'hostkey-unknown']);
    for (const [i, r] of first.entries()) {
      // ssh-keygen on the node itself is the reference fingerprint.
      const keygen = await lab.exec(i + 1, 'ssh-keygen', '-lf', '/etc/ssh/ssh_host_ed25519_key.pub');
      expect(keygen.split(' ')[1]).toBe(r.fingerprint);
      expect(r.keyType).toBe('ssh-ed25519');
    }
    for (const r of first) expect(await knownHosts.trustPending(r.address, r.port, r.fingerprint!)).toBe(true);

    const second = await testConnections(hosts, { knownHosts, secrets });
    expect(second.map((r) => [r.status, r.hostname])).toEqual([
      ['ok', 'node1'],
      ['ok', 'node2'],
      ['ok', 'node3'],
      ['ok', 'node4'],
    ]);
    expect(second[0]!.os).toMatch(/Debian/);
    expect(second.map((r) => r.fingerprint)).toEqual(first.map((r) => r.fingerprint));
  });

  it('reports "refused" within 10 s for the node whose sshd is stopped, while the others connect', async () => {
    await lab.run('sshd', 'stop', '3');
    try {
      const t0 = Date.now();
      const results = await testConnections(hosts, { knownHosts, secrets });
      expect(Date.now() - t0).toBeLessThan(10_000);
      expect(results.map((r) => r.status)).toEqual(['ok', 'ok', 'refused', 'ok']);
      expect(results[2]!.message).toMatch(/Connection refused/);
      // The screen words it from reasons.conn-refused in the technician's language.
      expect(results[2]!.reason).toBe('conn-refused');
    } finally {
      await lab.run('sshd', 'start', '3');
    }
  });

  it('reports "authentication failed" for the one host with a wrong password, and never writes the password', async () => {
    const withPasswords: Host[] = hosts.map((h) => ({ ...h, auth: { method: 'password' } }));
    for (const h of withPasswords) secrets.set(h.id, 'password', status.password);
    secrets.set(withPasswords[1]!.id, 'password', CANARY);
    const results = await testConnections(withPasswords, {
      knownHosts,
      secrets,
      onResult: (r) => log.info('connection result', { ...r }),
    });
    expect(results.map((r) => r.status)).toEqual(['ok', 'auth-failed', 'ok', 'ok']);
    expect(results[1]!.message).toMatch(/Authentication failed/);
    // The screen words it from reasons.conn-auth-failed in the technician's language.
    expect(results[1]!.reason).toBe('conn-auth-failed');
    expect(JSON.stringify(results)).not.toContain(CANARY);
    expect(logLines.join('\n')).not.toContain(CANARY);
    for (const f of await readdir(dataDir)) expect(await readFile(join(dataDir, f), 'utf8')).not.toContain(CANARY);
  });

  it('stops with "host key changed" after a node\'s host key is regenerated', async () => {
    await lab.run('hostkey', 'regen', '4');
    const results = await testConnections(hosts.slice(3), { knownHosts, secrets });
    expect(results[0]!.status).toBe('hostkey-changed');
    expect(results[0]!.message).toMatch(/HOST KEY CHANGED/);
    // The screen words it from reasons.conn-hostkey-changed in the technician's language.
    expect(results[0]!.reason).toBe('conn-hostkey-changed');
  });
});
