import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AppError } from '../../../../electron/contract/index.js';
import { useApi } from '../../api/backend-context.js';
import { ErrorDetails } from '../../components/error-details.js';
import { Modal } from '../../runbook/dialogs.js';
import '../../runbook/runbook.css';

/**
 * Removing a host that is a member of the built cluster: says what will happen, runs
 * `cluster.leave`, and calls `onLeft` (which removes the row) only when the node left. A failure
 * stays on screen and nothing is removed.
 */
export function ClusterLeaveDialog({ dir, hostId, host, onLeft, onCancel }: { dir: string; hostId: string; host: string; onLeft: () => void; onCancel: () => void }) {
  const { t } = useTranslation();
  const api = useApi();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const leave = async () => {
    setBusy(true);
    setError(null);
    const r = await api['cluster.leave']({ dir, hostId });
    setBusy(false);
    if (r.ok) onLeft();
    else setError(r.error);
  };
  return (
    <Modal testId="cluster-leave-dialog" title={t('join.leave.title', { host })} onCancel={() => !busy && onCancel()}>
      <p>{t('join.leave.body', { host })}</p>
      <p className="small">{t('join.leave.after', { host })}</p>
      {busy ? (
        <p className="small" role="status" data-testid="cluster-leave-running">
          {t('join.leave.running', { host })}
        </p>
      ) : null}
      {error ? (
        <div className="message message-error" role="alert" data-testid="cluster-leave-error">
          <p>{t('join.leave.failed', { host })}</p>
          <ErrorDetails error={error} />
        </div>
      ) : null}
      <div className="toolbar">
        <button type="button" className="danger" data-testid="cluster-leave-confirm" disabled={busy} onClick={() => void leave()}>
          {t('join.leave.confirm')}
        </button>
        <button type="button" data-testid="cluster-leave-cancel" disabled={busy} onClick={onCancel}>
          {t('join.leave.cancel')}
        </button>
      </div>
    </Modal>
  );
}
