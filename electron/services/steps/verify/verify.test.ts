import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findingTextKey, projectSchema, storagePlanSchema, type Project } from '../../../contract/index.js';
import { JournalState } from '../../runbook/replay.js';
import { buildPlan } from '../../runbook/plan.js';
import { LAPTOP_HOST, type ActionResult, type Finding, type StepResults } from '../../runbook/step-module.js';
import { FINDING_CODES, isDeclaredFindingCode } from '../finding-codes.js';
import { DEFAULT_STEPS } from '../registry.js';
import { expectedUnits, unplannedPort, verifyContext, vipPort } from './checks.js';
import { tcpProbe } from './local.js';
import { parseFirewall, parsePrometheusTargets, parseServices, parseTime, parseVip } from './parse.js';
import { evaluateVerification, verificationStep, verifyLocal, VERIFY_PHASES } from './step.js';

/**
 * The verification step's readers and judgement on REAL output: every fixture was captured from a
 * systemd-mode lab (instance 44) after the master install's base platform, with the scripts of
 * scripts.ts; `results-lab-all-passed.json` is the captured stdout of one whole verification run
 * (every host's actions and the laptop's checks), read back from its journal. The broken cases are
 * the same lab with node-exporter stopped on node3, chronyd stopped on node4, the VIP added to
 * node3 as well, chrony killed on node4 (a failed unit), and a probe to a port node4 does not open.
 */
const FX = join(import.meta.dirname, 'fixtures');
const fx = (name: string) => readFileSync(join(FX, name), 'utf8');

const ROOT = join(import.meta.dirname, '..', '..', '..', '..');
const texts = Object.fromEntries(['en', 'zh-CN'].map((l) => [l, JSON.parse(readFileSync(join(ROOT, 'resources', 'findings', `${l}.json`), 'utf8'))])) as Record<string, unknown>;
const lookup = (t: unknown, key: string): unknown => key.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), t);

const VIP = '198.18.44.100';
const project: Project = projectSchema.parse({
  version: 1, site: 'Lab', customer: 'Verify', technician: 'V',
  hosts: [1, 2, 3, 4].map((i) => ({
    id: `n${i}`, name: `node${i}`, address: `198.18.44.${10 + i}`, port: 22, user: 'root', role: i <= 2 ? 'master' : 'worker', auth: { method: 'key', keyPath: '/k' },
  })),
  network: { vip: VIP },
  install: { firewall: { enabled: true, rollbackAfterS: 30 } },
});

function labResults(): StepResults {
  const raw = JSON.parse(fx('results-lab-all-passed.json')) as Record<string, Record<string, ActionResult>>;
  return new Map(Object.entries(raw).map(([h, a]) => [h, new Map(Object.entries(a))]));
}
const done = (stdout: string): ActionResult => ({ status: 'done', exitCode: 0, stdout });
const withOutput = (results: StepResults, host: string, action: string, stdout: string) => {
  results.get(host)!.set(action, done(stdout));
  return results;
};
const blocking = (fs: Finding[]) => fs.filter((f) => f.severity === 'blocking').map((f) => `${f.code}@${f.hostId ?? '*'}`);

/** Every finding is declared for the step and worded in both languages with its params filled. */
function worded(fs: Finding[]): string[] {
  const out: string[] = [];
  for (const f of fs) {
    if (!isDeclaredFindingCode('verification', f.code)) out.push(`${f.code} not declared`);
    for (const lang of ['en', 'zh-CN']) {
      for (const part of ['message', 'remediation']) {
        const s = lookup(texts[lang], `${findingTextKey(f.code, f.params)}.${part}`);
        if (typeof s !== 'string') out.push(`${lang}: ${f.code}.${part} missing`);
        else for (const m of s.matchAll(/\{\{\s*([\w.-]+)\s*\}\}/g)) if (f.params?.[m[1]!] === undefined) out.push(`${lang}: ${f.code}.${part} {{${m[1]}}} unfilled`);
      }
    }
  }
  return out;
}

