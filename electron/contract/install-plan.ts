import { z } from 'zod';
import { pacemakerPlanSchema, validatePacemakerPlan } from './pacemaker-plan.js';
import { slurmPlanSchema, validateSlurmPlan } from './slurm-plan.js';

/**
 * The install plan (wizard step 5, the master install's base platform): where packages come from,
 * the time sources, the VIP's candidate hosts and VRRP router id, the port of the profile's service
 * that haproxy fronts, sysctl settings and the firewall's ports per role. Stored as the optional
 * `install` section of project.yaml; every field has a default, so `{}` is a complete plan. The
 * VIP itself is the network plan's (`network.vip`). Pure zod + TypeScript: the renderer validates
 * as the technician edits, the backend again before anything runs.
 */

export const PACKAGE_SOURCE_KINDS = ['lab', 'mirror', 'kit'] as const;

/** The port on each host's loopback the runner forwards to the laptop while a kit install runs. */
export const KIT_PORT_DEFAULT = 47480;

/**
 * One setting: the lab's own repository (the lab nodes resolve `rackside-lab-host`), a site
 * mirror, or the site kit built at the office (issue 22): served from the laptop through each
 * host's SSH connection (a remote port forward on the host's loopback, open while the run lasts).
 */
export const packageSourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('lab') }),
  z.object({
    kind: z.literal('mirror'),
    /** http(s) URL of a Debian mirror, e.g. `http://mirror.example/debian`. */
    url: z.string().max(500),
    suite: z.string().max(64).default('bookworm'),
    components: z.array(z.string().max(64)).max(8).default(['main']),
  }),
  z.object({
    kind: z.literal('kit'),
    /** The kit folder on the laptop (absolute path), one `<release>-<arch>/` repository per target inside. */
    dir: z.string().max(1000),
    /** Leave the kit's apt source and keyring on the hosts after the install (default: removed). */
    keep: z.boolean().default(false),
    /** The port on each host's loopback that the runner forwards to the laptop; must be free there. */
    port: z.number().int().default(KIT_PORT_DEFAULT),
  }),
]);
export type PackageSource = z.infer<typeof packageSourceSchema>;

export const FIREWALL_PROTOCOLS = ['tcp', 'udp'] as const;
export const portRuleSchema = z.object({
  port: z.number().int(),
  protocol: z.enum(FIREWALL_PROTOCOLS).default('tcp'),
});
export type PortRule = z.infer<typeof portRuleSchema>;

export const installPlanSchema = z.object({
  /** The cluster profile applied on top of the base platform (`base`: the base platform only). */
  profile: z.string().max(40).default('base'),
  packageSource: packageSourceSchema.default({ kind: 'lab' }),
  /** Upstream NTP servers the masters follow (workers follow the masters). Empty: none, the first master serves its own clock. */
  timeServers: z.array(z.string().max(253)).max(8).default([]),
  vrrp: z
    .object({
      /** Host ids that may hold the VIP, in priority order. Empty: the masters, in inventory order. */
      candidates: z.array(z.string().min(1).max(200)).max(16).default([]),
      /** VRRP virtual_router_id: unique per VIP on the segment (1-255). */
      routerId: z.number().int().default(51),
    })
    .default({ candidates: [], routerId: 51 }),
  /** The port of the profile's service that haproxy on the VIP candidates fronts; absent: the profile's own. */
  servicePort: z.number().int().optional(),
  /** sysctl settings added to (and overriding) the profile's: `net.ipv4.ip_forward: "1"`. */
  sysctl: z.record(z.string().max(128), z.string().max(128)).default({}),
  /** Inbound ports opened per role, on top of SSH and the profile's. */
  ports: z
    .object({ master: z.array(portRuleSchema).max(64).default([]), worker: z.array(portRuleSchema).max(64).default([]) })
    .default({ master: [], worker: [] }),
  firewall: z
    .object({
      enabled: z.boolean().default(true),
      /** The node restores its previous rules unless Rackside confirms within this many seconds. */
      rollbackAfterS: z.number().int().default(60),
    })
    .default({ enabled: true, rollbackAfterS: 60 }),
  /** The Pacemaker profile's settings (pacemaker-plan.ts); kept whatever the profile, used when it is `pacemaker`. */
  pacemaker: pacemakerPlanSchema,
  /** The Slurm profile's settings (slurm-plan.ts); used when the profile is `slurm`. */
  slurm: slurmPlanSchema,
});
export type InstallPlan = z.infer<typeof installPlanSchema>;
export type InstallPlanInput = z.input<typeof installPlanSchema>;

