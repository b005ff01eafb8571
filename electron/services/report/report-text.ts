import { findingTextKey, type ReportLanguage } from '../../contract/index.js';

/** A locale file of resources/report/locales: nested keys, `{{name}}` placeholders. */
export interface LocaleTree {
  [key: string]: string | LocaleTree;
}

/** A value already rendered as HTML (inserted as is); anything else is text and gets escaped. */
export interface RawHtml {
  html: string;
}
export type TextParams = Record<string, string | number | RawHtml | null | undefined>;

const PLACEHOLDER = /\{\{\s*([\w.-]+)\s*\}\}/g;

export const escapeHtml = (v: unknown): string =>
  String(v ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

function lookup(tree: LocaleTree, key: string): string | undefined {
  let node: string | LocaleTree | undefined = tree;
  for (const part of key.split('.')) {
    if (node === undefined || typeof node === 'string') return undefined;
    node = node[part];
  }
  return typeof node === 'string' ? node : undefined;
}

function fill(s: string, params: TextParams, escape: (v: string) => string): string {
  let out = '';
  let last = 0;
  for (const m of s.matchAll(PLACEHOLDER)) {
    out += escape(s.slice(last, m.index));
    const v = params[m[1]!];
    out += v === undefined || v === null ? escape(m[0]) : typeof v === 'object' ? v.html : escape(String(v));
    last = m.index + m[0].length;
  }
  return out + escape(s.slice(last));
}

/**
 * The report's words in one language, from resources/report/locales. A key the language lacks
 * comes from English; a key neither has shows the key itself (a test keeps both files complete).
 */
export class ReportText {
  constructor(
    readonly language: ReportLanguage,
    private readonly primary: LocaleTree,
    private readonly english: LocaleTree,
  ) {}

  has(key: string): boolean {
    return lookup(this.primary, key) !== undefined || lookup(this.english, key) !== undefined;
  }

  private raw(key: string): string {
    return lookup(this.primary, key) ?? lookup(this.english, key) ?? key;
  }

  /** Plain text (for the JSON, CSS strings); params inserted as they are. */
  text(key: string, params: TextParams = {}): string {
    return fill(this.raw(key), params, (v) => v);
  }

  /** HTML: the locale's text and every text param escaped, RawHtml params inserted. */
  html(key: string, params: TextParams = {}): string {
    return fill(this.raw(key), params, escapeHtml);
  }

  /**
   * A finding's message or remediation from its code and params; the finding's own English text
   * when the locale has no such code or a placeholder has no param (never a raw `{{name}}`).
   */
  finding(code: string, part: 'message' | 'remediation' | 'reason', params: Record<string, string | number> | undefined, english: string): string {
    const s = lookup(this.primary, `findings.${findingTextKey(code, params)}.${part}`);
    if (s === undefined) return english;
    const out = fill(s, params ?? {}, (v) => v);
    return /\{\{/.test(out) ? english : out;
  }
}
