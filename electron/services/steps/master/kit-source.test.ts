import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectSchema, type Project } from '../../../contract/index.js';
import type { ActionResult, StepResults } from '../../runbook/step-module.js';
import { asBuiltOf } from './as-built.js';
import { KIT_SOURCE, KIT_SOURCE_REMOVE, kitMismatchFinding, plannedPackages } from './kit-source.js';
import { installActions, installContext, installPlanOf } from './step.js';

/**
 * Planning the master install with the site kit as its package source (issue 22): where the kit's
 * source goes in each host's plan, which of the kit's targets each host may use, and the blocking
 * finding for a host the kit does not cover. The kit folder here holds manifests written by the
 * test (the real build and its signature are kit.test.ts's and the lab test's).
 */
const run = promisify(execFile);
let kit: string;

async function target(name: string, packages: string[]) {
  const [release, arch] = name.split('-');
  await mkdir(join(kit, name), { recursive: true });
  await writeFile(join(kit, name, 'manifest.json'), JSON.stringify({ version: 1, app: 'test', target: { release, arch }, needs: packages.map((p) => ({ package: p, neededBy: 'x' })), files: [] }));
  await writeFile(join(kit, name, 'InRelease'), `signed ${name}`);
}

const project = (install: Record<string, unknown>): Project => projectSchema.parse({
  version: 1, site: 'S', customer: 'C', technician: 'T',
  hosts: [
    { id: 'm1', name: 'node1', address: '10.0.0.11', role: 'master', port: 22, user: 'root', auth: { method: 'key', keyPath: '/k' } },
    { id: 'w1', name: 'node3', address: '10.0.0.13', role: 'worker', port: 22, user: 'root', auth: { method: 'key', keyPath: '/k' } },
  ],
  install,
});

beforeAll(async () => {
  kit = await mkdtemp(join(tmpdir(), 'rs-kit-plan-'));
  await writeFile(join(kit, 'rackside-kit.gpg'), Buffer.from([1, 2, 3]));
  const all = ['chrony', 'nftables', 'prometheus-node-exporter', 'prometheus'];
  await target('bookworm-amd64', all);
  // arm64 lacks Prometheus: it covers the worker, not the first master.
  await target('bookworm-arm64', all.filter((p) => p !== 'prometheus'));
  await mkdir(join(kit, '.apt'), { recursive: true });
});
afterAll(() => rm(kit, { recursive: true, force: true }));

