#!/usr/bin/env -S npx tsx
/**
 * Fan-out benchmark (docs/architecture.md, Budgets): connect to every lab node and run
 * `uname -a; nproc; lsblk -J`, with Rackside's SSH engine, parallel-ssh (Debian's pssh) and
 * `ansible all -m setup` (Debian's ansible-core), in the same run, cold connections each time.
 * Reports medians and ratios to the peers measured in that run.
 *
 *   sudo npx tsx scripts/bench/fanout.ts [--nodes 4,32] [--runs 5]
 *
 * It brings the lab up with each node count in turn (and leaves it down at the end).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { lab, trustLabHostKeys } from '../test-support/lab.js';
import { MemorySecretStore } from '../../electron/services/secrets/secret-store.js';
import { KnownHosts } from '../../electron/services/ssh/known-hosts.js';
import { SshPool } from '../../electron/services/ssh/pool.js';

const COMMAND = 'uname -a; nproc; lsblk -J';
const { values } = parseArgs({ options: { nodes: { type: 'string', default: '4,32' }, runs: { type: 'string', default: '5' } } });
const counts = values.nodes!.split(',').map(Number);
const runs = Number(values.runs);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function need(cmd: string, pkg: string) {
  if (spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0) {
    console.error(`${cmd} is missing: apt-get install ${pkg}`);
    process.exit(1);
  }
}
need('parallel-ssh', 'pssh');
need('ansible', 'ansible-core');

async function rackside(dataDir: string, addresses: string[], keyPath: string): Promise<number> {
  const pool = new SshPool({ knownHosts: new KnownHosts(dataDir), secrets: new MemorySecretStore() });
  const t0 = performance.now();
  const results = await Promise.all(
    addresses.map((address, i) =>
      pool.host({ id: `n${i}`, address, port: 22, user: 'root', auth: { method: 'key', keyPath } }).run({ script: COMMAND }),
    ),
  );
  const ms = performance.now() - t0;
  pool.closeAll();
  const bad = results.filter((r) => r.status !== 'ok' || !r.stdout.includes('blockdevices'));
  if (bad.length) throw new Error(`rackside: ${bad.length} hosts failed: ${bad[0]!.message}`);
  return ms;
}

function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 256 * 1024 * 1024 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr.slice(0, 2000)}${r.stdout.slice(0, 2000)}`);
  return ms;
}

const rows: string[] = [];
for (const n of counts) {
  console.log(`\n== ${n} nodes`);
  execFileSync('bash', ['scripts/lab/lab', 'down'], { stdio: 'inherit' });
  execFileSync('bash', ['scripts/lab/lab', 'up', '--nodes', String(n)], { stdio: 'inherit' });
  const s = await lab.status();
  const addresses = s.nodes.map((x) => x.address);
  const dir = await mkdtemp(join(tmpdir(), 'rs-fanout-'));
  await trustLabHostKeys(dir, addresses.map((_, i) => i + 1));
  const knownHosts = join(dir, 'known_hosts');
  await writeFile(join(dir, 'hosts'), addresses.join('\n') + '\n');
  await writeFile(
    join(dir, 'inventory.ini'),
    `[lab]\n${addresses.join('\n')}\n[lab:vars]\nansible_user=root\nansible_ssh_private_key_file=${s.keyPath}\nansible_python_interpreter=/usr/bin/python3\n`,
  );
  // The same OpenSSH options for both peers: strict host keys from the same file, the lab key.
  const sshOpts = [`UserKnownHostsFile=${knownHosts}`, 'StrictHostKeyChecking=yes', `IdentityFile=${s.keyPath}`, 'IdentitiesOnly=yes', 'BatchMode=yes'];
  const pssh = () =>
    timed('parallel-ssh', ['-h', join(dir, 'hosts'), '-l', 'root', '-p', String(Math.max(32, n)), '-t', '60', '-i', ...sshOpts.flatMap((o) => ['-O', o]), COMMAND]);
  // Ansible keeps its default connection reuse (ControlMaster/ControlPersist) within a run, with a
  // fresh control-socket folder per run so no run starts with warm connections.
  let ansibleRun = 0;
  const ansible = () =>
    timed('ansible', ['all', '-i', join(dir, 'inventory.ini'), '-m', 'setup', '-f', String(Math.max(32, n))], {
      ANSIBLE_HOST_KEY_CHECKING: 'True',
      ANSIBLE_SSH_ARGS: ['-C -o ControlMaster=auto -o ControlPersist=60s', ...sshOpts.map((o) => `-o ${o}`)].join(' '),
      ANSIBLE_SSH_CONTROL_PATH_DIR: join(dir, `cp-${ansibleRun++}`),
      ANSIBLE_STDOUT_CALLBACK: 'oneline',
      ANSIBLE_LOCAL_TEMP: join(dir, 'ansible-tmp'),
      ANSIBLE_GATHERING: 'explicit',
    });

  // One warm-up of each (page cache, Python bytecode), not counted.
  await rackside(dir, addresses, s.keyPath);
  pssh();
  ansible();
  const t = { rackside: [] as number[], pssh: [] as number[], ansible: [] as number[] };
  for (let r = 0; r < runs; r++) {
    // Interleaved, so drift in machine load hits all three alike.
    t.rackside.push(await rackside(dir, addresses, s.keyPath));
    t.pssh.push(pssh());
    t.ansible.push(ansible());
    console.log(`run ${r + 1}: rackside ${t.rackside.at(-1)!.toFixed(0)} ms, parallel-ssh ${t.pssh.at(-1)!.toFixed(0)} ms, ansible ${t.ansible.at(-1)!.toFixed(0)} ms`);
  }
  const m = { rackside: median(t.rackside), pssh: median(t.pssh), ansible: median(t.ansible) };
  rows.push(
    `| ${n} | ${m.rackside.toFixed(0)} | ${m.pssh.toFixed(0)} | ${m.ansible.toFixed(0)} | ${(m.rackside / m.pssh).toFixed(2)}x | ${(m.rackside / m.ansible).toFixed(2)}x |`,
  );
}
execFileSync('bash', ['scripts/lab/lab', 'down'], { stdio: 'inherit' });

console.log(`\nFan-out: connect + \`${COMMAND}\` on every node, medians of ${runs} runs (ms), cold connections each run`);
console.log('| nodes | rackside | parallel-ssh | ansible -m setup | rackside/pssh | rackside/ansible |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
console.log('Targets at 32 nodes: rackside/pssh <= 1.0x, rackside/ansible <= 0.33x');
