import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * `lab up --mode systemd` on an instance of its own (RACKSIDE_LAB_INSTANCE=96, three nodes), so the
 * tests' lab keeps running: systemd is each node's PID 1, services install from the lab's apt
 * repository, start and restart as on a real server, and `lab down` leaves nothing behind.
 */
const run = promisify(execFile);
const LAB = join(import.meta.dirname, 'lab');
const INSTANCE = '96';
const env = { ...process.env, RACKSIDE_LAB_INSTANCE: INSTANCE };
const NODES = 3;

// Building the systemd layer and filling the repository happen once per machine; a boot on two
// shared cores under other engineers' tests takes a while, so these limits are generous on purpose.
const UP_TIMEOUT = 900_000;
const APT_TIMEOUT = 600_000;

async function lab(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run('bash', [LAB, ...args], { env, maxBuffer: 16 * 1024 * 1024, timeout: UP_TIMEOUT });
}

interface Status {
  up: boolean;
  mode: string;
  stateDir: string;
  sshConfig: string;
  keyPath: string;
  nodes: { name: string; running: boolean; sshd: boolean; systemd?: string }[];
}

async function status(): Promise<Status> {
  return JSON.parse((await lab('status', '--json')).stdout) as Status;
}

let st: Status;

/** Runs a shell command on a node over real ssh, with the lab key only (no password fallback). */
async function ssh(node: string, command: string, timeout = 120_000): Promise<string> {
  const { stdout } = await run(
    'ssh',
    ['-F', st.sshConfig, '-i', st.keyPath, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes', node, command],
    { maxBuffer: 16 * 1024 * 1024, timeout },
  );
  return stdout;
}

/** Where each cgroup hierarchy is mounted on the host: "" for cgroup2, else its options ("memory"). */
function hostCgroupMounts(): { hierarchy: string; root: string; mountPoint: string }[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .trim()
    .split('\n')
    .flatMap((line) => {
      const [left, right] = line.split(' - ');
      const fields = left!.split(' ');
      const [fsType, , superOptions] = right!.split(' ');
      const base = { root: fields[3]!, mountPoint: fields[4]! };
      if (fsType === 'cgroup2') return [{ hierarchy: '', ...base }];
      if (fsType !== 'cgroup') return [];
      const options = superOptions!.split(',').filter((o) => o !== 'rw' && o !== 'ro');
      return [{ hierarchy: options.join(','), ...base }];
    });
}

/** The host path of a "hierarchy:path" line of a node's `cgroups` file, or undefined if unmounted here. */
function hostCgroupPath(entry: string): string | undefined {
  const [hierarchy, path] = [entry.slice(0, entry.indexOf(':')), entry.slice(entry.indexOf(':') + 1)];
  const wanted = hierarchy.split(',').filter(Boolean).sort().join(',');
  const mount = hostCgroupMounts().find(
    (m) => m.hierarchy.split(',').filter(Boolean).sort().join(',') === wanted && path.startsWith(m.root),
  );
  if (!mount) return undefined;
  return join(mount.mountPoint, mount.root === '/' ? path : path.slice(mount.root.length));
}

describe('lab up --mode systemd (instance 96)', () => {
  beforeAll(async () => {
    await lab('down');
    await lab('up', '--nodes', String(NODES), '--mode', 'systemd');
    st = await status();
  }, UP_TIMEOUT);

  afterAll(async () => {
    await lab('down');
  }, 120_000);

  it('says so in status --json, with every node running and sshd listening', () => {
    expect(st.up).toBe(true);
    expect(st.mode).toBe('systemd');
    expect(st.nodes).toHaveLength(NODES);
    for (const node of st.nodes) expect(node).toMatchObject({ running: true, sshd: true });
  });

  it('boots systemd as PID 1 on every node, running or degraded (failed units named), reached over ssh with the lab key', async () => {
    for (const node of st.nodes) {
      const [pid1, state, ...failed] = (
        await ssh(node.name, 'cat /proc/1/comm; systemctl is-system-running; systemctl list-units --failed --plain --no-legend')
      )
        .trim()
        .split('\n');
      expect(pid1, node.name).toBe('systemd');
      expect(['running', 'degraded'], `${node.name} is ${state}; failed units: ${failed.join('; ') || 'none'}`).toContain(
        state,
      );
      expect(['running', 'degraded']).toContain(node.systemd);
      expect((await ssh(node.name, 'hostname')).trim()).toBe(node.name);
      // sshd, now a systemd service, still logs to the node's sshd.log on the host (tests read it)
      expect(readFileSync(join(st.stateDir, node.name, 'sshd.log'), 'utf8')).toContain('Accepted publickey for root');
    }
  });

  it("gives a node every capability but CAP_SYS_TIME and CAP_SYS_MODULE, read-only /sys and /proc/sys (but net), and the host's cgroup layout", async () => {
    const out = await ssh(
      'node1',
      [
        "awk '/^CapBnd/ { print $2 }' /proc/1/status",
        "awk '$5 == \"/sys\" || $5 == \"/proc/sys\" || $5 == \"/proc/sys/net\" { print $5, substr($6, 1, 2) }' /proc/self/mountinfo",
        "stat -f -c %T /sys/fs/cgroup",
      ].join('; '),
    );
    const [capBnd, ...rest] = out.trim().split('\n');
    const bounding = BigInt(`0x${capBnd}`);
    const CAP_SYS_MODULE = 16n;
    const CAP_SYS_TIME = 25n;
    const CAP_SYS_ADMIN = 21n;
    const CAP_NET_ADMIN = 12n;
    expect((bounding >> CAP_SYS_TIME) & 1n).toBe(0n);
    expect((bounding >> CAP_SYS_MODULE) & 1n).toBe(0n);
    expect((bounding >> CAP_SYS_ADMIN) & 1n).toBe(1n);
    expect((bounding >> CAP_NET_ADMIN) & 1n).toBe(1n);
    const { stdout: hostLayout } = await run('stat', ['-f', '-c', '%T', '/sys/fs/cgroup']);
    expect(rest).toEqual(['/sys ro', '/proc/sys ro', '/proc/sys/net rw', hostLayout.trim()]);
  });

  it(
    'installs keepalived from the lab repository, which runs with a minimal config and restarts',
    async () => {
      await ssh('node1', 'apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q keepalived', APT_TIMEOUT);
      // The source of truth for "from the lab repository": the nodes have no other package source.
      expect(await ssh('node1', 'apt-cache policy keepalived')).toContain(`http://198.18.${INSTANCE}.1:8080`);
      await ssh(
        'node1',
        `cat > /etc/keepalived/keepalived.conf <<'EOF'
vrrp_instance VI_1 {
  state MASTER
  interface eth0
  virtual_router_id 51
  priority 100
  advert_int 1
  virtual_ipaddress {
    198.18.${INSTANCE}.100/24 dev eth0
  }
}
EOF
systemctl restart keepalived`,
      );
      expect((await ssh('node1', 'systemctl is-active keepalived')).trim()).toBe('active');
      const before = (await ssh('node1', 'systemctl show -p MainPID --value keepalived')).trim();

      await ssh('node1', 'systemctl restart keepalived');
      expect((await ssh('node1', 'systemctl is-active keepalived')).trim()).toBe('active');
      const after = (await ssh('node1', 'systemctl show -p MainPID --value keepalived')).trim();
      expect(after).not.toBe('0');
      expect(after).not.toBe(before);
    },
    APT_TIMEOUT,
  );

  it(
    "runs Slurm's cgroup plugins with a standard configuration: a job gets its own groups and its memory limit",
    async () => {
      await ssh('node2', 'apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q slurm-wlm munge', APT_TIMEOUT);
      const node = (await ssh('node2', 'slurmd -C')).split('\n')[0]!.replace(/RealMemory=\d+/, 'RealMemory=1000');
      await ssh(
        'node2',
        `cat > /etc/slurm/slurm.conf <<'EOF'
ClusterName=lab
SlurmctldHost=node2
ProctrackType=proctrack/cgroup
TaskPlugin=task/cgroup
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmdSpoolDir=/var/lib/slurm/slurmd
StateSaveLocation=/var/lib/slurm/slurmctld
SlurmUser=slurm
ReturnToService=2
${node} State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
printf 'CgroupPlugin=autodetect\nConstrainCores=yes\nConstrainRAMSpace=yes\n' > /etc/slurm/cgroup.conf
systemctl restart slurmctld slurmd
timeout 120 sh -c 'until sinfo -h -o %T | grep -qx idle; do sleep 0.5; done'`,
        APT_TIMEOUT,
      );
      const cgroups = await ssh('node2', 'srun -N1 --mem=50M cat /proc/self/cgroup');
      expect(cgroups).toMatch(/^\d+:freezer:\/slurm_node2\/uid_0\/job_\d+\/step_0$/m);
      expect(cgroups).toMatch(/^\d+:memory:\/slurm_node2\/uid_0\/job_\d+\/step_0\/task_0$/m);
      // 200 MB in a job limited to 50 MB: the node's memory cgroup enforces the limit
      await expect(ssh('node2', 'srun -N1 --mem=50M python3 -c "b = bytearray(200 * 1024 * 1024)"')).rejects.toMatchObject({
        stderr: expect.stringContaining('Out Of Memory'),
      });
    },
    APT_TIMEOUT,
  );

  it('keeps an enabled service across a node reboot (down --keep, up)', async () => {
    await lab('down', '--keep');
    await lab('up', '--nodes', String(NODES), '--mode', 'systemd');
    st = await status();
    expect((await ssh('node1', 'systemctl is-enabled keepalived; systemctl is-active keepalived')).trim().split('\n')).toEqual([
      'enabled',
      'active',
    ]);
  }, UP_TIMEOUT);

  it('boots a node again that reboots itself (systemctl reboot), keeping its address, its files and its enabled services', async () => {
    const pid1 = async () => (await ssh('node1', "cut -d' ' -f22 /proc/1/stat")).trim();
    const before = await pid1();
    await ssh('node1', 'echo kept > /root/reboot-marker');
    const launcher = readFileSync(join(st.stateDir, 'node1', 'launcher.pid'), 'utf8').trim();
    // Over ssh, as the app's reboot test does it: scheduled, so the command returns before the node goes.
    await ssh('node1', 'systemd-run --quiet --on-active=1 systemctl reboot');
    let after = before;
    for (let i = 0; i < 120 && after === before; i++) {
      await new Promise((r) => setTimeout(r, 500));
      after = await pid1().catch(() => before);
    }
    expect(after, 'PID 1 started again').not.toBe(before);
    expect(readFileSync(join(st.stateDir, 'node1', 'launcher.pid'), 'utf8').trim()).not.toBe(launcher);
    expect(readFileSync(join(st.stateDir, 'node1', 'console.log'), 'utf8')).toContain('node1: rebooted from inside');
    let state = '';
    for (let i = 0; i < 60 && !/^(running|degraded)$/.test(state); i++, await new Promise((r) => setTimeout(r, 500))) {
      state = (await ssh('node1', 'systemctl is-system-running || true')).trim();
    }
    expect(state).toMatch(/^(running|degraded)$/);
    expect((await ssh('node1', 'cat /root/reboot-marker; systemctl is-active keepalived; hostname -I')).trim().split('\n')).toEqual(['kept', 'active', expect.stringContaining(`198.18.${INSTANCE}.11`)]);
    expect((await status()).nodes.map((n) => n.running)).toEqual(st.nodes.map(() => true));
  }, UP_TIMEOUT);

  it('removes every cgroup, mount, namespace and process it made at down', async () => {
    const cgroups = st.nodes.flatMap((_, k) =>
      readFileSync(join(st.stateDir, `node${k + 1}`, 'cgroups'), 'utf8').trim().split('\n').filter(Boolean),
    );
    // one cgroup2 subtree per node, plus one per cgroup v1 hierarchy the host has
    expect(cgroups.filter((c) => c.startsWith(':'))).toHaveLength(NODES);
    const hostPaths = cgroups.map((entry) => [entry, hostCgroupPath(entry)] as const);
    for (const [entry, path] of hostPaths) expect(path && existsSync(path), `${entry} exists before down`).toBe(true);
    const launchers = st.nodes.map((_, k) => Number(readFileSync(join(st.stateDir, `node${k + 1}`, 'launcher.pid'), 'utf8')));

    await lab('down');

    for (const [entry, path] of hostPaths) expect(existsSync(path!), `${entry} left behind`).toBe(false);
    for (const pid of launchers) expect(existsSync(`/proc/${pid}`), `launcher ${pid} still running`).toBe(false);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(st.stateDir);
    const { stdout: netns } = await run('ip', ['netns', 'list']);
    expect(netns).not.toMatch(new RegExp(`^rsl${INSTANCE}-`, 'm'));
    const { stdout: links } = await run('ip', ['-o', 'link', 'show']);
    expect(links).not.toContain(`rsl${INSTANCE}-`);
    expect((await status()).up).toBe(false);
  });
});
