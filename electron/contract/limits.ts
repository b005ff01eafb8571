import type { AppError, FieldIssue } from './result.js';

/*
 * Size limits of what crosses the boundary, shared by both transports and the renderer so every
 * side refuses the same thing with the same answer. The renderer renders `reason` + `params` from
 * its locale files; `message`/`hint` are the English fallback for logs and old pages.
 */

/** Largest request (its JSON text, in UTF-8 bytes) a transport accepts and dispatches. */
export const MAX_REQUEST_BYTES = 8 * 1024 * 1024;
/**
 * Largest inventory file the renderer sends as text (`inventory.parse`). Anything bigger is read by
 * the backend from disk (`inventory.importFile`), so big files never travel through the socket.
 */
export const MAX_IMPORT_TEXT_BYTES = 4 * 1024 * 1024;
/** Largest inventory file the backend reads from disk: 1000 hosts with comments fit many times over. */
export const MAX_IMPORT_FILE_BYTES = 32 * 1024 * 1024;

const MB = 1024 * 1024;
/** "9.4": MB with one decimal, "8" for a whole number. */
export const toMb = (bytes: number): string => (Math.round((bytes / MB) * 10) / 10).toFixed(1).replace(/\.0$/, '');

/** Size and limit for a message; a size just over the limit gets two decimals, never "8 MB, the limit is 8 MB". */
function sizes(sizeBytes: number, limitBytes: number) {
  const limitMb = toMb(limitBytes);
  let sizeMb = toMb(sizeBytes);
  if (sizeMb === limitMb) sizeMb = (Math.ceil((sizeBytes / MB) * 100) / 100).toFixed(2);
  return { sizeMb, limitMb };
}

/** A request over MAX_REQUEST_BYTES, refused before it is sent (renderer) or dispatched (backend). */
export function requestTooLarge(sizeBytes: number, limitBytes = MAX_REQUEST_BYTES): AppError {
  const params = sizes(sizeBytes, limitBytes);
  return {
    code: 'too-large',
    reason: 'request-too-large',
    params,
    message: `Request too large: ${params.sizeMb} MB, the limit is ${params.limitMb} MB`,
    hint: 'Large files are read by the backend from disk: import the file by its path instead of sending its contents.',
  };
}

/**
 * An import file over a limit. `fromDisk` says which: the renderer's (send the path instead) or the
 * backend's own disk limit (split the file).
 */
export function fileTooLarge(fileName: string, sizeBytes: number, limitBytes: number, fromDisk: boolean): AppError {
  const params = { file: fileName, ...sizes(sizeBytes, limitBytes) };
  return fromDisk
    ? {
        code: 'too-large',
        reason: 'file-too-large-disk',
        params,
        message: `File too large: ${params.sizeMb} MB, the limit is ${params.limitMb} MB`,
        hint: 'Split the inventory into smaller files.',
      }
    : {
        code: 'too-large',
        reason: 'file-too-large',
        params,
        message: `File too large: ${params.sizeMb} MB, the limit is ${params.limitMb} MB; import files this large are read by the backend from disk`,
        hint: "Type the file's path on this computer under \"Or import from a path\" and import it from there.",
      };
}

/**
 * The UTF-8 size of a request's JSON text when it is over `limit`, else null. Each UTF-16 unit is
 * 1–3 UTF-8 bytes, so only a text near the limit is counted. (No TextEncoder: the contract runs
 * without DOM or Node types.)
 */
export function sizeOverLimit(text: string, limit = MAX_REQUEST_BYTES): number | null {
  if (text.length * 3 <= limit) return null;
  let size = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) size += 1;
    else if (c < 0x800) size += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      // A surrogate pair is one 4-byte code point.
      size += 4;
      i++;
    } else size += 3;
  }
  return size > limit ? size : null;
}

/**
 * Most hosts one project holds (typed, imported, merged or saved). Why 1000, measured
 * (scripts/bench/scale, docs/architecture.md "Budgets"): from 32 to 100 lab hosts the runner's
 * preflight + hardware time grows less than the host count, and its memory ~0.4 MiB a host (one
 * SSH connection each), so 1000 hosts stay within a laptop's means; issue 21's UI budgets are set
 * for 1000-host inventories, and the network plan already holds at most 1000 hosts
 * (network-plan.ts). Above it nothing has been measured: a site that big is several projects.
 */
export const MAX_HOSTS_PER_PROJECT = 1000;

/** The inventory-wide issue for an inventory over MAX_HOSTS_PER_PROJECT (`issueText.too-many-hosts`). */
export function tooManyHosts(count: number, max = MAX_HOSTS_PER_PROJECT): FieldIssue {
  return {
    row: 0,
    field: 'hosts',
    code: 'too-many-hosts',
    params: { count, max },
    message: `${count} in the inventory, and a project holds at most ${max}; split the site into several projects`,
  };
}
