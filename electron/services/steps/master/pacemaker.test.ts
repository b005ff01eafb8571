import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectSchema, validatePacemakerPlan, type Project } from '../../../contract/index.js';
import { buildPlan, planText } from '../../runbook/plan.js';
import type { Action, ActionResult, StepResults } from '../../runbook/step-module.js';
import { clusterLeaveStep, workerJoinStep } from '../join/step.js';
import { nodeName, PCM_PHASES, pacemakerProfile } from './pacemaker.js';
import { BMC_FORGET, BMC_SECRET_DIR, BMC_SECRETS } from './pacemaker-scripts.js';
import { profileById } from './profile.js';
import { installContext, masterInstallStep, packagesFor } from './step.js';

const host = (i: number, role: 'master' | 'worker') => ({
  id: `h${i}`, name: `node${i}`, address: `10.9.0.${10 + i}`, port: 22, user: 'root', role, auth: { method: 'key' as const, keyPath: '/k' },
});

function project(pacemaker: Record<string, unknown> = {}, roles: ('master' | 'worker')[] = ['master', 'master', 'worker', 'worker'], vip = '10.9.0.100'): Project {
  return projectSchema.parse({
    version: 1,
    hosts: roles.map((r, i) => host(i + 1, r)),
    network: { vip },
    install: { profile: 'pacemaker', pacemaker },
  });
}

function plan(step = masterInstallStep, p = project(), input?: unknown) {
  const r = buildPlan(step, p, input);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}
const ids = (list: Action[] | undefined) => (list ?? []).map((a) => a.id);

/**
 * The worker-join plan without the join step's own last phase (the read-only as-built reading of
 * every host, steps/join/as-built.ts, tested there): what this profile's `join` plans.
 */
function joinPlan(p = project()) {
  const r = plan(workerJoinStep, p);
  const actions = new Map([...r.actions].map(([h, list]) => [h, list.filter((a) => a.phase !== 'cluster-as-built')] as const).filter(([, list]) => list.length > 0));
  return { ...r, phases: r.phases.filter((x) => x.id !== 'cluster-as-built'), actions };
}

