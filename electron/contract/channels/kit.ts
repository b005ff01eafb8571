import { z } from 'zod';

/**
 * The site kit (issue 22): built at the office from the project's plan, verified, and checked
 * before the technician leaves ("ready to leave?"). The kit folder is chosen by the technician
 * (the install plan's `packageSource.dir`); one signed flat apt repository per target inside.
 */

const dirSchema = z.string().min(1).max(4096);

export const kitTargetSchema = z.object({
  /** OS release codename, e.g. bookworm. */
  release: z.string().regex(/^[a-z][a-z0-9-]{1,31}$/),
  /** dpkg architecture, e.g. amd64. */
  arch: z.string().regex(/^[a-z0-9][a-z0-9-]{1,31}$/),
});
export type KitTargetInput = z.infer<typeof kitTargetSchema>;

/** Where the office's packages come from: a Debian mirror (signed) or the lab's own repository (file:/http:, unsigned, lab only). */
export const kitBuildSourceSchema = z.object({
  uri: z.string().min(1).max(1000),
  /** `bookworm`, or `./` for a flat repository. */
  suite: z.string().min(1).max(64),
  components: z.array(z.string().max(64)).max(8).default([]),
  /** Keyring file that signs the source; absent with `trusted`. */
  signedBy: z.string().max(1000).optional(),
  trusted: z.boolean().default(false),
});

export const KIT_PROBLEM_WHYS = ['missing', 'signature', 'size', 'sha256', 'not-in-index', 'not-in-manifest', 'manifest-invalid'] as const;
export const kitProblemSchema = z.object({ file: z.string(), why: z.enum(KIT_PROBLEM_WHYS), detail: z.string() });

export const kitTargetSummarySchema = z.object({
  target: z.string(),
  files: z.number().int(),
  totalBytes: z.number().int(),
  manifestSha256: z.string(),
  builtAt: z.string(),
  app: z.string(),
});

/** The pre-check's items, in the order the screen shows them. */
export const KIT_CHECKS = ['kit-complete', 'kit-hosts', 'kit-valid', 'inventory-valid', 'credentials', 'profile-complete', 'report-resources', 'disk-free', 'app-version'] as const;
export type KitCheckId = (typeof KIT_CHECKS)[number];
export const kitCheckSchema = z.object({
  id: z.enum(KIT_CHECKS),
  ok: z.boolean(),
  /** Worded by the renderer: `kit.check.<id>.ok` / `.bad` and `.fix`, with these params. */
  params: z.record(z.string(), z.union([z.string(), z.number()])),
});
export type KitCheck = z.infer<typeof kitCheckSchema>;

export const kitRequests = {
  /**
   * Build (or bring up to date: only what is missing is downloaded) the kit for the project's plan:
   * every package the master install and worker joins install, per target. Progress as `kit.progress`
   * events. An unresolvable package is an error naming it (reason `kit-<code>`).
   */
  'kit.build': {
    request: z.object({ dir: dirSchema, kitDir: dirSchema, targets: z.array(kitTargetSchema).min(1).max(8), sources: z.array(kitBuildSourceSchema).min(1).max(8),
      /** dpkg status file of the minimal installed system the servers start from. */
      statusFile: dirSchema }),
    response: z.object({ targets: z.array(kitTargetSummarySchema) }),
  },
  /** Every target of the kit checked (signature, hashes, manifest): each bad file with why. */
  'kit.verify': {
    request: z.object({ kitDir: dirSchema }),
    response: z.object({ targets: z.array(z.object({ target: z.string(), problems: z.array(kitProblemSchema) })) }),
  },
  /** "Ready to leave?": each item green or red, with what to fix. */
  'kit.status': {
    request: z.object({ dir: dirSchema, kitDir: dirSchema }),
    response: z.object({ checks: z.array(kitCheckSchema), targets: z.array(kitTargetSummarySchema) }),
  },
} as const;

export const kitEvents = {
  /** A build's progress: bytes of the current target and an ETA from the rate so far (null until known). */
  'kit.progress': z.object({
    kitDir: z.string(),
    target: z.string(),
    stage: z.enum(['resolve', 'download', 'index', 'sign', 'done']),
    doneBytes: z.number(),
    totalBytes: z.number(),
    reusedBytes: z.number(),
    etaS: z.number().nullable(),
  }),
} as const;
