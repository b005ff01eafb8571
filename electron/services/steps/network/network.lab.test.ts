import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lab, trustLabHostKeys, type LabStatus } from '../../../../scripts/test-support/lab.js';
import {
  NETWORK_ADDRESSING_STEP,
  NETWORK_CHECK_STEP,
  NETWORK_HOSTS_STEP,
  NETWORK_INTERFACES_STEP,
  networkPlanSchema,
  type AddressingOutcome,
  type HostInterfaces,
  type NetworkPlanInput,
  type Project,
} from '../../../contract/index.js';
import { createDispatcher } from '../../api/dispatcher.js';
import { createHandlers } from '../../api/handlers.js';
import { createLogger } from '../../log/logger.js';
import { readJournal } from '../../project/journal.js';
import { openProject, saveProject } from '../../project/project-store.js';
import { Runbook } from '../../runbook/engine.js';
import { stepRegistry } from '../registry.js';
import { JournalState } from '../../runbook/replay.js';
import { MemorySecretStore } from '../../secrets/secret-store.js';
import { KnownHosts } from '../../ssh/known-hosts.js';
import { SshPool } from '../../ssh/pool.js';
import { targetOf } from './addressing.js';
import { networkCheckStep } from './check-step.js';
import { networkHostsStep } from './hosts-step.js';
import { buildMatrix, readHostFacts } from './matrix.js';

// Integration: the network step modules and the addressing rollback against the lab's real nodes.
let status: LabStatus;
let knownHosts: KnownHosts;
let pool: SshPool;
let runbook: Runbook;
let dataDir: string;
const secrets = new MemorySecretStore();
const silent = createLogger(() => {});
const NODES = [1, 2, 3, 4];
const k0 = (i: number) => i - 1;

const projectFor = (network?: NetworkPlanInput): Project => ({
  version: 1,
  site: 'Lab',
  customer: 'Network tests',
  technician: 'Vitest',
  hosts: NODES.map((i) => ({
    id: `n${i}`,
    name: `node${i}`,
    address: status.nodes[i - 1]!.address,
    port: 22,
    user: 'root',
    role: i === 1 ? ('master' as const) : ('worker' as const),
    auth: { method: 'key' as const, keyPath: status.keyPath },
  })),
  ...(network ? { network: networkPlanSchema.parse(network) } : {}),
});

async function newProject(network?: NetworkPlanInput): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), 'rs-net-lab-')), 'project');
  const saved = await saveProject(dir, projectFor(network));
  if (!saved.ok) throw new Error(saved.error.message);
  return dir;
}

async function runStep(dir: string, stepId: string) {
  const started = await runbook.start(dir, stepId);
  if (!started.ok) throw new Error(started.error.message);
  const run = await runbook.whenDone(started.value.runId);
  if (!run) throw new Error('run vanished');
  return run;
}

async function matrixOf(dir: string) {
  const events = await readJournal(dir);
  if (!events.ok) throw new Error(events.error.message);
  const state = JournalState.from(events.value);
  const opened = await openProject(dir);
  if (!opened.ok) throw new Error(opened.error.message);
  const run = state.lastRun(NETWORK_CHECK_STEP)!;
  return buildMatrix(readHostFacts(state.results(run.runId), opened.value.project), opened.value.project);
}

async function restoreNames() {
  for (const i of NODES) {
    await lab.exec(i, 'sh', '-c', `hostname node${i}; echo node${i} > /etc/hostname; if [ -e /etc/hosts.rackside-orig ]; then cat /etc/hosts.rackside-orig > /etc/hosts; rm -f /etc/hosts.rackside-orig; fi`);
  }
}

beforeAll(async () => {
  status = await lab.status();
  dataDir = await mkdtemp(join(tmpdir(), 'rs-net-data-'));
  await trustLabHostKeys(dataDir, NODES);
  knownHosts = new KnownHosts(dataDir);
  pool = new SshPool({ knownHosts, secrets });
  runbook = new Runbook({ pool, secrets, steps: stepRegistry([networkHostsStep, networkCheckStep]), emit: () => {}, log: silent });
});

