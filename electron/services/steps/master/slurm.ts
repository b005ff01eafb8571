import type { Host, PortRule } from '../../../contract/index.js';
import type { Action, ActionArg, Phase, StepCommand } from '../../runbook/step-module.js';
import { StepRefusal } from '../../runbook/refusal.js';
import type { ClusterProfile, ProfileContext } from './profile.js';
import { MANAGED_FILE, PACKAGES } from './scripts.js';
import {
  CGROUP_CONF, MUNGE_KEY, MUNGE_KEY_CHECK, MUNGE_KEY_INSTALL, MUNGE_KEY_MAKE, MUNGE_KEY_READ, MUNGE_MARKER, SLURM_CONF, SLURM_CONF_APPLY,
  SLURM_MEMBERS, SLURM_NODE, SLURM_NODE_CHECK, SLURM_SEEN, SLURMCTLD_OFF, SLURMD, SLURMD_OFF,
} from './slurm-scripts.js';
import { slurmVerify } from './slurm-verify.js';

/**
 * The Slurm (HPC) profile (issue 19). One controller, slurmctld on the first master; slurmd on
 * every node, masters included, so the cluster runs jobs on every node.
 *
 * Configless: slurm.conf (and cgroup.conf) exist on the controller only, with
 * `SlurmctldParameters=enable_configless`; every other slurmd starts with `--conf-server` (a
 * drop-in, as Debian's unit wants a local slurm.conf) and fetches them. A node joining later
 * therefore changes one file, the controller's: slurmctld restarts (running jobs survive, their
 * state is saved) and `scontrol reconfigure` hands the new file to every slurmd, which re-reads it
 * without a restart. With slurm.conf on every node, each join would rewrite every node's copy.
 *
 * The munge key is made once on the first master (marked as ours: Debian's postinst makes one on
 * every node), read back as a secret output by every run that needs it, and copied to each node.
 * NodeName lines come from each node's `slurmd -C`, an output of every run.
 *
 * cgroups: `CgroupPlugin=autodetect` with proctrack/cgroup and task/cgroup. It takes cgroup/v2 on a
 * Debian 12 server (Debian's slurmd unit has Delegate=yes) and cgroup/v1 on a lab node, whose
 * layout is the hybrid host's (scripts/lab/README.md); a forced `cgroup/v2` there would die with
 * "Hybrid mode is not supported". Slurm 22.05 needs cgroup.conf to exist.
 */

export const SLURM_PHASES = {
  controller: 'slurm-controller',
  nodes: 'slurm-nodes',
  joinRead: 'join-read',
  joinController: 'join-controller',
  joinNodes: 'join-nodes',
  joinSeen: 'join-seen',
  leaveRead: 'leave-read',
  leaveController: 'leave-controller',
  leaveNode: 'leave-node',
} as const;

export const SLURM_PORTS = { slurmctld: 6817, slurmd: 6818, srunFirst: 60001, srunLast: 60016 } as const;
export const NODE_PACKAGES = ['munge', 'slurmd', 'slurm-client'] as const;
export const CGROUP_CONF_TEXT = '# Managed by Rackside (Slurm profile): served to every slurmd with slurm.conf.\nCgroupPlugin=autodetect\nConstrainCores=yes\nConstrainRAMSpace=yes\n';

const SHORT_MS = 60_000;
const LONG_MS = 15 * 60_000;
/** How long "seen" waits for a node to take jobs (bounded: a node that never registers fails its stage). */
export const SEEN_WAIT_S = 120;

const srunPorts = (): PortRule[] => {
  const out: PortRule[] = [];
  for (let p: number = SLURM_PORTS.srunFirst; p <= SLURM_PORTS.srunLast; p++) out.push({ port: p, protocol: 'tcp' });
  return out;
};

const t = (k: string) => `install.actions.${k}`;
const sudoOf = (h: Host) => h.user !== 'root';
const isFirst = (h: Host, ctx: ProfileContext) => h.id === ctx.firstMaster.id;