describe('pacemaker profile: master install', () => {
  it('is a profile of this build', () => {
    expect(profileById('pacemaker')).toBe(pacemakerProfile);
  });

  it('after the base phases: set up on the first master, start on every master in parallel, then quorum, properties and the VIP on the first master', () => {
    const r = plan();
    expect(r.phases.map((p) => [p.id, p.mode, p.hosts.join(',')])).toEqual([
      ['prepare', 'parallel', 'h1,h2,h3,h4'],
      ['first-master', 'serial', 'h1'],
      ['masters', 'serial', 'h2'],
      ['workers', 'parallel', 'h3,h4'],
      [PCM_PHASES.setup, 'serial', 'h1'],
      [PCM_PHASES.start, 'parallel', 'h1,h2'],
      [PCM_PHASES.cluster, 'serial', 'h1'],
    ]);
    const h1 = r.actions.get('h1')!;
    expect(h1.find((a) => a.id === 'hacluster-password')!.phase).toBe('prepare');
    expect(ids(h1).filter((id) => id.startsWith('pcm-'))).toEqual([
      'pcm-pcsd', 'pcm-default-destroyed', 'pcm-hacluster-password', 'pcm-host-auth', 'pcm-cluster-setup', 'pcm-start', 'pcm-quorum', 'pcm-properties', 'pcm-vip',
    ]);
    expect(ids(r.actions.get('h2')).filter((id) => id.startsWith('pcm-'))).toEqual(['pcm-pcsd', 'pcm-default-destroyed', 'pcm-hacluster-password', 'pcm-start']);
    // Workers get the cluster's packages in the join, not here.
    expect(ids(r.actions.get('h3')).filter((id) => id.startsWith('pcm-') || id === 'hacluster-password')).toEqual([]);
    const ctx = installContext(project());
    expect(packagesFor(ctx.hosts[0]!, ctx)).toEqual(expect.arrayContaining(['pacemaker', 'corosync', 'pcs', 'resource-agents', 'pacemaker-cli-utils']));
    expect(packagesFor(ctx.hosts[2]!, ctx)).not.toContain('pacemaker');
  });

  it('Pacemaker owns the VIP: no keepalived, haproxy or VRRP secret anywhere; with vipOwner keepalived the base platform keeps them and no IPaddr2 resource is made', () => {
    const all = [...plan().actions.values()].flat();
    expect(all.filter((a) => ['vrrp-secret', 'keepalived', 'haproxy'].includes(a.id))).toEqual([]);
    expect(all.some((a) => a.id === 'packages' && JSON.stringify(a.command).includes('keepalived'))).toBe(false);
    expect(pacemakerProfile.ownsVip!(installContext(project()))).toBe(true);
    // The VIP prefers the masters (one location constraint each, by node name): never a worker while a master is up.
    const vip = plan().actions.get('h1')!.find((a) => a.id === 'pcm-vip')!;
    const ctx = installContext(project());
    expect((vip.command as unknown as { args: readonly unknown[] }).args.slice(4)).toEqual(ctx.masters.map((m) => nodeName(m, ctx)));
    expect((vip.command as unknown as { script: string }).script).toContain('pcs constraint location "$id" prefers "$n=100"');

    const ka = project({ vipOwner: 'keepalived' });
    expect(pacemakerProfile.ownsVip!(installContext(ka))).toBe(false);
    const kaActions = plan(masterInstallStep, ka).actions;
    expect(ids(kaActions.get('h1'))).toEqual(expect.arrayContaining(['vrrp-secret', 'keepalived']));
    expect(ids(kaActions.get('h1'))).not.toContain('pcm-vip');
  });

  it('every action has an "already done?" probe and every output a read; the hacluster password is a secret output of the first master, a placeholder in the plan', () => {
    const r = plan();
    for (const [, list] of r.actions) {
      for (const a of list) {
        if (a.id === 'as-built') continue;
        expect(a.probe, a.id).toBeDefined();
        if (a.output) expect(a.output.read, a.id).toBeDefined();
      }
    }
    const producers = [...r.actions].filter(([, l]) => l.some((a) => a.output?.name === 'hacluster-password')).map(([h]) => h);
    expect(producers).toEqual(['h1']);
    expect(r.actions.get('h1')!.find((a) => a.id === 'hacluster-password')!.output).toMatchObject({ secret: true });
    const h2 = r.view.hosts.find((h) => h.hostId === 'h2')!;
    // On stdin (the check needs it too), never in the line: /proc/<pid>/cmdline is world-readable.
    const pw = h2.actions.find((a) => a.id === 'pcm-hacluster-password')!;
    expect(pw.command).not.toContain('hacluster-password@');
    expect([pw.stdin, pw.probeStdin]).toEqual([['<output:hacluster-password@h1>'], ['<output:hacluster-password@h1>']]);
    // pcs host auth reads it on stdin (no -p); its "already done?" check does not need it.
    const auth = r.view.hosts.find((h) => h.hostId === 'h1')!.actions.find((a) => a.id === 'pcm-host-auth')!;
    expect(auth.command).not.toContain('hacluster-password@');
    expect(auth.command).not.toMatch(/pcs host auth[^\n]* -p /);
    expect([auth.stdin, auth.probeStdin]).toEqual([['<output:hacluster-password@h1>'], undefined]);
    const text = planText(r.view);
    expect(text).toContain('output: hacluster-password (secret');
    // pcs setup uses the plan addresses and the cluster name.
    const setup = r.view.hosts.find((h) => h.hostId === 'h1')!.actions.find((a) => a.id === 'pcm-cluster-setup')!.command;
    expect(setup).toContain('rackside');
    expect(setup).toContain('10.9.0.11');
    expect(setup).toContain('10.9.0.12');
  });

  it('fencing off (a host without a BMC) is a blocking finding naming the hosts without one; no fence device, stonith-enabled=false', () => {
    const p = project();
    p.hosts[0]!.bmc = { address: '10.9.1.11', port: 623, user: 'admin' };
    const f = masterInstallStep.evaluate(new Map(), p);
    expect(f.find((x) => x.code === 'pacemaker.fencing-off')).toMatchObject({ severity: 'blocking', params: { cluster: 'rackside', noBmcHosts: 'node2, node3, node4' } });
    const r = plan(masterInstallStep, p);
    const all = [...r.actions.values()].flat();
    expect(all.filter((a) => /bmc|fence/.test(a.id))).toEqual([]);
    expect(JSON.stringify(r.actions.get('h1')!.find((a) => a.id === 'pcm-properties')!.command)).toContain('"stonith-enabled","false"');
  });
});

