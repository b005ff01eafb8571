import { useId, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { AppError, PlanView } from '../../../electron/contract/index.js';
import { ErrorDetails } from '../components/error-details.js';
import { canConfirm, changeParams, tickEachIndexes } from './confirm-changes.js';

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
  detail,
  defaultName,
  onSubmit,
  onCancel,
}: {
  kind: 'waiver' | 'skip' | 'withdraw';
  subject: string;
  /** What the dialog applies to beyond its subject (a group waiver: how many hosts). */
  detail?: string;
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
      {detail ? (
        <p className="small" data-testid={`${kind}-scope`}>
          {detail}
        </p>
      ) : null}
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

/**
 * Lists exactly what a destructive plan changes, host by host; Run sends this list back as the
 * confirmation. A change with a code is worded in the technician's language from `changes.<code>`;
 * a change marked `tickEach` (a disk to wipe) needs its own tick besides the list's.
 */
export function ConfirmChangesDialog({ plan, onConfirm, onCancel }: { plan: PlanView; onConfirm: () => void; onCancel: () => void }) {
  const { t } = useTranslation();
  const [ticked, setTicked] = useState(false);
  const [each, setEach] = useState<ReadonlySet<number>>(new Set());
  const name = (id: string) => plan.hosts.find((h) => h.hostId === id)?.name || plan.hosts.find((h) => h.hostId === id)?.address || id;
  const toggle = (i: number, on: boolean) =>
    setEach((prev) => {
      const next = new Set(prev);
      if (on) next.add(i);
      else next.delete(i);
      return next;
    });
  const text = (c: PlanView['changes'][number]) => (c.code ? t(`changes.${c.code}`, { ...changeParams(c.params), defaultValue: c.change }) : c.change);
  const perChange = tickEachIndexes(plan.changes).length;
  return (
    <Modal testId="confirm-dialog" title={t('runbook.confirm.title')} onCancel={onCancel}>
      <p>{t('runbook.confirm.intro', { count: plan.changes.length })}</p>
      {perChange > 0 ? <p className="rb-tick-each-note">{t('runbook.confirm.tickEachNote', { count: perChange })}</p> : null}
      <ul className="rb-changes" data-testid="confirm-changes">
        {plan.changes.map((c, i) => (
          <li key={i} data-testid="confirm-change" data-code={c.code ?? ''} data-serial={typeof c.params?.serial === 'string' ? c.params.serial : ''}>
            {c.tickEach ? (
              <label className="rb-check rb-change-tick">
                <input type="checkbox" data-testid="confirm-change-tick" checked={each.has(i)} onChange={(e) => toggle(i, e.target.checked)} />
                <span>
                  <strong>{name(c.hostId)}</strong> · {text(c)}
                </span>
              </label>
            ) : (
              <>
                <strong>{name(c.hostId)}</strong> · {c.code ? text(c) : `${c.actionId}: ${c.change}`}
              </>
            )}
          </li>
        ))}
      </ul>
      <label className="rb-check">
        <input type="checkbox" data-testid="confirm-tick" checked={ticked} onChange={(e) => setTicked(e.target.checked)} />
        {t('runbook.confirm.tick')}
      </label>
      <div className="toolbar">
        <button type="button" className="danger" data-testid="confirm-run" disabled={!canConfirm(plan.changes, ticked, each)} onClick={onConfirm}>
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