describe('verification parsers (lab output)', () => {
  it('services: is-active / is-enabled per unit, and the failed units', () => {
    const ok = parseServices(fx('services-n1.txt'));
    expect(ok.units.get('prometheus')).toEqual({ active: 'active', enabled: 'enabled' });
    // nftables.service is a oneshot the install does not start (it loads the rules itself).
    expect(ok.units.get('nftables')).toEqual({ active: 'inactive', enabled: 'enabled' });
    expect(ok.failed).toEqual([]);
    expect(parseServices(fx('services-n3-exporter-stopped.txt')).units.get('prometheus-node-exporter')?.active).toBe('inactive');
    const failed = parseServices(fx('services-n4-failed.txt'));
    expect(failed.failed).toEqual(['chrony.service']);
    expect(failed.units.get('chrony')?.active).toBe('failed');
  });

  it('VIP: the node\'s addresses, the TCP answer and ping', () => {
    const holder = parseVip(fx('vip-n1.txt'));
    expect(holder.addresses.map((a) => a.address)).toEqual(['127.0.0.1', '198.18.44.11', VIP]);
    expect([holder.tcp, holder.ping]).toEqual(['open', 'ok']);
    expect(parseVip(fx('vip-n3.txt')).addresses.map((a) => a.address)).not.toContain(VIP);
    // A second holder answers its own SYN (the VIP is local there) where haproxy does not listen.
    const second = parseVip(fx('vip-n3-second-holder.txt'));
    expect(second.addresses.map((a) => a.address)).toContain(VIP);
    expect(second.tcp).toBe('closed');
  });

  it('time: chronyc -c tracking and sources, the local clock, and chronyd stopped', () => {
    const worker = parseTime(fx('time-n3.txt'));
    expect(worker.tracking).toMatchObject({ refAddress: '198.18.44.11', stratum: 9, leap: 'Normal' });
    expect(worker.sources.find((s) => s.state === '*')).toMatchObject({ address: '198.18.44.11', reach: 0o17 });
    const first = parseTime(fx('time-n1.txt'));
    expect(first.tracking).toMatchObject({ refId: '7F7F0101', refAddress: '', stratum: 8 });
    expect(first.sources).toEqual([]);
    const stopped = parseTime(fx('time-n4-chronyd-stopped.txt'));
    expect(stopped.tracking).toBeNull();
    expect(stopped.error).toBe('506 Cannot talk to daemon');
  });

  it('firewall: probe results and the input policy of Rackside\'s table', () => {
    const fw = parseFirewall(fx('firewall-n3.txt'));
    expect(fw.probes).toHaveLength(6);
    expect(fw.probes.every((p) => p.result === 'open')).toBe(true);
    expect([fw.tablePresent, fw.inputPolicyDrop]).toEqual([true, true]);
    expect(parseFirewall(fx('firewall-n3-filtered.txt')).probes).toContainEqual({ address: '198.18.44.14', port: 9090, result: 'filtered' });
    expect(parseFirewall(fx('firewall-n3.txt').replace('policy drop;', 'policy accept;')).inputPolicyDrop).toBe(false);
    expect(parseFirewall('== probes\n== ruleset\nError: No such file or directory\n').tablePresent).toBe(false);
  });

  it('Prometheus targets: the raw HTTP answer of /api/v1/targets', () => {
    const ok = parsePrometheusTargets(fx('prometheus-n1.txt'));
    if ('error' in ok) throw new Error(ok.error);
    expect(ok.targets.filter((t) => t.job === 'node').map((t) => [t.instance, t.health])).toEqual([11, 12, 13, 14].map((i) => [`198.18.44.${i}:9100`, 'up']));
    const down = parsePrometheusTargets(fx('prometheus-n1-target-down.txt'));
    if ('error' in down) throw new Error(down.error);
    expect(down.targets.find((t) => t.instance === '198.18.44.13:9100')).toMatchObject({ health: 'down', lastError: expect.stringContaining('connection refused') });
    expect(parsePrometheusTargets('unreachable\n')).toEqual({ error: 'unreachable' });
    expect(parsePrometheusTargets('HTTP/1.0 503 Service Unavailable\r\n\r\n')).toEqual({ error: 'HTTP 503' });
  });
});

