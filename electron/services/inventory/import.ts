import { randomUUID } from 'node:crypto';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Node as YamlNode } from 'yaml';
import { because, bmcSecretId, err, jumpSecretId, ok, validateHosts, type FieldIssue, type Host, type Result, type Role } from '../../contract/index.js';
import type { SecretKind } from '../secrets/secret-store.js';
import { isK0sctl, looksLikeAnsibleYaml, readAnsibleIni, readAnsibleYaml, readK0sctl, type SourceFormat, type SourceResult, type SourceRow } from './ansible.js';

export interface ParsedInventory {
  hosts: Host[];
  /** Passwords found in the file, to be moved into the secret store; never kept with the hosts. */
  passwords: { hostId: string; password: string }[];
  /** The file's other secrets (sudo password, jump host password), for the secret store likewise. */
  secrets: { hostId: string; kind: SecretKind; value: string }[];
  /** Ansible / k0sctl files: each host's groups, the role each group gives by default, and what was not imported. */
  source?: {
    format: SourceFormat;
    groups: Record<string, string[]>;
    defaultRoles: Record<string, Role>;
    notes: FieldIssue[];
  };
}

interface RawRow {
  line: number;
  fields: Record<string, unknown>;
}

const KNOWN_FIELDS = [
  'name', 'address', 'host', 'port', 'user', 'role', 'auth', 'keypath', 'password',
  'sudopassword', 'jump', 'jumpauth', 'jumpkeypath', 'jumppassword',
  'bmc', 'bmcport', 'bmcuser', 'bmcpassword',
];
/** The names as a technician writes them, for the "unknown field" answer. */
const KNOWN_NAMES = 'name, address, port, user, role, auth, keyPath, password, sudoPassword, jump, jumpAuth, jumpKeyPath, jumpPassword, bmc, bmcPort, bmcUser, bmcPassword';
const AUTH_METHODS = ['password', 'key', 'agent'];

/** Parse an inventory file (CSV or YAML, chosen by extension, then by content) into validated hosts. */
export function parseInventoryFile(fileName: string, text: string): Result<ParsedInventory> {
  const lower = fileName.toLowerCase();
  const isYaml = lower.endsWith('.yaml') || lower.endsWith('.yml');
  const isCsv = lower.endsWith('.csv');
  // Ansible's INI inventories are often called just "hosts" or "inventory", without an extension.
  const base = lower.split(/[\\/]/).pop() ?? lower;
  const isIni = lower.endsWith('.ini') || lower.endsWith('.cfg') || !base.includes('.');
  if (!isYaml && !isCsv && !isIni) {
    return because(err('parse-failed', `Cannot import "${fileName}": unknown file type`, 'Use a .csv or .yaml file, or an Ansible inventory (.ini, or a file without extension).'), 'import-unknown-type', { file: fileName });
  }
  let raw: Result<RawRow[]>;
  let source: SourceResult | undefined;
  if (isIni) {
    source = readAnsibleIni(text);
    raw = sourceRows(source);
  } else if (isYaml) {
    const yaml = readYamlRows(text);
    if (!yaml.ok) raw = yaml;
    else if ('source' in yaml.value) {
      source = yaml.value.source;
      raw = sourceRows(source);
    } else raw = ok(yaml.value.rows);
  } else raw = readCsvRows(text);
  if (!raw.ok) return raw;
  if (raw.value.length === 0) {
    return because(err('validation-failed', `"${fileName}" lists no hosts`, 'Add at least one host row.', source?.ok ? source.value.notes : undefined), 'import-no-hosts', { file: fileName });
  }

  const issues: FieldIssue[] = [];
  const passwords: { hostId: string; password: string }[] = [];
  const secrets: ParsedInventory['secrets'] = [];
  const rows = raw.value.map((r, i) => {
    const { row, password, sudoPassword, jumpPassword, bmcPassword, problems } = normalize(r.fields);
    for (const p of problems) issues.push({ row: i + 1, line: r.line, ...p });
    if (password) passwords.push({ hostId: row.id, password });
    if (sudoPassword) secrets.push({ hostId: row.id, kind: 'sudo', value: sudoPassword });
    if (jumpPassword) secrets.push({ hostId: jumpSecretId(row.id), kind: 'password', value: jumpPassword });
    if (bmcPassword && 'bmc' in row) secrets.push({ hostId: bmcSecretId(row.id), kind: 'password', value: bmcPassword });
    return row;
  });
  const checked = validateHosts(rows);
  for (const issue of checked.issues) {
    // Roles from groups are the technician's to confirm after reading the file: no master yet is not an error.
    if (source && issue.row === 0 && issue.field === 'role') continue;
    issues.push(issue.row > 0 ? { ...issue, line: raw.value[issue.row - 1]?.line } : issue);
  }
  if (issues.length > 0) {
    issues.sort((a, b) => a.row - b.row);
    return because(err(
      'validation-failed',
      `"${fileName}" has ${issues.length} problem${issues.length === 1 ? '' : 's'}; nothing was imported`,
      'Fix the rows listed below and import the file again.',
      issues,
    ), 'import-invalid-rows', { file: fileName, count: issues.length });
  }
  if (!source?.ok) return ok({ hosts: checked.hosts, passwords, secrets });
  const groups: Record<string, string[]> = {};
  checked.hosts.forEach((h, i) => {
    groups[h.id] = (raw.value[i] as SourceRow).groups;
  });
  return ok({
    hosts: checked.hosts,
    passwords,
    secrets,
    source: { format: source.value.format, groups, defaultRoles: source.value.defaultRoles, notes: source.value.notes },
  });
}

