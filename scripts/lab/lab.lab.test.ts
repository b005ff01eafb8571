import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The lab CLI itself, on an instance of its own (RACKSIDE_LAB_INSTANCE=97, one or two nodes) so the tests'
 * lab keeps running. A session's processes end when it stops, but network namespaces, veths and
 * the bridge stay in the kernel: the next `lab up` (CI's, on the same machine) must recover.
 */
const run = promisify(execFile);
const LAB = join(import.meta.dirname, 'lab');
const env = { ...process.env, RACKSIDE_LAB_INSTANCE: '97' };

async function lab(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run('bash', [LAB, ...args], { env, maxBuffer: 4 * 1024 * 1024 });
}

interface Status {
  up: boolean;
  stateDir: string;
  nodes: { name: string; running: boolean; sshd: boolean }[];
}

async function status(): Promise<Status> {
  return JSON.parse((await lab('status', '--json')).stdout) as Status;
}

/** What the end of a session does to the lab: every process it started is killed, nothing else. */
function killLabProcesses(stateDir: string, nodes: number[], repo = true): void {
  const pids: number[] = [];
  for (const file of [...nodes.map((i) => `node${i}/launcher.pid`), ...(repo ? ['repo-http.pid'] : [])]) {
    const pid = Number(readFileSync(join(stateDir, file), 'utf8').trim());
    pids.push(pid);
    if (file.startsWith('node')) {
      const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/);
      pids.push(...children.filter(Boolean).map(Number));
    }
  }
  for (const pid of pids) process.kill(pid, 'SIGKILL');
}

async function waitUntilNotRunning(): Promise<Status> {
  for (let i = 0; i < 100; i++) {
    const s = await status();
    if (!s.nodes[0]!.running) return s;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('node1 still running after its processes were killed');
}

describe('lab up (instance 97)', () => {
  afterAll(async () => {
    await lab('down');
  });

  it('recovers a stale lab whose processes ended, and restarts an sshd that is not listening', async () => {
    await lab('up', '--nodes', '1');
    const before = await status();
    expect(before.nodes).toEqual([expect.objectContaining({ name: 'node1', running: true, sshd: true })]);

    killLabProcesses(before.stateDir, [1]);
    const stale = await waitUntilNotRunning();
    // The kernel objects are still there, so the lab still looks "up" with nothing behind it.
    expect(stale.up).toBe(true);
    expect(stale.nodes[0]).toMatchObject({ running: false, sshd: false });

    const recovered = await lab('up', '--nodes', '1');
    expect(recovered.stderr).toContain('found a stale lab');
    expect((await status()).nodes[0]).toMatchObject({ running: true, sshd: true });

    await lab('sshd', 'stop', '1');
    expect((await status()).nodes[0]).toMatchObject({ running: true, sshd: false });
    const again = await lab('up', '--nodes', '1');
    expect(again.stderr).toContain('node1: sshd was not listening; started it');
    expect((await status()).nodes[0]).toMatchObject({ running: true, sshd: true });
  });

  it('still refuses a lab where only some nodes stopped, naming them', async () => {
    await lab('down');
    await lab('up', '--nodes', '2');
    killLabProcesses((await status()).stateDir, [1], false);
    await waitUntilNotRunning();
    await expect(lab('up', '--nodes', '2')).rejects.toMatchObject({
      stderr: expect.stringContaining("the lab is partly up (node1 not running); run 'lab down' first"),
    });
    expect((await status()).nodes[1]).toMatchObject({ running: true, sshd: true });
  });
});
