import { isMap, isScalar, isSeq, type Document, type Node as YamlNode } from 'yaml';
import type { FieldIssue, Role } from '../../contract/index.js';

/**
 * Ansible inventories (INI and YAML) and k0sctl cluster files, read into the importer's host rows.
 * Only what Rackside can use is taken: connection variables become host fields, groups become
 * roles through a map the technician confirms. Everything else that would change how a host is
 * reached (winrm, ProxyCommand, vault values, plugins) is named as a note, never dropped quietly.
 */

export type SourceFormat = 'ansible-ini' | 'ansible-yaml' | 'k0sctl';

export interface SourceRow {
  line: number;
  /** Fields in the importer's own row shape (name, address, port, user, role, auth, jump…). */
  fields: Record<string, unknown>;
  /** Every group the host is in, parents included (not `all` / `ungrouped`); k0sctl: its role. */
  groups: string[];
}

export interface SourceInventory {
  format: SourceFormat;
  rows: SourceRow[];
  /** The role each group gives its hosts by default (the technician may change it before import). */
  defaultRoles: Record<string, Role>;
  notes: FieldIssue[];
}

/** Group name words that make a group's hosts masters by default. */
export const MASTER_GROUP_WORDS = ['master', 'masters', 'control', 'controller', 'controllers', 'controlplane', 'head', 'manager', 'managers'];

/** A group named like master/masters/control/controller/head/manager (as a word of its name) → master. */
export function defaultGroupRole(group: string): Role {
  const words = group.toLowerCase().split(/[^a-z0-9]+/);
  return words.some((w) => MASTER_GROUP_WORDS.includes(w)) ? 'master' : 'worker';
}

/** A host is a master when any of its groups maps to master. */
export function roleOf(groups: string[], roles: Record<string, Role>): Role {
  return groups.some((g) => roles[g] === 'master') ? 'master' : 'worker';
}

const note = (field: string, line: number | undefined, code: string, message: string, params: Record<string, string | number> = {}): FieldIssue => ({
  row: 0,
  field,
  message,
  code,
  params: { host: field, ...params },
  ...(line ? { line } : {}),
});

// ---------------------------------------------------------------------------------------------
// Host patterns: `node[01:04]`, `db-[a:c]`, `www[01:10:2]` (Ansible's expand_hostname_range).

export type Expanded = { ok: true; names: string[] } | { ok: false; message: string };

/** Expands every `[start:end]` / `[start:end:step]` range in a host pattern, left to right. */
export function expandHostPattern(pattern: string, limit = 10_000): Expanded {
  const m = /^(.*?)\[([^\]]*)\](.*)$/.exec(pattern);
  if (!m) return { ok: true, names: [pattern] };
  const [, head = '', body = '', tail = ''] = m;
  const parts = body.split(':');
  if (parts.length < 2 || parts.length > 3) return { ok: false, message: `"[${body}]" is not a range like [01:04] or [a:c]` };
  const [start = '', end = '', stepText] = parts;
  const step = stepText === undefined || stepText === '' ? 1 : /^\d+$/.test(stepText) ? Number(stepText) : NaN;
  if (!Number.isInteger(step) || step < 1) return { ok: false, message: `the step "${stepText}" in "[${body}]" is not a positive whole number` };
  let items: string[];
  if (/^\d+$/.test(start) && /^\d+$/.test(end)) {
    const from = Number(start);
    const to = Number(end);
    if (to < from) return { ok: false, message: `the range "[${body}]" ends before it starts` };
    if ((to - from) / step > limit) return { ok: false, message: `the range "[${body}]" has more than ${limit} hosts` };
    // Ansible pads to the start's width when the start has a leading zero (01 … 10).
    const width = start.length > 1 && start.startsWith('0') ? start.length : 0;
    items = [];
    for (let i = from; i <= to; i += step) items.push(String(i).padStart(width, '0'));
  } else if (/^[a-zA-Z]$/.test(start) && /^[a-zA-Z]$/.test(end)) {
    const from = start.charCodeAt(0);
    const to = end.charCodeAt(0);
    if (to < from) return { ok: false, message: `the range "[${body}]" ends before it starts` };
    items = [];
    for (let c = from; c <= to; c += step) items.push(String.fromCharCode(c));
  } else {
    return { ok: false, message: `"[${body}]" is not a range of numbers or of single letters` };
  }
  const rest = expandHostPattern(tail, limit);
  if (!rest.ok) return rest;
  const names = items.flatMap((i) => rest.names.map((r) => `${head}${i}${r}`));
  return names.length > limit ? { ok: false, message: `the pattern "${pattern}" makes more than ${limit} hosts` } : { ok: true, names };
}

