import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { because, boundTextKey, err, ok, projectSchema, VERIFICATION_STEP, type DrillTimelineEntry, type Host, type RunView } from '../../contract/index.js';
import { createDrillHandlers } from '../api/drill-handlers.js';
import { saveProject } from '../project/project-store.js';
import type { SshPool } from '../ssh/pool.js';
import { corosyncBound, parseCmapValue, parseKeepalivedConf, skewMs, vrrpBound, withFencing } from './bound.js';
import { stonithOn } from './cluster.js';
import { parseFenceLog } from './fence-log.js';
import { DrillEngine } from './engine.js';
import type { FaultInjector } from './fault.js';
import { rebootTargets } from './fault-reboot.js';
import { parseReleased } from './fault-service-stop.js';
import { stepReVerifier } from './reverify.js';
import { computeFigures, findOutage, type ProbeRecord } from './figures.js';
import { appendLine, listDrills, probeLogPath, replay } from './journal.js';
import { parsePingLine } from './prober.js';

/** A probe log: one ICMP and one TCP probe every 100 ms from `fromMs`, failing inside `down` ([start, end) ranges). */
function probes(fromMs: number, toMs: number, down: [number, number][]): ProbeRecord[] {
  const out: ProbeRecord[] = [];
  for (let t = fromMs; t < toMs; t += 100) {
    const ok = !down.some(([a, b]) => t >= a && t < b);
    out.push({ atMs: t, kind: 'icmp', ok }, { atMs: t + 3, kind: 'tcp', ok });
  }
  return out;
}
const ev = (atMs: number, event: DrillTimelineEntry['event'], hostId?: string): DrillTimelineEntry => ({ atMs, event, ...(hostId ? { hostId } : {}) });

describe('drill figures from a probe log', () => {
  it('outage from the first failed probe to the first answered after it; RTO from the fault', () => {
    const log = probes(0, 8_000, [[1_300, 4_200]]);
    const f = computeFigures([ev(0, 'started'), ev(1_050, 'fault-injected', 'n1'), ev(4_150, 'vip-moved', 'n2'), ev(4_000, 'detected', 'n2'), ev(6_000, 'restore-started'), ev(6_400, 'rejoined', 'n1')], log);
    expect(f).toEqual({ outageMs: 4_200 - 1_300 + 3, detectionMs: 2_950, vipMovedMs: 3_100, rtoMs: 4_203 - 1_050, rejoinMs: 400, probesSent: 160, probesFailed: 58 });
  });

  it('a VIP that answers and drops again is back only after the last failure; the restore\'s own outage does not count', () => {
    const log = probes(0, 10_000, [[1_200, 2_000], [2_300, 3_100], [7_000, 7_500]]);
    expect(findOutage(log, 1_000, 6_500)).toEqual({ outageStartMs: 1_200, serviceBackMs: 3_103 });
  });

  it('one kind back is not the service back: ICMP answering while TCP still fails', () => {
    const log = probes(0, 5_000, [[1_200, 2_000]]).map((p) => (p.kind === 'tcp' && p.atMs >= 2_000 && p.atMs < 2_600 ? { ...p, ok: false } : p));
    expect(findOutage(log, 1_000)).toEqual({ outageStartMs: 1_200, serviceBackMs: 2_603 });
  });

  it('a fault that took effect after its command (a clean stop releasing the VIP): RTO, VIP moved and detection from the effect', () => {
    // `pcs cluster stop` sent at 1.0 s, Pacemaker's shutdown transition, the VIP released at 5.0 s.
    const log = probes(0, 9_000, [[5_100, 5_800]]);
    const f = computeFigures([ev(0, 'started'), ev(1_000, 'fault-injected', 'n1'), ev(5_000, 'fault-effective', 'n1'), ev(5_400, 'detected', 'n2'), ev(5_600, 'vip-moved', 'n2'), ev(7_000, 'restore-started'), ev(7_500, 'rejoined', 'n1')], log);
    expect(f).toMatchObject({ rtoMs: 5_803 - 5_000, outageMs: 5_803 - 5_100, detectionMs: 400, vipMovedMs: 600, rejoinMs: 500 });
    // The same drill without the effect measured counts from the command.
    expect(computeFigures([ev(1_000, 'fault-injected', 'n1'), ev(7_000, 'restore-started')], log).rtoMs).toBe(5_803 - 1_000);
  });

  it('the service stop script\'s "released <ms>" line', () => {
    expect(parseReleased('Stopping Cluster (pacemaker)...\nreleased 4213\nStopping Cluster (corosync)...\n')).toBe(4_213);
    expect(parseReleased('Stopping Cluster (pacemaker)...\n')).toBeNull();
    expect(parseReleased('not released 12\n')).toBeNull();
  });

  it('no lost probe after the fault: outage and RTO 0; never back: null; no fault: null', () => {
    expect(computeFigures([ev(1_000, 'fault-injected')], probes(0, 3_000, [])).rtoMs).toBe(0);
    const never = computeFigures([ev(1_000, 'fault-injected'), ev(2_500, 'restore-started')], probes(0, 3_000, [[1_100, 3_000]]));
    expect([never.rtoMs, never.outageMs]).toEqual([null, null]);
    expect(computeFigures([ev(0, 'started')], probes(0, 3_000, [])).rtoMs).toBeNull();
  });
});

