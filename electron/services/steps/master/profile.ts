import type { Host, InstallPlan, PortRule, Project } from '../../../contract/index.js';
import type { Action, Finding, Phase, StepCommand, StepResults } from '../../runbook/step-module.js';
import { pacemakerProfile } from './pacemaker.js';
import { slurmProfile } from './slurm.js';

/**
 * A cluster profile: what a kind of cluster adds to the master install's base platform (issue 18).
 * A profile is a module in this folder listed in CLUSTER_PROFILES; the step (step.ts) merges its
 * packages, ports, sysctl settings, service and actions into the plan and appends its phases after
 * the base ones, so adding a profile touches no engine or step code. Pacemaker and Slurm come in
 * issue 19; Kubernetes (kubeadm) and Proxmox VE (pvecm) fit the same shape (packages, ports, an
 * init on the first master whose join token is an output, joins in later phases) but need packages
 * our registries lack, so they are not built.
 */
export interface ClusterProfile {
  /** `install.profile` in project.yaml. */
  id: string;
  /** i18n key. */
  title: string;
  /** Packages per role, on top of the base platform's. */
  packages: { master: readonly string[]; worker: readonly string[] };
  /** Inbound ports per role the firewall opens, on top of the base platform's. */
  ports: { master: readonly PortRule[]; worker: readonly PortRule[] };
  /** sysctl settings on every host (the plan's `install.sysctl` overrides them key by key). */
  sysctl: Readonly<Record<string, string>>;
  /**
   * The service haproxy fronts on the VIP candidates: `frontendPort` on the VIP forwards to `port`
   * on the hosts `servedBy` picks. Absent: no haproxy.
   */
  service?: { name: string; port: number; frontendPort: number; servedBy(ctx: ProfileContext): readonly Host[] };
  /** Phases the profile adds after the base ones (e.g. a controller first, then the nodes). */
  phases?(ctx: ProfileContext): Phase[];
  /** The profile's actions for one host, each naming a base phase or one of its own. */
  actions?(host: Host, ctx: ProfileContext): Action[];
  /**
   * The profile holds the network plan's VIP itself (Pacemaker's IPaddr2 resource): the base
   * platform then installs no keepalived (nor haproxy) on the candidates.
   */
  ownsVip?(ctx: ProfileContext): boolean;
  /**
   * Wizard step 6 (steps/join): what makes the workers members of the cluster the master install
   * made. Phases and actions like the master install's; every action names its `stage`
   * (JOIN_STAGES) and, when it runs on another host's connection (the first master adding a node),
   * the host it is `about`. Every action that changes something has a probe: a second run on a
   * finished cluster is all "already done", and a node added to the inventory later joins without
   * touching the finished ones' membership. Absent: nothing to join (the base platform).
   */
  join?: {
    phases(ctx: ProfileContext): Phase[];
    actions(host: Host, ctx: ProfileContext): Action[];
  };
  /**
   * Removing a node (on demand, step `cluster-leave`): its membership removed on the cluster's
   * side first (from the first master), then the node's services stopped. `leaving` is still in
   * ctx.hosts.
   */
  leave?: {
    phases(ctx: ProfileContext, leaving: Host): Phase[];
    actions(host: Host, ctx: ProfileContext, leaving: Host): Action[];
  };
  /**
   * What the report's as-built cluster records (read-only, captured in the join step's last phase,
   * join/step.ts): per host the units whose state and the packages whose versions are recorded;
   * `members` runs on the first master and prints one member per line, `<node name> <state>`.
   */
  asBuilt?: {
    units(host: Host, ctx: ProfileContext): string[];
    packages(host: Host, ctx: ProfileContext): string[];
    members: StepCommand;
  };
  /**
   * Wizard step 7 (steps/verify, VERIFICATION_STEP): the profile's read-only checks of the built
   * cluster (Pacemaker: nodes online, no failed actions, quorate with the expected votes; Slurm:
   * every node idle, munge between every pair, a job on every node). Actions name a phase of the
   * verification step (VERIFY_PHASES in steps/verify: `verify-hosts` on every host in parallel,
   * then `verify-cluster` on the first master) and change nothing (no probe needed); `findings`
   * turns their results into findings with the measured value, the threshold and the remedy.
   */
  verify?: {
    /**
     * Phases the profile's checks need between `verify-hosts` and `verify-cluster`, run in this
     * order (Slurm: every node decodes the munge credentials the others made in `verify-hosts`).
     */
    phases?(ctx: ProfileContext): Phase[];
    actions(host: Host, ctx: ProfileContext): Action[];
    findings(results: StepResults, ctx: ProfileContext): Finding[];
  };
  /** The profile's findings on a master install or join run (e.g. fencing off: blocking unless waived). */
  findings?(step: 'master-install' | 'worker-join', results: StepResults, ctx: ProfileContext): Finding[];
}

/** What a profile plans with: the project, the validated install plan and the hosts by role. */
export interface ProfileContext {
  project: Project;
  plan: InstallPlan;
  hosts: readonly Host[];
  firstMaster: Host;
  masters: readonly Host[];
  workers: readonly Host[];
  /** Hosts that may hold the VIP (empty when the network plan has no VIP). */
  vipCandidates: readonly Host[];
  vip: string;
  /**
   * Verification (step 7) only: the keys (`code@hostId`, findingKey) of the findings the
   * technician waived in the master install, which the verification step reads from the journal
   * (JournalState.waiversOf). A check of the same decision (Pacemaker's fencing off) then warns
   * instead of blocking again.
   */
  installWaivers?: readonly string[];
}

/**
 * The base platform only: its service is Prometheus (on the first master), which haproxy fronts
 * on the VIP, so a technician reaches the monitoring wherever the VIP is.
 */
export const baseProfile: ClusterProfile = {
  id: 'base',
  title: 'install.profiles.base',
  packages: { master: [], worker: [] },
  ports: { master: [], worker: [] },
  sysctl: {},
  service: { name: 'prometheus', port: 9090, frontendPort: 9091, servedBy: (ctx) => [ctx.firstMaster] },
};

/** Every profile this build knows, by id. */
export const CLUSTER_PROFILES: readonly ClusterProfile[] = [baseProfile, pacemakerProfile, slurmProfile];

export const profileIds = (): string[] => CLUSTER_PROFILES.map((p) => p.id);
export const profileById = (id: string): ClusterProfile | undefined => CLUSTER_PROFILES.find((p) => p.id === id);
