import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectSchema, type Project } from '../../../contract/index.js';
import { buildPlan } from '../../runbook/plan.js';
import type { ActionResult, Finding, StepResults } from '../../runbook/step-module.js';
import { isDeclaredFindingCode } from '../finding-codes.js';
import { parseCrmMon, parseQuorumTool } from './pacemaker-verify.js';
import { pacemakerProfile } from './pacemaker.js';
import { installContext } from './step.js';
import { profileVerifyStep } from './test-data/profile-verify-step.js';
import { VERIFY_CLUSTER } from './verify-common.js';

/**
 * The Pacemaker profile's step-7 checks from REAL output: every fixture in fixtures/verify/pcm-*
 * was printed by these very scripts (crm_mon XML, corosync-quorumtool -s) on a 4-node
 * systemd-mode lab cluster built by the master install and worker joins (pacemaker 2.1.5,
 * corosync 3.1.7, the VIP as IPaddr2), healthy and with one fault each: node4 stopped
 * (`pcs cluster stop node4`), a failure of the VIP (`crm_resource --fail`), the VIP disabled
 * (`pcs resource disable`), and what node4 answers with its cluster stopped.
 */
const FX = join(import.meta.dirname, 'fixtures', 'verify');
const fx = (name: string) => readFileSync(join(FX, name), 'utf8');

const host = (i: number, role: 'master' | 'worker') => ({
  id: `n${i}`, name: `node${i}`, address: `198.18.45.${10 + i}`, port: 22, user: 'root', role, auth: { method: 'key' as const, keyPath: '/k' },
});
const project = (vipOwner: 'pacemaker' | 'keepalived' = 'pacemaker'): Project => projectSchema.parse({
  version: 1, hosts: [host(1, 'master'), host(2, 'master'), host(3, 'worker'), host(4, 'worker')],
  network: { vip: '198.18.45.100' },
  install: { profile: 'pacemaker', pacemaker: { clusterName: 'rslab', vipOwner, quorumPolicy: 'stop' } },
});

const ok = (stdout: string): ActionResult => ({ status: 'done', exitCode: 0, stdout });
function results(status: string, quorum: string): StepResults {
  return new Map([['n1', new Map([['pcm-verify-status', ok(status)], ['pcm-verify-quorum', ok(quorum)]])]]);
}
const evaluate = (r: StepResults, p = project()) => profileVerifyStep.evaluate(r, p);
const blocking = (fs: Finding[]) => fs.filter((f) => f.severity === 'blocking').map((f) => `${f.code}@${f.hostId ?? '*'}`);
const healthy = () => results(fx('pcm-crm_mon-healthy.xml'), fx('pcm-quorumtool-healthy.txt'));

describe('Pacemaker verification: the plan', () => {
  it('two read-only captured checks on the first master, in verify-cluster; nothing on the other nodes', () => {
    const built = buildPlan(profileVerifyStep, project());
    if (!built.ok) throw new Error(built.error.message);
    // verify-hosts has no Pacemaker check: the plan drops the empty phase.
    expect(built.value.phases.map((p) => p.id)).toEqual([VERIFY_CLUSTER]);
    const plan = profileVerifyStep.plan(project(), { hosts: project().hosts });
    expect([...plan].map(([h, l]) => `${h}:${l.map((a) => a.id).join(',')}`)).toEqual(['n1:pcm-verify-status,pcm-verify-quorum', 'n2:', 'n3:', 'n4:']);
    for (const a of plan.get('n1')!) expect([a.phase, a.capture, a.probe, a.destructive]).toEqual([VERIFY_CLUSTER, true, undefined, false]);
  });
});

describe('Pacemaker verification: parsing real output', () => {
  it('crm_mon XML of the healthy cluster: 4 nodes online, the VIP started on one, no failures, stonith off', () => {
    const s = parseCrmMon(fx('pcm-crm_mon-healthy.xml'));
    expect(s.parsed).toBe(true);
    expect(s.nodes.map((n) => `${n.name}:${n.online}`)).toEqual(['node1:true', 'node2:true', 'node3:true', 'node4:true']);
    const vip = s.resources.find((r) => r.id === 'rackside-vip')!;
    expect([vip.role, vip.active, vip.nodes.length]).toEqual(['Started', true, 1]);
    expect(s.failures).toEqual([]);
    expect(s.stonithEnabled).toBe(false);
    expect(s.withQuorum).toBe(true);
  });

  it('crm_mon XML with node4 stopped: node4 offline', () => {
    const s = parseCrmMon(fx('pcm-crm_mon-node4-stopped.xml'));
    expect(s.nodes.map((n) => `${n.name}:${n.online}`)).toEqual(['node1:true', 'node2:true', 'node3:true', 'node4:false']);
  });

  it('corosync-quorumtool -s: quorate with 4 of 4; node4 stopped: 3 of 4, still quorate', () => {
    expect(parseQuorumTool(fx('pcm-quorumtool-healthy.txt'))).toEqual({ parsed: true, quorate: true, expectedVotes: 4, totalVotes: 4 });
    expect(parseQuorumTool(fx('pcm-quorumtool-node4-stopped.txt'))).toEqual({ parsed: true, quorate: true, expectedVotes: 4, totalVotes: 3 });
  });

  it('the cluster stopped on the node: crm_mon\'s "Not connected" XML and corosync-quorumtool\'s error are not a status', () => {
    expect(parseCrmMon(fx('pcm-crm_mon-not-running.txt')).parsed).toBe(false);
    expect(parseCrmMon('crm_mon: command not found\n').parsed).toBe(false);
    expect(parseQuorumTool(fx('pcm-quorumtool-not-running.txt')).parsed).toBe(false);
  });
});