describe('pacemaker profile: fencing through the hosts\' BMCs', () => {
  const withBmc = (roles?: ('master' | 'worker')[]) => {
    const p = project({}, roles);
    p.hosts.forEach((h, i) => (h.bmc = { address: '10.9.1.1', port: 6231 + i, user: 'admin' }));
    return p;
  };

  it('master install: every master keeps the BMC passwords (on stdin, from the secret store), the first master makes a fence_ipmilan device per master, stonith-enabled=true', () => {
    const p = withBmc();
    const r = plan(masterInstallStep, p);
    for (const h of ['h1', 'h2']) {
      const a = r.actions.get(h)!.find((x) => x.id === 'pcm-bmc-secrets')!;
      expect(a.command).toMatchObject({ args: ['apply', 'node1', 'node2', 'node3', 'node4'], stdin: [{ secret: 'h1/bmc' }, { secret: 'h2/bmc' }, { secret: 'h3/bmc' }, { secret: 'h4/bmc' }] });
      expect(a.probe).toMatchObject({ args: ['check', 'node1', 'node2', 'node3', 'node4'], stdin: [{ secret: 'h1/bmc' }, { secret: 'h2/bmc' }, { secret: 'h3/bmc' }, { secret: 'h4/bmc' }] });
    }
    const h1 = r.actions.get('h1')!;
    expect(ids(h1).filter((id) => id.startsWith('pcm-fence-'))).toEqual(['pcm-fence-agents', 'pcm-fence-h1', 'pcm-fence-h2']);
    expect(ids(r.actions.get('h2')).filter((id) => id.startsWith('pcm-fence-'))).toEqual(['pcm-fence-agents']);
    expect(h1.find((a) => a.id === 'pcm-fence-h2')!.command).toMatchObject({ args: ['apply', 'node2', '10.9.1.1', '6232', 'admin'] });
    expect(JSON.stringify(h1.find((a) => a.id === 'pcm-properties')!.command)).toContain('"stonith-enabled","true"');
    // The dry run names the store secrets, never a value.
    expect(planText(r.view)).toContain('<secret:h3/bmc>');
    const f = masterInstallStep.evaluate(new Map(), p);
    expect(f.find((x) => x.code === 'pacemaker.fencing-off')).toBeUndefined();
    expect(f.find((x) => x.code === 'pacemaker.fencing-on')).toMatchObject({ severity: 'info', params: { devices: 4 } });
  });

  it('join: every master and the worker keep the passwords; each worker\'s fence device is made on the first master after it is added; a leaving node\'s device goes first', () => {
    const p = withBmc();
    const r = joinPlan(p);
    expect(r.phases[0]).toMatchObject({ id: PCM_PHASES.joinSecret, hosts: ['h1', 'h2'], mode: 'parallel' });
    expect(ids(r.actions.get('h2'))).toEqual(['pcm-bmc-secrets']);
    expect(ids(r.actions.get('h3'))).toContain('pcm-bmc-secrets');
    const h1 = r.actions.get('h1')!.map((a) => [a.id, a.about ?? '', a.stage ?? '']);
    expect(h1.slice(h1.findIndex(([id]) => id === 'pcm-auth-h3'))).toEqual([
      ['pcm-auth-h3', 'h3', 'service'], ['pcm-add-h3', 'h3', 'service'], ['pcm-fence-h3', 'h3', 'service'], ['pcm-seen-h3', 'h3', 'seen'],
      ['pcm-auth-h4', 'h4', 'service'], ['pcm-add-h4', 'h4', 'service'], ['pcm-fence-h4', 'h4', 'service'], ['pcm-seen-h4', 'h4', 'seen'],
    ]);
    const leave = plan(clusterLeaveStep, p, { hostId: 'h4' });
    expect(ids(leave.actions.get('h1'))).toEqual(['pcm-unfence-h4', 'pcm-remove-h4']);
  });
});

