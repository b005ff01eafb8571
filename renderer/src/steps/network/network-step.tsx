import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  BOND_MODES,
  IFACE_KINDS,
  NETWORK_CHECK_STEP,
  NETWORK_HOSTS_STEP,
  networkPlanSchema,
  validateNetworkPlan,
  type FindingView,
  type MatrixCell,
  type RacksideApi,
} from '../../../../electron/contract/index.js';
import { useApi } from '../../api/backend-context.js';
import { ErrorDetails, localizedError } from '../../components/error-details.js';
import { StepRunner } from '../../runbook/step-runner.js';
import { useWindowedTable, windowRows } from '../../lib/window-rows.js';
import { useAppStore } from '../../store/index.js';
import { addressesHeldByOthers, draftFromPlan, draftIsSaved, planFromDraft, planIsEmpty, prefillFromInterfaces, type HostNetDraft, type NetworkDraft } from './draft.js';
import './network.css';
import { formatChange, formatFinding, formatNetworkIssue, matrixCellNotes, matrixPorts } from '../../lib/format-issue.js';
import { cellKey, HEAT_MAP_FROM_HOSTS, indexCells } from './heat.js';
import { MatrixHeatMap } from './matrix-heat-map.js';

/** Wizard step 3: interfaces, the plan, hostnames and /etc/hosts, addressing, the matrix. */
export function NetworkStep() {
  const { t } = useTranslation();
  const dir = useAppStore((s) => s.projectDir.trim());
  return (
    <div className="step-page network-step" data-testid="network-step">
      <h1>{t('steps.network.name')}</h1>
      {dir === '' ? <p className="muted" data-testid="network-needs-project">{t('runbook.needsProject')}</p> : null}
      <InterfacesPanel />
      <PlanPanel />
      <StepRunner stepId={NETWORK_HOSTS_STEP} />
      <StepRunner stepId={NETWORK_CHECK_STEP} />
      <MatrixPanel />
    </div>
  );
}

function InterfacesPanel() {
  const { t } = useTranslation();
  const api = useApi();
  const dir = useAppStore((s) => s.projectDir.trim());
  const hosts = useAppStore((s) => s.networkInterfaces);
  const [busy, setBusy] = useState(false);
  const read = async () => {
    setBusy(true);
    const r = await api['network.interfaces']({ dir });
    setBusy(false);
    if (!r.ok) return useAppStore.getState().setNetworkError(r.error);
    const s = useAppStore.getState();
    s.setNetworkInterfaces(r.value.hosts);
    // The plan starts from what the hosts have now; rows already typed in stay as typed.
    if (s.networkDraft) s.setNetworkDraft(prefillFromInterfaces(s.networkDraft, r.value.hosts));
  };
  return (
    <section className="panel" data-testid="network-interfaces">
      <div className="panel-header">
        <h2>{t('network.interfaces.title')}</h2>
        <button type="button" data-testid="network-read-interfaces" disabled={busy || !dir} onClick={() => void read()}>
          {busy ? t('network.interfaces.reading') : t('network.interfaces.read')}
        </button>
      </div>
      {hosts ? (
        <div className="table-scroll">
          <table className="net-table">
            <thead>
              <tr>
                <th>{t('network.interfaces.host')}</th>
                <th>{t('network.interfaces.name')}</th>
                <th>{t('network.interfaces.kind')}</th>
                <th>MAC</th>
                <th>MTU</th>
                <th>{t('network.interfaces.state')}</th>
                <th>{t('network.interfaces.addresses')}</th>
              </tr>
            </thead>
            <tbody>
              {hosts.flatMap((h) =>
                !h.ok
                  ? [
                      <tr key={h.hostId} data-testid="iface-row" data-host-id={h.hostId}>
                        <td>{h.name || h.address}</td>
                        <td colSpan={6} className="net-bad">{localizedError(t, { code: 'internal', message: h.message ?? '', reason: h.reason, params: h.params }).message}</td>
                      </tr>,
                    ]
                  : h.interfaces
                      .filter((i) => i.kind !== 'loopback')
                      .map((i) => (
                        <tr key={`${h.hostId}-${i.name}`} data-testid="iface-row" data-host-id={h.hostId} data-iface={i.name}>
                          <td>
                            {h.hostname ?? h.name}
                            {h.defaultGateway ? <div className="muted small">{t('network.interfaces.gateway', { gateway: h.defaultGateway })}</div> : null}
                          </td>
                          <td>{i.name}</td>
                          <td>
                            {i.kind}
                            {i.bondMode ? ` (${i.bondMode})` : ''}
                            {i.master ? ` → ${i.master}${i.bondRole ? ` ${i.bondRole}` : ''}` : ''}
                            {i.vlanId !== undefined ? ` ${i.parent ?? ''}.${i.vlanId}` : ''}
                          </td>
                          <td><code>{i.mac}</code></td>
                          <td>{i.mtu}</td>
                          <td className={i.carrier ? 'net-ok' : 'net-bad'}>{i.state}</td>
                          <td>
                            {i.addresses.filter((a) => a.family === 'inet').map((a) => `${a.address}/${a.prefix}`).join(', ')}
                          </td>
                        </tr>
                      )),
              )}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="muted">{t('network.interfaces.none')}</p>
      )}
    </section>
  );
}