describe('verification plan', () => {
  const built = buildPlan(verificationStep, project);
  if (!built.ok) throw new Error(built.error.message);
  const plan = built.value;

  it('is a wizard step after worker-join, with phases verify-hosts (every host, parallel) then verify-cluster (first master)', () => {
    const ids = DEFAULT_STEPS.map((s) => s.id);
    expect(ids.indexOf('verification')).toBe(ids.indexOf('worker-join') + 1);
    expect(FINDING_CODES.verification!.length).toBeGreaterThan(0);
    expect(plan.phases.map((p) => [p.id, p.hosts, p.mode])).toEqual([
      [VERIFY_PHASES.hosts, ['n1', 'n2', 'n3', 'n4'], 'parallel'],
      [VERIFY_PHASES.cluster, ['n1'], 'serial'],
    ]);
  });

  it('reads only: no action is destructive, has a probe or an output; every one is captured', () => {
    const actions = [...plan.actions.values()].flat();
    expect(actions.filter((a) => a.destructive || a.probe || a.output || !a.capture)).toEqual([]);
    expect(plan.actions.get('n1')!.map((a) => a.id)).toEqual(['services', 'vip', 'time', 'firewall', 'prometheus-targets']);
    expect(plan.actions.get('n3')!.map((a) => a.id)).toEqual(['services', 'vip', 'time', 'firewall']);
  });

  it('expects the base platform\'s units by role, the VIP on haproxy\'s frontend, a laptop probe port the plan opens nowhere', () => {
    const ctx = verifyContext(project);
    const units = (i: number) => expectedUnits(project.hosts[i - 1]!, ctx).map((u) => `${u.unit}:${u.want}`);
    expect(units(1)).toEqual(['chrony:active', 'prometheus-node-exporter:active', 'prometheus:active', 'keepalived:active', 'haproxy:active', 'nftables:enabled']);
    expect(units(3)).toEqual(['chrony:active', 'prometheus-node-exporter:active', 'nftables:enabled']);
    expect(vipPort(ctx)).toBe(9091);
    expect([9090, 9091, 9100, 22]).not.toContain(unplannedPort(ctx));
  });

  it('reads the storage array back on the hosts step 4 planned one on', () => {
    const withStorage = { ...project, storage: storagePlanSchema.parse({ mode: 'raid', layout: { arrayName: 'data', level: 'raid1', volumes: [{ mountPoint: '/data' }] }, hosts: [{ hostId: 'n3', disks: [{ serial: 'A', sizeBytes: 1 }, { serial: 'B', sizeBytes: 1 }] }] }) };
    const b = buildPlan(verificationStep, withStorage);
    if (!b.ok) throw new Error(b.error.message);
    expect(b.value.actions.get('n3')!.map((a) => a.id)).toContain('storage');
    expect(b.value.actions.get('n4')!.map((a) => a.id)).not.toContain('storage');
  });
});

