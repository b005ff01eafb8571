import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectSchema, type Project } from '../../../contract/index.js';
import { buildPlan } from '../../runbook/plan.js';
import type { ActionResult, Finding, StepResults } from '../../runbook/step-module.js';
import { isDeclaredFindingCode } from '../finding-codes.js';
import { installContext } from './step.js';
import { isUp, parseDecode, parseJob, parseSinfo, SLURM_VERIFY_PHASE } from './slurm-verify.js';
import { PROFILE_VERIFY_TEST_STEP, profileVerifyStep } from './test-data/profile-verify-step.js';
import { VERIFY_CLUSTER, VERIFY_HOSTS } from './verify-common.js';

/**
 * The Slurm profile's step-7 checks from REAL output: every fixture in fixtures/verify was printed
 * by these very scripts on a 4-node systemd-mode lab cluster (slurm 22.05, munge 0.5.15), healthy
 * and with one fault each (slurmd stopped on node4, munged stopped on node4, node4 with another
 * munge key, a credential decoded twice).
 */
const FX = join(import.meta.dirname, 'fixtures', 'verify');
const fx = (name: string) => readFileSync(join(FX, name), 'utf8');

const host = (i: number, role: 'master' | 'worker') => ({
  id: `n${i}`, name: `node${i}`, address: `198.18.45.${10 + i}`, port: 22, user: 'root', role, auth: { method: 'key' as const, keyPath: '/k' },
});
const project = (): Project => projectSchema.parse({
  version: 1, hosts: [host(1, 'master'), host(2, 'master'), host(3, 'worker'), host(4, 'worker')],
  install: { profile: 'slurm', slurm: { clusterName: 'lab', partitions: [{ name: 'main', default: true }] } },
});

const ok = (stdout: string): ActionResult => ({ status: 'done', exitCode: 0, stdout });
/** The results of a run on the healthy cluster, with `over` replacing some of them. */
function results(over: Record<string, Record<string, ActionResult>> = {}): StepResults {
  const base: Record<string, Record<string, ActionResult>> = {
    n1: { 'munge-credential': ok(''), 'munge-decode': ok(fx('munge-decode-ok.txt')), 'slurm-nodes': ok(fx('sinfo-idle.txt')), 'slurm-job': ok(fx('srun-ok.txt')) },
    // The other nodes' decodes, same form: each lists the three others.
    n2: { 'munge-credential': ok(''), 'munge-decode': ok('node1 ok\nnode3 ok\nnode4 ok\n') },
    n3: { 'munge-credential': ok(''), 'munge-decode': ok('node1 ok\nnode2 ok\nnode4 ok\n') },
    n4: { 'munge-credential': ok(''), 'munge-decode': ok('node1 ok\nnode2 ok\nnode3 ok\n') },
  };
  const m: StepResults = new Map();
  for (const [h, acts] of Object.entries(base)) m.set(h, new Map(Object.entries({ ...acts, ...(over[h] ?? {}) })));
  return m;
}
const evaluate = (r: StepResults) => profileVerifyStep.evaluate(r, project());
const blocking = (fs: Finding[]) => fs.filter((f) => f.severity === 'blocking').map((f) => `${f.code}@${f.hostId ?? '*'}`);

