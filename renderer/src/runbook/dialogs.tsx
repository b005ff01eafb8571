import { useId, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { AppError, PlanView } from '../../../electron/contract/index.js';
import { ErrorDetails } from '../components/error-details.js';
import { formatChange } from '../lib/format-issue.js';

/** A modal dialog: focus goes to its first field, Escape cancels. */
/** The runner's modal frame (overlay, dialog role, title, Escape cancels); steps' own confirmations use it too. */
export function Modal({ testId, title, children, onCancel }: { testId: string; title: string; children: ReactNode; onCancel: () => void }) {
  const titleId = useId();
  return (
    <div className="rb-overlay" onKeyDown={(e) => e.key === 'Escape' && onCancel()}>
      <div className="rb-dialog" role="dialog" aria-modal="true" aria-labelledby={titleId} data-testid={testId}>
        <h3 id={titleId}>{title}</h3>
        {children}
      </div>
    </div>
  );
}

/**
 * Reason + name, both required: used to waive a blocking finding, to withdraw a waiver and to skip a failed action.
 * What was typed is journaled as is and shows in the report.
 */
export function ReasonDialog({
  kind,
  subject,
  defaultName,
  onSubmit,
  onCancel,
}: {
  kind: 'waiver' | 'skip' | 'withdraw';
  subject: string;
  defaultName: string;
  onSubmit: (reason: string, technician: string) => Promise<AppError | null>;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const [reason, setReason] = useState('');
  const [name, setName] = useState(defaultName);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const reasonId = useId();
  const nameId = useId();
  const valid = reason.trim().length >= 3 && name.trim().length > 0;
  return (
    <Modal testId={`${kind}-dialog`} title={t(`runbook.${kind}.title`)} onCancel={onCancel}>
      <p className="rb-subject">{subject}</p>
      <label htmlFor={reasonId}>{t(`runbook.${kind}.reason`)}</label>
      <textarea id={reasonId} data-testid={`${kind}-reason`} value={reason} rows={3} maxLength={2000} autoFocus onChange={(e) => setReason(e.target.value)} />
      <label htmlFor={nameId}>{t('runbook.technicianName')}</label>
      <input id={nameId} data-testid={`${kind}-technician`} value={name} maxLength={200} onChange={(e) => setName(e.target.value)} />
      {!valid ? <p className="muted small">{t('runbook.reasonRequired')}</p> : null}
      {error ? (
        <div className="message message-error" role="alert">
          <ErrorDetails error={error} />
        </div>
      ) : null}
      <div className="toolbar">
        <button
          type="button"
          className="primary"
          data-testid={`${kind}-submit`}
          disabled={!valid || busy}
          onClick={() => {
            setBusy(true);
            void onSubmit(reason.trim(), name.trim()).then((e) => {
              setBusy(false);
              setError(e);
            });
          }}
        >
          {t(`runbook.${kind}.submit`)}
        </button>
        <button type="button" data-testid={`${kind}-cancel`} onClick={onCancel}>
          {t('runbook.cancelDialog')}
        </button>
      </div>
    </Modal>
  );
}

/** Lists exactly what a destructive plan changes, host by host; Run sends this list back as the confirmation. */
export function ConfirmChangesDialog({ plan, onConfirm, onCancel }: { plan: PlanView; onConfirm: () => void; onCancel: () => void }) {
  const { t } = useTranslation();
  const [ticked, setTicked] = useState(false);
  const name = (id: string) => plan.hosts.find((h) => h.hostId === id)?.name || plan.hosts.find((h) => h.hostId === id)?.address || id;
  return (
    <Modal testId="confirm-dialog" title={t('runbook.confirm.title')} onCancel={onCancel}>
      <p>{t('runbook.confirm.intro', { count: plan.changes.length })}</p>
      <ul className="rb-changes" data-testid="confirm-changes">
        {plan.changes.map((c, i) => (
          <li key={i} data-testid="confirm-change">
            <strong>{name(c.hostId)}</strong> · {c.actionId}: {formatChange(t, c)}
          </li>
        ))}
      </ul>
      <label className="rb-check">
        <input type="checkbox" data-testid="confirm-tick" checked={ticked} onChange={(e) => setTicked(e.target.checked)} />
        {t('runbook.confirm.tick')}
      </label>
      <div className="toolbar">
        <button type="button" className="danger" data-testid="confirm-run" disabled={!ticked} onClick={onConfirm}>
          {t('runbook.confirm.run')}
        </button>
        <button type="button" data-testid="confirm-cancel" onClick={onCancel}>
          {t('runbook.cancelDialog')}
        </button>
      </div>
    </Modal>
  );
}

/** Taking over a stale lock: says whose it is and how old its heartbeat is. */
export function TakeOverDialog({ holder, host, onConfirm, onCancel }: { holder: { laptop: string; pid: number; runId: string; heartbeatAgeS: number }; host: string; onConfirm: () => void; onCancel: () => void }) {
  const { t } = useTranslation();
  return (
    <Modal testId="takeover-dialog" title={t('runbook.takeover.title')} onCancel={onCancel}>
      <p>{t('runbook.takeover.body', { host, laptop: holder.laptop, pid: holder.pid, run: holder.runId, age: holder.heartbeatAgeS })}</p>
      <div className="toolbar">
        <button type="button" className="danger" data-testid="takeover-confirm" onClick={onConfirm}>
          {t('runbook.takeover.confirm')}
        </button>
        <button type="button" onClick={onCancel}>
          {t('runbook.cancelDialog')}
        </button>
      </div>
    </Modal>
  );
}
