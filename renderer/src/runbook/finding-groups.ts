import { isOpenBlocking, type FindingView } from '../../../electron/contract/index.js';

export interface FindingGroup {
  /** severity, code and threshold: one kind of finding. */
  id: string;
  code: string;
  severity: FindingView['severity'];
  findings: FindingView[];
  /** Host names in natural order, runs of numbered names compressed ("node1–node4"). */
  hostList: string;
  /** The measured value when every host measured the same; else the distinct values, at most three, then "…". */
  measured: string | undefined;
  /** The hosts' roles, when the findings name one ("master, worker"). */
  roles: string | undefined;
  /** Blocking findings of the group nobody has waived: what one group waiver covers. */
  open: FindingView[];
}

const ORDER = { blocking: 0, warning: 1, info: 2 } as const;

const natural = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/**
 * Names as a short list: "node1–node4, node7, db". A run is numbered names with the same prefix
 * and the same zero padding whose numbers follow one another; two in a row stay two names.
 */
export function compressHostNames(names: readonly string[]): string {
  const sorted = [...new Set(names)].sort(natural.compare);
  const out: string[] = [];
  let i = 0;
  while (i < sorted.length) {
    const m = /^(.*?)(\d+)$/.exec(sorted[i]!);
    let j = i;
    if (m) {
      const [, prefix, digits] = m;
      const width = digits!.startsWith('0') ? digits!.length : 0;
      let n = Number(digits);
      while (j + 1 < sorted.length) {
        const next = /^(.*?)(\d+)$/.exec(sorted[j + 1]!);
        if (!next || next[1] !== prefix || Number(next[2]) !== n + 1) break;
        if ((next[2]!.startsWith('0') ? next[2]!.length : 0) !== width && width !== 0) break;
        n++;
        j++;
      }
    }
    if (j - i >= 2) out.push(`${sorted[i]}–${sorted[j]}`);
    else for (let k = i; k <= j; k++) out.push(sorted[k]!);
    i = j + 1;
  }
  return out.join(', ');
}

/**
 * Findings grouped by kind across hosts, blocking first, in the order each kind first appears.
 * `hostName` names a finding's host (its name, else its address); findings without a host keep it out of the list.
 */
export function groupFindings(findings: readonly FindingView[], hostName: (hostId: string) => string): FindingGroup[] {
  const groups = new Map<string, FindingView[]>();
  for (const f of findings) {
    // The threshold is part of the kind: "needs 256 GiB" is not "needs 128 GiB" (roles with the same threshold share it).
    const id = `${f.severity}:${f.code}:${f.threshold ?? ''}`;
    const g = groups.get(id);
    if (g) g.push(f);
    else groups.set(id, [f]);
  }
  const out: FindingGroup[] = [];
  for (const [id, list] of groups) {
    const first = list[0]!;
    const byName = [...list].sort((a, b) => natural.compare(a.hostId ? hostName(a.hostId) : '', b.hostId ? hostName(b.hostId) : ''));
    const values = [...new Set(list.map((f) => f.measured).filter((v) => v !== undefined).map(String))];
    out.push({
      id,
      code: first.code,
      severity: first.severity,
      findings: byName,
      hostList: compressHostNames(list.filter((f) => f.hostId).map((f) => hostName(f.hostId!))),
      roles: list.some((f) => f.params?.role !== undefined) ? [...new Set(list.map((f) => f.params?.role).filter((r) => r !== undefined).map(String))].join(', ') : undefined,
      measured: values.length === 0 ? undefined : values.length <= 3 ? values.join(', ') : `${values.slice(0, 3).join(', ')}, …`,
      open: byName.filter(isOpenBlocking),
    });
  }
  return out.sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);
}

/** "20 blocking findings on 4 hosts — 3 kinds": the counts of the open blocking findings. */
export function blockingSummary(findings: readonly FindingView[]): { count: number; hosts: number; kinds: number } {
  const open = findings.filter(isOpenBlocking);
  return { count: open.length, hosts: new Set(open.map((f) => f.hostId ?? '')).size, kinds: new Set(open.map((f) => f.code)).size };
}
