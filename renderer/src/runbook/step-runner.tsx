import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import type { FindingView, HostRun, LockHolder, RacksideApi, Result } from '../../../electron/contract/index.js';
import { useApi } from '../api/backend-context.js';
import { ErrorDetails, localizedError } from '../components/error-details.js';
import { formatFinding } from '../lib/format-issue.js';
import { HostKeyMarkOf } from '../components/host-key-changed.js';
import { useAppStore } from '../store/index.js';
import { ConfirmChangesDialog, ReasonDialog, TakeOverDialog } from './dialogs.js';
import { phaseProgress } from './phase-progress.js';
import './runbook.css';

type DialogState =
  | { kind: 'waiver'; finding: FindingView }
  | { kind: 'withdraw'; finding: FindingView }
  | { kind: 'skip'; host: HostRun; actionId: string }
  | { kind: 'confirm' }
  | { kind: 'takeover'; host: HostRun; holder: LockHolder }
  | null;

async function refreshState(api: RacksideApi, dir: string) {
  const r = await api['runbook.state']({ dir });
  if (r.ok) useAppStore.getState().setRunbookSteps(r.value.steps);
  return r;
}

/**
 * The generic step runner: dry-run preview (exportable), run with per-host progress, cancel,
 * retry / skip per host, findings with waivers, resume after an interruption. Works for any
 * registered step module; the backend runs the saved project, so a dirty project must be saved.
 */
