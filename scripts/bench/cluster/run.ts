#!/usr/bin/env -S npx tsx
/**
 * Cluster install benchmark (issue 19): the master install (base platform + profile) and the
 * worker joins on a fresh systemd-mode lab of N nodes, by Rackside's runner (headless, as the lab
 * tests drive it) and by `ansible-playbook` with the equivalent playbook in ./ansible, each on a
 * fresh lab, in the same run. Both must end in the same state (Slurm: `sinfo` N idle and
 * `srun -N<N> hostname` returning N names; every profile: every node-exporter up in Prometheus)
 * before a figure is reported. Then each tool runs again on its finished cluster (all already done).
 *
 *   sudo RACKSIDE_LAB_INSTANCE=45 npm run bench:cluster -- [--nodes 4,16] [--profile slurm] [--only rackside|ansible]
 *
 * Needs `ansible-playbook` (Debian: apt-get install ansible-core). The lab instance is the
 * caller's RACKSIDE_LAB_INSTANCE (default 61; never 0): it is taken down and up for every run,
 * and left up (finished by Ansible) at the end. Output: a table on stdout and
 * out/bench-cluster/<time>.json (out/ is not committed).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { MASTER_INSTALL_STEP, projectSchema, WORKER_JOIN_STEP, type Host, type Project } from '../../../electron/contract/index.js';
import { createLogger } from '../../../electron/services/log/logger.js';
import { readJournal, type JournalEvent } from '../../../electron/services/project/journal.js';
import { saveProject } from '../../../electron/services/project/project-store.js';
import { Runbook } from '../../../electron/services/runbook/engine.js';
import { MemorySecretStore } from '../../../electron/services/secrets/secret-store.js';
import { KnownHosts } from '../../../electron/services/ssh/known-hosts.js';
import { SshPool } from '../../../electron/services/ssh/pool.js';
import { stepRegistry } from '../../../electron/services/steps/registry.js';
import {
  chronyFor, firewallRulesFor, haproxyFor, installContext, masterInstallStep, prometheusFor, sourcesList, sysctlFor,
} from '../../../electron/services/steps/master/step.js';
import { PACKAGES } from '../../../electron/services/steps/master/scripts.js';
import { CGROUP_CONF_TEXT, partitionArgs } from '../../../electron/services/steps/master/slurm.js';
import { profileIds } from '../../../electron/services/steps/master/profile.js';
import { workerJoinStep } from '../../../electron/services/steps/join/step.js';
import { expectedNames } from '../../../electron/services/steps/network/names.js';
import { lab, trustLabHostKeys } from '../../test-support/lab.js';

// The lab CLI and its helpers read the instance from the environment at each call.
if (!process.env.RACKSIDE_LAB_INSTANCE || process.env.RACKSIDE_LAB_INSTANCE === '0') process.env.RACKSIDE_LAB_INSTANCE = '61';


const ROOT = join(import.meta.dirname, '..', '..', '..');
const LAB = join(ROOT, 'scripts', 'lab', 'lab');
const ANSIBLE_DIR = join(import.meta.dirname, 'ansible');

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '4,16' },
    profile: { type: 'string', default: 'slurm' },
    only: { type: 'string' },
    out: { type: 'string', default: join(ROOT, 'out', 'bench-cluster') },
    // The second Ansible run takes a minute or more on a busy machine: skippable for the big lab.
    'no-ansible-rerun': { type: 'boolean', default: false },
  },
});
const counts = values.nodes!.split(',').map(Number);
const profile = values.profile!;
if (!profileIds().includes(profile)) {
  console.error(`profile ${profile} is not in this build (known: ${profileIds().join(', ')})`);
  process.exit(1);
}
const tools = values.only ? [values.only] : ['rackside', 'ansible'];
if (tools.includes('ansible') && spawnSync('sh', ['-c', 'command -v ansible-playbook']).status !== 0) {
  console.error('ansible-playbook is missing: apt-get install ansible-core');
  process.exit(1);
}

const sec = (ms: number) => Math.round(ms / 100) / 10;
const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function labCli(...args: string[]): void {
  execFileSync('bash', [LAB, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
}
function labExec(node: number, script: string): string {
  return execFileSync('bash', [LAB, 'exec', String(node), '--', 'sh', '-c', script], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

interface Lab { addresses: string[]; keyPath: string; dataDir: string; knownHosts: string }

/** A fresh systemd-mode lab of n bare nodes, and a known_hosts file with their host keys. */
async function freshLab(n: number): Promise<Lab> {
  const t0 = performance.now();
  labCli('down');
  try {
    labCli('up', '--mode', 'systemd', '--nodes', String(n));
  } catch {
    // On a loaded machine a node's sshd sometimes misses up's deadline: one clean retry.
    console.log('lab: up failed, once more after down');
    labCli('down');
    labCli('up', '--mode', 'systemd', '--nodes', String(n));
  }
  const s = await lab.status();
  const dataDir = await mkdtemp(join(tmpdir(), 'rs-bench-cluster-'));
  await trustLabHostKeys(dataDir, s.nodes.map((_, i) => i + 1));
  console.log(`lab: ${n} fresh nodes in ${sec(performance.now() - t0)} s`);
  return { addresses: s.nodes.map((x) => x.address), keyPath: s.keyPath, dataDir, knownHosts: join(dataDir, 'known_hosts') };
}

