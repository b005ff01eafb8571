import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { HardwareProfileInfo, ProfileLoadError, RoleThresholds } from '../../../../electron/contract/index.js';
import { useApi } from '../../api/backend-context.js';

export interface ProfileList {
  profiles: HardwareProfileInfo[];
  errors: ProfileLoadError[];
  companyDir: string;
}

/**
 * The hardware profiles as the backend reads them from their files. `reload` asks again, so a
 * company file dropped into the data folder shows up without a restart.
 */
export function useProfileList(): { list: ProfileList | null; reload: () => void } {
  const api = useApi();
  const [list, setList] = useState<ProfileList | null>(null);
  const [asked, setAsked] = useState(0);
  useEffect(() => {
    let cancelled = false;
    void api['hardware.profiles']({}).then((r) => {
      if (!cancelled && r.ok) setList(r.value);
    });
    return () => {
      cancelled = true;
    };
  }, [api, asked]);
  const reload = useCallback(() => setAsked((n) => n + 1), []);
  return { list, reload };
}

const size = (b: number) => (b >= 1024 ** 3 && b % 1024 ** 3 === 0 ? `${b / 1024 ** 3} GiB` : b >= 1e9 ? `${+(b / 1e9).toFixed(1)} GB` : `${+(b / 1e6).toFixed(0)} MB`);
const speed = (mbps: number) => (mbps >= 1000 ? `${+(mbps / 1000).toFixed(1)} Gb/s` : `${mbps} Mb/s`);

/** What a profile asks of each role, in the UI's language (works for any company profile too). */
export function ProfileSummary({ profile }: { profile: HardwareProfileInfo }) {
  const { t } = useTranslation();
  const role = (r: RoleThresholds) =>
    [
      t('hardware.summary.cpu', { cores: t('hardware.summary.cores', { count: r.cores }), threads: t('hardware.summary.threads', { count: r.threads }) }),
      t(r.ecc ? 'hardware.summary.memoryEcc' : 'hardware.summary.memory', { size: size(r.memoryBytes) }),
      t('hardware.summary.disk', { size: size(r.largestDiskBytes) }),
      r.raidDisks > 0 ? t('hardware.summary.raid', { count: r.raidDisks }) : null,
      r.nicSpeedMbps > 0 ? t('hardware.summary.nic', { speed: speed(r.nicSpeedMbps) }) : null,
      r.minPsus > 0 ? t('hardware.summary.psus', { count: r.minPsus }) : null,
    ]
      .filter((x) => x !== null)
      .join(t('hardware.summary.separator'));
  return (
    <div className="muted" data-testid="hardware-profile-summary">
      <div>{t('hardware.summary.master', { what: role(profile.roles.master) })}</div>
      <div>{t('hardware.summary.worker', { what: role(profile.roles.worker) })}</div>
      {profile.includeLoopDisks ? <div>{t('hardware.summary.loopDisks')}</div> : null}
      {profile.source === 'company' ? (
        <div className="small" data-testid="hardware-profile-source">
          {t('hardware.summary.companyFile', { file: profile.file })}
        </div>
      ) : null}
    </div>
  );
}

/** Profile files that were not loaded: file, line, field and the problem, in the UI's language. */
export function ProfileErrors({ errors }: { errors: ProfileLoadError[] }) {
  const { t } = useTranslation();
  if (errors.length === 0) return null;
  return (
    <div className="message message-error" role="alert" data-testid="hardware-profile-errors">
      <p>{t('hardware.profileErrors', { count: errors.length })}</p>
      <ul>
        {errors.map((e) => (
          <li key={`${e.file}:${e.code}`} data-testid="hardware-profile-error" data-file={e.file} data-code={e.code}>
            {t(`hardware.profileError.${e.code}`, {
              ...e.params,
              file: e.file,
              field: e.field,
              line: e.line ?? 1,
              problem: typeof e.params.problem === 'string' ? t(`hardware.profileProblem.${e.params.problem}`, { defaultValue: e.message }) : '',
              defaultValue: e.message,
            })}
          </li>
        ))}
      </ul>
    </div>
  );
}
