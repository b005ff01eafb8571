import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JOIN_STAGES, projectSchema, validateInstallPlan, type Project } from '../../../contract/index.js';
import { validateSlurmPlan, type SlurmPlan } from '../../../contract/slurm-plan.js';
import { buildPlan } from '../../runbook/plan.js';
import { commandRefs, type Action, type StepCommand } from '../../runbook/step-module.js';
import { commandLine } from '../../ssh/quote.js';
import { clusterLeaveStep, workerJoinStep } from '../join/step.js';
import { profileIds } from './profile.js';
import { SLURM_CONF_APPLY, SLURM_NODE } from './slurm-scripts.js';
import { partitionArgs, slurmProfile } from './slurm.js';
import { installContext, masterInstallStep, portsFor } from './step.js';

const host = (i: number, role: 'master' | 'worker') => ({
  id: `h${i}`, name: `node${i}`, address: `10.9.0.${10 + i}`, port: 22, user: 'root', role, auth: { method: 'key' as const, keyPath: '/k' },
});

function project(slurm: Partial<SlurmPlan> = {}, roles: ('master' | 'worker')[] = ['master', 'master', 'worker', 'worker']): Project {
  return projectSchema.parse({ version: 1, hosts: roles.map((r, i) => host(i + 1, r)), install: { profile: 'slurm', slurm } });
}

const ids = (list: readonly Action[] | undefined) => (list ?? []).map((a) => a.id);
/** Every action that changes something has a probe, and every output a read (issue 19). */
function probed(actions: Map<string, Action[]>): string[] {
  return [...actions].flatMap(([h, l]) => l.filter((a) => !a.probe || (a.output && !a.output.read)).map((a) => `${h}/${a.id}`));
}

describe('slurm plan validation', () => {
  const hosts = project().hosts;
  const codes = (p: Partial<SlurmPlan>) => validateSlurmPlan({ clusterName: 'lab', partitions: [{ name: 'main', hosts: [], default: true }], ...p } as SlurmPlan, hosts).map((i) => `${i.code}@${i.field}`);

  it('accepts the default plan, and the install plan validates its slurm part only with the slurm profile', () => {
    expect(codes({})).toEqual([]);
    const bad = { profile: 'slurm', slurm: { clusterName: 'Bad Name' } };
    expect(validateInstallPlan(bad, hosts, '', profileIds()).map((i) => i.code)).toEqual(['slurm-cluster-name-invalid']);
    expect(validateInstallPlan({ ...bad, profile: 'base' }, hosts, '', profileIds())).toEqual([]);
  });

  it('names bad cluster and partition names, twice-defined partitions, unknown hosts and time limits by field', () => {
    expect(codes({ clusterName: 'Lab' })).toEqual(['slurm-cluster-name-invalid@slurm.clusterName']);
    expect(codes({ partitions: [
      { name: 'main', hosts: [], default: true },
      { name: 'main', hosts: ['h1', 'nope', 'h1'], default: false, maxTimeMin: 0 },
      { name: 'a b', hosts: [], default: false },
      { name: 'DEFAULT', hosts: [], default: false },
    ] })).toEqual([
      'slurm-partition-twice@slurm.partitions.1.name',
      'slurm-partition-host-unknown@slurm.partitions.1.hosts.1',
      'slurm-partition-host-twice@slurm.partitions.1.hosts.2',
      'slurm-max-time-range@slurm.partitions.1.maxTimeMin',
      'slurm-partition-name-invalid@slurm.partitions.2.name',
      'slurm-partition-name-invalid@slurm.partitions.3.name',
    ]);
  });

  it('wants exactly one default partition, and at least one partition', () => {
    expect(codes({ partitions: [{ name: 'a', hosts: [], default: false }] })).toEqual(['slurm-no-default@slurm.partitions']);
    expect(codes({ partitions: [{ name: 'a', hosts: [], default: true }, { name: 'b', hosts: [], default: true }] })).toEqual(['slurm-default-twice@slurm.partitions']);
    expect(codes({ partitions: [] })).toEqual(['slurm-no-partition@slurm.partitions']);
  });

  it('every code has a text in both languages', () => {
    const en = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', '..', 'renderer', 'src', 'i18n', 'en.json'), 'utf8')) as { install: { issue: Record<string, string> } };
    const zh = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', '..', 'renderer', 'src', 'i18n', 'zh-CN.json'), 'utf8')) as { install: { issue: Record<string, string> } };
    for (const c of ['slurm-cluster-name-invalid', 'slurm-no-partition', 'slurm-partition-name-invalid', 'slurm-partition-twice', 'slurm-partition-host-unknown',
      'slurm-partition-host-twice', 'slurm-max-time-range', 'slurm-no-default', 'slurm-default-twice']) {
      expect(en.install.issue[c], c).toBeTruthy();
      expect(zh.install.issue[c], c).toBeTruthy();
    }
  });
});

