#!/usr/bin/env -S npx tsx
/**
 * Scale benchmark (issue 21): the step runner's preflight and hardware steps on N lab nodes, wall
 * time beside parallel-ssh (Debian's pssh) running the same scripts on the same hosts, in the same
 * run, interleaved so drift in machine load hits both alike.
 *
 *   sudo RACKSIDE_LAB_INSTANCE=K npm run bench:scale -- [--nodes 32,100] [--runs 3]
 *
 * One lab of the largest count serves every count (the first N nodes); it is brought up when it
 * has fewer nodes and left up at the end. Every run is cold: a new connection pool for each step,
 * a new project (journal), and Rackside's work folder removed from the nodes first (untimed), so
 * the preflight's work-folder action runs rather than its probe saying "already done".
 *
 * What each side does per host and step:
 * - Rackside: the run lock (acquire, orphan check, release), each action journaled (fsync'd
 *   before it starts) with its transcript, over one SSH connection per host, hosts in parallel,
 *   32 handshakes at a time (SshPool's connect limit);
 * - parallel-ssh: one ssh session per host running the step's actions' command lines in order
 *   (`sh -c '<script>' sh <args>`, as commandLine builds them), `-p N` (every host at once, as the
 *   runner) and `-p 32` (sessions, not just handshakes, 32 at a time).
 * The work-folder action's one per-host argument (the host id) becomes "$(hostname)" for
 * parallel-ssh, which runs one command line on every host: the bench's host ids are the node names.
 * It also counts MaxListenersExceededWarning and the most abort listeners any one AbortSignal held.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { lab, type LabStatus } from '../../test-support/lab.js';
import type { Project } from '../../../electron/contract/index.js';
import { createLogger } from '../../../electron/services/log/logger.js';
import { saveProject } from '../../../electron/services/project/project-store.js';
import { Runbook } from '../../../electron/services/runbook/engine.js';
import type { StepModule } from '../../../electron/services/runbook/step-module.js';
import { MemorySecretStore } from '../../../electron/services/secrets/secret-store.js';
import { KnownHosts } from '../../../electron/services/ssh/known-hosts.js';
import { SshPool } from '../../../electron/services/ssh/pool.js';
import { commandLine, quoteArg } from '../../../electron/services/ssh/quote.js';
import { hardwareStep } from '../../../electron/services/steps/hardware/step.js';
import { preflightStep, WORK_DIR } from '../../../electron/services/steps/preflight/step.js';
import { stepRegistry } from '../../../electron/services/steps/registry.js';

const { values } = parseArgs({ options: { nodes: { type: 'string', default: '32,100' }, runs: { type: 'string', default: '3' } } });
const counts = values.nodes!.split(',').map(Number).sort((a, b) => a - b);
const runs = Number(values.runs);
const STEPS: StepModule[] = [preflightStep, hardwareStep];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const sec = (ms: number) => (ms / 1000).toFixed(1);

function ensurePssh() {
  if (spawnSync('sh', ['-c', 'command -v parallel-ssh']).status === 0) return;
  if (process.getuid?.() !== 0) {
    console.error('parallel-ssh is missing: sudo apt-get install pssh');
    process.exit(1);
  }
  console.log('parallel-ssh is missing: installing Debian\'s pssh');
  execFileSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'pssh'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

// The listener probe: Node's own count, read whenever an abort listener is added.
let peakListeners = 0;
let listenerWarnings = 0;
process.on('warning', (w) => {
  if (w.name === 'MaxListenersExceededWarning') listenerWarnings++;
});
const inherited = EventTarget.prototype.addEventListener;
Object.defineProperty(AbortSignal.prototype, 'addEventListener', {
  configurable: true,
  writable: true,
  value: function (this: AbortSignal, ...args: Parameters<EventTarget['addEventListener']>) {
    inherited.apply(this, args);
    if (args[0] === 'abort') peakListeners = Math.max(peakListeners, getEventListeners(this, 'abort').length);
  },
});

ensurePssh();
let status: LabStatus = await lab.status();
const want = counts.at(-1)!;
if (!status.up || status.nodes.length < want || !status.nodes.every((n) => n.sshd)) {
  if (status.up) execFileSync('bash', ['scripts/lab/lab', 'down'], { stdio: 'inherit' });
  execFileSync('bash', ['scripts/lab/lab', 'up', '--nodes', String(want)], { stdio: 'inherit' });
  status = await lab.status();
}
const dir = await mkdtemp(join(tmpdir(), 'rs-scale-'));
console.log(`reading ${want} host keys from the nodes…`);
const knownHosts = join(dir, 'known_hosts');
await hostKeys(want);
const sshOpts = [`UserKnownHostsFile=${knownHosts}`, 'StrictHostKeyChecking=yes', `IdentityFile=${status.keyPath}`, 'IdentitiesOnly=yes', 'BatchMode=yes'];
const silent = createLogger(() => {});

/** known_hosts from the nodes' ed25519 keys, read inside each node (as trustLabHostKeys), 8 at a time. */
async function hostKeys(n: number) {
  const lines: string[] = new Array<string>(n);
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    for (let i = next++; i < n; i = next++) {
      const [type, key] = (await lab.exec(i + 1, 'cat', '/etc/ssh/ssh_host_ed25519_key.pub')).trim().split(/\s+/);
      lines[i] = `${status.nodes[i]!.address} ${type} ${key}`;
    }
  }));
  await writeFile(knownHosts, lines.join('\n') + '\n', { mode: 0o600 });
}