describe('ping -D -O lines', () => {
  it('reply: answered, sent at the stamp minus the round trip; "no answer yet" and ICMP errors: failed', () => {
    expect(parsePingLine('[1796595167.893695] 64 bytes from 198.18.46.100: icmp_seq=7 ttl=64 time=0.036 ms')).toEqual({ seq: 7, ok: true, wallMs: expect.closeTo(1796595167893.659, 1), rttMs: 0.036 });
    expect(parsePingLine('[1796595168.312535] no answer yet for icmp_seq=8')).toMatchObject({ seq: 8, ok: false, wallMs: expect.closeTo(1796595168212.535, 1) });
    expect(parsePingLine('[1796595168.222687] From 198.18.46.1 icmp_seq=9 Destination Host Unreachable')).toMatchObject({ seq: 9, ok: false });
    expect(parsePingLine('PING 198.18.46.100 (198.18.46.100) 56(84) bytes of data.')).toBeNull();
  });
});

describe('drill bounds from the cluster\'s timers', () => {
  it('keepalived: 3 × advert_int + skew (+ start) for a link cut, the skew alone (+ start) for a clean stop', () => {
    expect(skewMs(1_000, 90)).toBe(648);
    expect(vrrpBound('link-cut', 1_000, 90)).toEqual({ formula: 'vrrp', params: { advertIntMs: 1_000, skewMs: 648, startMs: 500 }, boundMs: 4_148 });
    expect(vrrpBound('service-stop', 1_000, 90).boundMs).toBe(1_148);
  });

  it('reads advert_int and priority from the keepalived.conf Rackside writes', () => {
    const conf = '# Managed by Rackside\nglobal_defs {\n  router_id node2\n}\nvrrp_instance rackside {\n  state BACKUP\n  interface eth0\n  virtual_router_id 51\n  priority 90\n  advert_int 0.5\n}\n';
    expect(parseKeepalivedConf(conf)).toEqual({ advertIntMs: 500, priority: 90 });
    expect(parseKeepalivedConf('vrrp_instance x {\n}\n')).toEqual({ advertIntMs: 1_000, priority: 100 });
  });

  it('corosync: token + consensus (+ start), from corosync-cmapctl', () => {
    const out = 'runtime.config.totem.token (u32) = 3650\nruntime.config.totem.consensus (u32) = 4380\n';
    expect([parseCmapValue(out, 'runtime.config.totem.token'), parseCmapValue(out, 'runtime.config.totem.consensus')]).toEqual([3_650, 4_380]);
    expect(corosyncBound('link-cut', 3_650, 4_380).boundMs).toBe(3_650 + 4_380 + 2_500);
  });

  it('corosync with fencing on: the fencing as it took is a term of the bound, worded as pending until measured', () => {
    const before = corosyncBound('link-cut', 4_300, 5_160, true);
    expect(before).toEqual({ formula: 'corosync-fenced', params: { tokenMs: 4_300, consensusMs: 5_160, startMs: 2_500 }, boundMs: 4_300 + 5_160 + 2_500 });
    expect(boundTextKey(before)).toBe('corosyncFencedPending');
    const after = withFencing(before, 5_206);
    expect(after).toEqual({ formula: 'corosync-fenced', params: { tokenMs: 4_300, consensusMs: 5_160, fenceMs: 5_206, startMs: 2_500 }, boundMs: 4_300 + 5_160 + 5_206 + 2_500 });
    expect(boundTextKey(after)).toBe('corosync-fenced');
    expect(corosyncBound('power-off', 4_300, 5_160, true, 5_000).boundMs).toBe(after.boundMs - 206);
    // A clean stop needs no fencing; a bound that is not fenced stays as it is.
    expect(corosyncBound('service-stop', 4_300, 5_160, true).formula).toBe('service');
    expect(withFencing(corosyncBound('link-cut', 4_300, 5_160), 5_000).boundMs).toBe(4_300 + 5_160 + 2_500);
    expect(boundTextKey(vrrpBound('service-stop', 1_000, 100))).toBe('serviceSkew');
    expect(boundTextKey(corosyncBound('service-stop', 1, 1))).toBe('service');
    // crm_attribute's stonith-enabled: absent is Pacemaker's default (on).
    expect(['true', '', 'yes', 'false\n', 'off', '0'].map(stonithOn)).toEqual([true, true, true, false, false, false]);
  });

  it('the fencer\'s log (captured on the lab\'s DC after a fenced link cut): request and completion on one clock; other nodes: completion only; a failed fencing is none', () => {
    const dc = [
      '1796639874.706483 node2 pacemaker-fenced[3715]:  notice: Requesting peer fencing (reboot) targeting node1',
      '1796639879.912468 node2 pacemaker-fenced[3715]:  notice: Operation \'reboot\' targeting node1 by node2 for pacemaker-controld.3719@node2: OK (complete)',
    ].join('\n');
    expect(parseFenceLog(dc, 'node1')).toEqual({ requestedMs: 1796639874706, doneMs: 1796639879912, action: 'reboot' });
    expect(parseFenceLog(dc, 'node10')).toBeNull();
    expect(parseFenceLog(dc.split('\n')[1]!, 'node1')).toEqual({ requestedMs: null, doneMs: 1796639879912, action: 'reboot' });
    expect(parseFenceLog(dc.replace('OK (complete)', 'Timer expired (aborting)'), 'node1')).toBeNull();
  });
});