// ---------------------------------------------------------------------------------------------
// The model both Ansible syntaxes read into.

type Vars = Record<string, VarValue>;
interface VarValue {
  value: string;
  line: number;
  vault: boolean;
}

interface Group {
  name: string;
  line: number;
  hosts: string[];
  children: string[];
  vars: Vars;
}

interface HostEntry {
  name: string;
  line: number;
  vars: Vars;
}

class Model {
  groups = new Map<string, Group>();
  hosts = new Map<string, HostEntry>();
  group(name: string, line: number): Group {
    let g = this.groups.get(name);
    if (!g) {
      g = { name, line, hosts: [], children: [], vars: {} };
      this.groups.set(name, g);
    }
    return g;
  }
  host(name: string, line: number): HostEntry {
    let h = this.hosts.get(name);
    if (!h) {
      h = { name, line, vars: {} };
      this.hosts.set(name, h);
    }
    return h;
  }
}

/** Variables Rackside uses, or knows it need not (they do not change how a host is reached). */
const USED_VARS = new Set([
  'ansible_host', 'ansible_ssh_host', 'ansible_port', 'ansible_ssh_port', 'ansible_user', 'ansible_ssh_user',
  'ansible_ssh_private_key_file', 'ansible_private_key_file', 'ansible_password', 'ansible_ssh_pass', 'ansible_ssh_password',
  'ansible_become', 'ansible_become_method', 'ansible_become_user', 'ansible_become_password', 'ansible_become_pass', 'ansible_sudo_pass',
  'ansible_connection', 'ansible_ssh_common_args', 'ansible_ssh_extra_args',
]);
const HARMLESS_VARS = new Set(['ansible_python_interpreter', 'ansible_shell_type', 'ansible_shell_executable', 'ansible_ssh_pipelining', 'ansible_pipelining', 'ansible_timeout']);
const SSH_CONNECTIONS = new Set(['ssh', 'smart', 'paramiko', 'paramiko_ssh']);
const TRUE_WORDS = new Set(['true', 'yes', 'on', '1', 'y', 't']);

/** Ansible's variable precedence for inventories: all, then parent groups before children, then the host. */
function resolve(model: Model, format: SourceFormat): SourceInventory {
  const notes: FieldIssue[] = [];
  const parents = new Map<string, Set<string>>();
  for (const g of model.groups.values()) {
    for (const c of g.children) {
      if (!parents.has(c)) parents.set(c, new Set());
      parents.get(c)!.add(g.name);
    }
  }
  const depthMemo = new Map<string, number>();
  const depth = (g: string, seen = new Set<string>()): number => {
    if (depthMemo.has(g)) return depthMemo.get(g)!;
    if (seen.has(g)) return 0;
    seen.add(g);
    const ps = [...(parents.get(g) ?? [])];
    const d = ps.length === 0 ? (g === 'all' ? 0 : 1) : 1 + Math.max(...ps.map((p) => depth(p, seen)));
    depthMemo.set(g, d);
    return d;
  };
  const ancestors = (g: string): string[] => {
    const out = new Set<string>();
    const walk = (x: string) => {
      for (const p of parents.get(x) ?? []) {
        if (!out.has(p)) {
          out.add(p);
          walk(p);
        }
      }
    };
    walk(g);
    return [...out];
  };

  const hostGroups = new Map<string, Set<string>>();
  for (const g of model.groups.values()) {
    for (const h of g.hosts) {
      if (!hostGroups.has(h)) hostGroups.set(h, new Set());
      const set = hostGroups.get(h)!;
      set.add(g.name);
      for (const a of ancestors(g.name)) set.add(a);
    }
  }

  const rows: SourceRow[] = [];
  const defaultRoles: Record<string, Role> = {};
  const hiddenGroups = new Set(['all', 'ungrouped']);
  for (const g of model.groups.keys()) if (!hiddenGroups.has(g)) defaultRoles[g] = defaultGroupRole(g);

  for (const host of model.hosts.values()) {
    const inGroups = [...(hostGroups.get(host.name) ?? [])];
    const ordered = ['all', ...inGroups.filter((g) => g !== 'all').sort((a, b) => depth(a) - depth(b) || a.localeCompare(b))];
    const vars: Vars = {};
    for (const g of ordered) Object.assign(vars, model.groups.get(g)?.vars ?? {});
    Object.assign(vars, host.vars);
    const groups = inGroups.filter((g) => !hiddenGroups.has(g)).sort();
    const row = hostRow(host, vars, notes);
    if (row) rows.push({ line: host.line, fields: { ...row, role: roleOf(groups, defaultRoles) }, groups });
  }
  return { format, rows, defaultRoles, notes };
}

