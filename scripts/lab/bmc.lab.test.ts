import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The lab's BMCs (`lab bmc`, bmc.sh) through the real IPMI client: `ipmitool` over lanplus, the
 * password in its environment (-E), on an instance of its own (80, two chroot-mode nodes).
 */
const run = promisify(execFile);
const LAB = join(import.meta.dirname, 'lab');
const INSTANCE = '80';
const env = { ...process.env, RACKSIDE_LAB_INSTANCE: INSTANCE };
const GW = `198.18.${INSTANCE}.1`;
const NODE2 = `198.18.${INSTANCE}.12`;

async function lab(...args: string[]): Promise<string> {
  return (await run('bash', [LAB, ...args], { env, maxBuffer: 4 * 1024 * 1024 })).stdout;
}

let stateDir = '';
let password = '';

async function ipmi(port: number, ...args: string[]): Promise<string> {
  const r = await run('ipmitool', ['-I', 'lanplus', '-C', '3', '-H', GW, '-p', String(port), '-U', 'admin', '-E', ...args], {
    env: { ...process.env, IPMI_PASSWORD: password },
    timeout: 30_000,
  });
  return r.stdout.trim();
}

async function sshAnswers(address: string): Promise<boolean> {
  return run('bash', ['-c', `exec 3<>/dev/tcp/${address}/22`], { timeout: 2000 }).then(
    () => true,
    () => false,
  );
}

async function until(what: string, check: () => Promise<boolean>, limitMs = 120_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe(`lab BMCs (instance ${INSTANCE})`, () => {
  beforeAll(async () => {
    await lab('up', '--nodes', '2');
    await lab('bmc', 'up');
    stateDir = (JSON.parse(await lab('status', '--json')) as { stateDir: string }).stateDir;
    password = readFileSync(join(stateDir, 'bmc', 'password'), 'utf8').trim();
  }, 600_000);

  afterAll(async () => {
    await lab('down');
  }, 120_000);

  it('writes each node\'s BMC into an inventory of its own, never the password', () => {
    const inv = readFileSync(join(stateDir, 'inventory-bmc.yaml'), 'utf8');
    expect(inv).toContain(`    bmc:\n      address: ${GW}\n      port: 6231\n      user: admin`);
    expect(inv).toContain('      port: 6232');
    expect(password).toMatch(/^[0-9a-f]{16}$/);
    expect(inv).not.toContain(password);
    expect(readFileSync(join(stateDir, 'inventory.yaml'), 'utf8')).not.toContain('bmc:');
  });

  it('powers a node off and on: off, it answers nothing; on, it boots from the same disk', async () => {
    await lab('exec', '2', '--', 'sh', '-c', 'echo before-power-off > /root/marker');
    expect(await ipmi(6232, 'power', 'status')).toBe('Chassis Power is on');
    expect(await ipmi(6232, 'power', 'off')).toBe('Chassis Power Control: Down/Off');
    expect(await ipmi(6232, 'power', 'status')).toBe('Chassis Power is off');
    expect(await lab('power', 'status', '2')).toBe('off\n');
    expect(await sshAnswers(NODE2)).toBe(false);
    const ping = await run('ping', ['-c', '1', '-W', '1', NODE2]).then(() => 'answered', () => 'silent');
    expect(ping).toBe('silent');
    // node1 is untouched by node2's power.
    expect(await ipmi(6231, 'power', 'status')).toBe('Chassis Power is on');
    expect(await sshAnswers(`198.18.${INSTANCE}.11`)).toBe(true);

    expect(await ipmi(6232, 'power', 'on')).toBe('Chassis Power Control: Up/On');
    await until('node2 sshd after power on', () => sshAnswers(NODE2));
    expect(await ipmi(6232, 'power', 'status')).toBe('Chassis Power is on');
    expect(await lab('exec', '2', '--', 'cat', '/root/marker')).toBe('before-power-off\n');
  }, 300_000);

  it('refuses a wrong password', async () => {
    const saved = password;
    password = 'not-the-password';
    try {
      await expect(ipmi(6231, 'power', 'status')).rejects.toThrow();
    } finally {
      password = saved;
    }
  }, 60_000);

  it('bmc down stops every BMC and removes their state', async () => {
    await lab('bmc', 'down');
    expect(await lab('bmc', 'status')).toMatch(/node1 {2}bmc .* stopped\nnode2 {2}bmc .* stopped/);
    await expect(ipmi(6231, 'power', 'status')).rejects.toThrow();
  }, 120_000);
});