function sourceRows(source: SourceResult): Result<RawRow[]> {
  if (source.ok) return ok(source.value.rows);
  const f = source.issues[0]!;
  return because(err('parse-failed', `${f.line ? `Line ${f.line}: ` : ''}${f.message}; nothing was imported`,
    'Fix the lines listed below and import the file again.', source.issues), 'import-source-invalid', { count: source.issues.length });
}

function normalize(f: Record<string, unknown>) {
  const problems: { field: string; message: string; code: string; params: Record<string, string | number> }[] = [];
  const str = (v: unknown) => (v === undefined || v === null ? '' : String(v).trim());
  for (const k of Object.keys(f)) {
    if (!KNOWN_FIELDS.includes(k.toLowerCase())) {
      problems.push({ field: k, code: 'import-unknown-field', params: { name: k, known: KNOWN_NAMES }, message: `unknown field "${k}" (known: ${KNOWN_NAMES})` });
    }
  }
  const get = (k: string) => f[Object.keys(f).find((x) => x.toLowerCase() === k) ?? ''];

  let port: unknown = 22;
  const portText = str(get('port'));
  if (portText !== '') port = /^\d+$/.test(portText) ? Number(portText) : portText;

  // auth may be a mapping {method, keyPath} (YAML) or a word plus a keyPath column (CSV).
  const authField = get('auth');
  let method = '';
  let keyPath = str(get('keypath'));
  if (authField && typeof authField === 'object') {
    const a = authField as Record<string, unknown>;
    method = str(a.method);
    keyPath = keyPath || str(a.keyPath ?? a.keypath);
  } else {
    method = str(authField);
  }
  const password = str(get('password'));
  if (method === '') method = keyPath ? 'key' : 'password';
  const authOf = (m: string, path: string, field: string): unknown => {
    if (m === 'key') return { method: 'key', keyPath: path };
    if (AUTH_METHODS.includes(m)) return { method: m };
    problems.push({ field, code: 'import-auth-method', params: { value: m }, message: `${field} must be "password", "key" or "agent", not "${m}"` });
    return { method: 'password' };
  };
  const auth = authOf(method, keyPath, 'auth');
  const user = str(get('user')) || 'root';

  // jump: "user@address:port" as `ssh -J` takes it (user defaults to the host's, port to 22).
  let jump: unknown;
  const jumpText = str(get('jump'));
  if (jumpText !== '') {
    const m = /^(?:([^@]+)@)?(\[[^\]]+\]|[^:@]+|[^@]*:[^@]*:[^@]*)(?::(\d+))?$/.exec(jumpText);
    const jumpKeyPath = str(get('jumpkeypath'));
    const jumpMethod = str(get('jumpauth')) || (jumpKeyPath ? 'key' : 'password');
    if (!m) problems.push({ field: 'jump', code: 'import-jump-format', params: { value: jumpText }, message: `jump must be "user@address" or "user@address:port", not "${jumpText}"` });
    else {
      jump = {
        address: m[2]!.replace(/^\[(.*)\]$/, '$1'),
        port: m[3] ? Number(m[3]) : 22,
        user: m[1] ?? user,
        auth: authOf(jumpMethod, jumpKeyPath, 'jumpAuth'),
      };
    }
  }

  // bmc: the host's BMC (IPMI over LAN: fencing, the power-off drill): address, bmcPort (623),
  // bmcUser; bmcPassword goes to the secret store like every other password of the file.
  let bmc: unknown;
  const bmcAddress = str(get('bmc'));
  const bmcUser = str(get('bmcuser'));
  const bmcPortText = str(get('bmcport'));
  const bmcPassword = str(get('bmcpassword'));
  if (bmcAddress !== '') {
    if (bmcUser === '') problems.push({ field: 'bmcUser', code: 'import-bmc-user', params: {}, message: 'bmcUser is empty: the BMC needs the user Rackside logs in with' });
    bmc = { address: bmcAddress, port: bmcPortText === '' ? 623 : /^\d+$/.test(bmcPortText) ? Number(bmcPortText) : bmcPortText, user: bmcUser || '-' };
  } else if (bmcUser !== '' || bmcPortText !== '' || bmcPassword !== '') {
    problems.push({ field: 'bmc', code: 'import-bmc-address', params: {}, message: 'bmcUser, bmcPort or bmcPassword given without bmc (the BMC\'s address)' });
  }

  const row = {
    id: randomUUID(),
    name: str(get('name')),
    address: str(get('address') ?? get('host')),
    port,
    user,
    role: str(get('role')).toLowerCase() || 'worker',
    auth,
    ...(jump ? { jump } : {}),
    ...(bmc ? { bmc } : {}),
  };
  return { row, password, sudoPassword: str(get('sudopassword')), jumpPassword: str(get('jumppassword')), bmcPassword, problems };
}

