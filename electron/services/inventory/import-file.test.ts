import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bmcSecretId } from '../../contract/index.js';
import { createDispatcher } from '../api/dispatcher.js';
import { createHandlers } from '../api/handlers.js';
import { createLogger } from '../log/logger.js';
import { MemorySecretStore } from '../secrets/secret-store.js';
import { readInventoryFile } from './import-file.js';

const HOSTS = 'hosts:\n  - name: node1\n    address: 198.18.0.11\n    role: master\n    password: s3cret\n  - name: node2\n    address: 198.18.0.12\n';

/** A valid inventory padded with comment lines to about `bytes`: big, and still only two hosts. */
const padded = (bytes: number) => HOSTS + `# ${'x'.repeat(98)}\n`.repeat(Math.ceil((bytes - HOSTS.length) / 101));

describe('readInventoryFile', () => {
  it('reads a file by its full path and refuses one over the limit with its size, reading nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rs-inv-'));
    await writeFile(join(dir, 'small.yaml'), HOSTS);
    await writeFile(join(dir, 'big.yaml'), padded(3 * 1024 * 1024));
    expect(await readInventoryFile(join(dir, 'small.yaml'))).toEqual({ ok: true, value: { fileName: 'small.yaml', text: HOSTS } });
    const big = await readInventoryFile(join(dir, 'big.yaml'), 2 * 1024 * 1024);
    expect(big).toMatchObject({ ok: false, error: { code: 'too-large', reason: 'file-too-large-disk', params: { file: 'big.yaml', sizeMb: '3', limitMb: '2' } } });
  });

  it('says clearly when a path is relative, missing or not a file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rs-inv-'));
    const cases = [
      ['inventory.yaml', 'file-path-relative'],
      [join(dir, 'missing.yaml'), 'file-unreadable'],
      [dir, 'file-not-regular'],
    ] as const;
    for (const [path, reason] of cases) {
      const r = await readInventoryFile(path);
      expect(r).toMatchObject({ ok: false, error: { code: 'not-found', reason, params: { file: path } } });
    }
    expect(await readInventoryFile(join(dir, 'missing.yaml'))).toMatchObject({ error: { params: { detail: 'ENOENT' } } });
    // Each reason renders from the locale files; English there is the same as here.
    for (const lang of ['en', 'zh-CN']) {
      const reasons = JSON.parse(await readFile(join(import.meta.dirname, '../../../renderer/src/i18n', `${lang}.json`), 'utf8')).reasons;
      for (const [path, reason] of cases) {
        const r = await readInventoryFile(path);
        expect(reasons[reason]).toBeDefined();
        if (lang === 'en' && !r.ok) {
          const fill = (text: string) => text.replace(/\{\{(\w+)\}\}/g, (_m, k: string) => String(r.error.params![k]));
          expect([fill(reasons[reason].message), fill(reasons[reason].hint)]).toEqual([r.error.message, r.error.hint]);
        }
      }
    }
  });
});

describe('inventory.importFile', () => {
  it('imports a 9.4 MB valid inventory from disk, its passwords going to the secret store', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rs-inv-'));
    const path = join(dir, 'site.yaml');
    await writeFile(path, padded(9.4 * 1024 * 1024));
    const secrets = new MemorySecretStore();
    const log = createLogger(() => {});
    const dispatch = createDispatcher(
      createHandlers({ transport: 'browser', version: 't', dataDir: join(dir, 'data'), secrets, emit: () => {}, log }),
      log,
    );
    const r = await dispatch('inventory.importFile', { path });
    expect(r).toMatchObject({ ok: true });
    if (!r.ok) return;
    const value = r.value as { fileName: string; hosts: { address: string; id: string }[]; secretsStored: string[] };
    expect(value.fileName).toBe('site.yaml');
    expect(value.hosts.map((h) => h.address)).toEqual(['198.18.0.11', '198.18.0.12']);
    expect(value.secretsStored).toEqual([value.hosts[0]!.id]);
    expect(JSON.stringify(value)).not.toContain('s3cret');
  });

  it('is unsupported as a picker in the browser host, which has no native dialog', async () => {
    const log = createLogger(() => {});
    const dir = await mkdtemp(join(tmpdir(), 'rs-inv-'));
    const dispatch = createDispatcher(
      createHandlers({ transport: 'browser', version: 't', dataDir: join(dir, 'data'), secrets: new MemorySecretStore(), emit: () => {}, log }),
      log,
    );
    expect(await dispatch('inventory.pickFile', {})).toMatchObject({ ok: false, error: { code: 'unsupported' } });
  });

  it('returns an Ansible file\'s groups, default roles and notes; secrets.move hands the file\'s secrets to the kept host id', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rs-inv-'));
    const secrets = new MemorySecretStore();
    const log = createLogger(() => {});
    const dispatch = createDispatcher(
      createHandlers({ transport: 'browser', version: 't', dataDir: join(dir, 'data'), secrets, emit: () => {}, log }),
      log,
    );
    const text = '[masters]\nnode01 ansible_host=10.0.0.1 ansible_password=pw-1\n[workers]\nwin ansible_connection=winrm\n';
    const r = await dispatch('inventory.parse', { fileName: 'hosts', text });
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    const value = r.value as { hosts: { id: string }[]; secretsStored: string[]; source: { format: string; groups: Record<string, string[]>; defaultRoles: Record<string, string>; notes: { code: string; field: string }[] } };
    const id = value.hosts[0]!.id;
    expect(value.source).toMatchObject({ format: 'ansible-ini', groups: { [id]: ['masters'] }, defaultRoles: { masters: 'master', workers: 'worker' }, notes: [{ code: 'ansible-connection', field: 'win' }] });
    expect(secrets.get(id, 'password')).toBe('pw-1');
    secrets.set(`${id}/jump`, 'password', 'jump-pw');
    expect(await dispatch('secrets.move', { moves: [{ from: id, to: 'kept-id' }] })).toEqual({ ok: true, value: {} });
    expect([secrets.get('kept-id', 'password'), secrets.get('kept-id/jump', 'password'), secrets.get(id, 'password')]).toEqual(['pw-1', 'jump-pw', undefined]);
  });

  it('secrets.move hands a host\'s BMC password to the kept host id too', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rs-inv-'));
    const secrets = new MemorySecretStore();
    const log = createLogger(() => {});
    const dispatch = createDispatcher(createHandlers({ transport: 'browser', version: 't', dataDir: join(dir, 'data'), secrets, emit: () => {}, log }), log);
    secrets.set(bmcSecretId('new-id'), 'password', 'bmc-pw');
    expect(await dispatch('secrets.move', { moves: [{ from: 'new-id', to: 'kept-id' }] })).toEqual({ ok: true, value: {} });
    expect([secrets.get(bmcSecretId('kept-id'), 'password'), secrets.get(bmcSecretId('new-id'), 'password')]).toEqual(['bmc-pw', undefined]);
  });
});