/** The bench's cluster: node1 and node2 masters (VIP candidates), the rest workers; firewall on. */
function projectFor(l: Lab): Project {
  const n = l.addresses.length;
  return projectSchema.parse({
    version: 1, site: 'Lab', customer: 'Cluster benchmark', technician: 'bench',
    hosts: l.addresses.map((address, k) => ({
      id: `n${k + 1}`, name: `node${k + 1}`, address, port: 22, user: 'root', role: k < Math.min(2, n - 1) ? 'master' : 'worker',
      auth: { method: 'key', keyPath: l.keyPath },
    })),
    network: { vip: l.addresses[0]!.replace(/\.\d+$/, '.100') },
    install: { profile, firewall: { enabled: true, rollbackAfterS: 30 } },
  });
}

/** The end state both tools must reach, read on the nodes. Throws with what it saw. */
async function verify(project: Project): Promise<string> {
  const n = project.hosts.length;
  const seen: string[] = [];
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      const targets = labExec(1, `python3 -c "import json,urllib.request; d=json.load(urllib.request.urlopen('http://127.0.0.1:9090/api/v1/targets')); print(sum(1 for t in d['data']['activeTargets'] if t['labels']['job'] == 'node' and t['health'] == 'up'))"`).trim();
      if (Number(targets) !== n) throw new Error(`node-exporter targets up: ${targets}/${n}`);
      seen.push(`prometheus ${targets}/${n} up`);
      if (profile === 'slurm') {
        const idle = labExec(1, `sinfo -h -N -o '%N %t' | awk '$2 == "idle" { print $1 }' | sort -u | wc -l`).trim();
        if (Number(idle) !== n) throw new Error(`sinfo: ${idle}/${n} idle`);
        const names = labExec(1, `timeout 60 srun -N${n} hostname | sort -u`).trim().split('\n');
        if (names.length !== n) throw new Error(`srun -N${n} hostname: ${names.join(' ')}`);
        seen.push(`sinfo ${idle} idle`, `srun -N${n} hostname: ${names.length} names`);
      }
      return seen.join(', ');
    } catch (e) {
      seen.length = 0;
      if (Date.now() > deadline) throw e;
      await sleep(2_000);
    }
  }
}

interface Timing { totalS: number; phases: Record<string, number>; top: Record<string, number>; changed: number; unchanged: number }

