import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERIFICATION_STEP, verifyPlanSchema, type DrillKind, type DrillRecord } from '../../contract/index.js';
import { createLogger } from '../log/logger.js';
import { saveProject } from '../project/project-store.js';
import { Runbook } from '../runbook/engine.js';
import { stepRegistry } from '../steps/registry.js';
import { verificationStep } from '../steps/verify/step.js';
import { MemorySecretStore } from '../secrets/secret-store.js';
import { KnownHosts } from '../ssh/known-hosts.js';
import { SshPool } from '../ssh/pool.js';
import { drillCluster, vipHolders } from './cluster.js';
import { DrillEngine } from './engine.js';
import { LINK_GUARD_UNIT, LINK_TABLE, linkCutFault } from './fault-link-cut.js';
import { SERVICE_GUARD_UNIT } from './fault-service-stop.js';
import { stepReVerifier } from './reverify.js';
import { baseCluster, type BaseCluster } from './test-data/base-cluster.js';

/**
 * Integration: failover drills on the base platform (keepalived VIP on node1/node2, haproxy
 * fronting Prometheus on 9091) of a systemd-mode lab, probed from this machine, nothing mocked.
 * The platform is built with the real master install (test-data/base-cluster.ts) unless the lab
 * already runs it. Instance RACKSIDE_LAB_INSTANCE when set (not 0), else 81, 4 nodes.
 */
const INSTANCE = process.env.RACKSIDE_LAB_INSTANCE && process.env.RACKSIDE_LAB_INSTANCE !== '0' ? process.env.RACKSIDE_LAB_INSTANCE : '81';
const root = join(import.meta.dirname, '..', '..', '..');

let c: BaseCluster;
let pool: SshPool;
let engine: DrillEngine;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The target is back as before the drill: keepalived running, no drill table or guard timer left, one VIP holder. */
async function expectRestored(node: number) {
  const out = await c.exec(node, `systemctl is-active keepalived; nft list table inet ${LINK_TABLE} >/dev/null 2>&1 && echo cut || echo uncut; \
systemctl is-active ${LINK_GUARD_UNIT}.timer ${SERVICE_GUARD_UNIT}.timer || true`);
  expect(out.trim().split('\n')).toEqual(['active', 'uncut', 'inactive', 'inactive']);
  const cl = drillCluster(c.project);
  if ('reason' in cl) throw new Error(cl.reason.code);
  let holders: string[] = [];
  for (let i = 0; i < 20 && holders.length !== 1; i++, await sleep(500)) ({ holders } = await vipHolders(pool, cl));
  expect(holders).toHaveLength(1);
}

let listedAfterEnd: Promise<string>[] = [];

async function drill(kind: DrillKind): Promise<DrillRecord> {
  listedAfterEnd = [];
  const started = await engine.start(c.dir, { kind, technician: 'Vitest' });
  if (!started.ok) throw new Error(started.error.message);
  const rec = await engine.whenDone(c.dir, started.value.drillId);
  return rec!;
}

beforeAll(async () => {
  c = await baseCluster(INSTANCE);
  pool = new SshPool({ knownHosts: new KnownHosts(c.dataDir), secrets: new MemorySecretStore() });
  // As the UI does: drill.list reloaded on each progress event that says the drill is no longer
  // running (CI once saw the list still say "running" after the last one, and the UI kept it).
  engine = new DrillEngine({
    pool,
    emit: (channel, p) => {
      if (channel !== 'drill.progress' || p.state === 'running' || p.state === 'restoring') return;
      listedAfterEnd.push(engine.list(p.dir).then((r) => (r.ok ? r.value.drills.find((d) => d.id === p.drillId)?.state ?? 'missing' : r.error.code)));
    },
  });
}, 1_500_000);

afterAll(async () => {
  pool?.closeAll();
  if (process.env.RACKSIDE_LAB_DOWN_AFTER === '1') await c?.lab('down');
  // A systemd lab's `lab down` took 60-130 s under CI load (the default hook limit is 120 s).
}, 600_000);

