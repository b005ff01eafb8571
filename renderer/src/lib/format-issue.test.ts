import i18next, { type TFunction } from 'i18next';
import { describe, expect, it } from 'vitest';
import { MAX_HOSTS_PER_PROJECT, validateHosts, validateNetworkPlan, type FieldIssue, type NetworkIssue, type NetworkPlanInput } from '../../../electron/contract/index.js';
import en from '../i18n/en.json';
import zhCN from '../i18n/zh-CN.json';
import { formatChange, planFieldLabel, formatIssue, formatNetworkIssue } from './format-issue.js';
import { localizedError } from '../components/error-details.js';

async function translator(lng: 'en' | 'zh-CN'): Promise<TFunction> {
  const i18n = i18next.createInstance();
  // Same interpolation settings as the app (renderer/src/i18n/index.ts).
  await i18n.init({ resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } }, lng, fallbackLng: 'en', interpolation: { escapeValue: false }, showSupportNotice: false });
  return i18n.t;
}

/** Every inventory rule fires at least once across these rows. */
const badRows = [
  { id: 'a', name: 'x'.repeat(70), address: '', port: '22;id', user: '', role: 'boss', auth: { method: 'key', keyPath: '' } },
  { id: 'b', address: '10.0.0.999', port: 70000, user: 'r@t', role: 'worker', auth: { method: 'password' } },
  { id: 'c', address: 'bad_name', port: 2.5, user: 'root', role: 'worker', auth: { method: 'magic' } },
  { id: 'd', address: 'fe80::zz', port: 0, user: 'root', role: 'worker', auth: { method: 'password' } },
  { id: 'e', address: '10.0.0.1', port: 22, user: 'root', role: 'worker', auth: { method: 'password' } },
  { id: 'f', address: '10.0.0.1', port: 22, user: 'root', role: 'worker', auth: { method: 'password' } },
  {},
];

/** The importer's refusals, with the params it sends (electron/services/inventory/import.ts). */
const importIssues: FieldIssue[] = [
  { row: 0, field: 'file', line: 2, code: 'yaml-tag', params: { tag: '!!python/object/apply:os.system' }, message: 'tag' },
  { row: 0, field: 'file', line: 1, code: 'yaml-aliases', params: { count: 90, max: 20 }, message: 'aliases' },
  { row: 1, field: 'name', line: 3, code: 'yaml-alias', params: { field: 'name' }, message: 'alias' },
  { row: 1, field: 'address', line: 4, code: 'yaml-not-scalar', params: { field: 'address' }, message: 'not scalar' },
  { row: 2, field: 'row', line: 5, code: 'yaml-not-mapping', message: 'not a mapping' },
  { row: 1, field: 'name', line: 3, code: 'yaml-wrong-type', params: { field: 'name', expected: 'text', actual: 'number', value: '0o17' }, message: 'type' },
  { row: 1, field: 'port', line: 6, code: 'yaml-wrong-type', params: { field: 'port', expected: 'number', actual: 'true/false', value: 'true' }, message: 'type' },
];

const hosts = [
  { id: 'h1', name: 'n1', address: '10.0.0.11' },
  { id: 'h2', name: 'n2', address: '10.0.0.12' },
];
/** Shape errors (the `22;id` port list arrives as NaN) and every kind of rule error. */
const badPlans: NetworkPlanInput[] = [
  { hosts: [], requiredPorts: [Number.NaN, 2.5, 22] },
  { hosts: [], requiredPorts: [0, 70000], dnsServers: ['1.1.1.1', 'x', 'y', 'z', 'w'] },
  {
    domain: 'bad_domain',
    vip: '10.0.0.255',
    vipName: 'n1',
    dnsServers: ['nope'],
    hosts: [
      { hostId: 'h1', hostname: 'n1', interfaces: [{ name: 'eth0', address: '10.0.0.0', prefix: 24, gateway: '10.9.9.9', mtu: 100 }, { name: 'eth0', address: '10.0.0.300', prefix: 40, gateway: 'x' }] },
      { hostId: 'h1', hostname: 'n1', interfaces: [{ name: 'bond0!', address: '10.0.0.11', prefix: 24 }] },
      { hostId: 'ghost', interfaces: [] },
    ],
  } as NetworkPlanInput,
];