/** A saved project with a VIP on two masters, and a drill journal that stops after the fault (the backend died there). */
async function interruptedDrill() {
  const dir = join(await mkdtemp(join(tmpdir(), 'rs-drill-unit-')), 'project');
  const project = projectSchema.parse({
    version: 1, site: 'Unit', customer: 'Drill', technician: 'Vitest',
    hosts: [1, 2, 3].map((i) => ({ id: `n${i}`, name: `node${i}`, address: `198.18.0.${10 + i}`, port: 22, user: 'root', role: i <= 2 ? 'master' : 'worker', auth: { method: 'key', keyPath: '/nonexistent' } })),
    network: { vip: '198.18.0.100' },
  });
  expect((await saveProject(dir, project)).ok).toBe(true);
  const id = 'd-20261206T220000000Z-link-cut';
  await appendLine(dir, id, { type: 'started', drill: { id, kind: 'link-cut', profile: 'base', targetHostId: 'n1', vip: '198.18.0.100', tcpPort: 9091, technician: 'Vitest', startedAt: new Date(Date.now() - 5_000).toISOString(), bound: null, rtoTargetMs: 30_000 } });
  await appendLine(dir, id, { type: 'event', entry: ev(0, 'started') });
  await appendLine(dir, id, { type: 'event', entry: ev(1_000, 'fault-injected', 'n1') });
  await writeFile(probeLogPath(dir, id), probes(0, 2_000, [[1_200, 2_000]]).map((p) => JSON.stringify(p)).join('\n') + '\n{"atMs":20');
  return { dir, id };
}