/** slurm.conf's partition arguments: `name;YES|NO;maxtime;addresses|ALL`. */
export function partitionArgs(ctx: ProfileContext): string[] {
  const byId = new Map(ctx.hosts.map((h) => [h.id, h]));
  return ctx.plan.slurm.partitions.map((p) => {
    const addrs = p.hosts.map((id) => byId.get(id)?.address).filter((a): a is string => !!a);
    return [p.name, p.default ? 'YES' : 'NO', p.maxTimeMin === undefined ? 'INFINITE' : String(p.maxTimeMin), p.hosts.length === 0 ? 'ALL' : addrs.join(',')].join(';');
  });
}

/** The controller's slurm.conf from every node line the run produced (`slurm-node` outputs). */
function slurmConf(mode: 'check' | 'apply', how: 'merge' | 'exact', ctx: ProfileContext): StepCommand {
  const parts = partitionArgs(ctx);
  const args: ActionArg[] = [mode, how, SLURM_CONF, ctx.plan.slurm.clusterName, ctx.firstMaster.address, String(parts.length), ...parts, '--', { output: 'slurm-node', all: true }];
  return { script: SLURM_CONF_APPLY, args };
}

function nodeLine(h: Host, phase: string, stage?: string): Action {
  return { id: 'slurm-node', title: t('slurmNode'), phase, sudo: sudoOf(h), timeoutMs: SHORT_MS, destructive: false, ...(stage ? { stage } : {}),
    command: { script: SLURM_NODE, args: [h.address] }, probe: { script: SLURM_NODE_CHECK },
    output: { name: 'slurm-node', read: { script: SLURM_NODE, args: [h.address] } } };
}

function mungeKeyMake(h: Host, phase: string, stage?: string): Action {
  return { id: 'munge-key', title: t('mungeKey'), phase, sudo: sudoOf(h), timeoutMs: SHORT_MS, destructive: false, ...(stage ? { stage } : {}),
    command: { script: MUNGE_KEY_MAKE, args: [MUNGE_KEY, MUNGE_MARKER] }, probe: { script: MUNGE_KEY_CHECK, args: [MUNGE_KEY, MUNGE_MARKER] },
    output: { name: 'munge-key', secret: true, read: { script: MUNGE_KEY_READ, args: [MUNGE_KEY] } } };
}

function mungeKeyInstall(h: Host, ctx: ProfileContext, phase: string, stage?: string): Action {
  const cmd = (mode: string): StepCommand => ({ script: MUNGE_KEY_INSTALL, args: [mode, MUNGE_KEY], stdin: [{ output: 'munge-key', host: ctx.firstMaster.id }] });
  return { id: 'munge-key-install', title: t('mungeKeyInstall'), phase, sudo: sudoOf(h), timeoutMs: SHORT_MS, destructive: false, ...(stage ? { stage } : {}),
    command: cmd('apply'), probe: cmd('check') };
}

function slurmdOn(h: Host, ctx: ProfileContext, phase: string, stage?: string): Action {
  const server = isFirst(h, ctx) ? '' : ctx.firstMaster.address;
  return { id: 'slurmd', title: t('slurmd'), phase, sudo: sudoOf(h), timeoutMs: SHORT_MS, destructive: false, ...(stage ? { stage } : {}),
    command: { script: SLURMD, args: ['apply', server] }, probe: { script: SLURMD, args: ['check', server] } };
}

function slurmctldOff(h: Host, phase: string, stage?: string): Action {
  return { id: 'slurmctld-off', title: t('slurmctldOff'), phase, sudo: sudoOf(h), timeoutMs: SHORT_MS, destructive: false, ...(stage ? { stage } : {}),
    command: { script: SLURMCTLD_OFF, args: ['apply'] }, probe: { script: SLURMCTLD_OFF, args: ['check'] } };
}

