import { open } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, isAbsolute, join } from 'node:path';
import { err, fileTooLarge, MAX_IMPORT_FILE_BYTES, ok, type ReasonCode, type Result } from '../../contract/index.js';

/**
 * An inventory file read from this machine's disk, for files too big to send from the page. The
 * size is checked on the open handle before anything is read, so a huge or growing file (or a
 * device) never lands in memory.
 */
export async function readInventoryFile(path: string, limit = MAX_IMPORT_FILE_BYTES): Promise<Result<{ fileName: string; text: string }>> {
  const full = path.startsWith('~/') ? join(homedir(), path.slice(2)) : path;
  const fileName = basename(full);
  const refuse = (reason: ReasonCode, message: string, hint: string, params: Record<string, string> = {}) => ({
    ok: false as const,
    error: { ...err('not-found', message, hint).error, reason, params: { file: path, ...params } },
  });
  const unreadable = (code: string) =>
    refuse('file-unreadable', `Cannot read "${path}": ${code}`, 'Check the path: the file must be on this computer and readable by Rackside.', { detail: code });
  // A relative path would be relative to wherever the backend was started: never what was meant.
  if (!isAbsolute(full)) return refuse('file-path-relative', `"${path}" is not a full path`, 'Give the full path, starting with / or ~/.');
  let handle;
  try {
    handle = await open(full, 'r');
  } catch (e) {
    return unreadable((e as NodeJS.ErrnoException).code ?? 'error');
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) return refuse('file-not-regular', `"${path}" is not a file`, 'Give the path of the inventory file itself, not of a folder or device.');
    if (st.size > limit) return { ok: false, error: fileTooLarge(fileName, st.size, limit, true) };
    // Read at most one byte past the limit: a file that grew since stat is still refused.
    const buf = Buffer.alloc(Math.min(st.size, limit) + 1);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    if (bytesRead > limit) return { ok: false, error: fileTooLarge(fileName, bytesRead, limit, true) };
    return ok({ fileName, text: buf.subarray(0, bytesRead).toString('utf8') });
  } catch (e) {
    return unreadable((e as NodeJS.ErrnoException).code ?? 'error');
  } finally {
    await handle.close();
  }
}
