import { describe, expect, it } from 'vitest';
import type { ConnectionResult } from '../../../electron/contract/index.js';
import { newHostDraft } from '../lib/host-draft.js';
import { createAppStore } from './index.js';

const result = (hostId: string, status: ConnectionResult['status'] = 'ok'): ConnectionResult => ({
  hostId,
  address: '198.18.0.2',
  port: 22,
  status,
  message: '',
  durationMs: 3,
});

describe('app store', () => {
  it('starts on the inventory step with nothing loaded', () => {
    const s = createAppStore().getState();
    expect(s.step).toBe('inventory');
    expect(s.hosts).toEqual([]);
    expect(s.dirty).toBe(false);
  });

  it('editing a connection field drops that row\'s stale test result; a name edit keeps it', () => {
    const store = createAppStore();
    store.getState().addHost({ ...newHostDraft('a', 'master'), address: '198.18.0.2' });
    store.getState().setResult(result('a'));
    store.getState().updateHost('a', { name: 'node1' });
    expect(store.getState().results.a?.status).toBe('ok');
    store.getState().updateHost('a', { port: '2222' });
    expect(store.getState().results.a).toBeUndefined();
    expect(store.getState().dirty).toBe(true);
  });

  it('ignores results for rows that no longer exist and clears the busy flag', () => {
    const store = createAppStore();
    store.getState().addHost(newHostDraft('a', 'master'));
    store.getState().setTesting(['a'], true);
    store.getState().setResult(result('gone'));
    expect(store.getState().results).toEqual({});
    store.getState().setResult(result('a', 'hostkey-unknown'));
    expect(store.getState().testing).toEqual({});
    expect(store.getState().results.a?.status).toBe('hostkey-unknown');
  });

  it('replacing hosts (import) clears results; removing a host clears its state', () => {
    const store = createAppStore();
    store.getState().addHost(newHostDraft('a', 'master'));
    store.getState().addHost(newHostDraft('b', 'worker'));
    store.getState().setResult(result('a'));
    store.getState().setSecretFlags(['a', 'b'], { password: ['b'], passphrase: [], sudo: ['a'] });
    expect(store.getState().secretFlags.b).toEqual({ password: true, passphrase: false, sudo: false });
    expect(store.getState().secretFlags.a).toEqual({ password: false, passphrase: false, sudo: true });
    store.getState().removeHost('b');
    expect(store.getState().secretFlags.b).toBeUndefined();
    store.getState().replaceHosts([newHostDraft('c', 'master')]);
    expect(store.getState().hosts.map((h) => h.id)).toEqual(['c']);
    expect(store.getState().results).toEqual({});
  });

  it('opening a project replaces fields and hosts, clears results and the dirty flag', () => {
    const store = createAppStore();
    store.getState().addHost(newHostDraft('a', 'master'));
    store.getState().setResult(result('a'));
    store.getState().setProjectField('site', 'old');
    store.getState().loadProject(
      {
        version: 1,
        site: 'Site B',
        customer: 'ACME',
        technician: 'Li',
        hosts: [
          { id: 'x', name: 'n', address: '198.18.0.9', port: 2222, user: 'root', role: 'master', auth: { method: 'key', keyPath: '/k' } },
        ],
      },
      '/p/project.yaml',
      '/p',
    );
    const s = store.getState();
    expect(s.site).toBe('Site B');
    expect(s.hosts).toEqual([
      { id: 'x', name: 'n', address: '198.18.0.9', port: '2222', user: 'root', role: 'master', authMethod: 'key', keyPath: '/k' },
    ]);
    expect(s.results).toEqual({});
    expect(s.dirty).toBe(false);
    expect(s.projectMessage).toEqual({ kind: 'ok', action: 'opened', path: '/p/project.yaml' });
  });

  it('saving clears the dirty flag', () => {
    const store = createAppStore();
    store.getState().setProjectField('customer', 'ACME');
    expect(store.getState().dirty).toBe(true);
    store.getState().markSaved('/p/project.yaml', 1);
    expect(store.getState().dirty).toBe(false);
  });
});
