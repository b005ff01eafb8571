import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requests, verifyPlanSchema, type Project } from '../../contract/index.js';
import { openProject, saveProject } from '../project/project-store.js';
import { createVerifyHandlers } from './verify-handlers.js';

// verify.savePlan against a real project folder (it only reads and writes project.yaml).
const handlers = createVerifyHandlers();

const project: Project = {
  version: 1, site: 'Lab', customer: 'ACME', technician: 'T',
  hosts: [
    { id: 'h1', name: 'node1', address: '10.0.0.11', port: 22, user: 'root', role: 'master', auth: { method: 'key', keyPath: '/k' } },
    { id: 'h2', name: 'node2', address: '10.0.0.12', port: 22, user: 'root', role: 'worker', auth: { method: 'key', keyPath: '/k' } },
  ],
  install: { profile: 'base' } as Project['install'],
};

async function folder(): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), 'rs-verify-save-')), 'p');
  const r = await saveProject(dir, project);
  if (!r.ok) throw new Error(r.error.message);
  return dir;
}

describe('verify.savePlan', () => {
  it('is a channel of the contract, so both adapters carry it', () => {
    expect(requests['verify.savePlan'].request.safeParse({ dir: '/p', plan: { rtoS: 10 } }).success).toBe(true);
  });

  it('saves a valid plan into project.yaml and keeps the rest of the project', async () => {
    const dir = await folder();
    const plan = verifyPlanSchema.parse({ rtoS: 12, maxClockOffsetMs: 50, rebootHosts: ['h2'] });
    const r = await handlers['verify.savePlan']({ dir, plan });
    expect(r.ok).toBe(true);
    const opened = await openProject(dir);
    if (!opened.ok) throw new Error(opened.error.message);
    expect(opened.value.project.verify).toEqual(plan);
    expect(opened.value.project.install?.profile).toBe('base');
    expect(opened.value.project.hosts).toHaveLength(2);
  });

  it('refuses an unknown or repeated reboot host, coded per field, and writes nothing', async () => {
    const dir = await folder();
    const before = await readFile(join(dir, 'project.yaml'), 'utf8');
    const plan = verifyPlanSchema.parse({ rebootHosts: ['h9', 'h1', 'h1'] });
    const r = await handlers['verify.savePlan']({ dir, plan });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('validation-failed');
    expect(r.error.issues?.map((i) => [i.field, i.code, i.params])).toEqual([
      ['rebootHosts.0', 'verify.issue.reboot-host-unknown', { value: 'h9' }],
      ['rebootHosts.2', 'verify.issue.reboot-host-repeated', { value: 'h1' }],
    ]);
    expect(await readFile(join(dir, 'project.yaml'), 'utf8')).toBe(before);
  });
});
