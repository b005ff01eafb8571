import type { z } from 'zod';
import { MAX_HOSTS_PER_PROJECT, tooManyHosts } from './limits.js';
import type { FieldIssue } from './result.js';
import { addressProblemCoded, HOST_MESSAGE_CODES, hostSchema, type Host } from './schemas.js';

/**
 * Cross-row inventory rules. Shared so the renderer can show inline errors as the technician
 * types, while the backend applies the very same rules before anything is saved.
 */
export function validateHosts(rows: unknown[]): { hosts: Host[]; issues: FieldIssue[] } {
  // Over the supported maximum that is the one thing to fix, and checking thousands of rows (on
  // the renderer's main thread, at every keystroke) would only bury it.
  if (rows.length > MAX_HOSTS_PER_PROJECT) return { hosts: [], issues: [tooManyHosts(rows.length)] };
  const issues: FieldIssue[] = [];
  const hosts: Host[] = [];
  rows.forEach((row, i) => {
    const parsed = hostSchema.safeParse(row);
    if (parsed.success) {
      hosts.push(parsed.data);
    } else {
      for (const issue of parsed.error.issues) {
        issues.push({ row: i + 1, field: fieldOf(issue), message: issue.message, ...codeOf(issue, row) });
      }
    }
  });

  const seen = new Map<string, number>();
  rows.forEach((row, i) => {
    const r = row as Partial<Host> | null;
    if (!r || typeof r.address !== 'string' || r.address.trim() === '') return;
    const key = `${r.address.trim().toLowerCase()}:${typeof r.port === 'number' ? r.port : 22}`;
    const first = seen.get(key);
    if (first !== undefined) {
      issues.push({
        row: i + 1,
        field: 'address',
        message: `duplicate address ${r.address.trim()} (also in row ${first})`,
        code: 'address-duplicate',
        params: { address: r.address.trim(), first },
      });
    } else {
      seen.set(key, i + 1);
    }
  });

  if (rows.length > 0 && !rows.some((r) => (r as Partial<Host> | null)?.role === 'master')) {
    issues.push({ row: 0, field: 'role', message: 'no host has the role "master"; mark one host as master', code: 'no-master' });
  }
  issues.sort((a, b) => a.row - b.row);
  return { hosts, issues };
}

/** A code + params for a schema issue (`issueText.<code>`); none for one the renderer cannot word (it shows `message`). */
function codeOf(issue: z.core.$ZodIssue, row: unknown): Pick<FieldIssue, 'code' | 'params'> {
  if (issue.path[issue.path.length - 1] === 'address') {
    const value = issue.path.reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<PropertyKey, unknown>)[k as PropertyKey] : undefined), row);
    const coded = addressProblemCoded(typeof value === 'string' ? value : '');
    if (coded) return { code: coded.code, params: coded.params };
  }
  const known = HOST_MESSAGE_CODES[issue.message];
  if (known) return { code: known };
  if (issue.code === 'invalid_value' || issue.code === 'invalid_union') return { code: 'invalid-choice' };
  if (issue.code === 'too_big') return { code: 'too-long', params: { max: String(issue.maximum) } };
  if (issue.code === 'too_small') return { code: 'empty' };
  if (issue.code === 'invalid_type') return { code: 'missing-or-invalid' };
  return {};
}

function fieldOf(issue: z.core.$ZodIssue): string {
  const path = issue.path.filter((p) => typeof p === 'string' || typeof p === 'number');
  return path.length ? path.join('.') : 'row';
}