function controllerConf(h: Host, ctx: ProfileContext, phase: string, how: 'merge' | 'exact', extra: Partial<Action> = {}): Action {
  return { id: 'slurm-conf', title: t('slurmConf'), phase, sudo: sudoOf(h), timeoutMs: 3 * SHORT_MS, destructive: false, ...extra,
    command: slurmConf('apply', how, ctx), probe: slurmConf('check', how, ctx) };
}

/** The master install's part: the controller and the masters' slurmd (workers join in step 6). */
function installActions(h: Host, ctx: ProfileContext): Action[] {
  if (h.role !== 'master') return [];
  const sudo = sudoOf(h);
  const a: Action[] = [];
  if (isFirst(h, ctx)) {
    a.push({ id: 'slurmctld-package', title: t('slurmctldPackage'), phase: 'prepare', sudo, timeoutMs: LONG_MS, destructive: false,
      command: { script: PACKAGES, args: ['apply', 'slurmctld'] }, probe: { script: PACKAGES, args: ['check', 'slurmctld'] } });
    a.push(mungeKeyMake(h, 'prepare'));
  }
  a.push(nodeLine(h, 'prepare'));
  if (isFirst(h, ctx)) {
    const cg = (mode: string): StepCommand => ({ script: MANAGED_FILE, args: [mode, CGROUP_CONF, CGROUP_CONF_TEXT, '644', '', ''] });
    a.push({ id: 'slurm-cgroup', title: t('slurmCgroup'), phase: SLURM_PHASES.controller, sudo, timeoutMs: SHORT_MS, destructive: false, command: cg('apply'), probe: cg('check') });
    a.push(controllerConf(h, ctx, SLURM_PHASES.controller, 'merge'));
    a.push(slurmdOn(h, ctx, SLURM_PHASES.controller));
  } else {
    a.push(mungeKeyInstall(h, ctx, SLURM_PHASES.nodes));
    a.push(slurmctldOff(h, SLURM_PHASES.nodes));
    a.push(slurmdOn(h, ctx, SLURM_PHASES.nodes));
  }
  return a;
}

function joinActions(h: Host, ctx: ProfileContext): Action[] {
  const sudo = sudoOf(h);
  const P = SLURM_PHASES;
  if (isFirst(h, ctx)) {
    return [
      mungeKeyMake(h, P.joinRead, 'configuration'),
      nodeLine(h, P.joinRead, 'configuration'),
      controllerConf(h, ctx, P.joinController, 'exact', { stage: 'configuration' }),
      ...ctx.workers.map((w): Action => {
        const cmd = (mode: string): StepCommand => ({ script: SLURM_SEEN, args: [mode, { output: 'slurm-node', host: w.id }, String(SEEN_WAIT_S)] });
        return { id: `seen-${w.id}`, title: t('slurmSeen'), phase: P.joinSeen, sudo, timeoutMs: (SEEN_WAIT_S + 30) * 1000, destructive: false,
          about: w.id, stage: 'seen', command: cmd('apply'), probe: cmd('check') };
      }),
    ];
  }
  if (h.role === 'master') return [nodeLine(h, P.joinRead, 'configuration')];
  const pk = (mode: string): StepCommand => ({ script: PACKAGES, args: [mode, ...NODE_PACKAGES] });
  return [
    { id: 'packages', title: t('slurmPackages'), phase: P.joinRead, sudo, timeoutMs: LONG_MS, destructive: false, stage: 'packages', command: pk('apply'), probe: pk('check') },
    nodeLine(h, P.joinRead, 'configuration'),
    mungeKeyInstall(h, ctx, P.joinNodes, 'configuration'),
    slurmctldOff(h, P.joinNodes, 'configuration'),
    slurmdOn(h, ctx, P.joinNodes, 'service'),
  ];
}

