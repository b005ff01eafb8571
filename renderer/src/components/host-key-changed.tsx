import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AppError, HostKeyChange } from '../../../electron/contract/index.js';
import { useApi } from '../api/backend-context.js';
import { useAppStore } from '../store/index.js';
import { endpointKey } from '../store/host-key-slice.js';
import { ErrorDetails } from './error-details.js';

/** The key change marked for an inventory host (by its id), if any. */
export function useHostKeyChangeOf(hostId: string): HostKeyChange | undefined {
  return useAppStore((s) => {
    const h = s.hosts.find((x) => x.id === hostId);
    return h ? s.hostKeyChanges[endpointKey(h.address, h.port)] : undefined;
  });
}

/** The "host key changed" badge the inventory, the step runner and the terminal show on a host. */
export function HostKeyChangedMark({ change, testId = 'hostkey-changed-mark' }: { change: HostKeyChange; testId?: string }) {
  const { t } = useTranslation();
  return (
    <span className="badge badge-danger" role="alert" data-testid={testId} title={t('hostkey.blocked', { address: change.address, port: change.port })}>
      {t('hostkey.mark')}
    </span>
  );
}

/** The mark for an inventory host by id (nothing when its key is fine). */
export function HostKeyMarkOf({ hostId, testId }: { hostId: string; testId?: string }) {
  const change = useHostKeyChangeOf(hostId);
  return change ? <HostKeyChangedMark change={change} {...(testId ? { testId } : {})} /> : null;
}

/**
 * The only way past a changed key: both fingerprints side by side, an explicit confirmation that
 * the new one was compared with the server's own, then the backend replaces the key in known_hosts
 * (it accepts only the key the server presented; the mark clears with its `hostkeys.changed` event).
 */
export function HostKeyReplace({ change, onReplaced }: { change: HostKeyChange; onReplaced?: () => void }) {
  const { t } = useTranslation();
  const api = useApi();
  const [compared, setCompared] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const replace = async () => {
    setBusy(true);
    setError(null);
    const r = await api['hostkeys.replace']({ address: change.address, port: change.port, fingerprint: change.fingerprint });
    setBusy(false);
    if (!r.ok) setError(r.error);
    else onReplaced?.();
  };
  return (
    <div className="hostkey-changed" role="alert" data-testid="hostkey-replace">
      <p>
        <strong>{t('hostkey.title', { address: change.address, port: change.port })}</strong>
      </p>
      <p>{t('hostkey.explain')}</p>
      <dl className="small">
        <dt>{t('hostkey.old')}</dt>
        {change.knownFingerprints.map((f) => (
          <dd key={f}>
            <code data-testid="hostkey-old">{f}</code>
          </dd>
        ))}
        <dt>{t('hostkey.new', { keyType: change.keyType })}</dt>
        <dd>
          <code data-testid="hostkey-new">{change.fingerprint}</code>
        </dd>
      </dl>
      <label className="small">
        <input type="checkbox" data-testid="hostkey-compared" checked={compared} onChange={(e) => setCompared(e.target.checked)} />{' '}
        {t('hostkey.compared')}
      </label>{' '}
      <button type="button" className="danger-outline" data-testid="hostkey-replace-confirm" disabled={!compared || busy} onClick={() => void replace()}>
        {busy ? t('hostkey.replacing') : t('hostkey.replace')}
      </button>
      {error ? <ErrorDetails error={error} /> : null}
    </div>
  );
}