function hostsOf(n: number) {
  return status.nodes.slice(0, n).map((node) => ({
    id: node.name, name: node.name, address: node.address, port: 22, user: 'root',
    role: node.name === 'node1' ? ('master' as const) : ('worker' as const),
    auth: { method: 'key' as const, keyPath: status.keyPath },
  }));
}

/** The step's actions, in order, as one shell line for every host (see the header on the host id). */
function psshLine(step: StepModule, n: number): string {
  const hosts = hostsOf(n);
  const project: Project = { version: 1, site: 'Lab', customer: 'Scale bench', technician: 'bench', hosts };
  const plan = step.plan(project, { hosts }) as Map<string, { command: Parameters<typeof commandLine>[0] }[]>;
  const actions = plan.get(hosts[0]!.id)!;
  return actions
    .map(({ command }) => commandLine(command).split(quoteArg(hosts[0]!.id)).join('"$(hostname)"'))
    .join(' && ');
}

function pssh(n: number, parallel: number, line: string, hostsFile: string): number {
  const out = join(dir, `pssh-out-${n}-${parallel}`);
  const t0 = performance.now();
  const r = spawnSync('parallel-ssh', ['-h', hostsFile, '-l', 'root', '-p', String(parallel), '-t', '180', '-o', out, ...sshOpts.flatMap((o) => ['-O', o]), line], {
    encoding: 'utf8', maxBuffer: 256 * 1024 * 1024,
  });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`parallel-ssh -p ${parallel} failed (${r.status}): ${r.stdout.slice(-2000)}${r.stderr.slice(-2000)}`);
  return ms;
}

