import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import {
  FILESYSTEMS,
  RAID_LEVELS,
  STORAGE_STEP,
  storagePlanSchema,
  type ArrayStatus,
  type DiskInfo,
  type HostDisks,
  type StorageIssue,
  type StorageVolume,
} from '../../../../electron/contract/index.js';
import { useApi } from '../../api/backend-context.js';
import { ErrorDetails, localizedError } from '../../components/error-details.js';
import { formatBytes, withHumanSizes } from '../../lib/bytes.js';
import { StepRunner } from '../../runbook/step-runner.js';
import { useAppStore } from '../../store/index.js';
import { applyDisksRead, draftFromPlan, newVolume, planFromDraft, toggleDisk, type StorageDraft } from './draft.js';
import { isSyncing, issueKey, liveIssues, usableBytes } from './model.js';
import { pollStorageStatus } from './status-poller.js';
import './storage.css';

/** How often the resync bar refreshes while an array syncs (the backend reads /proc/mdstat, no journal entry). */
const POLL_MS = 2000;

/** Wizard step 4: every host's disks and why some may not be used, the array plan, applying it, the resync. */
export function StorageStep() {
  const { t } = useTranslation();
  const dir = useAppStore((s) => s.projectDir.trim());
  const mode = useAppStore((s) => s.storageDraft?.mode);
  return (
    <div className="step-page storage-step" data-testid="storage-step">
      <h1>{t('steps.storage.name')}</h1>
      {dir === '' ? <p className="muted" data-testid="storage-needs-project">{t('runbook.needsProject')}</p> : null}
      <DisksPanel />
      <PlanPanel />
      <StepRunner stepId={STORAGE_STEP} />
      {mode !== 'none' ? <StatusPanel /> : null}
    </div>
  );
}

const reasonText = (t: TFunction, d: DiskInfo) =>
  d.reasons.map((r) => t(`storage.reason.${r}`, { ...withHumanSizes(d.reasonParams), defaultValue: r }));

function hostLabel(hosts: readonly { id: string; name: string; address: string }[], hostId: string | undefined): string {
  const h = hosts.find((x) => x.id === hostId);
  return h ? h.name || h.address : (hostId ?? '');
}

function DisksPanel() {
  const { t } = useTranslation();
  const api = useApi();
  const dir = useAppStore((s) => s.projectDir.trim());
  const read = useAppStore((s) => s.storageDisks);
  const draft = useAppStore((s) => s.storageDraft);
  const [busy, setBusy] = useState(false);
  const readDisks = async () => {
    setBusy(true);
    useAppStore.getState().setStorageError(null);
    const r = await api['storage.disks']({ dir });
    setBusy(false);
    const s = useAppStore.getState();
    if (!r.ok) return s.setStorageError(r.error);
    s.setStorageDisks(r.value.hosts);
    if (s.storageDraft) s.setStorageDraft(applyDisksRead(s.storageDraft, r.value.hosts));
  };
  const raid = draft?.mode !== 'none';
  return (
    <section className="panel" data-testid="storage-disks">
      <div className="panel-header">
        <h2>{t('storage.disks.title')}</h2>
        <button type="button" data-testid="storage-read-disks" disabled={busy || !dir} onClick={() => void readDisks()}>
          {busy ? t('storage.disks.reading') : t('storage.disks.read')}
        </button>
      </div>
      <p className="muted">{t('storage.disks.intro')}</p>
      {read ? read.map((h) => <HostDisksTable key={h.hostId} host={h} draft={draft} raid={raid} />) : <p className="muted">{t('storage.disks.none')}</p>}
    </section>
  );
}

