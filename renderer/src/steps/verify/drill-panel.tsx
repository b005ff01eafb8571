import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { boundTextKey, type AppError, type DrillKind, type DrillProgress, type DrillRecord, type ResponseOf, type Result } from '../../../../electron/contract/index.js';
import { useApi } from '../../api/backend-context.js';
import { ErrorDetails } from '../../components/error-details.js';
import { localTime } from '../../lib/local-time.js';
import { Modal } from '../../runbook/dialogs.js';
import { useAppStore } from '../../store/index.js';
import { drillReasonText, drillRunning, drillVerdict, seconds, sortedTimeline } from './drill-view.js';

type Options = ResponseOf<'drill.options'>;


/**
 * The failover drill: opt-in and disruptive. The technician opens it, picks a kind and a target,
 * confirms in a dialog that says what will be cut; the backend runs it (drill.progress events) and
 * ends restored. Past drills are listed; one left unfinished (the laptop closed) shows a banner
 * with "Restore now". Until the engine exists the channels answer `unsupported`: the panel says so.
 */
export function DrillPanel() {
  const { t, i18n } = useTranslation();
  const api = useApi();
  const dir = useAppStore((s) => s.projectDir.trim());
  const hosts = useAppStore((s) => s.hosts);
  const projectTechnician = useAppStore((s) => s.technician);
  const [open, setOpen] = useState(false);
  const [options, setOptions] = useState<Options | null>(null);
  const [drills, setDrills] = useState<DrillRecord[]>([]);
  const [pending, setPending] = useState<DrillRecord | null>(null);
  const [unsupported, setUnsupported] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const [kind, setKind] = useState<DrillKind | null>(null);
  const [target, setTarget] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [progress, setProgress] = useState<DrillProgress | null>(null);
  const [activeId, setActiveId] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const hostName = useCallback((id: string | null | undefined) => {
    if (!id) return '—';
    const h = hosts.find((x) => x.id === id);
    return h ? h.name || h.address : id;
  }, [hosts]);

  const failed = (e: AppError) => {
    if (e.code === 'unsupported') setUnsupported(true);
    else setError(e);
  };

  const listed = useCallback((r: Result<ResponseOf<'drill.list'>>) => {
    if (!r.ok) return r.error.code === 'unsupported' ? setUnsupported(true) : setError(r.error);
    setDrills(r.value.drills);
    setPending(r.value.pending);
  }, []);
  const loadList = useCallback(async () => {
    if (dir) listed(await api['drill.list']({ dir }));
  }, [api, dir, listed]);

  const loadOptions = useCallback(async () => {
    if (!dir) return;
    const r = await api['drill.options']({ dir });
    setError(null);
    if (!r.ok) return r.error.code === 'unsupported' ? setUnsupported(true) : setError(r.error);
    setOptions(r.value);
    const firstAvailable = r.value.options.find((o) => o.available);
    setKind((k) => (k && r.value.options.some((o) => o.kind === k && o.available) ? k : (firstAvailable?.kind ?? null)));
    setTarget((tg) => tg || (r.value.holderHostId ?? ''));
  }, [api, dir]);

  // The list (and a pending drill's banner) shows without opening the drill: an interrupted drill
  // must be seen. Another project folder remounts the panel (key), so no state of the last one stays.
  useEffect(() => {
    if (!dir) return;
    let cancelled = false;
    void api['drill.list']({ dir }).then((r) => {
      if (!cancelled) listed(r);
    });
    return () => {
      cancelled = true;
    };
  }, [api, dir, listed]);

  useEffect(
    () =>
      api.on('drill.progress', (p) => {
        if (p.dir !== dir && p.drillId !== activeId) return;
        setProgress(p);
        setActiveId(p.drillId);
        if (!drillRunning(p.state)) void loadList();
      }),
    [api, dir, activeId, loadList],
  );

  const chosen = options?.options.find((o) => o.kind === kind);
  // A kind limited to some hosts (the reboot test: the plan's reboot hosts) targets one of those:
  // the chosen one, else the VIP's holder when it is one of them, else the first.
  const allowed = chosen?.targets;
  const holderId = options?.holderHostId ?? '';
  const effectiveTarget = allowed ? (allowed.includes(target) ? target : allowed.includes(holderId) ? holderId : (allowed[0] ?? '')) : target;

  const start = async (technician: string): Promise<AppError | null> => {
    if (!kind) return null;
    const r = await api['drill.start']({ dir, kind, technician, confirm: true, ...(effectiveTarget ? { targetHostId: effectiveTarget } : {}) });
    if (!r.ok) return r.error;
    setConfirming(false);
    setActiveId(r.value.drillId);
    setProgress({ dir, drillId: r.value.drillId, state: 'running', timeline: [], probesSent: 0, probesFailed: 0, lastProbeOk: true });
    return null;
  };

  const abort = async () => {
    if (!activeId) return;
    setBusy(true);
    const r = await api['drill.abort']({ dir, drillId: activeId });
    setBusy(false);
    if (!r.ok) return failed(r.error);
    void loadList();
  };

  const recover = async () => {
    if (!pending) return;
    setBusy(true);
    setError(null);
    const r = await api['drill.recover']({ dir, drillId: pending.id });
    setBusy(false);
    if (!r.ok) return failed(r.error);
    void loadList();
  };

  const running = progress !== null && drillRunning(progress.state);
  const finished = activeId && progress && !running ? drills.find((d) => d.id === activeId) : undefined;

  return (
    <section className="panel drill-panel" data-testid="drill-panel">
      <div className="panel-header">
        <h2>{t('drill.title')}</h2>
        {!open && !unsupported ? (
          <button type="button" data-testid="drill-open" disabled={!dir} onClick={() => {
            setOpen(true);
            void loadOptions();
          }}>
            {t('drill.open')}
          </button>
        ) : null}
      </div>
      <p className="message banner-warn small" data-testid="drill-disruptive">{t('drill.disruptive')}</p>
      {unsupported ? (
        <p className="muted" data-testid="drill-unsupported">{t('drill.unsupported')}</p>
      ) : null}
      {pending ? (
        <div className="message message-error" role="alert" data-testid="drill-pending">
          <p>{t('drill.pending', { kind: t(`drill.kind.${pending.kind}`), host: hostName(pending.targetHostId), at: localTime(pending.startedAt, i18n.language) })}</p>
          <button type="button" className="primary" data-testid="drill-recover" disabled={busy} onClick={() => void recover()}>
            {t('drill.recover')}
          </button>
        </div>
      ) : null}
      {open && !unsupported && options ? (
        <div className="drill-setup" data-testid="drill-setup">
          <p data-testid="drill-vip">
            {t('drill.vip', { vip: options.vip, port: options.tcpPort })}{' '}
            <span data-testid="drill-holder" data-host-id={options.holderHostId ?? ''}>
              {options.holderHostId ? t('drill.holder', { host: hostName(options.holderHostId) }) : t('drill.noHolder')}
            </span>
          </p>
          {options.problem ? <p className="net-bad" data-testid="drill-problem" data-code={options.problem.code}>{drillReasonText(t, options.problem)}</p> : null}
          <p className="small muted">{t('drill.customerRto', { rto: seconds(options.rtoTargetMs) })}</p>
          <fieldset className="drill-kinds">
            <legend>{t('drill.kindLegend')}</legend>
            {options.options.map((o) => (
              <label key={o.kind} className={o.available ? '' : 'muted'} data-testid="drill-kind" data-kind={o.kind} data-available={o.available ? 'yes' : 'no'}>
                <input type="radio" name="drill-kind" value={o.kind} disabled={!o.available || running} checked={kind === o.kind} onChange={() => setKind(o.kind)} />{' '}
                <strong>{t(`drill.kind.${o.kind}`)}</strong>{' '}
                <span className="small">{o.bound ? t('drill.expected', { bound: seconds(o.bound.boundMs), formula: boundText(t, o.bound) }) : t('drill.noBound')}</span>
                {!o.available && o.reason ? <span className="small net-bad"> — {drillReasonText(t, o.reason)}</span> : null}
              </label>
            ))}
          </fieldset>
          <label className="net-field">
            <span>{t('drill.target')}</span>
            <select data-testid="drill-target" value={effectiveTarget} disabled={running} onChange={(e) => setTarget(e.target.value)}>
              {allowed ? null : <option value="">{t('drill.targetHolder')}</option>}
              {(allowed ? hosts.filter((h) => allowed.includes(h.id)) : hosts).map((h) => (
                <option key={h.id} value={h.id}>
                  {h.name || h.address}
                  {h.id === options.holderHostId ? ` (${t('drill.holderShort')})` : ''}
                </option>
              ))}
            </select>
          </label>
          <div className="drill-actions">
            <button type="button" className="danger" data-testid="drill-start" disabled={!chosen?.available || running || busy || !!pending} onClick={() => setConfirming(true)}>
              {t('drill.start')}
            </button>
            <button type="button" data-testid="drill-refresh" disabled={running} onClick={() => void loadOptions()}>
              {t('drill.refresh')}
            </button>
          </div>
        </div>
      ) : null}
      {progress ? (
        <div className="drill-live" data-testid="drill-progress" data-state={progress.state}>
          <p>
            <span className={`badge ${running ? 'badge-warn' : progress.state === 'passed' ? 'badge-ok' : 'badge-danger'}`} data-testid="drill-state">
              {t(`drill.state.${progress.state}`)}
            </span>{' '}
            <span data-testid="drill-probes">{t('drill.probes', { sent: progress.probesSent, failed: progress.probesFailed })}</span>{' '}
            <span className={progress.lastProbeOk ? 'net-ok' : 'net-bad'} data-testid="drill-last-probe">{t(progress.lastProbeOk ? 'drill.probeOk' : 'drill.probeFailed')}</span>
          </p>
          {/* Once ended, the result below shows the whole timeline beside the figures. */}
          {finished ? null : <Timeline entries={progress.timeline} hostName={hostName} testId="drill-timeline" />}
          {running ? (
            <button type="button" className="danger" data-testid="drill-abort" disabled={busy} onClick={() => void abort()}>
              {t('drill.abort')}
            </button>
          ) : null}
        </div>
      ) : null}
      {finished ? <DrillResult record={finished} hostName={hostName} /> : null}
      {error ? (
        <div className="message message-error" role="alert" data-testid="drill-error">
          <ErrorDetails error={error} />
        </div>
      ) : null}
      {drills.length > 0 ? <PastDrills drills={drills} hostName={hostName} /> : null}
      {confirming && kind ? (
        <ConfirmDrillDialog
          kind={kind}
          host={hostName(effectiveTarget || options?.holderHostId)}
          holds={(effectiveTarget || holderId) === holderId}
          vip={options?.vip ?? ''}
          bound={chosen?.bound ? seconds(chosen.bound.boundMs) : '—'}
          defaultName={projectTechnician}
          onSubmit={start}
          onCancel={() => setConfirming(false)}
        />
      ) : null}
    </section>
  );
}

