import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isNode, isPair, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { HARDWARE_PROFILE_ID, type HardwareProfileInfo, type ProfileLoadError } from '../../../contract/index.js';

/** A profile file is a page of settings; anything far larger is not one. */
const MAX_FILE_BYTES = 64 * 1024;
/** A profile has no use for aliases beyond a shared role block; many of them is an alias bomb. */
const MAX_ALIASES = 10;

export interface ProfileDirs {
  /** The profiles that ship with the app (resources/profiles). */
  builtin: string;
  /** A company's own profiles (the data folder's profiles/); may not exist. */
  company?: string;
}

export interface LoadedProfiles {
  profiles: HardwareProfileInfo[];
  errors: ProfileLoadError[];
}

const BYTE_UNITS: Record<string, number> = {
  b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12,
  kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4,
};
const SPEED_UNITS: Record<string, number> = { 'mb/s': 1, 'mbit/s': 1, 'mbps': 1, 'gb/s': 1000, 'gbit/s': 1000, 'gbps': 1000, gbe: 1000 };

/** "256 GiB" → bytes; a bare number is bytes. Undefined when it is not a size. */
export function parseBytes(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$/i.exec(v);
  const unit = m && BYTE_UNITS[m[2]!.toLowerCase()];
  return unit ? Math.round(Number(m[1]) * unit) : undefined;
}

/** "10 Gb/s" / "25 GbE" → Mb/s; a bare number is Mb/s. Undefined when it is not a speed. */
export function parseSpeedMbps(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z/]+)\s*$/i.exec(v);
  const unit = m && SPEED_UNITS[m[2]!.toLowerCase()];
  return unit ? Number(m[1]) * unit : undefined;
}

// Each message is a problem kind the UI translates (hardware.profileProblem.<kind>).
const size = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const n = parseBytes(v);
  if (n === undefined) ctx.addIssue({ code: 'custom', message: 'size' });
  return n ?? 0;
});
const speed = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const n = parseSpeedMbps(v);
  if (n === undefined) ctx.addIssue({ code: 'custom', message: 'speed' });
  return n ?? 0;
});
const count = z.number().int().min(0).max(100_000);
const roleFileSchema = z.strictObject({
  cores: count,
  threads: count,
  memory: size,
  ecc: z.boolean(),
  largestDisk: size,
  raidDisks: count,
  nicSpeed: speed,
  minPsus: count,
});
const profileFileSchema = z.strictObject({
  label: z.strictObject({ en: z.string().min(1).max(80), 'zh-CN': z.string().min(1).max(80) }),
  includeLoopDisks: z.boolean(),
  roles: z.strictObject({ master: roleFileSchema, worker: roleFileSchema }),
});

/** A zod issue as a problem kind the UI has words for. */
function problemOf(issue: z.core.$ZodIssue, value: unknown, field: string): string {
  if (issue.code === 'custom') return issue.message === 'speed' ? 'speed' : 'size';
  if (issue.code === 'unrecognized_keys') return 'unknown-field';
  if (value === undefined) return 'missing';
  if (issue.code === 'invalid_union') return field.endsWith('nicSpeed') ? 'speed' : 'size';
  if (issue.code === 'invalid_type' && issue.expected === 'int') return 'negative';
  if (issue.code === 'invalid_type') return issue.expected === 'boolean' ? 'not-boolean' : issue.expected === 'number' ? 'not-number' : issue.expected === 'string' ? 'not-text' : issue.expected === 'object' ? 'not-map' : 'invalid';
  if (issue.code === 'too_small') return issue.origin === 'string' ? 'empty' : 'negative';
  if (issue.code === 'too_big') return 'too-big';
  if (issue.code === 'invalid_format' || issue.code === 'invalid_value') return 'invalid';
  return 'invalid';
}

const PROBLEM_EN: Record<string, string> = {
  missing: 'missing',
  'unknown-field': 'not a profile field (check the spelling)',
  'not-number': 'must be a number',
  'not-boolean': 'must be true or false',
  'not-text': 'must be text',
  'not-map': 'must be a block of fields',
  negative: 'must be a whole number, 0 or more',
  'too-big': 'too large',
  empty: 'must not be empty',
  size: 'must be a size such as "256 GiB" or "100 GB"',
  speed: 'must be a speed such as "10 Gb/s" or 0',
  invalid: 'not a valid value',
};

function lineOf(doc: Document, lc: LineCounter, path: (string | number)[], key?: string): number {
  // The key's own line when the issue is about a key (unknown field), else the value's, else the
  // nearest enclosing node that exists (a missing field is reported on its block).
  for (let p = path; ; p = p.slice(0, -1)) {
    const node = p.length === 0 ? doc.contents : doc.getIn(p, true);
    if (key !== undefined && isMap(node)) {
      const pair = node.items.find((i) => isPair(i) && isScalar(i.key) && i.key.value === key);
      if (pair && isNode(pair.key) && pair.key.range) return lc.linePos(pair.key.range[0]).line;
    }
    if (isNode(node) && node.range) return lc.linePos(node.range[0]).line;
    if (p.length === 0) return 1;
    key = undefined;
  }
}

const fail = (file: string, code: ProfileLoadError['code'], params: Record<string, string | number>, field: string, message: string, line?: number): ProfileLoadError => ({
  file,
  field,
  code,
  params: { file, field, ...(line !== undefined ? { line } : {}), ...params },
  message,
  ...(line !== undefined ? { line } : {}),
});

