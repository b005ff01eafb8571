import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { isOpenBlocking, type FindingView, type HostRun, type LockHolder, type RacksideApi, type Result, type RunView } from '../../../electron/contract/index.js';
import { useApi } from '../api/backend-context.js';
import { ErrorDetails, localizedError } from '../components/error-details.js';
import { formatFinding } from '../lib/format-issue.js';
import { localTime } from '../lib/local-time.js';
import { useWindowedTable, windowRows } from '../lib/window-rows.js';
import { HostKeyMarkOf } from '../components/host-key-changed.js';
import { useAppStore } from '../store/index.js';
import { ConfirmChangesDialog, ReasonDialog, TakeOverDialog } from './dialogs.js';
import { phaseProgress } from './phase-progress.js';
import { blockingSummary, groupFindings, type FindingGroup } from './finding-groups.js';
import { durationParts, hostProgress, type DurationHistory } from './run-progress.js';
import './runbook.css';

type DialogState =
  | { kind: 'waiver'; finding: FindingView }
  | { kind: 'group-waiver'; group: FindingGroup; title: string }
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
  // Groups the technician opened stay open while their findings change (a waiver re-reads them).
  const [openGroups, setOpenGroups] = useState<Record<string, boolean>>({});
  const hostNames = useAppStore((s) => s.hosts);

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
  const openBlocking = run ? run.findings.filter(isOpenBlocking).length : 0;

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
      <RunSummary run={run} />

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

      {run ? <LiveProgress stepId={stepId} /> : null}
      {run && run.findings.length > 0 ? (
        <FindingGroups
          findings={run.findings}
          hostName={(id) => {
            const h = run.hosts.find((x) => x.hostId === id) ?? hostNames.find((x) => x.id === id);
            return h ? h.name || h.address : id;
          }}
          open={openGroups}
          onToggle={(id, open) => setOpenGroups((o) => ({ ...o, [id]: open }))}
          onWaiveGroup={(group, title) => setDialog({ kind: 'group-waiver', group, title })}
          onWaive={(f) => setDialog({ kind: 'waiver', finding: f })}
          onWithdraw={(f) => setDialog({ kind: 'withdraw', finding: f })}
        />
      ) : null}
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
      {planEntry ? <PlanPreview stepId={stepId} /> : null}

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
      {dialog?.kind === 'group-waiver' ? (
        <ReasonDialog
          kind="waiver"
          subject={dialog.title}
          detail={t('runbook.groupWaiver.scope', { count: dialog.group.open.length })}
          defaultName={technician}
          onCancel={() => setDialog(null)}
          onSubmit={async (reason, name) => {
            // Recorded per host, as a single waiver would be: the report and a lapse check read them one by one.
            for (const f of dialog.group.open) {
              const r = await api['runbook.waive']({ dir, stepId, key: f.key, reason, technician: name });
              if (!r.ok) {
                await refreshState(api, dir);
                return r.error;
              }
            }
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

/** Hosts whose dry-run commands show open at once; more start closed (each opens on a click). */
const PLAN_OPEN_HOSTS = 8;

/** A `<details>` whose content is rendered only while it is open. */
function LazyDetails({
  startOpen,
  className,
  testId,
  data,
  summary,
  children,
}: {
  startOpen: boolean;
  className: string;
  testId: string;
  data: Record<`data-${string}`, string>;
  summary: ReactNode;
  children: ReactNode;
}) {
  const [open, setOpen] = useState(startOpen);
  return (
    <details open={open} className={className} data-testid={testId} {...data} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>{summary}</summary>
      {open ? children : null}
    </details>
  );
}

function PlanPreview({ stepId }: { stepId: string }) {
  const { t } = useTranslation();
  const entry = useAppStore((s) => s.runbookPlans[stepId]);
  const run = useAppStore((s) => s.runbookRuns[stepId]);
  if (!entry) return null;
  // After a run the plan says what ran and what is left, action by action: the run's statuses on the same ids.
  const statuses = new Map(run?.hosts.flatMap((h) => h.actions.map((a) => [`${h.hostId}\0${a.actionId}`, a.status] as const)) ?? []);
  const statusOf = (hostId: string, actionId: string) => statuses.get(`${hostId}\0${actionId}`);
  // Many hosts (issue 21): every host's commands open at once is thousands of elements nobody reads
  // together; past PLAN_OPEN_HOSTS hosts each starts closed and renders its actions when opened.
  const startOpen = entry.plan.hosts.length <= PLAN_OPEN_HOSTS;
  const counts = run ? countActions(run.hosts) : null;
  return (
    <div className="rb-plan" data-testid="plan-preview">
      <h3>{t('runbook.planTitle')}</h3>
      {run && counts ? (
        <p className="muted small" data-testid="plan-note" data-kind="after-run">
          {t(run.status === 'running' ? 'runbook.planNoteRunning' : 'runbook.planNoteAfterRun', {
            done: counts.complete,
            total: counts.total,
            left: counts.total - counts.complete,
            status: t(`runbook.runStatus.${run.status}`),
          })}{' '}
          {t('runbook.planNoteProbe')}
        </p>
      ) : (
        <p className="muted small" data-testid="plan-note" data-kind="before-run">
          {t('runbook.planNote')}
        </p>
      )}
      {entry.plan.hosts.map((h) => (
        <LazyDetails
          key={h.hostId}
          startOpen={startOpen}
          className="rb-plan-host"
          testId="plan-host"
          data={{ 'data-host-id': h.hostId, 'data-address': h.address }}
          summary={
            <>
              <strong>{h.name || h.address}</strong> <span className="muted">{h.address} · {h.user}</span>
            </>
          }
        >
          <ol>
            {h.actions.map((a) => (
              <li key={a.id} data-testid="plan-action" data-action-id={a.id} data-status={statusOf(h.hostId, a.id) ?? ''}>
                <span>{t(a.title, { defaultValue: a.id })}</span>
                {statusOf(h.hostId, a.id) ? (
                  <span className={`badge ${actionBadge(statusOf(h.hostId, a.id)!)}`} data-testid="plan-action-status">
                    {t(`runbook.actionStatus.${statusOf(h.hostId, a.id)}`)}
                  </span>
                ) : null}
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
                {a.stdin ? (
                  <code className="rb-cmd rb-probe" data-testid="plan-stdin">
                    {t('runbook.stdin')}: {a.stdin.join(' ')}
                  </code>
                ) : null}
              </li>
            ))}
          </ol>
        </LazyDetails>
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
  // A run on many hosts (issue 21: 100 hosts should feel like 4) renders only the rows in view,
  // as the inventory does; the row holding focus (its Retry button) stays rendered when scrolled away.
  const keys = useMemo(() => hosts.map((h) => h.hostId), [hosts]);
  const { rows, scrollBox } = useWindowedTable(keys, 96);
  const { windowed, measureRow, measureHead } = rows;
  return (
    <div {...scrollBox('run-hosts-scroll')}>
      <table className="rb-hosts" data-testid="run-hosts" aria-rowcount={hosts.length + 1} data-windowed={windowed}>
        <thead ref={measureHead}>
          <tr>
            <th>{t('runbook.host')}</th>
            <th>{t('runbook.stage')}</th>
            <th>{t('runbook.actionsHeader')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {windowRows(rows, 4, (rowIndex) => {
            const h = hosts[rowIndex]!;
            const index = h.actions.findIndex((a) => a.actionId === h.currentActionId);
            const current = index >= 0 ? h.actions[index] : undefined;
            const stage = current ? `${index + 1}/${h.actions.length} ${t(current.title, { defaultValue: current.actionId })}` : t('runbook.allDone');
            const stopped = h.actions.find((a) => a.status === 'failed' || a.status === 'interrupted' || a.status === 'cancelled');
            return (
              <tr key={h.hostId} data-testid="run-host" data-host-id={h.hostId} data-address={h.address} data-status={h.status} data-stage={stage}
                data-row-key={h.hostId} aria-rowindex={rowIndex + 2} ref={windowed ? measureRow : undefined}>
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
                  {h.status !== 'running' && h.status !== 'locking' && (stopped || h.status === 'failed') ? (
                    <>
                      {/* A host stopped before any action (not reached, run lock refused) is retried the same way. */}
                      <button type="button" data-testid="host-retry" disabled={disabled} onClick={() => onRetry(h)}>
                        {t('runbook.retry')}
                      </button>
                      {stopped ? (
                        <button type="button" data-testid="host-skip" disabled={disabled} onClick={() => onSkip(h, stopped.actionId)}>
                          {t('runbook.skip.button')}
                        </button>
                      ) : null}
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
          }, 'run-hosts-pad')}
        </tbody>
      </table>
    </div>
  );
}

function FindingGroups({
  findings,
  hostName,
  open,
  onToggle,
  onWaiveGroup,
  onWaive,
  onWithdraw,
}: {
  findings: FindingView[];
  hostName: (hostId: string) => string;
  open: Record<string, boolean>;
  onToggle: (groupId: string, open: boolean) => void;
  onWaiveGroup: (g: FindingGroup, title: string) => void;
  onWaive: (f: FindingView) => void;
  onWithdraw: (f: FindingView) => void;
}) {
  const { t } = useTranslation();
  const groups = groupFindings(findings, hostName);
  return (
    <div className="rb-findings">
      <h3>{t('runbook.findings')}</h3>
      <ul data-testid="findings" className="rb-finding-groups">
        {groups.map((g) => {
          const first = g.findings[0]!;
          // The kind's own sentence with the host list in place of one host, and the value every host measured.
          const title = formatFinding(t, { ...first, params: { ...first.params, host: g.hostList || (first.params?.host ?? ''), ...(g.measured !== undefined ? { measured: g.measured } : {}), ...(g.roles !== undefined ? { role: g.roles } : {}) } }, 'message');
          const waived = g.findings.filter((f) => f.waiver).length;
          // A kind on one host needs no second click to show it.
          const isOpen = open[g.id] ?? g.findings.length === 1;
          return (
            <li key={g.id} className="rb-finding-group" data-testid="finding-group" data-code={g.code} data-severity={g.severity} data-hosts={g.findings.length} data-open-count={g.open.length}>
              <div className="rb-group-head">
                <span className={`badge ${g.severity === 'blocking' ? 'badge-danger' : g.severity === 'warning' ? 'badge-warn' : 'badge-muted'}`}>{t(`runbook.severity.${g.severity}`)}</span>{' '}
                <span className="rb-group-title" data-testid="finding-group-title">
                  {title}
                </span>{' '}
                <span className="muted small" data-testid="finding-group-count">
                  {t('runbook.group.count', { count: g.findings.length })}
                  {waived > 0 ? ` · ${t('runbook.group.waived', { count: waived })}` : ''}
                </span>
              </div>
              <div className="rb-group-buttons">
                <button type="button" data-testid="finding-group-toggle" aria-expanded={isOpen} onClick={() => onToggle(g.id, !isOpen)}>
                  {t(isOpen ? 'runbook.group.hide' : 'runbook.group.show', { count: g.findings.length })}
                </button>
                {g.open.length > 1 ? (
                  <button type="button" data-testid="finding-group-waive" onClick={() => onWaiveGroup(g, title)}>
                    {t('runbook.group.waive', { count: g.open.length })}
                  </button>
                ) : null}
              </div>
              {/* Hidden, not left out: every finding stays in the page for find-in-page and for its tests' attributes. */}
              <ul className="rb-group-hosts" hidden={!isOpen}>
                {g.findings.map((f) => (
                  <FindingItem key={f.key} f={f} onWaive={onWaive} onWithdraw={onWithdraw} />
                ))}
              </ul>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

function FindingItem({ f, onWaive, onWithdraw }: { f: FindingView; onWaive: (f: FindingView) => void; onWithdraw: (f: FindingView) => void }) {
  const { t, i18n } = useTranslation();
  return (
    <li data-testid="finding" data-code={f.code} data-severity={f.severity} data-host-id={f.hostId ?? ''} data-waived={f.waiver ? 'yes' : 'no'}>
      <span data-testid="finding-message">{findingText(t, f)}</span>
      <div className="muted small">{formatFinding(t, f, 'remediation')}</div>
      {f.waiver ? (
        <div className="small rb-waiver" data-testid="finding-waiver">
          {t('runbook.waivedBy', { name: f.waiver.technician, reason: f.waiver.reason, at: localTime(f.waiver.at, i18n.language) })}{' '}
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
                at: localTime(f.lapsedWaiver.waiver.at, i18n.language),
              })}
            </div>
          ) : null}
          <button type="button" data-testid="finding-waive" onClick={() => onWaive(f)}>
            {t('runbook.waiver.button')}
          </button>
        </>
      ) : null}
    </li>
  );
}

/** "20 blocking findings on 4 hosts — 3 kinds", or where the run stands: what the step says first. */
function RunSummary({ run }: { run: RunView | undefined }) {
  const { t } = useTranslation();
  if (!run) {
    return (
      <p className="rb-summary" data-testid="run-summary" data-kind="not-run">
        {t('runbook.summary.notRun')}
      </p>
    );
  }
  const { complete, total } = countActions(run.hosts);
  const b = blockingSummary(run.findings);
  const failedHosts = run.hosts.filter((h) => h.status === 'failed' || h.status === 'lock-held' || h.status === 'interrupted' || h.status === 'cancelled').length;
  const waived = run.findings.filter((f) => f.waiver).length;
  const kind = run.status === 'running' ? 'running' : run.status !== 'completed' ? 'stopped' : b.count > 0 ? 'blocking' : 'passed';
  return (
    <p className={`rb-summary rb-summary-${kind}`} data-testid="run-summary" data-kind={kind} data-blocking={b.count} data-blocking-hosts={b.hosts} data-kinds={b.kinds}>
      {kind === 'running'
        ? t('runbook.summary.running', { done: complete, total, hosts: run.hosts.length })
        : kind === 'stopped'
          ? t('runbook.summary.stopped', { status: t(`runbook.runStatus.${run.status}`), failed: failedHosts, hosts: run.hosts.length, done: complete, total })
          : null}
      {kind === 'blocking' || (kind !== 'passed' && b.count > 0) ? ` ${t('runbook.summary.blocking', { count: b.count, hosts: b.hosts, kinds: b.kinds })}` : null}
      {kind === 'passed' ? (waived > 0 ? t('runbook.summary.passedWaivers', { hosts: run.hosts.length, count: waived }) : t('runbook.summary.passed', { hosts: run.hosts.length })) : null}
    </p>
  );
}

function useNow(ticking: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!ticking) return;
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, [ticking]);
  return now;
}

/** Per host: a bar, the action running now, time elapsed and left (from earlier durations of the same actions). */
function LiveProgress({ stepId }: { stepId: string }) {
  const { t } = useTranslation();
  const run = useAppStore((s) => s.runbookRuns[stepId]);
  const history = useAppStore((s) => s.runbookDurations[stepId]);
  const running = run?.status === 'running';
  const now = useNow(running);
  if (!run) return null;
  const startedMs = Date.parse(run.startedAt);
  const runElapsed = running ? Math.max(0, now - startedMs) : 0;
  return (
    <div className="rb-live" data-testid="run-progress">
      <h3>{t('runbook.progress.title')}</h3>
      <ul>
        {run.hosts.map((h) => {
          const current = h.actions.find((a) => a.actionId === h.currentActionId && a.status === 'running');
          // The run view has no start time per action: the current one started when the host's finished ones ended.
          const spent = h.actions.reduce((sum, a) => sum + (a.status !== 'running' ? (a.durationMs ?? 0) : 0), 0);
          const p = hostProgress(h, history as DurationHistory | undefined, runElapsed, current ? Math.max(0, runElapsed - spent) : 0);
          const action = current ? t(current.title, { defaultValue: current.actionId }) : t(`runbook.hostStatus.${h.status}`);
          return (
            <li key={h.hostId} className="rb-live-host" data-testid="host-progress" data-host-id={h.hostId} data-done={p.done} data-total={p.total} data-eta={p.etaMs === undefined ? '' : Math.round(p.etaMs)}>
              <span className="rb-live-name" title={`${h.name} ${h.address}`}>
                {h.name || h.address}
              </span>
              <span className="rb-bar" role="progressbar" aria-valuemin={0} aria-valuemax={p.total} aria-valuenow={p.done} aria-label={h.name || h.address}>
                <span className={`rb-bar-fill rb-bar-${h.status}`} style={{ width: `${Math.round(p.fraction * 100)}%` }} />
              </span>
              <span className="small rb-live-count">
                {p.done}/{p.total}
              </span>
              <span className="small rb-live-action" data-testid="host-progress-action" title={action}>
                {action}
              </span>
              <span className="small muted rb-live-time" data-testid="host-progress-time">
                {t('runbook.progress.elapsed', { time: duration(t, p.elapsedMs) })}
                {p.etaMs === undefined ? ` · ${t('runbook.progress.etaUnknown')}` : p.etaMs > 0 ? ` · ${t('runbook.progress.eta', { time: duration(t, p.etaMs) })}` : ''}
              </span>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

function duration(t: TFunction, ms: number): string {
  const { h, m, s } = durationParts(ms);
  return h > 0 ? t('runbook.duration.h', { h, m }) : m > 0 ? t('runbook.duration.m', { m, s }) : t('runbook.duration.s', { s });
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

const actionBadge = (s: string) =>
  s === 'done' || s === 'already-done' ? 'badge-ok' : s === 'running' ? 'badge-busy' : s === 'failed' || s === 'interrupted' ? 'badge-danger' : s === 'pending' ? 'badge-muted' : 'badge-warn';
const runBadge = (s: string) => (s === 'completed' ? 'badge-ok' : s === 'running' ? 'badge-busy' : s === 'failed' ? 'badge-danger' : 'badge-warn');
const hostBadge = (s: string) =>
  s === 'done' ? 'badge-ok' : s === 'running' || s === 'locking' ? 'badge-busy' : s === 'failed' || s === 'lock-held' ? 'badge-danger' : s === 'waiting' ? 'badge-muted' : 'badge-warn';