export interface InstallIssue {
  /** `error`: the plan cannot run; `warning`: it runs, but the technician should know (a single VIP candidate). */
  severity: 'error' | 'warning';
  hostId?: string;
  /** Dotted path of the field: `vrrp.candidates.0`, `packageSource.url` … */
  field: string;
  /** Stable code for translation: `install.issue.<code>`. */
  code: string;
  message: string;
  params?: Record<string, string | number>;
}

const SYSCTL_KEY = /^[a-z0-9_]+(\.[A-Za-z0-9_-]+)+$/;
const SYSCTL_VALUE = /^[A-Za-z0-9 ._:,/-]{1,128}$/;
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const SUITE = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$/;
const PROFILE_ID = /^[a-z0-9][a-z0-9-]{0,39}$/;

interface HostRef {
  id: string;
  name: string;
  address: string;
  role: string;
}

/** The VIP's candidate hosts: the plan's, else the masters in inventory order. */
export function vipCandidates(plan: InstallPlan, hosts: readonly HostRef[]): string[] {
  if (plan.vrrp.candidates.length > 0) return [...plan.vrrp.candidates];
  return hosts.filter((h) => h.role === 'master').map((h) => h.id);
}

/**
 * Everything that must hold before the install runs. Errors stop it; warnings (one VIP candidate:
 * the VIP adds no availability) are shown and the install may go on. `vip` is the network plan's
 * VIP ('' when none). `profiles`: the ids of the profiles this build knows.
 */
