import { z } from 'zod';

/**
 * What the Hardware step learns about a host. Every value is either measured or absent with a
 * reason: a missing tool or permission never turns into an invented number.
 */
export const unknownSchema = z.object({
  /** Which fact could not be collected, e.g. "smart", "dmidecode", "bmc". */
  field: z.string(),
  reason: z.string(),
  remediation: z.string(),
});

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

export const HARDWARE_PROFILES = ['default', 'production', 'lab'] as const;
export const hardwareProfileIdSchema = z.enum(HARDWARE_PROFILES);
export type HardwareProfileId = z.infer<typeof hardwareProfileIdSchema>;
