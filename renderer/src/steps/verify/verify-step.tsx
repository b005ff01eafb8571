import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { VERIFICATION_STEP, validateVerifyPlan, verifyPlanSchema, type AppError, type VerifyPlanIssue } from '../../../../electron/contract/index.js';
import { useApi } from '../../api/backend-context.js';
import { ErrorDetails } from '../../components/error-details.js';
import { StepRunner } from '../../runbook/step-runner.js';
import { useAppStore } from '../../store/index.js';
import { DrillPanel } from './drill-panel.js';
import { draftFromPlan, planFromDraft, type VerifyDraft } from './verify-draft.js';
import '../network/network.css';
import './verify.css';

/** Wizard step 7: the verification plan, the verification run, then the opt-in failover drill. */
export function VerifyStep() {
  const { t } = useTranslation();
  const dir = useAppStore((s) => s.projectDir.trim());
  return (
    <div className="step-page verify-step" data-testid="verify-step">
      <h1>{t('verify.page.title')}</h1>
      {dir === '' ? <p className="muted">{t('runbook.needsProject')}</p> : null}
      <VerifyPlanPanel />
      <StepRunner stepId={VERIFICATION_STEP} />
      <DrillPanel key={dir} />
    </div>
  );
}

/** A plan issue in the technician's language, from its code (verify.issue.<code>); English fallback. */
export function verifyIssueText(t: TFunction, i: Pick<VerifyPlanIssue, 'code' | 'message' | 'params' | 'field'>): string {
  return t(`verify.issue.${i.code}`, { field: i.field, message: i.message, ...(i.params ?? {}), defaultValue: i.message });
}

function VerifyPlanPanel() {
  const { t } = useTranslation();
  const api = useApi();
  const dir = useAppStore((s) => s.projectDir.trim());
  const hosts = useAppStore((s) => s.hosts);
  const saved = useAppStore((s) => s.extras.verify);
  const [draft, setDraft] = useState<VerifyDraft>(() => draftFromPlan(saved));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const [savedPath, setSavedPath] = useState<string | null>(null);
  // A project opened (or another window's save) brings its own plan into the form (adjusted while
  // rendering, React's pattern for state that follows a prop).
  const [shown, setShown] = useState(saved);
  if (shown !== saved) {
    setShown(saved);
    setDraft(draftFromPlan(saved));
  }

  const hostIds = useMemo(() => hosts.map((h) => h.id), [hosts]);
  const issues = useMemo(() => validateVerifyPlan(planFromDraft(draft), hostIds), [draft, hostIds]);
  const bad = (field: string) => issues.some((i) => i.field === field || i.field.startsWith(`${field}.`));
  const update = (patch: Partial<VerifyDraft>) => {
    setSavedPath(null);
    setDraft((d) => ({ ...d, ...patch }));
  };

  const save = async () => {
    setBusy(true);
    setError(null);
    const plan = verifyPlanSchema.parse(planFromDraft(draft));
    const r = await api['verify.savePlan']({ dir, plan });
    setBusy(false);
    if (!r.ok) return setError(r.error);
    const s = useAppStore.getState();
    s.setExtras({ verify: plan });
    s.markSaved(r.value.path, r.value.revision);
    setSavedPath(r.value.path);
  };

  return (
    <section className="panel net-plan" data-testid="verify-plan">
      <div className="panel-header">
        <h2>{t('verify.page.planTitle')}</h2>
        <button type="button" className="primary" data-testid="verify-save-plan" disabled={busy || !dir || issues.length > 0} onClick={() => void save()}>
          {t('verify.page.save')}
        </button>
      </div>
      <div className="net-cluster">
        <label className="net-field">
          <span>{t('verify.page.rto')}</span>
          <input className={`net-in-s ${bad('rtoS') ? 'invalid' : ''}`} data-testid="verify-rto" inputMode="numeric" value={draft.rtoS} onChange={(e) => update({ rtoS: e.target.value })} />
        </label>
        <label className="net-field">
          <span>{t('verify.page.clockOffset')}</span>
          <input className={`net-in-s ${bad('maxClockOffsetMs') ? 'invalid' : ''}`} data-testid="verify-clock-offset" inputMode="numeric" value={draft.maxClockOffsetMs} onChange={(e) => update({ maxClockOffsetMs: e.target.value })} />
        </label>
      </div>
      <fieldset className="net-cluster" data-testid="verify-reboot">
        <legend>{t('verify.page.rebootHosts')}</legend>
        <div className="net-field">
          {hosts.map((h) => (
            <label key={h.id}>
              <input
                type="checkbox"
                data-testid="verify-reboot-host"
                data-host-id={h.id}
                checked={draft.rebootHosts.includes(h.id)}
                // Kept in inventory order, so the saved list does not depend on the order of the clicks.
                onChange={(e) => update({ rebootHosts: e.target.checked ? hostIds.filter((id) => id === h.id || draft.rebootHosts.includes(id)) : draft.rebootHosts.filter((id) => id !== h.id) })}
              />{' '}
              {h.name || h.address} <span className="muted small">{t(`inventory.role.${h.role}`)}</span>
            </label>
          ))}
          <span className="muted small">{draft.rebootHosts.length === 0 ? t('verify.page.rebootNone') : t('verify.page.rebootSome', { count: draft.rebootHosts.length })}</span>
          {/* Saved ids no longer in the inventory stay listed, so the technician sees why the plan is refused. */}
          {draft.rebootHosts.filter((id) => !hostIds.includes(id)).map((id) => (
            <label key={id} className="net-bad small">
              <input type="checkbox" checked onChange={() => update({ rebootHosts: draft.rebootHosts.filter((x) => x !== id) })} /> {id}
            </label>
          ))}
        </div>
      </fieldset>
      {issues.length > 0 ? (
        <ul className="net-issues" data-testid="verify-issues">
          {issues.map((i, k) => (
            <li key={k} data-testid="verify-issue" data-code={i.code} data-field={i.field}>
              {verifyIssueText(t, i)}
            </li>
          ))}
        </ul>
      ) : (
        <p className="net-ok small" data-testid="verify-valid">{t('verify.page.valid')}</p>
      )}
      {savedPath ? <p className="net-ok small" data-testid="verify-saved">{t('verify.page.saved', { path: savedPath })}</p> : null}
      {error ? (
        <div className="message message-error" role="alert" data-testid="verify-error">
          <ErrorDetails error={error} />
        </div>
      ) : null}
    </section>
  );
}