describe('slurm profile: master install plan', () => {
  it('controller on the first master after the base phases, slurmd on the other masters; workers get nothing before step 6', () => {
    const r = buildPlan(masterInstallStep, project());
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.phases.map((p) => [p.id, p.hosts.join(',')])).toEqual([
      ['prepare', 'h1,h2,h3,h4'], ['first-master', 'h1'], ['masters', 'h2'], ['workers', 'h3,h4'], ['slurm-controller', 'h1'], ['slurm-nodes', 'h2'],
    ]);
    const slurmIds = (h: string) => ids(r.value.actions.get(h)).filter((id) => /slurm|munge/.test(id));
    expect(slurmIds('h1')).toEqual(['slurmctld-package', 'munge-key', 'slurm-node', 'slurm-cgroup', 'slurm-conf', 'slurmd']);
    expect(slurmIds('h2')).toEqual(['slurm-node', 'munge-key-install', 'slurmctld-off', 'slurmd']);
    expect(slurmIds('h3')).toEqual([]);
    expect(r.value.actions.get('h1')!.find((a) => a.id === 'munge-key')!.output).toMatchObject({ name: 'munge-key', secret: true });
    expect(probed(r.value.actions).filter((x) => !x.endsWith('/as-built'))).toEqual([]);
    const pk = r.value.actions.get('h2')!.find((a) => a.id === 'packages')!;
    expect('args' in pk.command && pk.command.args).toEqual(expect.arrayContaining(['munge', 'slurmd', 'slurm-client']));
    expect('args' in pk.command && pk.command.args).not.toContain('slurmctld');
    // The dry run names the key by reference only.
    const h2 = r.value.view.hosts.find((h) => h.hostId === 'h2')!;
    const install = h2.actions.find((a) => a.id === 'munge-key-install')!;
    // On stdin, never in the line: /proc/<pid>/cmdline is world-readable.
    expect(install.command).not.toContain('munge-key@');
    expect([install.stdin, install.probeStdin]).toEqual([['<output:munge-key@h1>'], ['<output:munge-key@h1>']]);
    // The master install keeps nodes the joins added (merge); the controller's slurmd reads its own file.
    const conf = r.value.actions.get('h1')!.find((a) => a.id === 'slurm-conf')!;
    expect('args' in conf.command && conf.command.args!.slice(0, 2)).toEqual(['apply', 'merge']);
    const slurmd = (h: string) => r.value.actions.get(h)!.find((a) => a.id === 'slurmd')!.command;
    const args = (c: StepCommand) => ('args' in c ? c.args : undefined);
    expect(args(slurmd('h1'))).toEqual(['apply', '']);
    expect(args(slurmd('h2'))).toEqual(['apply', '10.9.0.11']);
  });

  it('opens slurmctld on masters, slurmd and the srun ports everywhere', () => {
    const ctx = installContext(project());
    const ports = (i: number) => portsFor(ctx.hosts[i]!, ctx).map((p) => p.port);
    expect(ports(0)).toEqual(expect.arrayContaining([6817, 6818, 60001, 60016]));
    expect(ports(2)).toEqual(expect.arrayContaining([6818, 60001, 60016]));
    expect(ports(2)).not.toContain(6817);
  });

  it('partition arguments: ALL for an empty host list, else the hosts\' addresses', () => {
    const ctx = installContext(project({ partitions: [{ name: 'main', hosts: [], default: true }, { name: 'gpu', hosts: ['h4', 'h3'], default: false, maxTimeMin: 90 }] }));
    expect(partitionArgs(ctx)).toEqual(['main;YES;INFINITE;ALL', 'gpu;NO;90;10.9.0.14,10.9.0.13']);
  });
});

