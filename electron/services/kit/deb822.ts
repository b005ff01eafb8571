/**
 * Debian control data (deb822: `Packages` indexes, `Release` files): stanzas of `Field: value`
 * lines, continuation lines starting with a space, stanzas separated by blank lines. Field names
 * are case-insensitive; they are kept as written and looked up by `field()`.
 */
export type Stanza = Map<string, string>;

export function parseStanzas(text: string): Stanza[] {
  const out: Stanza[] = [];
  let cur: Stanza | null = null;
  let last = '';
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      if (cur && cur.size > 0) out.push(cur);
      cur = null;
      continue;
    }
    if (/^[ \t]/.test(line)) {
      if (cur && last) cur.set(last, `${cur.get(last)}\n${line}`);
      continue;
    }
    const i = line.indexOf(':');
    if (i <= 0) continue;
    cur ??= new Map();
    last = line.slice(0, i);
    cur.set(last, line.slice(i + 1).trim());
  }
  if (cur && cur.size > 0) out.push(cur);
  return out;
}

export function field(s: Stanza, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of s) if (k.toLowerCase() === lower) return v;
  return undefined;
}

export function formatStanza(s: Stanza): string {
  return [...s].map(([k, v]) => `${k}: ${v}`).join('\n') + '\n';
}

/**
 * The package names a `Depends`-like field names (alternatives included, versions and
 * architecture qualifiers dropped): `libc6 (>= 2.34), foo | bar:any` → libc6, foo, bar.
 */
export function dependencyNames(value: string | undefined): string[] {
  if (!value) return [];
  return value
    .split(/[,|]/)
    .map((d) => d.trim().replace(/\s*\(.*?\)/g, '').replace(/\s*\[.*?\]/g, '').replace(/\s*<.*?>/g, '').replace(/:.*$/, '').trim())
    .filter((d) => d !== '');
}