/** One host's fields from its merged variables; null (with a note saying why) when it cannot be reached over SSH. */
function hostRow(host: HostEntry, vars: Vars, notes: FieldIssue[]): Record<string, unknown> | null {
  const v = (name: string) => vars[name];
  const first = (...names: string[]) => names.map((n) => vars[n]).find((x) => x !== undefined);
  const say = (x: VarValue | undefined, code: string, message: string, params: Record<string, string | number> = {}) =>
    notes.push(note(host.name, x?.line ?? host.line, code, message, params));

  const plain = (x: VarValue | undefined) => (x && !x.vault ? x.value : undefined);
  const connection = plain(v('ansible_connection'));
  if (connection !== undefined && !SSH_CONNECTIONS.has(connection)) {
    say(v('ansible_connection'), 'ansible-connection', `ansible_connection=${connection} is not SSH; the host was not imported`, { value: connection });
    return null;
  }
  // A vault value is never decrypted here: the field is left out and the technician types it.
  for (const [name, x] of Object.entries(vars)) {
    if (x.vault) say(x, 'ansible-vault', `${name} is vault-encrypted and was not imported; type it in Rackside`, { var: name });
  }
  const fields: Record<string, unknown> = { name: host.name.slice(0, 64) };
  fields.address = plain(first('ansible_host', 'ansible_ssh_host')) ?? host.name;
  const port = plain(first('ansible_port', 'ansible_ssh_port'));
  if (port !== undefined) fields.port = port;
  const user = plain(first('ansible_user', 'ansible_ssh_user'));
  if (user !== undefined) fields.user = user;
  const key = plain(first('ansible_ssh_private_key_file', 'ansible_private_key_file'));
  if (key !== undefined) fields.auth = { method: 'key', keyPath: key };
  const password = plain(first('ansible_password', 'ansible_ssh_pass', 'ansible_ssh_password'));
  if (password !== undefined) fields.password = password;
  const sudo = plain(first('ansible_become_password', 'ansible_become_pass', 'ansible_sudo_pass'));
  if (sudo !== undefined) fields.sudoPassword = sudo;

  const becomeMethod = plain(v('ansible_become_method'));
  if (becomeMethod !== undefined && becomeMethod !== 'sudo') {
    say(v('ansible_become_method'), 'ansible-become-method', `ansible_become_method=${becomeMethod} is not supported; Rackside uses sudo`, { value: becomeMethod });
  }
  const becomeUser = plain(v('ansible_become_user'));
  if (becomeUser !== undefined && becomeUser !== 'root') {
    say(v('ansible_become_user'), 'ansible-become-user', `ansible_become_user=${becomeUser} is not supported; Rackside becomes root`, { value: becomeUser });
  }
  const become = plain(v('ansible_become'));
  if (become !== undefined && !TRUE_WORDS.has(become.toLowerCase()) && (user ?? 'root') !== 'root') {
    say(v('ansible_become'), 'ansible-become-off', `ansible_become=${become}, but Rackside runs its steps with sudo as ${user}`, { value: become, user: user ?? 'root' });
  }

  for (const name of ['ansible_ssh_common_args', 'ansible_ssh_extra_args']) {
    const x = v(name);
    const args = plain(x);
    if (args === undefined) continue;
    const parsed = sshArgs(args);
    if (parsed.jump) fields.jump = parsed.jump;
    if (parsed.proxyCommand) say(x, 'ansible-proxycommand', `${name} uses ProxyCommand, which is not supported; the host was imported without it (set a jump host instead)`, { var: name });
    if (parsed.other.length > 0) say(x, 'ansible-ssh-args', `${name}: the SSH options ${parsed.other.join(' ')} are not supported and were left out`, { var: name, args: parsed.other.join(' ') });
  }
  for (const [name, x] of Object.entries(vars)) {
    if (name.startsWith('ansible_') && !USED_VARS.has(name) && !HARMLESS_VARS.has(name)) {
      say(x, 'ansible-var-unsupported', `${name} is not supported and was left out`, { var: name });
    }
  }
  return fields;
}

