import { z } from 'zod';
import { matrixSchema } from './channels/network.js';
import { networkPlanSchema } from './network-plan.js';
import { arrayStatusSchema, storagePlanSchema } from './storage-plan.js';
import { drillRecordSchema } from './drill.js';

/**
 * The commissioning report (wizard step 8) as data: one model, built from project.yaml and the
 * journal, from which the HTML, the PDF and the JSON export are all rendered. The JSON export is
 * this model verbatim; docs/report.schema.json is generated from it (z.toJSONSchema) and a unit
 * test keeps the committed file equal to the generated one. Bump REPORT_VERSION on any change
 * that could break a consumer (a field removed, renamed or retyped); adding a field does not.
 */
export const REPORT_SCHEMA_ID = 'rackside.commissioning-report';
export const REPORT_VERSION = 1 as const;

/** The languages a report exports in (chosen at export; the UI's language by default). */
export const REPORT_LANGUAGES = ['en', 'zh-CN'] as const;
export const reportLanguageSchema = z.enum(REPORT_LANGUAGES);
export type ReportLanguage = z.infer<typeof reportLanguageSchema>;

export const REPORT_VERDICTS = ['ready', 'ready-with-waivers', 'not-ready'] as const;
export const reportVerdictSchema = z.enum(REPORT_VERDICTS);
export type ReportVerdict = z.infer<typeof reportVerdictSchema>;

/** The wizard's phases the report groups steps under; a step's phase comes from its id. */
export const REPORT_PHASES = ['inventory', 'hardware', 'network', 'storage', 'master', 'workers', 'verify', 'other'] as const;
export type ReportPhase = (typeof REPORT_PHASES)[number];

/**
 * The wizard steps that must each have run and passed before a report may say "ready", in wizard
 * order. A wizard step passes when it has runnable step modules and every one of them passed; one
 * with no module yet (nothing of it can run) counts as not run, so the verdict follows the
 * registry as steps get built, with no "not built" flag to forget.
 */
export const VERDICT_PHASES = ['hardware', 'network', 'storage', 'master', 'workers', 'verify'] as const satisfies readonly ReportPhase[];

/**
 * Why a verdict is what it is, one item per step, so each screen renders it in its own language.
 * no-hosts: the inventory is empty; not-run: the step (stepId null: the whole wizard step) has not
 * run; unfinished: its last run is running, interrupted or cancelled; failed: its last run failed;
 * blocking: it completed with blocking findings nobody waived; waived: it passed only by waiver.
 */
export const VERDICT_ITEM_CODES = ['no-hosts', 'not-run', 'unfinished', 'failed', 'blocking', 'waived'] as const;
export const reportVerdictItemSchema = z.object({
  code: z.enum(VERDICT_ITEM_CODES),
  phase: z.enum(REPORT_PHASES),
  /** The step module; null when the item is about the wizard step as a whole. */
  stepId: z.string().nullable(),
  /** Blocking findings open (blocking) or waived (waived); 0 otherwise. */
  count: z.number().int(),
});
export type ReportVerdictItem = z.infer<typeof reportVerdictItemSchema>;

const text = z.string();
const nullableText = z.string().nullable();

export const reportSignOffSchema = z.object({
  technician: z.string().trim().max(200).default(''),
  customerRepresentative: z.string().trim().max(200).default(''),
  /** The day the report is signed, YYYY-MM-DD; empty: a blank line to fill in by hand. */
  date: z.union([z.literal(''), z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'the date must be YYYY-MM-DD')]).default(''),
});
export type ReportSignOff = z.infer<typeof reportSignOffSchema>;

