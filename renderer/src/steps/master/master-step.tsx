import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { installPlanSchema, MASTER_INSTALL_STEP, validateInstallPlan, type InstallIssue } from '../../../../electron/contract/index.js';
import { useApi } from '../../api/backend-context.js';
import { ErrorDetails } from '../../components/error-details.js';
import type { AppError } from '../../../../electron/contract/index.js';
import { StepRunner } from '../../runbook/step-runner.js';
import { useAppStore } from '../../store/index.js';
import { draftFromPlan, draftIssues, planFromDraft, PROFILE_CHOICES, type InstallDraft } from './install-draft.js';
import { KitPanel } from './kit-panel.js';
import { ProfileSettings } from './profile-settings.js';
import '../network/network.css';

/** Wizard step 5: the install plan, then the master install run (phases across hosts). */
export function MasterStep() {
  const { t } = useTranslation();
  const dir = useAppStore((s) => s.projectDir.trim());
  const src = useAppStore((s) => s.extras.install?.packageSource);
  const kitDir = src?.kind === 'kit' ? src.dir : '';
  return (
    <div className="step-page master-step" data-testid="master-step">
      <h1>{t('install.page.title')}</h1>
      {dir === '' ? <p className="muted">{t('runbook.needsProject')}</p> : null}
      <InstallPlanPanel />
      {kitDir ? <KitPanel kitDir={kitDir} /> : null}
      <StepRunner stepId={MASTER_INSTALL_STEP} />
    </div>
  );
}

/** An issue in the technician's language, from its code (install.issue.<code>); English fallback. */
export function installIssueText(t: TFunction, i: Pick<InstallIssue, 'code' | 'message' | 'params'>): string {
  return t(`install.issue.${i.code}`, { ...(i.params ?? {}), defaultValue: i.message });
}

