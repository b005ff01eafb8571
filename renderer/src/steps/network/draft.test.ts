import { describe, expect, it } from 'vitest';
import { networkPlanSchema, type HostInterfaces } from '../../../../electron/contract/index.js';
import { addressesHeldByOthers, draftFromPlan, draftIsSaved, planFromDraft, planIsEmpty, prefillFromInterfaces } from './draft.js';

const inventory = [
  { id: 'a', name: 'node1', address: '10.0.0.11' },
  { id: 'b', name: 'node2', address: '10.0.0.12' },
];
const read = (hostId: string, address: string, extra: Partial<HostInterfaces> = {}): HostInterfaces => ({
  hostId, name: '', address, ok: true, hostname: `host-${hostId}`, defaultGateway: '10.0.0.1',
  interfaces: [
    { name: 'lo', kind: 'loopback', mac: '', mtu: 65536, state: 'UNKNOWN', carrier: true, addresses: [{ family: 'inet', address: '127.0.0.1', prefix: 8 }] },
    { name: 'eth1', kind: 'ethernet', mac: 'm1', mtu: 9000, state: 'UP', carrier: true, addresses: [{ family: 'inet', address: '192.168.9.5', prefix: 24 }] },
    { name: 'eth0', kind: 'ethernet', mac: 'm0', mtu: 1500, state: 'UP', carrier: true, addresses: [{ family: 'inet', address, prefix: 24 }] },
  ],
  ...extra,
});

describe('network plan draft', () => {
  it('an empty plan is empty, not valid; prefilled from the interfaces just read, it is not', () => {
    const d = draftFromPlan(undefined, inventory);
    expect(planIsEmpty(d)).toBe(true);
    const filled = prefillFromInterfaces(d, [read('a', '10.0.0.11'), read('b', '10.0.0.12')]);
    expect(planIsEmpty(filled)).toBe(false);
    // The interface that carries the SSH address, not the first one listed.
    expect(filled.hosts.map((h) => [h.hostname, h.name, h.kind, h.address, h.prefix, h.gateway, h.mtu])).toEqual([
      ['host-a', 'eth0', 'ethernet', '10.0.0.11', '24', '10.0.0.1', '1500'],
      ['host-b', 'eth0', 'ethernet', '10.0.0.12', '24', '10.0.0.1', '1500'],
    ]);
  });

  it('leaves rows the technician typed in, and hosts that could not be read', () => {
    const d = draftFromPlan(undefined, inventory);
    d.hosts[0] = { ...d.hosts[0]!, hostname: 'rack-a-01' };
    const filled = prefillFromInterfaces(d, [read('a', '10.0.0.11'), { ...read('b', '10.0.0.12'), ok: false, interfaces: [] }]);
    expect(filled.hosts[0]).toEqual(d.hosts[0]);
    expect(filled.hosts[1]).toEqual(d.hosts[1]);
  });

  it('flags a planned address another node holds now on an interface as read', () => {
    const d = prefillFromInterfaces(draftFromPlan(undefined, inventory), [read('a', '10.0.0.11'), read('b', '10.0.0.12')]);
    expect(addressesHeldByOthers(d, [read('a', '10.0.0.11'), read('b', '10.0.0.12')], inventory)).toEqual([]);
    // Another host's inventory address is the plan validation's address-duplicate, not flagged twice.
    d.hosts[1] = { ...d.hosts[1]!, address: '10.0.0.11' };
    expect(addressesHeldByOthers(d, [read('a', '10.0.0.11')], inventory)).toEqual([]);
    d.hosts[1] = { ...d.hosts[1]!, address: '192.168.9.5' };
    expect(addressesHeldByOthers(d, [read('a', '10.0.0.11'), read('b', '10.0.0.12', { interfaces: [] })], inventory)).toEqual([{ hostId: 'b', address: '192.168.9.5', holder: 'node1' }]);
  });

  it('is saved only while it is the saved plan field for field', () => {
    const d = prefillFromInterfaces(draftFromPlan(undefined, inventory), [read('a', '10.0.0.11'), read('b', '10.0.0.12')]);
    expect(draftIsSaved(d, undefined)).toBe(false);
    const saved = networkPlanSchema.parse(planFromDraft(d));
    // Keys in another order, as a plan read back from YAML may have them.
    const reordered = Object.fromEntries(Object.entries(saved).reverse()) as typeof saved;
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(saved));
    expect(draftIsSaved(d, reordered)).toBe(true);
    expect(draftIsSaved({ ...d, domain: 'changed.example' }, saved)).toBe(false);
  });
});