/** Per-phase wall times of one run from its journal; `top`: the slowest actions (longest host), s. */
function journalTimes(events: JournalEvent[], runId: string, prefix: string, stageOf: Map<string, string>): Timing {
  const mine = events.filter((e) => 'runId' in e && e.runId === runId);
  const t = (e: JournalEvent) => Date.parse(e.at);
  const start = mine.find((e) => e.type === 'run-started' || e.type === 'run-resumed')!;
  const end = mine.findLast((e) => e.type === 'run-finished') ?? mine.at(-1)!;
  const phaseEvents = mine.filter((e): e is Extract<JournalEvent, { type: 'phase-started' }> => e.type === 'phase-started');
  const phases: Record<string, number> = {};
  phaseEvents.forEach((p, k) => {
    const next = phaseEvents[k + 1] ?? end;
    phases[`${prefix}${p.phaseId}`] = sec(t(next) - t(p));
  });
  const finished = mine.filter((e): e is Extract<JournalEvent, { type: 'action-finished' }> => e.type === 'action-finished');
  const longest = new Map<string, number>();
  for (const f of finished) {
    const key = stageOf.get(f.actionId) ? `${stageOf.get(f.actionId)}/${f.actionId}` : f.actionId;
    longest.set(key, Math.max(longest.get(key) ?? 0, f.durationMs));
  }
  const top = Object.fromEntries([...longest].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, v]) => [`${prefix}${k}`, sec(v)]));
  return {
    totalS: sec(t(end) - t(start)), phases, top,
    changed: finished.filter((f) => f.via === 'command').length,
    unchanged: finished.filter((f) => f.via === 'probe').length,
  };
}

function merge(a: Timing, b: Timing): Timing {
  return { totalS: sec((a.totalS + b.totalS) * 1000), phases: { ...a.phases, ...b.phases }, top: { ...a.top, ...b.top }, changed: a.changed + b.changed, unchanged: a.unchanged + b.unchanged };
}

async function rackside(l: Lab, project: Project): Promise<{ first: Timing; again: Timing; wallS: number; againWallS: number; verified: string; loadBefore: string; loadAfter: string }> {
  const dir = join(await mkdtemp(join(tmpdir(), 'rs-bench-cluster-project-')), 'project');
  const saved = await saveProject(dir, project);
  if (!saved.ok) throw new Error(saved.error.message);
  const secrets = new MemorySecretStore();
  const pool = new SshPool({ knownHosts: new KnownHosts(l.dataDir), secrets });
  const rb = new Runbook({ pool, secrets, steps: stepRegistry([masterInstallStep, workerJoinStep]), emit: () => {}, log: createLogger(() => {}) });
  const stageOf = new Map<string, string>();
  for (const actions of workerJoinStep.plan(project, { hosts: project.hosts }).values()) for (const a of actions) if (a.stage) stageOf.set(a.id, a.stage);
  const runStep = async (step: string) => {
    const started = await rb.start(dir, step);
    if (!started.ok) throw new Error(`${step}: ${started.error.message}`);
    const r = await rb.whenDone(started.value.runId);
    if (r?.status !== 'completed') {
      const ev = await journal(dir);
      const bad = ev.filter((e) => e.type === 'action-finished' && e.runId === started.value.runId && e.status !== 'done' && e.status !== 'already-done');
      throw new Error(`${step}: ${r?.status}: ${JSON.stringify(bad).slice(0, 3000)}`);
    }
    return started.value.runId;
  };
  const both = async () => {
    const t0 = performance.now();
    const install = await runStep(MASTER_INSTALL_STEP);
    const joined = await runStep(WORKER_JOIN_STEP);
    const wallS = sec(performance.now() - t0);
    const ev = await journal(dir);
    return { wallS, timing: merge(journalTimes(ev, install, 'install.', new Map()), journalTimes(ev, joined, 'join.', stageOf)) };
  };
  try {
    const loadBefore = load();
    const first = await both();
    const loadAfter = load();
    console.log(`rackside: install + join ${first.wallS} s (load ${loadBefore} → ${loadAfter})`);
    const verified = await verify(project);
    console.log(`rackside: ${verified}`);
    const again = await both();
    console.log(`rackside: second run ${again.wallS} s, ${again.timing.changed} actions ran a command (as-built reads), ${again.timing.unchanged} already done`);
    return { first: first.timing, again: again.timing, wallS: first.wallS, againWallS: again.wallS, verified, loadBefore, loadAfter };
  } finally {
    await rb.close();
    pool.closeAll();
  }
}