function InstallPlanPanel() {
  const { t } = useTranslation();
  const api = useApi();
  const dir = useAppStore((s) => s.projectDir.trim());
  const hosts = useAppStore((s) => s.hosts);
  const saved = useAppStore((s) => s.extras.install);
  const vip = useAppStore((s) => s.extras.network?.vip ?? '');
  const [draft, setDraft] = useState<InstallDraft>(() => draftFromPlan(saved));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const [savedPath, setSavedPath] = useState<string | null>(null);
  // A project opened (or another window's save) brings its own plan into the form.
  useEffect(() => setDraft(draftFromPlan(saved)), [saved]);

  const refs = useMemo(() => hosts.map((h) => ({ id: h.id, name: h.name, address: h.address, role: h.role })), [hosts]);
  // The backend checks the profile id against the profiles it has; the form edits the others.
  const issues = useMemo(() => [...draftIssues(draft), ...validateInstallPlan(planFromDraft(draft), refs, vip, [draft.profile])], [draft, refs, vip]);
  const errors = issues.filter((i) => i.severity === 'error');
  const bad = (field: string) => issues.some((i) => i.severity === 'error' && (i.field === field || i.field.startsWith(`${field}.`)));
  const update = (patch: Partial<InstallDraft>) => {
    setSavedPath(null);
    setDraft((d) => ({ ...d, ...patch }));
  };
  const masters = hosts.filter((h) => h.role === 'master');

  const save = async () => {
    setBusy(true);
    setError(null);
    const plan = installPlanSchema.parse(planFromDraft(draft));
    const r = await api['install.savePlan']({ dir, plan });
    setBusy(false);
    if (!r.ok) return setError(r.error);
    const s = useAppStore.getState();
    s.setExtras({ install: plan });
    s.markSaved(r.value.path, r.value.revision);
    setSavedPath(r.value.path);
  };

  const input = (label: string, key: keyof InstallDraft, field: string, testId: string, placeholder = '') => (
    <label className="net-field">
      <span>{label}</span>
      <input className={bad(field) ? 'invalid' : ''} data-testid={testId} value={draft[key] as string} placeholder={placeholder} onChange={(e) => update({ [key]: e.target.value } as Partial<InstallDraft>)} />
    </label>
  );

  return (
    <section className="panel net-plan" data-testid="install-plan">
      <div className="panel-header">
        <h2>{t('install.page.planTitle')}</h2>
        <button type="button" className="primary" data-testid="install-save-plan" disabled={busy || !dir || errors.length > 0} onClick={() => void save()}>
          {t('install.page.save')}
        </button>
      </div>
      <div className="net-cluster">
        <label className="net-field">
          <span>{t('install.page.profile')}</span>
          <select data-testid="install-profile" value={draft.profile} onChange={(e) => update({ profile: e.target.value })}>
            {PROFILE_CHOICES.map((id) => (
              <option key={id} value={id}>
                {t(`install.profileForm.name.${id}`)}
              </option>
            ))}
            {/* A profile saved by a newer build stays shown as it is, so the select does not silently change it. */}
            {(PROFILE_CHOICES as readonly string[]).includes(draft.profile) ? null : <option value={draft.profile}>{draft.profile}</option>}
          </select>
          <span className="muted small" data-testid="install-profile-about">
            {(PROFILE_CHOICES as readonly string[]).includes(draft.profile) ? t(`install.profileForm.about.${draft.profile}`) : ''}
          </span>
        </label>
        <label className="net-field">
          <span>{t('install.page.source')}</span>
          <select data-testid="install-source" value={draft.sourceKind} onChange={(e) => update({ sourceKind: e.target.value as InstallDraft['sourceKind'] })}>
            <option value="lab">{t('install.page.sourceLab')}</option>
            <option value="mirror">{t('install.page.sourceMirror')}</option>
            <option value="kit">{t('install.page.sourceKit')}</option>
          </select>
        </label>
        {draft.sourceKind === 'kit' ? (
          <>
            {input(t('install.page.kitDir'), 'kitDir', 'packageSource.dir', 'install-kit-dir', '/home/tech/kits/site-a')}
            <label className="net-field">
              <span>{t('install.page.kitKeep')}</span>
              <input type="checkbox" data-testid="install-kit-keep" checked={draft.kitKeep} onChange={(e) => update({ kitKeep: e.target.checked })} />
            </label>
          </>
        ) : null}
        {draft.sourceKind === 'mirror' ? (
          <>
            {input(t('install.page.mirrorUrl'), 'mirrorUrl', 'packageSource.url', 'install-mirror-url', 'http://deb.debian.org/debian')}
            {input(t('install.page.mirrorSuite'), 'mirrorSuite', 'packageSource.suite', 'install-mirror-suite', 'bookworm')}
          </>
        ) : null}
        {input(t('install.page.timeServers'), 'timeServers', 'timeServers', 'install-time-servers', 'ntp.example.org')}
      </div>
      <ProfileSettings draft={draft} update={update} bad={bad} />
      <fieldset className="net-cluster" data-testid="install-vip">
        <legend>{vip ? t('install.page.vip', { vip }) : t('install.page.noVip')}</legend>
        <div className="net-field">
          <span>{t('install.page.candidates')}</span>
          {hosts.map((h) => (
            <label key={h.id}>
              <input
                type="checkbox"
                data-testid="install-candidate"
                data-host-id={h.id}
                checked={draft.candidates.includes(h.id)}
                onChange={(e) => update({ candidates: e.target.checked ? [...draft.candidates, h.id] : draft.candidates.filter((c) => c !== h.id) })}
              />{' '}
              {h.name || h.address} <span className="muted small">{t(`inventory.role.${h.role}`)}</span>
            </label>
          ))}
          {draft.candidates.length === 0 ? (
            <span className="muted small" data-testid="install-candidates-default">
              {t('install.page.candidatesDefault', { hosts: masters.map((h) => h.name || h.address).join(', ') })}
            </span>
          ) : null}
        </div>
        {input(t('install.page.routerId'), 'routerId', 'vrrp.routerId', 'install-router-id')}
        {input(t('install.page.servicePort'), 'servicePort', 'servicePort', 'install-service-port')}
      </fieldset>
      <fieldset className="net-cluster">
        <legend>{t('install.page.firewall')}</legend>
        <label>
          <input type="checkbox" data-testid="install-firewall" checked={draft.firewallEnabled} onChange={(e) => update({ firewallEnabled: e.target.checked })} />{' '}
          {t('install.page.firewallEnabled')}
        </label>
        {input(t('install.page.rollback'), 'rollbackAfterS', 'firewall.rollbackAfterS', 'install-rollback')}
        {input(t('install.page.portsMaster'), 'masterPorts', 'ports.master', 'install-ports-master', '6443, 4789/udp')}
        {input(t('install.page.portsWorker'), 'workerPorts', 'ports.worker', 'install-ports-worker')}
      </fieldset>
      <label className="net-field">
        <span>{t('install.page.sysctl')}</span>
        <textarea rows={3} className={bad('sysctl') ? 'invalid' : ''} data-testid="install-sysctl" value={draft.sysctl} placeholder="vm.swappiness = 10" onChange={(e) => update({ sysctl: e.target.value })} />
      </label>
      {issues.length > 0 ? (
        <ul className="net-issues" data-testid="install-issues">
          {issues.map((i, k) => (
            <li key={k} data-testid="install-issue" data-code={i.code} data-severity={i.severity} data-field={i.field}>
              <span className={`badge ${i.severity === 'error' ? 'badge-danger' : 'badge-warn'}`}>{t(`runbook.severity.${i.severity === 'error' ? 'blocking' : 'warning'}`)}</span>{' '}
              {installIssueText(t, i)}
            </li>
          ))}
        </ul>
      ) : (
        <p className="net-ok small" data-testid="install-valid">{t('install.page.valid')}</p>
      )}
      {errors.length > 0 ? <p className="muted small">{t('install.page.invalid')}</p> : null}
      {savedPath ? <p className="net-ok small" data-testid="install-saved">{t('install.page.saved', { path: savedPath })}</p> : null}
      {error ? (
        <div className="message message-error" role="alert" data-testid="install-error">
          <ErrorDetails error={error} />
        </div>
      ) : null}
    </section>
  );
}
