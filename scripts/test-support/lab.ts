import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
const LAB = join(root, 'scripts', 'lab', 'lab');

export interface LabStatus {
  up: boolean;
  nodes: { name: string; address: string; netns: string; sshd: boolean }[];
  inventory: string;
  keyPath: string;
  password: string;
  stateDir: string;
}

/** The lab CLI (scripts/lab/lab), as tests use it. */
export const lab = {
  async status(): Promise<LabStatus> {
    const { stdout } = await run('bash', [LAB, 'status', '--json']);
    return JSON.parse(stdout) as LabStatus;
  },
  async run(...args: string[]): Promise<string> {
    const { stdout } = await run('bash', [LAB, ...args], { maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  },
  async exec(node: number, ...cmd: string[]): Promise<string> {
    return this.run('exec', String(node), '--', ...cmd);
  },
  async inventoryText(): Promise<{ path: string; text: string }> {
    const s = await this.status();
    return { path: s.inventory, text: await readFile(s.inventory, 'utf8') };
  },
};

/**
 * A known_hosts file in `dataDir` holding the lab nodes' real ed25519 host keys, read from the
 * nodes themselves (the out-of-band check a technician does at the console).
 */
export async function trustLabHostKeys(dataDir: string, nodes: number[]): Promise<void> {
  const { mkdir, writeFile } = await import('node:fs/promises');
  const s = await lab.status();
  const lines: string[] = [];
  for (const i of nodes) {
    const pub = (await lab.exec(i, 'cat', '/etc/ssh/ssh_host_ed25519_key.pub')).trim().split(/\s+/);
    lines.push(`${s.nodes[i - 1]!.address} ${pub[0]} ${pub[1]}`);
  }
  await mkdir(dataDir, { recursive: true });
  await writeFile(join(dataDir, 'known_hosts'), lines.join('\n') + '\n', { mode: 0o600 });
}
