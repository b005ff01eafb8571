import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { Project } from '../../contract/index.js';
import type { JournalEvent } from '../project/journal.js';
import { buildPlan } from '../runbook/plan.js';
import { findingKey } from '../runbook/step-module.js';
import { preflightStep } from '../steps/preflight/step.js';
import { kitHostCoverage } from './hosts.js';

// Which kit target each host needs, from the preflight step's own reading of the host. The
// preflight's system script runs here for real (this machine is Debian: its os-release and dpkg
// say what a server's would); a second host's output is the same with another architecture.

const at = '2026-12-07T10:00:00.000Z';
const runner = { owner: 'o', laptop: 'l', pid: 1 };
const project: Project = {
  version: 1, site: 'Lab', customer: 'ACME', technician: 'Li Wei',
  hosts: [1, 2, 3].map((i) => ({ id: `h${i}`, name: `node${i}`, address: `10.0.0.${10 + i}`, port: 22, user: 'root', role: i === 1 ? 'master' as const : 'worker' as const, auth: { method: 'password' as const } })),
};

function preflightRun(outputs: Record<string, string>): JournalEvent[] {
  const built = buildPlan(preflightStep, project);
  if (!built.ok) throw new Error(built.error.message);
  const results = new Map(Object.entries(outputs).map(([id, stdout]) => [id, new Map([
    ['access', { status: 'done' as const, exitCode: 0, stdout: 'sudo=root\n' }],
    ['system', { status: 'done' as const, exitCode: 0, stdout }],
  ])]));
  const findings = preflightStep.evaluate(results, project).map((f) => ({ ...f, key: findingKey(f) }));
  return [
    { type: 'run-started', at, runId: 'r1', stepId: 'preflight', plan: built.value.view, ...runner },
    { type: 'findings', at, runId: 'r1', stepId: 'preflight', findings },
    { type: 'run-finished', at, runId: 'r1', status: 'completed' },
  ];
}

describe('kitHostCoverage: the kit targets the hosts need, as the preflight read them', () => {
  const script = (() => {
    const built = buildPlan(preflightStep, project);
    if (!built.ok) throw new Error(built.error.message);
    const system = built.value.actions.get('h1')!.find((a) => a.id === 'system')!;
    return 'script' in system.command ? system.command.script : '';
  })();
  const here = execFileSync('sh', ['-c', script], { encoding: 'utf8' });
  const release = /^release=(.*)$/m.exec(here)![1]!;
  const arch = /^dpkg_arch=(.*)$/m.exec(here)![1]!;

  it('reads VERSION_CODENAME and the dpkg architecture off a real Debian system', () => {
    expect(release).toMatch(/^[a-z]+$/);
    expect(arch).toMatch(/^[a-z0-9]+$/);
  });

  it('a host whose target the kit has is covered; one the kit lacks is named with its target; one not read is unknown', () => {
    const events = preflightRun({ h1: here, h2: here.replace(/^dpkg_arch=.*$/m, 'dpkg_arch=arm64') });
    const c = kitHostCoverage(project, events, [`${release}-${arch}`]);
    expect(c).toEqual({ covered: ['node1'], uncovered: [{ host: 'node2', target: `${release}-arm64` }], unknown: ['node3'] });
    expect(kitHostCoverage(project, events, [`${release}-${arch}`, `${release}-arm64`]).uncovered).toEqual([]);
  });

  it('no preflight run: every host unknown (the install checks them on site)', () => {
    expect(kitHostCoverage(project, [], ['bookworm-amd64'])).toEqual({ covered: [], uncovered: [], unknown: ['node1', 'node2', 'node3'] });
  });

  it('a preflight of an older build (no release read) leaves the host unknown, not uncovered', () => {
    const old = here.replace(/^release=.*\n/m, '').replace(/^dpkg_arch=.*\n/m, '');
    expect(kitHostCoverage(project, preflightRun({ h1: old }), ['bookworm-amd64']).unknown).toContain('node1');
  });
});
