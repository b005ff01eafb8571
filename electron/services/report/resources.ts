import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { because, err, ok, type ReportLanguage, type Result } from '../../contract/index.js';
import { ReportText, type LocaleTree } from './report-text.js';

/** A folder with a report/ folder of its own, whose files replace the app's (resources/report/README.md). */
export const RESOURCES_ENV = 'RACKSIDE_RESOURCES';

/**
 * The app's resources/ folder: next to package.json, found from this file whether it runs from
 * source (electron/services/report) or built (dist/electron/services/report).
 */
export function appResourcesDir(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 6; up++, d = dirname(d)) {
    if (existsSync(join(d, 'package.json')) && existsSync(join(d, 'resources'))) return join(d, 'resources');
  }
  return resolve('resources');
}

/** What a report is rendered with: the page template, its style and its words in one language. */
export interface ReportLook {
  language: ReportLanguage;
  template: string;
  css: string;
  text: ReportText;
}

/** Placeholders of report.html: each section exactly once; the others may appear or not. */
export const TEMPLATE_REQUIRED = ['head', 'header', 'verdict', 'inventory', 'checks', 'network', 'storage', 'audit', 'signOff'] as const;
export const TEMPLATE_OPTIONAL = ['lang', 'title'] as const;
const TEMPLATE_PLACEHOLDER = /\{\{\s*([^}\s]*)\s*\}\}/g;
/** The report loads nothing and runs nothing (its own CSP says so too): no script, link, URL or import. */
const FORBIDDEN_IN_TEMPLATE = /<script|<link|<iframe|<object|<embed|<img|\ssrc\s*=|\shref\s*=|url\(|@import/i;
const FORBIDDEN_IN_CSS = /<\/style|@import|url\(/i;

/** Problems of a report template, in words for the technician; none: it can be used. */
export function templateProblems(template: string): string[] {
  const problems: string[] = [];
  const seen = [...template.matchAll(TEMPLATE_PLACEHOLDER)].map((m) => m[1]!);
  for (const p of TEMPLATE_REQUIRED) {
    const n = seen.filter((x) => x === p).length;
    if (n !== 1) problems.push(n === 0 ? `the placeholder {{${p}}} is missing` : `the placeholder {{${p}}} appears ${n} times (once only)`);
  }
  for (const p of new Set(seen)) {
    if (!(TEMPLATE_REQUIRED as readonly string[]).includes(p) && !(TEMPLATE_OPTIONAL as readonly string[]).includes(p)) problems.push(`{{${p}}} is not a placeholder Rackside knows`);
  }
  const bad = FORBIDDEN_IN_TEMPLATE.exec(template);
  if (bad) problems.push(`it contains "${bad[0].trim()}": a report loads and runs nothing`);
  return problems;
}

export function cssProblems(css: string): string[] {
  const bad = FORBIDDEN_IN_CSS.exec(css);
  return bad ? [`it contains "${bad[0]}": the style is inlined and may load nothing`] : [];
}

/** The override's copy of a file when it has one, else the app's. */
async function pick(rel: string, overrideDir: string | undefined): Promise<{ path: string; text: string } | { path: string; error: string }> {
  const candidates = [...(overrideDir ? [join(resolve(overrideDir), 'report', rel)] : []), join(appResourcesDir(), 'report', rel)];
  const path = candidates.find((p) => existsSync(p)) ?? candidates[candidates.length - 1]!;
  try {
    return { path, text: await readFile(path, 'utf8') };
  } catch (e) {
    return { path, error: (e as Error).message };
  }
}

function parseLocale(path: string, text: string): LocaleTree | string {
  try {
    const v = JSON.parse(text) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as LocaleTree) : `${path} is not a JSON object`;
  } catch (e) {
    return `${path} is not valid JSON: ${(e as Error).message}`;
  }
}

/** `over` on top of `base`, key by key: an override locale needs only the keys it changes. */
function merge(base: LocaleTree, over: LocaleTree): LocaleTree {
  const out: LocaleTree = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = typeof v === 'object' && b !== undefined && typeof b === 'object' ? merge(b, v) : v;
  }
  return out;
}

async function locale(language: ReportLanguage, overrideDir: string | undefined): Promise<Result<LocaleTree>> {
  const rel = join('locales', `${language}.json`);
  const appPath = join(appResourcesDir(), 'report', rel);
  let appText: string;
  try {
    appText = await readFile(appPath, 'utf8');
  } catch (e) {
    return bad(appPath, (e as Error).message);
  }
  const parsed = parseLocale(appPath, appText);
  if (typeof parsed === 'string') return bad(appPath, parsed);
  // Finding texts live in resources/findings (shared with the app's screens), under `findings`.
  const findingsPath = join(appResourcesDir(), 'findings', `${language}.json`);
  let findingsText: string;
  try {
    findingsText = await readFile(findingsPath, 'utf8');
  } catch (e) {
    return bad(findingsPath, (e as Error).message);
  }
  const findings = parseLocale(findingsPath, findingsText);
  if (typeof findings === 'string') return bad(findingsPath, findings);
  const app: LocaleTree = { ...parsed, findings };
  const overPath = overrideDir ? join(resolve(overrideDir), 'report', rel) : null;
  if (!overPath || !existsSync(overPath)) return ok(app);
  const over = parseLocale(overPath, await readFile(overPath, 'utf8'));
  return typeof over === 'string' ? bad(overPath, over) : ok(merge(app, over));
}

const bad = (path: string, problem: string) =>
  because(err('validation-failed', `The report cannot be built with ${path}: ${problem}`, 'Correct the file (resources/report/README.md says what it must hold), or remove it to use the app\'s own.'),
    'report-resource-invalid', { path, detail: problem });

/**
 * The template, style and words of a report in `language`, read at each export so an edited file
 * counts at once. `overrideDir` (default $RACKSIDE_RESOURCES): a folder whose report/ files
 * replace the app's; every file is checked against what the renderer fills in.
 */
export async function loadReportLook(language: ReportLanguage, overrideDir: string | undefined = process.env[RESOURCES_ENV] || undefined): Promise<Result<ReportLook>> {
  const template = await pick('report.html', overrideDir);
  if ('error' in template) return bad(template.path, template.error);
  const tp = templateProblems(template.text);
  if (tp.length) return bad(template.path, tp.join('; '));
  const css = await pick('report.css', overrideDir);
  if ('error' in css) return bad(css.path, css.error);
  const cp = cssProblems(css.text);
  if (cp.length) return bad(css.path, cp.join('; '));
  const english = await locale('en', overrideDir);
  if (!english.ok) return english;
  const primary = language === 'en' ? english : await locale(language, overrideDir);
  if (!primary.ok) return primary;
  return ok({ language, template: template.text, css: css.text, text: new ReportText(language, primary.value, english.value) });
}