/** The plan table's columns: host, hostname, interface, kind, bond/VLAN, address, prefix, gateway, MTU, apply. */
const PLAN_COLUMNS = 10;

function PlanPanel() {
  const { t } = useTranslation();
  const api = useApi();
  const dir = useAppStore((s) => s.projectDir.trim());
  const hosts = useAppStore((s) => s.hosts);
  const saved = useAppStore((s) => s.extras.network);
  const draft = useAppStore((s) => s.networkDraft);
  const error = useAppStore((s) => s.networkError);
  const savedPath = useAppStore((s) => s.networkSaved);
  const interfaces = useAppStore((s) => s.networkInterfaces);
  const [busy, setBusy] = useState(false);
  const refs = useMemo(() => hosts.map((h) => ({ id: h.id, name: h.name, address: h.address })), [hosts]);

  // The form starts from the saved plan, and follows the inventory (hosts added or removed).
  useEffect(() => {
    const d = useAppStore.getState().networkDraft;
    if (!d || d.hosts.map((h) => h.hostId).join() !== refs.map((h) => h.id).join()) {
      useAppStore.getState().setNetworkDraft(draftFromPlan(saved ?? (d ? networkPlanSchema.parse(planFromDraft(d)) : undefined), refs));
    }
  }, [refs, saved]);

  const issues = useMemo(() => (draft ? validateNetworkPlan(planFromDraft(draft), refs) : []), [draft, refs]);
  const held = useMemo(() => (draft ? addressesHeldByOthers(draft, interfaces, refs) : []), [draft, interfaces, refs]);
  // Long plans (issue 21) render only the rows in view, as the inventory does; the row holding
  // keyboard focus stays rendered when it scrolls out, so typing still reaches it.
  const keys = useMemo(() => draft?.hosts.map((h) => h.hostId) ?? [], [draft?.hosts]);
  const { rows, scrollBox } = useWindowedTable(keys, 40);
  const hostById = useMemo(() => new Map(hosts.map((h) => [h.id, h])), [hosts]);
  const badFields = useMemo(() => new Set(issues.flatMap((i) => (i.hostId ? [`${i.hostId} ${i.field.split('.').pop() ?? ''}`] : []))), [issues]);
  if (!draft) return null;
  const empty = planIsEmpty(draft);
  const isSaved = draftIsSaved(draft, saved);
  const update = (patch: Partial<NetworkDraft>) => useAppStore.getState().setNetworkDraft({ ...draft, ...patch });
  const updateHost = (hostId: string, patch: Partial<HostNetDraft>) =>
    update({ hosts: draft.hosts.map((h) => (h.hostId === hostId ? { ...h, ...patch } : h)) });

  const save = async () => {
    setBusy(true);
    const s = useAppStore.getState();
    s.setNetworkError(null);
    const plan = networkPlanSchema.parse(planFromDraft(draft));
    const r = await api['network.savePlan']({ dir, plan });
    setBusy(false);
    if (!r.ok) return useAppStore.getState().setNetworkError(r.error);
    const after = useAppStore.getState();
    after.setExtras({ network: plan });
    after.markSaved(r.value.path, r.value.revision);
    after.setNetworkSaved(r.value.path);
  };

  const field = (label: string, value: string, onChange: (v: string) => void, testId: string, placeholder = '') => (
    <label className="net-field">
      <span>{label}</span>
      <input data-testid={testId} value={value} placeholder={placeholder} onChange={(e) => onChange(e.target.value)} />
    </label>
  );

  return (
    <section className="panel" data-testid="network-plan">
      <div className="panel-header">
        <h2>{t('network.plan.title')}</h2>
        <button type="button" className="primary" data-testid="network-save-plan" disabled={busy || !dir} onClick={() => void save()}>
          {t('network.plan.save')}
        </button>
      </div>
      <div className="net-cluster">
        {field(t('network.plan.domain'), draft.domain, (v) => update({ domain: v }), 'plan-domain', 'rack-a.example')}
        {field(t('network.plan.vip'), draft.vip, (v) => update({ vip: v }), 'plan-vip', '10.0.0.100')}
        {field(t('network.plan.vipName'), draft.vipName, (v) => update({ vipName: v }), 'plan-vip-name', 'cluster')}
        {field(t('network.plan.dns'), draft.dnsServers, (v) => update({ dnsServers: v }), 'plan-dns')}
        {field(t('network.plan.ports'), draft.requiredPorts, (v) => update({ requiredPorts: v }), 'plan-ports', '22, 2224')}
      </div>
      <div {...scrollBox('plan-scroll')}>
        <table className="net-table net-plan" aria-rowcount={draft.hosts.length + 1} data-windowed={rows.windowed}>
          <thead ref={rows.measureHead}>
            <tr>
              <th>{t('network.interfaces.host')}</th>
              <th>{t('network.plan.hostname')}</th>
              <th>{t('network.interfaces.name')}</th>
              <th>{t('network.interfaces.kind')}</th>
              <th>{t('network.plan.bondVlan')}</th>
              <th>{t('network.plan.address')}</th>
              <th>{t('network.plan.prefix')}</th>
              <th>{t('network.plan.gateway')}</th>
              <th>MTU</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {windowRows(rows, PLAN_COLUMNS, (index) => {
              const h = draft.hosts[index]!;
              const host = hostById.get(h.hostId);
              const bad = (f: string) => badFields.has(`${h.hostId} ${f}`);
              const input = (key: keyof HostNetDraft, f: string, width = 'm') => (
                <input
                  className={`net-in-${width}${bad(f) ? ' invalid' : ''}`}
                  data-testid={`plan-${f}`}
                  value={h[key] as string}
                  onChange={(e) => updateHost(h.hostId, { [key]: e.target.value } as Partial<HostNetDraft>)}
                />
              );
              return (
                <tr key={h.hostId} data-testid="plan-host" data-host-id={h.hostId} data-address={host?.address ?? ''} data-row-key={h.hostId}
                  aria-rowindex={index + 2} ref={rows.windowed ? rows.measureRow : undefined}>
                  <td title={host ? [host.name, host.address].filter(Boolean).join(' · ') : undefined}>{host?.name || host?.address}</td>
                  <td>{input('hostname', 'hostname')}</td>
                  <td>{input('name', 'name', 's')}</td>
                  <td>
                    <select data-testid="plan-kind" value={h.kind} onChange={(e) => updateHost(h.hostId, { kind: e.target.value as HostNetDraft['kind'] })}>
                      {IFACE_KINDS.map((k) => <option key={k} value={k}>{t(`network.kind.${k}`)}</option>)}
                    </select>
                  </td>
                  <td>
                    {h.kind === 'bond' ? (
                      <>
                        <select data-testid="plan-bond-mode" value={h.bondMode} onChange={(e) => updateHost(h.hostId, { bondMode: e.target.value as HostNetDraft['bondMode'] })}>
                          <option value="">—</option>
                          {BOND_MODES.map((m) => <option key={m} value={m}>{m}</option>)}
                        </select>
                        {input('members', 'members')}
                      </>
                    ) : h.kind === 'vlan' ? (
                      <>
                        {input('parent', 'parent', 's')}
                        {input('vlanId', 'vlanId', 's')}
                      </>
                    ) : null}
                  </td>
                  <td>{input('address', 'address')}</td>
                  <td>{input('prefix', 'prefix', 's')}</td>
                  <td>{input('gateway', 'gateway')}</td>
                  <td>{input('mtu', 'mtu', 's')}</td>
                  <td>
                    <AddressingButton hostId={h.hostId} disabled={issues.length > 0 || held.length > 0 || !h.address || !isSaved} why={!isSaved ? t('network.addressing.saveFirst') : undefined} />
                  </td>
                </tr>
              );
            }, 'plan-pad')}
          </tbody>
        </table>
      </div>
      {issues.length > 0 || held.length > 0 ? (
        <ul className="net-issues" data-testid="network-issues">
          {issues.map((i, k) => (
            <li key={k} data-testid="network-issue" data-code={i.code} data-host-id={i.hostId ?? ''}>
              {formatNetworkIssue(t, i)}
            </li>
          ))}
          {held.map((h) => (
            <li key={`held-${h.hostId}`} data-testid="network-issue" data-code="address-held" data-host-id={h.hostId}>
              {t('network.plan.addressHeld', { host: hosts.find((x) => x.id === h.hostId)?.name || h.hostId, address: h.address, holder: h.holder })}
            </li>
          ))}
        </ul>
      ) : empty ? (
        <p className="muted" data-testid="network-plan-empty">{t('network.plan.empty')}</p>
      ) : (
        <p className="net-ok" data-testid="network-plan-valid">{t('network.plan.valid')}</p>
      )}
      {savedPath ? <p className="net-ok" data-testid="network-plan-saved">{t('network.plan.saved', { path: savedPath })}</p> : null}
      {error ? (
        <div data-testid="network-error">
          <ErrorDetails error={error} />
        </div>
      ) : null}
    </section>
  );
}