export const reportHostSchema = z.object({
  hostId: text,
  name: text,
  address: text,
  port: z.number(),
  user: text,
  role: z.enum(['master', 'worker']),
  auth: z.enum(['password', 'key', 'agent']),
  /** Identity measured by the last Hardware run; null when it has not collected this host. */
  hardware: z
    .object({
      collectedAt: text,
      hostname: text,
      os: nullableText,
      kernel: nullableText,
      vendor: nullableText,
      model: nullableText,
      serial: nullableText,
      boardSerial: nullableText,
      chassisSerial: nullableText,
      biosVersion: nullableText,
      cpu: z.object({ model: text, sockets: z.number(), cores: z.number(), threads: z.number() }).nullable(),
      memoryBytes: z.number().nullable(),
      ecc: z.enum(['yes', 'no', 'unknown']),
      dimms: z.array(z.object({ locator: text, sizeBytes: z.number(), serial: nullableText, partNumber: nullableText })),
      disks: z.array(
        z.object({
          name: text,
          sizeBytes: z.number(),
          type: text,
          rotational: z.boolean(),
          model: nullableText,
          serial: nullableText,
          smart: z.enum(['passed', 'failed', 'unknown']),
        }),
      ),
      nics: z.array(z.object({ name: text, mac: nullableText, speedMbps: z.number().nullable(), driver: nullableText })),
      /** Facts that could not be collected, and why. */
      unknowns: z.array(z.object({
        field: text,
        reason: text,
        /** The reason as a code + params (findings.unknown.<code>.reason in resources/findings); `reason` is its English. */
        code: text.optional(),
        params: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
      })),
    })
    .nullable(),
});
export type ReportHost = z.infer<typeof reportHostSchema>;

export const reportWaiverSchema = z.object({
  stepId: text,
  key: text,
  code: text,
  hostId: text.nullable(),
  reason: text,
  technician: text,
  at: text,
});

export const reportFindingSchema = z.object({
  key: text,
  severity: z.enum(['blocking', 'warning', 'info']),
  hostId: text.nullable(),
  code: text,
  /** English; `code` + `params` render it in the report's language (resources/report/locales). */
  message: text,
  remediation: text,
  params: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  measured: z.union([z.string(), z.number()]).nullable(),
  threshold: z.union([z.string(), z.number()]).nullable(),
  waiver: reportWaiverSchema.nullable(),
  /** A waiver recorded for this finding that no longer covers it: the value got worse, the threshold stricter, or it changed. */
  waiverLapsed: z.object({ why: z.enum(['worse', 'stricter', 'changed']), waiver: reportWaiverSchema.extend({ measured: z.union([z.string(), z.number()]).nullable(), threshold: z.union([z.string(), z.number()]).nullable() }) }).optional(),
});
export type ReportFinding = z.infer<typeof reportFindingSchema>;

export const reportStepSchema = z.object({
  stepId: text,
  phase: z.enum(REPORT_PHASES),
  /** i18n key of the step's title; `titleEn` is its English text. */
  title: text,
  titleEn: text,
  status: z.enum(['not-run', 'running', 'completed', 'failed', 'cancelled', 'interrupted']),
  runId: text.nullable(),
  startedAt: text.nullable(),
  finishedAt: text.nullable(),
  /** Completed, and every blocking finding waived. */
  passed: z.boolean(),
  findings: z.array(reportFindingSchema),
});
export type ReportStep = z.infer<typeof reportStepSchema>;

export const reportAuditEntrySchema = z.object({
  /** 1-based, in journal order. */
  seq: z.number().int(),
  runId: text,
  stepId: text,
  hostId: text,
  hostName: text,
  address: text,
  actionId: text,
  attempt: z.number().int(),
  /** The command line exactly as the host's shell received it, known secrets redacted. */
  command: text,
  sudo: z.boolean(),
  destructive: z.boolean(),
  startedAt: text,
  finishedAt: text.nullable(),
  durationMs: z.number().nullable(),
  status: z.enum(['done', 'already-done', 'failed', 'interrupted', 'cancelled', 'unfinished']),
  exitCode: z.number().nullable(),
  /** Transcript file, relative to the project folder (and to the support bundle's root). */
  transcript: text.nullable(),
  /** SHA-256 (hex) of the transcript's bytes, recorded when it was closed. */
  sha256: text.nullable(),
  /** Whether the file on disk still hashes to `sha256` when the report was built (null: no file). */
  transcriptIntact: z.boolean().nullable(),
});
export type ReportAuditEntry = z.infer<typeof reportAuditEntrySchema>;