afterAll(async () => {
  await runbook?.close();
  pool?.closeAll();
  await restoreNames().catch(() => {});
  // Whatever a failed test left: node4 back on its own address.
  await lab.exec(4, 'sh', '-c', `ip -4 addr flush dev eth0 scope global; ip addr add ${status.nodes[3]!.address}/24 dev eth0; ip route replace default via ${status.nodes[0]!.address.replace(/\.\d+$/, '.1')}`).catch(() => {});
});

describe('reading interfaces in the lab', () => {
  it('runs through the step runner: journaled, each host locked and released, a transcript per host', async () => {
    const dir = await newProject();
    const dispatch = createDispatcher(createHandlers({ transport: 'browser', version: 't', dataDir, secrets, emit: () => {}, log: silent }), silent);
    const r = await dispatch('network.interfaces', { dir });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    const hosts = (r as { value: { hosts: HostInterfaces[] } }).value.hosts;
    expect(hosts.map((h) => [h.hostId, h.ok])).toEqual(NODES.map((i) => [`n${i}`, true]));
    expect(hosts[1]!.interfaces.find((i) => i.name === 'eth0')?.addresses.map((a) => a.address)).toContain(status.nodes[1]!.address);
    expect(hosts[1]!.hostname).toBe('node2');

    const events = await readJournal(dir);
    if (!events.ok) throw new Error(events.error.message);
    const run = JournalState.from(events.value).lastRun(NETWORK_INTERFACES_STEP);
    expect(run?.finished).toBe('completed');
    for (const i of NODES) {
      const mine = events.value.filter((e) => 'hostId' in e && e.hostId === `n${i}` && 'runId' in e && e.runId === run!.runId);
      expect(mine.filter((e) => e.type === 'lock').map((e) => (e as { outcome: string }).outcome)).toEqual(['acquired', 'released']);
      const done = mine.find((e) => e.type === 'action-finished') as { status: string; transcript: string } | undefined;
      expect(done?.status).toBe('done');
      expect(await readFile(join(dir, done!.transcript), 'utf8')).toContain('ip -j -d addr show');
    }
  });
});

describe('network check in the lab', () => {
  it('measures a full 4x4 matrix from the nodes themselves, all within thresholds', async () => {
    const dir = await newProject();
    const run = await runStep(dir, NETWORK_CHECK_STEP);
    expect(run.status).toBe('completed');
    const m = await matrixOf(dir);
    expect(m.cells).toHaveLength(12);
    for (const c of m.cells) {
      expect(c, `${c.from}→${c.to}`).toMatchObject({ status: 'ok', sent: 10, received: 10, lossPct: 0, mtuOk: true, mtuPayload: 1472, ports: { '22': 'open' } });
      expect(c.rttAvgMs).toBeLessThan(5);
    }
    for (const c of m.clocks) expect(Math.abs(c.offsetS!)).toBeLessThan(1);
    const blocking = run.findings.filter((f) => f.severity === 'blocking');
    expect(blocking).toEqual([]);
    const codes = run.findings.map((f) => f.code);
    expect(codes).toContain('network.interfaces');
    expect(codes).toContain('network.dns-not-configured');
  });

  it('reports a VIP that a node already answers for, and a planned address that is taken', async () => {
    const dir = await newProject({
      vip: status.nodes[1]!.address.replace(/\.\d+$/, '.1'), // the lab bridge answers there
      hosts: [{ hostId: 'n4', interfaces: [{ name: 'eth0', address: status.nodes[1]!.address.replace(/\.\d+$/, '.200'), prefix: 24 }] }],
    });
    const run = await runStep(dir, NETWORK_CHECK_STEP);
    const codes = run.findings.filter((f) => f.severity === 'blocking').map((f) => f.code);
    expect(codes).toContain('network.vip-in-use');
    expect(codes).not.toContain('network.planned-address-in-use');
  });
});