/** Aliases a whole inventory file may use; more is an alias bomb ("billion laughs"), not a host list. */
export const MAX_YAML_ALIASES = 20;

/** What each field must be in YAML: one plain value, of this type. `auth` may also be a mapping of these. */
const FIELD_TYPES: Record<string, 'text' | 'number'> = {
  name: 'text', address: 'text', host: 'text', port: 'number', user: 'text', role: 'text', auth: 'text', keypath: 'text', password: 'text',
  method: 'text', sudopassword: 'text', jump: 'text', jumpauth: 'text', jumpkeypath: 'text', jumppassword: 'text',
  bmc: 'text', bmcport: 'number', bmcuser: 'text', bmcpassword: 'text',
};

function readYamlRows(text: string): Result<{ rows: RawRow[] } | { source: SourceResult }> {
  const lc = new LineCounter();
  // Core schema, no custom tags: a file is data, never objects or code (`!custom`, `!!python/…`).
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, schema: 'core', customTags: [], uniqueKeys: true });
  const lineOf = (pos: number | undefined) => (pos === undefined ? 0 : lc.linePos(pos).line);
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = lineOf(e.pos[0]);
    return because(err('parse-failed', `YAML syntax error${line ? ` at line ${line}` : ''}: ${e.message.split('\n')[0]}`,
      'Fix the YAML syntax (indentation, colons, quotes) and import again.',
      [{ row: 0, field: 'file', code: 'yaml-syntax', params: { detail: e.message.split('\n')[0] ?? '' }, message: e.message.split('\n')[0] ?? 'syntax error', ...(line ? { line } : {}) }]), 'import-yaml-syntax', { line: line || '?', detail: e.message.split('\n')[0] ?? '' });
  }
  let aliases = 0;
  let firstAlias: number | undefined;
  visit(doc, {
    Alias(_, node) {
      aliases++;
      firstAlias ??= node.range?.[0];
    },
  });
  if (aliases > MAX_YAML_ALIASES) {
    const line = lineOf(firstAlias);
    return because(err('parse-failed', `The file uses ${aliases} YAML aliases (*name); at most ${MAX_YAML_ALIASES} are allowed, so it was not expanded`,
      'Write each host out in full instead of repeating parts with anchors (&) and aliases (*).',
      [{ row: 0, field: 'file', line, code: 'yaml-aliases', params: { count: aliases, max: MAX_YAML_ALIASES }, message: `${aliases} YAML aliases; at most ${MAX_YAML_ALIASES} are allowed` }]), 'import-yaml-aliases', { count: aliases, max: MAX_YAML_ALIASES });
  }
  // Ansible writes vault-encrypted values as `!vault |`: named per host as not imported, never decrypted.
  const ansible = !isK0sctl(doc) && looksLikeAnsibleYaml(doc);
  const tagWarning = doc.warnings.find((w) => w.code === 'TAG_RESOLVE_FAILED' && !(ansible && /Unresolved tag:\s*!vault$/.test(w.message)));
  if (tagWarning) {
    const line = lineOf(tagWarning.pos[0]);
    const tag = tagWarning.message.replace(/^Unresolved tag:\s*/, '').replace(/^tag:yaml\.org,2002:/, '!!');
    return because(err('parse-failed', `Line ${line}: the YAML tag "${tag}" is not allowed; an inventory holds plain values only`,
      'Remove the tag (the part starting with "!") and import again.',
      [{ row: 0, field: 'file', line, code: 'yaml-tag', params: { tag }, message: `the YAML tag "${tag}" is not allowed` }]), 'import-yaml-tag', { line, tag });
  }
  if (isMap(doc.contents) && doc.contents.has('plugin')) {
    const line = lineOf((doc.contents.items.find((p) => isScalar(p.key) && p.key.value === 'plugin')?.key as YamlNode | undefined)?.range?.[0]);
    const plugin = String(doc.contents.get('plugin'));
    return because(err('unsupported', `Line ${line}: this is an inventory plugin configuration (plugin: ${plugin}); Rackside reads host lists, not plugins`,
      'Export the hosts first (ansible-inventory -i <this file> --list -y > hosts.yaml) and import that file.',
      [{ row: 0, field: 'plugin', line, code: 'ansible-plugin', params: { plugin }, message: `inventory plugins (plugin: ${plugin}) are not supported` }]), 'import-ansible-plugin', { plugin });
  }
  if (isK0sctl(doc)) return ok({ source: readK0sctl(doc, lineOf) });
  if (ansible) return ok({ source: readAnsibleYaml(doc, lineOf) });
  let list: YamlNode | null | undefined = doc.contents as YamlNode | null;
  if (isMap(list)) list = list.get('hosts', true) as YamlNode | undefined;
  if (isAlias(list)) {
    return because(err('parse-failed', `Line ${lineOf(list.range?.[0])}: the hosts list is a YAML alias (*name); write it out in full`, undefined,
      [{ row: 0, field: 'hosts', line: lineOf(list.range?.[0]), code: 'yaml-alias', params: { field: 'hosts' }, message: 'a YAML alias (*name) is not allowed here' }]), 'import-yaml-alias', { line: lineOf(list.range?.[0]) });
  }
  if (!isSeq(list)) {
    return because(err('parse-failed', 'The YAML file has no list of hosts', 'Put the hosts under a top-level "hosts:" list.'), 'import-yaml-no-hosts');
  }
  const rows: RawRow[] = [];
  const issues: FieldIssue[] = [];
  for (const item of list.items) {
    const node = item as YamlNode;
    const row = rows.length + 1;
    const line = lineOf(node.range?.[0]);
    if (!isMap(node)) {
      return because(err('parse-failed', `Line ${line}: each host must be a mapping of fields (address: …, port: …)`, undefined,
        [{ row, field: 'row', message: 'not a mapping', line, code: 'yaml-not-mapping' }]), 'import-yaml-not-mapping', { line });
    }
    const fields: Record<string, unknown> = {};
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      const check = plainValue(key, pair.value as YamlNode | null, lineOf);
      if (!check.ok) {
        issues.push({ row, ...check.issue, line: check.issue.line ?? line });
        continue;
      }
      fields[key] = check.value;
    }
    rows.push({ line, fields });
  }
  if (issues.length > 0) {
    const f = issues[0]!;
    return because(err('validation-failed', `Line ${f.line}: field "${f.field}": ${f.message}; nothing was imported`,
      'Give each field one plain value (quote text that looks like a number) and import again.', issues), 'import-yaml-field', { line: f.line ?? '?', field: f.field, detail: f.message });
  }
  return ok({ rows });
}

