import {
  installPlanSchema,
  KIT_PORT_DEFAULT,
  type PACEMAKER_QUORUM_POLICIES,
  type PACEMAKER_VIP_OWNERS,
  type InstallIssue,
  type InstallPlan,
  type InstallPlanInput,
  type PortRule,
} from '../../../../electron/contract/index.js';

/** The profiles the chooser offers, in order; the backend still checks the id against the ones it has. */
export const PROFILE_CHOICES = ['base', 'pacemaker', 'slurm'] as const;
/** The profiles' limits (pcs: 15 characters; Slurm's ClusterName: 40), as the inputs' maxLength. */
export const PCM_CLUSTER_NAME_MAX = 15;
export const SLURM_CLUSTER_NAME_MAX = 40;
export const PARTITION_NAME_MAX = 64;
export const MAX_PARTITIONS = 16;
/** A week: Slurm takes larger MaxTime values, but a typo of a few zeros should be caught. */
export const MAX_TIME_MIN_LIMIT = 7 * 24 * 60;

/** A Slurm partition as typed: max time stays text (empty: UNLIMITED). */
export interface PartitionDraft {
  name: string;
  /** Host ids; empty: every node. */
  hosts: string[];
  default: boolean;
  maxTimeMin: string;
}

/**
 * The install plan as the form edits it: text fields, parsed into the contract's plan on every
 * keystroke, so the contract's own validation (validateInstallPlan) judges what is typed.
 */
export interface InstallDraft {
  profile: string;
  sourceKind: 'lab' | 'mirror' | 'kit';
  mirrorUrl: string;
  mirrorSuite: string;
  /** The site kit's folder on the laptop; `kitKeep`: its apt source stays on the hosts after the install. */
  kitDir: string;
  kitKeep: boolean;
  kitPort: number;
  /** Comma or space separated. */
  timeServers: string;
  /** Host ids, in priority order; empty: the masters. */
  candidates: string[];
  routerId: string;
  servicePort: string;
  rollbackAfterS: string;
  firewallEnabled: boolean;
  /** One `key = value` a line. */
  sysctl: string;
  /** `9100, 123/udp` */
  masterPorts: string;
  workerPorts: string;
  pcmClusterName: string;
  pcmVipOwner: (typeof PACEMAKER_VIP_OWNERS)[number];
  pcmQuorumPolicy: (typeof PACEMAKER_QUORUM_POLICIES)[number];
  slurmClusterName: string;
  partitions: PartitionDraft[];
}

const list = (s: string) => s.split(/[\s,]+/).map((x) => x.trim()).filter(Boolean);
/** A number field: an integer when it is one, else NaN so validation reports it (not a silent default). */
const int = (s: string) => (/^-?\d+$/.test(s.trim()) ? Number(s.trim()) : Number.NaN);

export function portsText(ports: readonly PortRule[]): string {
  return ports.map((p) => (p.protocol === 'tcp' ? String(p.port) : `${p.port}/${p.protocol}`)).join(', ');
}

function parsePorts(s: string): PortRule[] {
  return list(s).map((x) => {
    const [port, proto] = x.split('/');
    return { port: int(port ?? ''), protocol: proto === 'udp' ? 'udp' : 'tcp' };
  });
}

export function draftFromPlan(input: InstallPlanInput | undefined): InstallDraft {
  const plan: InstallPlan = installPlanSchema.parse(input ?? {});
  const src = plan.packageSource;
  return {
    profile: plan.profile,
    sourceKind: src.kind,
    mirrorUrl: src.kind === 'mirror' ? src.url : '',
    mirrorSuite: src.kind === 'mirror' ? src.suite : 'bookworm',
    kitDir: src.kind === 'kit' ? src.dir : '',
    kitKeep: src.kind === 'kit' ? src.keep : false,
    kitPort: src.kind === 'kit' ? src.port : KIT_PORT_DEFAULT,
    timeServers: plan.timeServers.join(', '),
    candidates: [...plan.vrrp.candidates],
    routerId: String(plan.vrrp.routerId),
    servicePort: plan.servicePort === undefined ? '' : String(plan.servicePort),
    rollbackAfterS: String(plan.firewall.rollbackAfterS),
    firewallEnabled: plan.firewall.enabled,
    sysctl: Object.entries(plan.sysctl).map(([k, v]) => `${k} = ${v}`).join('\n'),
    masterPorts: portsText(plan.ports.master),
    workerPorts: portsText(plan.ports.worker),
    pcmClusterName: plan.pacemaker.clusterName,
    pcmVipOwner: plan.pacemaker.vipOwner,
    pcmQuorumPolicy: plan.pacemaker.quorumPolicy,
    slurmClusterName: plan.slurm.clusterName,
    partitions: plan.slurm.partitions.map((p) => ({ name: p.name, hosts: [...p.hosts], default: p.default, maxTimeMin: p.maxTimeMin === undefined ? '' : String(p.maxTimeMin) })),
  };
}