async function journal(dir: string): Promise<JournalEvent[]> {
  const r = await readJournal(dir);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** Host variables for the playbook: the files Rackside's planners compute for this project, byte for byte. */
function ansibleInventory(l: Lab, project: Project): unknown {
  const ctx = installContext(project);
  const names = expectedNames(project);
  const install = masterInstallStep.plan(project, { hosts: project.hosts });
  const join = workerJoinStep.plan(project, { hosts: project.hosts });
  // Every package either Rackside step installs on the host (the join step adds the profile's worker packages).
  const packages = (h: Host) => [...new Set([...(install.get(h.id) ?? []), ...(join.get(h.id) ?? [])]
    .flatMap((a) => ('script' in a.command && a.command.script === PACKAGES && a.command.args?.[0] === 'apply' ? a.command.args.slice(1).map(String) : [])))];
  const byAddress = new Map(project.hosts.map((h) => [h.address, h.name]));
  const hostvars: Record<string, unknown> = {};
  for (const h of project.hosts) {
    const e = names.find((x) => x.hostId === h.id);
    hostvars[h.name] = {
      ansible_host: h.address,
      rs_packages: packages(h),
      rs_chrony: chronyFor(h, ctx),
      rs_nft: firewallRulesFor(h, ctx),
      rs_known_names: [...new Set([h.name, e?.name, e?.fqdn, e?.address, h.address].filter((x): x is string => !!x))].join(','),
    };
  }
  return {
    all: {
      hosts: hostvars,
      vars: {
        ansible_user: 'root',
        ansible_ssh_private_key_file: l.keyPath,
        first_master: ctx.firstMaster.name,
        vip: ctx.vip,
        vip_candidates: ctx.vipCandidates.map((h) => h.name),
        vrrp_router_id: ctx.plan.vrrp.routerId,
        rs_sources: sourcesList(ctx.plan.packageSource),
        rs_sysctl: sysctlFor(ctx),
        rs_prometheus: prometheusFor(ctx),
        rs_haproxy: haproxyFor(ctx) ?? '',
        slurm_cluster_name: ctx.plan.slurm.clusterName,
        slurm_partitions: partitionArgs(ctx).map((p) => {
          const [name, def, max, addrs] = p.split(';') as [string, string, string, string];
          const nodes = addrs === 'ALL' ? 'ALL' : addrs.split(',').map((a) => byAddress.get(a)).join(',');
          return `${name} Nodes=${nodes} Default=${def} MaxTime=${max} State=UP`;
        }),
        rs_slurm_cgroup: CGROUP_CONF_TEXT,
      },
    },
  };
}

interface AnsibleTiming { totalS: number; phases: Record<string, number>; top: Record<string, number>; changed: number }

async function ansiblePlaybook(l: Lab, project: Project, run: string): Promise<AnsibleTiming> {
  const dir = l.dataDir;
  await writeFile(join(dir, 'inventory.yml'), JSON.stringify(ansibleInventory(l, project), null, 1));
  const times = join(dir, `times-${run}.jsonl`);
  const sshOpts = [`UserKnownHostsFile=${l.knownHosts}`, 'StrictHostKeyChecking=yes', 'IdentitiesOnly=yes', 'BatchMode=yes'];
  const t0 = performance.now();
  const out = await new Promise<{ code: number | null; text: string }>((resolve) => {
    const p = spawn('ansible-playbook', ['-i', join(dir, 'inventory.yml'), '-f', String(Math.max(5, project.hosts.length)), ...(profile === 'slurm' ? [] : ['--skip-tags', 'slurm']), 'site.yml'], {
      cwd: ANSIBLE_DIR,
      env: {
        ...process.env,
        ANSIBLE_CONFIG: join(ANSIBLE_DIR, 'ansible.cfg'),
        ANSIBLE_SSH_ARGS: ['-o ControlMaster=auto -o ControlPersist=120s', ...sshOpts.map((o) => `-o ${o}`)].join(' '),
        ANSIBLE_SSH_CONTROL_PATH_DIR: join(dir, `cp-${run}`),
        ANSIBLE_LOCAL_TEMP: join(dir, 'ansible-tmp'),
        RACKSIDE_BENCH_TIMES: times,
      },
    });
    let text = '';
    p.stdout.on('data', (d: Buffer) => { text += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { text += d.toString(); });
    p.on('close', (code) => resolve({ code, text }));
  });
  const totalS = sec(performance.now() - t0);
  await writeFile(join(dir, `ansible-${run}.log`), out.text);
  if (out.code !== 0) throw new Error(`ansible-playbook failed (${out.code}), log ${join(dir, `ansible-${run}.log`)}:\n${out.text.slice(-4000)}`);
  const recap = out.text.split('PLAY RECAP')[1] ?? '';
  const changed = [...recap.matchAll(/changed=(\d+)/g)].reduce((s, m) => s + Number(m[1]), 0);
  const rows = (await readFile(times, 'utf8')).trim().split('\n').map((x) => JSON.parse(x) as { kind: string; name: string; t: number });
  const phases: Record<string, number> = {};
  const tasks = new Map<string, number>();
  let play: { name: string; t: number } | undefined;
  let task: { name: string; t: number } | undefined;
  for (const r of rows) {
    if (task) tasks.set(task.name, (tasks.get(task.name) ?? 0) + (r.t - task.t) * 1000);
    task = r.kind === 'task' ? r : undefined;
    if (r.kind === 'play' || r.kind === 'end') {
      if (play) phases[`ansible.${play.name}`] = sec((r.t - play.t) * 1000);
      play = r.kind === 'play' ? r : undefined;
    }
  }
  const top = Object.fromEntries([...tasks].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, v]) => [`ansible.${k}`, sec(v)]));
  return { totalS, phases, top, changed };
}