describe('verification findings (lab output)', () => {
  it('the freshly built base platform: every check passes, each an info with its measured value', () => {
    const fs = evaluateVerification(labResults(), project);
    expect(blocking(fs)).toEqual([]);
    expect(fs.filter((f) => f.severity !== 'info')).toEqual([]);
    const codes = new Set(fs.map((f) => f.code));
    for (const c of ['verify.services-active', 'verify.no-failed-units', 'verify.vip-held', 'verify.vip-answers', 'verify.vip-laptop-answers', 'verify.time-synced',
      'verify.monitoring-up', 'verify.firewall-ok', 'verify.firewall-laptop-dropped']) expect(codes, c).toContain(c);
    expect(fs.every((f) => f.measured !== undefined)).toBe(true);
    expect(fs.find((f) => f.code === 'verify.vip-held')!.params).toEqual({ vip: VIP, host: 'node1' });
    expect(fs.find((f) => f.code === 'verify.time-synced' && f.hostId === 'n3')).toMatchObject({ params: { source: 'node1', max: 100 }, threshold: 100 });
    expect(worded(fs)).toEqual([]);
  });

  it('node-exporter stopped on node3: the unit is down there, and its Prometheus target is down', () => {
    const r = withOutput(labResults(), 'n3', 'services', fx('services-n3-exporter-stopped.txt'));
    withOutput(r, 'n1', 'prometheus-targets', fx('prometheus-n1-target-down.txt'));
    const fs = evaluateVerification(r, project);
    expect(blocking(fs)).toEqual(['verify.service-down@n3', 'verify.monitoring-target-down@n3']);
    expect(fs.find((f) => f.code === 'verify.service-down')).toMatchObject({ params: { unit: 'prometheus-node-exporter', state: 'inactive' }, measured: 'inactive', threshold: 'active' });
    expect(worded(fs)).toEqual([]);
  });

  it('a second VIP holder: split brain (blocking), and the VIP does not answer from the second holder', () => {
    const fs = evaluateVerification(withOutput(labResults(), 'n3', 'vip', fx('vip-n3-second-holder.txt')), project);
    expect(blocking(fs)).toEqual(['verify.vip-unreachable@n3', 'verify.vip-split-brain@*']);
    expect(fs.find((f) => f.code === 'verify.vip-split-brain')).toMatchObject({ params: { hosts: 'node1, node3', count: 2 }, measured: 2, threshold: 1 });
    expect(worded(fs)).toEqual([]);
  });

  it('no holder at all: blocking', () => {
    const r = withOutput(labResults(), 'n1', 'vip', fx('vip-n3.txt'));
    expect(blocking(evaluateVerification(r, project))).toContain('verify.vip-no-holder@*');
  });

  it('chronyd stopped on node4: not synchronised (blocking, with chronyc\'s words); a large offset is blocking too', () => {
    const fs = evaluateVerification(withOutput(labResults(), 'n4', 'time', fx('time-n4-chronyd-stopped.txt')), project);
    expect(blocking(fs)).toEqual(['verify.time-not-synced@n4']);
    expect(fs.find((f) => f.code === 'verify.time-not-synced')).toMatchObject({ params: { expected: 'node1, node2', detail: '506 Cannot talk to daemon' } });
    // The same lab line with the clock 0.25 s off.
    const off = fx('time-n3.txt').replace(',0.000185494,', ',0.250000000,');
    const slow = evaluateVerification(withOutput(labResults(), 'n3', 'time', off), project);
    expect(slow.find((f) => f.code === 'verify.time-offset')).toMatchObject({ hostId: 'n3', measured: 250, threshold: 100, compare: { measured: 250, threshold: 100, better: 'lower' } });
    // A worker following some other clock than the masters does not pass.
    const elsewhere = fx('time-n3.txt').replaceAll('198.18.44.11', '192.0.2.1');
    expect(blocking(evaluateVerification(withOutput(labResults(), 'n3', 'time', elsewhere), project))).toEqual(['verify.time-not-synced@n3']);
    expect(worded([...fs, ...slow])).toEqual([]);
  });

  it('a failed unit on node4 (chrony killed): listed, blocking', () => {
    const fs = evaluateVerification(withOutput(labResults(), 'n4', 'services', fx('services-n4-failed.txt')), project);
    expect(blocking(fs)).toEqual(['verify.service-down@n4', 'verify.units-failed@n4']);
    expect(fs.find((f) => f.code === 'verify.units-failed')).toMatchObject({ params: { units: 'chrony.service', count: 1 } });
  });

  it('firewall: a planned port dropped between nodes, an input policy that accepts, a port open from the laptop', () => {
    const r = withOutput(labResults(), 'n3', 'firewall', fx('firewall-n3-filtered.txt'));
    withOutput(r, 'n2', 'firewall', fx('firewall-n3.txt').replace('policy drop;', 'policy accept;'));
    r.get(LAPTOP_HOST)!.set('closed-port-n4', done('9999 closed'));
    const fs = evaluateVerification(r, project);
    expect(blocking(fs)).toEqual(['verify.firewall-policy-open@n2', 'verify.firewall-port-blocked@n3', 'verify.firewall-laptop-open@n4']);
    expect(fs.find((f) => f.code === 'verify.firewall-port-blocked')).toMatchObject({ params: { host: 'node3', peer: 'node4', ports: '9090' } });
    expect(worded(fs)).toEqual([]);
  });

  it('the VIP unreachable from the laptop, monitoring unreachable, a check that could not run', () => {
    const r = labResults();
    r.get(LAPTOP_HOST)!.set('vip-tcp', done('9091 filtered'));
    withOutput(r, 'n1', 'prometheus-targets', 'unreachable\n');
    r.get('n2')!.set('time', { status: 'failed', exitCode: 255, stdout: '' });
    const fs = evaluateVerification(r, project);
    expect(blocking(fs)).toEqual(['verify.action-failed@n2', 'verify.monitoring-unreachable@n1', 'verify.vip-laptop-unreachable@*']);
    expect(worded(fs)).toEqual([]);
  });

  it('storage (VM lab fixtures of step 4): clean and persistent passes; degraded, unmounted, not persistent are blocking', () => {
    const sfx = (n: string) => readFileSync(join(import.meta.dirname, '..', 'storage', 'fixtures', n), 'utf8');
    const p = {
      ...project,
      storage: storagePlanSchema.parse({
        mode: 'raid',
        layout: { arrayName: 'data', level: 'raid10', lvm: { vg: 'vg_data' }, volumes: [{ name: 'lv_data', size: '100%FREE', filesystem: 'ext4', mountPoint: '/srv/data' }] },
        hosts: [{ hostId: 'n3', disks: ['RSV9211', 'RSV9212', 'RSV9213', 'RSV9214'].map((serial) => ({ serial, sizeBytes: 268435456 })) }],
      }),
    };
    const clean = evaluateVerification(withOutput(labResults(), 'n3', 'storage', sfx('status-raid10-lvm-clean.txt')), p);
    expect(blocking(clean)).toEqual([]);
    expect(clean.find((f) => f.code === 'verify.storage-ok')).toMatchObject({ hostId: 'n3', measured: 'clean', params: { mountPoints: '/srv/data' } });
    const degraded = evaluateVerification(withOutput(labResults(), 'n3', 'storage', sfx('status-raid10-lvm-degraded.txt')), p);
    expect(blocking(degraded)).toContain('verify.storage-degraded@n3');
    const loose = sfx('status-raid10-lvm-clean.txt')
      .replace(/^\/dev\/mapper\/vg_data-lv_data ext4$/m, '')
      .replace(/^UUID=.*\/srv\/data.*$/m, '')
      .replace(/(=== mdadm\.conf\n)ARRAY[^\n]*\n/, '$1');
    const notPersistent = evaluateVerification(withOutput(labResults(), 'n3', 'storage', loose), p);
    expect(blocking(notPersistent)).toEqual(['verify.storage-not-mounted@n3', 'verify.storage-fstab@n3', 'verify.storage-mdadm-conf@n3']);
    const absent = evaluateVerification(withOutput(labResults(), 'n3', 'storage', '=== md\nyes\n=== absent\n'), p);
    expect(blocking(absent)).toEqual(['verify.storage-missing@n3']);
    expect(worded([...clean, ...degraded, ...notPersistent, ...absent])).toEqual([]);
  });

  it('every declared code is reached by one of the cases above', () => {
    // One sweep over the same inputs: what the step can say is what it was tested saying.
    const r = labResults();
    const all: Finding[] = [...evaluateVerification(r, project)];
    const add = (host: string, action: string, text: string) => all.push(...evaluateVerification(withOutput(labResults(), host, action, text), project));
    add('n3', 'services', fx('services-n3-exporter-stopped.txt'));
    add('n4', 'services', fx('services-n4-failed.txt'));
    add('n3', 'vip', fx('vip-n3-second-holder.txt'));
    add('n1', 'vip', fx('vip-n3.txt'));
    add('n3', 'vip', fx('vip-n3.txt').replace(/== ping\nok/, '== ping\nlost'));
    add('n3', 'vip', fx('vip-n3.txt').replace(/== ping\nok/, '== ping\nmissing'));
    add('n4', 'time', fx('time-n4-chronyd-stopped.txt'));
    add('n3', 'time', fx('time-n3.txt').replace(',0.000185494,', ',0.250000000,'));
    add('n1', 'prometheus-targets', fx('prometheus-n1-target-down.txt'));
    add('n1', 'prometheus-targets', 'unreachable');
    const body = fx('prometheus-n1.txt');
    add('n1', 'prometheus-targets', body.replace('"instance":"198.18.44.14:9100"', '"instance":"198.18.44.13:9100"'));
    add('n3', 'firewall', fx('firewall-n3-filtered.txt'));
    add('n3', 'firewall', fx('firewall-n3.txt').replace('policy drop;', 'policy accept;'));
    const lap = labResults();
    lap.get(LAPTOP_HOST)!.set('vip-tcp', done('9091 filtered'));
    lap.get(LAPTOP_HOST)!.set('closed-port-n1', done('9999 open'));
    lap.get('n2')!.set('time', { status: 'failed', exitCode: 1, stdout: '' });
    all.push(...evaluateVerification(lap, project));
    const storageCodes = ['verify.storage-ok', 'verify.storage-missing', 'verify.storage-degraded', 'verify.storage-not-mounted', 'verify.storage-fstab', 'verify.storage-mdadm-conf'];
    const seen = new Set(all.map((f) => f.code));
    // Storage codes are reached in the storage case above.
    expect(FINDING_CODES.verification!.filter((c) => !seen.has(c) && !storageCodes.includes(c))).toEqual([]);
    expect(worded(all)).toEqual([]);
  });
});