/** A new partition: not the default when there is one already, so exactly one stays the default. */
export function newPartition(existing: readonly PartitionDraft[]): PartitionDraft {
  let n = existing.length + 1;
  while (existing.some((p) => p.name === `part${n}`)) n++;
  return { name: `part${n}`, hosts: [], default: existing.length === 0, maxTimeMin: '' };
}

/** Makes partition k the only default. */
export function setDefaultPartition(parts: readonly PartitionDraft[], k: number): PartitionDraft[] {
  return parts.map((p, i) => ({ ...p, default: i === k }));
}

/**
 * What the form itself refuses before the contract sees the plan: a max time that is not a whole
 * number of minutes in 1..MAX_TIME_MIN_LIMIT. Coded `install.issue.<code>` like the contract's.
 * Only for the profile the draft has chosen: the other profile's fields are kept but not judged.
 */
export function draftIssues(d: InstallDraft): InstallIssue[] {
  if (d.profile !== 'slurm') return [];
  const out: InstallIssue[] = [];
  d.partitions.forEach((p, k) => {
    const t = p.maxTimeMin.trim();
    if (t === '') return;
    const n = int(t);
    if (!Number.isInteger(n) || n < 1 || n > MAX_TIME_MIN_LIMIT) {
      out.push({ severity: 'error', field: `slurm.partitions.${k}.maxTimeMin`, code: 'form-max-time', params: { value: t, partition: p.name, max: MAX_TIME_MIN_LIMIT },
        message: `Partition ${p.name}: max time "${t}" is not a whole number of minutes from 1 to ${MAX_TIME_MIN_LIMIT} (empty: unlimited)` });
    }
  });
  return out;
}

/** The plan the draft says (not yet validated: feed it to validateInstallPlan). */
export function planFromDraft(d: InstallDraft): InstallPlanInput {
  const sysctl: Record<string, string> = {};
  for (const line of d.sysctl.split('\n')) {
    if (!line.trim()) continue;
    const eq = line.indexOf('=');
    // A line without "=" is kept as a key with an empty value, so validation names it.
    if (eq < 0) sysctl[line.trim()] = '';
    else sysctl[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return {
    profile: d.profile,
    packageSource: d.sourceKind === 'lab' ? { kind: 'lab' }
      : d.sourceKind === 'kit' ? { kind: 'kit', dir: d.kitDir.trim(), keep: d.kitKeep, port: d.kitPort }
      : { kind: 'mirror', url: d.mirrorUrl.trim(), suite: d.mirrorSuite.trim() || 'bookworm' },
    timeServers: list(d.timeServers),
    vrrp: { candidates: d.candidates, routerId: int(d.routerId) },
    ...(d.servicePort.trim() ? { servicePort: int(d.servicePort) } : {}),
    sysctl,
    ports: { master: parsePorts(d.masterPorts), worker: parsePorts(d.workerPorts) },
    firewall: { enabled: d.firewallEnabled, rollbackAfterS: int(d.rollbackAfterS) },
    // Both profiles' settings are kept whichever is chosen, so switching back and forth loses nothing.
    pacemaker: { clusterName: d.pcmClusterName.trim(), vipOwner: d.pcmVipOwner, quorumPolicy: d.pcmQuorumPolicy },
    slurm: {
      clusterName: d.slurmClusterName.trim(),
      partitions: d.partitions.map((p) => ({
        name: p.name.trim(),
        hosts: p.hosts,
        default: p.default,
        // Out of range or not a number: left out here and reported by draftIssues (the form refuses to save).
        ...(p.maxTimeMin.trim() && Number.isInteger(int(p.maxTimeMin)) && int(p.maxTimeMin) >= 1 ? { maxTimeMin: int(p.maxTimeMin) } : {}),
      })),
    },
  };
}