/** `-J user@host:port` / `-o ProxyJump=…` become the host's jump host; anything else is named. */
function sshArgs(args: string): { jump?: string; proxyCommand: boolean; other: string[] } {
  const words = splitWords(args).map((w) => w.value);
  const out: { jump?: string; proxyCommand: boolean; other: string[] } = { proxyCommand: false, other: [] };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    let opt: string | undefined;
    if (w === '-J') out.jump = words[++i];
    else if (w.startsWith('-J')) out.jump = w.slice(2);
    else if (w === '-o') opt = words[++i];
    else if (w.startsWith('-o')) opt = w.slice(2);
    else out.other.push(w);
    if (opt !== undefined) {
      const m = /^\s*(\w+)\s*[= ]\s*(.*)$/.exec(opt);
      const name = m?.[1]?.toLowerCase();
      if (name === 'proxyjump') out.jump = m![2]!.split(',')[0];
      else if (name === 'proxycommand') out.proxyCommand = true;
      // Host-key checking is Rackside's own (confirm or accept-new): these options change nothing here.
      else if (name !== 'stricthostkeychecking' && name !== 'userknownhostsfile') out.other.push(`-o ${opt}`);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// INI

const VAULT_PREFIX = '$ANSIBLE_VAULT;';

/** Shell-like words: quotes group, `#` at a word start begins a comment (Ansible reads host lines with shlex). */
function splitWords(line: string): { value: string; quoted: boolean }[] {
  const out: { value: string; quoted: boolean }[] = [];
  let cur = '';
  let quoted = false;
  let inWord = false;
  let q: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (q) {
      if (c === q) q = null;
      else cur += c;
      continue;
    }
    if (c === '"' || c === "'") {
      q = c;
      quoted = true;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push({ value: cur, quoted });
      cur = '';
      quoted = false;
      inWord = false;
    } else if (c === '#' && !inWord) break;
    else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) out.push({ value: cur, quoted });
  return out;
}

const unquote = (s: string) => s.replace(/^(["'])(.*)\1$/, '$2');

export type SourceResult = { ok: true; value: SourceInventory } | { ok: false; issues: FieldIssue[] };

export function readAnsibleIni(text: string): SourceResult {
  const model = new Model();
  const errors: FieldIssue[] = [];
  model.group('all', 0);
  model.group('ungrouped', 0);
  let section: { name: string; kind: 'hosts' | 'vars' | 'children' } = { name: 'ungrouped', kind: 'hosts' };
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const pendingChildren: { parent: string; child: string; line: number }[] = [];
  lines.forEach((raw, i) => {
    const line = i + 1;
    const t = raw.trim();
    if (t === '' || t.startsWith('#') || t.startsWith(';')) return;
    const header = /^\[([^\]:]+)(?::(\w+))?\]\s*(?:[#;].*)?$/.exec(t);
    if (header) {
      const name = header[1]!.trim();
      const kind = header[2];
      if (kind && kind !== 'vars' && kind !== 'children') {
        errors.push({ row: 0, field: 'file', line, code: 'ansible-section', params: { section: t }, message: `"${t}" is not a section Ansible knows ([group], [group:vars], [group:children])` });
        section = { name: '', kind: 'hosts' };
        return;
      }
      model.group(name, line);
      section = { name, kind: (kind ?? 'hosts') as 'hosts' | 'vars' | 'children' };
      return;
    }
    if (section.name === '') return;
    if (section.kind === 'vars') {
      const eq = t.indexOf('=');
      if (eq < 1) {
        errors.push({ row: 0, field: 'file', line, code: 'ansible-var-line', params: { text: t }, message: `"${t}" is not a variable (name=value)` });
        return;
      }
      const name = t.slice(0, eq).trim();
      const value = unquote(t.slice(eq + 1).trim());
      model.group(section.name, line).vars[name] = { value, line, vault: value.startsWith(VAULT_PREFIX) };
      return;
    }
    if (section.kind === 'children') {
      pendingChildren.push({ parent: section.name, child: splitWords(t)[0]?.value ?? t, line });
      return;
    }
    const words = splitWords(t);
    if (words.length === 0) return;
    let pattern = words[0]!.value;
    const vars: Vars = {};
    for (const w of words.slice(1)) {
      const eq = w.value.indexOf('=');
      if (eq < 1) {
        errors.push({ row: 0, field: 'file', line, code: 'ansible-host-var', params: { text: w.value }, message: `"${w.value}" after the host is not a variable (name=value)` });
        return;
      }
      const value = w.value.slice(eq + 1);
      vars[w.value.slice(0, eq)] = { value, line, vault: value.startsWith(VAULT_PREFIX) };
    }
    // `host:port` as Ansible's INI allows it (not for a bare IPv6 address, which has colons of its own).
    const hp = /^([^:[\]]+(?:\[[^\]]*\][^:[\]]*)*):(\d+)$/.exec(pattern);
    if (hp && !pattern.includes('::')) {
      pattern = hp[1]!;
      vars.ansible_port ??= { value: hp[2]!, line, vault: false };
    }
    const expanded = expandHostPattern(pattern);
    if (!expanded.ok) {
      errors.push({ row: 0, field: pattern, line, code: 'ansible-pattern', params: { host: pattern, detail: expanded.message }, message: expanded.message });
      return;
    }
    for (const name of expanded.names) {
      const h = model.host(name, line);
      Object.assign(h.vars, vars);
      const g = model.group(section.name, line);
      if (!g.hosts.includes(name)) g.hosts.push(name);
    }
  });
  for (const { parent, child, line } of pendingChildren) {
    if (!model.groups.has(child)) model.group(child, line);
    const p = model.group(parent, line);
    if (!p.children.includes(child)) p.children.push(child);
  }
  // Every group hangs under `all`; only hosts in no other group are "ungrouped".
  linkToAll(model);
  if (errors.length > 0) return { ok: false, issues: errors };
  return { ok: true, value: resolve(model, 'ansible-ini') };
}

function linkToAll(model: Model) {
  const isChild = new Set<string>();
  for (const g of model.groups.values()) for (const c of g.children) isChild.add(c);
  const all = model.group('all', 0);
  for (const g of model.groups.keys()) if (g !== 'all' && !isChild.has(g) && !all.children.includes(g)) all.children.push(g);
  const grouped = new Set<string>();
  for (const g of model.groups.values()) if (g.name !== 'all' && g.name !== 'ungrouped') for (const h of g.hosts) grouped.add(h);
  const ungrouped = model.group('ungrouped', 0);
  ungrouped.hosts = ungrouped.hosts.filter((h) => !grouped.has(h));
  for (const h of model.hosts.keys()) if (!grouped.has(h) && !ungrouped.hosts.includes(h)) ungrouped.hosts.push(h);
}

// ---------------------------------------------------------------------------------------------
// YAML

/** Whether a parsed YAML document looks like an Ansible inventory: groups with hosts/children/vars. */
export function looksLikeAnsibleYaml(doc: Document): boolean {
  const top = doc.contents;
  if (!isMap(top)) return false;
  return top.items.some((pair) => {
    const v = pair.value as YamlNode | null;
    return isMap(v) && v.items.some((p) => isScalar(p.key) && ['hosts', 'children', 'vars'].includes(String(p.key.value)) && !isSeq(p.value));
  });
}

export function readAnsibleYaml(doc: Document, lineOf: (pos: number | undefined) => number): SourceResult {
  const model = new Model();
  const errors: FieldIssue[] = [];
  model.group('all', 0);
  const top = doc.contents;
  if (!isMap(top)) return { ok: false, issues: [{ row: 0, field: 'file', code: 'ansible-yaml-shape', message: 'the file is not a mapping of groups' }] };
  const scalarText = (n: YamlNode | null | undefined): VarValue | null => {
    if (!n || !isScalar(n)) return null;
    const vault = n.tag === '!vault' || (typeof n.value === 'string' && n.value.startsWith(VAULT_PREFIX));
    return { value: n.value === null ? '' : String(n.value), line: lineOf(n.range?.[0]), vault };
  };
  const readVars = (node: YamlNode | null | undefined, into: Vars, where: string) => {
    if (!node || (isScalar(node) && node.value === null)) return;
    if (!isMap(node)) {
      errors.push({ row: 0, field: where, line: lineOf(node.range?.[0]), code: 'ansible-yaml-shape', params: { host: where }, message: `the vars of ${where} must be a mapping` });
      return;
    }
    for (const p of node.items) {
      const k = isScalar(p.key) ? String(p.key.value) : '';
      const val = scalarText(p.value as YamlNode | null);
      // Lists and mappings are playbook data; only connection variables (plain values) matter here.
      if (val) into[k] = val;
    }
  };
  const readGroup = (name: string, node: YamlNode | null | undefined, line: number, stack: string[]) => {
    const g = model.group(name, line);
    if (!node || (isScalar(node) && node.value === null)) return;
    if (!isMap(node)) {
      errors.push({ row: 0, field: name, line: lineOf(node.range?.[0]), code: 'ansible-yaml-shape', params: { host: name }, message: `group ${name} must be a mapping of hosts, children and vars` });
      return;
    }
    for (const p of node.items) {
      const key = isScalar(p.key) ? String(p.key.value) : '';
      const value = p.value as YamlNode | null;
      const keyLine = lineOf((p.key as YamlNode | null)?.range?.[0]);
      if (key === 'vars') readVars(value, g.vars, name);
      else if (key === 'hosts') {
        if (value === null || (isScalar(value) && value.value === null)) continue;
        if (!isMap(value)) {
          errors.push({ row: 0, field: name, line: keyLine, code: 'ansible-yaml-shape', params: { host: name }, message: `the hosts of ${name} must be a mapping (host: vars)` });
          continue;
        }
        for (const hp of value.items) {
          const pattern = isScalar(hp.key) ? String(hp.key.value) : '';
          const hostLine = lineOf((hp.key as YamlNode | null)?.range?.[0]);
          const expanded = expandHostPattern(pattern);
          if (!expanded.ok) {
            errors.push({ row: 0, field: pattern, line: hostLine, code: 'ansible-pattern', params: { host: pattern, detail: expanded.message }, message: expanded.message });
            continue;
          }
          for (const h of expanded.names) {
            const entry = model.host(h, hostLine);
            readVars(hp.value as YamlNode | null, entry.vars, h);
            if (!g.hosts.includes(h)) g.hosts.push(h);
          }
        }
      } else if (key === 'children') {
        if (value === null || (isScalar(value) && value.value === null)) continue;
        if (!isMap(value)) {
          errors.push({ row: 0, field: name, line: keyLine, code: 'ansible-yaml-shape', params: { host: name }, message: `the children of ${name} must be a mapping of groups` });
          continue;
        }
        for (const cp of value.items) {
          const child = isScalar(cp.key) ? String(cp.key.value) : '';
          if (!g.children.includes(child)) g.children.push(child);
          if (stack.includes(child)) continue;
          readGroup(child, cp.value as YamlNode | null, lineOf((cp.key as YamlNode | null)?.range?.[0]), [...stack, child]);
        }
      } else {
        errors.push({ row: 0, field: name, line: keyLine, code: 'ansible-yaml-key', params: { host: name, key }, message: `"${key}" in group ${name} is not hosts, children or vars` });
      }
    }
  };
  for (const p of top.items) {
    const name = isScalar(p.key) ? String(p.key.value) : '';
    readGroup(name, p.value as YamlNode | null, lineOf((p.key as YamlNode | null)?.range?.[0]), [name]);
  }
  linkToAll(model);
  if (errors.length > 0) return { ok: false, issues: errors };
  return { ok: true, value: resolve(model, 'ansible-yaml') };
}

// ---------------------------------------------------------------------------------------------
// k0sctl (apiVersion: k0sctl.k0sproject.io/v1beta1, kind: Cluster, spec.hosts)

const K0S_ROLES: Record<string, Role> = { controller: 'master', 'controller+worker': 'master', single: 'master', worker: 'worker' };

export function isK0sctl(doc: Document): boolean {
  const top = doc.contents;
  if (!isMap(top)) return false;
  const api = top.get('apiVersion');
  return typeof api === 'string' && api.startsWith('k0sctl.k0sproject.io/');
}

export function readK0sctl(doc: Document, lineOf: (pos: number | undefined) => number): SourceResult {
  const top = doc.contents as YamlNode;
  const errors: FieldIssue[] = [];
  const notes: FieldIssue[] = [];
  const rows: SourceRow[] = [];
  const js = doc.toJS({ maxAliasCount: 20 }) as { kind?: unknown; spec?: { hosts?: unknown } };
  if (js.kind !== 'Cluster') {
    errors.push({ row: 0, field: 'kind', code: 'k0sctl-kind', params: { kind: String(js.kind ?? '') }, message: `kind must be Cluster, not "${String(js.kind ?? '')}"` });
  }
  const hostsNode = isMap(top) ? (top.getIn(['spec', 'hosts'], true) as YamlNode | undefined) : undefined;
  if (!hostsNode || !isSeq(hostsNode)) {
    errors.push({ row: 0, field: 'spec.hosts', code: 'k0sctl-no-hosts', message: 'the file has no spec.hosts list' });
    return { ok: false, issues: errors };
  }
  const str = (v: unknown) => (v === undefined || v === null ? undefined : String(v));
  const roles = new Set<string>();
  hostsNode.items.forEach((item, i) => {
    const line = lineOf((item as YamlNode).range?.[0]);
    const h = (js.spec!.hosts as Record<string, unknown>[])[i] ?? {};
    const ssh = (h.ssh ?? h.openSSH) as Record<string, unknown> | undefined;
    const label = str(h.hostname) ?? str(ssh?.address) ?? str((h.winRM as Record<string, unknown> | undefined)?.address) ?? `host ${i + 1}`;
    const role = str(h.role) ?? '';
    if (!(role in K0S_ROLES)) {
      errors.push({ row: i + 1, field: 'role', line, code: 'k0sctl-role', params: { host: label, role }, message: `role must be controller, worker, controller+worker or single, not "${role}"` });
      return;
    }
    if (h.winRM !== undefined) {
      notes.push(note(label, line, 'k0sctl-winrm', 'winRM is not SSH; the host was not imported'));
      return;
    }
    if (h.localhost !== undefined && (h.localhost as Record<string, unknown> | null)?.enabled !== false) {
      notes.push(note(label, line, 'k0sctl-localhost', 'a localhost connection is not SSH; the host was not imported'));
      return;
    }
    if (!ssh || str(ssh.address) === undefined) {
      errors.push({ row: i + 1, field: 'ssh.address', line, code: 'k0sctl-no-address', params: { host: label }, message: 'the host has no ssh.address' });
      return;
    }
    if (h.openSSH !== undefined) {
      for (const k of ['configPath', 'options', 'disableMultiplexing']) {
        if (ssh[k] !== undefined) notes.push(note(label, line, 'k0sctl-openssh-option', `openSSH.${k} is not supported and was left out`, { option: `openSSH.${k}` }));
      }
    }
    // A pinned key is not taken on trust from a file: the technician confirms what the server shows.
    if (ssh.hostKey !== undefined) notes.push(note(label, line, 'k0sctl-hostkey', 'ssh.hostKey was not imported; confirm the fingerprint the connection test shows against it'));
    const fields: Record<string, unknown> = { address: str(ssh.address), user: str(ssh.user) ?? 'root' };
    if (str(h.hostname)) fields.name = str(h.hostname);
    if (ssh.port !== undefined) fields.port = str(ssh.port);
    const keyPath = str(ssh.keyPath);
    // Without a keyPath, k0sctl signs with the ssh-agent (or the default keys it holds).
    fields.auth = keyPath ? { method: 'key', keyPath } : { method: 'agent' };
    const bastion = ssh.bastion as Record<string, unknown> | undefined;
    if (bastion && str(bastion.address)) {
      const port = str(bastion.port);
      fields.jump = `${str(bastion.user) ?? 'root'}@${str(bastion.address)}${port ? `:${port}` : ''}`;
      const bKey = str(bastion.keyPath);
      fields.jumpAuth = bKey ? 'key' : 'agent';
      if (bKey) fields.jumpKeyPath = bKey;
    }
    fields.role = K0S_ROLES[role];
    roles.add(role);
    rows.push({ line, fields, groups: [role] });
  });
  if (errors.length > 0) return { ok: false, issues: errors };
  const defaultRoles: Record<string, Role> = {};
  for (const r of roles) defaultRoles[r] = K0S_ROLES[r]!;
  return { ok: true, value: { format: 'k0sctl', rows, defaultRoles, notes } };
}
