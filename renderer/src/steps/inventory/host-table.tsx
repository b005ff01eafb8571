import { useTranslation } from 'react-i18next';
import type { FieldIssue } from '../../../../electron/contract/index.js';
import { groupIssues } from '../../lib/issues.js';
import { useAppStore } from '../../store/index.js';
import { HostRow } from './host-row.js';

const COLUMNS = [
  'number',
  'name',
  'address',
  'port',
  'user',
  'auth',
  'role',
  'status',
  'hostname',
  'os',
  'fingerprint',
  'actions',
] as const;

export function HostTable({ issues }: { issues: FieldIssue[] }) {
  const { t } = useTranslation();
  const hosts = useAppStore((s) => s.hosts);
  const grouped = groupIssues(issues);

  if (hosts.length === 0) {
    return (
      <p className="empty-state" data-testid="hosts-empty">
        {t('inventory.empty')}
      </p>
    );
  }
  return (
    <div className="table-scroll">
      <table className="host-table" data-testid="host-table">
        <thead>
          <tr>
            {COLUMNS.map((c) => (
              <th key={c} scope="col">
                {t(`inventory.col.${c}`)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {hosts.map((h, i) => (
            <HostRow key={h.id} host={h} row={i + 1} issues={grouped.rows.get(i + 1)} />
          ))}
        </tbody>
      </table>
    </div>
  );
}
