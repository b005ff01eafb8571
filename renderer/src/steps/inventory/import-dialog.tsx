import { useMemo, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { MAX_HOSTS_PER_PROJECT, type Host, type ImportSource, type Role } from '../../../../electron/contract/index.js';
import { formatIssue } from '../../lib/format-issue.js';
import type { HostDraft } from '../../lib/host-draft.js';
import { applyGroupRoles, planImport, type ImportMode, type ImportPlan } from '../../lib/import-plan.js';
import { Modal } from '../../runbook/dialogs.js';

/** A parsed file waiting for the technician's choices (roles from groups, merge or replace). */
export interface PendingImport {
  fileName: string;
  hosts: Host[];
  secretsStored: string[];
  source?: ImportSource | undefined;
}

/** Lists longer than this show their first entries and a count: 1000 rows would bury the choice. */
const SHOWN = 50;

/**
 * Asks before an import changes anything: for an Ansible or k0sctl file, the group → role map
 * (shown with the rule and each host's resulting role); for a non-empty inventory, merge or
 * replace, with what each would add, change, keep or remove; and what the file had that was not
 * imported.
 */
export function ImportDialog({
  pending,
  existing,
  onConfirm,
  onCancel,
}: {
  pending: PendingImport;
  existing: HostDraft[];
  onConfirm: (plan: ImportPlan, hostCount: number) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const { source } = pending;
  const [roles, setRoles] = useState<Record<string, Role>>(() => ({ ...(source?.defaultRoles ?? {}) }));
  const [mode, setMode] = useState<ImportMode>('merge');
  const incoming = useMemo(() => (source ? applyGroupRoles(pending.hosts, source.groups, roles) : pending.hosts), [pending.hosts, source, roles]);
  const plan = useMemo(() => planImport(existing, incoming, mode, pending.secretsStored), [existing, incoming, mode, pending.secretsStored]);
  const groupNames = Object.keys(roles).sort();
  const hostsOf = (g: string) => incoming.filter((h) => source?.groups[h.id]?.includes(g)).length;
  const noMaster = !plan.hosts.some((h) => h.role === 'master');
  const tooMany = plan.hosts.length > MAX_HOSTS_PER_PROJECT;
  const roleWord = (r: string) => t(`inventory.role.${r}`, { defaultValue: r });
  const formatKey = source ? source.format : 'rackside';

  return (
    <Modal testId="import-dialog" title={t('import.dialogTitle', { file: pending.fileName })} onCancel={onCancel}>
      <p data-testid="import-format">{t('import.hostCount', { count: pending.hosts.length, format: t(`import.format.${formatKey}`) })}</p>

      {source && source.notes.length > 0 ? (
        <section className="import-section">
          <h4>{t('import.notesTitle', { count: source.notes.length })}</h4>
          <ul className="import-list" data-testid="import-notes">
            {source.notes.map((n, i) => (
              <li key={i} data-testid="import-note" data-code={n.code}>
                {formatIssue(t, n)}
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      {source && groupNames.length > 0 ? (
        <section className="import-section">
          <h4>{t('import.groupsTitle')}</h4>
          <p className="muted small" data-testid="import-role-rule">
            {source.format === 'k0sctl' ? t('import.roleRuleK0s') : t('import.roleRule')}
          </p>
          <table className="import-table" data-testid="import-groups">
            <thead>
              <tr>
                <th>{t('import.groupCol')}</th>
                <th>{t('import.groupHosts')}</th>
                <th>{t('inventory.col.role')}</th>
              </tr>
            </thead>
            <tbody>
              {groupNames.map((g) => (
                <tr key={g} data-testid="import-group" data-group={g}>
                  <td>{g}</td>
                  <td>{hostsOf(g)}</td>
                  <td>
                    <select
                      data-testid="import-group-role"
                      aria-label={`${t('inventory.col.role')}: ${g}`}
                      value={roles[g]}
                      onChange={(e) => setRoles({ ...roles, [g]: e.target.value as Role })}
                    >
                      <option value="master">{roleWord('master')}</option>
                      <option value="worker">{roleWord('worker')}</option>
                    </select>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <h4>{t('import.hostsTitle')}</h4>
          <table className="import-table" data-testid="import-hosts">
            <thead>
              <tr>
                <th>{t('inventory.col.name')}</th>
                <th>{t('inventory.col.address')}</th>
                <th>{t('import.groupsCol')}</th>
                <th>{t('inventory.col.role')}</th>
              </tr>
            </thead>
            <tbody>
              {incoming.slice(0, SHOWN).map((h) => (
                <tr key={h.id} data-testid="import-host" data-address={h.address} data-role={h.role}>
                  <td>{h.name}</td>
                  <td>{`${h.address}:${h.port}`}</td>
                  <td>{(source.groups[h.id] ?? []).join(', ') || t('import.noGroups')}</td>
                  <td>{roleWord(h.role)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <More count={incoming.length - SHOWN} />
        </section>
      ) : null}

      {existing.length > 0 ? (
        <section className="import-section">
          <h4>{t('import.modeTitle', { count: existing.length })}</h4>
          <label className="rb-check">
            <input type="radio" name="import-mode" data-testid="import-mode-merge" checked={mode === 'merge'} onChange={() => setMode('merge')} />
            {t('import.modeMerge')}
          </label>
          <label className="rb-check">
            <input type="radio" name="import-mode" data-testid="import-mode-replace" checked={mode === 'replace'} onChange={() => setMode('replace')} />
            {t('import.modeReplace')}
          </label>
          <div className="rb-changes" data-testid="import-changes">
            <ChangeGroup kind="added" hosts={plan.added} />
            <ChangeGroup kind="changed" hosts={plan.changed.map((c) => c.host)}>
              {(h) => {
                const c = plan.changed.find((x) => x.host.id === h.id)!;
                return c.changes
                  .map((f) => t('import.changes.field', { field: fieldLabel(t, f.field), from: shown(t, f.field, f.from), to: shown(t, f.field, f.to) }))
                  .join('; ');
              }}
            </ChangeGroup>
            {mode === 'replace' ? <ChangeGroup kind="removed" hosts={plan.removed} /> : <ChangeGroup kind="kept" hosts={plan.kept} />}
            <ChangeGroup kind="unchanged" hosts={plan.unchanged} />
          </div>
          <p className="muted small">{t('import.keysKept')}</p>
        </section>
      ) : null}

      {noMaster ? (
        <p className="banner banner-warn" data-testid="import-no-master">
          {t('import.noMaster')}
        </p>
      ) : null}
      {tooMany ? (
        <p className="banner banner-danger" role="alert" data-testid="import-too-many">
          {t('import.tooMany', { count: plan.hosts.length, max: MAX_HOSTS_PER_PROJECT })}
        </p>
      ) : null}
      <div className="toolbar">
        <button type="button" className="primary" data-testid="import-confirm" disabled={tooMany} onClick={() => onConfirm(plan, incoming.length)}>
          {t('import.confirm')}
        </button>
        <button type="button" data-testid="import-cancel" onClick={onCancel}>
          {t('import.cancel')}
        </button>
      </div>
    </Modal>
  );
}

type T = ReturnType<typeof useTranslation>['t'];

function fieldLabel(t: T, field: string): string {
  const keys: Record<string, string> = { name: 'inventory.col.name', user: 'inventory.col.user', role: 'inventory.col.role', authMethod: 'inventory.col.auth', keyPath: 'fields.auth_keyPath', jump: 'inventory.jump', bmc: 'inventory.bmc' };
  return t(keys[field] ?? field, { defaultValue: field });
}

function shown(t: T, field: string, value: string): string {
  if (value === '') return t('import.changes.none');
  if (field === 'role') return t(`inventory.role.${value}`, { defaultValue: value });
  if (field === 'authMethod') return t(`inventory.authMethod.${value}`, { defaultValue: value });
  return value;
}

function More({ count }: { count: number }) {
  const { t } = useTranslation();
  return count > 0 ? <p className="muted small">{t('import.more', { count })}</p> : null;
}

function ChangeGroup({ kind, hosts, children }: { kind: 'added' | 'changed' | 'removed' | 'kept' | 'unchanged'; hosts: HostDraft[]; children?: (h: HostDraft) => ReactNode }) {
  const { t } = useTranslation();
  return (
    <div data-testid={`import-changes-${kind}`} data-count={hosts.length}>
      <h5>{t(`import.changes.${kind}`, { count: hosts.length })}</h5>
      {hosts.length > 0 ? (
        <ul className="import-list">
          {hosts.slice(0, SHOWN).map((h) => (
            <li key={h.id} data-testid="import-change" data-kind={kind} data-address={h.address}>
              <span>{h.name ? `${h.name} (${h.address}:${h.port})` : `${h.address}:${h.port}`}</span>
              {children ? <span className="muted"> — {children(h)}</span> : null}
            </li>
          ))}
        </ul>
      ) : null}
      <More count={hosts.length - SHOWN} />
    </div>
  );
}