describe('laptop-side checks (StepModule.local)', () => {
  let server: Server;
  let openPort = 0;
  let closedPort = 0;
  beforeAll(async () => {
    server = createServer((s) => s.destroy());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    openPort = (server.address() as { port: number }).port;
    // A port that was just free: nothing listens there now, so the kernel refuses (closed).
    const tmp = createServer();
    await new Promise<void>((r) => tmp.listen(0, '127.0.0.1', r));
    closedPort = (tmp.address() as { port: number }).port;
    await new Promise<void>((r) => tmp.close(() => r()));
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('tcpProbe: open when something listens, closed when the kernel refuses', async () => {
    expect(await tcpProbe('127.0.0.1', openPort, 3_000)).toBe('open');
    expect(await tcpProbe('127.0.0.1', closedPort, 3_000)).toBe('closed');
  });

  it('verifyLocal probes the VIP on its port and every host on the unplanned port', async () => {
    // Loopback stands in for the cluster: its VIP answers (haproxy's frontend port is the one listening), its hosts refuse.
    const p = projectSchema.parse({ ...project, hosts: project.hosts.map((h) => ({ ...h, address: '127.0.0.1' })), network: { vip: '127.0.0.2' } });
    const ctx = verifyContext(p);
    const res = await verifyLocal(p, { signal: new AbortController().signal });
    expect(res.map((r) => r.id)).toEqual(['vip-tcp', 'closed-port-n1', 'closed-port-n2', 'closed-port-n3', 'closed-port-n4']);
    expect(res[0]!.stdout.split(' ')[0]).toBe(String(vipPort(ctx)));
    expect(res.slice(1).every((r) => r.stdout.startsWith(`${unplannedPort(ctx)} `))).toBe(true);
  });

  it('the journal carries them: replay gives evaluate the pseudo-host "laptop"', () => {
    const plan = buildPlan(verificationStep, project);
    if (!plan.ok) throw new Error(plan.error.message);
    const state = JournalState.from([
      { type: 'run-started', at: '2026-12-06T22:00:00Z', runId: 'r1', stepId: 'verification', plan: plan.value.view, owner: 'o', laptop: 'l', pid: 1 },
      { type: 'local-check', at: '2026-12-06T22:00:01Z', runId: 'r1', checkId: 'vip-tcp', status: 'done', stdout: '9091 open', message: 'm', durationMs: 3 },
    ]);
    expect(state.results('r1').get(LAPTOP_HOST)?.get('vip-tcp')).toEqual({ status: 'done', exitCode: 0, stdout: '9091 open' });
  });
});