export function StepRunner({ stepId }: { stepId: string }) {
  const { t } = useTranslation();
  const api = useApi();
  const dir = useAppStore((s) => s.projectDir.trim());
  const dirty = useAppStore((s) => s.dirty);
  const hostCount = useAppStore((s) => s.hosts.length);
  const backendState = useAppStore((s) => s.backendState);
  const planEntry = useAppStore((s) => s.runbookPlans[stepId]);
  const run = useAppStore((s) => s.runbookRuns[stepId]);
  const stepState = useAppStore((s) => s.runbookSteps[stepId]);
  const error = useAppStore((s) => s.runbookErrors[stepId] ?? null);
  const technician = useAppStore((s) => s.technician);
  const [dialog, setDialog] = useState<DialogState>(null);
  const [busy, setBusy] = useState(false);

  const ready = dir !== '' && !dirty && hostCount > 0;
  const running = run?.status === 'running';

  // Live progress, and the journal's view whenever a run ends (waivers, resumability).
  useEffect(() => {
    const offs = [
      api.on('runbook.run', ({ run: r }) => {
        if (r.stepId !== stepId) return;
        useAppStore.getState().applyRun(r);
        if (r.status !== 'running') void refreshState(api, useAppStore.getState().projectDir.trim());
      }),
      api.on('runbook.progress', (p) => {
        if (p.stepId === stepId) useAppStore.getState().applyHostProgress(p.stepId, p.runId, p.host);
      }),
    ];
    return () => offs.forEach((off) => off());
  }, [api, stepId]);

  // State rebuilt from the project folder when the page (re)opens or the project changes.
  useEffect(() => {
    if (backendState !== 'open' || dir === '' || dirty) return;
    void refreshState(api, dir);
  }, [api, dir, dirty, backendState]);

  // A run shown after the page (re)opens: its dry run tells which action is in which phase.
  const needPlan = !!run && !planEntry && ready;
  useEffect(() => {
    if (!needPlan) return;
    void api['runbook.plan']({ dir, stepId }).then((r) => {
      if (r.ok && !useAppStore.getState().runbookPlans[stepId]) useAppStore.getState().setRunbookPlan(stepId, r.value.plan, r.value.text);
    });
  }, [api, dir, stepId, needPlan]);

  const call = useCallback(
    async <T,>(work: () => Promise<Result<T>>): Promise<Result<T>> => {
      setBusy(true);
      useAppStore.getState().setRunbookError(stepId, null);
      try {
        const r = await work();
        if (!r.ok) useAppStore.getState().setRunbookError(stepId, r.error);
        return r;
      } finally {
        setBusy(false);
      }
    },
    [stepId],
  );

  const preview = () =>
    call(async () => {
      const r = await api['runbook.plan']({ dir, stepId });
      if (r.ok) useAppStore.getState().setRunbookPlan(stepId, r.value.plan, r.value.text);
      return r;
    });

  const start = async (opts: { resume?: boolean; takeOver?: string[]; confirmed?: boolean } = {}) => {
    // The dry run is always shown before a run: plan first if it is not on screen.
    let plan = useAppStore.getState().runbookPlans[stepId]?.plan;
    if (!plan || opts.resume === undefined) {
      const r = await preview();
      if (!r.ok) return;
      plan = r.value.plan;
    }
    if (plan.changes.length > 0 && !opts.confirmed) {
      setDialog({ kind: 'confirm' });
      return;
    }
    const confirmation = plan.changes.length > 0 ? { planHash: plan.planHash, changes: plan.changes.map((c) => c.change) } : undefined;
    await call(() =>
      api['runbook.start']({ dir, stepId, resume: opts.resume ?? false, takeOver: opts.takeOver ?? [], ...(confirmation ? { confirmation } : {}) }),
    );
  };

  const exportPlan = () => {
    if (!planEntry) return;
    const url = URL.createObjectURL(new Blob([planEntry.text], { type: 'text/plain;charset=utf-8' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `rackside-dry-run-${stepId}.txt`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };

  const counts = run ? countActions(run.hosts) : null;
  // A run that finished with blocking findings nobody waived has not passed: never a green badge.
  const openBlocking = run ? run.findings.filter((f) => f.severity === 'blocking' && !f.waiver).length : 0;

  return (
    <section className="panel step-runner" data-testid={`runner-${stepId}`} aria-labelledby={`runner-${stepId}-title`}>
      <div className="panel-header">
        <h2 id={`runner-${stepId}-title`}>{t(`runbook.steps.${stepId}.title`)}</h2>
        {run ? (
          <span
            className={`badge ${openBlocking > 0 && run.status === 'completed' ? 'badge-danger' : runBadge(run.status)}`}
            data-testid="run-status"
            data-status={run.status}
            data-run-id={run.runId}
            data-blocking={openBlocking}
            role="status"
          >
            {openBlocking > 0 && run.status === 'completed' ? t('runbook.runStatus.completedBlocking', { count: openBlocking }) : t(`runbook.runStatus.${run.status}`)}
          </span>
        ) : null}
        {/* Only for the run shown: a new run's end arrives before the step's state is re-read. */}
        {stepState?.passed && (!run || stepState.lastRun?.runId === run.runId) ? (
          <span className="badge badge-ok" data-testid="step-passed">
            {t('runbook.passed')}
          </span>
        ) : null}
      </div>
      <p className="muted">{t(`runbook.steps.${stepId}.description`)}</p>

      {!ready ? (
        <p className="banner banner-warn" data-testid="runner-needs-project">
          {t('runbook.needsProject')}
        </p>
      ) : null}

      {stepState?.resumable && !running ? (
        <div className="banner banner-warn rb-resume" data-testid="resume-banner" role="alert">
          <span>
            {t('runbook.resumeBanner', {
              done: counts?.complete ?? 0,
              total: counts?.total ?? 0,
              interrupted: stepState.interrupted.length,
            })}
          </span>
          <button type="button" className="primary" data-testid="runbook-resume" disabled={busy || !ready} onClick={() => void start({ resume: true })}>
            {t('runbook.resume')}
          </button>
        </div>
      ) : null}

      <div className="toolbar">
        <button type="button" data-testid="runbook-preview" disabled={busy || !ready || running} onClick={() => void preview()}>
          {t('runbook.preview')}
        </button>
        <button type="button" className="primary" data-testid="runbook-run" disabled={busy || !ready || running} onClick={() => void start()}>
          {run && run.status !== 'running' ? t('runbook.runAgain') : t('runbook.run')}
        </button>
        {running ? (
          <button type="button" data-testid="runbook-cancel" onClick={() => void call(() => api['runbook.cancel']({ runId: run.runId }))}>
            {t('runbook.cancel')}
          </button>
        ) : null}
        {planEntry ? (
          <button type="button" data-testid="runbook-export" onClick={exportPlan}>
            {t('runbook.export')}
          </button>
        ) : null}
      </div>

      {error ? (
        <div className="message message-error" role="alert" data-testid="runbook-error">
          <ErrorDetails error={error} />
        </div>
      ) : null}

      {planEntry ? <PlanPreview stepId={stepId} /> : null}
      {run ? <PhaseProgressView plan={planEntry?.plan} hosts={run.hosts} /> : null}
      {run ? (
        <HostProgress
          hosts={run.hosts}
          onRetry={(h) => void call(() => api['runbook.retry']({ dir, stepId, hostId: h.hostId }))}
          onSkip={(h, actionId) => setDialog({ kind: 'skip', host: h, actionId })}
          onTakeOver={(h, holder) => setDialog({ kind: 'takeover', host: h, holder })}
          disabled={busy}
        />
      ) : null}
      {run && run.findings.length > 0 ? <Findings findings={run.findings} onWaive={(f) => setDialog({ kind: 'waiver', finding: f })} onWithdraw={(f) => setDialog({ kind: 'withdraw', finding: f })} /> : null}

      {dialog?.kind === 'waiver' ? (
        <ReasonDialog
          kind="waiver"
          subject={findingText(t, dialog.finding)}
          defaultName={technician}
          onCancel={() => setDialog(null)}
          onSubmit={async (reason, name) => {
            const r = await api['runbook.waive']({ dir, stepId, key: dialog.finding.key, reason, technician: name });
            if (!r.ok) return r.error;
            setDialog(null);
            await refreshState(api, dir);
            return null;
          }}
        />
      ) : null}
      {dialog?.kind === 'withdraw' ? (
        <ReasonDialog
          kind="withdraw"
          subject={findingText(t, dialog.finding)}
          defaultName={technician}
          onCancel={() => setDialog(null)}
          onSubmit={async (reason, name) => {
            const r = await api['runbook.withdrawWaiver']({ dir, stepId, key: dialog.finding.key, reason, technician: name });
            if (!r.ok) return r.error;
            setDialog(null);
            await refreshState(api, dir);
            return null;
          }}
        />
      ) : null}
      {dialog?.kind === 'skip' ? (
        <ReasonDialog
          kind="skip"
          subject={`${dialog.host.name || dialog.host.address} · ${dialog.actionId}`}
          defaultName={technician}
          onCancel={() => setDialog(null)}
          onSubmit={async (reason, name) => {
            const r = await api['runbook.skip']({ dir, stepId, hostId: dialog.host.hostId, actionId: dialog.actionId, reason, technician: name });
            if (!r.ok) return r.error;
            setDialog(null);
            return null;
          }}
        />
      ) : null}
      {dialog?.kind === 'confirm' && planEntry ? (
        <ConfirmChangesDialog
          plan={planEntry.plan}
          onCancel={() => setDialog(null)}
          onConfirm={() => {
            setDialog(null);
            void start({ resume: false, confirmed: true });
          }}
        />
      ) : null}
      {dialog?.kind === 'takeover' ? (
        <TakeOverDialog
          host={dialog.host.name || dialog.host.address}
          holder={dialog.holder}
          onCancel={() => setDialog(null)}
          onConfirm={() => {
            const hostId = dialog.host.hostId;
            setDialog(null);
            void start({ resume: true, takeOver: [hostId] });
          }}
        />
      ) : null}
    </section>
  );
}

function PlanPreview({ stepId }: { stepId: string }) {
  const { t } = useTranslation();
  const entry = useAppStore((s) => s.runbookPlans[stepId]);
  if (!entry) return null;
  return (
    <div className="rb-plan" data-testid="plan-preview">
      <h3>{t('runbook.planTitle')}</h3>
      <p className="muted small">{t('runbook.planNote')}</p>
      {entry.plan.hosts.map((h) => (
        <details key={h.hostId} open className="rb-plan-host" data-testid="plan-host" data-host-id={h.hostId} data-address={h.address}>
          <summary>
            <strong>{h.name || h.address}</strong> <span className="muted">{h.address} · {h.user}</span>
          </summary>
          <ol>
            {h.actions.map((a) => (
              <li key={a.id} data-testid="plan-action" data-action-id={a.id}>
                <span>{t(a.title, { defaultValue: a.id })}</span>
                {a.phase ? (
                  <span className="badge badge-muted" data-testid="plan-action-phase" data-phase={a.phase}>
                    {t(entry.plan.phases?.find((p) => p.id === a.phase)?.title ?? a.phase, { defaultValue: a.phase })}
                  </span>
                ) : null}
                {a.output ? (
                  <span className="badge badge-muted" data-testid="plan-action-output" data-output={a.output.name}>
                    {t(a.output.secret ? 'runbook.outputSecret' : 'runbook.outputPublic', { name: a.output.name })}
                  </span>
                ) : null}
                {a.sudo ? <span className="badge badge-muted">sudo</span> : null}
                {a.destructive ? <span className="badge badge-danger">{t('runbook.destructive')}</span> : null}
                {a.probe ? (
                  <code className="rb-cmd rb-probe" title={t('runbook.probe')}>
                    {t('runbook.probe')}: {a.probe}
                  </code>
                ) : null}
                <code className="rb-cmd" data-testid="plan-command">
                  {a.command}
                </code>
              </li>
            ))}
          </ol>
        </details>
      ))}
    </div>
  );
}

function PhaseProgressView({ plan, hosts }: { plan: Parameters<typeof phaseProgress>[0]; hosts: HostRun[] }) {
  const { t } = useTranslation();
  const phases = phaseProgress(plan, hosts);
  if (!phases) return null;
  return (
    <div className="rb-phases" data-testid="run-phases">
      <h3>{t('runbook.phases.title')}</h3>
      <ol>
        {phases.map((p) => (
          <li key={p.id} className={`rb-phase rb-phase-${p.state}`} data-testid="run-phase" data-phase={p.id} data-state={p.state} data-mode={p.mode}>
            <div>
              <strong>{t(p.title, { defaultValue: p.id })}</strong> <span className="badge badge-muted">{t(`runbook.phases.mode.${p.mode}`)}</span>{' '}
              <span className={`badge ${p.state === 'done' ? 'badge-ok' : p.state === 'running' ? 'badge-busy' : p.state === 'stopped' ? 'badge-danger' : 'badge-muted'}`}>
                {t(`runbook.phases.state.${p.state}`)}
              </span>{' '}
              <span className="muted small" data-testid="run-phase-counts">
                {t('runbook.phases.counts', p.counts)}
              </span>
            </div>
            <ul className="rb-phase-hosts">
              {p.hosts.map((h) => (
                <li key={h.hostId} data-testid="run-phase-host" data-host-id={h.hostId} data-state={h.state}>
                  <span className={`badge ${h.state === 'done' ? 'badge-ok' : h.state === 'running' ? 'badge-busy' : h.state === 'stopped' ? 'badge-danger' : 'badge-muted'}`}>
                    {t(`runbook.phases.state.${h.state}`)}
                  </span>{' '}
                  {h.name} <span className="muted small">{h.done}/{h.total}</span>
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ol>
    </div>
  );
}

function HostProgress({
  hosts,
  onRetry,
  onSkip,
  onTakeOver,
  disabled,
}: {
  hosts: HostRun[];
  onRetry: (h: HostRun) => void;
  onSkip: (h: HostRun, actionId: string) => void;
  onTakeOver: (h: HostRun, holder: LockHolder) => void;
  disabled: boolean;
}) {
  const { t } = useTranslation();
  return (
    <table className="rb-hosts" data-testid="run-hosts">
      <thead>
        <tr>
          <th>{t('runbook.host')}</th>
          <th>{t('runbook.stage')}</th>
          <th>{t('runbook.actionsHeader')}</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {hosts.map((h) => {
          const index = h.actions.findIndex((a) => a.actionId === h.currentActionId);
          const current = index >= 0 ? h.actions[index] : undefined;
          const stage = current ? `${index + 1}/${h.actions.length} ${t(current.title, { defaultValue: current.actionId })}` : t('runbook.allDone');
          const stopped = h.actions.find((a) => a.status === 'failed' || a.status === 'interrupted' || a.status === 'cancelled');
          return (
            <tr key={h.hostId} data-testid="run-host" data-host-id={h.hostId} data-address={h.address} data-status={h.status} data-stage={stage}>
              <td>
                <strong>{h.name || h.address}</strong>
                <div className="muted small">{h.address}</div>
                <HostKeyMarkOf hostId={h.hostId} testId="run-hostkey-changed" />
              </td>
              <td>
                <span className={`badge ${hostBadge(h.status)}`} data-testid="run-host-status">
                  {t(`runbook.hostStatus.${h.status}`)}
                </span>
                <div className="small" data-testid="run-host-stage">
                  {stage}
                </div>
                {h.lockHolder ? (
                  <div className="small rb-lock" data-testid="lock-holder">
                    {h.lockHolder.stepId
                      ? t('runbook.lockHeldStep', { laptop: h.lockHolder.laptop, pid: h.lockHolder.pid, step: h.lockHolder.stepId, run: h.lockHolder.runId, age: h.lockHolder.heartbeatAgeS })
                      : t('runbook.lockHeld', { laptop: h.lockHolder.laptop, pid: h.lockHolder.pid, run: h.lockHolder.runId, age: h.lockHolder.heartbeatAgeS })}
                  </div>
                ) : h.message ? (
                  <div className="small muted" data-testid="run-host-message" data-reason={h.reason ?? ''}>
                    {localizedError(t, { code: 'internal', message: h.message, reason: h.reason, params: h.params }).message}
                  </div>
                ) : null}
              </td>
              <td>
                <ol className="rb-actions">
                  {h.actions.map((a) => (
                    <li
                      key={a.actionId}
                      data-testid="run-action"
                      data-action-id={a.actionId}
                      data-status={a.status}
                      className={`rb-action rb-${a.status}`}
                      title={[a.message, a.skipReason, a.transcript].filter(Boolean).join('\n')}
                    >
                      {t(a.title, { defaultValue: a.actionId })}: {t(`runbook.actionStatus.${a.status}`)}
                    </li>
                  ))}
                </ol>
              </td>
              <td className="rb-host-buttons">
                {h.status !== 'running' && h.status !== 'locking' && stopped ? (
                  <>
                    <button type="button" data-testid="host-retry" disabled={disabled} onClick={() => onRetry(h)}>
                      {t('runbook.retry')}
                    </button>
                    <button type="button" data-testid="host-skip" disabled={disabled} onClick={() => onSkip(h, stopped.actionId)}>
                      {t('runbook.skip.button')}
                    </button>
                  </>
                ) : null}
                {h.status === 'lock-held' && h.lockHolder?.stale ? (
                  <button type="button" data-testid="host-takeover" disabled={disabled} onClick={() => onTakeOver(h, h.lockHolder!)}>
                    {t('runbook.takeover.button')}
                  </button>
                ) : null}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function Findings({ findings, onWaive, onWithdraw }: { findings: FindingView[]; onWaive: (f: FindingView) => void; onWithdraw: (f: FindingView) => void }) {
  const { t } = useTranslation();
  const order = { blocking: 0, warning: 1, info: 2 } as const;
  const sorted = [...findings].sort((a, b) => order[a.severity] - order[b.severity]);
  return (
    <div className="rb-findings">
      <h3>{t('runbook.findings')}</h3>
      <ul data-testid="findings">
        {sorted.map((f) => (
          <li key={f.key} data-testid="finding" data-code={f.code} data-severity={f.severity} data-host-id={f.hostId ?? ''} data-waived={f.waiver ? 'yes' : 'no'}>
            <span className={`badge ${f.severity === 'blocking' ? 'badge-danger' : f.severity === 'warning' ? 'badge-warn' : 'badge-muted'}`}>
              {t(`runbook.severity.${f.severity}`)}
            </span>{' '}
            <span data-testid="finding-message">{findingText(t, f)}</span>
            <div className="muted small">{formatFinding(t, f, 'remediation')}</div>
            {f.waiver ? (
              <div className="small rb-waiver" data-testid="finding-waiver">
                {t('runbook.waivedBy', { name: f.waiver.technician, reason: f.waiver.reason, at: f.waiver.at })}{' '}
                <button type="button" data-testid="finding-withdraw" onClick={() => onWithdraw(f)}>
                  {t('runbook.withdraw.button')}
                </button>
              </div>
            ) : f.severity === 'blocking' ? (
              <>
                {f.lapsedWaiver ? (
                  <div className="small rb-waiver" data-testid="finding-waiver-lapsed" data-why={f.lapsedWaiver.why}>
                    {t(`runbook.waiverLapsed.${f.lapsedWaiver.why}`, {
                      waived: shown(f.lapsedWaiver.waiver.measured),
                      now: shown(f.measured),
                      waivedThreshold: shown(f.lapsedWaiver.waiver.threshold),
                      threshold: shown(f.threshold),
                      name: f.lapsedWaiver.waiver.technician,
                      at: f.lapsedWaiver.waiver.at,
                    })}
                  </div>
                ) : null}
                <button type="button" data-testid="finding-waive" onClick={() => onWaive(f)}>
                  {t('runbook.waiver.button')}
                </button>
              </>
            ) : null}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** A measured value or threshold as the finding showed it; a dash when there was none. */
const shown = (v: string | number | undefined) => (v === undefined ? '—' : String(v));

function findingText(t: TFunction, f: FindingView): string {
  return formatFinding(t, f, 'message');
}

function countActions(hosts: HostRun[]) {
  let complete = 0;
  let total = 0;
  for (const h of hosts) {
    for (const a of h.actions) {
      total++;
      if (a.status === 'done' || a.status === 'already-done' || a.status === 'skipped') complete++;
    }
  }
  return { complete, total };
}

const runBadge = (s: string) => (s === 'completed' ? 'badge-ok' : s === 'running' ? 'badge-busy' : s === 'failed' ? 'badge-danger' : 'badge-warn');
const hostBadge = (s: string) =>
  s === 'done' ? 'badge-ok' : s === 'running' || s === 'locking' ? 'badge-busy' : s === 'failed' || s === 'lock-held' ? 'badge-danger' : s === 'waiting' ? 'badge-muted' : 'badge-warn';

