import { z } from 'zod';
import { networkPlanSchema } from './network-plan.js';

export * from './network-plan.js';
import { storagePlanSchema } from './storage-plan.js';
export * from './storage-plan.js';
import { installPlanSchema } from './install-plan.js';
import { verifyPlanSchema } from './verify-plan.js';
export * from './install-plan.js';
export * from './pacemaker-plan.js';
export * from './slurm-plan.js';
import { hardwareProfileIdSchema } from './hardware.js';
import { REASON_CODES } from './result.js';

/**
 * Data shapes shared by every runtime. Pure zod + TypeScript: this folder must stay importable
 * from the renderer, the Electron main process and the browser host alike.
 */

export const ROLES = ['master', 'worker'] as const;
export const roleSchema = z.enum(ROLES);
export type Role = z.infer<typeof roleSchema>;

const IPV4_OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`^${IPV4_OCTET}(\\.${IPV4_OCTET}){3}$`);
// RFC 1123 host names: labels of letters, digits and inner hyphens, at most 253 characters.
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** Why an address is not usable, or null when it is a valid IPv4/IPv6 address or host name. */
export function addressProblem(address: string): string | null {
  return addressProblemCoded(address)?.message ?? null;
}

/** `addressProblem` with a code + params the renderer words (`issueText.<code>`). */
export function addressProblemCoded(address: string): { code: string; params: Record<string, string>; message: string } | null {
  const a = address.trim();
  if (a === '') return { code: 'address-empty', params: {}, message: 'address is empty' };
  if (/^[\d.]+$/.test(a)) {
    // Looks like dotted IPv4: hold it to IPv4 rules rather than letting it pass as a host name.
    return IPV4.test(a) ? null : { code: 'address-ipv4', params: { value: a }, message: `"${a}" is not a valid IPv4 address (four numbers 0-255 separated by dots)` };
  }
  if (a.includes(':')) {
    return z.ipv6().safeParse(a).success ? null : { code: 'address-ipv6', params: { value: a }, message: `"${a}" is not a valid IPv6 address` };
  }
  return HOSTNAME.test(a)
    ? null
    : { code: 'address-hostname', params: { value: a }, message: `"${a}" is not a valid host name (letters, digits, hyphens and dots; no spaces or underscores)` };
}

/** The inventory's own messages below, as codes the renderer words (`issueText.<code>`). */
export const HOST_MESSAGE_CODES: Record<string, string> = {
  'key file path is empty': 'keypath-empty',
  'port must be a number': 'port-number',
  'port must be a whole number': 'port-integer',
  'port must be between 1 and 65535': 'port-range',
  'user is empty': 'user-empty',
  'user may contain only letters, digits, ".", "_" and "-"': 'user-chars',
};

/**
 * How to log in. Secrets never live here: the password / key passphrase are in the secret store
 * (by host id); `agent` signs with a running ssh-agent (SSH_AUTH_SOCK of the backend), and agent
 * forwarding stays off.
 */
export const authSchema = z.discriminatedUnion('method', [
  z.object({ method: z.literal('password') }),
  z.object({ method: z.literal('key'), keyPath: z.string().min(1, 'key file path is empty') }),
  z.object({ method: z.literal('agent') }),
]);
export type HostAuth = z.infer<typeof authSchema>;

const addressSchema = z.string().superRefine((v, ctx) => {
  const p = addressProblem(v);
  if (p) ctx.addIssue({ code: 'custom', message: p });
});
const portSchema = z
  .number({ message: 'port must be a number' })
  .int('port must be a whole number')
  .min(1, 'port must be between 1 and 65535')
  .max(65535, 'port must be between 1 and 65535');
const userSchema = z
  .string()
  .min(1, 'user is empty')
  .regex(/^[a-z_][a-z0-9_.-]*\$?$/i, 'user may contain only letters, digits, ".", "_" and "-"');

/**
 * A bastion a host is reached through (`ssh -J`). Its host key is verified like any host's; its
 * secrets are in the secret store under `jumpSecretId(hostId)` or `BASTION_SECRET_ID`.
 */
export const jumpHostSchema = z.object({
  address: addressSchema,
  port: portSchema.default(22),
  user: userSchema,
  auth: authSchema,
});
export type JumpHost = z.infer<typeof jumpHostSchema>;

/** A host's BMC reached over IPMI-over-LAN (lanplus). */
export const bmcSchema = z.object({
  address: addressSchema,
  port: portSchema.default(623),
  user: z.string().min(1, 'user is empty').max(64),
});
export type Bmc = z.infer<typeof bmcSchema>;
/** Secret-store id of a host's BMC password. */
export const bmcSecretId = (hostId: string) => `${hostId}/bmc`;

