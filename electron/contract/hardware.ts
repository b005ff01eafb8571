import { z } from 'zod';

/**
 * What the Hardware step learns about a host. Every value is either measured or absent with a
 * reason: a missing tool or permission never turns into an invented number.
 */
/** Why a hardware fact could not be collected (hardware/collect.ts); `other` for facts recorded before these codes. */
export const UNKNOWN_REASON_CODES = ['tool-missing', 'no-cpu-topology', 'dmidecode-needs-root', 'no-smbios', 'dmidecode-failed', 'no-interfaces', 'smart-unreadable', 'smart-needs-root', 'no-bmc', 'other'] as const;

export const unknownSchema = z.object({
  /** Which fact could not be collected, e.g. "smart", "dmidecode", "bmc". */
  field: z.string(),
  /** Why, as a code the UI and report render from `findings.unknown.<code>` with `params`; `reason`/`remediation` are the English fallback. */
  code: z.enum(UNKNOWN_REASON_CODES).optional(),
  params: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  reason: z.string(),
  remediation: z.string(),
});

/**
 * The locale entry a finding's texts come from: `findings.<this>.message` / `.remediation`.
 * Mostly the code itself; a finding with several wordings under one code (one waiver key) names
 * its wording in `params.variant`, and `unknown.<field>` findings share texts by their reason.
 */
export function findingTextKey(code: string, params?: Record<string, string | number> | null): string {
  if (code.startsWith('unknown.') && typeof params?.reason === 'string') return `unknown.${params.reason}`;
  return typeof params?.variant === 'string' ? `${code}.${params.variant}` : code;
}

export const diskSchema = z.object({
  name: z.string(),
  path: z.string(),
  sizeBytes: z.number(),
  rotational: z.boolean(),
  model: z.string().nullable(),
  serial: z.string().nullable(),
  transport: z.string().nullable(),
  /** lsblk TYPE: disk, loop (lab disks), … */
  type: z.string(),
  mounted: z.boolean(),
  smart: z.object({ passed: z.boolean() }).nullable(),
});

export const nicSchema = z.object({
  name: z.string(),
  mac: z.string().nullable(),
  state: z.string(),
  speedMbps: z.number().nullable(),
  duplex: z.string().nullable(),
  driver: z.string().nullable(),
  sriovTotalVfs: z.number().nullable(),
  addresses: z.array(z.string()),
});

export const dimmSchema = z.object({
  locator: z.string(),
  sizeBytes: z.number(),
  type: z.string().nullable(),
  speed: z.string().nullable(),
  manufacturer: z.string().nullable(),
  serial: z.string().nullable(),
  partNumber: z.string().nullable(),
});

export const hardwareFactsSchema = z.object({
  hostId: z.string(),
  collectedAt: z.string(),
  hostname: z.string(),
  os: z.object({ prettyName: z.string().nullable(), kernel: z.string().nullable() }),
  system: z
    .object({
      vendor: z.string().nullable(),
      model: z.string().nullable(),
      serial: z.string().nullable(),
      biosVendor: z.string().nullable(),
      biosVersion: z.string().nullable(),
      biosDate: z.string().nullable(),
      boardSerial: z.string().nullable(),
      chassisSerial: z.string().nullable(),
    })
    .nullable(),
  cpu: z
    .object({
      model: z.string(),
      sockets: z.number(),
      coresPerSocket: z.number(),
      threadsPerCore: z.number(),
      cores: z.number(),
      threads: z.number(),
      virtualization: z.string().nullable(),
    })
    .nullable(),
  memory: z.object({
    /** What the OS sees (MemTotal). */
    totalBytes: z.number().nullable(),
    ecc: z.enum(['yes', 'no', 'unknown']),
    eccType: z.string().nullable(),
    dimms: z.array(dimmSchema),
    edac: z.object({ correctable: z.number(), uncorrectable: z.number() }).nullable(),
  }),
  disks: z.array(diskSchema),
  nics: z.array(nicSchema),
  bmc: z
    .object({
      psuCount: z.number(),
      psuFailed: z.number(),
      sensorsNotOk: z.array(z.string()),
    })
    .nullable(),
  unknowns: z.array(unknownSchema),
});
export type HardwareFacts = z.infer<typeof hardwareFactsSchema>;
export type DiskFacts = z.infer<typeof diskSchema>;
export type NicFacts = z.infer<typeof nicSchema>;

/**
 * The profiles that ship in resources/profiles. Others come from a company's own files, so an id
 * is any kebab-case name, checked against the profiles loaded at the time it is used.
 */
export const HARDWARE_PROFILES = ['default', 'production', 'lab'] as const;
export const HARDWARE_PROFILE_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const hardwareProfileIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(HARDWARE_PROFILE_ID, 'a profile id: lower-case letters, digits and single dashes, e.g. "acme-gpu"');
export type HardwareProfileId = z.infer<typeof hardwareProfileIdSchema>;

/** Minimums per role. Sizes in bytes; disk size is the largest disk (the one the OS and data land on). */
export const roleThresholdsSchema = z.object({
  cores: z.number().int().min(0),
  threads: z.number().int().min(0),
  memoryBytes: z.number().min(0),
  /** Memory with ECC is required (a missing or unknown ECC report is then a finding). */
  ecc: z.boolean(),
  largestDiskBytes: z.number().min(0),
  /** Spare (unmounted) disks of equal size a RAID set needs: 2 for RAID 1, 4 for RAID 10; 0 = no requirement. */
  raidDisks: z.number().int().min(0),
  /** Fastest link speed any NIC must reach, in Mb/s; 0 = no requirement. */
  nicSpeedMbps: z.number().min(0),
  /** Power supplies a host must have when it reports them (BMC); 0 = no requirement. */
  minPsus: z.number().int().min(0),
});
export type RoleThresholds = z.infer<typeof roleThresholdsSchema>;

export const hardwareProfileSchema = z.object({
  id: hardwareProfileIdSchema,
  label: z.object({ en: z.string(), 'zh-CN': z.string() }),
  /** Shipped with the app, or a company's file in the data folder's profiles/. */
  source: z.enum(['built-in', 'company']),
  /** The file it was read from. */
  file: z.string(),
  /** Lab nodes' disks are loop devices; they count as disks only where this is set. */
  includeLoopDisks: z.boolean(),
  roles: z.object({ master: roleThresholdsSchema, worker: roleThresholdsSchema }),
});
export type HardwareProfileInfo = z.infer<typeof hardwareProfileSchema>;

/**
 * A profile file that was not loaded (the others still are). `code` + `params` are what the UI
 * renders in its language (i18n `hardware.profileError.<code>`); `message` is the English text.
 */
export const profileLoadErrorSchema = z.object({
  file: z.string(),
  line: z.number().int().optional(),
  /** The field at fault, as a dotted path ("roles.master.memory"), or "file". */
  field: z.string(),
  code: z.enum(['read', 'too-large', 'yaml', 'field', 'file-name', 'duplicate-id']),
  params: z.record(z.string(), z.union([z.string(), z.number()])),
  message: z.string(),
});
export type ProfileLoadError = z.infer<typeof profileLoadErrorSchema>;