/** One profile file's text → the profile, or what is wrong with it (file, line, field). */
export function parseProfileFile(text: string, file: string, source: HardwareProfileInfo['source']): { ok: true; profile: HardwareProfileInfo } | { ok: false; error: ProfileLoadError } {
  const name = basename(file);
  const id = name.replace(/\.ya?ml$/i, '');
  if (!HARDWARE_PROFILE_ID.test(id) || id.length > 64) {
    return { ok: false, error: fail(file, 'file-name', { name }, 'file', `${file}: the file name must be the profile id: lower-case letters, digits and single dashes, ending in .yaml (e.g. acme-gpu.yaml)`) };
  }
  const lc = new LineCounter();
  // Core schema only: no custom tags (!!js/…), no YAML 1.1 surprises ("no" as false).
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, schema: 'core', customTags: [], uniqueKeys: true });
  const syntax = doc.errors[0] ?? doc.warnings[0];
  if (syntax) {
    const line = lc.linePos(syntax.pos[0]).line;
    const detail = syntax.message.split('\n')[0] ?? 'syntax error';
    return { ok: false, error: fail(file, 'yaml', { detail }, 'file', `${file} line ${line}: not valid YAML: ${detail}`, line) };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e);
    return { ok: false, error: fail(file, 'yaml', { detail }, 'file', `${file} line 1: not valid YAML: ${detail}`, 1) };
  }
  const parsed = profileFileSchema.safeParse(data);
  if (!parsed.success) {
    // A misspelt field is both unknown and (under its right name) missing: naming the spelling the
    // file has points at the line to fix.
    const issue = parsed.error.issues.find((i) => i.code === 'unrecognized_keys') ?? parsed.error.issues[0]!;
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    const key = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
    const fieldPath = key !== undefined ? [...path, key] : path;
    const field = fieldPath.join('.') || 'file';
    const value = fieldPath.length === 0 ? data : doc.getIn(fieldPath);
    const problem = problemOf(issue, value, field);
    const line = lineOf(doc, lc, path, key);
    return { ok: false, error: fail(file, 'field', { problem }, field, `${file} line ${line}: field "${field}": ${PROBLEM_EN[problem] ?? issue.message}`, line) };
  }
  const role = (r: z.infer<typeof roleFileSchema>) => ({
    cores: r.cores,
    threads: r.threads,
    memoryBytes: r.memory,
    ecc: r.ecc,
    largestDiskBytes: r.largestDisk,
    raidDisks: r.raidDisks,
    nicSpeedMbps: r.nicSpeed,
    minPsus: r.minPsus,
  });
  const f = parsed.data;
  return {
    ok: true,
    profile: { id, label: f.label, source, file, includeLoopDisks: f.includeLoopDisks, roles: { master: role(f.roles.master), worker: role(f.roles.worker) } },
  };
}

function readFolder(dir: string, source: HardwareProfileInfo['source'], out: LoadedProfiles, taken: Map<string, string>) {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /\.ya?ml$/i.test(n)).sort();
  } catch (e) {
    // No company folder is the normal case; a missing built-in folder is a broken install.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && source === 'company') return;
    out.errors.push(fail(dir, 'read', { detail: (e as Error).message }, 'file', `${dir}: could not be read: ${(e as Error).message}`));
    return;
  }
  for (const name of names) {
    const file = join(dir, name);
    let text: string;
    try {
      if (statSync(file).size > MAX_FILE_BYTES) {
        out.errors.push(fail(file, 'too-large', { max: MAX_FILE_BYTES }, 'file', `${file}: larger than ${MAX_FILE_BYTES} bytes; a profile is a short file`));
        continue;
      }
      text = readFileSync(file, 'utf8');
    } catch (e) {
      out.errors.push(fail(file, 'read', { detail: (e as Error).message }, 'file', `${file}: could not be read: ${(e as Error).message}`));
      continue;
    }
    const r = parseProfileFile(text, file, source);
    if (!r.ok) {
      out.errors.push(r.error);
      continue;
    }
    const other = taken.get(r.profile.id);
    if (other !== undefined) {
      // Replacing a built-in silently would change what "production" means on this laptop only,
      // and the report would not show it: a company profile takes a name of its own.
      out.errors.push(fail(file, 'duplicate-id', { id: r.profile.id, other }, 'file', `${file}: profile "${r.profile.id}" is already defined by ${other}; give this file another name`));
      continue;
    }
    taken.set(r.profile.id, file);
    out.profiles.push(r.profile);
  }
}

/** The built-in profiles, then the company's; invalid files are skipped and listed in `errors`. */
export function loadProfiles(dirs: ProfileDirs): LoadedProfiles {
  const out: LoadedProfiles = { profiles: [], errors: [] };
  const taken = new Map<string, string>();
  readFolder(dirs.builtin, 'built-in', out, taken);
  if (dirs.company) readFolder(dirs.company, 'company', out, taken);
  return out;
}

/**
 * The profiles as the files say at the moment of asking: read on every call (a few small files),
 * so a company file dropped into the data folder counts without a restart.
 */
export class ProfileLibrary {
  constructor(readonly dirs: ProfileDirs) {}

  load(): LoadedProfiles {
    return loadProfiles(this.dirs);
  }

  get(id: string): HardwareProfileInfo | undefined {
    return this.load().profiles.find((p) => p.id === id);
  }
}

/**
 * Where the built-in profiles are when nobody says otherwise: resources/profiles of the app root,
 * the first folder above this module that has one (the repo for sources and tests, and for the
 * browser host running from dist/). A packaged app passes its resources path instead.
 */
export function defaultBuiltinProfilesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'resources', 'profiles');
    if (existsSync(candidate)) return candidate;
    const up = resolve(dir, '..');
    if (up === dir) return join(dirname(fileURLToPath(import.meta.url)), 'resources', 'profiles');
    dir = up;
  }
}

/** The company's folder inside the app's data folder. */
export const companyProfilesDir = (dataDir: string) => join(dataDir, 'profiles');
