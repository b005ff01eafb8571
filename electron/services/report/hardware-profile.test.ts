import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HardwareProfileId, Project } from '../../contract/index.js';
import { factsFromOutput } from '../steps/hardware/collect.js';
import { hardwareStep } from '../steps/hardware/step.js';
import type { JournalEvent } from '../project/journal.js';
import { buildPlan } from '../runbook/plan.js';
import { findingKey } from '../runbook/step-module.js';
import { renderHtml } from './html.js';
import { loadReportLook } from './resources.js';
import { buildReport } from './model.js';

async function englishLook() {
  const look = await loadReportLook('en');
  if (!look.ok) throw new Error(look.error.message);
  return look.value;
}

// The report says which hardware profile each run applied, when a laxer one followed blocking
// findings, and when the lab profile was used on hosts that are not lab nodes.

const fx = (name: string) => readFileSync(join(import.meta.dirname, '..', 'steps', 'hardware', 'fixtures', name), 'utf8');
const at = '2025-03-01T10:00:00.000Z';
const runner = { owner: 'o', laptop: 'l', pid: 1 };
// node2's real collection output, and the same with a rack server's SMBIOS identity instead of the lab's.
const labOut = fx('lab-node2-collect.txt');
const dellOut = labOut.replace(/@@rackside:dmidecode@@\n[\s\S]*?@@rackside-rc:0@@/, `@@rackside:dmidecode@@\n${fx('documented/dmidecode-rack-server.txt')}\n@@rackside-rc:0@@`);

const base: Project = {
  version: 1,
  site: 'Lab',
  customer: 'ACME',
  technician: 'Li Wei',
  hosts: [
    { id: 'h1', name: 'node1', address: '198.18.0.11', port: 22, user: 'root', role: 'master', auth: { method: 'password' } },
    { id: 'h2', name: 'srv2', address: '10.0.0.12', port: 22, user: 'root', role: 'worker', auth: { method: 'password' } },
  ],
};

/** One completed hardware run as the runner journals it, with the findings its evaluation gives. */
function run(runId: string, project: Project, outputs: Record<string, string>): JournalEvent[] {
  const built = buildPlan(hardwareStep, project);
  if (!built.ok) throw new Error(built.error.message);
  const ev: JournalEvent[] = [{ type: 'run-started', at, runId, stepId: 'hardware', plan: built.value.view, ...runner, profile: hardwareStep.profile!(project) }];
  for (const h of project.hosts) {
    ev.push({ type: 'action-started', at, runId, hostId: h.id, actionId: 'collect', attempt: 1, command: 'x', sudo: false, destructive: false });
    ev.push({ type: 'action-finished', at, runId, hostId: h.id, actionId: 'collect', attempt: 1, status: 'done', via: 'command', exitCode: 0, signal: null, durationMs: 1, message: 'exit 0', transcript: 't', sha256: 's', stdout: outputs[h.id]! });
  }
  const results = new Map(project.hosts.map((h) => [h.id, new Map([['collect', { status: 'done' as const, exitCode: 0, stdout: outputs[h.id]! }]])]));
  const findings = hardwareStep.evaluate(results, project).map((f) => ({ ...f, key: findingKey(f) }));
  ev.push({ type: 'findings', at, runId, stepId: 'hardware', findings });
  ev.push({ type: 'run-finished', at, runId, status: 'completed' });
  return ev;
}

const report = (project: Project, events: JournalEvent[]) =>
  buildReport({ project, events, steps: [{ id: 'hardware', title: 't' }], signOff: { technician: '', customerRepresentative: '', date: '' }, appVersion: '0', secrets: [] });

const withProfile = (id: HardwareProfileId, confirmed?: string[]): Project => ({
  ...base,
  hardwareProfile: id,
  ...(confirmed ? { hardwareProfileConfirmation: { profile: 'lab' as const, technician: 'Wang Fang', at, hosts: confirmed } } : {}),
});

