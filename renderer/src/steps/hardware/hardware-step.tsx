import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { HardwareFacts, HardwareProfileId } from '../../../../electron/contract/index.js';
import { useApi } from '../../api/backend-context.js';
import { localTime } from '../../lib/local-time.js';
import { Modal } from '../../runbook/dialogs.js';
import { StepRunner } from '../../runbook/step-runner.js';
import { useAppStore } from '../../store/index.js';
import { saveProject } from '../inventory/actions.js';
import { ProfileErrors, ProfileSummary, useProfileList } from './profile-list.js';

const gib = (b: number | null) => (b === null ? '—' : `${(b / 1024 ** 3).toFixed(1)} GiB`);
const size = (b: number) => (b >= 1e12 ? `${(b / 1e12).toFixed(1)} TB` : b >= 1e9 ? `${(b / 1e9).toFixed(0)} GB` : `${(b / 1e6).toFixed(0)} MB`);

/** Wizard step 2: preflight, then hardware collection and checks against a profile, then the table. */
export function HardwareStep() {
  const { t, i18n } = useTranslation();
  const api = useApi();
  const dir = useAppStore((s) => s.projectDir.trim());
  const profile = useAppStore((s) => s.extras.hardwareProfile ?? 'default');
  const runKey = useAppStore((s) => {
    const r = s.runbookRuns['hardware'];
    return r ? `${r.runId}:${r.status}` : '';
  });
  const [facts, setFacts] = useState<HardwareFacts[]>([]);
  const [labHosts, setLabHosts] = useState<string[] | null>(null);
  const [saving, setSaving] = useState(false);
  const [confirmLab, setConfirmLab] = useState<{ hostId: string; label: string; system: string | null }[] | null>(null);
  const confirmation = useAppStore((s) => s.extras.hardwareProfileConfirmation);
  const language = useAppStore((s) => s.language);
  const { list: profileList, reload: reloadProfiles } = useProfileList();
  const chosen = profileList?.profiles.find((p) => p.id === profile);

  useEffect(() => {
    if (!dir) return;
    let cancelled = false;
    void api['hardware.facts']({ dir }).then((r) => {
      if (cancelled || !r.ok) return;
      setFacts(r.value.facts);
      setLabHosts(r.value.labHosts);
    });
    return () => {
      cancelled = true;
    };
  }, [api, dir, runKey]);

  const chooseProfile = async (id: HardwareProfileId, confirmed?: string[]) => {
    const { hosts, technician } = useAppStore.getState();
    if (id === 'lab' && confirmed === undefined) {
      // Lab thresholds would wave a real server through: any host the last run did not identify
      // as a lab node (or no run yet) needs the technician's explicit confirmation.
      const known = new Set(labHosts ?? []);
      const doubtful = hosts.filter((h) => !known.has(h.id));
      if (doubtful.length > 0) {
        setConfirmLab(
          doubtful.map((h) => {
            const f = facts.find((x) => x.hostId === h.id);
            const system = f?.system ? `${f.system.vendor ?? '?'} ${f.system.model ?? '?'} ${f.system.serial ?? '?'}` : null;
            return { hostId: h.id, label: h.name || h.address, system };
          }),
        );
        return;
      }
    }
    useAppStore.getState().setExtras({
      hardwareProfile: id,
      hardwareProfileConfirmation: id === 'lab' && confirmed && confirmed.length > 0
        ? { profile: 'lab', technician: technician.trim() || '?', at: new Date().toISOString(), hosts: confirmed }
        : undefined,
    });
    setSaving(true);
    try {
      // The runner plans and evaluates from project.yaml, so the choice is saved at once.
      await saveProject(api);
    } finally {
      setSaving(false);
    }
  };

  return (
    <div className="step-page">
      <h1>{t('steps.hardware.name')}</h1>
      <StepRunner stepId="preflight" />
      <section className="panel" data-testid="hardware-profile-panel" data-profile={profile}>
        <label>
          {t('hardware.profile')}{' '}
          <select
            data-testid="hardware-profile"
            value={profile}
            disabled={saving || !dir}
            // The files are read again when the list is opened: a company file added meanwhile shows up.
            onFocus={reloadProfiles}
            onChange={(e) => void chooseProfile(e.target.value as HardwareProfileId)}
          >
            {(profileList?.profiles ?? []).map((p) => (
              <option key={p.id} value={p.id}>
                {p.label[language]}
              </option>
            ))}
            {profileList && !chosen ? (
              <option value={profile} disabled>
                {t('hardware.profileMissingOption', { id: profile })}
              </option>
            ) : null}
          </select>
        </label>{' '}
        <button type="button" data-testid="hardware-profiles-reload" onClick={reloadProfiles}>
          {t('hardware.profilesReload')}
        </button>
        {chosen ? <ProfileSummary profile={chosen} /> : null}
        {profileList && !chosen ? (
          <p className="message message-error" role="alert" data-testid="hardware-profile-unknown">
            {t('hardware.profileUnknown', { id: profile, dir: profileList.companyDir })}
          </p>
        ) : null}
        {profileList ? <ProfileErrors errors={profileList.errors} /> : null}
        {profile === 'lab' && confirmation?.profile === 'lab' ? (
          <p className="muted small" data-testid="lab-confirmed">
            {t('hardware.labConfirmedBy', { name: confirmation.technician, at: localTime(confirmation.at, i18n.language), count: confirmation.hosts.length })}
          </p>
        ) : null}
      </section>
      {confirmLab ? (
        <LabProfileDialog
          hosts={confirmLab}
          onCancel={() => setConfirmLab(null)}
          onConfirm={() => {
            const ids = confirmLab.map((h) => h.hostId);
            setConfirmLab(null);
            void chooseProfile('lab', ids);
          }}
        />
      ) : null}
      <StepRunner stepId="hardware" />
      {facts.length > 0 ? <HardwareTable facts={facts} /> : null}
    </div>
  );
}

