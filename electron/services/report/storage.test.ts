import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reportModelSchema, storagePlanSchema, type PlanView, type Project, type StoragePlanInput } from '../../contract/index.js';
import { Journal, type NewJournalEvent } from '../project/journal.js';
import { saveProject } from '../project/project-store.js';
import { Transcript, transcriptPath } from '../runbook/transcript.js';
import { STATUS_SCRIPT } from '../steps/storage/index.js';
import { loadReport, previewReport, type ReportDeps } from './export.js';

/**
 * The report's storage section, from a journal as the runner leaves it after a `storage` run: the
 * `status` action's captured stdout is a REAL capture of STATUS_SCRIPT on the VM lab (RAID 10 over
 * four disks, LVM, ext4; then with a disk pulled), saved by storage.vm.lab.test.ts under
 * RACKSIDE_CAPTURE_FIXTURES=1 into steps/storage/fixtures/.
 */
const FIXTURES = join(import.meta.dirname, '..', 'steps', 'storage', 'fixtures');
const capture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
const SERIALS = ['RSV9211', 'RSV9212', 'RSV9213', 'RSV9214'];
const MOUNT = '/srv/data';

const raid: StoragePlanInput = {
  mode: 'raid',
  layout: { arrayName: 'data', level: 'raid10', lvm: { vg: 'vg_data' }, volumes: [{ name: 'lv_data', size: '100%FREE', filesystem: 'ext4', mountPoint: MOUNT }] },
  hosts: [{ hostId: 'v1', disks: SERIALS.map((serial) => ({ serial, sizeBytes: 268435456 })) }],
};

const projectWith = (storage?: StoragePlanInput): Project => ({
  version: 1,
  site: 'VM lab',
  customer: 'Storage',
  technician: 'Li Wei',
  hosts: [
    { id: 'v1', name: 'vm1', address: '127.0.0.1', port: 23121, user: 'root', role: 'master', auth: { method: 'key', keyPath: '/k' } },
    { id: 'v2', name: 'vm2', address: '127.0.0.1', port: 23122, user: 'root', role: 'worker', auth: { method: 'key', keyPath: '/k' } },
  ],
  ...(storage ? { storage: storagePlanSchema.parse(storage) } : {}),
});

const planView = (project: Project, actions: Record<string, string[]>): PlanView => ({
  stepId: 'storage',
  title: 'storage',
  planHash: 'x'.repeat(64),
  hosts: project.hosts.map((h) => ({
    hostId: h.id, name: h.name, address: h.address, user: h.user,
    actions: (actions[h.id] ?? []).map((id) => ({ id, title: id, command: id, sudo: true, timeoutMs: 60_000, destructive: id === 'create-array' })),
  })),
  changes: [],
});

/** A project folder after one `storage` run whose actions finished with these captures. */
async function folder(project: Project, captured: Record<string, Record<string, string>>): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), 'rs-report-storage-')), 'p');
  await mkdir(dir, { recursive: true });
  expect((await saveProject(dir, project)).ok).toBe(true);
  const j = await Journal.open(dir);
  const ev = (e: NewJournalEvent) => j.append(e);
  const actions = Object.fromEntries(Object.entries(captured).map(([h, a]) => [h, Object.keys(a)]));
  await ev({ type: 'run-started', runId: 's1', stepId: 'storage', plan: planView(project, actions), owner: 'li', laptop: 'lt', pid: 1 });
  for (const [hostId, acts] of Object.entries(captured)) {
    for (const [actionId, stdout] of Object.entries(acts)) {
      await ev({ type: 'action-started', runId: 's1', hostId, actionId, attempt: 1, command: actionId === 'status' ? STATUS_SCRIPT.slice(0, 40) : actionId, sudo: true, destructive: false });
      const rel = transcriptPath(hostId, 's1', actionId, 1);
      const t = await Transcript.create(dir, rel, () => []);
      t.note(stdout);
      const sha256 = await t.close();
      await ev({ type: 'action-finished', runId: 's1', hostId, actionId, attempt: 1, status: 'done', via: 'command', exitCode: 0, signal: null, durationMs: 900, message: 'exit 0', transcript: rel, sha256, stdout });
    }
  }
  await ev({ type: 'run-finished', runId: 's1', status: 'completed' });
  await j.close();
  return dir;
}

const deps: ReportDeps = {
  appVersion: '0.1.0',
  secrets: () => [],
  printToPdf: () => Promise.reject(new Error('no PDF in these tests')),
  steps: [{ id: 'storage', title: 'runbook.steps.storage.title' }],
  now: () => new Date('2026-12-06T16:00:00.000Z'),
};
const signOff = { technician: '', customerRepresentative: '', date: '' };

