import type { Host, PortRule, Project } from '../../../contract/index.js';
import type { StepResults } from '../../runbook/step-module.js';
import { isKit, KIT_SOURCE_ACTION, kitRecordOf } from './kit-source.js';
import { installContext, portsFor } from './step.js';

/**
 * The as-built platform for the report: what each host runs (package versions and time sources,
 * read by the `as-built` action of the last run) and what the plan put where (VIP and its
 * candidates, monitoring targets, firewall ports per host). Pure: the report calls it with the
 * last run's results.
 */
export interface AsBuilt {
  profile: string;
  vip: string | null;
  vipCandidates: string[];
  routerId: number;
  prometheus: { hostId: string; targets: string[] };
  hosts: {
    hostId: string;
    role: string;
    packages: { name: string; version: string }[];
    /** chrony's sources: `selected` is the one it follows (`^*`). */
    timeSources: { address: string; selected: boolean }[];
    ports: PortRule[];
  }[];
  /** The site kit the install took its packages from: per host, its target and the kit manifest's SHA-256 (absent: not a kit install). */
  kit?: { hostId: string; target: string; manifestSha256: string }[];
}

export function parseAsBuilt(stdout: string): { packages: { name: string; version: string }[]; timeSources: { address: string; selected: boolean }[] } {
  const packages: { name: string; version: string }[] = [];
  const timeSources: { address: string; selected: boolean }[] = [];
  let section = '';
  for (const line of stdout.split('\n')) {
    const m = /^== (\w+)$/.exec(line.trim());
    if (m) { section = m[1]!; continue; }
    const [a, b] = line.trim().split(/\s+/);
    if (!a || !b) continue;
    if (section === 'packages') packages.push({ name: a, version: b });
    if (section === 'chrony' && a.startsWith('^')) timeSources.push({ address: b, selected: a === '^*' });
  }
  return { packages, timeSources };
}

/**
 * `earlier`: the step's earlier runs' results, newest first. A host whose kit check was already
 * done in this run (a re-run: every package installed, no kit source put on it) keeps the record of
 * the run that installed it from the kit.
 */
export function asBuiltOf(results: StepResults, project: Project, earlier: readonly StepResults[] = []): AsBuilt | null {
  let ctx: ReturnType<typeof installContext>;
  try {
    ctx = installContext(project);
  } catch {
    return null;
  }
  const hostRow = (h: Host) => {
    const r = results.get(h.id)?.get('as-built');
    const read = r && r.status === 'done' ? parseAsBuilt(r.stdout) : { packages: [], timeSources: [] };
    return { hostId: h.id, role: h.role, ...read, ports: portsFor(h, ctx) };
  };
  return {
    profile: ctx.profile.id,
    vip: ctx.vip || null,
    vipCandidates: ctx.vipCandidates.map((c) => c.id),
    routerId: ctx.plan.vrrp.routerId,
    prometheus: { hostId: ctx.firstMaster.id, targets: ctx.hosts.map((h) => `${h.address}:9100`) },
    hosts: ctx.hosts.map(hostRow),
    ...(isKit(ctx.plan.packageSource)
      ? { kit: ctx.hosts.flatMap((h) => {
        const now = results.get(h.id)?.get(KIT_SOURCE_ACTION);
        const k = kitRecordOf(now)
          ?? (now?.status === 'already-done' ? earlier.map((r) => kitRecordOf(r.get(h.id)?.get(KIT_SOURCE_ACTION))).find((x) => x !== null) ?? null : null);
        return k ? [{ hostId: h.id, ...k }] : [];
      }) }
      : {}),
  };
}
