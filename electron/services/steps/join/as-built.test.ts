import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectSchema, type Project } from '../../../contract/index.js';
import type { ActionResult, StepResults } from '../../runbook/step-module.js';
import { installContext } from '../master/step.js';
import { CLUSTER_AS_BUILT, clusterAsBuiltActions, clusterAsBuiltPhase, clusterOf, parseClusterAsBuilt, parseMembers } from './as-built.js';

// The fixtures are the real output of CLUSTER_AS_BUILT (byte for byte this script) on lab nodes in
// systemd mode: node1 with pacemaker, corosync and pcs installed (Debian's one-node cluster
// running), node2 with a one-node Slurm (slurmctld + slurmd, `sinfo` idle), node3 with neither; the
// members files are `crm_node -l | awk '{print $2, $3}'` on node1 and `sinfo -h -N -o '%N %T'` on node2.
const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');

const host = (i: number, role: 'master' | 'worker', user = 'root') => ({
  id: `h${i}`, name: `node${i}`, address: `198.18.0.${10 + i}`, port: 22, user, role, auth: { method: 'key' as const, keyPath: '/k' },
});

function project(over: Partial<Project> = {}): Project {
  return projectSchema.parse({ version: 1, hosts: [host(1, 'master'), host(2, 'worker', 'tech'), host(3, 'worker')], ...over });
}

const result = (stdout: string, status: ActionResult['status'] = 'done'): ActionResult => ({ status, stdout }) as ActionResult;

describe('cluster as built: parsing real captures', () => {
  it('reads the units and package versions of a Pacemaker node', () => {
    expect(parseClusterAsBuilt(fixture('as-built-pacemaker-node1.txt'))).toEqual({
      units: [{ name: 'corosync', state: 'active' }, { name: 'pacemaker', state: 'active' }, { name: 'pcsd', state: 'active' }],
      packages: [
        { name: 'pacemaker', version: '2.1.5-1+deb12u1' },
        { name: 'corosync', version: '3.1.7-1+deb12u2' },
        { name: 'pcs', version: '0.11.5-1+deb12u1' },
        // Known to dpkg (a Recommends) but not installed: an empty version, not a missing line.
        { name: 'fence-agents', version: '' },
      ],
    });
  });

  it('reads a Slurm controller, and a node with none of it as inactive and not installed', () => {
    const ctl = parseClusterAsBuilt(fixture('as-built-slurm-node2.txt'));
    expect(ctl.units).toEqual([{ name: 'munge', state: 'active' }, { name: 'slurmctld', state: 'active' }, { name: 'slurmd', state: 'active' }]);
    expect(ctl.packages.find((p) => p.name === 'slurmd')?.version).toBe('22.05.8-4+deb12u3');
    const bare = parseClusterAsBuilt(fixture('as-built-slurm-bare-node3.txt'));
    expect(bare.units.map((u) => u.state)).toEqual(['inactive', 'inactive']);
    expect(bare.packages).toEqual([{ name: 'slurmd', version: '' }, { name: 'munge', version: '' }]);
  });

  it('reads the member lists of both cluster tools', () => {
    expect(parseMembers(fixture('members-pacemaker.txt'))).toEqual([{ name: 'node1', state: 'member' }]);
    expect(parseMembers(fixture('members-slurm.txt'))).toEqual([{ name: 'node2', state: 'idle' }]);
    expect(parseMembers('\nnode4\n  node5   down*  \n')).toEqual([{ name: 'node4', state: 'unknown' }, { name: 'node5', state: 'down*' }]);
  });
});

describe('cluster as built: the join step\'s last phase', () => {
  const spec = {
    units: (h: { role: string }) => (h.role === 'master' ? ['munge', 'slurmctld', 'slurmd'] : ['munge', 'slurmd']),
    packages: () => ['slurmd', 'munge'],
    members: { argv: ['sinfo', '-h', '-N', '-o', '%N %T'] },
  };

  it('reads every host, read-only and captured, with the member list on the first master only', () => {
    const ctx = installContext(project());
    expect(clusterAsBuiltPhase(ctx)).toEqual({ id: 'cluster-as-built', title: 'install.phases.clusterAsBuilt', hosts: ['h1', 'h2', 'h3'], mode: 'parallel' });
    const first = clusterAsBuiltActions(ctx.hosts[0]!, ctx, spec);
    expect(first.map((a) => a.id)).toEqual(['cluster-as-built', 'cluster-members']);
    expect(first[0]!.command).toEqual({ script: CLUSTER_AS_BUILT, args: ['munge', 'slurmctld', 'slurmd', '--', 'slurmd', 'munge'] });
    expect(first[1]!.command).toEqual(spec.members);
    const worker = clusterAsBuiltActions(ctx.hosts[1]!, ctx, spec);
    expect(worker.map((a) => a.id)).toEqual(['cluster-as-built']);
    for (const a of [...first, ...worker]) {
      expect(a).toMatchObject({ capture: true, destructive: false, phase: 'cluster-as-built' });
      // Read-only: no probe, so every run records the cluster as it is now.
      expect(a.probe).toBeUndefined();
    }
  });
});

describe('cluster as built: what the report gets', () => {
  it('is absent for the base platform with no join run, and says "not run" for a cluster profile', () => {
    expect(clusterOf(project(), null)).toBeNull();
    expect(clusterOf(project({ install: { profile: 'slurm' } as Project['install'] }), null)).toEqual({
      profile: 'slurm', runId: null, recorded: false, members: [],
      hosts: [{ hostId: 'h1', role: 'master', units: [], packages: [] }, { hostId: 'h2', role: 'worker', units: [], packages: [] }, { hostId: 'h3', role: 'worker', units: [], packages: [] }],
    });
  });

  it('takes each host\'s capture and the first master\'s members from a join run; a failed read records nothing for that host', () => {
    const results: StepResults = new Map([
      ['h1', new Map([['cluster-as-built', result(fixture('as-built-slurm-node2.txt'))], ['cluster-members', result(fixture('members-slurm.txt'))]])],
      ['h2', new Map([['cluster-as-built', result(fixture('as-built-slurm-bare-node3.txt'))]])],
      ['h3', new Map([['cluster-as-built', result('== units\nmunge active\n', 'failed')]])],
    ]);
    const c = clusterOf(project({ install: { profile: 'slurm' } as Project['install'] }), { runId: 'r9', results })!;
    expect(c).toMatchObject({ profile: 'slurm', runId: 'r9', recorded: true, members: [{ name: 'node2', state: 'idle' }] });
    expect(c.hosts[0]!.units).toHaveLength(3);
    expect(c.hosts[1]!.packages).toEqual([{ name: 'slurmd', version: '' }, { name: 'munge', version: '' }]);
    expect(c.hosts[2]).toEqual({ hostId: 'h3', role: 'worker', units: [], packages: [] });
    // A run that never reached the reading (interrupted during the joins): nothing recorded.
    expect(clusterOf(project({ install: { profile: 'slurm' } as Project['install'] }), { runId: 'r8', results: new Map() })!.recorded).toBe(false);
  });
});
