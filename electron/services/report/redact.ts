import { secretForms } from '../secrets/secret-store.js';

const MARK = Buffer.from('[redacted]');

const forms = (secrets: readonly string[]) => secretForms(secrets).map((f) => Buffer.from(f, 'utf8'));

/**
 * Redact secrets from bytes without decoding them: a file that holds no secret comes out
 * byte-identical (so a transcript still matches its recorded SHA-256), and invalid UTF-8 in a
 * transcript is not mangled.
 */
export function redactBytes(data: Buffer, secrets: readonly string[]): Buffer {
  let out = data;
  for (const f of forms(secrets)) {
    let at = out.indexOf(f);
    if (at < 0) continue;
    const parts: Buffer[] = [];
    let from = 0;
    while (at >= 0) {
      parts.push(out.subarray(from, at), MARK);
      from = at + f.length;
      at = out.indexOf(f, from);
    }
    parts.push(out.subarray(from));
    out = Buffer.concat(parts);
  }
  return out;
}

/** Whether any secret (in any of its forms) is in the bytes. */
export function containsSecret(data: Buffer, secrets: readonly string[]): boolean {
  return forms(secrets).some((f) => data.includes(f));
}
