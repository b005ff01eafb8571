import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { WORKER_JOIN_STEP, type AppError } from '../../../../electron/contract/index.js';
import { useApi } from '../../api/backend-context.js';
import { ErrorDetails } from '../../components/error-details.js';
import { StepRunner } from '../../runbook/step-runner.js';
import { useAppStore } from '../../store/index.js';
import { hostState, joinTimelines, splitDuration, type HostState, type HostTimeline, type StageState } from './timeline.js';
import './join.css';

/** Output lines kept per failed action: enough to see why, small enough for a card. */
const TAIL_LINES = 6;

/** Wizard step 6: the profile's worker joins through the runner, and one timeline per joining host. */
export function JoinStep() {
  const { t } = useTranslation();
  const dir = useAppStore((s) => s.projectDir.trim());
  return (
    <div className="step-page join-step" data-testid="join-step">
      <h1>{t('join.page.title')}</h1>
      {dir === '' ? <p className="muted">{t('runbook.needsProject')}</p> : null}
      <JoinTimelines />
      <StepRunner stepId={WORKER_JOIN_STEP} />
    </div>
  );
}

function JoinTimelines() {
  const { t } = useTranslation();
  const api = useApi();
  const dir = useAppStore((s) => s.projectDir.trim());
  const plan = useAppStore((s) => s.runbookPlans[WORKER_JOIN_STEP]?.plan);
  const run = useAppStore((s) => s.runbookRuns[WORKER_JOIN_STEP]);
  const [retrying, setRetrying] = useState<string | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  // The run view has no start times: this window notes when a progress event first shows an action running.
  const [since, setSince] = useState<ReadonlyMap<string, number>>(() => new Map());
  const [tails, setTails] = useState<ReadonlyMap<string, string[]>>(() => new Map());
  const [now, setNow] = useState(() => Date.now());
  const running = run?.status === 'running';

  useEffect(() => {
    if (!running) return;
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, [running]);

  useEffect(() => {
    const offs = [
      api.on('runbook.progress', (p) => {
        if (p.stepId !== WORKER_JOIN_STEP) return;
        const at = Date.now();
        setNow(at);
        setSince((m) => {
          const fresh = p.host.actions.filter((a) => a.status === 'running' && !m.has(`${p.runId}\u0000${p.host.hostId}\u0000${a.actionId}`));
          if (fresh.length === 0) return m;
          const next = new Map(m);
          for (const a of fresh) next.set(`${p.runId}\u0000${p.host.hostId}\u0000${a.actionId}`, at);
          return next;
        });
      }),
      // The last lines of each action's output (secrets already redacted by the backend), for the failure card.
      api.on('runbook.output', (o) => {
        const r = useAppStore.getState().runbookRuns[WORKER_JOIN_STEP];
        if (!r || r.runId !== o.runId) return;
        const key = `${o.hostId}\u0000${o.actionId}`;
        setTails((m) => {
          const lines = [...(m.get(key) ?? []), ...o.data.split(/\r?\n/).filter((l) => l.trim() !== '')];
          return new Map(m).set(key, lines.slice(-TAIL_LINES));
        });
      }),
    ];
    return () => offs.forEach((off) => off());
  }, [api]);

  const timelines = joinTimelines(plan, run, { now, runningSince: (h, a) => (run ? since.get(`${run.runId}\u0000${h}\u0000${a}`) : undefined) });

  const retry = async (hostId: string) => {
    setRetrying(hostId);
    setError(null);
    const r = await api['runbook.retry']({ dir, stepId: WORKER_JOIN_STEP, hostId });
    setRetrying(null);
    if (!r.ok) setError(r.error);
  };

  return (
    <section className="panel join-timelines" data-testid="join-timelines">
      <div className="panel-header">
        <h2>{t('join.page.timelines')}</h2>
      </div>
      {!plan ? <p className="muted" data-testid="join-no-plan">{t('join.page.noPlan')}</p> : null}
      {plan && timelines.length === 0 ? <p className="muted" data-testid="join-nothing">{t('join.page.nothing')}</p> : null}
      {error ? (
        <div className="message message-error" role="alert" data-testid="join-error">
          <ErrorDetails error={error} />
        </div>
      ) : null}
      <div className="join-hosts">
        {timelines.map((h) => (
          <HostCard
            key={h.hostId}
            t={t}
            h={h}
            tail={h.failure ? (tails.get(`${h.failure.retryHostId}\u0000${h.failure.actionId}`) ?? []) : []}
            state={hostState(h, running)}
            busy={retrying !== null || running}
            onRetry={(id) => void retry(id)}
          />
        ))}
      </div>
    </section>
  );
}

const stageBadge = (s: StageState | HostState) =>
  s === 'done' || s === 'joined' || s === 'prepared' ? 'badge-ok' : s === 'running' ? 'badge-busy' : s === 'failed' ? 'badge-danger' : s === 'waiting' || s === 'stopped' ? 'badge-warn' : 'badge-muted';

function elapsed(t: TFunction, ms: number): string {
  const { min, s } = splitDuration(ms);
  return min > 0 ? t('join.elapsedMin', { min, s }) : t('join.elapsedS', { s });
}

function HostCard({ t, h, state, tail, busy, onRetry }: { t: TFunction; h: HostTimeline; state: HostState; tail: string[]; busy: boolean; onRetry: (hostId: string) => void }) {
  return (
    <article className={`join-host join-host-${state}`} data-testid="join-host" data-host-id={h.hostId} data-state={state} data-cluster-side={h.clusterSide ? 'yes' : 'no'}>
      <header>
        <strong>{h.name}</strong>{' '}
        <span className={`badge ${stageBadge(state)}`} data-testid="join-host-state">
          {t(`join.hostState.${state}`)}
        </span>
        {h.clusterSide ? <div className="muted small" data-testid="join-cluster-side">{t('join.clusterSide')}</div> : null}
      </header>
      <ol className="join-stages">
        {h.stages.map((s) => (
          <li key={s.stage} className={`join-stage join-stage-${s.state}`} data-testid="join-stage" data-stage={s.stage} data-state={s.state}>
            <span className="join-stage-name">{t(`join.stage.${s.stage}`)}</span>
            <span className={`badge ${stageBadge(s.state)}`}>{t(`join.stageState.${s.state}`)}</span>
            {s.state === 'running' || s.state === 'done' || s.state === 'failed' ? <span className="muted small">{elapsed(t, s.elapsedMs)}</span> : null}
            {s.total > 1 && s.state !== 'done' ? <span className="muted small">{t('join.counts', { done: s.done, total: s.total })}</span> : null}
          </li>
        ))}
      </ol>
      {h.failure ? (
        <div className="join-failure" data-testid="join-failure" data-stage={h.failure.stage} data-retry-host={h.failure.retryHostId}>
          <p>
            {/* Worded here, not from the finding: its params carry the stage id and action ids, not words. */}
            {t(h.clusterSide ? 'join.failure.clusterSide' : 'join.failure.what', { host: h.name, stage: t(`join.stage.${h.failure.stage}`) })}
          </p>
          <p className="small">
            {t('join.failure.action', { action: t(h.failure.title, { defaultValue: h.failure.actionId }) })}
            {typeof h.failure.exitCode === 'number' ? ` · ${t('join.failure.exit', { code: h.failure.exitCode })}` : ''}
          </p>
          {tail.length > 0 ? (
            <pre className="join-tail" data-testid="join-failure-output">
              {tail.join('\n')}
            </pre>
          ) : (
            <p className="muted small">{t('join.failure.noOutput')}</p>
          )}
          <p className="small" data-testid="join-failure-todo">
            {t('join.failure.todo')}
          </p>
          <button type="button" className="primary" data-testid="join-retry" disabled={busy} onClick={() => onRetry(h.failure!.retryHostId)}>
            {t('join.retry')}
          </button>
        </div>
      ) : null}
      {!h.failure && h.waitReason ? (
        <div className="join-waiting" data-testid="join-waiting" data-reason={h.waitReason}>
          <p>{t(`join.waiting.${h.waitReason}`, { host: h.name })}</p>
        </div>
      ) : null}
    </article>
  );
}
