import { useId, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { bmcSecretId, jumpSecretId, type AppError, type FieldIssue } from '../../../../electron/contract/index.js';
import { useApi } from '../../api/backend-context.js';
import { ErrorDetails } from '../../components/error-details.js';
import { formatIssue } from '../../lib/format-issue.js';
import { BMC_USER_MAX, newBmcDraft, newJumpDraft, type BmcDraft, type HostDraft, type JumpDraft } from '../../lib/host-draft.js';
import type { IssueColumn } from '../../lib/issues.js';
import { useAppStore } from '../../store/index.js';
import { FingerprintCell, HostnameCell, OsCell, StatusCell } from './connection-cells.js';
import { ClusterLeaveDialog } from './cluster-leave-dialog.js';
import { SecretInput } from './secret-input.js';

interface Props {
  host: HostDraft;
  row: number;
  issues: Map<IssueColumn, FieldIssue[]> | undefined;
  /** Set when the table is windowed: reports this row's height. */
  measureRow?: ((el: HTMLElement | null) => void) | undefined;
}

/** Column names by language: a row's 18 cell labels would look each one up again (issue 21: 100 rows). */
const columnNames = new Map<string, string>();
function columnName(t: (key: string) => string, lang: string, field: string): string {
  const key = `${lang}\u0000${field}`;
  let name = columnNames.get(key);
  if (name === undefined) {
    name = t(`inventory.col.${field}`);
    columnNames.set(key, name);
  }
  return name;
}

export function HostRow({ host, row, issues, measureRow }: Props) {
  const { t, i18n } = useTranslation();
  const updateHost = useAppStore((s) => s.updateHost);
  const removeHost = useAppStore((s) => s.removeHost);
  const testing = useAppStore((s) => s.testing[host.id] === true);
  const idBase = useId();
  const api = useApi();
  const [leaving, setLeaving] = useState<{ dir: string } | null>(null);
  const [checking, setChecking] = useState(false);
  const [removeError, setRemoveError] = useState<AppError | null>(null);

  // A member of the built cluster leaves it first (issue 19); any other host is removed at once.
  const remove = async () => {
    const dir = useAppStore.getState().projectDir.trim();
    if (dir === '') return removeHost(host.id);
    setChecking(true);
    setRemoveError(null);
    const r = await api['cluster.members']({ dir });
    setChecking(false);
    if (!r.ok) return setRemoveError(r.error);
    if (r.value.members.some((m) => m.hostId === host.id)) setLeaving({ dir });
    else removeHost(host.id);
  };

  // The inputs are narrow: a long value (an FQDN, a key path) is cut on screen, so each input
  // carries its whole value as its title (issue 21).
  const label = (field: string) => t('inventory.cellLabel', { row, field: columnName(t, i18n.resolvedLanguage ?? '', field) });
  const errorsOf = (col: IssueColumn) => issues?.get(col) ?? [];
  const errorId = (col: IssueColumn) => `${idBase}-${col}-err`;
  const invalid = (col: IssueColumn) =>
    errorsOf(col).length > 0 ? { 'aria-invalid': true as const, 'aria-describedby': errorId(col) } : {};

  return (
    <tr
      ref={measureRow}
      aria-rowindex={row + 1}
      data-row-key={host.id}
      data-testid="host-row"
      data-address={host.address}
      data-host-id={host.id}
      aria-busy={testing}
      className={issues && issues.size > 0 ? 'host-row has-issues' : 'host-row'}
    >
      <td className="row-number">
        {row}
        <FieldErrors id={errorId('row')} issues={errorsOf('row')} />
      </td>
      <td>
        <input
          className="w-name"
          data-testid="host-name"
          aria-label={label('name')}
          value={host.name}
          title={host.name || undefined}
          onChange={(e) => updateHost(host.id, { name: e.target.value })}
          {...invalid('name')}
        />
        <FieldErrors id={errorId('name')} issues={errorsOf('name')} />
      </td>
      <td>
        <input
          className="w-address mono"
          data-testid="host-address"
          aria-label={label('address')}
          value={host.address}
          title={host.address || undefined}
          spellCheck={false}
          onChange={(e) => updateHost(host.id, { address: e.target.value })}
          {...invalid('address')}
        />
        <FieldErrors id={errorId('address')} issues={errorsOf('address')} />
      </td>
      <td>
        <input
          className="w-port mono"
          data-testid="host-port"
          aria-label={label('port')}
          inputMode="numeric"
          value={host.port}
          onChange={(e) => updateHost(host.id, { port: e.target.value })}
          {...invalid('port')}
        />
        <FieldErrors id={errorId('port')} issues={errorsOf('port')} />
      </td>
      <td>
        <input
          className="w-user mono"
          data-testid="host-user"
          aria-label={label('user')}
          value={host.user}
          title={host.user || undefined}
          spellCheck={false}
          autoComplete="off"
          onChange={(e) => updateHost(host.id, { user: e.target.value })}
          {...invalid('user')}
        />
        <FieldErrors id={errorId('user')} issues={errorsOf('user')} />
      </td>
      <td>
        <div className="auth-cell">
          <select
            data-testid="host-auth"
            aria-label={label('auth')}
            value={host.authMethod}
            onChange={(e) => updateHost(host.id, { authMethod: e.target.value === 'key' || e.target.value === 'agent' ? e.target.value : 'password' })}
          >
            <option value="password">{t('inventory.authMethod.password')}</option>
            <option value="key">{t('inventory.authMethod.key')}</option>
            <option value="agent">{t('inventory.authMethod.agent')}</option>
          </select>
          {host.authMethod === 'key' ? (
            <>
              <input
                className="w-keypath mono"
                data-testid="host-keypath"
                aria-label={t('inventory.cellLabel', { row, field: t('inventory.keyPath') })}
                placeholder={t('inventory.keyPathPlaceholder')}
                value={host.keyPath}
                title={host.keyPath || undefined}
                spellCheck={false}
                onChange={(e) => updateHost(host.id, { keyPath: e.target.value })}
                {...(errorsOf('auth').some((i) => i.field.startsWith('auth')) ? invalid('auth') : {})}
              />
              <SecretInput hostId={host.id} kind="passphrase" row={row} />
            </>
          ) : host.authMethod === 'password' ? (
            <SecretInput hostId={host.id} kind="password" row={row} />
          ) : null}
          <JumpEditor host={host} row={row} />
          <BmcEditor host={host} row={row} />
          {/* Not root: steps run privileged commands through sudo, which may want a password. */}
          {host.user.trim() !== 'root' ? <SecretInput hostId={host.id} kind="sudo" row={row} /> : null}
          <FieldErrors id={errorId('auth')} issues={errorsOf('auth')} />
        </div>
      </td>
      <td>
        <select
          data-testid="host-role"
          aria-label={label('role')}
          value={host.role}
          onChange={(e) => updateHost(host.id, { role: e.target.value === 'master' ? 'master' : 'worker' })}
          {...invalid('role')}
        >
          <option value="master">{t('inventory.role.master')}</option>
          <option value="worker">{t('inventory.role.worker')}</option>
        </select>
        <FieldErrors id={errorId('role')} issues={errorsOf('role')} />
      </td>
      <td className="status-cell">
        <StatusCell hostId={host.id} />
      </td>
      <td>
        <HostnameCell hostId={host.id} />
      </td>
      <td>
        <OsCell hostId={host.id} />
      </td>
      <td>
        <FingerprintCell hostId={host.id} />
      </td>
      <td>
        <button
          type="button"
          className="danger-outline"
          data-testid="remove-host"
          aria-label={t('inventory.removeLabel', { row })}
          disabled={testing || checking}
          onClick={() => void remove()}
        >
          {t('inventory.remove')}
        </button>
        {removeError ? (
          <div className="message message-error small" role="alert" data-testid="remove-host-error">
            <ErrorDetails error={removeError} />
          </div>
        ) : null}
        {leaving ? (
          <ClusterLeaveDialog
            dir={leaving.dir}
            hostId={host.id}
            host={host.name || host.address}
            onCancel={() => setLeaving(null)}
            onLeft={() => {
              setLeaving(null);
              removeHost(host.id);
            }}
          />
        ) : null}
      </td>
    </tr>
  );
}

/**
 * The host's own jump host (overrides the project's bastion). Its errors show with the login
 * cell's (`jump.*` fields); its password or passphrase goes to the secret store under
 * `jumpSecretId(host.id)`, like the bastion's under its own id.
 */
function JumpEditor({ host, row }: { host: HostDraft; row: number }) {
  const { t } = useTranslation();
  const updateHost = useAppStore((s) => s.updateHost);
  const jump = host.jump;
  const label = (key: string) => t('inventory.cellLabel', { row, field: t(`inventory.${key}`) });
  if (!jump) {
    return (
      <button type="button" className="link-button" data-testid="jump-add" aria-label={label('jumpAdd')} onClick={() => updateHost(host.id, { jump: newJumpDraft() })}>
        {t('inventory.jumpAdd')}
      </button>
    );
  }
  const set = (patch: Partial<JumpDraft>) => updateHost(host.id, { jump: { ...jump, ...patch } });
  return (
    <fieldset className="jump-editor" data-testid="jump-editor">
      <legend>{t('inventory.jump')}</legend>
      <input
        className="w-address mono"
        data-testid="jump-address"
        aria-label={label('jumpAddress')}
        placeholder={t('inventory.jumpAddress')}
        spellCheck={false}
        value={jump.address}
        title={jump.address || undefined}
        onChange={(e) => set({ address: e.target.value })}
      />
      <input
        className="w-port mono"
        data-testid="jump-port"
        aria-label={label('jumpPort')}
        inputMode="numeric"
        value={jump.port}
        onChange={(e) => set({ port: e.target.value })}
      />
      <input
        className="w-user mono"
        data-testid="jump-user"
        aria-label={label('jumpUser')}
        spellCheck={false}
        autoComplete="off"
        value={jump.user}
        title={jump.user || undefined}
        onChange={(e) => set({ user: e.target.value })}
      />
      <select
        data-testid="jump-auth"
        aria-label={label('jumpAuth')}
        value={jump.authMethod}
        onChange={(e) => set({ authMethod: e.target.value === 'key' || e.target.value === 'agent' ? e.target.value : 'password' })}
      >
        <option value="password">{t('inventory.authMethod.password')}</option>
        <option value="key">{t('inventory.authMethod.key')}</option>
        <option value="agent">{t('inventory.authMethod.agent')}</option>
      </select>
      {jump.authMethod === 'key' ? (
        <input
          className="w-keypath mono"
          data-testid="jump-keypath"
          aria-label={label('jumpKeyPath')}
          placeholder={t('inventory.keyPathPlaceholder')}
          spellCheck={false}
          value={jump.keyPath}
          title={jump.keyPath || undefined}
          onChange={(e) => set({ keyPath: e.target.value })}
        />
      ) : null}
      {jump.authMethod !== 'agent' ? (
        <SecretInput
          hostId={jumpSecretId(host.id)}
          kind={jump.authMethod === 'key' ? 'passphrase' : 'password'}
          row={row}
          label={t('inventory.cellLabel', { row, field: t('inventory.jump') })}
          testId="jump"
        />
      ) : null}
      <button type="button" className="danger-outline" data-testid="jump-remove" aria-label={label('jumpRemove')} onClick={() => updateHost(host.id, { jump: undefined })}>
        {t('inventory.jumpRemove')}
      </button>
    </fieldset>
  );
}

/**
 * The host's BMC (IPMI over LAN), for fencing. Its errors show with the login cell's (`bmc.*`
 * fields); its password goes to the secret store under `bmcSecretId(host.id)`, never into
 * project.yaml, and is deleted from the store when the BMC is removed.
 */
function BmcEditor({ host, row }: { host: HostDraft; row: number }) {
  const { t } = useTranslation();
  const api = useApi();
  const updateHost = useAppStore((s) => s.updateHost);
  const bmc = host.bmc;
  const label = (key: string) => t('inventory.cellLabel', { row, field: t(`inventory.${key}`) });
  if (!bmc) {
    return (
      <button type="button" className="link-button" data-testid="bmc-add" aria-label={label('bmcAdd')} onClick={() => updateHost(host.id, { bmc: newBmcDraft() })}>
        {t('inventory.bmcAdd')}
      </button>
    );
  }
  const set = (patch: Partial<BmcDraft>) => updateHost(host.id, { bmc: { ...bmc, ...patch } });
  const remove = () => {
    updateHost(host.id, { bmc: undefined });
    // An empty value deletes the stored password: a BMC removed leaves no secret behind.
    void api['secrets.set']({ hostId: bmcSecretId(host.id), kind: 'password', value: '' }).then(() =>
      api['secrets.status']({ hostIds: [bmcSecretId(host.id)] }).then((r) => {
        if (r.ok) useAppStore.getState().setSecretFlags([bmcSecretId(host.id)], r.value);
      }),
    );
  };
  return (
    <fieldset className="jump-editor" data-testid="bmc-editor">
      <legend>{t('inventory.bmc')}</legend>
      <input
        className="w-address mono"
        data-testid="bmc-address"
        aria-label={label('bmcAddress')}
        placeholder={t('inventory.bmcAddress')}
        spellCheck={false}
        maxLength={253}
        value={bmc.address}
        title={bmc.address || undefined}
        onChange={(e) => set({ address: e.target.value })}
      />
      <input
        className="w-port mono"
        data-testid="bmc-port"
        aria-label={label('bmcPort')}
        inputMode="numeric"
        maxLength={5}
        value={bmc.port}
        onChange={(e) => set({ port: e.target.value })}
      />
      <input
        className="w-user mono"
        data-testid="bmc-user"
        aria-label={label('bmcUser')}
        placeholder={t('inventory.bmcUserHint', { max: BMC_USER_MAX })}
        spellCheck={false}
        autoComplete="off"
        maxLength={BMC_USER_MAX}
        value={bmc.user}
        title={bmc.user || undefined}
        onChange={(e) => set({ user: e.target.value })}
      />
      <SecretInput hostId={bmcSecretId(host.id)} kind="password" row={row} label={t('inventory.cellLabel', { row, field: t('inventory.bmcPassword') })} testId="bmc" />
      <button type="button" className="danger-outline" data-testid="bmc-remove" aria-label={label('bmcRemove')} onClick={remove}>
        {t('inventory.bmcRemove')}
      </button>
    </fieldset>
  );
}

/** Nothing for a cell without issues (most of them), without a component (and its hooks) per cell. */
function FieldErrors({ id, issues }: { id: string; issues: FieldIssue[] }): ReactNode {
  return issues.length === 0 ? null : <FieldErrorList id={id} issues={issues} />;
}

function FieldErrorList({ id, issues }: { id: string; issues: FieldIssue[] }): ReactNode {
  const { t } = useTranslation();
  return (
    <div id={id} className="field-errors">
      {issues.map((issue, i) => (
        <p key={i} className="field-error" data-testid="field-error" data-row={issue.row} data-field={issue.field}>
          {formatIssue(t, issue)}
        </p>
      ))}
    </div>
  );
}