type Checked = { ok: true; value: unknown } | { ok: false; issue: Omit<FieldIssue, 'row'> };

/**
 * One field's value as the importer may use it: a plain scalar of the field's type (auth may be a
 * mapping of such scalars). Aliases, mappings where a value belongs and numbers where text belongs
 * are refused by name rather than turned into "[object Object]" or "15".
 */
function plainValue(key: string, value: YamlNode | null, lineOf: (pos: number | undefined) => number, parent = ''): Checked {
  const field = parent ? `${parent}.${key}` : key;
  const line = lineOf(value?.range?.[0]);
  const refuse = (code: string, message: string, params: Record<string, string | number> = {}): Checked => ({
    ok: false,
    issue: { field, message, code, params: { field, ...params }, ...(line ? { line } : {}) },
  });
  if (value === null) return { ok: true, value: null };
  if (isAlias(value)) return refuse('yaml-alias', 'a YAML alias (*name) is not allowed here');
  if (!parent && key.toLowerCase() === 'auth' && isMap(value)) {
    const out: Record<string, unknown> = {};
    for (const pair of value.items) {
      const k = isScalar(pair.key) ? String(pair.key.value) : '';
      const c = plainValue(k, pair.value as YamlNode | null, lineOf, key);
      if (!c.ok) return c;
      out[k] = c.value;
    }
    return { ok: true, value: out };
  }
  if (!isScalar(value)) return refuse('yaml-not-scalar', 'must be one plain value, not a list or mapping');
  const v = value.value;
  if (v === null) return { ok: true, value: null };
  const expected = FIELD_TYPES[key.toLowerCase()];
  // Unknown fields are reported by name later; their value is never used.
  if (!expected) return { ok: true, value: typeof v === 'object' ? '' : v };
  const actual = typeof v === 'number' ? 'number' : typeof v === 'string' ? 'text' : typeof v === 'boolean' ? 'true/false' : 'other';
  if (expected === 'text' && actual === 'text') return { ok: true, value: v };
  if (expected === 'number' && (actual === 'number' || actual === 'text')) return { ok: true, value: v };
  return refuse('yaml-wrong-type', `must be ${expected === 'text' ? 'text (put it in quotes)' : 'a number'}, not ${actual} (${value.source ?? String(v)})`,
    { expected, actual, value: String(value.source ?? v) });
}