describe('the site kit as the install\'s package source', () => {
  it('each host: the kit check and source before its first package install, removal after its last action; no lab/mirror source file', () => {
    const plan = installPlanOf(project({ packageSource: { kind: 'kit', dir: kit } }));
    for (const [host, actions] of plan) {
      const ids = actions.map((a) => a.id);
      expect(ids[0], host).toBe('kit-source');
      expect(ids[1], host).toBe('packages');
      expect(ids.at(-1), host).toBe('kit-source-remove');
      expect(ids, host).not.toContain('package-source');
      const src = actions[0]!;
      expect(src.phase).toBe('prepare');
      expect(src.capture).toBe(true);
      expect('script' in src.command && src.command.script).toBe(KIT_SOURCE);
      expect(actions.at(-1)!.phase, host).toBe(host === 'm1' ? 'first-master' : 'workers');
      expect(actions.at(-1)!.command).toEqual({ script: KIT_SOURCE_REMOVE, args: ['apply', '47480'] });
    }
    // Which targets each host may use: those holding every package its plan installs.
    const allowed = (host: string) => {
      const a = plan.get(host)![0]!;
      return ('script' in a.command ? a.command.args!.slice(4) : []).map((x) => String(x).split('=')[0]);
    };
    expect(allowed('m1')).toEqual(['bookworm-amd64']);
    expect(allowed('w1')).toEqual(['bookworm-amd64', 'bookworm-arm64']);
    // The keyring travels as an argument (base64), never pasted into the script.
    const m1 = plan.get('m1')![0]!.command;
    expect('script' in m1 && m1.args![2]).toBe(Buffer.from([1, 2, 3]).toString('base64'));
    // The host's own packages, for the probe's "all installed already" answer.
    expect('script' in m1 && m1.args![3]).toBe('chrony nftables prometheus prometheus-node-exporter');
  });

  it('kept: no removal; a kit folder with nothing built refuses to plan, naming the folder', async () => {
    const plan = installPlanOf(project({ packageSource: { kind: 'kit', dir: kit, keep: true } }));
    for (const actions of plan.values()) expect(actions.map((a) => a.id)).not.toContain('kit-source-remove');
    const empty = await mkdtemp(join(tmpdir(), 'rs-kit-empty-'));
    expect(() => installPlanOf(project({ packageSource: { kind: 'kit', dir: empty } }))).toThrow(new RegExp(`${empty}.*build the kit first`));
    await rm(empty, { recursive: true });
  });

  it('a host the kit does not cover is a blocking finding naming what to rebuild', () => {
    const p = project({ packageSource: { kind: 'kit', dir: kit } });
    const ctx = installContext(p);
    const src = ctx.plan.packageSource as Extract<typeof ctx.plan.packageSource, { kind: 'kit' }>;
    const m1 = p.hosts[0]!;
    const actions = installActions(m1, ctx);
    expect(plannedPackages(actions)).toEqual(['chrony', 'nftables', 'prometheus', 'prometheus-node-exporter']);
    const failed = (stdout: string) => ({ status: 'failed' as const, exitCode: 3, stdout });
    const other = kitMismatchFinding(m1, failed('target=trixie-amd64\n'), actions, src, 'install.kit-mismatch');
    expect(other).toMatchObject({ severity: 'blocking', hostId: 'm1', code: 'install.kit-mismatch', params: { host: 'node1', target: 'trixie-amd64', kit: 'bookworm-amd64, bookworm-arm64', missing: '-' } });
    expect(other!.remediation).toMatch(/^Rebuild the site kit for trixie-amd64 with this plan's packages \(chrony nftables prometheus/);
    const lacking = kitMismatchFinding(m1, failed('target=bookworm-arm64\n'), actions, src, 'install.kit-mismatch');
    expect(lacking!.params).toMatchObject({ target: 'bookworm-arm64', missing: 'prometheus' });
    // Any other failure of the action on a covered host (apt, the network) is not a mismatch: install.failed says it.
    expect(kitMismatchFinding(m1, failed('target=bookworm-amd64\n'), actions, src, 'x')).toBeNull();
    expect(kitMismatchFinding(m1, { status: 'done', exitCode: 0, stdout: 'target=trixie-amd64' }, actions, src, 'x')).toBeNull();
  });

  it('the report records, per host, the target and the SHA-256 of the kit manifest it was installed from', () => {
    const sha = 'a'.repeat(64);
    const results: StepResults = new Map([
      ['m1', new Map<string, ActionResult>([['kit-source', { status: 'done' as const, exitCode: 0, stdout: `target=bookworm-amd64\nmanifest=${sha}\nkit source: deb …\n` }]])],
      // Failed on the host: nothing recorded for it.
      ['w1', new Map<string, ActionResult>([['kit-source', { status: 'failed' as const, exitCode: 3, stdout: 'target=trixie-amd64\n' }]])],
    ]);
    expect(asBuiltOf(results, project({ packageSource: { kind: 'kit', dir: kit } }))?.kit).toEqual([{ hostId: 'm1', target: 'bookworm-amd64', manifestSha256: sha }]);
    expect(asBuiltOf(results, project({}))?.kit).toBeUndefined();
    // A re-run: m1's kit check already done (nothing taken from the kit) keeps the record of the
    // run that installed it; w1, failed then and already done now, has none.
    const rerun: StepResults = new Map([
      ['m1', new Map<string, ActionResult>([['kit-source', { status: 'already-done' as const, exitCode: 0, stdout: '' }]])],
      ['w1', new Map<string, ActionResult>([['kit-source', { status: 'already-done' as const, exitCode: 0, stdout: '' }]])],
    ]);
    const p = project({ packageSource: { kind: 'kit', dir: kit } });
    expect(asBuiltOf(rerun, p, [rerun, results])?.kit).toEqual([{ hostId: 'm1', target: 'bookworm-amd64', manifestSha256: sha }]);
    expect(asBuiltOf(rerun, p)?.kit).toEqual([]);
  });

  it('the kit check on a host (this machine, run with sh): already done when every package is installed, otherwise not; a target the kit lacks exits 3 either way', async () => {
    const here = (await run('sh', ['-c', '. /etc/os-release; echo "$VERSION_CODENAME-$(dpkg --print-architecture)"'])).stdout.trim();
    const check = (packages: string, targets: string[]) =>
      run('sh', ['-c', KIT_SOURCE, 'kit-source', 'check', '47480', Buffer.from('ring').toString('base64'), packages, ...targets])
        .then((r) => ({ code: 0, out: r.stdout }), (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }));
    const covers = `${here}=${'1'.repeat(64)}:${'2'.repeat(64)}`;
    // dpkg and coreutils are installed on every Debian: a re-run has nothing to take from the kit.
    expect(await check('dpkg coreutils', [covers])).toEqual({ code: 0, out: `target=${here}\n` });
    // One package missing and no kit source on this machine: not done, so the action puts the source in place.
    for (const packages of ['dpkg rackside-no-such-package', '']) expect([1, 2], packages).toContain((await check(packages, [covers])).code);
    // The host's target not in the kit: exit 3 even with everything installed (the apply then fails with the finding).
    expect((await check('dpkg coreutils', [`other-arch=${'1'.repeat(64)}:${'2'.repeat(64)}`])).code).toBe(3);
  });
});