describe('Pacemaker verification: findings', () => {
  it('healthy: nodes online, the VIP on one node, quorate 4/4 pass; fencing off is the install\'s blocking finding', () => {
    const fs = evaluate(healthy());
    expect(blocking(fs)).toEqual(['pacemaker.fencing-off@*']);
    expect(fs.map((f) => `${f.code}:${String(f.measured)}`)).toEqual([
      'pacemaker.nodes-online:4/4', 'pacemaker.vip-started:1', 'pacemaker.fencing-off:stonith-enabled=false', 'pacemaker.quorate:quorate yes, votes 4/4',
    ]);
    for (const f of fs) expect(isDeclaredFindingCode('verification', f.code), f.code).toBe(true);
    // The same finding (code and params) as the master install's, so the technician's decision reads the same.
    const fence = fs.find((f) => f.code === 'pacemaker.fencing-off')!;
    expect(fence.params).toEqual({ cluster: 'rslab', noBmcHosts: 'node1, node2, node3, node4' });
  });

  it('fencing off waived in the master install: a warning here, not blocking again', () => {
    const p = project();
    const ctx = { ...installContext(p), installWaivers: ['pacemaker.fencing-off@*'] };
    const fs = pacemakerProfile.verify!.findings(healthy(), ctx);
    expect(blocking(fs)).toEqual([]);
    expect(fs.find((f) => f.code === 'pacemaker.fencing-off')?.severity).toBe('warning');
    // Another decision (a node's finding) waived there changes nothing here.
    const other = pacemakerProfile.verify!.findings(healthy(), { ...installContext(p), installWaivers: ['install.failed@n1'] });
    expect(blocking(other)).toEqual(['pacemaker.fencing-off@*']);
  });

  it('node4 stopped: node4 offline (blocking, on node4) and the quorum short of the planned votes', () => {
    const fs = evaluate(results(fx('pcm-crm_mon-node4-stopped.xml'), fx('pcm-quorumtool-node4-stopped.txt')));
    expect(blocking(fs)).toEqual(['pacemaker.node-offline@n4', 'pacemaker.fencing-off@*', 'pacemaker.quorum@*']);
    const n4 = fs.find((f) => f.code === 'pacemaker.node-offline')!;
    expect([n4.measured, n4.threshold]).toEqual(['offline', 'online']);
    const q = fs.find((f) => f.code === 'pacemaker.quorum')!;
    expect([q.measured, q.threshold]).toEqual(['quorate yes, votes 3/4', 'quorate yes, votes 4/4']);
  });

  it('a failure of the VIP (crm_resource --fail): failed actions blocking, with the operation and node', () => {
    const fs = evaluate(results(fx('pcm-crm_mon-failed-action.xml'), fx('pcm-quorumtool-healthy.txt')));
    const f = fs.find((x) => x.code === 'pacemaker.failed-actions')!;
    expect(f.severity).toBe('blocking');
    expect(f.measured).toBeGreaterThanOrEqual(1);
    expect(f.threshold).toBe(0);
    expect(f.params?.actions).toBe('rackside-vip_asyncmon_0 on node1: error (Simulated failure)');
  });

  it('the VIP disabled: not started, blocking; with keepalived owning the VIP the check is not made', () => {
    const r = results(fx('pcm-crm_mon-vip-disabled.xml'), fx('pcm-quorumtool-healthy.txt'));
    const f = evaluate(r).find((x) => x.code === 'pacemaker.vip-not-started')!;
    expect([f.severity, f.measured, f.threshold]).toEqual(['blocking', 0, 1]);
    expect(evaluate(r, project('keepalived')).some((x) => x.code.startsWith('pacemaker.vip'))).toBe(false);
  });

  it('the VIP on two nodes (split brain) is blocking', () => {
    const two = fx('pcm-crm_mon-healthy.xml').replace(/(<resource id="rackside-vip"[^>]*>\s*)(<node [^>]*\/>)/, '$1$2<node name="node2" id="2" cached="true"/>');
    const f = evaluate(results(two, fx('pcm-quorumtool-healthy.txt'))).find((x) => x.code.startsWith('pacemaker.vip'))!;
    expect([f.code, f.measured, f.params?.nodes]).toMatchObject(['pacemaker.vip-not-started', 2, expect.stringContaining('node2')]);
  });

  it('crm_mon not answering, or an action that did not run: blocking check-failed, no pass', () => {
    const fs = evaluate(results(fx('pcm-crm_mon-not-running.txt'), fx('pcm-quorumtool-not-running.txt')));
    // One finding for the host, both checks named, crm_mon's own reason in it.
    expect(blocking(fs)).toEqual(['cluster.check-failed@n1', 'pacemaker.quorum@*']);
    expect(fs.find((f) => f.code === 'cluster.check-failed')!.params?.detail).toBe('Not connected; error: Could not connect to launcher: Connection refused; crm_mon: Connection to cluster failed: Connection refused');
    expect(fs.find((f) => f.code === 'pacemaker.quorum')!.measured).toBe('Cannot initialize CMAP service');
    const none = evaluate(new Map([['n1', new Map([['pcm-verify-status', { status: 'failed', exitCode: 255, stdout: '' } as ActionResult]])]]));
    // One finding per host (a waiver is per code and host), naming both checks.
    expect(blocking(none)).toEqual(['cluster.check-failed@n1']);
    expect(none[0]!.params?.action).toBe('pcm-verify-status, pcm-verify-quorum');
  });
});
