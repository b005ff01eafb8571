#!/usr/bin/env -S npx tsx
/**
 * Site kit benchmark (issue 22): (1) kit size and build time per profile's package set, from the
 * lab's repository standing in for the office mirror, against the lab rootfs' package state, cold
 * (empty kit) and warm (a rebuild: nothing to download); (2) serving throughput to a lab node
 * through the SSH connection (remote port forward, serve.ts) against a direct HTTP download from
 * the laptop on the lab bridge, same file, same run.
 *
 *   sudo RACKSIDE_LAB_INSTANCE=49 npx tsx scripts/bench/kit.ts [--runs 5] [--mb 64]
 *
 * Needs a lab up on that instance (`scripts/lab/lab up --nodes 1`). The package sets below are the
 * master install's (base platform) and the profiles' as planned for a master on Debian 12; the
 * bench prints them, so a change in the steps shows here as a different set.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Client } from 'ssh2';
import { buildKit } from '../../electron/services/kit/build.js';
import { kitHandler, serveKitOver } from '../../electron/services/kit/serve.js';
import { MemorySecretStore } from '../../electron/services/secrets/secret-store.js';
import { connect } from '../../electron/services/ssh/connect.js';
import { KnownHosts } from '../../electron/services/ssh/known-hosts.js';
import { lab, trustLabHostKeys } from '../test-support/lab.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, mb: { type: 'string', default: '64' } } });
const runs = Number(values.runs);
const mb = Number(values.mb);
const CACHE = process.env.RACKSIDE_LAB_CACHE ?? '/var/cache/rackside-lab';

const BASE = ['chrony', 'nftables', 'prometheus-node-exporter', 'prometheus', 'keepalived', 'haproxy'];
const SETS: Record<string, string[]> = {
  base: BASE,
  slurm: [...BASE, 'slurmctld', 'slurmd', 'munge', 'slurm-client'],
  pacemaker: [...BASE, 'pacemaker', 'corosync', 'pcs', 'resource-agents', 'pacemaker-cli-utils'],
};

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function exec(client: Client, cmd: string): Promise<string> {
  return new Promise((resolve, reject) =>
    client.exec(cmd, (err, ch) => {
      if (err) return reject(err);
      let out = '';
      ch.on('data', (d: Buffer) => (out += d.toString()));
      ch.stderr.on('data', (d: Buffer) => (out += d.toString()));
      ch.on('close', (code: number) => (code === 0 ? resolve(out) : reject(new Error(`${cmd}: exit ${code}: ${out}`))));
    }),
  );
}

/** Seconds the node takes to read `url` to the end (timed on the node, so SSH exec setup is not counted). */
async function fetchSeconds(client: Client, url: string): Promise<number> {
  const out = await exec(client, `python3 -c "
import time, urllib.request
t = time.monotonic(); n = 0
with urllib.request.urlopen('${url}') as r:
    while True:
        b = r.read(1 << 20)
        if not b: break
        n += len(b)
print(n, time.monotonic() - t)"`);
  const [n, s] = out.trim().split(' ').map(Number);
  if (n !== mb * 1024 * 1024) throw new Error(`read ${n} bytes of ${mb} MiB`);
  return s!;
}

async function main() {
  const work = await mkdtemp(join(tmpdir(), 'rs-bench-kit-'));
  const source = [{ uri: `file:${join(CACHE, 'repo')}`, suite: './', components: [], trusted: true }];
  const status = join(CACHE, 'rootfs/var/lib/dpkg/status');
  console.log('Kit per profile (lab repository as the office mirror, against the lab rootfs):');
  console.log('profile     packages  files   size MB  cold s  warm s');
  for (const [profile, pkgs] of Object.entries(SETS)) {
    const dir = join(work, `kit-${profile}`);
    const o = { dir, target: { release: 'bookworm', arch: 'amd64' }, sources: source, status, gnupgHome: join(work, 'gnupg'), app: 'bench', needs: pkgs.map((p) => ({ package: p, neededBy: profile })) };
    let t0 = performance.now();
    const m = await buildKit(o);
    const cold = (performance.now() - t0) / 1000;
    t0 = performance.now();
    await buildKit(o);
    const warm = (performance.now() - t0) / 1000;
    console.log(`${profile.padEnd(11)} ${String(pkgs.length).padStart(8)}  ${String(m.files.length).padStart(5)}  ${(m.totalBytes / 1e6).toFixed(1).padStart(8)}  ${cold.toFixed(2).padStart(6)}  ${warm.toFixed(2).padStart(6)}`);
  }

  // Throughput: the same random file, through the forward and directly on the lab bridge.
  const s = await lab.status();
  await trustLabHostKeys(join(work, 'data'), [1]);
  const n = s.nodes[0]!;
  const { client } = await connect(
    { id: 'bench', address: n.address, port: 22, user: 'root', auth: { method: 'key', keyPath: s.keyPath } },
    { knownHosts: new KnownHosts(join(work, 'data')), secrets: new MemorySecretStore() },
  );
  const blobDir = join(work, 'blob');
  await (await import('node:fs/promises')).mkdir(blobDir);
  await writeFile(join(blobDir, 'blob'), randomBytes(mb * 1024 * 1024));
  const fwd = await serveKitOver(client, blobDir);
  const { server } = kitHandler(blobDir);
  const bridge = n.address.replace(/\.\d+$/, '.1');
  await new Promise<void>((r) => server.listen(0, bridge, () => r()));
  const port = (server.address() as { port: number }).port;
  const tunnel: number[] = [];
  const direct: number[] = [];
  for (let i = 0; i < runs; i++) {
    tunnel.push(await fetchSeconds(client, `http://127.0.0.1:${fwd.port}/blob`));
    direct.push(await fetchSeconds(client, `http://${bridge}:${port}/blob`));
  }
  const mbps = (sec: number) => (mb * 1.048576) / sec;
  console.log(`\nServing ${mb} MiB to ${n.name}, ${runs} runs each (MB/s, median [min–max]):`);
  console.log(`  through the SSH connection (forwardIn): ${mbps(median(tunnel)).toFixed(1)} [${mbps(Math.max(...tunnel)).toFixed(1)}–${mbps(Math.min(...tunnel)).toFixed(1)}]`);
  console.log(`  direct HTTP on the lab bridge:          ${mbps(median(direct)).toFixed(1)} [${mbps(Math.max(...direct)).toFixed(1)}–${mbps(Math.min(...direct)).toFixed(1)}]`);
  console.log(`  ratio tunnel/direct: ${(median(direct) / median(tunnel)).toFixed(2)}`);
  console.log(`  load: ${(await (await import('node:fs/promises')).readFile('/proc/loadavg', 'utf8')).trim()}`);
  await fwd.close();
  server.close();
  client.end();
  await rm(work, { recursive: true, force: true });
}

await main();