describe('Slurm verification: the plan', () => {
  it('credentials in verify-hosts (secret, never captured), decodes of every other node in the profile phase, sinfo and the job on the first master', () => {
    const built = buildPlan(profileVerifyStep, project());
    if (!built.ok) throw new Error(built.error.message);
    expect(built.value.phases.map((p) => p.id)).toEqual([VERIFY_HOSTS, SLURM_VERIFY_PHASE, VERIFY_CLUSTER]);
    const ctx = installContext(project());
    const plan = profileVerifyStep.plan(project(), { hosts: project().hosts });
    expect([...plan].map(([h, l]) => `${h}:${l.map((a) => a.id).join(',')}`)).toEqual([
      'n1:munge-credential,munge-decode,slurm-nodes,slurm-job', 'n2:munge-credential,munge-decode', 'n3:munge-credential,munge-decode', 'n4:munge-credential,munge-decode',
    ]);
    for (const [, list] of plan) {
      const cred = list.find((a) => a.id === 'munge-credential')!;
      expect(cred.output).toEqual({ name: 'munge-credential', secret: true });
      expect(cred.capture).toBeFalsy();
      // Read-only checks: no probe, nothing destructive.
      expect(list.every((a) => !a.probe && !a.destructive)).toBe(true);
    }
    // node2 decodes node1's, node3's and node4's credentials (by reference: the values never enter the plan).
    const decode = plan.get('n2')!.find((a) => a.id === 'munge-decode')!;
    expect('script' in decode.command && decode.command.args).toEqual([
      'node1', { output: 'munge-credential', host: 'n1' }, 'node3', { output: 'munge-credential', host: 'n3' }, 'node4', { output: 'munge-credential', host: 'n4' },
    ]);
    const job = plan.get('n1')!.find((a) => a.id === 'slurm-job')!;
    expect('script' in job.command && job.command.args?.slice(0, 2)).toEqual(['4', 'node1,node2,node3,node4']);
    expect(ctx.profile.verify?.phases?.(ctx).map((p) => p.hosts)).toEqual([['n1', 'n2', 'n3', 'n4']]);
    expect(PROFILE_VERIFY_TEST_STEP).not.toBe('verification');
  });
});

describe('Slurm verification: parsing real output', () => {
  it('sinfo: four idle nodes are up; node4 with slurmd stopped is "completing*" (not responding), not up', () => {
    const idle = parseSinfo(fx('sinfo-idle.txt'));
    expect([...idle.keys()]).toEqual(['node1', 'node2', 'node3', 'node4']);
    expect([...idle.values()].every(isUp)).toBe(true);
    const down = parseSinfo(fx('sinfo-node4-slurmd-stopped.txt'));
    expect(down.get('node4')).toEqual(['completing*']);
    expect(isUp(down.get('node4')!)).toBe(false);
    expect(isUp(down.get('node3')!)).toBe(true);
    // A node in two partitions is listed twice: up only if up in both.
    expect(isUp(parseSinfo('node1 idle\nnode1 down*\n').get('node1')!)).toBe(false);
    expect(isUp(['mixed', 'allocated'])).toBe(true);
    expect(isUp(['drained'])).toBe(false);
  });

  it('munge decodes: ok, no credential (munged stopped on the maker), munged unreachable, another key, a replay', () => {
    expect([...parseDecode(fx('munge-decode-ok.txt'))]).toEqual([['node2', 'ok'], ['node3', 'ok'], ['node4', 'ok']]);
    expect(parseDecode(fx('munge-decode-node4-munge-stopped-on-node1.txt')).get('node4')).toBe('no-credential');
    expect(parseDecode(fx('munge-decode-node4-munge-stopped-on-node4.txt')).get('node1')).toMatch(/^unmunge: Error: Failed to access .*munge\.socket/);
    expect(parseDecode(fx('munge-decode-node4-other-key-on-node1.txt')).get('node4')).toBe('unmunge: Error: Invalid credential');
    expect(parseDecode(fx('munge-decode-replayed.txt')).get('node2')).toBe('STATUS: Replayed credential (17)');
  });

  it('srun: four distinct names; with node4 down, exit 1 and srun\'s reason', () => {
    expect(parseJob(fx('srun-ok.txt'))).toEqual({ rc: 0, lines: ['node1', 'node4', 'node2', 'node3'] });
    const bad = parseJob(fx('srun-node4-slurmd-stopped.txt'));
    expect(bad.rc).toBe(1);
    expect(bad.lines.at(-1)).toBe('srun: error: Unable to allocate resources: Requested nodes are busy');
  });
});

