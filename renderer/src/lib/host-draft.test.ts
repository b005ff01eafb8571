import { describe, expect, it } from 'vitest';
import { validateHosts } from '../../../electron/contract/index.js';
import { draftFromHost, draftToHostInput, newHostDraft } from './host-draft.js';
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
});