/** The lab profile on hosts not known to be lab nodes: names them and why, and needs a tick. */
function LabProfileDialog({ hosts, onConfirm, onCancel }: { hosts: { hostId: string; label: string; system: string | null }[]; onConfirm: () => void; onCancel: () => void }) {
  const { t } = useTranslation();
  const [ticked, setTicked] = useState(false);
  return (
    <Modal testId="lab-profile-dialog" title={t('hardware.labConfirm.title')} onCancel={onCancel}>
      <p>{t('hardware.labConfirm.intro')}</p>
      <ul data-testid="lab-profile-hosts">
        {hosts.map((h) => (
          <li key={h.hostId} data-testid="lab-profile-host" data-host-id={h.hostId}>
            <strong>{h.label}</strong> · {h.system ? t('hardware.labConfirm.smbios', { system: h.system }) : t('hardware.labConfirm.unknown')}
          </li>
        ))}
      </ul>
      <label className="rb-check">
        <input type="checkbox" data-testid="lab-profile-tick" checked={ticked} autoFocus onChange={(e) => setTicked(e.target.checked)} />
        {t('hardware.labConfirm.tick')}
      </label>
      <div className="toolbar">
        <button type="button" className="danger" data-testid="lab-profile-confirm" disabled={!ticked} onClick={onConfirm}>
          {t('hardware.labConfirm.confirm')}
        </button>
        <button type="button" data-testid="lab-profile-cancel" onClick={onCancel}>
          {t('runbook.cancelDialog')}
        </button>
      </div>
    </Modal>
  );
}

function HardwareTable({ facts }: { facts: HardwareFacts[] }) {
  const { t } = useTranslation();
  return (
    <section className="panel">
      <h2>{t('hardware.table')}</h2>
      <div className="table-scroll">
        <table className="data-table" data-testid="hardware-table">
          <thead>
            <tr>
              <th>{t('hardware.col.host')}</th>
              <th>{t('hardware.col.system')}</th>
              <th>{t('hardware.col.cpu')}</th>
              <th>{t('hardware.col.ram')}</th>
              <th>{t('hardware.col.disks')}</th>
              <th>{t('hardware.col.nics')}</th>
              <th>{t('hardware.col.os')}</th>
            </tr>
          </thead>
          <tbody>
            {facts.map((f) => (
              <tr key={f.hostId} data-testid="hw-row" data-host-id={f.hostId} data-hostname={f.hostname}>
                <td>{f.hostname}</td>
                <td data-testid="hw-system">
                  {f.system ? (
                    <>
                      {f.system.vendor} {f.system.model}
                      <br />
                      <span className="mono" data-testid="hw-serial">{f.system.serial ?? '—'}</span>
                      <br />
                      <span className="muted">BIOS {f.system.biosVersion ?? '—'}</span>
                    </>
                  ) : (
                    '—'
                  )}
                </td>
                <td data-testid="hw-cpu">
                  {f.cpu ? (
                    <>
                      {f.cpu.model}
                      <br />
                      <span className="muted">
                        {t('hardware.topology', { sockets: f.cpu.sockets, cores: f.cpu.cores, threads: f.cpu.threads })}
                      </span>
                    </>
                  ) : (
                    '—'
                  )}
                </td>
                <td data-testid="hw-ram">
                  {gib(f.memory.totalBytes)}
                  <br />
                  <span className="muted">
                    ECC: {t(`hardware.ecc.${f.memory.ecc}`)} · {t('hardware.dimms', { count: f.memory.dimms.length })}
                  </span>
                  {f.memory.dimms.map((d) => (
                    <div key={d.locator} className="muted mono">
                      {d.locator} {size(d.sizeBytes)} {d.serial ?? ''}
                    </div>
                  ))}
                </td>
                <td data-testid="hw-disks">
                  {f.disks.length === 0
                    ? '—'
                    : f.disks.map((d) => (
                        <div key={d.name} className="mono">
                          {d.name} {size(d.sizeBytes)} {d.model ?? ''} {d.serial ?? ''}
                          {d.smart ? ` SMART ${d.smart.passed ? 'OK' : 'FAILED'}` : ''}
                        </div>
                      ))}
                </td>
                <td data-testid="hw-nics">
                  {f.nics.map((n) => (
                    <div key={n.name} className="mono">
                      {n.name} {n.speedMbps ? `${n.speedMbps} Mb/s` : '?'} {n.driver ?? ''}
                    </div>
                  ))}
                </td>
                <td>
                  {f.os.prettyName ?? '—'}
                  <br />
                  <span className="muted mono">{f.os.kernel}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