export const reportHardwareProfileSchema = z.object({
  /** The profile of the last Hardware run, and its thresholds per role. */
  applied: text,
  thresholds: z.record(z.string(), z.unknown()),
  runs: z.array(z.object({ runId: text, at: text, profile: text, blocking: z.number().int() })),
  /** A laxer profile chosen after a run with blocking findings: "switched from production to lab after 3 blocking findings". */
  laxerSwitches: z.array(z.object({ from: text, to: text, afterBlocking: z.number().int(), runId: text, at: text })),
  /** The technician's confirmation of the lab profile for hosts not known to be lab nodes. */
  labConfirmation: z.object({ technician: text, at: text, hosts: z.array(text) }).nullable(),
  /** With the lab profile: hosts the last run did not identify as lab nodes. */
  notLabNodes: z.array(text),
});
export type ReportHardwareProfile = z.infer<typeof reportHardwareProfileSchema>;
/**
 * Where the project's journal stood when the report was built: its line count and the SHA-256 of
 * its last line, the head of the hash chain (each line carries `prev`, the hash of the line before).
 */
export const reportJournalHeadSchema = z.object({
  lines: z.number().int(),
  /** SHA-256 (hex) of the last line's bytes (without its newline); the genesis value for an empty journal. */
  head: text,
  /** First line that carries `prev` (lines before it were written before the chain existed); null: none does. */
  chainedFrom: z.number().int().nullable(),
});
export type ReportJournalHead = z.infer<typeof reportJournalHeadSchema>;

/**
 * The report's words in the language it was exported in (the JSON export only): the rest of the
 * model keeps codes and English text, so a consumer can use either.
 */
export const reportLabelsSchema = z.object({
  language: reportLanguageSchema,
  verdict: text,
  /** verdict.items, one sentence each, in order. */
  reasons: z.array(text),
  phases: z.record(z.string(), text),
  /** Step titles by stepId. */
  steps: z.record(z.string(), text),
  /** Finding texts by stepId, then finding key. */
  findings: z.record(z.string(), z.record(z.string(), z.object({ message: text, remediation: text }))),
  signOff: text,
});
export type ReportLabels = z.infer<typeof reportLabelsSchema>;

/**
 * The storage section: the plan as saved and, per planned host, its array as the last `storage`
 * run's `status` action read it (members by serial, level, size, state, mount). `plan` null: no
 * storage plan; `plan.mode` `none`: no local array planned (hosts is then empty).
 */
export const reportStorageSchema = z.object({
  plan: storagePlanSchema.nullable(),
  /** The last `storage` run the arrays were read from; null when it has not run. */
  runId: text.nullable(),
  finishedAt: text.nullable(),
  hosts: z.array(
    z.object({
      hostId: text,
      /** Serials the plan names for this host. */
      plannedSerials: z.array(text),
      /** null: not read (the step has not run on this host, or its `status` action did not complete). */
      array: arrayStatusSchema.nullable(),
    }),
  ),
});
export type ReportStorage = z.infer<typeof reportStorageSchema>;

/**
 * Wizard step 7's checks (issue 20): every finding of the last `verification` run, each with what
 * was measured against which threshold, its result and any waiver; and the verification plan they
 * were held to. `runId` null: the step has not run.
 */
export const reportVerificationRunSchema = z.object({
  runId: text.nullable(),
  status: z.enum(['not-run', 'running', 'completed', 'failed', 'cancelled', 'interrupted']),
  finishedAt: text.nullable(),
  /** Completed, and every blocking finding waived. */
  passed: z.boolean(),
  plan: z.object({ rtoS: z.number(), maxClockOffsetMs: z.number(), rebootHosts: z.array(text) }),
  checks: z.array(
    z.object({
      key: text,
      code: text,
      hostId: text.nullable(),
      /** English; `code` + `params` render it in the report's language (resources/findings). */
      message: text,
      params: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
      severity: z.enum(['blocking', 'warning', 'info']),
      measured: z.union([z.string(), z.number()]).nullable(),
      threshold: z.union([z.string(), z.number()]).nullable(),
      /** pass: an info finding; warning; fail: blocking and open; waived: blocking and waived. */
      result: z.enum(['pass', 'warning', 'fail', 'waived']),
      waiver: reportWaiverSchema.nullable(),
    }),
  ),
});
export type ReportVerificationRun = z.infer<typeof reportVerificationRunSchema>;