/** RFC 4180 CSV: quoted fields may hold commas, quotes ("") and newlines. */
export function parseCsv(text: string): { cells: string[]; line: number }[] {
  const out: { cells: string[]; line: number }[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  const src = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (quoted) {
      if (c === '"' && src[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === '\n') line++;
        cell += c;
      }
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === ',') {
      cells.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && src[i + 1] === '\n') i++;
      cells.push(cell);
      out.push({ cells, line: rowLine });
      cells = [];
      cell = '';
      line++;
      rowLine = line;
    } else cell += c;
  }
  if (cell !== '' || cells.length > 0) {
    cells.push(cell);
    out.push({ cells, line: rowLine });
  }
  return out.filter((r) => r.cells.some((c) => c.trim() !== '') && !r.cells[0]!.trimStart().startsWith('#'));
}

function readCsvRows(text: string): Result<RawRow[]> {
  const table = parseCsv(text);
  const header = table.shift();
  if (!header) return ok([]);
  const names = header.cells.map((h) => h.trim());
  if (!names.some((n) => ['address', 'host'].includes(n.toLowerCase()))) {
    return because(err('parse-failed', 'The CSV file has no "address" column in its first line',
      'Start the file with a header line such as: name,address,port,user,role,auth,keyPath'), 'import-csv-no-address');
  }
  return ok(
    table.map(({ cells, line }) => {
      const fields: Record<string, unknown> = {};
      names.forEach((n, i) => {
        if (n !== '' && (cells[i] ?? '') !== '') fields[n] = cells[i];
      });
      return { line, fields };
    }),
  );
}
