import { describe, expect, it } from 'vitest';
import { projectSchema, type Project } from '../../../contract/index.js';
import { buildPlan } from '../../runbook/plan.js';
import { isOutputRef, type StepCommand, type StepModule } from '../../runbook/step-module.js';
import { workerJoinStep } from '../join/step.js';
import { masterInstallStep } from './step.js';

/**
 * DESIGN.md §7, "Secrets never in argv": an argument is in /proc/<pid>/cmdline, which every user
 * of the node can read while the command runs. Every secret output (the VRRP secret, the hacluster
 * password, the munge key) must reach the actions that use it on stdin (StepCommand.stdin), never
 * as an argument, in every plan of the cluster profiles: master install and worker joins.
 */
const host = (i: number, role: 'master' | 'worker') => ({
  id: `h${i}`, name: `node${i}`, address: `10.9.0.${10 + i}`, port: 22, user: i === 2 ? 'admin' : 'root', role, auth: { method: 'key' as const, keyPath: '/k' },
});
const roles = ['master', 'master', 'worker', 'worker'] as const;
const project = (install: Record<string, unknown>): Project =>
  projectSchema.parse({ version: 1, hosts: roles.map((r, i) => host(i + 1, r)), network: { vip: '10.9.0.100' }, install });

const cases: [string, StepModule, Project][] = [
  ['base platform (keepalived)', masterInstallStep, project({})],
  ['pacemaker install', masterInstallStep, project({ profile: 'pacemaker' })],
  ['pacemaker install, keepalived VIP', masterInstallStep, project({ profile: 'pacemaker', pacemaker: { vipOwner: 'keepalived' } })],
  ['pacemaker join', workerJoinStep, project({ profile: 'pacemaker' })],
  ['slurm install', masterInstallStep, project({ profile: 'slurm' })],
  ['slurm join', workerJoinStep, project({ profile: 'slurm' })],
];

/** Every command of an action: what runs, its probe, and the read of its output. */
const commandsOf = (a: { command: StepCommand; probe?: StepCommand; output?: { read?: StepCommand } }) =>
  [['command', a.command], ['probe', a.probe], ['read', a.output?.read]].filter((c): c is [string, StepCommand] => c[1] !== undefined);

describe('secret outputs reach the commands on stdin, never as arguments', () => {
  it.each(cases)('%s', (_name, step, p) => {
    const r = buildPlan(step, p);
    if (!r.ok) throw new Error(r.error.message);
    const secretOutputs = new Set([...r.value.actions.values()].flat().filter((a) => a.output?.secret).map((a) => a.output!.name));
    expect(secretOutputs.size).toBeGreaterThan(0);
    const inArgv: string[] = [];
    const onStdin: string[] = [];
    for (const [hostId, list] of r.value.actions) {
      for (const a of list) {
        for (const [which, cmd] of commandsOf(a)) {
          const args = 'argv' in cmd ? cmd.argv : (cmd.args ?? []);
          for (const ref of args.filter(isOutputRef)) if (secretOutputs.has(ref.output)) inArgv.push(`${hostId}/${a.id} ${which}: ${ref.output}`);
          for (const ref of (cmd.stdin ?? []).filter(isOutputRef)) if (secretOutputs.has(ref.output)) onStdin.push(`${hostId}/${a.id} ${which}`);
        }
      }
    }
    expect(inArgv).toEqual([]);
    // The secret is still used (the test would pass vacuously if an action simply lost it).
    expect(onStdin.length).toBeGreaterThan(0);
    // And the dry run shows it as a placeholder on stdin, the line itself without it.
    const view = r.value.view.hosts.flatMap((h) => h.actions);
    for (const name of secretOutputs) {
      expect(view.some((a) => a.command.includes(`<output:${name}@`) || a.probe?.includes(`<output:${name}@`)), name).toBe(false);
    }
    expect(view.some((a) => a.stdin?.some((l) => [...secretOutputs].some((n) => l.startsWith(`<output:${n}@`))))).toBe(true);
  });
});