function boundText(t: TFunction, b: NonNullable<DrillRecord['bound']>): string {
  const key = boundTextKey(b);
  return t(`drill.formula.${key}`, { ...Object.fromEntries(Object.entries(b.params).map(([k, v]) => [k, seconds(v)])), defaultValue: b.formula });
}

function Timeline({ entries, hostName, testId }: { entries: DrillRecord['timeline']; hostName: (id?: string) => string; testId: string }) {
  const { t } = useTranslation();
  return (
    <ol className="drill-timeline" data-testid={testId}>
      {sortedTimeline(entries).map((e, k) => (
        <li key={k} data-testid="drill-event" data-event={e.event}>
          <span className="mono">+{seconds(e.atMs)}</span> {t(`drill.event.${e.event}`)}
          {e.hostId ? <span className="muted"> ({hostName(e.hostId)})</span> : null}
        </li>
      ))}
    </ol>
  );
}

/** The figures beside the expected bound and the customer's RTO, with pass/fail. */
function DrillResult({ record: r, hostName }: { record: DrillRecord; hostName: (id?: string) => string }) {
  const { t } = useTranslation();
  const v = drillVerdict(r);
  const mark = (x: 'yes' | 'no' | 'unknown') => (
    <span className={`badge ${x === 'yes' ? 'badge-ok' : x === 'no' ? 'badge-danger' : ''}`} data-result={x}>
      {t(`drill.within.${x}`)}
    </span>
  );
  return (
    <div className="drill-result" data-testid="drill-result" data-state={r.state} data-drill-id={r.id}>
      <h3>
        {t('drill.resultTitle', { kind: t(`drill.kind.${r.kind}`), host: hostName(r.targetHostId) })} —{' '}
        <span data-testid="drill-result-state">{t(`drill.state.${r.state}`)}</span>
      </h3>
      <table className="net-table drill-figures">
        <tbody>
          <tr data-testid="drill-figure" data-figure="rto">
            <th>{t('drill.figure.rto')}</th>
            <td data-testid="drill-rto">{seconds(r.figures.rtoMs)}</td>
            <td>{t('drill.boundCol', { bound: r.bound ? seconds(r.bound.boundMs) : '—' })} {mark(v.withinBound)}</td>
            <td data-testid="drill-rto-verdict" data-result={v.withinRto}>{t('drill.customerCol', { rto: seconds(r.rtoTargetMs) })} {mark(v.withinRto)}</td>
          </tr>
          {(['outage', 'detection', 'vipMoved', 'rejoin'] as const).map((f) => (
            <tr key={f} data-testid="drill-figure" data-figure={f}>
              <th>{t(f === 'rejoin' && r.kind === 'reboot' ? 'drill.figure.rejoinReboot' : `drill.figure.${f}`)}</th>
              <td data-testid={`drill-${f}`}>{seconds(r.figures[`${f}Ms`])}</td>
              <td colSpan={2} />
            </tr>
          ))}
          <tr>
            <th>{t('drill.figure.probes')}</th>
            <td colSpan={3}>{t('drill.probes', { sent: r.figures.probesSent, failed: r.figures.probesFailed })}</td>
          </tr>
        </tbody>
      </table>
      {r.reasons.length > 0 ? (
        <ul className="net-issues" data-testid="drill-reasons">
          {r.reasons.map((x, k) => (
            <li key={k} data-code={x.code}>{drillReasonText(t, x)}</li>
          ))}
        </ul>
      ) : null}
      <Timeline entries={r.timeline} hostName={hostName} testId="drill-result-timeline" />
    </div>
  );
}