describe('pacemaker profile: worker joins and leave', () => {
  it('reads the secret on the first master, prepares the workers in parallel, then adds them one at a time from the first master', () => {
    const r = joinPlan();
    expect(r.phases.map((p) => [p.id, p.mode, p.hosts.join(',')])).toEqual([
      [PCM_PHASES.joinSecret, 'serial', 'h1'],
      [PCM_PHASES.joinPrepare, 'parallel', 'h3,h4'],
      [PCM_PHASES.joinAdd, 'serial', 'h1'],
    ]);
    const h1 = r.actions.get('h1')!;
    expect(h1.map((a) => [a.id, a.about ?? '', a.stage ?? ''])).toEqual([
      ['hacluster-password', '', 'configuration'],
      ['pcm-auth-h3', 'h3', 'service'], ['pcm-add-h3', 'h3', 'service'], ['pcm-seen-h3', 'h3', 'seen'],
      ['pcm-auth-h4', 'h4', 'service'], ['pcm-add-h4', 'h4', 'service'], ['pcm-seen-h4', 'h4', 'seen'],
    ]);
    // A join only reads the secret back: it never makes one.
    expect(JSON.stringify(h1[0]!.command)).not.toContain('urandom');
    expect(r.actions.get('h2')).toBeUndefined();
    expect(r.actions.get('h3')!.map((a) => [a.id, a.stage])).toEqual([
      ['pcm-packages', 'packages'], ['pcm-pcsd', 'configuration'], ['pcm-default-destroyed', 'configuration'], ['pcm-hacluster-password', 'configuration'],
    ]);
    for (const [, list] of r.actions) for (const a of list) expect(a.probe, a.id).toBeDefined();
    expect(planText(r.view)).toContain('<output:hacluster-password@h1>');
  });

  it('a node added later: only its own actions are new; the others\' are the same actions as before', () => {
    const four = joinPlan();
    const five = joinPlan(project({}, ['master', 'master', 'worker', 'worker', 'worker']));
    expect(ids(five.actions.get('h1')).slice(0, ids(four.actions.get('h1')).length)).toEqual(ids(four.actions.get('h1')));
    expect(ids(five.actions.get('h1')).slice(-3)).toEqual(['pcm-auth-h5', 'pcm-add-h5', 'pcm-seen-h5']);
  });

  it('leave: the first master removes the node, then the node\'s services stop; the first master cannot leave', () => {
    const r = plan(clusterLeaveStep, project(), { hostId: 'h4' });
    expect(r.phases.map((p) => [p.id, p.hosts.join(',')])).toEqual([[PCM_PHASES.leaveCluster, 'h1'], [PCM_PHASES.leaveNode, 'h4']]);
    expect(r.actions.get('h1')!.map((a) => [a.id, a.about])).toEqual([['pcm-remove-h4', 'h4']]);
    expect(ids(r.actions.get('h4'))).toEqual(['pcm-services-off', 'pcm-bmc-forget']);
    expect(r.actions.get('h3')).toBeUndefined();
    expect(buildPlan(clusterLeaveStep, project(), { hostId: 'h1' }).ok).toBe(false);
  });

  it('findings: the joining workers are members; the first master (cluster side) is no join member, and its failure is named as the cluster side\'s', () => {
    const p = project();
    const r = joinPlan(p);
    const results: StepResults = new Map([...r.actions].map(([hostId, list]) => [hostId, new Map(list.map((a): [string, ActionResult] => [a.id, { status: 'done', exitCode: 0, stdout: '' }]))]));
    const ok = workerJoinStep.evaluate(results, p);
    expect(ok.filter((f) => f.code === 'join.member').map((f) => f.hostId)).toEqual(['h3', 'h4']);
    results.get('h1')!.set('hacluster-password', { status: 'failed', exitCode: 1, stdout: '' });
    const bad = workerJoinStep.evaluate(results, p);
    expect(bad.filter((f) => f.severity === 'blocking').map((f) => [f.code, f.hostId])).toEqual([['join.cluster-side-failed', 'h1']]);
  });

  it('as built: the cluster units, the packages and a members command', () => {
    const ctx = installContext(project());
    expect(pacemakerProfile.asBuilt!.units(ctx.hosts[2]!, ctx)).toEqual(['pacemaker', 'corosync', 'pcsd']);
    expect(pacemakerProfile.asBuilt!.packages(ctx.hosts[2]!, ctx)).toContain('pcs');
    expect('script' in pacemakerProfile.asBuilt!.members).toBe(true);
  });
});

