import type { z } from 'zod';
import type { FieldIssue } from './result.js';
import { hostSchema, type Host } from './schemas.js';

/**
 * Cross-row inventory rules. Shared so the renderer can show inline errors as the technician
 * types, while the backend applies the very same rules before anything is saved.
 */
export function validateHosts(rows: unknown[]): { hosts: Host[]; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const hosts: Host[] = [];
  rows.forEach((row, i) => {
    const parsed = hostSchema.safeParse(row);
    if (parsed.success) {
      hosts.push(parsed.data);
    } else {
      for (const issue of parsed.error.issues) {
        issues.push({ row: i + 1, field: fieldOf(issue), message: issue.message });
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
      });
    } else {
      seen.set(key, i + 1);
    }
  });

  if (rows.length > 0 && !rows.some((r) => (r as Partial<Host> | null)?.role === 'master')) {
    issues.push({ row: 0, field: 'role', message: 'no host has the role "master"; mark one host as master' });
  }
  issues.sort((a, b) => a.row - b.row);
  return { hosts, issues };
}

function fieldOf(issue: z.core.$ZodIssue): string {
  const path = issue.path.filter((p) => typeof p === 'string' || typeof p === 'number');
  return path.length ? path.join('.') : 'row';
}
