import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lab, trustLabHostKeys, type LabStatus } from '../../../scripts/test-support/lab.js';
import { causedBy, causeChain } from '../../contract/index.js';
import { MemorySecretStore } from '../secrets/secret-store.js';
import type { SshTarget } from './connect.js';
import { KnownHosts } from './known-hosts.js';
import { SshPool } from './pool.js';

// Integration, against the lab's real sshd: how a command ended, and why a jump host could not
// reach its target, come with reasons the renderer words in the technician's language (the
// English message stays the log's). Nothing here is mocked.
let status: LabStatus;
let pool: SshPool;

const node = (i: number, extra: Partial<SshTarget> = {}): SshTarget => ({
  id: `node${i}-reasons-${Object.keys(extra).join('')}`,
  address: status.nodes[i - 1]!.address,
  port: 22,
  user: 'root',
  auth: { method: 'key', keyPath: status.keyPath },
  ...extra,
});

beforeAll(async () => {
  status = await lab.status();
  const dataDir = await mkdtemp(join(tmpdir(), 'rs-exec-reasons-'));
  await trustLabHostKeys(dataDir, [1, 2]);
  pool = new SshPool({ knownHosts: new KnownHosts(dataDir), secrets: new MemorySecretStore() });
});

afterAll(() => pool?.closeAll());

describe('reasons of a command and of a jump', () => {
  it('a command that exits non-zero, one killed by a timeout, one on a port nothing listens on', async () => {
    const failed = await pool.host(node(1)).exec({ argv: ['sh', '-c', 'exit 3'] });
    expect(failed).toMatchObject({ status: 'failed', reason: 'exec-exit', params: { code: 3 } });
    const slow = await pool.host(node(1)).exec({ argv: ['sleep', '30'] }, { timeoutMs: 500 });
    expect(slow).toMatchObject({ status: 'timeout', reason: 'exec-timeout', params: { ms: 500 } });
    const closed = await pool.host(node(1, { port: 1 })).exec({ argv: ['true'] });
    expect(closed).toMatchObject({ status: 'connect-failed', reason: 'conn-refused' });
    // As the runner journals it for the screen: run-action-failed's detail is worded from the cause.
    expect(causedBy(failed)).toMatchObject({ cause: 'exec-exit', code: 3 });
  });

  it('a jump host that cannot reach its target names both, the cause worded from conn-refused', async () => {
    const target = node(2, { port: 1, jump: node(1) });
    const r = await pool.host(target).exec({ argv: ['true'] });
    expect(r.status).toBe('connect-failed');
    expect(r.reason).toBe('conn-jump-no-route');
    expect(r.params).toMatchObject({ jump: status.nodes[0]!.address, target: `${status.nodes[1]!.address}:1` });
    expect(causeChain(r.params?.cause)).toEqual(['conn-refused']);
  });
});
