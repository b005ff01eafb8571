import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { HardwareFacts, HardwareProfileId, Project, StepState } from '../../../contract/index.js';
import { createLogger } from '../../log/logger.js';
import { Journal, readJournal } from '../../project/journal.js';
import { saveProject } from '../../project/project-store.js';
import { MemorySecretStore } from '../../secrets/secret-store.js';
import { Runbook } from '../../runbook/engine.js';
import { buildPlan } from '../../runbook/plan.js';
import { findingKey } from '../../runbook/step-module.js';
import { factsFromOutput } from './collect.js';
import { evaluateHardware } from './evaluate.js';
import { defaultBuiltinProfilesDir, loadProfiles } from './profile-files.js';
import { hardwareStep } from './step.js';

// The built-in profiles as resources/profiles defines them.
const BUILT_IN = loadProfiles({ builtin: defaultBuiltinProfilesDir() }).profiles;
const builtin = (id: string) => BUILT_IN.find((p) => p.id === id)!;

// Waivers are bound to the value and threshold they waived. These tests drive the real runner
// (waive, withdraw, state) on a real project folder and journal; only the SSH pool is a stand-in
// that refuses to connect, since the runs are written to the journal directly as the runner would.

const GiB = 1024 ** 3;
const fx = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');
const noSsh = { host: () => { throw new Error('no SSH in unit tests'); } };
const silent = createLogger(() => {});
const runner = { owner: 'o', laptop: 'l', pid: 1 };

const project = (profile: HardwareProfileId): Project => ({
  version: 1,
  site: 'Lab',
  customer: 'ACME',
  technician: 'Li Wei',
  hardwareProfile: profile,
  hosts: [{ id: 'h1', name: 'node1', address: '198.18.0.11', port: 22, user: 'root', role: 'master', auth: { method: 'password' } }],
});

/** node2's real collection output, with the RAM the test needs. */
const factsWithRam = (bytes: number): HardwareFacts => {
  const f = factsFromOutput('h1', fx('lab-node2-collect.txt'), { includeLoopDisks: true }, true);
  return { ...f, memory: { ...f.memory, totalBytes: bytes } };
};

const runners: Runbook[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.close()));
});

async function setUp() {
  const dir = await mkdtemp(join(tmpdir(), 'rs-waiver-'));
  const rb = new Runbook({ pool: noSsh, secrets: new MemorySecretStore(), steps: new Map([['hardware', hardwareStep]]), emit: () => {}, log: silent });
  runners.push(rb);
  let n = 0;
  /** One completed hardware run under a profile whose only host has this much RAM, journaled as the runner does. */
  const run = async (profile: HardwareProfileId, ramBytes: number) => {
    const p = project(profile);
    const saved = await saveProject(dir, p);
    expect(saved.ok).toBe(true);
    const built = buildPlan(hardwareStep, p);
    if (!built.ok) throw new Error(built.error.message);
    const runId = `r${++n}`;
    const findings = evaluateHardware(p.hosts, [factsWithRam(ramBytes)], builtin(profile)).map((f) => ({ ...f, key: findingKey(f) }));
    const j = await Journal.open(dir);
    await j.append({ type: 'run-started', runId, stepId: 'hardware', plan: built.value.view, ...runner, profile: hardwareStep.profile!(p) });
    await j.append({ type: 'findings', runId, stepId: 'hardware', findings });
    await j.append({ type: 'run-finished', runId, status: 'completed' });
    await j.close();
  };
  const ram = async (): Promise<{ state: StepState; finding: StepState['lastRun'] extends infer R ? R extends { findings: (infer F)[] } ? F : never : never }> => {
    const s = await rb.state(dir);
    if (!s.ok) throw new Error(s.error.message);
    const state = s.value.steps.find((x) => x.stepId === 'hardware')!;
    return { state, finding: state.lastRun!.findings.find((f) => f.code === 'memory.size')! };
  };
  return { dir, rb, run, ram };
}

