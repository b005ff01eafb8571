import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lab, trustLabHostKeys, type LabStatus } from '../../../scripts/test-support/lab.js';
import { MemorySecretStore } from '../secrets/secret-store.js';
import { connect } from '../ssh/connect.js';
import { KnownHosts } from '../ssh/known-hosts.js';
import { buildKit, KIT_KEYRING } from './build.js';
import { serveKitOver, type KitForward } from './serve.js';

/**
 * The site kit served to a lab node through its SSH connection (a remote port forward on the
 * node's loopback), and apt on the node — with no other source, checking the kit's signature
 * with `signed-by=` — fetching a package from it. Real sshd, real apt on both sides.
 */
const CACHE = process.env.RACKSIDE_LAB_CACHE ?? '/var/cache/rackside-lab';
const NODE = 4;
let status: LabStatus;
let dir: string;
let client: Client;
let forward: KitForward | undefined;

const exec = (cmd: string): Promise<{ code: number; out: string }> =>
  new Promise((resolve, reject) =>
    client.exec(cmd, (err, ch) => {
      if (err) return reject(err);
      let out = '';
      ch.on('data', (d: Buffer) => (out += d.toString()));
      ch.stderr.on('data', (d: Buffer) => (out += d.toString()));
      ch.on('close', (code: number) => resolve({ code, out }));
    }),
  );

beforeAll(async () => {
  status = await lab.status();
  dir = await mkdtemp(join(tmpdir(), 'rs-kit-serve-'));
  await trustLabHostKeys(join(dir, 'data'), [NODE]);
  const n = status.nodes[NODE - 1]!;
  ({ client } = await connect(
    { id: 'kit-node', address: n.address, port: 22, user: 'root', auth: { method: 'key', keyPath: status.keyPath } },
    { knownHosts: new KnownHosts(join(dir, 'data')), secrets: new MemorySecretStore() },
  ));
}, 60_000);

afterAll(async () => {
  await forward?.close();
  await exec('rm -rf /tmp/rs-kit').catch(() => undefined);
  client?.end();
  await rm(dir, { recursive: true, force: true });
});

describe('the site kit served through the SSH connection', () => {
  it('apt on the node, with the kit as its only source and signed-by, downloads a package through the tunnel', async () => {
    // The kit: jq (not in the nodes' minimal system) from the lab repository, resolved against the rootfs' state.
    const kit = join(dir, 'kit');
    const m = await buildKit({
      dir: kit, target: { release: 'bookworm', arch: 'amd64' }, gnupgHome: join(dir, 'gnupg'), app: 'rackside-test',
      sources: [{ uri: `file:${join(CACHE, 'repo')}`, suite: './', components: [], trusted: true }],
      status: join(CACHE, 'rootfs/var/lib/dpkg/status'),
      needs: [{ package: 'jq', neededBy: 'test' }],
    });
    expect(m.files.map((f) => f.package)).toContain('jq');
    forward = await serveKitOver(client, kit);
    const keyring = (await readFile(join(kit, KIT_KEYRING))).toString('base64');
    const aptOpts = '-o Dir::Etc::sourcelist=/tmp/rs-kit/kit.list -o Dir::Etc::sourceparts=- -o Dir::State::lists=/tmp/rs-kit/lists -o Dir::Cache::archives=/tmp/rs-kit/archives -o Debug::NoLocking=1 -o APT::Sandbox::User=root';
    const setup = [
      'set -e', 'rm -rf /tmp/rs-kit', 'mkdir -p /tmp/rs-kit/lists/partial /tmp/rs-kit/archives/partial',
      `echo ${keyring} | base64 -d > /tmp/rs-kit/rackside-kit.gpg`,
      `echo 'deb [signed-by=/tmp/rs-kit/rackside-kit.gpg] http://127.0.0.1:${forward.port}/bookworm-amd64/ ./' > /tmp/rs-kit/kit.list`,
      `apt-get ${aptOpts} update`,
      `apt-get ${aptOpts} install -y --download-only --no-install-recommends jq`,
      'ls /tmp/rs-kit/archives',
    ].join('\n');
    const r = await exec(setup);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/jq_[^ ]+_amd64\.deb/);
    expect(r.out).not.toMatch(/NO_PUBKEY|not signed|insecure/i);
    // Every byte apt read came through the forward.
    expect(forward.stats.bytes).toBeGreaterThan(m.files.find((f) => f.package === 'jq')!.size);
    const sha = (await exec(`sha256sum /tmp/rs-kit/archives/jq_*.deb`)).out.split(' ')[0];
    expect(sha).toBe(m.files.find((f) => f.package === 'jq')!.sha256);
  }, 120_000);

  it('answers nothing outside the kit: no path escape, no hidden folders, no writes', async () => {
    const p = forward!.port;
    const code = async (args: string) => (await exec(`python3 - <<'EOF'\nimport http.client\nc=http.client.HTTPConnection('127.0.0.1', ${p})\n${args}\nprint(c.getresponse().status)\nEOF`)).out.trim();
    expect(await code(`c.request('GET', '/../../etc/passwd')`)).toMatch(/^40[34]$/);
    expect(await code(`c.request('GET', '/%2e%2e/%2e%2e/etc/passwd')`)).toMatch(/^40[34]$/);
    expect(await code(`c.request('GET', '/.apt/bookworm-amd64/etc/apt/sources.list')`)).toBe('404');
    expect(await code(`c.request('PUT', '/bookworm-amd64/Packages', body='x')`)).toBe('405');
    expect(await code(`c.request('GET', '/bookworm-amd64/Packages')`)).toBe('200');
  }, 60_000);

  it('closing the forward ends the service on the node', async () => {
    const p = forward!.port;
    await forward!.close();
    forward = undefined;
    const r = await exec(`python3 -c "import socket; s=socket.socket(); s.settimeout(3); print(s.connect_ex(('127.0.0.1', ${p})))"`);
    expect(r.out.trim()).not.toBe('0');
  }, 60_000);
});