async function report(dir: string, language: 'en' | 'zh-CN' = 'en') {
  const r = await previewReport(dir, signOff, deps, language);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** The storage section of the page: from its heading to the next section. */
const section = (html: string) => /<section class="page" id="storage">[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';

describe('report: storage section', () => {
  it('per planned host: the array, level, members by serial, size, state and mount, as the last run read them (real VM capture)', async () => {
    const dir = await folder(projectWith(raid), { v1: { status: capture('status-raid10-lvm-clean.txt') }, v2: { 'not-planned': '' } });
    const { report: m, html } = await report(dir);
    expect(reportModelSchema.parse(m)).toEqual(m);
    expect(m.storage!.runId).toBe('s1');
    expect(m.storage!.plan?.layout.level).toBe('raid10');
    // Only the host the plan gives disks; vm2 has no array planned.
    expect(m.storage!.hosts.map((h) => h.hostId)).toEqual(['v1']);
    const a = m.storage!.hosts[0]!.array!;
    expect(a).toMatchObject({ device: '/dev/md/data', level: 'raid10', state: 'clean', missing: [], mountPoint: MOUNT, inFstab: true, inMdadmConf: true });
    expect(a.members.map((x) => x.serial).sort()).toEqual(SERIALS);
    expect(a.sizeBytes).toBe(532676608);
    expect(a.uuid).toMatch(/^[0-9a-f]{8}(:[0-9a-f]{8}){3}$/);

    const s = section(html);
    expect(s).toContain('Storage — arrays as built');
    expect(s).toContain('Planned: raid10 as /dev/md/data with LVM volume group vg_data, ext4 on /srv/data.');
    for (const serial of SERIALS) expect(s).toContain(serial);
    expect(s).toMatch(/<td>raid10<\/td>/);
    expect(s).toContain('533 MB');
    expect(s).toContain('data-state="clean"');
    expect(s).toContain(`>${MOUNT}<br>`);
    expect(s).toContain('in /etc/fstab · in mdadm.conf');
    expect(s).not.toMatch(/\{\{|NOT in/);
  });

  it('a degraded array names the missing serial (real capture with a disk pulled)', async () => {
    const dir = await folder(projectWith(raid), { v1: { status: capture('status-raid10-lvm-degraded.txt') } });
    const { report: m, html } = await report(dir);
    const a = m.storage!.hosts[0]!.array!;
    expect(a.state).toBe('degraded');
    expect(a.missing).toEqual(['RSV9212']);
    expect(a.members.map((x) => x.serial).sort()).toEqual(['RSV9211', 'RSV9213', 'RSV9214']);
    expect(section(html)).toContain('missing: RSV9212');
    expect(section(html)).toContain('data-state="degraded"');
  });

  it('in Chinese: heading, states and the persistence words are Chinese', async () => {
    const dir = await folder(projectWith(raid), { v1: { status: capture('status-raid10-lvm-clean.txt') } });
    const s = section((await report(dir, 'zh-CN')).html);
    expect(s).toContain('存储 — 实际构建的阵列');
    expect(s).toContain('成员（按序列号）');
    expect(s).toContain('正常');
    expect(s).toContain('已写入 /etc/fstab · 已写入 mdadm.conf');
    expect(s).not.toMatch(/Planned:|\{\{/);
  });

  it('mode none says no local array is planned instead of listing nothing, in both languages', async () => {
    const dir = await folder(projectWith({ mode: 'none' }), { v1: { 'not-planned': '' }, v2: { 'not-planned': '' } });
    const { report: m, html } = await report(dir);
    expect(m.storage).toMatchObject({ plan: { mode: 'none' }, runId: 's1', hosts: [] });
    expect(section(html)).toContain('data-testid="storage-not-planned"');
    expect(section(html)).toContain('No local array planned');
    expect(section((await report(dir, 'zh-CN')).html)).toContain('未规划本地阵列');
  });

  it('no plan, and a plan whose step has not run: said, with the planned serials of a host not read', async () => {
    const none = await folder(projectWith(), {});
    expect(section((await report(none)).html)).toContain('No storage plan was saved.');

    const dir = join(await mkdtemp(join(tmpdir(), 'rs-report-storage-')), 'p');
    expect((await saveProject(dir, projectWith(raid))).ok).toBe(true);
    const r = await loadReport(dir, signOff, deps);
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.storage).toMatchObject({ runId: null, hosts: [{ hostId: 'v1', plannedSerials: SERIALS, array: null }] });
    const s = section((await report(dir)).html);
    expect(s).toContain('Not run: the storage step has not run.');
    expect(s).toContain('RSV9211, RSV9212, RSV9213, RSV9214');
  });
});