function HostDisksTable({ host, draft, raid }: { host: HostDisks; draft: StorageDraft | null; raid: boolean }) {
  const { t } = useTranslation();
  const chosen = draft?.hosts.find((h) => h.hostId === host.hostId)?.disks ?? [];
  const isChosen = (serial: string) => chosen.some((d) => d.serial === serial);
  const candidates = host.disks.filter((d) => !d.reasons.includes('system-disk'));
  const gone = chosen.filter((p) => !host.disks.some((d) => d.serial === p.serial));
  return (
    <div className="storage-host" data-testid="storage-host" data-host-id={host.hostId} data-address={host.address}>
      <h3>
        {host.name || host.address} <span className="muted small">{host.address}</span>
      </h3>
      {!host.ok ? (
        <p className="storage-bad" data-testid="storage-host-error" data-reason={host.reason ?? ''}>
          {localizedError(t, { code: 'internal', message: host.message ?? '', reason: host.reason as never, params: host.params }).message}
        </p>
      ) : (
        <>
          {!host.mdSupported ? (
            <p className="banner banner-warn" data-testid="storage-no-md">
              {t('storage.disks.noMd')}
            </p>
          ) : null}
          <div className="table-scroll">
            <table className="storage-table">
              <thead>
                <tr>
                  <th>{t('storage.disks.use')}</th>
                  <th>{t('storage.disks.name')}</th>
                  <th>{t('storage.disks.serial')}</th>
                  <th>{t('storage.disks.size')}</th>
                  <th>{t('storage.disks.model')}</th>
                  <th>{t('storage.disks.byId')}</th>
                  <th>{t('storage.disks.kind')}</th>
                  <th>SMART</th>
                  <th>{t('storage.disks.eligibility')}</th>
                </tr>
              </thead>
              <tbody>
                {candidates.map((d) => (
                  <tr key={d.serial || d.name} data-testid="storage-disk" data-serial={d.serial} data-name={d.name} data-eligible={String(d.eligible)} data-reasons={d.reasons.join(' ')}>
                    <td>
                      <input
                        type="checkbox"
                        data-testid="storage-disk-use"
                        aria-label={t('storage.disks.useDisk', { serial: d.serial || d.name })}
                        checked={raid && isChosen(d.serial)}
                        disabled={!raid || !draft || (!d.eligible && !isChosen(d.serial))}
                        onChange={(e) => {
                          const s = useAppStore.getState();
                          if (s.storageDraft) s.setStorageDraft(toggleDisk(s.storageDraft, host.hostId, d, e.target.checked));
                        }}
                      />
                    </td>
                    <td>{d.name}</td>
                    <td><code>{d.serial || '—'}</code></td>
                    <td data-testid="storage-disk-size">{formatBytes(d.sizeBytes)}</td>
                    <td>{d.model || '—'}</td>
                    <td className="storage-byid"><code>{d.byId || '—'}</code></td>
                    <td>{d.rotational ? t('storage.disks.hdd') : t('storage.disks.ssd')}{d.transport ? ` · ${d.transport}` : ''}</td>
                    <td className={d.smart === 'FAILED' ? 'storage-bad' : d.smart === 'PASSED' ? 'storage-ok' : 'muted'}>{d.smart === 'unknown' ? t('storage.disks.smartUnknown') : d.smart}</td>
                    <td data-testid="storage-disk-eligibility">
                      {d.eligible ? (
                        <span className="badge badge-ok">{t('storage.disks.eligible')}</span>
                      ) : (
                        <ul className="storage-reasons">
                          {reasonText(t, d).map((r, i) => (
                            <li key={d.reasons[i]} data-testid="storage-disk-reason" data-reason={d.reasons[i]}>{r}</li>
                          ))}
                        </ul>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {host.disks.length > candidates.length ? (
            <p className="muted small" data-testid="storage-system-disks">
              {t('storage.disks.systemHidden', { names: host.disks.filter((d) => d.reasons.includes('system-disk')).map((d) => d.name).join(', ') })}
            </p>
          ) : null}
          {candidates.length === 0 ? <p className="muted">{t('storage.disks.noCandidates')}</p> : null}
          {raid && gone.length > 0 ? (
            <p className="storage-bad" data-testid="storage-disk-gone">
              {t('storage.disks.gone', { serials: gone.map((g) => g.serial).join(', ') })}
            </p>
          ) : null}
        </>
      )}
    </div>
  );
}

function formatStorageIssue(t: TFunction, issue: StorageIssue, hosts: readonly { id: string; name: string; address: string }[]): string {
  const text = t(`storage.issue.${issueKey(issue.code)}`, {
    defaultValue: issue.message,
    message: issue.message,
    field: issue.field,
    ...withHumanSizes(issue.params),
    host: issue.params?.host ?? hostLabel(hosts, issue.hostId),
    // disk-not-eligible names the disk's reasons as codes: each in the technician's language.
    ...(typeof issue.params?.reasons === 'string'
      ? { reasons: issue.params.reasons.split(/,\s*/).map((r) => t(`storage.reason.${r}`, { defaultValue: r })).join(t('storage.listSeparator')) }
      : {}),
  });
  // Never a raw {{placeholder}}: the English text is better than a half-filled sentence.
  return /\{\{/.test(text) ? issue.message : text;
}

function PlanPanel() {
  const { t } = useTranslation();
  const api = useApi();
  const dir = useAppStore((s) => s.projectDir.trim());
  const hosts = useAppStore((s) => s.hosts);
  const saved = useAppStore((s) => s.extras.storage);
  const draft = useAppStore((s) => s.storageDraft);
  const read = useAppStore((s) => s.storageDisks);
  const error = useAppStore((s) => s.storageError);
  const savedPath = useAppStore((s) => s.storageSaved);
  const [busy, setBusy] = useState(false);
  const refs = useMemo(() => hosts.map((h) => ({ id: h.id, name: h.name, address: h.address })), [hosts]);

  // The form starts from the saved plan and follows the inventory (hosts added or removed).
  useEffect(() => {
    const d = useAppStore.getState().storageDraft;
    if (!d || d.hosts.map((h) => h.hostId).join() !== refs.map((h) => h.id).join()) {
      let next = draftFromPlan(saved ?? (d ? storagePlanSchema.parse(planFromDraft(d)) : undefined), refs);
      const disks = useAppStore.getState().storageDisks;
      if (disks) next = applyDisksRead(next, disks);
      useAppStore.getState().setStorageDraft(next);
    }
  }, [refs, saved]);

  const plan = useMemo(() => (draft ? planFromDraft(draft) : null), [draft]);
  const issues = useMemo(() => (plan ? liveIssues(plan, refs, read ?? undefined) : []), [plan, refs, read]);
  if (!draft || !plan) return null;
  const update = (patch: Partial<StorageDraft>) => useAppStore.getState().setStorageDraft({ ...draft, ...patch });
  const updateVolume = (i: number, patch: Partial<StorageVolume>) => update({ volumes: draft.volumes.map((v, k) => (k === i ? { ...v, ...patch } : v)) });
  const bad = (field: string) => issues.some((i) => i.field === field || i.field.startsWith(`${field}.`));

  const save = async () => {
    setBusy(true);
    useAppStore.getState().setStorageError(null);
    const parsed = storagePlanSchema.parse(plan);
    const r = await api['storage.savePlan']({ dir, plan: parsed });
    setBusy(false);
    if (!r.ok) return useAppStore.getState().setStorageError(r.error);
    const after = useAppStore.getState();
    after.setExtras({ storage: parsed });
    after.markSaved(r.value.path, r.value.revision);
    // A saved plan is a choice for every host: a later read does not re-tick what was unticked.
    after.setStorageDraft({ ...draft, hosts: draft.hosts.map((h) => ({ ...h, chosen: true })) });
    after.setStorageSaved(r.value.path);
  };

  const raid = draft.mode === 'raid';
  const input = (value: string, onChange: (v: string) => void, testId: string, field: string, width = 'm') => (
    <input className={`storage-in-${width}${bad(field) ? ' invalid' : ''}`} data-testid={testId} value={value} onChange={(e) => onChange(e.target.value)} />
  );

  return (
    <section className="panel" data-testid="storage-plan">
      <div className="panel-header">
        <h2>{t('storage.plan.title')}</h2>
        <button type="button" className="primary" data-testid="storage-save-plan" disabled={busy || !dir} onClick={() => void save()}>
          {t('storage.plan.save')}
        </button>
      </div>
      <fieldset className="storage-mode">
        <label>
          <input type="radio" name="storage-mode" data-testid="storage-mode-raid" checked={raid} onChange={() => update({ mode: 'raid' })} /> {t('storage.plan.modeRaid')}
        </label>
        <label>
          <input type="radio" name="storage-mode" data-testid="storage-mode-none" checked={!raid} onChange={() => update({ mode: 'none' })} /> {t('storage.plan.modeNone')}
        </label>
      </fieldset>
      {raid ? (
        <>
          <div className="storage-layout">
            <label className="storage-field">
              <span>{t('storage.plan.level')}</span>
              <select data-testid="storage-level" value={draft.level} onChange={(e) => update({ level: e.target.value as StorageDraft['level'] })}>
                {RAID_LEVELS.map((l) => <option key={l} value={l}>{t(`storage.level.${l}`)}</option>)}
              </select>
            </label>
            <label className="storage-field">
              <span>{t('storage.plan.arrayName')}</span>
              {input(draft.arrayName, (v) => update({ arrayName: v }), 'storage-array-name', 'layout.arrayName')}
            </label>
            <label className="storage-field storage-check">
              <span>{t('storage.plan.lvm')}</span>
              <input type="checkbox" data-testid="storage-lvm" checked={draft.lvm} onChange={(e) => update({ lvm: e.target.checked })} />
            </label>
            {draft.lvm ? (
              <label className="storage-field">
                <span>{t('storage.plan.vg')}</span>
                {input(draft.vg, (v) => update({ vg: v }), 'storage-vg', 'layout.lvm')}
              </label>
            ) : null}
          </div>
          <p className="muted small">{draft.lvm ? t('storage.plan.lvmHelp') : t('storage.plan.noLvmHelp')}</p>
          <div className="table-scroll">
            <table className="storage-table storage-volumes">
              <thead>
                <tr>
                  {draft.lvm ? <th>{t('storage.plan.lvName')}</th> : null}
                  {draft.lvm ? <th>{t('storage.plan.lvSize')}</th> : null}
                  <th>{t('storage.plan.filesystem')}</th>
                  <th>{t('storage.plan.mountPoint')}</th>
                  <th>{t('storage.plan.mountOptions')}</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {(draft.lvm ? draft.volumes : draft.volumes.slice(0, 1)).map((v, i) => (
                  <tr key={i} data-testid="storage-volume" data-index={i}>
                    {draft.lvm ? <td>{input(v.name, (x) => updateVolume(i, { name: x }), 'storage-volume-name', `layout.volumes.${i}.name`, 's')}</td> : null}
                    {draft.lvm ? <td>{input(v.size, (x) => updateVolume(i, { size: x }), 'storage-volume-size', `layout.volumes.${i}.size`, 's')}</td> : null}
                    <td>
                      <select data-testid="storage-volume-fs" value={v.filesystem} onChange={(e) => updateVolume(i, { filesystem: e.target.value as StorageVolume['filesystem'] })}>
                        {FILESYSTEMS.map((f) => <option key={f} value={f}>{f}</option>)}
                      </select>
                    </td>
                    <td>{input(v.mountPoint, (x) => updateVolume(i, { mountPoint: x }), 'storage-volume-mount', `layout.volumes.${i}.mountPoint`)}</td>
                    <td>{input(v.mountOptions, (x) => updateVolume(i, { mountOptions: x }), 'storage-volume-options', `layout.volumes.${i}.mountOptions`)}</td>
                    <td>
                      {draft.lvm && draft.volumes.length > 1 ? (
                        <button type="button" data-testid="storage-volume-remove" onClick={() => update({ volumes: draft.volumes.filter((_, k) => k !== i) })}>
                          {t('storage.plan.removeVolume')}
                        </button>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {draft.lvm ? (
            <button type="button" data-testid="storage-volume-add" disabled={draft.volumes.length >= 16} onClick={() => update({ volumes: [...draft.volumes, newVolume(draft.volumes.length)] })}>
              {t('storage.plan.addVolume')}
            </button>
          ) : null}
          <h3>{t('storage.plan.hostsTitle')}</h3>
          <ul className="storage-plan-hosts">
            {draft.hosts.map((h) => {
              const host = refs.find((r) => r.id === h.hostId);
              return (
                <li key={h.hostId} data-testid="storage-plan-host" data-host-id={h.hostId} data-serials={h.disks.map((d) => d.serial).join(' ')}>
                  <strong>{host?.name || host?.address}</strong>:{' '}
                  {h.disks.length === 0
                    ? t(read ? 'storage.plan.hostNoDisks' : 'storage.plan.hostReadFirst')
                    : t('storage.plan.hostDisks', {
                        count: h.disks.length,
                        serials: h.disks.map((d) => d.serial).join(', '),
                        usable: formatBytes(usableBytes(draft.level, h.disks.map((d) => d.sizeBytes))),
                      })}
                </li>
              );
            })}
          </ul>
        </>
      ) : (
        <p className="muted" data-testid="storage-none-help">{t('storage.plan.noneHelp')}</p>
      )}
      {issues.length > 0 ? (
        <ul className="storage-issues" data-testid="storage-issues">
          {issues.map((i, k) => (
            <li key={k} data-testid="storage-issue" data-code={issueKey(i.code)} data-field={i.field} data-host-id={i.hostId ?? ''}>
              {formatStorageIssue(t, i, refs)}
            </li>
          ))}
        </ul>
      ) : null}
      {savedPath ? <p className="storage-ok" data-testid="storage-plan-saved">{t('storage.plan.saved', { path: savedPath })}</p> : null}
      {error ? (
        <div data-testid="storage-error">
          {/* The issues are listed below in storage wording (storage.issue.<code>), not as generic field issues. */}
          <ErrorDetails error={{ ...error, issues: [] }} />
          {error.issues?.length ? (
            <ul className="storage-issues">
              {error.issues.map((i, k) => (
                <li key={k} data-testid="storage-save-issue" data-code={issueKey(i.code ?? '')}>
                  {i.code ? formatStorageIssue(t, { field: i.field, code: i.code, message: i.message, params: i.params }, refs) : i.message}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}

/**
 * The arrays as they are now. Read when the page opens and when a run ends; re-read every
 * POLL_MS only while an array syncs and the window is visible, and never after the page closes.
 */
function StatusPanel() {
  const { t, i18n } = useTranslation();
  const api = useApi();
  const dir = useAppStore((s) => s.projectDir.trim());
  const backendState = useAppStore((s) => s.backendState);
  const planned = useAppStore((s) => (s.extras.storage?.mode === 'raid' ? s.extras.storage.hosts.length : 0));
  const status = useAppStore((s) => s.storageStatus);
  const run = useAppStore((s) => s.runbookRuns[STORAGE_STEP]);
  const runKey = run ? `${run.runId}:${run.status}` : '';

  useEffect(() => {
    if (backendState !== 'open' || dir === '' || planned === 0) return;
    const onVisibility = (fn: () => void) => {
      document.addEventListener('visibilitychange', fn);
      return () => document.removeEventListener('visibilitychange', fn);
    };
    return pollStorageStatus({
      read: async () => {
        const r = await api['storage.status']({ dir });
        return r.ok ? r.value : null;
      },
      show: (v) => useAppStore.getState().setStorageStatus(v),
      hidden: () => document.hidden,
      onVisibility,
      setTimer: (fn, ms) => setTimeout(fn, ms),
      clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
      intervalMs: POLL_MS,
    });
  }, [api, dir, backendState, planned, runKey]);

  if (!status || planned === 0) return null;
  const syncing = isSyncing(status.hosts);
  return (
    <section className="panel" data-testid="storage-status" data-syncing={String(syncing)}>
      <h2>{t('storage.status.title')}</h2>
      {syncing ? <p className="banner banner-warn" data-testid="storage-sync-note">{t('storage.status.moveOn')}</p> : null}
      {status.hosts.map((h) => (
        <div key={h.hostId} className="storage-host" data-testid="storage-status-host" data-host-id={h.hostId}>
          <h3>{h.name}</h3>
          {!h.ok ? (
            <p className="storage-bad">{localizedError(t, { code: 'internal', message: '', reason: h.reason as never, params: h.params }).message}</p>
          ) : h.arrays.length === 0 ? (
            <p className="muted" data-testid="storage-no-array">{t('storage.status.noArray')}</p>
          ) : (
            h.arrays.map((a) => <ArrayView key={a.device} a={a} />)
          )}
        </div>
      ))}
      <p className="muted small">{t('storage.status.at', { at: new Date(status.at).toLocaleTimeString(i18n.language) })}</p>
    </section>
  );
}

function ArrayView({ a }: { a: ArrayStatus }) {
  const { t } = useTranslation();
  const badge = a.state === 'clean' || a.state === 'active' ? 'badge-ok' : a.state === 'degraded' || a.state === 'failed' || a.state === 'inactive' ? 'badge-danger' : 'badge-warn';
  return (
    <div className="storage-array" data-testid="storage-array" data-state={a.state} data-device={a.device}>
      <div>
        <code>{a.device}</code> · {a.level} · {formatBytes(a.sizeBytes)}{' '}
        <span className={`badge ${badge}`} data-testid="storage-array-state">{t(`storage.state.${a.state}`)}</span>
      </div>
      {a.sync ? (
        <div className="storage-sync" data-testid="storage-sync" data-percent={a.sync.percent}>
          <progress max={100} value={a.sync.percent} aria-label={t('storage.status.progress')} />
          <span>
            {t('storage.status.sync', {
              action: t(`storage.syncAction.${a.sync.action}`, { defaultValue: a.sync.action }),
              percent: a.sync.percent.toFixed(1),
              speed: a.sync.speedKiBs !== undefined ? `${formatBytes(a.sync.speedKiBs * 1024)}/s` : '—',
              eta: a.sync.finishMin !== undefined ? t('storage.status.minutes', { count: Math.ceil(a.sync.finishMin) }) : '—',
            })}
          </span>
        </div>
      ) : null}
      <div className="small">
        {t('storage.status.members')}:{' '}
        {a.members.map((m) => (
          <span key={m.serial || m.device} className="storage-member" data-testid="storage-member" data-serial={m.serial} data-state={m.state}>
            <code>{m.serial || m.device}</code> ({m.state})
          </span>
        ))}
      </div>
      {a.missing.length > 0 ? (
        <div className="small storage-bad" data-testid="storage-missing">
          {t('storage.status.missing', { serials: a.missing.join(', ') })}
        </div>
      ) : null}
      <div className="small">
        {a.mountPoint ? t('storage.status.mounted', { mountPoint: a.mountPoint }) : t('storage.status.notMounted')} ·{' '}
        {a.inFstab ? t('storage.status.inFstab') : t('storage.status.notInFstab')} · {a.inMdadmConf ? t('storage.status.inMdadmConf') : t('storage.status.notInMdadmConf')}
      </div>
    </div>
  );
}