function PastDrills({ drills, hostName }: { drills: DrillRecord[]; hostName: (id?: string) => string }) {
  const { t, i18n } = useTranslation();
  return (
    <table className="net-table" data-testid="drill-list">
      <thead>
        <tr>
          <th>{t('drill.col.started')}</th>
          <th>{t('drill.col.kind')}</th>
          <th>{t('drill.col.target')}</th>
          <th>{t('drill.col.state')}</th>
          <th>{t('drill.col.rto')}</th>
          <th>{t('drill.col.rejoin')}</th>
          <th>{t('drill.col.technician')}</th>
        </tr>
      </thead>
      <tbody>
        {[...drills].reverse().map((d) => {
          const v = drillVerdict(d);
          return (
            <tr key={d.id} data-testid="drill-row" data-drill-id={d.id} data-state={d.state}>
              <td className="small" title={d.startedAt}>{localTime(d.startedAt, i18n.language)}</td>
              <td>{t(`drill.kind.${d.kind}`)}</td>
              <td>{hostName(d.targetHostId)}</td>
              <td>{t(`drill.state.${d.state}`)}</td>
              <td className={v.withinRto === 'no' ? 'net-bad' : v.withinRto === 'yes' ? 'net-ok' : ''}>
                {seconds(d.figures.rtoMs)} / {seconds(d.rtoTargetMs)}
              </td>
              <td>{seconds(d.figures.rejoinMs)}</td>
              <td>{d.technician}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** What will be cut, that the cluster is restored at the end, and who does it; nothing starts without it. */
function ConfirmDrillDialog({
  kind,
  host,
  holds,
  vip,
  bound,
  defaultName,
  onSubmit,
  onCancel,
}: {
  kind: DrillKind;
  host: string;
  /** The target holds the VIP now (else its clients should not notice). */
  holds: boolean;
  vip: string;
  bound: string;
  defaultName: string;
  onSubmit: (technician: string) => Promise<AppError | null>;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const [name, setName] = useState(defaultName);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  return (
    <Modal testId="drill-confirm" title={t('drill.confirm.title', { kind: t(`drill.kind.${kind}`) })} onCancel={onCancel}>
      <p className="rb-subject" data-testid="drill-confirm-cut">{t(`drill.confirm.cut.${kind}`, { host, vip })}</p>
      <p className="small" data-testid="drill-confirm-outage">{holds ? t('drill.confirm.outage', { vip, bound }) : t('drill.confirm.outageNone', { vip, host })}</p>
      <p className="small" data-testid="drill-confirm-restore">{t(kind === 'reboot' ? 'drill.confirm.restoreReboot' : 'drill.confirm.restore', { host })}</p>
      <label htmlFor="drill-technician">{t('runbook.technicianName')}</label>
      <input id="drill-technician" data-testid="drill-technician" value={name} maxLength={200} autoFocus onChange={(e) => setName(e.target.value)} />
      {error ? (
        <div className="message message-error" role="alert" data-testid="drill-confirm-error">
          <ErrorDetails error={error} />
        </div>
      ) : null}
      <div className="toolbar">
        <button type="button" onClick={onCancel}>{t('drill.confirm.cancel')}</button>
        <button
          type="button"
          className="danger"
          data-testid="drill-confirm-start"
          disabled={busy || name.trim() === ''}
          onClick={async () => {
            setBusy(true);
            const e = await onSubmit(name.trim());
            setBusy(false);
            if (e) setError(e);
          }}
        >
          {t(`drill.confirm.start.${kind}`)}
        </button>
      </div>
    </Modal>
  );
}
