
const MARK = Buffer.from('[redacted]');

/** The byte forms a secret can take in a file: as is (UTF-8) and JSON-escaped (journal lines). */
function forms(secrets: readonly string[]): Buffer[] {
  const set = new Set<string>();
  for (const s of secrets) {
    // Same floor as redactSecrets: shorter values would shred ordinary text.
    if (s.length < 3) continue;
    set.add(s);
    set.add(JSON.stringify(s).slice(1, -1));
  }
  return [...set].sort((a, b) => b.length - a.length).map((s) => Buffer.from(s, 'utf8'));
}

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
