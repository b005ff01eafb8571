import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MASTER_INSTALL_STEP, projectSchema, type Project } from '../../../contract/index.js';
import { createLogger } from '../../log/logger.js';
import { saveProject } from '../../project/project-store.js';
import { Runbook } from '../../runbook/engine.js';
import { MemorySecretStore } from '../../secrets/secret-store.js';
import { KnownHosts } from '../../ssh/known-hosts.js';
import { SshPool } from '../../ssh/pool.js';
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

export interface LabStatus { up: boolean; mode: string; keyPath: string; nodes: { name: string; address: string; sshd: boolean }[] }
export interface BaseCluster {
  instance: string;
  st: LabStatus;
  dir: string;
  dataDir: string;
  vip: string;
  project: Project;
  lab: (...args: string[]) => Promise<string>;
  exec: (node: number, script: string) => Promise<string>;
}

export function labOf(instance: string) {
  const env = { ...process.env, RACKSIDE_LAB_INSTANCE: instance };
  const lab = async (...args: string[]) => (await run('bash', [LAB, ...args], { env, maxBuffer: 16 * 1024 * 1024, timeout: 900_000 })).stdout;
  const exec = (node: number, script: string) => lab('exec', String(node), '--', 'sh', '-c', script);
  return { lab, exec };
}

export async function baseCluster(instance: string, log: (l: string) => void = () => {}): Promise<BaseCluster> {
  const { lab, exec } = labOf(instance);
  const status = async () => JSON.parse(await lab('status', '--json')) as LabStatus;
  let st = await status().catch(() => ({ up: false }) as LabStatus);
  const state = st.up && st.mode === 'systemd' && st.nodes.length === 4
    ? (await exec(1, 'if systemctl is-active --quiet keepalived && test -e /etc/haproxy/haproxy.cfg; then echo built; elif test -e /etc/keepalived/keepalived.conf; then echo used; else echo bare; fi').catch(() => 'used')).trim()
    : 'none';
  if (state === 'none' || state === 'used') {
    if (st.up) await lab('down');
    await lab('up', '--mode', 'systemd', '--nodes', '4');
    st = await status();
  }
  const addr = (i: number) => st.nodes[i - 1]!.address;
  const vip = addr(1).replace(/\.\d+$/, '.100');
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
    })),
    network: { vip },
    install: { firewall: { enabled: true, rollbackAfterS: 30 } },
    verify: { rtoS: 10 },
  });
  const saved = await saveProject(dir, project);
  if (!saved.ok) throw new Error(saved.error.message);
  if (state !== 'built') {
    log('building the base platform with the master install (minutes)');
    const secrets = new MemorySecretStore();
    const pool = new SshPool({ knownHosts: new KnownHosts(dataDir), secrets });
    const rb = new Runbook({ pool, secrets, steps: stepRegistry([masterInstallStep]), emit: () => {}, log: createLogger(() => {}) });
    const started = await rb.start(dir, MASTER_INSTALL_STEP);
    if (!started.ok) throw new Error(started.error.message);
    const r = await rb.whenDone(started.value.runId);
    await rb.close();
    pool.closeAll();
    if (r?.status !== 'completed') throw new Error(`master install: ${r?.status}`);
  }
  return { instance, st, dir, dataDir, vip, project, lab, exec };
}
