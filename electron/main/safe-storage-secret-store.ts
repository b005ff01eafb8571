import { mkdir, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import type { SafeStorage } from 'electron';
import { writeFileAtomic } from '../services/fs/atomic-write.js';
import type { Logger } from '../services/log/logger.js';
import { MemorySecretStore, type SecretKind } from '../services/secrets/secret-store.js';

/**
 * The part of Electron's safeStorage we use, injected so tests can pass a fake. The async API:
 * the synchronous encryptString/decryptString/isEncryptionAvailable are deprecated as of Electron 45.
 */
export type SafeStorageLike = Pick<
  SafeStorage,
  'isAsyncEncryptionAvailable' | 'encryptStringAsync' | 'decryptStringAsync'
> &
  Partial<Pick<SafeStorage, 'getSelectedStorageBackend'>>;

export interface SafeStorageSecretStoreOptions {
  /** Normally <userData>/secrets.bin. */
  file: string;
  safeStorage: SafeStorageLike;
  log: Logger;
  platform?: NodeJS.Platform;
}

const FORMAT_VERSION = 1;

/**
 * Secrets for the Electron app: reads are served from memory (the SecretStore interface is
 * synchronous); every change is persisted as one blob encrypted by the OS keychain via safeStorage,
 * so not even host ids are readable in the file. Writes are serialised and coalesced, and each one
 * is atomic (temp file, fsync, rename) so a crash leaves either the old or the new file.
 *
 * When the OS offers no real encryption the store stays in memory only: the technician re-enters
 * passwords after a restart rather than having them on disk in a recoverable form.
 */
export class SafeStorageSecretStore extends MemorySecretStore {
  private persistent = false;
  private queued = false;
  private writes: Promise<void> = Promise.resolve();

  private constructor(private readonly opts: SafeStorageSecretStoreOptions) {
    super();
  }

  static async open(opts: SafeStorageSecretStoreOptions): Promise<SafeStorageSecretStore> {
    const store = new SafeStorageSecretStore(opts);
    await store.load();
    return store;
  }

  /** Whether secrets survive a restart (false: memory only, see the warning in the log). */
  get isPersistent(): boolean {
    return this.persistent;
  }

  override set(hostId: string, kind: SecretKind, value: string): void {
    super.set(hostId, kind, value);
    this.schedulePersist();
  }

  override delete(hostId: string, kind: SecretKind): void {
    super.delete(hostId, kind);
    this.schedulePersist();
  }

  /** Resolves when every change made so far is on disk (call before quitting). */
  async flush(): Promise<void> {
    await this.writes;
  }

  private async load(): Promise<void> {
    const { safeStorage, log, file } = this.opts;
    const platform = this.opts.platform ?? process.platform;
    let available = false;
    try {
      available = await safeStorage.isAsyncEncryptionAvailable();
    } catch (e) {
      log.warn('safeStorage availability check failed', { error: errorText(e) });
    }
    if (!available) {
      log.warn('OS encryption is not available: secrets are kept in memory only and must be re-entered after a restart');
      return;
    }
    // On Linux without a keyring (no GNOME keyring / KWallet), Chromium falls back to a hard-coded
    // key: the file would be as good as plain text, so we do not write one.
    if (platform === 'linux' && safeStorage.getSelectedStorageBackend?.() === 'basic_text') {
      log.warn('no OS keyring found (safeStorage backend basic_text): secrets are kept in memory only', {
        hint: 'Unlock or install a keyring (GNOME Keyring or KWallet) to keep secrets across restarts.',
      });
      return;
    }
    this.persistent = true;

    let blob: Buffer;
    try {
      blob = await readFile(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      log.error('could not read the secret store', { file, error: errorText(e) });
      this.persistent = false;
      return;
    }
    try {
      const { result, shouldReEncrypt } = await safeStorage.decryptStringAsync(blob);
      for (const [k, v] of parseEntries(result)) this.map.set(k, v);
      if (shouldReEncrypt) this.schedulePersist();
    } catch (e) {
      // Typically the keychain entry changed (new OS user profile, reset keyring). The file is
      // moved aside, not deleted, in case the old keychain comes back.
      const aside = `${file}.unreadable-${Date.now()}`;
      log.warn('stored secrets could not be decrypted; starting with an empty store', {
        movedTo: aside,
        error: errorText(e),
      });
      await rename(file, aside).catch(() => undefined);
    }
  }

  private schedulePersist(): void {
    if (!this.persistent || this.queued) return;
    this.queued = true;
    this.writes = this.writes
      .then(async () => {
        // Cleared before the snapshot is taken, so a change during this write queues another one.
        this.queued = false;
        await this.writeNow();
      })
      .catch((e: unknown) => {
        this.opts.log.error('could not save the secret store', { file: this.opts.file, error: errorText(e) });
      });
  }

  private async writeNow(): Promise<void> {
    const { file, safeStorage } = this.opts;
    const plain = JSON.stringify({ v: FORMAT_VERSION, entries: [...this.map.entries()] });
    const encrypted = await safeStorage.encryptStringAsync(plain);
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    // 0600 from creation on: the temp file is never readable by other users, not even briefly.
    await writeFileAtomic(file, encrypted, 0o600);
  }
}

function parseEntries(text: string): [string, string][] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    // V8's JSON errors quote the input, which here is decrypted secrets: never let that reach a log.
    throw new Error('secret store content is not valid JSON');
  }
  if (
    typeof data !== 'object' ||
    data === null ||
    (data as { v?: unknown }).v !== FORMAT_VERSION ||
    !Array.isArray((data as { entries?: unknown }).entries)
  ) {
    throw new Error('unrecognised secret store format');
  }
  const entries = (data as { entries: unknown[] }).entries;
  return entries.filter(
    (e): e is [string, string] =>
      Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && typeof e[1] === 'string',
  );
}

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));