describe('slurm profile: join and leave plans', () => {
  it('workers: packages, slurmd -C and key (configuration), slurmd (service); the controller then sees each, about it', () => {
    const p = project();
    const built = buildPlan(workerJoinStep, p);
    if (!built.ok) throw new Error(built.error.message);
    // The join step's own last phase (the read-only as-built reading, steps/join/as-built.ts) is tested there.
    expect(built.value.phases.at(-1)?.id).toBe('cluster-as-built');
    const r = { value: { phases: built.value.phases.filter((x) => x.id !== 'cluster-as-built'),
      actions: new Map([...built.value.actions].map(([h, list]) => [h, list.filter((a) => a.phase !== 'cluster-as-built')] as const)) } };
    expect(r.value.phases.map((x) => [x.id, x.hosts.join(',')])).toEqual([
      ['join-read', 'h1,h2,h3,h4'], ['join-controller', 'h1'], ['join-nodes', 'h3,h4'], ['join-seen', 'h1'],
    ]);
    expect(ids(r.value.actions.get('h1'))).toEqual(['munge-key', 'slurm-node', 'slurm-conf', 'seen-h3', 'seen-h4']);
    expect(ids(r.value.actions.get('h2'))).toEqual(['slurm-node']);
    const w = r.value.actions.get('h3')!;
    expect(w.map((a) => `${a.id}:${a.stage}`)).toEqual(['packages:packages', 'slurm-node:configuration', 'munge-key-install:configuration', 'slurmctld-off:configuration', 'slurmd:service']);
    const seen = r.value.actions.get('h1')!.find((a) => a.id === 'seen-h4')!;
    expect([seen.about, seen.stage]).toEqual(['h4', 'seen']);
    expect(commandRefs(seen.command)).toEqual([{ output: 'slurm-node', host: 'h4' }]);
    for (const list of r.value.actions.values()) for (const a of list) expect(JOIN_STAGES as readonly string[]).toContain(a.stage);
    expect(probed(r.value.actions)).toEqual([]);
    // The key is re-read in every run (outputs are per run): probe "exists", then read.
    const key = r.value.actions.get('h1')!.find((a) => a.id === 'munge-key')!;
    expect(key.output).toMatchObject({ secret: true, read: expect.anything() });
    const conf = r.value.actions.get('h1')!.find((a) => a.id === 'slurm-conf')!;
    expect('args' in conf.command && conf.command.args!.slice(0, 2)).toEqual(['apply', 'exact']);
    expect(commandRefs(conf.command)).toEqual([{ output: 'slurm-node', all: true }]);
  });

  it('leave: the remaining nodes\' lines, the controller\'s file without the node, then its slurmd off; the controller cannot leave', () => {
    const p = project();
    const r = buildPlan(clusterLeaveStep, p, { hostId: 'h4' });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.phases.map((x) => [x.id, x.hosts.join(',')])).toEqual([['leave-read', 'h1,h2,h3'], ['leave-controller', 'h1'], ['leave-node', 'h4']]);
    expect(ids(r.value.actions.get('h1'))).toEqual(['slurm-node', 'slurm-conf']);
    expect(ids(r.value.actions.get('h4'))).toEqual(['slurmd-off']);
    expect(r.value.actions.get('h1')!.find((a) => a.id === 'slurm-conf')!.about).toBe('h4');
    expect(probed(r.value.actions)).toEqual([]);
    const first = buildPlan(clusterLeaveStep, p, { hostId: 'h1' });
    expect(first.ok).toBe(false);
    if (!first.ok) expect(first.error.message).toMatch(/controller/);
  });
});

describe('slurm profile: as built', () => {
  it('records slurmctld on the controller only, munge and slurmd everywhere, and sinfo\'s members', () => {
    const ctx = installContext(project());
    const ab = slurmProfile.asBuilt!;
    expect(ab.units(ctx.hosts[0]!, ctx)).toEqual(['munge', 'slurmctld', 'slurmd']);
    expect(ab.units(ctx.hosts[2]!, ctx)).toEqual(['munge', 'slurmd']);
    expect(ab.packages(ctx.hosts[0]!, ctx)).toContain('slurmctld');
    expect(ab.packages(ctx.hosts[1]!, ctx)).toEqual(['munge', 'slurmd', 'slurm-client']);
    expect('script' in ab.members && ab.members.script).toContain("sinfo -h -N -o '%N %T'");
  });
});