describe('waivers are bound to the value and threshold they waived', () => {
  it('records the measured value, threshold and profile it waived', async () => {
    const { dir, rb, run } = await setUp();
    await run('production', 24 * GiB);
    const w = await rb.waive(dir, 'hardware', 'memory.size@h1', 'pilot accepted', 'Li Wei');
    expect(w.ok && w.value.waiver).toMatchObject({
      measured: '24.0 GiB',
      threshold: '≥ 256.0 GiB',
      compare: { measured: 24 * GiB, threshold: 256 * GiB, better: 'higher' },
      profile: 'production',
    });
    const journal = await readJournal(dir);
    expect(journal.ok && journal.value.find((e) => e.type === 'waiver')).toMatchObject({ measured: '24.0 GiB', profile: 'production' });
  });

  it('a worse measurement reopens the finding', async () => {
    const { dir, rb, run, ram } = await setUp();
    await run('production', 24 * GiB);
    expect((await rb.waive(dir, 'hardware', 'memory.size@h1', 'pilot accepted', 'Li Wei')).ok).toBe(true);
    expect((await ram()).finding.waiver).toBeDefined();
    // A DIMM died: the server now has less than what was waived.
    await run('production', 16 * GiB);
    const { state, finding } = await ram();
    expect(finding.waiver).toBeUndefined();
    expect(finding.lapsedWaiver).toMatchObject({ why: 'worse', waiver: { measured: '24.0 GiB' } });
    expect(finding.measured).toBe('16.0 GiB');
    expect(state.passed).toBe(false);
  });

  it('an equal or better measurement keeps it', async () => {
    const { dir, rb, run, ram } = await setUp();
    await run('production', 24 * GiB);
    expect((await rb.waive(dir, 'hardware', 'memory.size@h1', 'pilot accepted', 'Li Wei')).ok).toBe(true);
    await run('production', 24 * GiB);
    expect((await ram()).finding).toMatchObject({ waiver: { technician: 'Li Wei' } });
    expect((await ram()).finding.lapsedWaiver).toBeUndefined();
    await run('production', 32 * GiB);
    expect((await ram()).finding.waiver).toBeDefined();
  });

  it('a stricter threshold reopens it', async () => {
    const { dir, rb, run, ram } = await setUp();
    // 12 GiB on a master: below the default profile's 16 GiB, waived there...
    await run('default', 12 * GiB);
    expect((await rb.waive(dir, 'hardware', 'memory.size@h1', 'small pilot', 'Li Wei')).ok).toBe(true);
    expect((await ram()).finding.waiver).toBeDefined();
    // ...which says nothing about the production profile's 256 GiB.
    await run('production', 12 * GiB);
    const { finding, state } = await ram();
    expect(finding.waiver).toBeUndefined();
    expect(finding.lapsedWaiver).toMatchObject({ why: 'stricter', waiver: { threshold: '≥ 16.0 GiB', profile: 'default' } });
    expect(state.passed).toBe(false);
  });

  it('a waiver can be withdrawn: journaled with who and why, and the finding is open again', async () => {
    const { dir, rb, run, ram } = await setUp();
    await run('production', 24 * GiB);
    expect((await rb.waive(dir, 'hardware', 'memory.size@h1', 'pilot accepted', 'Li Wei')).ok).toBe(true);
    const wd = await rb.withdrawWaiver(dir, 'hardware', 'memory.size@h1', 'customer wants full RAM', 'Wang Fang');
    expect(wd.ok).toBe(true);
    const { finding, state } = await ram();
    expect(finding.waiver).toBeUndefined();
    expect(finding.lapsedWaiver).toBeUndefined();
    expect(state.waivers).toEqual([]);
    expect(state.passed).toBe(false);
    const text = await readFile(join(dir, 'journal.ndjson'), 'utf8');
    const line = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e.type === 'waiver-withdrawn');
    expect(line).toMatchObject({ stepId: 'hardware', key: 'memory.size@h1', technician: 'Wang Fang', reason: 'customer wants full RAM', at: expect.any(String) });
    // Nothing left to withdraw.
    const again = await rb.withdrawWaiver(dir, 'hardware', 'memory.size@h1', 'again', 'Wang Fang');
    expect(again.ok).toBe(false);
  });
});
