import type { FieldIssue } from '../../../electron/contract/index.js';

/** Table column an issue belongs to; fields without a column of their own show on the row. */
export type IssueColumn = 'name' | 'address' | 'port' | 'user' | 'auth' | 'role' | 'row';

export function columnOf(field: string): IssueColumn {
  const head = field.split('.')[0] ?? '';
  switch (head) {
    case 'name':
    case 'address':
    case 'port':
    case 'user':
    case 'role':
      return head;
    // The jump host and the BMC are shown in the login cell.
    case 'auth':
    case 'jump':
    case 'bmc':
      return 'auth';
    default:
      return 'row';
  }
}

export interface IssuesByRow {
  /** Row 0 issues: about the whole inventory (e.g. no master). */
  global: FieldIssue[];
  /** 1-based row → column → issues. */
  rows: Map<number, Map<IssueColumn, FieldIssue[]>>;
}

export function groupIssues(issues: FieldIssue[]): IssuesByRow {
  const global: FieldIssue[] = [];
  const rows = new Map<number, Map<IssueColumn, FieldIssue[]>>();
  for (const issue of issues) {
    if (issue.row <= 0) {
      global.push(issue);
      continue;
    }
    let cols = rows.get(issue.row);
    if (!cols) rows.set(issue.row, (cols = new Map()));
    const col = columnOf(issue.field);
    const list = cols.get(col);
    if (list) list.push(issue);
    else cols.set(col, [issue]);
  }
  return { global, rows };
}