/**
 * A failover drill as the report shows it: the drill's record (drill.ts: kind, target, timeline,
 * figures, expected bound, the customer's RTO, reasons, probe log SHA-256) and how its RTO compares
 * (null: the RTO was not measured, or no bound is known).
 */
export const reportDrillSchema = drillRecordSchema.extend({
  rtoWithinBound: z.boolean().nullable(),
  rtoWithinTarget: z.boolean().nullable(),
});
export type ReportDrill = z.infer<typeof reportDrillSchema>;

export const reportModelSchema = z.object({
  schema: z.literal(REPORT_SCHEMA_ID),
  version: z.literal(REPORT_VERSION),
  generatedAt: text,
  generator: z.object({ app: z.literal('Rackside'), version: text }),
  project: z.object({ site: text, customer: text, technician: text }),
  verdict: z.object({
    /** ready: every wizard step ran and passed; ready-with-waivers: some passed only by waiver; not-ready: "Not commissioned". */
    status: reportVerdictSchema,
    /** Why it is not ready (or which waivers it relies on), short English lines. */
    reasons: z.array(text),
    /** The same, as codes per step: the steps not run, failed, unfinished, with open blocking findings, or waived. */
    items: z.array(reportVerdictItemSchema),
  }),
  inventory: z.array(reportHostSchema),
  steps: z.array(reportStepSchema),
  waivers: z.array(reportWaiverSchema.extend({ applied: z.boolean() })),
  network: z.object({
    plan: networkPlanSchema.nullable(),
    /** The last network-check run as a node-by-node matrix; null when it has not run. */
    matrix: matrixSchema.nullable(),
  }),
  /** Local arrays (wizard step 4); absent in reports made before the storage step existed. */
  storage: reportStorageSchema.optional(),
  auditTrail: z.array(reportAuditEntrySchema),
  journal: reportJournalHeadSchema,
  signOff: z.object({ technician: text, customerRepresentative: text, date: text }),
  /** Waivers taken back: which, who, why, when. */
  withdrawnWaivers: z.array(z.object({ stepId: text, key: text, code: text, hostId: text.nullable(), waivedBy: text, reason: text, technician: text, at: text })).optional(),
  /** The hardware profile each Hardware run applied; absent when the step has not run. */
  hardwareProfile: reportHardwareProfileSchema.optional(),
  /**
   * The cluster as built (issue 19), read by the last worker-join run's last phase: the profile,
   * the cluster's members as the first master sees them, and per host the profile's services
   * (`systemctl is-active`) and package versions (empty: not installed). `runId` null: the join
   * step has not run (nothing recorded yet); `recorded` false: that run did not reach the reading;
   * `passed`: the join step's last run completed with no open blocking finding. Absent for the
   * base platform with no join run, and in reports made before it existed.
   */
  cluster: z
    .object({
      profile: text,
      runId: text.nullable(),
      recorded: z.boolean(),
      passed: z.boolean(),
      members: z.array(z.object({ name: text, state: text })),
      hosts: z.array(z.object({
        hostId: text,
        role: text,
        units: z.array(z.object({ name: text, state: text })),
        packages: z.array(z.object({ name: text, version: text })),
      })),
    })
    .optional(),
  /** The base platform as built by the last master-install run; absent when it has not run. */
  platform: z
    .object({
      runId: text,
      profile: text,
      vip: text.nullable(),
      vipCandidates: z.array(text),
      routerId: z.number(),
      prometheus: z.object({ hostId: text, targets: z.array(text) }),
      hosts: z.array(z.object({
        hostId: text,
        role: text,
        packages: z.array(z.object({ name: text, version: text })),
        timeSources: z.array(z.object({ address: text, selected: z.boolean() })),
        ports: z.array(z.object({ port: z.number(), protocol: text })),
      })),
      /** The site kit the packages came from (issue 22): per host, its target and the kit manifest's SHA-256. */
      kit: z.array(z.object({ hostId: text, target: text, manifestSha256: text })).optional(),
    })
    .optional(),
  /** Wizard step 7's checks; absent in reports made before the step existed. */
  verification: reportVerificationRunSchema.optional(),
  /** Every failover drill of the project, oldest first; absent in reports made before drills existed. */
  drills: z.array(reportDrillSchema).optional(),
  /** The exported JSON's labels in the chosen language; absent in the preview's model. */
  labels: reportLabelsSchema.optional(),
});
export type ReportModel = z.infer<typeof reportModelSchema>;

