import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Project } from '../../contract/index.js';
import { openProject, saveProject, updateProject } from './project-store.js';

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

  it('round-trips every login option: agent auth, a host\'s own jump host, the project bastion, the host-key policy', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rs-proj-'));
    const full: Project = {
      ...project,
      hosts: [
        { ...project.hosts[0]!, auth: { method: 'agent' } },
        { ...project.hosts[1]!, jump: { address: '10.0.0.1', port: 2200, user: 'jump', auth: { method: 'key', keyPath: '/k/jump' } } },
      ],
      bastion: { address: 'bastion.example', port: 22, user: 'ops', auth: { method: 'password' } },
      hostKeyPolicy: 'accept-new',
    };
    const saved = await saveProject(dir, full);
    expect(saved.ok).toBe(true);
    const opened = await openProject(dir);
    expect(opened.ok && opened.value.project).toEqual(full);
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

  it('never writes over a file that failed to open, and writes nothing until replace is chosen', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rs-proj-'));
    const path = join(dir, 'project.yaml');
    const broken = 'version: 1\nsite: "hand edited\nhosts: [\n';
    await writeFile(path, broken);
    expect((await openProject(dir)).ok).toBe(false);
    const r = await saveProject(dir, project, { revision: 0 });
    expect(r.ok || r.error.code).toBe('conflict');
    if (!r.ok) expect(r.error.message).toMatch(/could not be opened/);
    expect(await readFile(path, 'utf8')).toBe(broken);
    expect(await readdir(dir)).toEqual(['project.yaml']);
    // A folder never opened in this process is protected as well: the writer reads before writing.
    const other = await mkdtemp(join(tmpdir(), 'rs-proj-'));
    await writeFile(join(other, 'project.yaml'), broken);
    expect((await saveProject(other, project)).ok).toBe(false);
    expect(await readFile(join(other, 'project.yaml'), 'utf8')).toBe(broken);
  });

  it('a fixed-by-hand file stays protected until it is opened again', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rs-proj-'));
    const path = join(dir, 'project.yaml');
    await writeFile(path, 'version: 1\nhosts: [\n');
    expect((await openProject(dir)).ok).toBe(false);
    await writeFile(path, 'version: 1\nsite: fixed\nhosts: []\n');
    expect((await saveProject(dir, project, { revision: 0 })).ok).toBe(false);
    expect(await readFile(path, 'utf8')).toBe('version: 1\nsite: fixed\nhosts: []\n');
    // Only a window opening it to edit lifts the mark; the runner or the report reading it do not.
    expect((await openProject(dir)).ok).toBe(true);
    expect((await saveProject(dir, project, { revision: 0 })).ok).toBe(false);
    const re = await openProject(dir, { forEditing: true });
    expect(re.ok && re.value).toMatchObject({ revision: 0, project: { site: 'fixed' } });
    expect(await saveProject(dir, project, { revision: 0 })).toMatchObject({ ok: true, value: { revision: 1 } });
  });

  it('"replace it" keeps the broken file as project.yaml.broken-<timestamp> and then writes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rs-proj-'));
    const broken = 'version: 1\nsite: [unclosed\n';
    await writeFile(join(dir, 'project.yaml'), broken);
    expect((await openProject(dir)).ok).toBe(false);
    const r = await saveProject(dir, project, { revision: 0, replaceBroken: true });
    expect(r).toMatchObject({ ok: true, value: { revision: 1 } });
    const files = (await readdir(dir)).sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toBe('project.yaml');
    expect(files[1]).toMatch(/^project\.yaml\.broken-\d{8}T\d{6}(\d{3})?Z$/);
    expect(await readFile(join(dir, files[1]!), 'utf8')).toBe(broken);
    const re = await openProject(dir);
    expect(re.ok && re.value).toMatchObject({ revision: 1, project });
  });

  it('refuses a save based on an older revision and writes nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rs-proj-'));
    expect(await saveProject(dir, project, { revision: 0 })).toMatchObject({ ok: true, value: { revision: 1 } });
    expect(await saveProject(dir, { ...project, site: 'A' }, { revision: 1 })).toMatchObject({ ok: true, value: { revision: 2 } });
    const before = await readFile(join(dir, 'project.yaml'), 'utf8');
    expect(before).toMatch(/^revision: 2$/m);
    // A second window still holding revision 1 must not overwrite site A.
    const stale = await saveProject(dir, { ...project, site: 'stale' }, { revision: 1 });
    expect(stale.ok || stale.error.code).toBe('conflict');
    if (!stale.ok) expect(stale.error.message).toContain('revision 2, yours 1');
    expect(await readFile(join(dir, 'project.yaml'), 'utf8')).toBe(before);
  });

  it('serializes concurrent saves: of two based on the same revision, exactly one is written', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rs-proj-'));
    await saveProject(dir, project, { revision: 0 });
    const [a, b] = await Promise.all([
      saveProject(dir, { ...project, site: 'A' }, { revision: 1 }),
      saveProject(dir, { ...project, site: 'B' }, { revision: 1 }),
    ]);
    expect([a.ok, b.ok].sort()).toEqual([false, true]);
    const winner = a.ok ? 'A' : 'B';
    const re = await openProject(dir);
    expect(re.ok && re.value).toMatchObject({ revision: 2, project: { site: winner } });
    // Read-modify-write updates (network plan, new address) queue behind each other and both land.
    const [u, v] = await Promise.all([
      updateProject(dir, (p) => ({ ...p, customer: `${p.customer}+u` })),
      updateProject(dir, (p) => ({ ...p, customer: `${p.customer}+v` })),
    ]);
    expect(u.ok && v.ok).toBe(true);
    const after = await openProject(dir);
    expect(after.ok && after.value).toMatchObject({ revision: 4, project: { customer: 'ACME+u+v' } });
  });
});
