import { describe, expect, it } from 'vitest';
import { projectSchema } from '../../contract/index.js';
import { kitNeeds } from './kit-handlers.js';

// What goes into the site kit: every package the plan installs, master install and worker joins,
// each with what needs it (the manifest's neededBy), planned as with a repository source.
const project = (install: Record<string, unknown>) => projectSchema.parse({
  version: 1, site: 'S', customer: 'C', technician: 'T',
  hosts: [
    { id: 'm1', name: 'node1', address: '10.0.0.11', port: 22, role: 'master', user: 'root', auth: { method: 'key', keyPath: '/k' } },
    { id: 'w1', name: 'node3', address: '10.0.0.13', port: 22, role: 'worker', user: 'root', auth: { method: 'key', keyPath: '/k' } },
  ],
  install,
});

describe('the site kit\'s packages', () => {
  it('base platform: the master install\'s packages per host, planned even when the kit is the source (not built yet)', () => {
    const needs = kitNeeds(project({ packageSource: { kind: 'kit', dir: '/nowhere/kit' } }));
    expect(needs.map((n) => n.package)).toEqual(['chrony', 'nftables', 'prometheus', 'prometheus-node-exporter']);
    expect(needs.find((n) => n.package === 'prometheus')!.neededBy).toBe('master install: node1');
    expect(needs.find((n) => n.package === 'chrony')!.neededBy).toBe('master install: node1, master install: node3');
  });

  it('Slurm: the workers\' join packages too', () => {
    const needs = kitNeeds(project({ profile: 'slurm', slurm: { clusterName: 'hpc1', partitions: [{ name: 'all', hosts: [], default: true }] } }));
    const slurmd = needs.find((n) => n.package === 'slurmd')!;
    expect(slurmd.neededBy).toContain('worker join: node3');
    expect(needs.map((n) => n.package)).toContain('slurmctld');
  });
});
