import { useTranslation } from 'react-i18next';
import { useApi } from '../../api/backend-context.js';
import { useAppStore } from '../../store/index.js';
import { localizedError } from '../../components/error-details.js';
import { HostKeyChangedMark, HostKeyReplace, useHostKeyChangeOf } from '../../components/host-key-changed.js';
import { testConnections, trustAndRetest, validInventory } from './actions.js';

export function StatusCell({ hostId }: { hostId: string }) {
  const { t } = useTranslation();
  const result = useAppStore((s) => s.results[hostId]);
  const testing = useAppStore((s) => s.testing[hostId] === true);
  const status = testing ? 'testing' : (result?.status ?? 'untested');
  return (
    <div data-testid="host-status" data-status={status} className={`host-status status-${status}`} aria-live="polite">
      {testing ? (
        <span className="badge badge-busy">
          <span className="spinner" aria-hidden="true" />
          {t('conn.testing')}
        </span>
      ) : result ? (
        <>
          <span className={`badge badge-${severityOf(result.status)}`}>{t(`conn.status.${result.status}`)}</span>
          <span className="status-help">{t(`conn.help.${result.status}`)}</span>
          {result.message && result.status !== 'ok' && result.status !== 'hostkey-unknown' ? (
            <span className="status-detail">{localizedError(t, { code: 'internal', message: result.message, reason: result.reason, params: result.params }).message}</span>
          ) : null}
        </>
      ) : (
        <span className="badge badge-muted">{t('conn.untested')}</span>
      )}
    </div>
  );
}

export function HostnameCell({ hostId }: { hostId: string }) {
  const hostname = useAppStore((s) => s.results[hostId]?.hostname);
  return <span data-testid="host-hostname">{hostname ?? ''}</span>;
}

export function OsCell({ hostId }: { hostId: string }) {
  const os = useAppStore((s) => s.results[hostId]?.os);
  const kernel = useAppStore((s) => s.results[hostId]?.kernel);
  return (
    <span data-testid="host-os" title={kernel}>
      {os ?? ''}
    </span>
  );
}

export function FingerprintCell({ hostId }: { hostId: string }) {
  const { t } = useTranslation();
  const api = useApi();
  const result = useAppStore((s) => s.results[hostId]);
  const testing = useAppStore((s) => s.testing[hostId] === true);
  const changed = useHostKeyChangeOf(hostId);
  return (
    <div className="fingerprint-cell">
      <code data-testid="host-fingerprint" className="fingerprint">
        {result?.fingerprint ?? ''}
      </code>
      {result?.keyType ? <span className="muted small"> {result.keyType}</span> : null}
      {/* The fingerprint is the jump host's: say so, or it would be compared with the wrong machine. */}
      {result?.keyAddress && result.fingerprint ? (
        <p className="small" data-testid="key-of-jump">
          {t('conn.keyOfJump', { address: `${result.keyAddress}:${result.keyPort ?? 22}` })}
        </p>
      ) : null}
      {result?.acceptedNew ? (
        <p className="muted small" data-testid="key-accepted-new">
          {t('conn.acceptedNew')}
        </p>
      ) : null}
      {result?.status === 'hostkey-unknown' && result.fingerprint ? (
        <div className="hostkey-note" data-testid="hostkey-unknown-note">
          <p>{t('conn.newKeyNote')}</p>
          <button
            type="button"
            data-testid="trust-host"
            disabled={testing}
            aria-label={t('conn.trustLabel', { address: result.keyAddress ?? result.address })}
            onClick={() => void trustAndRetest(api, [hostId])}
          >
            {testing ? t('conn.trusting') : t('conn.trust')}
          </button>
        </div>
      ) : null}
      {changed ? (
        <>
          <HostKeyChangedMark change={changed} />
          {/* Re-tested once replaced, so the row's status no longer says CHANGED. */}
          <HostKeyReplace change={changed} onReplaced={() => void testConnections(api, validInventory().hosts.filter((h) => h.id === hostId))} />
        </>
      ) : result?.status === 'hostkey-changed' ? (
        <div className="hostkey-changed" role="alert" data-testid="hostkey-changed-warning">
          <p>
            <strong>{t('conn.changedWarning')}</strong>
          </p>
          <p>{t('conn.changedHelp')}</p>
        </div>
      ) : null}
    </div>
  );
}

function severityOf(status: string): 'ok' | 'warn' | 'danger' {
  if (status === 'ok') return 'ok';
  if (status === 'hostkey-unknown' || status === 'secret-missing') return 'warn';
  return 'danger';
}
