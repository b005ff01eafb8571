import { useTranslation } from 'react-i18next';
import { PACEMAKER_QUORUM_POLICIES, PACEMAKER_VIP_OWNERS } from '../../../../electron/contract/index.js';
import { useAppStore } from '../../store/index.js';
import {
  MAX_PARTITIONS,
  newPartition,
  PARTITION_NAME_MAX,
  PCM_CLUSTER_NAME_MAX,
  setDefaultPartition,
  SLURM_CLUSTER_NAME_MAX,
  type InstallDraft,
  type PartitionDraft,
} from './install-draft.js';

interface Props {
  draft: InstallDraft;
  update: (patch: Partial<InstallDraft>) => void;
  /** Whether a field (dotted path, or a parent of one) has an error. */
  bad: (field: string) => boolean;
}

/** The chosen profile's own settings (install.pacemaker / install.slurm); nothing for the base platform. */
export function ProfileSettings({ draft, update, bad }: Props) {
  if (draft.profile === 'pacemaker') return <PacemakerSettings draft={draft} update={update} bad={bad} />;
  if (draft.profile === 'slurm') return <SlurmSettings draft={draft} update={update} bad={bad} />;
  return null;
}

function PacemakerSettings({ draft, update, bad }: Props) {
  const { t } = useTranslation();
  return (
    <fieldset className="net-cluster" data-testid="install-pacemaker">
      <legend>{t('install.profileForm.pacemaker.title')}</legend>
      <label className="net-field">
        <span>{t('install.profileForm.clusterName', { max: PCM_CLUSTER_NAME_MAX })}</span>
        <input
          data-testid="pcm-cluster-name"
          className={bad('pacemaker.clusterName') ? 'invalid' : ''}
          maxLength={PCM_CLUSTER_NAME_MAX}
          spellCheck={false}
          value={draft.pcmClusterName}
          onChange={(e) => update({ pcmClusterName: e.target.value })}
        />
      </label>
      <label className="net-field">
        <span>{t('install.profileForm.pacemaker.vipOwner')}</span>
        <select data-testid="pcm-vip-owner" value={draft.pcmVipOwner} onChange={(e) => update({ pcmVipOwner: e.target.value as InstallDraft['pcmVipOwner'] })}>
          {PACEMAKER_VIP_OWNERS.map((o) => (
            <option key={o} value={o}>
              {t(`install.profileForm.pacemaker.owner.${o}`)}
            </option>
          ))}
        </select>
      </label>
      <label className="net-field">
        <span>{t('install.profileForm.pacemaker.quorumPolicy')}</span>
        <select data-testid="pcm-quorum-policy" value={draft.pcmQuorumPolicy} onChange={(e) => update({ pcmQuorumPolicy: e.target.value as InstallDraft['pcmQuorumPolicy'] })}>
          {PACEMAKER_QUORUM_POLICIES.map((q) => (
            <option key={q} value={q}>
              {t(`install.profileForm.pacemaker.quorum.${q}`)}
            </option>
          ))}
        </select>
      </label>
    </fieldset>
  );
}

function SlurmSettings({ draft, update, bad }: Props) {
  const { t } = useTranslation();
  const hosts = useAppStore((s) => s.hosts);
  const parts = draft.partitions;
  const setPart = (k: number, patch: Partial<PartitionDraft>) => update({ partitions: parts.map((p, i) => (i === k ? { ...p, ...patch } : p)) });
  const remove = (k: number) => {
    const rest = parts.filter((_, i) => i !== k);
    // The default went with it: the first one left becomes the default, so there is always one.
    update({ partitions: rest.length > 0 && !rest.some((p) => p.default) ? setDefaultPartition(rest, 0) : rest });
  };
  return (
    <fieldset className="net-cluster" data-testid="install-slurm">
      <legend>{t('install.profileForm.slurm.title')}</legend>
      <label className="net-field">
        <span>{t('install.profileForm.clusterName', { max: SLURM_CLUSTER_NAME_MAX })}</span>
        <input
          data-testid="slurm-cluster-name"
          className={bad('slurm.clusterName') ? 'invalid' : ''}
          maxLength={SLURM_CLUSTER_NAME_MAX}
          spellCheck={false}
          value={draft.slurmClusterName}
          onChange={(e) => update({ slurmClusterName: e.target.value })}
        />
      </label>
      <table className="slurm-partitions" data-testid="slurm-partitions">
        <thead>
          <tr>
            <th>{t('install.profileForm.slurm.partition', { max: PARTITION_NAME_MAX })}</th>
            <th>{t('install.profileForm.slurm.hosts')}</th>
            <th>{t('install.profileForm.slurm.default')}</th>
            <th>{t('install.profileForm.slurm.maxTime')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {parts.map((p, k) => (
            <tr key={k} data-testid="slurm-partition" data-index={k}>
              <td>
                <input
                  data-testid="slurm-partition-name"
                  className={bad(`slurm.partitions.${k}.name`) ? 'invalid' : ''}
                  aria-label={t('install.profileForm.slurm.partitionLabel', { n: k + 1 })}
                  maxLength={PARTITION_NAME_MAX}
                  spellCheck={false}
                  value={p.name}
                  onChange={(e) => setPart(k, { name: e.target.value })}
                />
              </td>
              <td className={bad(`slurm.partitions.${k}.hosts`) ? 'invalid' : ''}>
                {hosts.map((h) => (
                  <label key={h.id} className="small">
                    <input
                      type="checkbox"
                      data-testid="slurm-partition-host"
                      data-host-id={h.id}
                      checked={p.hosts.includes(h.id)}
                      onChange={(e) => setPart(k, { hosts: e.target.checked ? [...p.hosts, h.id] : p.hosts.filter((x) => x !== h.id) })}
                    />{' '}
                    {h.name || h.address}{' '}
                  </label>
                ))}
                {p.hosts.length === 0 ? <span className="muted small">{t('install.profileForm.slurm.allHosts')}</span> : null}
              </td>
              <td>
                <input
                  type="radio"
                  name="slurm-default-partition"
                  data-testid="slurm-partition-default"
                  aria-label={t('install.profileForm.slurm.defaultLabel', { name: p.name })}
                  checked={p.default}
                  onChange={() => update({ partitions: setDefaultPartition(parts, k) })}
                />
              </td>
              <td>
                <input
                  data-testid="slurm-partition-max-time"
                  className={bad(`slurm.partitions.${k}.maxTimeMin`) ? 'invalid' : ''}
                  inputMode="numeric"
                  maxLength={8}
                  placeholder={t('install.profileForm.slurm.unlimited')}
                  value={p.maxTimeMin}
                  onChange={(e) => setPart(k, { maxTimeMin: e.target.value })}
                />
              </td>
              <td>
                <button type="button" className="danger-outline" data-testid="slurm-partition-remove" disabled={parts.length <= 1} onClick={() => remove(k)}>
                  {t('install.profileForm.slurm.remove')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="button" data-testid="slurm-partition-add" disabled={parts.length >= MAX_PARTITIONS} onClick={() => update({ partitions: [...parts, newPartition(parts)] })}>
        {t('install.profileForm.slurm.add', { max: MAX_PARTITIONS })}
      </button>
    </fieldset>
  );
}