describe('hardware profile in the report', () => {
  it('records the profile and thresholds each run applied, and a switch to a laxer one after blocking findings', async () => {
    const outputs = { h1: labOut, h2: labOut };
    const prod = run('r1', withProfile('production'), outputs);
    const blocking = (prod.find((e) => e.type === 'findings') as Extract<JournalEvent, { type: 'findings' }>).findings.filter((f) => f.severity === 'blocking').length;
    expect(blocking).toBeGreaterThan(0);
    const m = await report(withProfile('lab'), [...prod, ...run('r2', withProfile('lab'), outputs)]);
    expect(m.hardwareProfile).toMatchObject({
      applied: 'lab',
      thresholds: { master: { cores: 1 } },
      runs: [{ runId: 'r1', profile: 'production', blocking }, { runId: 'r2', profile: 'lab', blocking: 0 }],
      laxerSwitches: [{ from: 'production', to: 'lab', afterBlocking: blocking, runId: 'r2' }],
    });
    expect(renderHtml(m, await englishLook())).toContain(`Profile switched from production to lab after ${blocking} blocking finding(s)`);
  });

  it('a stricter profile after blocking findings is no laxer switch', async () => {
    const outputs = { h1: labOut, h2: labOut };
    const m = await report(withProfile('production'), [...run('r1', withProfile('default'), outputs), ...run('r2', withProfile('production'), outputs)]);
    expect(m.hardwareProfile?.laxerSwitches).toEqual([]);
  });

  it('the lab profile on a host that is not a lab node: blocking when not confirmed; reported with who confirmed it', async () => {
    const outputs = { h1: labOut, h2: dellOut };
    const unconfirmed = await report(withProfile('lab'), run('r1', withProfile('lab'), outputs));
    expect(unconfirmed.hardwareProfile).toMatchObject({ applied: 'lab', notLabNodes: ['h2'], labConfirmation: null });
    expect(unconfirmed.steps[0]!.findings.filter((f) => f.severity === 'blocking').map((f) => [f.code, f.hostId])).toEqual([['profile.lab-not-lab-node', 'h2']]);
    expect(unconfirmed.verdict.status).toBe('not-ready');
    expect(renderHtml(unconfirmed, await englishLook())).toMatch(/lab profile was applied to host\(s\) not identified as lab nodes: srv2\. Not confirmed\./);

    const confirmed = await report(withProfile('lab', ['h2']), run('r1', withProfile('lab', ['h2']), outputs));
    expect(confirmed.hardwareProfile).toMatchObject({ notLabNodes: ['h2'], labConfirmation: { technician: 'Wang Fang', hosts: ['h2'] } });
    expect(confirmed.steps[0]!.findings.find((f) => f.hostId === 'h2' && f.code.startsWith('profile.'))).toMatchObject({ severity: 'info', code: 'profile.lab-confirmed' });
    expect(renderHtml(confirmed, await englishLook())).toMatch(/not identified as lab nodes: srv2\. Confirmed by Wang Fang/);
  });

  it('a lapsed waiver is not applied, and a withdrawn one is listed with who withdrew it', async () => {
    const p = withProfile('production');
    const r1 = run('r1', p, { h1: labOut, h2: labOut });
    const f = (r1.find((e) => e.type === 'findings') as Extract<JournalEvent, { type: 'findings' }>).findings.find((x) => x.code === 'memory.size' && x.hostId === 'h1')!;
    const waiver: JournalEvent = { type: 'waiver', at, stepId: 'hardware', key: f.key, code: f.code, hostId: 'h1', reason: 'pilot', technician: 'Li Wei', measured: f.measured!, threshold: f.threshold!, compare: { ...f.compare!, measured: f.compare!.measured * 2 }, profile: 'production' };
    const m = await report(p, [...r1, waiver]);
    expect(m.waivers).toEqual([expect.objectContaining({ key: f.key, applied: false })]);
    expect(m.steps[0]!.findings.find((x) => x.key === f.key)).toMatchObject({ waiver: null, waiverLapsed: { why: 'worse' } });
    expect(renderHtml(m, await englishLook())).toContain('waiver no longer applies (worse)');

    const w2 = await report(p, [...r1, { ...waiver, compare: f.compare! }, { type: 'waiver-withdrawn', at, stepId: 'hardware', key: f.key, reason: 'customer wants full RAM', technician: 'Wang Fang' }]);
    expect(w2.waivers).toEqual([]);
    expect(w2.withdrawnWaivers).toEqual([{ stepId: 'hardware', key: f.key, code: 'memory.size', hostId: 'h1', waivedBy: 'Li Wei', reason: 'customer wants full RAM', technician: 'Wang Fang', at }]);
    expect(renderHtml(w2, await englishLook())).toContain('Waivers withdrawn');
  });
});

// The facts parser must see the rack server's identity in the edited output, or the tests above prove nothing.
it('the edited collection output carries the rack server SMBIOS identity', () => {
  expect(factsFromOutput('h2', dellOut, { includeLoopDisks: true }, true).system?.serial).toBe('7XK2M53');
});