async function ansible(l: Lab, project: Project) {
  const loadBefore = load();
  const first = await ansiblePlaybook(l, project, 'first');
  const loadAfter = load();
  console.log(`ansible: ${first.totalS} s (load ${loadBefore} → ${loadAfter})`);
  const verified = await verify(project);
  console.log(`ansible: ${verified}`);
  if (values['no-ansible-rerun']) return { first, again: undefined, verified, loadBefore, loadAfter };
  const again = await ansiblePlaybook(l, project, 'again');
  console.log(`ansible: second run ${again.totalS} s, ${again.changed} tasks changed`);
  return { first, again, verified, loadBefore, loadAfter };
}

const results: unknown[] = [];
await mkdir(values.out!, { recursive: true });
const file = join(values.out!, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
/** Written after every tool's run, so a run stopped halfway keeps what it measured. */
const save = () => writeFile(file, JSON.stringify({ at: new Date().toISOString(), profile, results }, null, 1));
const table: string[] = [];
for (const n of counts) {
  console.log(`\n== ${n} nodes, profile ${profile}`);
  const row: Record<string, unknown> = { nodes: n, profile };
  results.push(row);
  if (tools.includes('rackside')) {
    const l = await freshLab(n);
    row.rackside = await rackside(l, projectFor(l));
    await save();
  }
  if (tools.includes('ansible')) {
    const l = await freshLab(n);
    row.ansible = await ansible(l, projectFor(l));
    await save();
  }
  const r = row.rackside as Awaited<ReturnType<typeof rackside>> | undefined;
  const a = row.ansible as Awaited<ReturnType<typeof ansible>> | undefined;
  const ratio = r && a ? (r.wallS / a.first.totalS).toFixed(2) + 'x' : '-';
  table.push(`| ${n} | ${r?.wallS ?? '-'} | ${a?.first.totalS ?? '-'} | ${ratio} | ${r?.againWallS ?? '-'} | ${a?.again?.totalS ?? '-'} | ${r?.loadBefore ?? a?.loadBefore} |`);
  for (const [k, v] of Object.entries({ ...r?.first.phases, ...a?.first.phases })) console.log(`  phase ${k}: ${v} s`);
  for (const [k, v] of Object.entries({ ...r?.first.top, ...a?.first.top })) console.log(`  slowest ${k}: ${v} s`);
}

console.log(`\nCluster install (master install + worker joins), profile ${profile}, fresh systemd-mode lab per run; seconds`);
console.log('| nodes | rackside | ansible | rackside/ansible | rackside re-run | ansible re-run | load avg at start |');
console.log('|---|---|---|---|---|---|---|');
for (const t of table) console.log(t);
console.log('Goal: rackside/ansible <= 0.5x');
await save();
console.log(`written: ${file}`);
