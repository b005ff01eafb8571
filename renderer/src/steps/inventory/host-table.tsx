import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { FieldIssue } from '../../../../electron/contract/index.js';
import { groupIssues } from '../../lib/issues.js';
import { useWindowedTable, windowRows } from '../../lib/window-rows.js';
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
  const keys = useMemo(() => hosts.map((h) => h.id), [hosts]);
  // A host row is about 80 px high before any is measured (inputs, then the jump and BMC links).
  const { rows, scrollBox } = useWindowedTable(keys, 80);
  const { windowed, measureRow, measureHead } = rows;
  const rowOf = (i: number) => {
    const h = hosts[i]!;
    return <HostRow key={h.id} host={h} row={i + 1} issues={grouped.rows.get(i + 1)} measureRow={windowed ? measureRow : undefined} />;
  };
  const body = windowRows(rows, COLUMNS.length, rowOf, 'host-table-pad');

  if (hosts.length === 0) {
    return (
      <p className="empty-state" data-testid="hosts-empty">
        {t('inventory.empty')}
      </p>
    );
  }
  return (
    <div {...scrollBox('host-table-scroll')}>
      {/* Windowed, most rows are not in the DOM: aria-rowcount and aria-rowindex tell a screen
          reader the table's real size and where each rendered row sits in it. */}
      <table className="host-table" data-testid="host-table" aria-rowcount={hosts.length + 1} data-windowed={windowed}>
        <thead ref={measureHead}>
          <tr aria-rowindex={1}>
            {COLUMNS.map((c) => (
              <th key={c} scope="col">
                {t(`inventory.col.${c}`)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {body}
        </tbody>
      </table>
    </div>
  );
}
