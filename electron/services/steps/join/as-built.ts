import { WORKER_JOIN_STEP, type Host, type Project } from '../../../contract/index.js';
import type { Action, Phase, StepResults } from '../../runbook/step-module.js';
import type { ClusterProfile, ProfileContext } from '../master/profile.js';

/**
 * The as-built cluster for the report (issue 19): the join step's last phase reads, on every
 * member, the state of the profile's units and the versions of its packages, and on the first
 * master the cluster's own member list. Read-only and captured, so it has no probe: every run
 * records what the cluster is now. The parsers and `clusterOf` are pure (the report calls them
 * with the last join run's results).
 */

export const CLUSTER_AS_BUILT_PHASE = 'cluster-as-built';
export const CLUSTER_AS_BUILT_ACTION = 'cluster-as-built';
export const CLUSTER_MEMBERS_ACTION = 'cluster-members';
const TIMEOUT_MS = 60_000;

/**
 * $@: the units, then `--`, then the packages. Prints `== units` then `<unit> <state>` a line
 * (`systemctl is-active`: active, inactive, failed…), `== packages` then `<package> <version>` a
 * line, the version empty when the package is not installed. Never fails: a missing unit or
 * package is a state to report, not an error.
 */
export const CLUSTER_AS_BUILT = `printf '== units\\n'
while [ "$#" -gt 0 ] && [ "$1" != -- ]; do
  printf '%s %s\\n' "$1" "$(systemctl is-active "$1" 2>/dev/null || true)"
  shift
done
[ "$#" -gt 0 ] && shift
printf '== packages\\n'
for p in "$@"; do
  printf '%s %s\\n' "$p" "$(dpkg-query -W -f='\${Version}' "$p" 2>/dev/null || true)"
done
exit 0`;

type AsBuiltSpec = NonNullable<ClusterProfile['asBuilt']>;

/** The last phase of the join step: every host, in parallel. */
export function clusterAsBuiltPhase(ctx: Pick<ProfileContext, 'hosts'>): Phase {
  return { id: CLUSTER_AS_BUILT_PHASE, title: 'install.phases.clusterAsBuilt', hosts: ctx.hosts.map((h) => h.id), mode: 'parallel' };
}

/** The as-built actions for one host: its units and packages; on the first master also the member list. */
export function clusterAsBuiltActions(host: Host, ctx: ProfileContext, spec: AsBuiltSpec): Action[] {
  const sudo = host.user !== 'root';
  const units = spec.units(host, ctx);
  const packages = spec.packages(host, ctx);
  const out: Action[] = [
    { id: CLUSTER_AS_BUILT_ACTION, title: 'install.actions.clusterAsBuilt', phase: CLUSTER_AS_BUILT_PHASE, sudo: false, timeoutMs: TIMEOUT_MS, destructive: false, capture: true,
      command: { script: CLUSTER_AS_BUILT, args: [...units, '--', ...packages] } },
  ];
  // The cluster tools (pcs, crm_node) want root; sinfo does not mind.
  if (host.id === ctx.firstMaster.id) {
    out.push({ id: CLUSTER_MEMBERS_ACTION, title: 'install.actions.clusterMembers', phase: CLUSTER_AS_BUILT_PHASE, sudo, timeoutMs: TIMEOUT_MS, destructive: false, capture: true, command: spec.members });
  }
  return out;
}

export interface UnitState {
  name: string;
  state: string;
}
export interface PackageVersion {
  name: string;
  /** Empty: not installed. */
  version: string;
}

/** The capture of CLUSTER_AS_BUILT. Lines outside a section, or without a name, are ignored. */
export function parseClusterAsBuilt(stdout: string): { units: UnitState[]; packages: PackageVersion[] } {
  const units: UnitState[] = [];
  const packages: PackageVersion[] = [];
  let section = '';
  for (const raw of stdout.split('\n')) {
    const line = raw.trim();
    const m = /^== (\w+)$/.exec(line);
    if (m) {
      section = m[1]!;
      continue;
    }
    const [name, ...rest] = line.split(/\s+/);
    if (!name) continue;
    const value = rest.join(' ');
    if (section === 'units') units.push({ name, state: value || 'unknown' });
    if (section === 'packages') packages.push({ name, version: value });
  }
  return { units, packages };
}

/** The members command's capture: `<node name> <state>` a line (a line with a name only: state unknown). */
export function parseMembers(stdout: string): UnitState[] {
  return stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([name]) => !!name)
    .map(([name, ...rest]) => ({ name: name!, state: rest.join(' ') || 'unknown' }));
}

export interface ClusterAsBuilt {
  profile: string;
  /** The join run read; null: the join step has not run, so nothing is recorded yet. */
  runId: string | null;
  /** The as-built phase ran in that run (an older or unfinished run may not have reached it). */
  recorded: boolean;
  members: UnitState[];
  hosts: { hostId: string; role: string; units: UnitState[]; packages: PackageVersion[] }[];
}

/**
 * The as-built cluster of the join run `runId` (null: none yet). Absent (null) for the base
 * platform when no join ran: there is no cluster to describe.
 */
export function clusterOf(project: Project, run: { runId: string; results: StepResults } | null): ClusterAsBuilt | null {
  const profile = project.install?.profile ?? 'base';
  if (!run && profile === 'base') return null;
  const done = (hostId: string, actionId: string) => {
    const r = run?.results.get(hostId)?.get(actionId);
    return r && r.status === 'done' ? r.stdout : null;
  };
  let members: UnitState[] = [];
  let recorded = false;
  const hosts = project.hosts.map((h) => {
    const members1 = done(h.id, CLUSTER_MEMBERS_ACTION);
    if (members1 !== null) members = parseMembers(members1);
    const out = done(h.id, CLUSTER_AS_BUILT_ACTION);
    if (out !== null) recorded = true;
    return { hostId: h.id, role: h.role, ...(out !== null ? parseClusterAsBuilt(out) : { units: [], packages: [] }) };
  });
  return { profile, runId: run?.runId ?? null, recorded, members, hosts };
}

/** The step whose runs the cluster section reads. */
export const CLUSTER_STEP = WORKER_JOIN_STEP;
