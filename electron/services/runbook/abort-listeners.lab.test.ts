import { getEventListeners } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lab, trustLabHostKeys, type LabStatus } from '../../../scripts/test-support/lab.js';
import type { Project } from '../../contract/index.js';
import { createLogger } from '../log/logger.js';
import { saveProject } from '../project/project-store.js';
import { MemorySecretStore } from '../secrets/secret-store.js';
import { KnownHosts } from '../ssh/known-hosts.js';
import { SshPool } from '../ssh/pool.js';
import { stepRegistry } from '../steps/registry.js';
import { preflightStep } from '../steps/preflight/step.js';
import { hardwareStep } from '../steps/hardware/step.js';
import { Runbook } from './engine.js';
import { LOCK_DIR } from './lock.js';
import type { StepModule } from './step-module.js';

/*
 * Issue 21: on 32 and 100 nodes the runner printed "MaxListenersExceededWarning: … 11 abort
 * listeners added to [AbortSignal]": a signal collected one listener per host. This runs the steps
 * on every node of the lab it finds (4 in `npm test`; `lab up --nodes 100` for the 100-host count)
 * and counts, with Node's own getEventListeners, the abort listeners each signal holds whenever one
 * is added: the most any one signal holds must not grow with the host count, and none is left when
 * the run ends. The count is taken by wrapping AbortSignal's addEventListener (a probe on the real
 * signals, nothing replaced).
 */
const PER_SIGNAL_MAX = 3;
// Long enough that every host is still in it when the test cancels, however slowly 100 hosts connect.
const holdStep: StepModule = {
  id: 'hold',
  title: 'test.hold',
  plan: (project) =>
    new Map(project.hosts.map((h) => [h.id, [{ id: 'hold', title: 'test.hold', command: { argv: ['sleep', '600'] }, sudo: false, timeoutMs: 900_000, destructive: false }]])),
  evaluate: () => [],
};
let status: LabStatus;
let dataDir: string;
const nodes = () => status.nodes.map((_, i) => i + 1);
const silent = createLogger(() => {});

const seen = new Map<AbortSignal, number>();
const warnings: Error[] = [];
const onWarning = (w: Error) => {
  if (w.name === 'MaxListenersExceededWarning') warnings.push(w);
};
const inherited = EventTarget.prototype.addEventListener;

function countListeners(): void {
  Object.defineProperty(AbortSignal.prototype, 'addEventListener', {
    configurable: true,
    writable: true,
    value: function (this: AbortSignal, ...args: Parameters<EventTarget['addEventListener']>) {
      inherited.apply(this, args);
      if (args[0] === 'abort') seen.set(this, Math.max(seen.get(this) ?? 0, getEventListeners(this, 'abort').length));
    },
  });
}

const peak = () => Math.max(0, ...seen.values());
const left = () => [...seen.keys()].reduce((n, s) => n + getEventListeners(s, 'abort').length, 0);

async function projectDir(): Promise<string> {
  const project: Project = {
    version: 1,
    site: 'Lab',
    customer: 'Abort listeners',
    technician: 'Vitest',
    hosts: status.nodes.map((n, i) => ({
      id: `n${i + 1}`,
      name: n.name,
      address: n.address,
      port: 22,
      user: 'root',
      role: i === 0 ? ('master' as const) : ('worker' as const),
      auth: { method: 'key' as const, keyPath: status.keyPath },
    })),
  };
  const dir = join(await mkdtemp(join(tmpdir(), 'rs-abort-')), 'project');
  const saved = await saveProject(dir, project);
  if (!saved.ok) throw new Error(saved.error.message);
  return dir;
}

function runbook(steps: Parameters<typeof stepRegistry>[0]) {
  const secrets = new MemorySecretStore();
  // Every host connects at once: the listener count is per signal, whatever the connect limit.
  const pool = new SshPool({ knownHosts: new KnownHosts(dataDir), secrets, connectLimit: status.nodes.length });
  const running = new Set<string>();
  const emit = (channel: string, payload: unknown) => {
    if (channel !== 'runbook.progress') return;
    const { host } = payload as { host: { hostId: string; actions: { status: string }[] } };
    if (host.actions[0]?.status === 'running') running.add(host.hostId);
  };
  return { pool, running, rb: new Runbook({ pool, secrets, steps: stepRegistry(steps), emit, log: silent }) };
}

beforeAll(async () => {
  status = await lab.status();
  dataDir = await mkdtemp(join(tmpdir(), 'rs-abort-data-'));
  await trustLabHostKeys(dataDir, nodes());
  process.on('warning', onWarning);
  countListeners();
}, 600_000);

afterAll(async () => {
  delete (AbortSignal.prototype as { addEventListener?: unknown }).addEventListener;
  process.off('warning', onWarning);
  for (const i of nodes()) await lab.exec(i, 'rm', '-rf', LOCK_DIR).catch(() => {});
}, 600_000);

describe('abort listeners at scale', () => {
  it('preflight and hardware on every lab node: no signal holds more than a few abort listeners, none is left after', async () => {
    seen.clear();
    const { pool, rb } = runbook([preflightStep, hardwareStep]);
    const dir = await projectDir();
    for (const step of ['preflight', 'hardware']) {
      const started = await rb.start(dir, step);
      if (!started.ok) throw new Error(started.error.message);
      const run = await rb.whenDone(started.value.runId);
      expect(run?.status, step).toBe('completed');
      expect(run?.hosts.every((h) => h.status === 'done'), step).toBe(true);
    }
    await rb.close();
    pool.closeAll();
    expect(seen.size).toBeGreaterThan(0);
    expect(peak(), `${status.nodes.length} hosts`).toBeLessThanOrEqual(PER_SIGNAL_MAX);
    expect(left()).toBe(0);
    expect(warnings.map((w) => w.message)).toEqual([]);
  }, 600_000);

  it('cancelling a run still stops every host mid-command, with no listener per host on the run', async () => {
    seen.clear();
    const { pool, rb, running } = runbook([holdStep]);
    const dir = await projectDir();
    const started = await rb.start(dir, 'hold');
    if (!started.ok) throw new Error(started.error.message);
    const runId = started.value.runId;
    // Cancel once every host's command is running (its exec listens), so each one is stopped mid-command.
    const end = Date.now() + 300_000;
    while (running.size < status.nodes.length) {
      if (Date.now() > end) throw new Error('not every host started the hold');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(rb.cancel(runId).ok).toBe(true);
    const run = await rb.whenDone(runId);
    expect(run?.status).toBe('cancelled');
    expect(run?.hosts.map((h) => h.actions[0]!.status)).toEqual(status.nodes.map(() => 'cancelled'));
    await rb.close();
    pool.closeAll();
    expect(peak(), `${status.nodes.length} hosts`).toBeLessThanOrEqual(PER_SIGNAL_MAX);
    expect(left()).toBe(0);
    expect(warnings.map((w) => w.message)).toEqual([]);
  }, 600_000);
});
