import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SafeStorageSecretStore, type SafeStorageLike } from './safe-storage-secret-store.js';
import { silentLog } from './test-fakes/fake-electron.js';

/**
 * Mock of Electron's safeStorage (no Electron runtime, no OS keychain here): a reversible
 * transform — XOR with a key, then base64 — so no byte of the plaintext survives into the output.
 */
class FakeSafeStorage implements SafeStorageLike {
  available = true;
  backend: ReturnType<NonNullable<SafeStorageLike['getSelectedStorageBackend']>> = 'gnome_libsecret';
  encryptCalls = 0;
  private readonly key = 0x5a;
  isAsyncEncryptionAvailable = async () => this.available;
  getSelectedStorageBackend = () => this.backend;
  encryptStringAsync = async (plain: string) => {
    this.encryptCalls++;
    const bytes = Buffer.from(plain, 'utf8').map((b) => b ^ this.key);
    return Buffer.from('FAKEENC:' + Buffer.from(bytes).toString('base64'));
  };
  decryptStringAsync = async (blob: Buffer) => {
    const text = blob.toString();
    if (!text.startsWith('FAKEENC:')) throw new Error('Error while decrypting the ciphertext');
    const bytes = Buffer.from(text.slice(8), 'base64').map((b) => b ^ this.key);
    return { result: Buffer.from(bytes).toString('utf8'), shouldReEncrypt: false };
  };
}

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'rackside-secrets-'));
  file = path.join(dir, 'userData', 'secrets.bin');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const PASSWORD = 'correct-horse-battery-staple';
const PASSPHRASE = 'pässphräse 秘密';

describe('SafeStorageSecretStore', () => {
  it('round-trips secrets through the encrypted file across restarts', async () => {
    const safeStorage = new FakeSafeStorage();
    const first = await SafeStorageSecretStore.open({ file, safeStorage, log: silentLog(), platform: 'linux' });
    first.set('node-1', 'password', PASSWORD);
    first.set('node-2', 'passphrase', PASSPHRASE);
    first.set('node-3', 'password', 'to-be-deleted');
    first.delete('node-3', 'password');
    await first.flush();

    const second = await SafeStorageSecretStore.open({ file, safeStorage, log: silentLog(), platform: 'linux' });
    expect(second.isPersistent).toBe(true);
    expect(second.get('node-1', 'password')).toBe(PASSWORD);
    expect(second.get('node-2', 'passphrase')).toBe(PASSPHRASE);
    expect(second.get('node-3', 'password')).toBeUndefined();
    expect(second.values().sort()).toEqual([PASSWORD, PASSPHRASE].sort());
  });

  it('writes the file with mode 0600, leaves no temp file, and nothing in it is plain text', async () => {
    const store = await SafeStorageSecretStore.open({ file, safeStorage: new FakeSafeStorage(), log: silentLog() });
    store.set('node-1', 'password', PASSWORD);
    await store.flush();

    if (process.platform !== 'win32') expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readdir(path.dirname(file))).toEqual(['secrets.bin']);
    const raw = await readFile(file);
    for (const plain of [PASSWORD, 'node-1', 'password', 'correct']) {
      expect(raw.includes(Buffer.from(plain))).toBe(false);
    }
  });

  it('coalesces a burst of changes into few writes and keeps the last value', async () => {
    const safeStorage = new FakeSafeStorage();
    const store = await SafeStorageSecretStore.open({ file, safeStorage, log: silentLog() });
    for (let i = 0; i < 50; i++) store.set('node-1', 'password', `pw-${i}`);
    await store.flush();
    expect(safeStorage.encryptCalls).toBeLessThanOrEqual(2);
    const reopened = await SafeStorageSecretStore.open({ file, safeStorage, log: silentLog() });
    expect(reopened.get('node-1', 'password')).toBe('pw-49');
  });

  it('keeps secrets in memory only, with a warning, when encryption is unavailable', async () => {
    const safeStorage = new FakeSafeStorage();
    safeStorage.available = false;
    const log = silentLog();
    const store = await SafeStorageSecretStore.open({ file, safeStorage, log });
    store.set('node-1', 'password', PASSWORD);
    await store.flush();
    expect(store.get('node-1', 'password')).toBe(PASSWORD);
    expect(store.isPersistent).toBe(false);
    await expect(stat(file)).rejects.toThrow();
    expect(log.lines.some((l) => l.level === 'warn')).toBe(true);
  });

  it('keeps secrets in memory only on Linux without a keyring (basic_text backend)', async () => {
    const safeStorage = new FakeSafeStorage();
    safeStorage.backend = 'basic_text';
    const log = silentLog();
    const store = await SafeStorageSecretStore.open({ file, safeStorage, log, platform: 'linux' });
    store.set('node-1', 'password', PASSWORD);
    await store.flush();
    await expect(stat(file)).rejects.toThrow();
    expect(log.lines.some((l) => l.level === 'warn' && l.msg.includes('basic_text'))).toBe(true);
  });

  it('moves an undecryptable file aside and starts empty instead of failing', async () => {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, 'garbage from another keychain');
    const log = silentLog();
    const store = await SafeStorageSecretStore.open({ file, safeStorage: new FakeSafeStorage(), log });
    expect(store.values()).toEqual([]);
    const names = await readdir(path.dirname(file));
    expect(names.some((n) => n.startsWith('secrets.bin.unreadable-'))).toBe(true);
    expect(log.lines.some((l) => l.level === 'warn')).toBe(true);
  });
});