async function reopen(api: RacksideApi, dir: string) {
  const r = await api['project.open']({ dir });
  if (r.ok) useAppStore.getState().loadProject(r.value.project, r.value.path, dir, r.value.revision);
}

/** Apply one host's addressing: preview the changes, confirm them, apply with the rollback timer. */
/** Seconds the node waits for Rackside to confirm the new address before it restores the old one. */
const ROLLBACK_AFTER_S = 60;

function AddressingButton({ hostId, disabled, why }: { hostId: string; disabled: boolean; why?: string | undefined }) {
  const { t } = useTranslation();
  const api = useApi();
  const dir = useAppStore((s) => s.projectDir.trim());
  const dirty = useAppStore((s) => s.dirty);
  const outcome = useAppStore((s) => s.addressing[hostId]);
  const [preview, setPreview] = useState<{ changes: string[]; changeTexts?: { code: string; params: Record<string, string | number> }[]; apply: string; rollback: string; newAddress: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const open = async () => {
    useAppStore.getState().setNetworkError(null);
    const r = await api['network.addressingPreview']({ dir, hostId });
    if (r.ok) setPreview(r.value);
    else useAppStore.getState().setNetworkError(r.error);
  };
  const apply = async () => {
    if (!preview) return;
    setBusy(true);
    const r = await api['network.applyAddressing']({ dir, hostId, changes: preview.changes, rollbackAfterS: ROLLBACK_AFTER_S });
    setBusy(false);
    setPreview(null);
    if (!r.ok) return useAppStore.getState().setNetworkError(r.error);
    useAppStore.getState().setAddressing(r.value);
    await reopen(api, dir);
  };
  return (
    <>
      <button type="button" data-testid="addressing-preview" disabled={disabled || dirty || busy || !dir} title={why} onClick={() => void open()}>
        {busy ? t('network.addressing.applying') : t('network.addressing.apply')}
      </button>
      {outcome ? (
        <span className={`badge ${outcome.status === 'applied' ? 'badge-ok' : outcome.status === 'rolled-back' ? 'badge-warn' : 'badge-danger'}`} data-testid="addressing-outcome" data-status={outcome.status}
          title={localizedError(t, { code: 'internal', message: outcome.message, reason: outcome.reason, params: outcome.params }).message}>
          {t(`network.addressing.${outcome.status}`)}
        </span>
      ) : null}
      {preview ? (
        <div className="rb-overlay">
          <div className="rb-dialog" role="dialog" aria-modal="true" data-testid="addressing-dialog">
            <h3>{t('network.addressing.confirmTitle', { address: preview.newAddress })}</h3>
            <p>{t('network.addressing.explain')}</p>
            <p className="banner banner-warn" data-testid="addressing-rollback" data-seconds={ROLLBACK_AFTER_S}>
              {t('network.addressing.rollbackTimer', { seconds: ROLLBACK_AFTER_S })}
            </p>
            <ul>
              {preview.changes.map((c, i) => <li key={c} data-testid="addressing-change">{formatChange(t, { change: c, ...preview.changeTexts?.[i] })}</li>)}
            </ul>
            <details>
              <summary>{t('network.addressing.scripts')}</summary>
              <pre className="net-script">{preview.apply}</pre>
              <pre className="net-script">{preview.rollback}</pre>
            </details>
            <div className="rb-actions">
              <button type="button" onClick={() => setPreview(null)}>{t('network.addressing.cancel')}</button>
              <button type="button" className="danger" data-testid="addressing-confirm" disabled={busy || preview.changes.length === 0} onClick={() => void apply()}>
                {t('network.addressing.confirm')}
              </button>
            </div>
          </div>
        </div>
      ) : null}
    </>
  );
}

const fmt = (n: number | undefined, d = 2) => (n === undefined ? '—' : n >= 100 ? n.toFixed(0) : n.toFixed(d));

function MatrixPanel() {
  const { t } = useTranslation();
  const api = useApi();
  const dir = useAppStore((s) => s.projectDir.trim());
  const matrix = useAppStore((s) => s.networkMatrix);
  const run = useAppStore((s) => s.runbookRuns[NETWORK_CHECK_STEP]);
  const runKey = run ? `${run.runId}:${run.status}` : '';

  useEffect(() => {
    if (!dir || run?.status === 'running') return;
    let cancelled = false;
    void api['network.matrix']({ dir }).then((r) => {
      if (!cancelled && r.ok) useAppStore.getState().setNetworkMatrix(r.value.matrix);
    });
    return () => {
      cancelled = true;
    };
  }, [api, dir, runKey, run?.status]);

  if (!matrix) return null;
  // Indexed: a find per cell made a 100-host matrix 10^8 comparisons.
  const byPair = indexCells(matrix.cells);
  const cell = (from: string, to: string) => byPair.get(cellKey(from, to));
  const heat = matrix.hosts.length >= HEAT_MAP_FROM_HOSTS;
  const findings = run && run.runId === matrix.runId ? run.findings : [];
  return (
    <section className="panel" data-testid="network-matrix-panel">
      <h2>{t('network.matrix.title')}</h2>
      <p className="muted">{t('network.matrix.legend')}</p>
      {heat ? <MatrixHeatMap matrix={matrix} /> : null}
      {heat ? null : <div className="table-scroll">
        <table className="net-matrix" data-testid="network-matrix" data-run-id={matrix.runId}>
          <thead>
            <tr>
              <th>{t('network.matrix.fromTo')}</th>
              {matrix.hosts.map((h) => <th key={h.hostId}>{h.name}</th>)}
            </tr>
          </thead>
          <tbody>
            {matrix.hosts.map((from) => (
              <tr key={from.hostId} data-testid="matrix-row" data-host-id={from.hostId} data-address={from.address}>
                <th>{from.name}</th>
                {matrix.hosts.map((to) => (from.hostId === to.hostId ? <td key={to.hostId} className="net-self">—</td> : <Cell key={to.hostId} c={cell(from.hostId, to.hostId)} fromAddress={from.address} toAddress={to.address} />))}
              </tr>
            ))}
            <tr data-testid="matrix-clocks">
              <th>{t('network.matrix.clock')}</th>
              {matrix.clocks.map((c) => (
                <td key={c.hostId} data-testid="matrix-clock" data-host-id={c.hostId} data-offset={c.offsetS ?? ''}>
                  {c.offsetS === undefined ? '—' : `${c.offsetS >= 0 ? '+' : ''}${c.offsetS.toFixed(2)} s`}
                  <div className="muted small">
                    {c.source === undefined || c.source === 'unknown' ? t('network.matrix.ntpUnknown') : c.source === 'none' ? t('network.matrix.ntpNone')
                      : c.synced === undefined ? c.source : t(c.synced ? 'network.matrix.ntpSynced' : 'network.matrix.ntpUnsynced', { source: c.source })}
                  </div>
                </td>
              ))}
            </tr>
          </tbody>
        </table>
      </div>}
      <HostFindings findings={findings} hosts={matrix.hosts} />
    </section>
  );
}

function Cell({ c, fromAddress, toAddress }: { c: MatrixCell | undefined; fromAddress: string; toAddress: string }) {
  const { t } = useTranslation();
  if (!c) return <td className="net-cell net-unknown">?</td>;
  const ports = matrixPorts(t, c.ports);
  return (
    <td
      className={`net-cell net-${c.status}`}
      data-testid="matrix-cell"
      data-from={c.from}
      data-to={c.to}
      data-from-address={fromAddress}
      data-to-address={toAddress}
      data-status={c.status}
      data-loss={c.lossPct ?? ''}
      data-rtt={c.rttAvgMs ?? ''}
      data-mtu-ok={c.mtuOk === undefined ? '' : String(c.mtuOk)}
      title={[...matrixCellNotes(t, c), ports].filter(Boolean).join('\n')}
    >
      <div className="net-rtt">{fmt(c.rttAvgMs)} ms</div>
      <div className="net-loss">{t('network.matrix.loss', { loss: c.lossPct ?? '—' })}</div>
      <div className="net-extra small">
        {c.mtuOk === false ? `MTU ✗ ` : c.mtuOk ? 'MTU ✓ ' : ''}
        {ports}
      </div>
    </td>
  );
}

function HostFindings({ findings, hosts }: { findings: FindingView[]; hosts: { hostId: string; name: string; address: string }[] }) {
  const { t } = useTranslation();
  if (findings.length === 0) return null;
  const groups = [...hosts.map((h) => ({ id: h.hostId, name: h.name })), { id: '', name: t('network.matrix.cluster') }];
  return (
    <div className="net-host-findings">
      {groups.map((g) => {
        const list = findings.filter((f) => (f.hostId ?? '') === g.id);
        if (list.length === 0) return null;
        return (
          <div key={g.id || '*'} className="net-host-group" data-testid="host-findings" data-host-id={g.id} data-address={hosts.find((h) => h.hostId === g.id)?.address ?? ''}>
            <h3>{g.name}</h3>
            <ul>
              {list.map((f) => (
                <li key={f.key} className={`sev-${f.severity}`} data-testid="host-finding" data-code={f.code} data-severity={f.severity}>
                  <span className={`badge ${f.severity === 'blocking' ? 'badge-danger' : f.severity === 'warning' ? 'badge-warn' : 'badge-muted'}`}>{t(`runbook.severity.${f.severity}`, { defaultValue: f.severity })}</span>{' '}
                  {formatFinding(t, f, 'message')}
                </li>
              ))}
            </ul>
          </div>
        );
      })}
    </div>
  );
}
