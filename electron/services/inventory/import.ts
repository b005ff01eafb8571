import { randomUUID } from 'node:crypto';
import { isMap, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { err, ok, validateHosts, type FieldIssue, type Host, type Result } from '../../contract/index.js';

export interface ParsedInventory {
  hosts: Host[];
  /** Passwords found in the file, to be moved into the secret store; never kept with the hosts. */
  passwords: { hostId: string; password: string }[];
}

interface RawRow {
  line: number;
  fields: Record<string, unknown>;
}

const KNOWN_FIELDS = ['name', 'address', 'host', 'port', 'user', 'role', 'auth', 'keypath', 'password'];

/** Parse an inventory file (CSV or YAML, chosen by extension, then by content) into validated hosts. */
export function parseInventoryFile(fileName: string, text: string): Result<ParsedInventory> {
  const lower = fileName.toLowerCase();
  const isYaml = lower.endsWith('.yaml') || lower.endsWith('.yml');
  const isCsv = lower.endsWith('.csv');
  if (!isYaml && !isCsv) {
    return err('parse-failed', `Cannot import "${fileName}": unknown file type`, 'Use a .csv or .yaml file.');
  }
  const raw = isYaml ? readYamlRows(text) : readCsvRows(text);
  if (!raw.ok) return raw;
  if (raw.value.length === 0) {
    return err('validation-failed', `"${fileName}" lists no hosts`, 'Add at least one host row.');
  }

  const issues: FieldIssue[] = [];
  const passwords: { hostId: string; password: string }[] = [];
  const rows = raw.value.map((r, i) => {
    const { row, password, problems } = normalize(r.fields);
    for (const p of problems) issues.push({ row: i + 1, line: r.line, ...p });
    if (password) passwords.push({ hostId: row.id as string, password });
    return row;
  });
  const checked = validateHosts(rows);
  for (const issue of checked.issues) {
    issues.push(issue.row > 0 ? { ...issue, line: raw.value[issue.row - 1]?.line } : issue);
  }
  if (issues.length > 0) {
    issues.sort((a, b) => a.row - b.row);
    return err(
      'validation-failed',
      `"${fileName}" has ${issues.length} problem${issues.length === 1 ? '' : 's'}; nothing was imported`,
      'Fix the rows listed below and import the file again.',
      issues,
    );
  }
  return ok({ hosts: checked.hosts, passwords });
}

function normalize(f: Record<string, unknown>) {
  const problems: { field: string; message: string }[] = [];
  const str = (v: unknown) => (v === undefined || v === null ? '' : String(v).trim());
  for (const k of Object.keys(f)) {
    if (!KNOWN_FIELDS.includes(k.toLowerCase())) {
      problems.push({ field: k, message: `unknown field "${k}" (known: name, address, port, user, role, auth, keyPath, password)` });
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
  let auth: unknown;
  if (method === 'key') auth = { method: 'key', keyPath };
  else if (method === 'password') auth = { method: 'password' };
  else {
    problems.push({ field: 'auth', message: `auth must be "password" or "key", not "${method}"` });
    auth = { method: 'password' };
  }

  const row = {
    id: randomUUID(),
    name: str(get('name')),
    address: str(get('address') ?? get('host')),
    port,
    user: str(get('user')) || 'root',
    role: str(get('role')).toLowerCase() || 'worker',
    auth,
  };
  return { row, password, problems };
}

function readYamlRows(text: string): Result<RawRow[]> {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = lc.linePos(e.pos[0]).line;
    return err('parse-failed', `YAML syntax error${line ? ` at line ${line}` : ''}: ${e.message.split('\n')[0]}`,
      'Fix the YAML syntax (indentation, colons, quotes) and import again.',
      [{ row: 0, field: 'file', message: e.message.split('\n')[0] ?? 'syntax error', ...(line ? { line } : {}) }]);
  }
  let list: YamlNode | null | undefined = doc.contents as YamlNode | null;
  if (isMap(list)) list = list.get('hosts', true) as YamlNode | undefined;
  if (!isSeq(list)) {
    return err('parse-failed', 'The YAML file has no list of hosts', 'Put the hosts under a top-level "hosts:" list.');
  }
  const rows: RawRow[] = [];
  for (const item of list.items) {
    const node = item as YamlNode;
    const line = node.range ? lc.linePos(node.range[0]).line : 0;
    const value = (node as { toJSON(): unknown }).toJSON();
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      return err('parse-failed', `Line ${line}: each host must be a mapping of fields (address: …, port: …)`, undefined,
        [{ row: rows.length + 1, field: 'row', message: 'not a mapping', line }]);
    }
    rows.push({ line, fields: value as Record<string, unknown> });
  }
  return ok(rows);
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
    return err('parse-failed', 'The CSV file has no "address" column in its first line',
      'Start the file with a header line such as: name,address,port,user,role,auth,keyPath');
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