/** FAKE at the SSH seam: a fault that records its calls (the real ones run in drill.lab.test.ts). */
function recordingFault(calls: string[]): FaultInjector {
  return {
    kind: 'link-cut',
    available: async () => ({ ok: true }),
    inject: async (t: Host) => { calls.push(`inject ${t.id}`); return { ok: true }; },
    restore: async (t: Host) => { calls.push(`restore ${t.id}`); return { ok: true }; },
  };
}

describe('drill journal: replay, pending, recover', () => {
  it('a fenced drill\'s bound measured at its end (the ended line\'s) replaces the started line\'s on replay', async () => {
    const { dir, id } = await interruptedDrill();
    const before = corosyncBound('link-cut', 4_300, 5_160, true);
    const after = withFencing(before, 5_126);
    await appendLine(dir, id, { type: 'ended', state: 'passed', endedAt: '2026-01-01T00:00:20.000Z', figures: { outageMs: 1, detectionMs: null, vipMovedMs: null, rtoMs: 1, rejoinMs: null, probesSent: 1, probesFailed: 0 }, reasons: [], probeLogSha256: null, bound: after });
    const [rec] = await listDrills(dir);
    expect(rec!.bound).toEqual(after);
    expect(rec!.bound!.boundMs).toBe(4_300 + 5_160 + 5_126 + 2_500);
    // An ended line without one (every drill that is not fenced) keeps the started line's (null here).
    const plain = await interruptedDrill();
    await appendLine(plain.dir, plain.id, { type: 'ended', state: 'passed', endedAt: '2026-01-01T00:00:20.000Z', figures: { outageMs: 1, detectionMs: null, vipMovedMs: null, rtoMs: 1, rejoinMs: null, probesSent: 1, probesFailed: 0 }, reasons: [], probeLogSha256: null });
    expect((await listDrills(plain.dir))[0]).toMatchObject({ state: 'passed', bound: null });
  });

  it('a journal with no ended line replays as interrupted with the figures so far, and is drill.list\'s pending', async () => {
    const { dir, id } = await interruptedDrill();
    const [rec] = await listDrills(dir);
    expect(rec).toMatchObject({ id, state: 'interrupted', endedAt: null, reasons: [{ code: 'interrupted' }], figures: { probesSent: 40, probesFailed: 16, rtoMs: null } });
    const engine = new DrillEngine({ pool: {} as SshPool, emit: () => {}, faults: [recordingFault([])] });
    // Through the channel handlers (the placeholder before this answered 'unsupported').
    const listed = await createDrillHandlers(engine)['drill.list']({ dir });
    expect(listed.ok && listed.value.pending?.id).toBe(id);
    // One drill at a time: an unrecovered one blocks the next.
    const again = await engine.start(dir, { kind: 'link-cut', technician: 'Vitest' });
    expect(!again.ok && again.error.reason).toBe('drill-pending');
  });

  it('recover restores the target, waits for its rejoin, re-verifies and ends the drill as aborted; nothing pending after', async () => {
    const { dir, id } = await interruptedDrill();
    const calls: string[] = [];
    const engine = new DrillEngine({
      pool: { forHost: () => ({ run: async () => ({ status: 'ok', stdout: '', stderr: '' }) }) } as unknown as SshPool,
      emit: () => {},
      faults: [recordingFault(calls)],
      member: async () => true,
      reverifier: { verify: async () => ({ ok: true }) },
    });
    const r = await engine.recover(dir, id);
    if (!r.ok) throw new Error(r.error.message);
    expect(calls).toEqual(['restore n1']);
    expect(r.value.record.state).toBe('aborted');
    expect(r.value.record.timeline.map((e) => e.event)).toEqual(['started', 'fault-injected', 'restore-started', 'node-back', 'rejoined', 'verified', 'ended']);
    expect(r.value.record.probeLogSha256).toMatch(/^[0-9a-f]{64}$/);
    const listed = await engine.list(dir);
    expect(listed.ok && listed.value.pending).toBeNull();
    // The journal itself says so: a new backend reads the same end.
    const lines = (await readFile(join(dir, 'drills', `${id}.ndjson`), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { type: string });
    expect(lines.at(-1)!.type).toBe('ended');
    expect(replay(lines as never, [])!.state).toBe('aborted');
  });
});

describe('the reboot test (drill kind reboot)', () => {
  it('its rejoin counts from the reboot command (nothing restores a reboot); the other kinds\' from the restore', () => {
    const timeline = [ev(0, 'started'), ev(1_000, 'fault-injected', 'n3'), ev(16_000, 'restore-started', 'n3'), ev(17_000, 'node-back', 'n3'), ev(21_000, 'rejoined', 'n3')];
    const log = probes(0, 20_000, []);
    expect(computeFigures(timeline, log, 'reboot')).toMatchObject({ rejoinMs: 20_000, rtoMs: 0, outageMs: 0 });
    expect(computeFigures(timeline, log, 'link-cut').rejoinMs).toBe(5_000);
    expect(computeFigures(timeline, log).rejoinMs).toBe(5_000);
    // An outage while the rebooted node comes back counts for a reboot (until it rejoined), not for a restore.
    const late = probes(0, 25_000, [[18_000, 19_000]]);
    expect(computeFigures(timeline, late, 'reboot')).toMatchObject({ outageMs: 1_003, rtoMs: 18_003 });
    expect(computeFigures(timeline, late, 'link-cut')).toMatchObject({ outageMs: 0, rtoMs: 0 });
  });

  it('the bound of a reboot is a clean stop\'s: the OS stops keepalived / Pacemaker on the way down', () => {
    expect(vrrpBound('reboot', 1_000, 90)).toEqual(vrrpBound('service-stop', 1_000, 90));
    expect(corosyncBound('reboot', 3_650, 4_380)).toEqual(corosyncBound('service-stop', 3_650, 4_380));
  });

  it('rebootTargets: the plan\'s reboot hosts in inventory order, hosts no longer in the inventory left out', () => {
    const project = projectSchema.parse({
      version: 1, site: 'Unit', customer: 'Drill', technician: 'Vitest',
      hosts: [1, 2, 3].map((i) => ({ id: `n${i}`, name: `node${i}`, address: `198.18.0.${10 + i}`, port: 22, user: 'root', role: 'master', auth: { method: 'key', keyPath: '/nonexistent' } })),
      verify: { rebootHosts: ['n3', 'gone', 'n1'] },
    });
    expect(rebootTargets(project)).toEqual(['n1', 'n3']);
    expect(rebootTargets({ ...project, verify: undefined })).toEqual([]);
  });

  /** FAKE at the SSH seam: n1 holds the VIP, every other read answers empty. */
  const fakePool = { forHost: (h: Host) => ({ run: async (cmd: { script: string }) => ({ status: 'ok', stdout: cmd.script.includes('ip -o -4 addr') ? (h.id === 'n1' ? 'holds' : 'not') : '', stderr: '' }) }) } as unknown as SshPool;

  it('drill.options offers the reboot test with the plan\'s hosts as its only targets, and not without any', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'rs-drill-reboot-')), 'project');
    const base = {
      version: 1, site: 'Unit', customer: 'Drill', technician: 'Vitest',
      hosts: [1, 2, 3].map((i) => ({ id: `n${i}`, name: `node${i}`, address: `198.18.0.${10 + i}`, port: 22, user: 'root', role: i <= 2 ? 'master' : 'worker', auth: { method: 'key', keyPath: '/nonexistent' } })),
      network: { vip: '198.18.0.100' },
    };
    const engine = new DrillEngine({ pool: fakePool, emit: () => {} });
    expect((await saveProject(dir, projectSchema.parse({ ...base, verify: { rebootHosts: ['n3'] } }))).ok).toBe(true);
    let o = await engine.options(dir);
    if (!o.ok) throw new Error(o.error.message);
    expect(o.value.holderHostId).toBe('n1');
    expect(o.value.options.find((x) => x.kind === 'reboot')).toMatchObject({ available: true, targets: ['n3'] });
    // The other kinds target any host (no list).
    expect(o.value.options.find((x) => x.kind === 'service-stop')?.targets).toBeUndefined();
    expect((await saveProject(dir, projectSchema.parse(base))).ok).toBe(true);
    o = await engine.options(dir);
    if (!o.ok) throw new Error(o.error.message);
    expect(o.value.options.find((x) => x.kind === 'reboot')).toMatchObject({ available: false, reason: { code: 'no-reboot-hosts' }, targets: [] });
    // A start on a host the plan does not list is refused before anything runs.
    const refused = await engine.start(dir, { kind: 'reboot', targetHostId: 'n2', technician: 'Vitest' });
    expect(!refused.ok && refused.error.reason).toBe('drill-unavailable');
  });
});