describe('validatePacemakerPlan', () => {
  const hosts = [host(1, 'master'), host(2, 'master')];
  const codes = (p: Record<string, unknown>, vip = '10.9.0.100', hs = hosts) =>
    validatePacemakerPlan({ clusterName: 'rackside', vipOwner: 'pacemaker', quorumPolicy: 'stop', ...p }, hs, vip).map((i) => i.code);

  it('accepts the defaults with a VIP', () => {
    expect(codes({})).toEqual([]);
  });
  it('cluster name: at most 15 characters of [A-Za-z0-9_-]', () => {
    expect(codes({ clusterName: 'a'.repeat(15) })).toEqual([]);
    expect(codes({ clusterName: 'a'.repeat(16) })).toEqual(['pacemaker-cluster-name']);
    expect(codes({ clusterName: 'bad name' })).toEqual(['pacemaker-cluster-name']);
    expect(codes({ clusterName: '' })).toEqual(['pacemaker-cluster-name']);
  });
  it('Pacemaker holding the VIP needs a VIP in the network plan; keepalived does not', () => {
    expect(codes({}, '')).toEqual(['pacemaker-vip-missing']);
    expect(codes({ vipOwner: 'keepalived' }, '')).toEqual([]);
  });
  it('two hosts with the same name are refused (Pacemaker names nodes by host name)', () => {
    expect(codes({}, '10.9.0.100', [host(1, 'master'), { ...host(2, 'master'), name: 'NODE1' }])).toEqual(['pacemaker-name-twice']);
  });
  it('its issues stop the master install (installContext)', () => {
    expect(() => installContext(project({ clusterName: 'much-too-long-name' }))).toThrow(/clusterName/);
  });
});

describe('pacemaker scripts run by sh (the secret directory moved into a temporary one)', () => {
  const sh = (script: string, dir: string, args: string[], input = '') => {
    try {
      return { rc: 0, out: execFileSync('sh', ['-c', script.replaceAll(BMC_SECRET_DIR, dir), 'sh', ...args], { input, encoding: 'utf8' }) };
    } catch (e) {
      return { rc: (e as { status: number }).status, out: String((e as { stdout: string }).stdout) };
    }
  };

  it('BMC_SECRETS writes one file per fenced node, is done on a second run, and removes the file of a node that left', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'rackside-bmc-')), 'bmc');
    try {
      expect(sh(BMC_SECRETS, dir, ['check', 'node1', 'node5'], 'pw1\npw5\n').rc).toBe(1);
      expect(sh(BMC_SECRETS, dir, ['apply', 'node1', 'node5'], 'pw1\npw5\n').rc).toBe(0);
      expect(readdirSync(dir).sort()).toEqual(['node1.secret', 'node5.secret']);
      expect(readFileSync(join(dir, 'node5.secret'), 'utf8')).toBe('pw5');
      expect(sh(BMC_SECRETS, dir, ['check', 'node1', 'node5'], 'pw1\npw5\n').rc).toBe(0);
      // node5 left: not named any more, so its file is not done until it is gone.
      expect(sh(BMC_SECRETS, dir, ['check', 'node1'], 'pw1\n').rc).toBe(1);
      const r = sh(BMC_SECRETS, dir, ['apply', 'node1'], 'pw1\n');
      expect(r.rc).toBe(0);
      expect(r.out).toContain('node5.secret removed');
      expect(readdirSync(dir)).toEqual(['node1.secret']);
      expect(sh(BMC_SECRETS, dir, ['check', 'node1'], 'pw1\n').rc).toBe(0);
      // The node that left forgets every password it kept.
      expect(sh(BMC_FORGET, dir, ['check']).rc).toBe(1);
      expect(sh(BMC_FORGET, dir, ['apply']).rc).toBe(0);
      expect(sh(BMC_FORGET, dir, ['check']).rc).toBe(0);
    } finally {
      rmSync(join(dir, '..'), { recursive: true, force: true });
    }
  });
});
