import { describe, expect, it } from 'vitest';
import type { Host } from '../../../electron/contract/index.js';
import { draftFromHost } from './host-draft.js';
import { applyGroupRoles, planImport } from './import-plan.js';

const host = (id: string, address: string, extra: Partial<Host> = {}): Host => ({
  id, name: id, address, port: 22, user: 'root', role: 'worker', auth: { method: 'password' }, ...extra,
});

describe('planImport', () => {
  const existing = [
    draftFromHost(host('a', '10.0.0.1', { role: 'master' })),
    draftFromHost(host('b', '10.0.0.2')),
    draftFromHost(host('c', '10.0.0.3')),
  ];
  // The file: 10.0.0.1 unchanged, 10.0.0.2 with another user and a key, 10.0.0.9 new; 10.0.0.3 absent.
  const file = [
    host('n1', '10.0.0.1', { role: 'master', name: 'a' }),
    host('n2', '10.0.0.2', { name: 'b', user: 'ops', auth: { method: 'key', keyPath: '/k/id' } }),
    host('n9', '10.0.0.9'),
  ];

  it('merge: matches by address:port, keeps the matched rows\' ids and the rows the file lacks, lists each change', () => {
    const p = planImport(existing, file, 'merge', ['n2', 'n9']);
    expect(p.hosts.map((h) => [h.id, h.address, h.user])).toEqual([
      ['a', '10.0.0.1', 'root'],
      ['b', '10.0.0.2', 'ops'],
      ['c', '10.0.0.3', 'root'],
      ['n9', '10.0.0.9', 'root'],
    ]);
    expect(p.added.map((h) => h.address)).toEqual(['10.0.0.9']);
    expect(p.unchanged.map((h) => h.id)).toEqual(['a']);
    expect(p.changed).toEqual([{ host: expect.objectContaining({ id: 'b' }), changes: [
      { field: 'user', from: 'root', to: 'ops' },
      { field: 'authMethod', from: 'password', to: 'key' },
      { field: 'keyPath', from: '', to: '/k/id' },
    ] }]);
    expect(p.kept.map((h) => h.id)).toEqual(['c']);
    expect(p.removed).toEqual([]);
    // The file's password for 10.0.0.2 follows the row that is kept; a new row keeps its own.
    expect(p.secretMoves).toEqual([{ from: 'n2', to: 'b' }]);
    // Test results stay where nothing about reaching the host changed.
    expect(p.keepResults.sort()).toEqual(['a', 'c']);
  });

  it('merge: a BMC the file brings, changes or drops is listed as a change of the host', () => {
    const before = [
      draftFromHost(host('a', '10.0.0.1', { role: 'master', bmc: { address: '10.0.1.1', port: 623, user: 'ADMIN' } })),
      draftFromHost(host('b', '10.0.0.2')),
    ];
    const p = planImport(before, [
      host('n1', '10.0.0.1', { role: 'master', name: 'a' }),
      host('n2', '10.0.0.2', { name: 'b', bmc: { address: '10.0.1.2', port: 6232, user: 'ops' } }),
    ], 'merge', []);
    expect(p.changed.map((c) => [c.host.id, c.changes])).toEqual([
      ['a', [{ field: 'bmc', from: 'ADMIN@10.0.1.1:623', to: '' }]],
      ['b', [{ field: 'bmc', from: '', to: 'ops@10.0.1.2:6232' }]],
    ]);
    expect(p.hosts.find((h) => h.id === 'b')!.bmc).toEqual({ address: '10.0.1.2', port: '6232', user: 'ops' });
  });

  it('replace: the file\'s hosts in its order, matched ones under their old ids, the rest removed', () => {
    const p = planImport(existing, file, 'replace');
    expect(p.hosts.map((h) => h.id)).toEqual(['a', 'b', 'n9']);
    expect(p.removed.map((h) => h.id)).toEqual(['c']);
    expect(p.kept).toEqual([]);
    expect(p.keepResults).toEqual(['a']);
  });

  it('matches addresses case-insensitively and by port: the same address on another port is another host', () => {
    const p = planImport([draftFromHost(host('a', 'Node1.Lab'))], [host('x', 'node1.lab'), host('y', 'node1.lab', { port: 2222 })], 'merge');
    expect(p.hosts.map((h) => `${h.id} ${h.port}`)).toEqual(['a 22', 'y 2222']);
  });
});

describe('applyGroupRoles', () => {
  it('makes a host a master when any of its groups maps to master', () => {
    const hosts = [host('a', '10.0.0.1'), host('b', '10.0.0.2'), host('c', '10.0.0.3')];
    const groups = { a: ['masters', 'atlanta'], b: ['atlanta'], c: [] };
    expect(applyGroupRoles(hosts, groups, { masters: 'master', atlanta: 'worker' }).map((h) => h.role)).toEqual(['master', 'worker', 'worker']);
    expect(applyGroupRoles(hosts, groups, { masters: 'worker', atlanta: 'master' }).map((h) => h.role)).toEqual(['master', 'master', 'worker']);
  });
});