/** Rackside's work folder off the nodes (untimed), so no run finds the last run's marker. */
function clean(hostsFile: string, n: number) {
  const r = spawnSync('parallel-ssh', ['-h', hostsFile, '-l', 'root', '-p', String(n), '-t', '60', ...sshOpts.flatMap((o) => ['-O', o]), `rm -rf ${WORK_DIR}`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`clean-up failed: ${r.stdout.slice(-1000)}`);
}

/** Each step with a pool and runner of its own: cold connections, as parallel-ssh's per step. */
async function rackside(n: number): Promise<Record<string, number>> {
  const projectDir = join(await mkdtemp(join(dir, 'project-')), 'project');
  const saved = await saveProject(projectDir, { version: 1, site: 'Lab', customer: 'Scale bench', technician: 'bench', hosts: hostsOf(n) });
  if (!saved.ok) throw new Error(saved.error.message);
  const ms: Record<string, number> = {};
  for (const step of STEPS) {
    const secrets = new MemorySecretStore();
    const pool = new SshPool({ knownHosts: new KnownHosts(dir), secrets });
    const rb = new Runbook({ pool, secrets, steps: stepRegistry(STEPS), emit: () => {}, log: silent });
    try {
      const t0 = performance.now();
      const started = await rb.start(projectDir, step.id);
      if (!started.ok) throw new Error(started.error.message);
      const run = await rb.whenDone(started.value.runId);
      ms[step.id] = performance.now() - t0;
      if (step === STEPS.at(-1)) {
        global.gc?.();
        const m = process.memoryUsage();
        ms.rssMiB = m.rss / 1024 / 1024;
        ms.heapMiB = m.heapUsed / 1024 / 1024;
      }
      const bad = run?.hosts.filter((h) => h.status !== 'done') ?? [];
      if (run?.status !== 'completed') throw new Error(`rackside ${step.id}: ${run?.status}, ${bad.length} hosts not done: ${bad.slice(0, 3).map((h) => `${h.name} ${h.status} ${h.message ?? ''}`).join('; ')}`);
    } finally {
      await rb.close();
      pool.closeAll();
    }
  }
  return ms;
}

const rows: string[] = [];
const memory: { n: number; rss: number; heap: number }[] = [];
for (const n of counts) {
  console.log(`\n== ${n} nodes`);
  const hostsFile = join(dir, `hosts-${n}`);
  await writeFile(hostsFile, status.nodes.slice(0, n).map((x) => x.address).join('\n') + '\n');
  const lines = Object.fromEntries(STEPS.map((s) => [s.id, psshLine(s, n)]));
  const t: Record<string, number[]> = {};
  const add = (k: string, v: number) => (t[k] ??= []).push(v);
  peakListeners = 0;
  listenerWarnings = 0;
  // One warm-up of each (page cache, the nodes' first sshd forks), not counted.
  for (let r = 0; r <= runs; r++) {
    clean(hostsFile, n);
    const rs = await rackside(n);
    // With N <= 32 both are the same: -p N is reported for both.
    for (const parallel of n > 32 ? [n, 32] : [n]) {
      clean(hostsFile, n);
      for (const s of STEPS) {
        const ms = pssh(n, parallel, lines[s.id]!, hostsFile);
        if (r > 0) add(`pssh${parallel === n ? 'N' : '32'}:${s.id}`, ms);
        if (r > 0 && n <= 32) add(`pssh32:${s.id}`, ms);
      }
    }
    if (r === 0) continue;
    for (const s of STEPS) add(`rackside:${s.id}`, rs[s.id]!);
    add('rss', rs.rssMiB!);
    add('heap', rs.heapMiB!);
    const last = (k: string) => sec(t[k]!.at(-1)!);
    console.log(`run ${r}: ` + STEPS.map((s) => `${s.id}: rackside ${last(`rackside:${s.id}`)} s, pssh -p ${n} ${last(`psshN:${s.id}`)} s, pssh -p 32 ${last(`pssh32:${s.id}`)} s`).join(' | '));
  }
  memory.push({ n, rss: median(t.rss!), heap: median(t.heap!) });
  for (const s of STEPS) {
    const m = (k: string) => median(t[`${k}:${s.id}`]!);
    rows.push(`| ${n} | ${s.id} | ${sec(m('rackside'))} | ${sec(m('psshN'))} | ${sec(m('pssh32'))} | ${(m('rackside') / m('psshN')).toFixed(2)}x | ${peakListeners} | ${listenerWarnings} |`);
  }
}

console.log(`\nScale: preflight + hardware on N lab nodes, medians of ${runs} runs (s), cold connections each run`);
console.log('| nodes | step | rackside | pssh -p N | pssh -p 32 | rackside / pssh -p N | most abort listeners on one signal | MaxListeners warnings |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
console.log('\nThe runner process with every host\'s connection open, after the hardware step (MiB, medians)');
console.log('| nodes | RSS | JS heap used |');
console.log('|---|---|---|');
for (const m of memory) console.log(`| ${m.n} | ${m.rss.toFixed(0)} | ${m.heap.toFixed(0)} |`);
if (memory.length > 1) {
  const [a, b] = [memory[0]!, memory.at(-1)!];
  console.log(`Per host between ${a.n} and ${b.n} nodes: RSS ${(((b.rss - a.rss) * 1024) / (b.n - a.n)).toFixed(0)} KiB, heap ${(((b.heap - a.heap) * 1024) / (b.n - a.n)).toFixed(0)} KiB`);
}