describe('re-verification by the verification step (stepReVerifier)', () => {
  /** FAKE at the step-runner seam (the real one runs in verify.e2e.ts): runs that end as `views` say, in turn. */
  function fakeRunbook(views: (Partial<RunView> | 'busy')[]) {
    const started: string[] = [];
    let i = 0;
    const byId = new Map<string, RunView>();
    return {
      started,
      runbook: {
        start: async (_dir: string, step: string) => {
          const v = views[i++]!;
          started.push(step);
          if (v === 'busy') return because(err('validation-failed', 'running'), 'run-already-running');
          const view = { runId: `r${i}`, stepId: step, planHash: 'h', status: 'completed', startedAt: '', hosts: [], findings: [], ...v } as RunView;
          byId.set(view.runId, view);
          return ok({ runId: view.runId });
        },
        whenDone: async (id: string) => byId.get(id),
      },
    };
  }
  const blocking = (waived: boolean) => ({ key: 'k', severity: 'blocking' as const, code: 'verify.monitoring-down', message: '', remediation: '', ...(waived ? { waiver: { stepId: VERIFICATION_STEP, key: 'k', code: 'verify.monitoring-down', reason: 'r', technician: 't', at: '' } } : {}) });

  it('runs step 7 again until it passes (a target just back is scraped down for a moment), each a run of its own', async () => {
    const f = fakeRunbook([{ findings: [blocking(false)] }, 'busy', {}]);
    const r = await stepReVerifier(f.runbook as never, { gapMs: 1 }).verify('/p', {} as never, {} as never, new AbortController().signal);
    expect(r).toEqual({ ok: true });
    expect(f.started).toEqual([VERIFICATION_STEP, VERIFICATION_STEP, VERIFICATION_STEP]);
  });

  it('a waived blocking finding passes; an open one after every attempt fails with the last run named', async () => {
    expect(await stepReVerifier(fakeRunbook([{ findings: [blocking(true)] }]).runbook as never).verify('/p', {} as never, {} as never, new AbortController().signal)).toEqual({ ok: true });
    const r = await stepReVerifier(fakeRunbook([{ findings: [blocking(false)] }, { status: 'failed' }]).runbook as never, { attempts: 2, gapMs: 1 })
      .verify('/p', {} as never, {} as never, new AbortController().signal);
    expect(r).toEqual({ ok: false, reason: { code: 'verify-failed', params: { runId: 'r2', status: 'failed', blocking: 0 } } });
  });
});