describe('failover drills on the base platform (keepalived), lab systemd mode', () => {
  it('drill.options: the VIP held by one master, service-stop and link-cut available with their bounds, power-off not (no BMC)', async () => {
    const o = await engine.options(c.dir);
    if (!o.ok) throw new Error(o.error.message);
    expect(o.value).toMatchObject({ vip: c.vip, tcpPort: 9091, rtoTargetMs: 10_000 });
    expect(['n1', 'n2']).toContain(o.value.holderHostId);
    const byKind = Object.fromEntries(o.value.options.map((x) => [x.kind, x]));
    expect(byKind['service-stop']).toMatchObject({ available: true, bound: { formula: 'service' } });
    expect(byKind['link-cut']).toMatchObject({ available: true, bound: { formula: 'vrrp', params: { advertIntMs: 1_000 } } });
    expect(byKind['power-off']).toMatchObject({ available: false, reason: { code: 'no-bmc' } });
  });

  for (const kind of ['service-stop', 'link-cut'] as const) {
    it(`${kind}: the VIP moves, the service comes back within a generous multiple of the bound, the target rejoins, the drill passes and ends restored`, async () => {
      const rec = await drill(kind);
      expect(rec.state, JSON.stringify(rec.reasons)).toBe('passed');
      // The list read on the drill's last progress events says what the drill ended as.
      const listed = await Promise.all(listedAfterEnd);
      expect(listed.length).toBeGreaterThan(0);
      expect(new Set(listed)).toEqual(new Set(['passed']));
      const events = rec.timeline.map((e) => e.event);
      expect(events).toEqual(expect.arrayContaining(['started', 'fault-injected', 'vip-moved', 'restore-started', 'node-back', 'rejoined', 'verified', 'ended']));
      expect(rec.timeline.find((e) => e.event === 'vip-moved')!.hostId).not.toBe(rec.targetHostId);
      const f = rec.figures;
      expect(f.rtoMs).not.toBeNull();
      expect(f.vipMovedMs).not.toBeNull();
      expect(f.rejoinMs).not.toBeNull();
      expect(f.probesSent).toBeGreaterThan(20);
      // Generous: this machine is shared and loaded; the bound is what a quiet cluster does.
      expect(f.rtoMs!).toBeLessThanOrEqual(3 * rec.bound!.boundMs + 2_000);
      if (kind === 'link-cut') expect(f.outageMs!).toBeGreaterThan(0);
      expect(rec.probeLogSha256).toMatch(/^[0-9a-f]{64}$/);
      await expectRestored(Number(rec.targetHostId.slice(1)));
    }, 300_000);
  }

  it('reboot test: the VIP holder reboots itself, the VIP moves and comes back, the node boots again and rejoins, and the verification step passes again', async () => {
    // The plan allows the reboot test on both masters (the verification plan's rebootHosts).
    const saved = await saveProject(c.dir, { ...c.project, verify: { ...verifyPlanSchema.parse(c.project.verify ?? {}), rebootHosts: ['n1', 'n2'] } });
    if (!saved.ok) throw new Error(saved.error.message);
    const rb = new Runbook({ pool, secrets: new MemorySecretStore(), steps: stepRegistry([verificationStep]), emit: () => {}, log: createLogger(() => {}) });
    const withStep = new DrillEngine({ pool, emit: () => {}, reverifier: stepReVerifier(rb) });
    try {
      const o = await withStep.options(c.dir);
      if (!o.ok) throw new Error(o.error.message);
      expect(o.value.options.find((x) => x.kind === 'reboot')).toMatchObject({ available: true, targets: ['n1', 'n2'], bound: { formula: 'service' } });
      const holder = Number(o.value.holderHostId!.slice(1));
      const pid1 = async () => (await c.exec(holder, "cut -d' ' -f22 /proc/1/stat")).trim();
      const before = await pid1();
      const started = await withStep.start(c.dir, { kind: 'reboot', technician: 'Vitest' });
      if (!started.ok) throw new Error(started.error.message);
      const rec = (await withStep.whenDone(c.dir, started.value.drillId))!;
      expect(rec.state, JSON.stringify(rec.reasons)).toBe('passed');
      expect(rec.targetHostId).toBe(`n${holder}`);
      expect(rec.timeline.map((e) => e.event)).toEqual(expect.arrayContaining(['fault-injected', 'vip-moved', 'service-back', 'restore-started', 'node-back', 'rejoined', 'verified', 'ended']));
      // A new boot: the node's PID 1 started again (the lab's nodes share this machine's kernel and boot id).
      expect(await pid1()).not.toBe(before);
      expect(rec.figures.rtoMs!).toBeLessThanOrEqual(3 * rec.bound!.boundMs + 2_000);
      // Rejoin from the reboot command: after the node came back, which is after the fault.
      const at = (e: string) => rec.timeline.find((x) => x.event === e)!.atMs;
      expect(rec.figures.rejoinMs).toBe(at('rejoined') - at('fault-injected'));
      // The re-verification was a run of step 7 itself, started after the node came back, and it passed.
      const state = await rb.state(c.dir);
      if (!state.ok) throw new Error(state.error.message);
      const v = state.value.steps.find((x) => x.stepId === VERIFICATION_STEP)!;
      expect(v.lastRun?.status).toBe('completed');
      expect(v.passed, JSON.stringify(v.lastRun?.findings.filter((f) => f.severity === 'blocking'))).toBe(true);
      expect(Date.parse(v.lastRun!.startedAt)).toBeGreaterThan(Date.parse(rec.startedAt) + at('node-back'));
      await expectRestored(holder);
    } finally {
      await rb.close();
    }
  }, 600_000);

  it('link-cut guard: a cut whose laptop never comes back is undone by the node\'s own timer', async () => {
    const target = c.project.hosts[0]!;
    const fault = linkCutFault(pool, 5);
    const r = await fault.inject(target, c.project, new AbortController().signal);
    expect(r.ok).toBe(true);
    expect((await c.exec(1, `nft list table inet ${LINK_TABLE} >/dev/null && echo cut`)).trim()).toBe('cut');
    let state = '';
    for (let i = 0; i < 60 && state !== 'uncut'; i++, await sleep(1_000)) state = (await c.exec(1, `nft list table inet ${LINK_TABLE} >/dev/null 2>&1 && echo cut || echo uncut`)).trim();
    expect(state).toBe('uncut');
    await expectRestored(1);
  }, 120_000);

  it('kill-and-recover: a drill whose backend is SIGKILLed mid-drill is pending; recover restores the node and ends it', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'test-data', 'drill-runner.ts'), c.dir, c.dataDir, 'link-cut'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const injected = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const line = out.split('\n').find((l) => l.includes('"fault-injected"'));
        if (line) resolve((JSON.parse(line) as { id: string }).id);
      });
      child.once('exit', (code) => reject(new Error(`runner exited ${code} before the fault: ${out} ${err}`)));
    });
    // Until the VIP moved: the kill lands while the fault is on and the cluster has reacted.
    for (let i = 0; i < 60 && !out.includes('"vip-moved"'); i++) await sleep(250);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const listed = await engine.list(c.dir);
    if (!listed.ok) throw new Error(listed.error.message);
    expect(listed.value.pending).toMatchObject({ id: injected, state: 'interrupted', endedAt: null });
    const target = Number(listed.value.pending!.targetHostId.slice(1));
    // Still cut: nothing but recover (or the node's guard timer, minutes away) undoes it.
    expect((await c.exec(target, `nft list table inet ${LINK_TABLE} >/dev/null 2>&1 && echo cut || echo uncut`)).trim()).toBe('cut');
    const again = await engine.start(c.dir, { kind: 'service-stop', technician: 'Vitest' });
    expect(again.ok).toBe(false);

    const rec = await engine.recover(c.dir, injected);
    if (!rec.ok) throw new Error(rec.error.message);
    expect(rec.value.record).toMatchObject({ state: 'aborted', reasons: [{ code: 'interrupted' }] });
    expect(rec.value.record.timeline.map((e) => e.event)).toEqual(expect.arrayContaining(['fault-injected', 'restore-started', 'rejoined', 'verified', 'ended']));
    await expectRestored(target);
    const after = await engine.list(c.dir);
    expect(after.ok && after.value.pending).toBeNull();
  }, 300_000);
});
