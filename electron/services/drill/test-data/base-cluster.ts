import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { bmcSecretId, MASTER_INSTALL_STEP, projectSchema, WORKER_JOIN_STEP, type Project } from '../../../contract/index.js';
import { createLogger } from '../../log/logger.js';
import { saveProject } from '../../project/project-store.js';
import { Runbook } from '../../runbook/engine.js';
import { MemorySecretStore } from '../../secrets/secret-store.js';
import { KnownHosts } from '../../ssh/known-hosts.js';
import { SshPool } from '../../ssh/pool.js';
import { workerJoinStep } from '../../steps/join/step.js';
import { stepRegistry } from '../../steps/registry.js';
import { masterInstallStep } from '../../steps/master/step.js';

/**
 * The base platform (keepalived VIP on node1+node2, haproxy fronting Prometheus on 9091) on a
 * systemd-mode lab, for the drill's lab test and benchmark. Built with the real master install
 * when the nodes are bare; a lab that already runs it (an earlier run of this file) is used as it
 * is, since the install alone takes minutes on this machine: the drill ends every run restored.
 */
const run = promisify(execFile);
const LAB = join(import.meta.dirname, '..', '..', '..', '..', 'scripts', 'lab', 'lab');

export interface LabStatus { up: boolean; mode: string; keyPath: string; stateDir: string; nodes: { name: string; address: string; sshd: boolean }[] }
export interface BaseCluster {
  instance: string;
  st: LabStatus;
  dir: string;
  dataDir: string;
  vip: string;
  project: Project;
  /** The BMC passwords (fenced Pacemaker: every node's lab BMC), as the technician's secret store has them. */
  secrets: MemorySecretStore;
  lab: (...args: string[]) => Promise<string>;
  exec: (node: number, script: string) => Promise<string>;
}

export function labOf(instance: string) {
  const env = { ...process.env, RACKSIDE_LAB_INSTANCE: instance };
  const lab = async (...args: string[]) => (await run('bash', [LAB, ...args], { env, maxBuffer: 16 * 1024 * 1024, timeout: 900_000 })).stdout;
  const exec = (node: number, script: string) => lab('exec', String(node), '--', 'sh', '-c', script);
  return { lab, exec };
}

/**
 * `pacemaker`: the Pacemaker profile instead (node1+node2 masters form the cluster, node3+node4
 * join it in step 6; the VIP an IPaddr2 resource), 5-15 min to build here, without fencing (no
 * host has a BMC: the profile's `pacemaker.fencing-off` finding, which the benchmark's link cut
 * accepts as a waiver would). `pacemaker-fenced`: the same with every node's lab BMC (`lab bmc`:
 * ipmi_sim, whose power control stops and starts the node) in the inventory and its password in
 * the secret store, so the install configures `fence_ipmilan` for each node and a cut node is fenced.
 */
export type DrillLabProfile = 'base' | 'pacemaker' | 'pacemaker-fenced';

export async function baseCluster(instance: string, log: (l: string) => void = () => {}, profile: DrillLabProfile = 'base'): Promise<BaseCluster> {
  const fenced = profile === 'pacemaker-fenced';
  const { lab, exec } = labOf(instance);
  const status = async () => JSON.parse(await lab('status', '--json')) as LabStatus;
  let st = await status().catch(() => ({ up: false }) as LabStatus);
  const state = st.up && st.mode === 'systemd' && st.nodes.length === 4
    ? (await exec(1, profile === 'base'
      ? 'if systemctl is-active --quiet keepalived && test -e /etc/haproxy/haproxy.cfg; then echo built; elif test -e /etc/keepalived/keepalived.conf; then echo used; else echo bare; fi'
      : `if crm_mon -1 2>/dev/null | grep -q "4 nodes configured" && [ "$(crm_attribute -t crm_config -n stonith-enabled -G -q 2>/dev/null)" = ${fenced ? 'true' : 'false'} ]; then echo built; elif test -e /etc/keepalived/keepalived.conf || test -e /usr/sbin/pacemakerd; then echo used; else echo bare; fi`).catch(() => 'used')).trim()
    : 'none';
  if (state === 'none' || state === 'used') {
    if (st.up) await lab('down');
    await lab('up', '--mode', 'systemd', '--nodes', '4');
    st = await status();
  }
  const addr = (i: number) => st.nodes[i - 1]!.address;
  const vip = addr(1).replace(/\.\d+$/, '.100');
  const secrets = new MemorySecretStore();
  if (fenced) {
    await lab('bmc', 'up');
    const password = (await readFile(join(st.stateDir, 'bmc', 'password'), 'utf8')).trim();
    for (const i of [1, 2, 3, 4]) secrets.set(bmcSecretId(`n${i}`), 'password', password);
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'rs-drill-data-'));
  const lines: string[] = [];
  for (const i of [1, 2, 3, 4]) {
    const pub = (await exec(i, 'cat /etc/ssh/ssh_host_ed25519_key.pub')).trim().split(/\s+/);
    lines.push(`${addr(i)} ${pub[0]} ${pub[1]}`);
  }
  await mkdir(dataDir, { recursive: true });
  await writeFile(join(dataDir, 'known_hosts'), lines.join('\n') + '\n', { mode: 0o600 });
  const dir = join(await mkdtemp(join(tmpdir(), 'rs-drill-lab-')), 'project');
  const project = projectSchema.parse({
    version: 1, site: 'Lab', customer: 'Drill tests', technician: 'Vitest',
    hosts: [1, 2, 3, 4].map((i) => ({
      id: `n${i}`, name: `node${i}`, address: addr(i), port: 22, user: 'root', role: i <= 2 ? 'master' : 'worker',
      auth: { method: 'key', keyPath: st.keyPath },
      ...(fenced ? { bmc: { address: addr(1).replace(/\.\d+$/, '.1'), port: 6230 + i, user: 'admin' } } : {}),
    })),
    network: { vip },
    install: profile === 'base'
      ? { firewall: { enabled: true, rollbackAfterS: 30 } }
      : { profile: 'pacemaker', firewall: { enabled: true, rollbackAfterS: 30 }, pacemaker: { clusterName: 'rsdrill', vipOwner: 'pacemaker', quorumPolicy: 'stop' } },
    verify: { rtoS: 10 },
  });
  const saved = await saveProject(dir, project);
  if (!saved.ok) throw new Error(saved.error.message);
  if (state !== 'built') {
    log(`building the ${profile} cluster with the master install${profile === 'base' ? '' : ' and the worker join'} (minutes)`);
    const pool = new SshPool({ knownHosts: new KnownHosts(dataDir), secrets });
    const rb = new Runbook({ pool, secrets, steps: stepRegistry([masterInstallStep, workerJoinStep]), emit: () => {}, log: createLogger(() => {}) });
    for (const step of profile === 'base' ? [MASTER_INSTALL_STEP] : [MASTER_INSTALL_STEP, WORKER_JOIN_STEP]) {
      const started = await rb.start(dir, step);
      if (!started.ok) throw new Error(started.error.message);
      const r = await rb.whenDone(started.value.runId);
      if (r?.status !== 'completed') throw new Error(`${step}: ${r?.status}`);
      log(`${step} completed`);
    }
    await rb.close();
    pool.closeAll();
  }
  return { instance, st, dir, dataDir, vip, project, secrets, lab, exec };
}