describe('slurm.conf from real slurmd -C output', () => {
  // Real `slurmd -C` of a lab node (fixtures/slurmd-C-lab-node1.txt). This machine has no slurmd:
  // a stand-in script on PATH prints the recorded output (the one fake here, named as such).
  const fixture = readFileSync(join(import.meta.dirname, 'fixtures', 'slurmd-C-lab-node1.txt'), 'utf8');
  const tmp = mkdtempSync(join(tmpdir(), 'rs-slurm-unit-'));
  const fakeBin = join(tmp, 'bin');
  execFileSync('mkdir', ['-p', fakeBin]);
  const sh = (script: string, args: string[], env: Record<string, string> = {}) =>
    execFileSync('sh', ['-c', commandLine({ script, args })], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const line = (name: string, addr: string) => {
    writeFileSync(join(fakeBin, 'slurmd'), `#!/bin/sh\nsed 's/^NodeName=node1 /NodeName=${name} /' <<'EOF'\n${fixture}EOF\n`);
    chmodSync(join(fakeBin, 'slurmd'), 0o755);
    return sh(SLURM_NODE, [addr], { PATH: `${fakeBin}:${process.env.PATH ?? ''}` }).trim();
  };
  const render = (how: 'merge' | 'exact', file: string, parts: string[], lines: string[]) =>
    sh(SLURM_CONF_APPLY, ['render', how, file, 'lab', '10.9.0.11', String(parts.length), ...parts, '--', ...lines]);

  it('the node line is slurmd -C\'s first line with the node\'s address', () => {
    expect(line('node1', '10.9.0.11')).toBe('NodeName=node1 NodeAddr=10.9.0.11 CPUs=2 Boards=1 SocketsPerBoard=1 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=24105');
  });

  it('renders the controller, configless, cgroup plugins, sorted node lines and partitions by node name', () => {
    const lines = [line('node3', '10.9.0.13'), line('node1', '10.9.0.11'), line('node2', '10.9.0.12')];
    const out = render('exact', join(tmp, 'none.conf'), ['main;YES;INFINITE;ALL', 'gpu;NO;90;10.9.0.13,10.9.0.12,10.9.0.99'], lines);
    expect(out).toContain('ClusterName=lab\nSlurmctldHost=node1(10.9.0.11)\nSlurmctldParameters=enable_configless\n');
    expect(out).toContain('ProctrackType=proctrack/cgroup\nTaskPlugin=task/cgroup,task/affinity\n');
    expect(out.split('\n').filter((l) => l.startsWith('NodeName=')).map((l) => l.split(' ')[0])).toEqual(['NodeName=node1', 'NodeName=node2', 'NodeName=node3']);
    expect(out).toContain('NodeName=node2 NodeAddr=10.9.0.12 CPUs=2 Boards=1 SocketsPerBoard=1 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=24105 State=UNKNOWN\n');
    // A partition host that has not joined yet (10.9.0.99) is left out until it has.
    expect(out).toContain('PartitionName=main Nodes=ALL Default=YES MaxTime=INFINITE State=UP\nPartitionName=gpu Nodes=node3,node2 Default=NO MaxTime=90 State=UP\n');
  });

  it('merge keeps the nodes the file has (joined workers); exact drops them (leave); the order of the lines changes nothing', () => {
    const file = join(tmp, 'slurm.conf');
    const all = [line('node1', '10.9.0.11'), line('node2', '10.9.0.12'), line('node3', '10.9.0.13')];
    writeFileSync(file, render('exact', file, ['main;YES;INFINITE;ALL'], all));
    const masters = all.slice(0, 2);
    expect(render('merge', file, ['main;YES;INFINITE;ALL'], masters)).toBe(readFileSync(file, 'utf8'));
    expect(render('exact', file, ['main;YES;INFINITE;ALL'], [...all].reverse())).toBe(readFileSync(file, 'utf8'));
    expect(render('exact', file, ['main;YES;INFINITE;ALL'], masters)).not.toContain('NodeName=node3');
  });

  it('refuses a file without the controller\'s own line', () => {
    expect(() => render('exact', join(tmp, 'none.conf'), ['main;YES;INFINITE;ALL'], [line('node2', '10.9.0.12')])).toThrow(/controller/);
  });
});
