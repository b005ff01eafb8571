import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Project } from '../../contract/index.js';
import { openProject, saveProject } from './project-store.js';

const project: Project = {
  version: 1,
  site: '上海数据中心',
  customer: 'ACME',
  technician: 'Li Wei',
  hosts: [
    { id: 'h1', name: 'node1', address: '198.18.0.11', port: 22, user: 'root', role: 'master', auth: { method: 'password' } },
    { id: 'h2', name: '', address: 'node2', port: 2222, user: 'lab', role: 'worker', auth: { method: 'key', keyPath: '/k/id' } },
  ],
};

describe('project store', () => {
  it('round-trips a project through project.yaml atomically, leaving no temp files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rs-proj-'));
    const saved = await saveProject(join(dir, 'new-folder'), project);
    expect(saved.ok).toBe(true);
    expect(await readdir(join(dir, 'new-folder'))).toEqual(['project.yaml']);
    const opened = await openProject(join(dir, 'new-folder'));
    expect(opened.ok && opened.value.project).toEqual(project);
  });

  it('refuses to save an invalid inventory and writes nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rs-proj-'));
    const bad = { ...project, hosts: [project.hosts[0]!, { ...project.hosts[1]!, address: '198.18.0.11', port: 22 }] };
    const r = await saveProject(dir, bad);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.issues?.[0]?.message).toMatch(/duplicate/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('names the line and field of a hand-broken file and leaves it untouched', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rs-proj-'));
    await saveProject(dir, project);
    const path = join(dir, 'project.yaml');
    const broken = (await readFile(path, 'utf8')).replace('port: 2222', 'port: twenty');
    await writeFile(path, broken);
    const r = await openProject(dir);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const line = broken.split('\n').findIndex((l) => l.includes('port: twenty')) + 1;
    expect(r.error.message).toContain(`line ${line}`);
    expect(r.error.message).toContain('hosts.1.port');
    expect(await readFile(path, 'utf8')).toBe(broken);
  });

  it('says when the folder has no project', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rs-proj-'));
    const r = await openProject(dir);
    expect(r.ok || r.error.code).toBe('not-found');
  });
});