describe('validation messages render in both languages', () => {
  for (const lng of ['en', 'zh-CN'] as const) {
    it(`every inventory and import issue names its field, with no raw placeholder (${lng})`, async () => {
      const t = await translator(lng);
      const { issues } = validateHosts(badRows);
      expect(issues.length).toBeGreaterThan(10);
      for (const issue of [...issues, ...importIssues]) {
        const text = formatIssue(t, issue);
        expect(text, JSON.stringify(issue)).not.toMatch(/\{\{|\}\}|\[object Object\]/);
      }
      const typed = formatIssue(t, importIssues[5]!);
      expect(typed).toContain(lng === 'en' ? 'text (in quotes)' : '文本');
    });

    it(`every inventory rule's issue carries a code, worded with no English phrase left in Chinese (${lng})`, async () => {
      const t = await translator(lng);
      const { issues } = validateHosts([...badRows, { id: 'g', address: '10.0.0.2', port: 22, user: 'root', role: 'worker', auth: { method: 'password' }, jump: { address: 'bad host', user: 'root', auth: { method: 'password' } } }]);
      expect(issues.filter((i) => !i.code).map((i) => i.message)).toEqual([]);
      for (const issue of issues) {
        const text = formatIssue(t, issue);
        expect(text, JSON.stringify(issue)).not.toMatch(/\{\{|\}\}/);
        if (lng === 'zh-CN') expect(text.replace(/"[^"]*"|“[^”]*”/g, ''), JSON.stringify(issue)).not.toMatch(/[A-Za-z]{2,}(?: [A-Za-z]{2,}){2,}/);
      }
      expect(new Set(issues.map((i) => i.code)).size).toBeGreaterThan(8);
    });

    it(`an inventory over the supported maximum says so, with both numbers (${lng})`, async () => {
      const t = await translator(lng);
      const rows = Array.from({ length: MAX_HOSTS_PER_PROJECT + 1 }, (_, i) => ({ id: `h${i}`, address: `10.1.${i >> 8}.${i & 255}`, port: 22, user: 'root', role: 'worker', auth: { method: 'password' } }));
      const { issues } = validateHosts(rows);
      expect(issues.map((i) => i.code)).toEqual(['too-many-hosts']);
      expect(formatIssue(t, issues[0]!)).toBe(lng === 'en'
        ? `hosts: ${MAX_HOSTS_PER_PROJECT + 1} in the inventory, and a project holds at most ${MAX_HOSTS_PER_PROJECT}; split the site into several projects`
        : `主机：清单中有 ${MAX_HOSTS_PER_PROJECT + 1} 台，而一个项目最多 ${MAX_HOSTS_PER_PROJECT} 台；请把站点分成多个项目`);
    });

    it(`every network plan issue names its field, with no raw placeholder (${lng})`, async () => {
      const t = await translator(lng);
      const issues: NetworkIssue[] = badPlans.flatMap((p) => validateNetworkPlan(p, hosts));
      expect(new Set(issues.map((i) => i.code)).size).toBeGreaterThan(8);
      for (const issue of issues) {
        const text = formatNetworkIssue(t, issue);
        expect(text, JSON.stringify(issue)).not.toMatch(/\{\{|\}\}|undefined/);
      }
      const port = issues.find((i) => i.field === 'requiredPorts.0')!;
      expect(formatNetworkIssue(t, port)).toBe(lng === 'en' ? 'Required TCP ports, entry 1: must be a number' : `${t('network.plan.ports')}，第 1 项：必须是数字`);
    });

    it(`an error wrapping others words the whole cause chain into its detail (${lng})`, async () => {
      const t = await translator(lng);
      const e = { code: 'io-failed' as const, message: 't1: Jump host 10.0.0.1: Connection refused: …', hint: 'Check the host.', reason: 'term-shell-failed' as const,
        params: { host: 't1', jump: '10.0.0.1', cause: 'conn-jump-failed>conn-refused' } };
      const { message, hint } = localizedError(t, e);
      expect(message).toBe(lng === 'en'
        ? 't1: Jump host 10.0.0.1: Connection refused: is sshd running and listening on this port?'
        : 't1：跳板机 10.0.0.1：连接被拒绝：sshd 是否在运行并监听此端口？');
      expect(hint).toBe(t('reasons.term-shell-failed.hint'));
      // No chain: the English detail as sent.
      expect(localizedError(t, { ...e, params: { host: 't1', detail: 'odd' } }).message).toBe(lng === 'en' ? 't1: odd' : 't1：odd');
    });

    it(`a change is worded from changes.<code>; without a code, or with params missing, it stays its English line (${lng})`, async () => {
      const t = await translator(lng);
      const change = 'eth0: MTU 1500 → 9000';
      expect(formatChange(t, { change, code: 'net-mtu', params: { iface: 'eth0', from: 1500, to: 9000 } })).toBe(lng === 'en' ? change : 'eth0：MTU 由 1500 改为 9000');
      expect(formatChange(t, { change })).toBe(change);
      expect(formatChange(t, { change, code: 'net-mtu', params: {} })).toBe(change);
    });

    it(`a network plan issue returned by network.savePlan as a row (code network.<code>) reads as the editor's list does (${lng})`, async () => {
      const t = await translator(lng);
      const [issue] = validateNetworkPlan({ hosts: [{ hostId: 'h1', hostname: 'n1', interfaces: [{ name: 'eth0', address: '10.0.0.999', prefix: 24 }] }] }, hosts);
      // The shape api/network-handlers.ts sends the renderer.
      const row: FieldIssue = { row: 1, field: issue!.field, message: issue!.message, code: `network.${issue!.code}`, ...(issue!.params ? { params: issue!.params } : {}) };
      expect(formatIssue(t, row)).toBe(formatNetworkIssue(t, issue!));
      if (lng === 'zh-CN') expect(formatIssue(t, row)).not.toContain('is not a valid');
    });
  }
});

describe('a refused save of a step plan is worded by the step own issue texts', () => {
  for (const lng of ['en', 'zh-CN'] as const) {
    it(`install.issue.* and storage.issue.* codes from the backend (${lng})`, async () => {
      const t = await translator(lng);
      const install = formatIssue(t, { row: 0, field: 'vrrp.routerId', code: 'install.issue.router-id-range', params: { value: 300 }, message: 'ENGLISH FALLBACK' });
      const storage = formatIssue(t, { row: 0, field: 'hosts.0.disks', code: 'storage.issue.too-few-disks', params: { host: 'node1', level: 'raid10', min: 4, count: 3 }, message: 'ENGLISH FALLBACK' });
      for (const text of [install, storage]) {
        expect(text).not.toContain('ENGLISH FALLBACK');
        expect(text).not.toContain('{{');
      }
      expect(install).toContain('300');
      if (lng === 'zh-CN') expect(install).toMatch(/[\u4e00-\u9fff]/);
    });
  }
});

describe('a step plan\'s field paths are named, never shown raw', () => {
  for (const lng of ['en', 'zh-CN'] as const) {
    it(`install, storage and verify plan fields (${lng})`, async () => {
      const t = await translator(lng);
      const rollback = formatIssue(t, { row: 0, field: 'firewall.rollbackAfterS', code: 'install.issue.rollback-range', params: { value: 5, min: 15, max: 600 }, message: 'ENGLISH FALLBACK' });
      expect(rollback).not.toContain('firewall.rollbackAfterS');
      expect(rollback).toContain(lng === 'en' ? 'firewall rollback timer' : '防火墙回滚定时器');
      expect(planFieldLabel(t, 'vrrp.candidates.0')).toBe(lng === 'en' ? 'VIP candidates, entry 1' : 'VIP 候选主机第 1 项');
      expect(planFieldLabel(t, 'sysctl.net.ipv4.ip_forward')).toBe('sysctl');
      expect(planFieldLabel(t, 'slurm.partitions.1.maxTimeMin')).toBe(lng === 'en' ? 'Slurm partition time limit' : 'Slurm 分区时间上限');
      expect(planFieldLabel(t, 'hosts.0.disks')).toBe(lng === 'en' ? 'disks' : '磁盘');
      expect(planFieldLabel(t, 'rebootHosts.2')).toBe(lng === 'en' ? 'hosts for the reboot test, entry 3' : '重启测试主机第 3 项');
      expect(planFieldLabel(t, 'no.such.field')).toBe('no.such.field');
      // Every field the contract's install, storage and verify validators name has a label.
      for (const path of ['profile', 'packageSource.dir', 'packageSource.url', 'packageSource.suite', 'packageSource.port', 'packageSource.components.0', 'timeServers.0',
        'vrrp.routerId', 'servicePort', 'ports.master.0', 'ports.worker.0', 'vip', 'vipName', 'domain', 'hostId', 'hostname', 'interfaces',
        'pacemaker.clusterName', 'pacemaker.vipOwner', 'slurm.clusterName', 'slurm.partitions', 'slurm.partitions.0.name', 'slurm.partitions.0.hosts.1',
        'layout.level', 'layout.arrayName', 'layout.lvm.vg', 'layout.volumes', 'layout.volumes.0.size', 'layout.volumes.0.mountPoint', 'layout.volumes.0.mountOptions',
        'hosts.0.hostId', 'hosts.0.disks.1', 'rtoS', 'maxClockOffsetMs']) {
        expect(planFieldLabel(t, path), path).not.toBe(path);
      }
    });
  }
});