describe('hostnames and /etc/hosts in the lab', () => {
  it('applies them on all four nodes, reads them back, and a second run changes nothing', async () => {
    const dir = await newProject({
      domain: 'rack-a.lab',
      vip: status.nodes[0]!.address.replace(/\.\d+$/, '.100'),
      vipName: 'cluster',
      hosts: NODES.map((i) => ({ hostId: `n${i}`, hostname: `rack-a-0${i}` })),
    });
    try {
      const first = await runStep(dir, NETWORK_HOSTS_STEP);
      expect(first.status).toBe('completed');
      for (const h of first.hosts) expect(h.actions.map((a) => [a.actionId, a.status])).toEqual([['hostname', 'done'], ['etc-hosts', 'done'], ['verify', 'done']]);
      expect(first.findings.filter((f) => f.severity === 'blocking')).toEqual([]);
      expect(first.findings.filter((f) => f.code === 'network.names-ok')).toHaveLength(4);

      const before: string[] = [];
      for (const i of NODES) {
        expect((await lab.exec(i, 'hostname')).trim()).toBe(`rack-a-0${i}`);
        expect((await lab.exec(i, 'cat', '/etc/hostname')).trim()).toBe(`rack-a-0${i}`);
        for (const k of NODES) {
          const got = await lab.exec(i, 'getent', 'ahostsv4', `rack-a-0${k}`);
          expect(got.split('\n')[0]!.split(/\s+/)).toEqual([status.nodes[k - 1]!.address, 'STREAM', `rack-a-0${k}.rack-a.lab`]);
        }
        expect((await lab.exec(i, 'getent', 'ahostsv4', 'cluster')).split(/\s+/)[0]).toBe(status.nodes[0]!.address.replace(/\.\d+$/, '.100'));
        expect(await lab.exec(i, 'cat', '/etc/hosts')).toContain(`${status.nodes[k0(i)]!.address} rack-a-0${k0(i) + 1}.rack-a.lab rack-a-0${k0(i) + 1}`);
        // The old line for this node's address is kept, commented out, so it cannot answer first.
        expect(await lab.exec(i, 'cat', '/etc/hosts')).toContain(`# rackside-replaced: ${status.nodes[i - 1]!.address} node${i}`);
        before.push(await lab.exec(i, 'stat', '-c', '%Y %i %s', '/etc/hosts', '/etc/hostname'));
      }

      const second = await runStep(dir, NETWORK_HOSTS_STEP);
      for (const h of second.hosts) expect(h.actions.map((a) => [a.actionId, a.status])).toEqual([['hostname', 'already-done'], ['etc-hosts', 'already-done'], ['verify', 'done']]);
      for (const i of NODES) expect(await lab.exec(i, 'stat', '-c', '%Y %i %s', '/etc/hosts', '/etc/hostname')).toBe(before[i - 1]);
    } finally {
      await restoreNames();
    }
  });
});

