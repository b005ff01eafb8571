import type { TFunction } from 'i18next';
import { findingTextKey, type FieldIssue, type MatrixCell, type NetworkIssue } from '../../../electron/contract/index.js';

/** "Row 3, address: …" in the current language. Issue messages come from the contract in English. */
export function formatIssue(t: TFunction, issue: FieldIssue): string {
  // A network plan issue from the backend names its host and interface itself, like the editor's list.
  if (issue.code?.startsWith('network.')) {
    return formatNetworkIssue(t, { field: issue.field, code: issue.code.slice('network.'.length), message: issue.message, ...(issue.params ? { params: issue.params } : {}) });
  }
  const field = issue.code && PLAN_CODE.test(issue.code)
    ? planFieldLabel(t, issue.field)
    : t(`fields.${issue.field.replace(/\./g, '_')}`, { defaultValue: issue.field });
  // A step's own plan issue (`storage.issue.…`, `install.issue.…`) is worded by its own key.
  const message = issue.code ? t([`issueText.${issue.code}`, issue.code], { ...translatedParams(t, issue.params), field, defaultValue: issue.message }) : issue.message;
  const text =
    issue.row > 0
      ? t('issue.line', { row: issue.row, field, message })
      : t('issue.lineWhole', { field, message });
  return issue.line ? `${text} ${t('issue.lineAt', { line: issue.line })}` : text;
}

/** A step plan's own issue codes: their fields are plan paths (`firewall.rollbackAfterS`), not inventory columns. */
const PLAN_CODE = /^(install|storage|verify)\.issue\./;

/**
 * A step plan's field path as the technician reads it: `planFields.<path>` without list indexes
 * (`vrrp.candidates.0` → "VIP candidates, entry 1"; `sysctl.net.ipv4.ip_forward` → "sysctl"), the
 * longest known head of the path; the path itself only when no head is known.
 */
export function planFieldLabel(t: TFunction, path: string): string {
  const parts = path.split('.');
  const names = parts.filter((p) => !/^\d+$/.test(p));
  const last = parts[parts.length - 1] ?? '';
  for (let n = names.length; n > 0; n--) {
    const label = t(`planFields.${names.slice(0, n).join('_')}`, { defaultValue: '' });
    if (!label) continue;
    // A list entry is numbered only when the path ends at it; inner indexes are named by the message.
    return n === names.length && /^\d+$/.test(last) ? t('planFields.entry', { field: label, n: Number(last) + 1 }) : label;
  }
  return path;
}

/** Type words inside params ("text", "number") are shown in the current language too. */
function translatedParams(t: TFunction, params: FieldIssue['params']): Record<string, string | number> {
  const out: Record<string, string | number> = { ...params };
  for (const k of ['expected', 'actual'] as const) {
    const v = out[k];
    if (typeof v === 'string') out[k] = t(`issueText.types.${v.replace(/\//g, '-')}`, { defaultValue: v });
  }
  return out;
}

/** Plan fields by their schema path head; "requiredPorts.1" reads "Required TCP ports, entry 2". */
const NETWORK_FIELDS: Record<string, string> = {
  requiredPorts: 'network.plan.ports',
  dnsServers: 'network.plan.dns',
  domain: 'network.plan.domain',
  vip: 'network.plan.vip',
  vipName: 'network.plan.vipName',
};

export function networkFieldLabel(t: TFunction, path: string): string {
  const [head = '', index, ...rest] = path.split('.');
  const key = NETWORK_FIELDS[head];
  if (!key) return path;
  const label = t(key);
  if (index === undefined || rest.length > 0 || !/^\d+$/.test(index)) return label;
  return t('network.issue.entry', { field: label, n: Number(index) + 1 });
}

/**
 * A network plan issue in the current language. `message` and `field` always go in, so no
 * translation can show a raw placeholder even for an issue without params of its own.
 */
export function formatNetworkIssue(t: TFunction, issue: NetworkIssue): string {
  return t(`network.issue.${issue.code}`, {
    defaultValue: issue.message,
    message: issue.message,
    ...issue.params,
    field: networkFieldLabel(t, typeof issue.params?.field === 'string' ? issue.params.field : issue.field),
  });
}

/**
 * A finding's message or remediation in the current language, from resources/findings via its
 * code (and variant/reason) and params; its English text when the locale cannot fill every
 * placeholder, so the screen never shows a raw `{{name}}`.
 */
export function formatFinding(t: TFunction, f: { code: string; params?: Record<string, string | number> | undefined; message: string; remediation: string }, part: 'message' | 'remediation'): string {
  const english = part === 'message' ? f.message : f.remediation;
  const s = t(`findings.${findingTextKey(f.code, f.params)}.${part}`, { ...f.params, defaultValue: english });
  return /\{\{/.test(s) ? english : s;
}

/** Why a matrix cell is not ok, one line per note, in the current language (its English when it has no codes). */
export function matrixCellNotes(t: TFunction, c: Pick<MatrixCell, 'notes' | 'noteTexts'>): string[] {
  return c.notes.map((note, i) => {
    const text = c.noteTexts?.[i];
    return text ? t(`network.matrix.note.${text.code}`, { ...text.params, defaultValue: note }) : note;
  });
}

/** A port's state in a matrix cell ("22: open"), the state in the current language. */
export function matrixPorts(t: TFunction, ports: MatrixCell['ports']): string {
  return Object.entries(ports).map(([p, s]) => `${p}:${t(`network.matrix.port.${s}`, { defaultValue: s })}`).join(' ');
}

/** A change a destructive action makes, in the current language from `changes.<code>`; its English line without a code. */
export function formatChange(t: TFunction, c: { change: string; code?: string | undefined; params?: Record<string, string | number> | undefined }): string {
  if (!c.code) return c.change;
  const s = t(`changes.${c.code}`, { ...c.params, defaultValue: c.change });
  return /\{\{/.test(s) ? c.change : s;
}
