/**
 * Where passwords and key passphrases live. Never in the project folder: the Electron app backs
 * this with safeStorage (electron/main), the browser host keeps it in memory only.
 */
export type SecretKind = 'password' | 'passphrase' | 'sudo' | OutputSecretKind;
/** A step's secret output (runbook outputs), per producing host: `output:<stepId>:<name>`. */
export type OutputSecretKind = `output:${string}:${string}`;
export const outputSecretKind = (stepId: string, name: string): OutputSecretKind => `output:${stepId}:${name}`;
/** What a secret output is replaced with where it would be written: it names the output, never the value. */
export const secretPlaceholder = (name: string) => `\u2039secret:${name}\u203a`;

export interface SecretStore {
  get(hostId: string, kind: SecretKind): string | undefined;
  set(hostId: string, kind: SecretKind, value: string): void;
  delete(hostId: string, kind: SecretKind): void;
  /** Every stored value, so logs and transcripts can be scrubbed of them. */
  values(): string[];
  /** Value → the named placeholder it is redacted to (secret outputs); others become `[redacted]`. */
  labels?(): ReadonlyMap<string, string>;
}

export class MemorySecretStore implements SecretStore {
  protected readonly map = new Map<string, string>();
  private key = (hostId: string, kind: SecretKind) => `${kind}\u0000${hostId}`;
  get(hostId: string, kind: SecretKind) {
    return this.map.get(this.key(hostId, kind));
  }
  set(hostId: string, kind: SecretKind, value: string) {
    if (value === '') this.map.delete(this.key(hostId, kind));
    else this.map.set(this.key(hostId, kind), value);
  }
  delete(hostId: string, kind: SecretKind) {
    this.map.delete(this.key(hostId, kind));
  }
  values() {
    return [...this.map.values()];
  }
  labels() {
    const out = new Map<string, string>();
    for (const [k, v] of this.map) {
      const kind = k.slice(0, k.indexOf('\u0000'));
      if (kind.startsWith('output:')) out.set(v, secretPlaceholder(kind.split(':').slice(2).join(':')));
    }
    return out;
  }
}

/**
 * The forms a secret takes in what we write, longest first so overlaps cannot leak: as typed, and
 * JSON-escaped (log and journal lines are JSON, where a secret with `"` or `\\` appears escaped).
 * Values shorter than 3 characters are skipped: they would shred ordinary text.
 */
export function secretForms(secrets: readonly string[]): string[] {
  const forms = new Set<string>();
  for (const s of secrets) {
    if (s.length < 3) continue;
    forms.add(s);
    forms.add(JSON.stringify(s).slice(1, -1));
  }
  return [...forms].sort((a, b) => b.length - a.length);
}

/** Replace every known secret in `text` with a marker (its label when it has one: a named placeholder). */
export function redactSecrets(text: string, secrets: readonly string[], labels?: ReadonlyMap<string, string>): string {
  let out = text;
  if (!labels?.size) {
    for (const f of secretForms(secrets)) out = out.split(f).join('[redacted]');
    return out;
  }
  const marks: [string, string][] = [];
  for (const s of secrets) for (const f of secretForms([s])) marks.push([f, labels.get(s) ?? '[redacted]']);
  marks.sort((a, b) => b[0].length - a[0].length);
  for (const [f, mark] of marks) out = out.split(f).join(mark);
  return out;
}

/** secretForms as UTF-8 bytes, for output that is redacted without decoding it (transcripts, exported files). */
export function secretByteForms(secrets: readonly string[]): Buffer[] {
  return secretForms(secrets).map((f) => Buffer.from(f, 'utf8'));
}

const REDACTED_BYTES = Buffer.from('[redacted]');

/**
 * `data` with every occurrence of the byte forms (secretByteForms, longest first) replaced by the
 * marker. Never decodes: invalid UTF-8 is not mangled, and data without a secret comes back as
 * the same buffer, not a copy.
 */
export function redactByteForms(data: Buffer, forms: readonly Buffer[]): Buffer {
  let out = data;
  for (const f of forms) {
    let at = out.indexOf(f);
    if (at < 0) continue;
    const parts: Buffer[] = [];
    let from = 0;
    for (; at >= 0; at = out.indexOf(f, from)) {
      parts.push(out.subarray(from, at), REDACTED_BYTES);
      from = at + f.length;
    }
    parts.push(out.subarray(from));
    out = Buffer.concat(parts);
  }
  return out;
}

/** Every string in a JSON-like value with known secrets redacted (object keys included). */
export function redactDeep<T>(value: T, secrets: readonly string[], labels?: ReadonlyMap<string, string>): T {
  if (secrets.length === 0) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redactSecrets(v, secrets, labels);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [redactSecrets(k, secrets, labels), walk(x)]));
    }
    return v;
  };
  return walk(value) as T;
}