export function validateInstallPlan(input: InstallPlanInput, hosts: readonly HostRef[], vip: string, profiles: readonly string[]): InstallIssue[] {
  const parsed = installPlanSchema.safeParse(input);
  if (!parsed.success) {
    return parsed.error.issues.map((i) => {
      const field = i.path.join('.');
      return { severity: 'error' as const, field, code: 'schema', message: `${field}: ${i.message}`, params: { field, message: i.message } };
    });
  }
  const plan = parsed.data;
  const issues: InstallIssue[] = [];
  const add = (i: Omit<InstallIssue, 'severity'> & { severity?: InstallIssue['severity'] }) => issues.push({ severity: 'error', ...i });
  const byId = new Map(hosts.map((h) => [h.id, h]));
  const label = (id: string) => byId.get(id)?.name || byId.get(id)?.address || id;

  if (!PROFILE_ID.test(plan.profile) || !profiles.includes(plan.profile)) {
    add({ field: 'profile', code: 'profile-unknown', message: `Unknown cluster profile "${plan.profile}" (known: ${profiles.join(', ')})`, params: { value: plan.profile, known: profiles.join(', ') } });
  }
  if (!hosts.some((h) => h.role === 'master')) {
    add({ field: 'hosts', code: 'no-master', message: 'The inventory has no master: the install needs at least one' });
  }

  const src = plan.packageSource;
  if (src.kind === 'mirror') {
    let okUrl = false;
    try {
      const u = new URL(src.url);
      okUrl = (u.protocol === 'http:' || u.protocol === 'https:') && !/\s/.test(src.url) && u.username === '' && u.password === '';
    } catch {
      okUrl = false;
    }
    if (!okUrl) add({ field: 'packageSource.url', code: 'mirror-url-invalid', message: `"${src.url}" is not an http(s) URL of a mirror`, params: { value: src.url } });
    if (!SUITE.test(src.suite)) add({ field: 'packageSource.suite', code: 'mirror-suite-invalid', message: `"${src.suite}" is not a valid suite name`, params: { value: src.suite } });
    src.components.forEach((c, k) => {
      if (!SUITE.test(c)) add({ field: `packageSource.components.${k}`, code: 'mirror-suite-invalid', message: `"${c}" is not a valid component name`, params: { value: c } });
    });
  }

  if (src.kind === 'kit') {
    if (src.dir.trim() === '') add({ field: 'packageSource.dir', code: 'kit-dir-missing', message: 'Choose the site kit\'s folder (built with "Build kit")' });
    // The runner serves the folder from the laptop: a relative path would depend on where the app started.
    else if (!/^(\/|[A-Za-z]:[\\/])/.test(src.dir) || /[\0\n]/.test(src.dir)) {
      add({ field: 'packageSource.dir', code: 'kit-dir-not-absolute', message: `"${src.dir}" is not an absolute folder path`, params: { value: src.dir } });
    }
    if (src.port < 1024 || src.port > 65535) add({ field: 'packageSource.port', code: 'kit-port-range', message: `The kit's port ${src.port} on the hosts is not 1024-65535`, params: { value: src.port, min: 1024, max: 65535 } });
  }

  plan.timeServers.forEach((s, k) => {
    if (!HOSTNAME.test(s) && !IPV4.test(s)) add({ field: `timeServers.${k}`, code: 'time-server-invalid', message: `"${s}" is not a host name or IPv4 address`, params: { value: s } });
  });

  const r = plan.vrrp.routerId;
  if (r < 1 || r > 255) add({ field: 'vrrp.routerId', code: 'router-id-range', message: `VRRP router id ${r} is not 1-255`, params: { value: r } });

  const seen = new Set<string>();
  plan.vrrp.candidates.forEach((id, k) => {
    if (!byId.has(id)) add({ field: `vrrp.candidates.${k}`, code: 'candidate-unknown', message: `VIP candidate ${id} is not in the inventory`, params: { host: id } });
    else if (seen.has(id)) add({ hostId: id, field: `vrrp.candidates.${k}`, code: 'candidate-twice', message: `${label(id)} is a VIP candidate twice`, params: { host: label(id) } });
    seen.add(id);
  });
  if (vip) {
    const candidates = vipCandidates(plan, hosts).filter((id) => byId.has(id));
    if (candidates.length === 0) {
      add({ field: 'vrrp.candidates', code: 'vip-no-candidate', message: `The VIP ${vip} has no candidate host`, params: { vip } });
    } else if (new Set(candidates).size === 1) {
      add({ severity: 'warning', hostId: candidates[0]!, field: 'vrrp.candidates', code: 'vip-single-candidate', params: { vip, host: label(candidates[0]!) },
        message: `The VIP ${vip} has one candidate (${label(candidates[0]!)}): it adds no availability; add a second master or candidate` });
    }
  }

  if (plan.servicePort !== undefined && (plan.servicePort < 1 || plan.servicePort > 65535)) {
    add({ field: 'servicePort', code: 'port-range', message: `Port ${plan.servicePort} is not 1-65535`, params: { value: plan.servicePort } });
  }
  for (const [key, value] of Object.entries(plan.sysctl)) {
    if (!SYSCTL_KEY.test(key)) add({ field: `sysctl.${key}`, code: 'sysctl-key-invalid', message: `"${key}" is not a sysctl name (dotted, e.g. net.ipv4.ip_forward)`, params: { key } });
    else if (!SYSCTL_VALUE.test(value)) add({ field: `sysctl.${key}`, code: 'sysctl-value-invalid', message: `${key}: "${value}" is not a valid value`, params: { key, value } });
  }
  for (const role of ['master', 'worker'] as const) {
    plan.ports[role].forEach((p, k) => {
      if (p.port < 1 || p.port > 65535) add({ field: `ports.${role}.${k}`, code: 'port-range', message: `Port ${p.port} is not 1-65535`, params: { value: p.port } });
    });
  }
  const t = plan.firewall.rollbackAfterS;
  if (t < 15 || t > 600) add({ field: 'firewall.rollbackAfterS', code: 'rollback-range', message: `The firewall rollback timer ${t} s is not 15-600 s`, params: { value: t, min: 15, max: 600 } });
  if (plan.profile === 'pacemaker') issues.push(...validatePacemakerPlan(plan.pacemaker, hosts, vip));
  if (plan.profile === 'slurm') issues.push(...validateSlurmPlan(plan.slurm, hosts));
  return issues;
}

/** The master install's step id (wizard step 5). */
export const MASTER_INSTALL_STEP = 'master-install';
/** Wizard step 6: the profile's worker joins. */
export const WORKER_JOIN_STEP = 'worker-join';
/** On demand: remove one node's membership on the cluster's side (before it leaves the inventory). */
export const CLUSTER_LEAVE_STEP = 'cluster-leave';

/**
 * A joining host's timeline (step 6), in order: its packages, its configuration, its service
 * started, and the cluster seeing it as a member (checked from the master's side). Actions name
 * their stage (`Action.stage`); a stage's time limit is its actions' timeouts.
 */
export const JOIN_STAGES = ['packages', 'configuration', 'service', 'seen'] as const;
export type JoinStage = (typeof JOIN_STAGES)[number];