/** Secret-store id of a host's own jump host, and of the project's bastion. */
export const jumpSecretId = (hostId: string) => `${hostId}/jump`;
export const BASTION_SECRET_ID = 'project/bastion';

/**
 * What a first contact with an unknown host key does: `confirm` stops until the technician
 * confirms the fingerprint; `accept-new` records it and goes on (OpenSSH StrictHostKeyChecking=accept-new).
 * A changed key is refused under both.
 */
export const hostKeyPolicySchema = z.enum(['confirm', 'accept-new']);
export type HostKeyPolicy = z.infer<typeof hostKeyPolicySchema>;

export const hostSchema = z.object({
  id: z.string().min(1),
  name: z.string().max(64).default(''),
  address: addressSchema,
  port: portSchema,
  user: userSchema,
  role: roleSchema,
  auth: authSchema,
  /** Reach this host through this jump host (overrides the project's bastion). */
  jump: jumpHostSchema.optional(),
  /**
   * The host's BMC (IPMI over LAN), for fencing (`fence_ipmilan`) and power drills; its password
   * is in the secret store under `bmcSecretId(hostId)`.
   */
  bmc: bmcSchema.optional(),
});
export type Host = z.infer<typeof hostSchema>;

export const PROJECT_VERSION = 1 as const;

export const projectSchema = z.object({
  version: z.literal(PROJECT_VERSION),
  site: z.string().max(200).default(''),
  customer: z.string().max(200).default(''),
  technician: z.string().max(200).default(''),
  hosts: z.array(hostSchema),
  /**
   * Limits the checks hold the hosts to. Optional, so files written before it existed still open
   * (no version bump); absent values take the step's default.
   */
  /** Which hardware thresholds the Hardware step holds the hosts to (absent: "default"). */
  hardwareProfile: hardwareProfileIdSchema.optional(),
  /**
   * The technician's confirmation that the lab profile is meant for hosts not known to be lab
   * nodes when it was chosen (their ids); cleared when another profile is chosen.
   */
  hardwareProfileConfirmation: z
    .object({ profile: hardwareProfileIdSchema, technician: z.string().max(200), at: z.string().max(100), hosts: z.array(z.string().max(200)).max(10_000) })
    .optional(),
  thresholds: z
    .object({
      /** Free space on / below this is a blocking finding of the preflight step. */
      minRootFreeMiB: z.number().int().min(0).max(1_000_000_000).optional(),
    })
    .optional(),
  /** The network plan (step 3): hostnames, addressing, bonds, VLANs, VIP. Optional: older files have none. */
  network: networkPlanSchema.optional(),
  /** The storage plan (step 4): the array layout and each host's disks by serial. Optional: older files have none. */
  storage: storagePlanSchema.optional(),
  /** The install plan (step 5): package source, time servers, VIP candidates, sysctl, firewall ports. Optional: older files have none. */
  install: installPlanSchema.optional(),
  /** The verification plan (step 7): the customer's RTO, the clock offset limit, the reboot test's hosts. Optional: older files have none. */
  verify: verifyPlanSchema.optional(),
  /** One jump host for every host without its own. Optional: older files have none. */
  bastion: jumpHostSchema.optional(),
  /** Unknown host keys on first contact (absent: "confirm"). */
  hostKeyPolicy: hostKeyPolicySchema.optional(),
});
export type Project = z.infer<typeof projectSchema>;

export const hostKeyStatusSchema = z.enum([
  'ok',
  'hostkey-unknown',
  'hostkey-changed',
  'refused',
  'timeout',
  'unreachable',
  'name-not-resolved',
  'auth-failed',
  'secret-missing',
  'key-unreadable',
  'error',
]);
export type ConnectionStatus = z.infer<typeof hostKeyStatusSchema>;

export const connectionResultSchema = z.object({
  hostId: z.string(),
  address: z.string(),
  port: z.number(),
  status: hostKeyStatusSchema,
  message: z.string(),
  /** `message` as a reason + params the renderer words from `reasons.<reason>`; `message` is the English fallback. */
  reason: z.enum(REASON_CODES).optional(),
  params: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  /** OpenSSH-style "SHA256:…" fingerprint of the key the server presented. */
  fingerprint: z.string().optional(),
  keyType: z.string().optional(),
  hostname: z.string().optional(),
  /** The fingerprint is of this jump host's key (it stopped there), not of the host's own. */
  keyAddress: z.string().optional(),
  keyPort: z.number().optional(),
  /** The key was unknown and recorded on this contact (host-key policy "accept-new"). */
  acceptedNew: z.boolean().optional(),
  os: z.string().optional(),
  kernel: z.string().optional(),
  durationMs: z.number(),
});
export type ConnectionResult = z.infer<typeof connectionResultSchema>;
