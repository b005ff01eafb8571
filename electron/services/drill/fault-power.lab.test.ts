import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bmcSecretId, hostSchema, projectSchema, type Host, type Project } from '../../contract/index.js';
import { MemorySecretStore } from '../secrets/secret-store.js';
import { tcpProbe } from '../steps/verify/local.js';
import { createPowerFault } from './fault-power.js';

/**
 * The power drill's fault against the lab's BMCs (`lab bmc`: OpenIPMI's ipmi_sim, whose power
 * control cuts a node's power), on an instance of its own (79, two chroot-mode nodes): the real
 * ipmitool, the password from the secret store in its environment.
 */
const run = promisify(execFile);
const LAB = join(import.meta.dirname, '../../../scripts/lab/lab');
const INSTANCE = '79';
const env = { ...process.env, RACKSIDE_LAB_INSTANCE: INSTANCE };
const lab = async (...args: string[]) => (await run('bash', [LAB, ...args], { env, maxBuffer: 4 << 20 })).stdout;

const secrets = new MemorySecretStore();
let node2: Host;
let project: Project;

describe(`power-off fault through the lab BMCs (instance ${INSTANCE})`, () => {
  beforeAll(async () => {
    await lab('up', '--nodes', '2');
    await lab('bmc', 'up');
    const stateDir = (JSON.parse(await lab('status', '--json')) as { stateDir: string }).stateDir;
    const bmc = { address: `198.18.${INSTANCE}.1`, port: 6232, user: 'admin' };
    node2 = hostSchema.parse({ id: 'n2', name: 'node2', address: `198.18.${INSTANCE}.12`, port: 22, user: 'root', role: 'worker', auth: { method: 'key', keyPath: join(stateDir, 'keys/id_ed25519') }, bmc });
    project = projectSchema.parse({ version: 1, hosts: [node2] });
    secrets.set(bmcSecretId('n2'), 'password', readFileSync(join(stateDir, 'bmc/password'), 'utf8').trim());
  }, 600_000);

  afterAll(async () => {
    await lab('down');
  }, 120_000);

  const signal = () => AbortSignal.timeout(240_000);

  it('is unavailable without a BMC or without its password, naming which', async () => {
    const fault = createPowerFault({ secrets });
    expect(await fault.available({ ...node2, bmc: undefined }, project)).toEqual({ ok: false, reason: { code: 'no-bmc', params: { host: 'node2' } } });
    expect(await createPowerFault({ secrets: new MemorySecretStore() }).available(node2, project)).toEqual({ ok: false, reason: { code: 'bmc-secret-missing', params: { host: 'node2' } } });
    expect(await fault.available(node2, project)).toEqual({ ok: true });
  });

  it('cuts the power (the node answers nothing) and restores it (SSH answers again); restore twice is harmless', async () => {
    const fault = createPowerFault({ secrets });
    expect(await tcpProbe(node2.address, 22, 2000)).toBe('open');
    expect(await fault.inject(node2, project, signal())).toEqual({ ok: true });
    expect(await lab('power', 'status', '2')).toBe('off\n');
    expect(await tcpProbe(node2.address, 22, 2000)).not.toBe('open');
    expect(await fault.restore(node2, project, signal())).toEqual({ ok: true });
    expect(await lab('power', 'status', '2')).toBe('on\n');
    expect(await tcpProbe(node2.address, 22, 2000)).toBe('open');
    expect(await fault.restore(node2, project, signal())).toEqual({ ok: true });
  }, 300_000);

  it('a wrong password is refused by the BMC and reported as unreachable through it; the password is in no argv nor the outcome', async () => {
    const wrong = new MemorySecretStore();
    wrong.set(bmcSecretId('n2'), 'password', 'wrong-password-1');
    // ipmitool behind a wrapper that records the argv it was given.
    const dir = mkdtempSync(join(tmpdir(), 'rackside-ipmitool-'));
    const wrapper = join(dir, 'ipmitool');
    writeFileSync(wrapper, `#!/bin/sh\nprintf '%s\\n' "$*" >> ${dir}/argv\nexec ipmitool "$@"\n`, { mode: 0o755 });
    const out = await createPowerFault({ secrets: wrong, commandLimitMs: 20_000, ipmitool: wrapper }).inject(node2, project, signal());
    const argv = readFileSync(join(dir, 'argv'), 'utf8');
    expect(argv).toContain('-E power off');
    expect(argv).not.toContain('wrong-password-1');
    expect(out.ok).toBe(false);
    expect(out.ok ? '' : out.reason.code).toBe('unreachable');
    expect(JSON.stringify(out)).not.toContain('wrong-password-1');
    expect(await lab('power', 'status', '2')).toBe('on\n');
  }, 120_000);
});