describe('addressing with a rollback timer in the lab', () => {
  const node4 = () => projectFor().hosts[3]!;
  const eth0 = (address: string, gateway: string) => ({ hostId: 'n4', interfaces: [{ name: 'eth0', address, prefix: 24, gateway }] });

  /** Preview and apply n4's saved plan as the UI does, through the handlers (and so the runner). */
  async function apply(dir: string, rollbackAfterS: number): Promise<AddressingOutcome> {
    const dispatch = createDispatcher(createHandlers({ transport: 'browser', version: 't', dataDir, secrets, emit: () => {}, log: silent }), silent);
    const preview = await dispatch('network.addressingPreview', { dir, hostId: 'n4' });
    if (!preview.ok) throw new Error(preview.error.message);
    const { changes, changeTexts } = preview.value as { changes: string[]; changeTexts?: { code: string }[] };
    // Each change also as a code the confirmation words in the technician's language.
    expect(changeTexts?.map((c) => c.code.startsWith('net-'))).toEqual(changes.map(() => true));
    const r = await dispatch('network.applyAddressing', { dir, hostId: 'n4', changes, rollbackAfterS });
    if (!r.ok) throw new Error(r.error.message);
    return r.value as AddressingOutcome;
  }

  /** The last addressing run in the journal: n4's lock events and its clean-up. */
  async function lastAddressingRun(dir: string) {
    const events = await readJournal(dir);
    if (!events.ok) throw new Error(events.error.message);
    const run = JournalState.from(events.value).lastRun(NETWORK_ADDRESSING_STEP)!;
    const mine = events.value.filter((e) => 'runId' in e && e.runId === run.runId && 'hostId' in e && e.hostId === 'n4');
    return {
      run,
      locks: mine.filter((e) => e.type === 'lock').map((e) => (e as { outcome: string }).outcome),
      actions: mine.filter((e) => e.type === 'action-finished').map((e) => [(e as { actionId: string }).actionId, (e as { status: string }).status]),
      cleanUp: mine.find((e) => e.type === 'clean-up') as { status: string; result: string; address?: string } | undefined,
    };
  }

  it('a plan that cuts the connection is undone by the node itself, which is reachable again on its old address', async () => {
    const old = node4().address;
    const dir = await newProject({ hosts: [eth0('10.99.0.14', '10.99.0.1')] });
    const outcome = await apply(dir, 8);
    expect(outcome.status).toBe('rolled-back');
    expect(outcome.address).toBe(old);
    expect(outcome).toMatchObject({ reason: 'addr-rolled-back', params: { address: old, newAddress: '10.99.0.14' } });
    const addrs = JSON.parse(await lab.exec(4, 'ip', '-j', '-4', 'addr', 'show', 'dev', 'eth0')) as { addr_info: { local: string }[] }[];
    expect(addrs[0]!.addr_info.map((a) => a.local)).toEqual([old]);
    expect(await lab.exec(4, 'ip', 'route', 'show', 'default')).toContain(`via ${old.replace(/\.\d+$/, '.1')}`);
    const r = await pool.host(targetOf(node4())).run({ argv: ['hostname'] }, { timeoutMs: 10_000 });
    expect(r.status).toBe('ok');
    // Through the runner: journaled, under n4's lock (released again), the clean-up hook's outcome recorded.
    const j = await lastAddressingRun(dir);
    expect(j.actions).toEqual([['prepare', 'done'], ['start', 'done']]);
    expect(j.cleanUp).toMatchObject({ status: 'failed', result: 'rolled-back', address: old });
    expect(j.locks).toEqual(['acquired', 'released']);
    expect(j.run.finished).toBe('failed');
    const opened = await openProject(dir);
    expect(opened.ok && opened.value.project.hosts[3]!.address).toBe(old);
  });

  it('a reachable new address is confirmed over a new connection, and moving back works the same way', async () => {
    const old = node4().address;
    const moved = old.replace(/\.\d+$/, '.24');
    const gw = old.replace(/\.\d+$/, '.1');
    const dir = await newProject({ hosts: [eth0(moved, gw)] });
    const there = await apply(dir, 20);
    expect(there).toMatchObject({ status: 'applied', address: moved, reason: 'addr-applied', params: { address: moved } });
    expect(await lab.exec(4, 'cat', '/run/rackside/net/state')).toBe('applied\n');
    expect(await lab.exec(4, 'ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0')).toContain(`${moved}/24`);
    const j = await lastAddressingRun(dir);
    expect(j.cleanUp).toMatchObject({ status: 'done', result: 'applied', address: moved });
    // Released on the new address: the old one no longer answers.
    expect(j.locks).toEqual(['acquired', 'released']);
    expect(j.run.finished).toBe('completed');
    const opened = await openProject(dir);
    if (!opened.ok) throw new Error(opened.error.message);
    expect(opened.value.project.hosts[3]!.address).toBe(moved);

    // Back, from the new address to the old one (project.yaml now says .24).
    const saved = await saveProject(dir, { ...opened.value.project, network: networkPlanSchema.parse({ hosts: [eth0(old, gw)] }) });
    if (!saved.ok) throw new Error(saved.error.message);
    const back = await apply(dir, 20);
    expect(back).toMatchObject({ status: 'applied', address: old });
    expect(await lab.exec(4, 'ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0')).toContain(`${old}/24`);
  });
});