export const REPORT_FORMATS = ['html', 'pdf', 'json'] as const;
export const reportFormatSchema = z.enum(REPORT_FORMATS);
export type ReportFormat = z.infer<typeof reportFormatSchema>;

export const exportedFileSchema = z.object({
  kind: z.enum(['html', 'pdf', 'json', 'bundle']),
  /** Absolute path. */
  path: text,
  bytes: z.number(),
  sha256: text,
});
export type ExportedFile = z.infer<typeof exportedFileSchema>;

/**
 * Written next to an export as commissioning-<timestamp>.manifest.json: each exported file's
 * SHA-256 (a file cannot hold its own hash) and the journal head the report was built from.
 */
export const REPORT_MANIFEST_ID = 'rackside.report-manifest';
export const reportManifestSchema = z.object({
  schema: z.literal(REPORT_MANIFEST_ID),
  version: z.literal(1),
  createdAt: text,
  journal: reportJournalHeadSchema,
  /** File names, relative to the manifest's folder. */
  files: z.array(z.object({ name: text, kind: z.enum(REPORT_FORMATS), bytes: z.number(), sha256: text })),
});
export type ReportManifest = z.infer<typeof reportManifestSchema>;

/**
 * What `verify` found, each a code with the line or file it names (the screen words it in its
 * language). journal-line-edited: line N is not what it was (the next line's `prev`, or the
 * report's head, says so); journal-line-inserted: line N was not in the chain; journal-lines-removed:
 * original lines N..toLine are gone; journal-shorter: the journal ends before the report's line N; head-differs: line N is not
 * the report's head though the chain is intact (a journal rewritten as a whole); journal-unchained:
 * no line carries a chain, nothing can be checked; file-missing / file-hash-differs: an exported
 * file; manifest-missing: no manifest next to the report; report-unreadable: no report head in it.
 */
export const VERIFY_PROBLEM_CODES = [
  'journal-line-edited',
  'journal-line-inserted',
  'journal-lines-removed',
  'journal-shorter',
  'head-differs',
  'journal-unchained',
  'file-missing',
  'file-hash-differs',
  'manifest-missing',
  'report-unreadable',
] as const;
export const verifyProblemSchema = z.object({
  code: z.enum(VERIFY_PROBLEM_CODES),
  line: z.number().int().nullable(),
  toLine: z.number().int().nullable(),
  file: text.nullable(),
});
export type VerifyProblem = z.infer<typeof verifyProblemSchema>;

export const reportVerificationSchema = z.object({
  /** Every exported file hashes as recorded, the journal's chain is intact and holds the report's head. */
  match: z.boolean(),
  /** The manifest (or report JSON) checked. */
  report: text,
  /** Lines of the journal now, and where its chain starts (null: nowhere). */
  journalLines: z.number().int(),
  chainedFrom: z.number().int().nullable(),
  /** The journal's line count when the report was built (null: unknown). */
  reportLines: z.number().int().nullable(),
  files: z.array(z.object({ name: text, status: z.enum(['match', 'differs', 'missing']) })),
  /** Journal problems: the first place the journal and the report stop matching; then file problems. */
  problems: z.array(verifyProblemSchema),
});
export type ReportVerification = z.infer<typeof reportVerificationSchema>;
