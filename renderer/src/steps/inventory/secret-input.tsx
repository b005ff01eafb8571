import { useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useApi } from '../../api/backend-context.js';
import { localizedError } from '../../components/error-details.js';
import { useAppStore } from '../../store/index.js';

/**
 * A password or key passphrase. What is typed goes straight to the backend's secret store via
 * `secrets.set` and is never copied into React state or the store; the field is emptied when it
 * loses focus, so the DOM does not keep it either. Only "is it set" comes back.
 */
export function SecretInput({
  hostId,
  kind,
  row,
  label: owner,
  testId,
}: {
  hostId: string;
  kind: 'password' | 'passphrase' | 'sudo';
  row: number;
  /** Whose secret, when not a host row's (the bastion). */
  label?: string;
  testId?: string;
}) {
  const { t } = useTranslation();
  const api = useApi();
  const isSet = useAppStore((s) => s.secretFlags[hostId]?.[kind] ?? false);
  const ref = useRef<HTMLInputElement>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const statusId = useId();

  const refreshStatus = async () => {
    const r = await api['secrets.status']({ hostIds: [hostId] });
    if (r.ok) useAppStore.getState().setSecretFlags([hostId], r.value);
  };

  const send = async (value: string) => {
    const r = await api['secrets.set']({ hostId, kind, value });
    setFailure(r.ok ? null : localizedError(t, r.error).message);
  };

  const label = t(`inventory.secretLabel.${kind}`);
  const placeholder = isSet ? t('inventory.secretPlaceholderSet') : t(`inventory.secretHint.${kind}`);

  return (
    <div className="secret-input">
      <input
        ref={ref}
        type="password"
        autoComplete="off"
        spellCheck={false}
        data-testid={`${testId ?? 'host'}-${kind}`}
        aria-label={owner ? `${owner}: ${label}` : t('inventory.cellLabel', { row, field: label })}
        aria-describedby={statusId}
        placeholder={placeholder}
        onChange={(e) => {
          // Sent as typed, in order over one connection, so "Test" right after typing sees it.
          if (e.target.value !== '') void send(e.target.value);
        }}
        onBlur={(e) => {
          if (e.target.value === '') return;
          e.target.value = '';
          void refreshStatus();
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') ref.current?.blur();
        }}
      />
      <span id={statusId} className={isSet ? 'secret-state set' : 'secret-state'} data-testid={`${testId ? `${testId}-` : ''}${kind}-state`} data-set={isSet}>
        {kind === 'password'
          ? isSet
            ? t('inventory.passwordSet')
            : t('inventory.passwordMissing')
          : isSet
            ? t(kind === 'sudo' ? 'inventory.sudoSet' : 'inventory.passphraseSet')
            : ''}
      </span>
      {failure ? (
        <span className="field-error" role="alert">
          {t('inventory.secretFailed', { message: failure })}
        </span>
      ) : null}
    </div>
  );
}