describe('Slurm verification: findings', () => {
  it('a healthy cluster: nodes up, munge between all 12 pairs, the job on all 4, nothing blocking', () => {
    const fs = evaluate(results());
    expect(blocking(fs)).toEqual([]);
    expect(fs.map((f) => `${f.code}:${String(f.measured)}/${String(f.threshold)}`)).toEqual(['slurm.nodes-up:4/4/4/4', 'slurm.munge-ok:12/12/12/12', 'slurm.job-ran:4/4']);
    for (const f of fs) expect(isDeclaredFindingCode('verification', f.code), f.code).toBe(true);
  });

  it('slurmd stopped on node4: node4 not up (blocking, on node4, measured its sinfo state) and the job blocking', () => {
    const fs = evaluate(results({ n1: { 'slurm-nodes': ok(fx('sinfo-node4-slurmd-stopped.txt')), 'slurm-job': ok(fx('srun-node4-slurmd-stopped.txt')) } }));
    expect(blocking(fs)).toEqual(['slurm.node-not-up@n4', 'slurm.job-failed@n1']);
    const node = fs.find((f) => f.code === 'slurm.node-not-up')!;
    expect([node.measured, node.threshold, node.params?.node]).toEqual(['completing*', 'idle / mixed / allocated', 'node4']);
    const job = fs.find((f) => f.code === 'slurm.job-failed')!;
    expect([job.measured, job.threshold, job.params?.missing]).toEqual([0, 4, 'node1, node2, node3, node4']);
    expect(job.params?.detail).toContain('Requested nodes are busy');
    expect(job.compare).toEqual({ measured: 0, threshold: 4, better: 'higher' });
  });

  it('a node missing from sinfo is "absent"; a job that ran on 3 of 4 names the missing node', () => {
    const fs = evaluate(results({ n1: { 'slurm-nodes': ok('node1 idle\nnode2 idle\nnode3 idle\n'), 'slurm-job': ok('rc 233\nout node3\nout node1\nout node2\nout srun: error: Task launch for StepId=2.0 failed on node node4: Communication connection failure\n') } }));
    expect(fs.find((f) => f.code === 'slurm.node-not-up')?.measured).toBe('absent');
    const job = fs.find((f) => f.code === 'slurm.job-failed')!;
    expect([job.measured, job.params?.missing]).toEqual([3, 'node4']);
    expect(job.params?.detail).toContain('Communication connection failure');
  });

  it('munged stopped on node4: node4 decodes nothing, the others cannot decode its (missing) credential; each decoder its own finding', () => {
    const fs = evaluate(results({
      n1: { 'munge-decode': ok(fx('munge-decode-node4-munge-stopped-on-node1.txt')) },
      n2: { 'munge-decode': ok('node1 ok\nnode3 ok\nnode4 no-credential\n') },
      n3: { 'munge-decode': ok('node1 ok\nnode2 ok\nnode4 no-credential\n') },
      n4: { 'munge-decode': ok(fx('munge-decode-node4-munge-stopped-on-node4.txt')) },
    }));
    expect(blocking(fs)).toEqual(['slurm.munge-failed@n1', 'slurm.munge-failed@n2', 'slurm.munge-failed@n3', 'slurm.munge-failed@n4']);
    expect(fs.some((f) => f.code === 'slurm.munge-ok')).toBe(false);
    const n4 = fs.find((f) => f.hostId === 'n4')!;
    expect([n4.measured, n4.threshold]).toEqual(['0/3', '3/3']);
    expect(n4.params?.failed).toContain('node1: unmunge: Error: Failed to access');
    expect(fs.find((f) => f.hostId === 'n1')!.params?.failed).toBe('node4: no-credential');
  });

  it('node4 with another munge key: its credential is invalid on node1', () => {
    const fs = evaluate(results({ n1: { 'munge-decode': ok(`node2 ok\nnode3 ok\n${fx('munge-decode-node4-other-key-on-node1.txt')}`) } }));
    const f = fs.find((x) => x.code === 'slurm.munge-failed')!;
    expect([f.hostId, f.measured, f.params?.failed]).toEqual(['n1', '2/3', 'node4: unmunge: Error: Invalid credential']);
  });

  it('a check that did not run (host unreachable, timed out) is blocking, never a pass', () => {
    const fs = evaluate(results({ n1: { 'slurm-job': { status: 'failed', exitCode: null, stdout: '' } }, n3: { 'munge-decode': { status: 'skipped', exitCode: null, stdout: '' } } }));
    expect(blocking(fs)).toEqual(['cluster.check-failed@n3', 'cluster.check-failed@n1']);
    expect(fs.some((f) => f.code === 'slurm.munge-ok' || f.code === 'slurm.job-ran')).toBe(false);
    const m = new Map(results());
    m.delete('n2');
    expect(blocking(evaluate(m))).toEqual(['cluster.check-failed@n2']);
  });
});
