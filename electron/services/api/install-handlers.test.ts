import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { installPlanSchema, type Project } from '../../contract/index.js';
import { openProject, saveProject } from '../project/project-store.js';
import { createInstallHandlers } from './install-handlers.js';
import type { HandlerContext, SharedServices } from './handlers.js';

// install.savePlan against a real project folder. The handler uses neither the context nor the
// shared services (it only reads and writes project.yaml): both are empty stand-ins, named so.
const unusedCtx = {} as HandlerContext;
const unusedShared = {} as SharedServices;
const handlers = createInstallHandlers(unusedCtx, unusedShared);

const project: Project = {
  version: 1, site: 'Lab', customer: 'ACME', technician: 'T',
  hosts: [
    { id: 'h1', name: 'node1', address: '10.0.0.11', port: 22, user: 'root', role: 'master', auth: { method: 'key', keyPath: '/k' } },
    { id: 'h2', name: 'node2', address: '10.0.0.12', port: 22, user: 'root', role: 'master', auth: { method: 'key', keyPath: '/k' } },
    { id: 'h3', name: 'node3', address: '10.0.0.13', port: 22, user: 'root', role: 'worker', auth: { method: 'key', keyPath: '/k' } },
  ],
  network: { vip: '10.0.0.100' } as Project['network'],
};

async function folder(): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), 'rs-install-save-')), 'p');
  const r = await saveProject(dir, project);
  if (!r.ok) throw new Error(r.error.message);
  return dir;
}

describe('install.savePlan', () => {
  it('saves a valid plan into project.yaml; a single VIP candidate (a warning) does not stop it', async () => {
    const dir = await folder();
    const plan = installPlanSchema.parse({ timeServers: ['ntp.example'], vrrp: { candidates: ['h1'], routerId: 60 }, firewall: { rollbackAfterS: 45 } });
    const r = await handlers['install.savePlan']({ dir, plan });
    expect(r.ok).toBe(true);
    const opened = await openProject(dir);
    if (!opened.ok) throw new Error(opened.error.message);
    expect(opened.value.project.install).toEqual(plan);
    expect(opened.value.project.hosts).toHaveLength(3);
  });

  it('refuses a plan with errors, coded per field, and writes nothing', async () => {
    const dir = await folder();
    const before = await readFile(join(dir, 'project.yaml'), 'utf8');
    const plan = installPlanSchema.parse({ vrrp: { candidates: ['h9'], routerId: 300 }, firewall: { rollbackAfterS: 5 } });
    const r = await handlers['install.savePlan']({ dir, plan });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('validation-failed');
    expect(r.error.issues?.map((i) => [i.field, i.code]).sort()).toEqual([
      ['firewall.rollbackAfterS', 'install.issue.rollback-range'],
      // Its only candidate is not in the inventory, so the VIP has none.
      ['vrrp.candidates', 'install.issue.vip-no-candidate'],
      ['vrrp.candidates.0', 'install.issue.candidate-unknown'],
      ['vrrp.routerId', 'install.issue.router-id-range'],
    ]);
    expect(await readFile(join(dir, 'project.yaml'), 'utf8')).toBe(before);
  });
});