function leavingCheck(ctx: ProfileContext, leaving: Host): void {
  if (leaving.id === ctx.firstMaster.id) {
    const host = leaving.name || leaving.address;
    throw new StepRefusal('leave-slurm-controller', { host }, `${host} runs the Slurm controller (slurmctld) and cannot leave the cluster`);
  }
}

export const slurmProfile: ClusterProfile = {
  id: 'slurm',
  title: 'install.profiles.slurm',
  packages: { master: NODE_PACKAGES, worker: [] },
  ports: {
    master: [{ port: SLURM_PORTS.slurmctld, protocol: 'tcp' }, { port: SLURM_PORTS.slurmd, protocol: 'tcp' }, ...srunPorts()],
    // Workers run srun too: a batch script's srun runs on the job's first node.
    worker: [{ port: SLURM_PORTS.slurmd, protocol: 'tcp' }, ...srunPorts()],
  },
  sysctl: {},
  phases(ctx): Phase[] {
    return [
      { id: SLURM_PHASES.controller, title: 'install.phases.slurmController', hosts: [ctx.firstMaster.id], mode: 'serial' },
      { id: SLURM_PHASES.nodes, title: 'install.phases.slurmNodes', hosts: ctx.masters.slice(1).map((h) => h.id), mode: 'parallel' },
    ];
  },
  actions: installActions,
  join: {
    phases(ctx): Phase[] {
      return [
        { id: SLURM_PHASES.joinRead, title: 'install.phases.slurmJoinRead', hosts: ctx.hosts.map((h) => h.id), mode: 'parallel' },
        { id: SLURM_PHASES.joinController, title: 'install.phases.slurmController', hosts: [ctx.firstMaster.id], mode: 'serial' },
        { id: SLURM_PHASES.joinNodes, title: 'install.phases.slurmJoinNodes', hosts: ctx.workers.map((h) => h.id), mode: 'parallel' },
        { id: SLURM_PHASES.joinSeen, title: 'install.phases.slurmSeen', hosts: [ctx.firstMaster.id], mode: 'serial' },
      ];
    },
    actions: joinActions,
  },
  leave: {
    phases(ctx, leaving): Phase[] {
      leavingCheck(ctx, leaving);
      return [
        { id: SLURM_PHASES.leaveRead, title: 'install.phases.slurmLeaveRead', hosts: ctx.hosts.filter((h) => h.id !== leaving.id).map((h) => h.id), mode: 'parallel' },
        { id: SLURM_PHASES.leaveController, title: 'install.phases.slurmController', hosts: [ctx.firstMaster.id], mode: 'serial' },
        { id: SLURM_PHASES.leaveNode, title: 'install.phases.slurmLeaveNode', hosts: [leaving.id], mode: 'serial' },
      ];
    },
    actions(h, ctx, leaving): Action[] {
      leavingCheck(ctx, leaving);
      const a: Action[] = [];
      if (h.id !== leaving.id) a.push(nodeLine(h, SLURM_PHASES.leaveRead));
      if (isFirst(h, ctx)) a.push(controllerConf(h, ctx, SLURM_PHASES.leaveController, 'exact', { about: leaving.id }));
      if (h.id === leaving.id) {
        a.push({ id: 'slurmd-off', title: t('slurmdOff'), phase: SLURM_PHASES.leaveNode, sudo: sudoOf(h), timeoutMs: SHORT_MS, destructive: false,
          command: { script: SLURMD_OFF, args: ['apply'] }, probe: { script: SLURMD_OFF, args: ['check'] } });
      }
      return a;
    },
  },
  asBuilt: {
    units: (h, ctx) => (isFirst(h, ctx) ? ['munge', 'slurmctld', 'slurmd'] : ['munge', 'slurmd']),
    packages: (h, ctx) => (isFirst(h, ctx) ? [...NODE_PACKAGES, 'slurmctld'] : [...NODE_PACKAGES]),
    members: { script: SLURM_MEMBERS },
  },
  verify: slurmVerify,
};
