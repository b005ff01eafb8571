import { gzipSync } from 'node:zlib';

export interface TarEntry {
  /** Path inside the archive, "/"-separated, relative. */
  path: string;
  data: Buffer;
  mtime?: Date;
  mode?: number;
}

const BLOCK = 512;

/**
 * A POSIX ustar archive, gzipped: enough for a support bundle (regular files, paths up to 255
 * bytes) without a dependency or the system `tar` (which Windows laptops may lack). Directories
 * are implied by the file paths, which every tar accepts.
 */
export function tarGz(entries: readonly TarEntry[]): Buffer {
  return gzipSync(tarBytes(entries), { level: 9 });
}

/** The uncompressed archive. */
export function tarBytes(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    parts.push(header(e));
    parts.push(e.data);
    const pad = (BLOCK - (e.data.length % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad));
  }
  // End of archive: two zero blocks.
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

function splitPath(path: string): { name: string; prefix: string } {
  const bytes = Buffer.byteLength(path);
  if (bytes <= 100) return { name: path, prefix: '' };
  // Split at a "/" so that name ≤ 100 bytes and prefix ≤ 155 bytes.
  for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name) return { name, prefix };
  }
  throw new Error(`Path too long for a tar archive: ${path}`);
}

function header(e: TarEntry): Buffer {
  if (e.path.startsWith('/') || e.path.split('/').includes('..')) throw new Error(`Unsafe path in tar: ${e.path}`);
  const h = Buffer.alloc(BLOCK);
  const { name, prefix } = splitPath(e.path);
  const put = (s: string, off: number, len: number) => h.write(s, off, len, 'utf8');
  const octal = (n: number, off: number, len: number) => put(n.toString(8).padStart(len - 1, '0') + '\0', off, len);
  put(name, 0, 100);
  octal(e.mode ?? 0o644, 100, 8);
  octal(0, 108, 8);
  octal(0, 116, 8);
  octal(e.data.length, 124, 12);
  octal(Math.floor((e.mtime ?? new Date()).getTime() / 1000), 136, 12);
  h.fill(0x20, 148, 156); // checksum is computed with its own field as spaces
  put('0', 156, 1);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  put('rackside', 265, 32);
  put('rackside', 297, 32);
  put(prefix, 345, 155);
  let sum = 0;
  for (const b of h) sum += b;
  put(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
  return h;
}
