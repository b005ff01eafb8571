import type { TFunction } from 'i18next';
import type { FieldIssue } from '../../../electron/contract/index.js';

/** "Row 3, address: …" in the current language. Issue messages come from the contract in English. */
export function formatIssue(t: TFunction, issue: FieldIssue): string {
  const field = t(`fields.${issue.field.replace(/\./g, '_')}`, { defaultValue: issue.field });
  const text =
    issue.row > 0
      ? t('issue.line', { row: issue.row, field, message: issue.message })
      : t('issue.lineWhole', { field, message: issue.message });
  return issue.line ? `${text} ${t('issue.lineAt', { line: issue.line })}` : text;
}
