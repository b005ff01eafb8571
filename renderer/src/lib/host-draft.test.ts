import { describe, expect, it } from 'vitest';
import { validateHosts } from '../../../electron/contract/index.js';
import i18next from 'i18next';
import en from '../i18n/en.json';
import zhCN from '../i18n/zh-CN.json';
import { formatIssue } from './format-issue.js';
import { draftFromHost, draftToHostInput, newBmcDraft, newHostDraft, newJumpDraft } from './host-draft.js';
import { groupIssues } from './issues.js';

describe('host drafts', () => {
  it('round-trips a contract host', () => {
    const host = { id: 'a', name: 'n1', address: '198.18.0.2', port: 22, user: 'root', role: 'master' as const, auth: { method: 'password' as const } };
    expect(draftToHostInput(draftFromHost(host))).toEqual(host);
  });

  it('lets the contract name bad ports, duplicates and the missing master by row', () => {
    const rows = [
      { ...newHostDraft('a', 'worker'), address: '198.18.0.2' },
      { ...newHostDraft('b', 'worker'), address: '198.18.0.2' },
      { ...newHostDraft('c', 'worker'), address: '198.18.0.300', port: '70000' },
      { ...newHostDraft('d', 'worker'), address: 'node4', port: 'ssh' },
      { ...newHostDraft('e', 'worker'), address: 'node5', authMethod: 'key' as const },
    ];
    const { issues } = validateHosts(rows.map(draftToHostInput));
    const grouped = groupIssues(issues);
    expect(grouped.global.map((i) => i.field)).toEqual(['role']);
    expect(grouped.rows.get(2)?.get('address')?.[0]?.message).toMatch(/duplicate/);
    expect(grouped.rows.get(3)?.get('address')?.[0]?.message).toMatch(/IPv4/);
    expect(grouped.rows.get(3)?.get('port')?.[0]?.message).toMatch(/between 1 and 65535/);
    expect(grouped.rows.get(4)?.get('port')?.[0]?.message).toBe('port must be a number');
    expect(grouped.rows.get(5)?.get('auth')?.[0]?.field).toBe('auth.keyPath');
    expect(grouped.rows.has(1)).toBe(false);
  });

  it('round-trips a host with its BMC (no password in it), and drops it when removed', () => {
    const host = {
      id: 'a', name: 'n1', address: '198.18.0.11', port: 22, user: 'root', role: 'master' as const, auth: { method: 'agent' as const },
      bmc: { address: '10.0.9.11', port: 623, user: 'ADMIN' },
    };
    const draft = draftFromHost(host);
    expect(draft.bmc).toEqual({ address: '10.0.9.11', port: '623', user: 'ADMIN' });
    expect(draftToHostInput(draft)).toEqual(host);
    expect(validateHosts([draftToHostInput(draft)]).issues).toEqual([]);
    const { bmc: _removed, ...without } = host;
    expect(draftToHostInput({ ...draft, bmc: undefined })).toEqual(without);
  });

  it('names a bad BMC address, port and empty or too long user in the login cell, in English and Chinese', async () => {
    const rows = [
      { ...newHostDraft('a', 'master'), address: '198.18.0.11', bmc: { ...newBmcDraft(), address: '10.0.9.300', port: '70000' } },
      { ...newHostDraft('b', 'worker'), address: '198.18.0.12', bmc: { ...newBmcDraft(), address: '10.0.9.12', user: 'x'.repeat(65) } },
    ];
    expect(newBmcDraft().port).toBe('623');
    const { issues } = validateHosts(rows.map(draftToHostInput));
    expect(issues.map((i) => [i.row, i.field, i.code])).toEqual([
      [1, 'bmc.address', expect.any(String)],
      [1, 'bmc.port', 'port-range'],
      [1, 'bmc.user', 'user-empty'],
      [2, 'bmc.user', 'too-long'],
    ]);
    expect(groupIssues(issues).rows.get(1)?.get('auth')?.map((i) => i.field)).toEqual(['bmc.address', 'bmc.port', 'bmc.user']);
    const i18n = i18next.createInstance();
    await i18n.init({ resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } }, lng: 'en', fallbackLng: 'en', interpolation: { escapeValue: false }, showSupportNotice: false });
    const text = (lng: string) => issues.map((i) => formatIssue(i18n.getFixedT(lng), i)).join('\n');
    const enText = text('en');
    for (const f of ['BMC address', 'BMC port', 'BMC user']) expect(enText).toContain(f);
    const zhText = text('zh-CN');
    for (const f of ['BMC 地址', 'BMC 端口', 'BMC 用户']) expect(zhText).toContain(f);
    expect(enText + zhText).not.toMatch(/\{\{|bmc\.|bmc_/);
  });

  it('round-trips a host with its own jump host, and drops it when removed', () => {
    const host = {
      id: 'a', name: 'n4', address: '198.18.0.5', port: 22, user: 'root', role: 'master' as const, auth: { method: 'agent' as const },
      jump: { address: '198.18.0.2', port: 2222, user: 'lab', auth: { method: 'key' as const, keyPath: '/k/id' } },
    };
    const draft = draftFromHost(host);
    expect(draft.jump?.port).toBe('2222');
    expect(draftToHostInput(draft)).toEqual(host);
    const { jump: _removed, ...direct } = host;
    expect(draftToHostInput({ ...draft, jump: undefined })).toEqual(direct);
  });

  it('names a half-typed jump host\'s fields in its errors, in English and Chinese', async () => {
    const rows = [{ ...newHostDraft('a', 'master'), address: '198.18.0.5', jump: { ...newJumpDraft(), address: ' ', port: 'ssh', authMethod: 'key' as const } }];
    const { issues } = validateHosts(rows.map(draftToHostInput));
    expect(issues.map((i) => i.field).sort()).toEqual(['jump.address', 'jump.auth.keyPath', 'jump.port']);
    const i18n = i18next.createInstance();
    await i18n.init({ resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } }, lng: 'en', fallbackLng: 'en', interpolation: { escapeValue: false }, showSupportNotice: false });
    const text = (lng: string) => issues.map((i) => formatIssue(i18n.getFixedT(lng), i)).sort();
    const enText = text('en').join('\n');
    expect(enText).toContain('jump host address');
    expect(enText).toContain('jump host port');
    expect(enText).toContain('jump host key file path');
    const zhText = text('zh-CN').join('\n');
    for (const f of ['跳板机地址', '跳板机端口', '跳板机密钥文件路径']) expect(zhText).toContain(f);
    expect(enText + zhText).not.toMatch(/\{\{|jump\.|jump_/);
  });
});
