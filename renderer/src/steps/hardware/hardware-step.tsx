import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { HARDWARE_PROFILES, type HardwareFacts, type HardwareProfileId } from '../../../../electron/contract/index.js';
import { useApi } from '../../api/backend-context.js';
import { StepRunner } from '../../runbook/step-runner.js';
import { useAppStore } from '../../store/index.js';
import { saveProject } from '../inventory/actions.js';

const gib = (b: number | null) => (b === null ? '—' : `${(b / 1024 ** 3).toFixed(1)} GiB`);
const size = (b: number) => (b >= 1e12 ? `${(b / 1e12).toFixed(1)} TB` : b >= 1e9 ? `${(b / 1e9).toFixed(0)} GB` : `${(b / 1e6).toFixed(0)} MB`);

/** Wizard step 2: preflight, then hardware collection and checks against a profile, then the table. */
export function HardwareStep() {
  const { t } = useTranslation();
  const api = useApi();
  const dir = useAppStore((s) => s.projectDir.trim());
  const profile = useAppStore((s) => s.extras.hardwareProfile ?? 'default');
  const runKey = useAppStore((s) => {
    const r = s.runbookRuns['hardware'];
    return r ? `${r.runId}:${r.status}` : '';
  });
  const [facts, setFacts] = useState<HardwareFacts[]>([]);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    if (!dir) return;
    let cancelled = false;
    void api['hardware.facts']({ dir }).then((r) => {
      if (!cancelled && r.ok) setFacts(r.value.facts);
    });
    return () => {
      cancelled = true;
    };
  }, [api, dir, runKey]);

  const chooseProfile = async (id: HardwareProfileId) => {
    useAppStore.getState().setExtras({ hardwareProfile: id });
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
      <section className="panel">
        <label>
          {t('hardware.profile')}{' '}
          <select
            data-testid="hardware-profile"
            value={profile}
            disabled={saving || !dir}
            onChange={(e) => void chooseProfile(e.target.value as HardwareProfileId)}
          >
            {HARDWARE_PROFILES.map((p) => (
              <option key={p} value={p}>
                {t(`hardware.profiles.${p}`)}
              </option>
            ))}
          </select>
        </label>
        <p className="muted">{t(`hardware.profileHelp.${profile}`)}</p>
      </section>
      <StepRunner stepId="hardware" />
      {facts.length > 0 ? <HardwareTable facts={facts} /> : null}
    </div>
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
