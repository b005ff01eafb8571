import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectSchema, reportModelSchema } from '../../contract/index.js';
import { journalEventSchema } from '../project/journal.js';
import { renderHtml } from './html.js';
import { buildReport } from './model.js';
import { loadReportLook } from './resources.js';

// The as-built platform from a whole real install: the journal of e2e/master-install.e2e.ts's run
// on the 4-node systemd lab (two masters, two workers, VIP .100), cut to its as-built actions with
// the stdout each node printed (fixtures/master-install-*). platform.test.ts covers one worker.
const fx = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');
const project = projectSchema.parse(JSON.parse(fx('master-install-project.json')));
const events = fx('master-install-as-built.ndjson').trim().split('\n').map((l) => journalEventSchema.parse(JSON.parse(l)));
const steps = [{ id: 'master-install', title: 'runbook.steps.master-install.title' }];
const signOff = { technician: '', customerRepresentative: '', date: '' };
const [m1, m2, w1, w2] = project.hosts;

async function look(language: 'en' | 'zh-CN') {
  const r = await loadReportLook(language);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('report: the as-built platform of a real 4-node lab install', () => {
  it('every host\'s package versions as read, the VIP and its candidates, chrony\'s sources, Prometheus targets, firewall ports by role', async () => {
    const r = await buildReport({ project, events, steps, signOff, appVersion: '0', secrets: [] });
    const p = r.platform!;
    expect(reportModelSchema.parse(r).platform).toEqual(p);
    expect(p.vip).toBe(project.network!.vip);
    expect(p.vipCandidates).toEqual([m1!.id, m2!.id]);
    expect(p.prometheus).toEqual({ hostId: m1!.id, targets: project.hosts.map((h) => `${h.address}:9100`) });
    const host = (id: string) => p.hosts.find((h) => h.hostId === id)!;
    const names = (id: string) => host(id).packages.map((k) => k.name).sort();
    expect(names(m1!.id)).toEqual(['chrony', 'haproxy', 'keepalived', 'nftables', 'prometheus', 'prometheus-node-exporter']);
    expect(names(m2!.id)).toEqual(['chrony', 'haproxy', 'keepalived', 'nftables', 'prometheus-node-exporter']);
    expect(names(w1!.id)).toEqual(['chrony', 'nftables', 'prometheus-node-exporter']);
    for (const h of p.hosts) for (const k of h.packages) expect(k.version, `${h.hostId} ${k.name}`).toMatch(/^\d[\w.:+~-]*$/);
    // chrony as each node reported it when the run read it: the first master serves its own clock
    // (no upstream in this plan), the second follows it, the workers list both masters (read seconds
    // after chrony restarted there, so none is selected yet).
    expect(host(m1!.id).timeSources).toEqual([]);
    expect(host(m2!.id).timeSources).toEqual([{ address: m1!.address, selected: true }]);
    expect(host(w2!.id).timeSources.map((x) => x.address).sort()).toEqual([m1!.address, m2!.address]);
    // Firewall: the first master also has Prometheus and NTP; a worker only node-exporter.
    expect(host(m1!.id).ports).toEqual(expect.arrayContaining([{ port: 9090, protocol: 'tcp' }, { port: 123, protocol: 'udp' }, { port: 9100, protocol: 'tcp' }]));
    expect(host(w1!.id).ports).toEqual([{ port: 9100, protocol: 'tcp' }]);
  });

  it('renders it in both languages with the versions read', async () => {
    const r = await buildReport({ project, events, steps, signOff, appVersion: '0', secrets: [] });
    const version = r.platform!.hosts[0]!.packages.find((k) => k.name === 'keepalived')!.version;
    const en = renderHtml(r, await look('en'));
    expect(en).toContain('id="platform"');
    expect(en).toContain(`keepalived ${version}`);
    expect(en).toContain(project.network!.vip);
    const zh = renderHtml(r, await look('zh-CN'));
    expect(zh).toContain('基础平台——竣工状态');
    expect(zh).toContain(`keepalived ${version}`);
    expect(zh).not.toMatch(/\{\{\s*\w+\s*\}\}/);
  });
});
