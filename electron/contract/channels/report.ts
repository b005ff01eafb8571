import { z } from 'zod';
import { exportedFileSchema, reportFormatSchema, reportLanguageSchema, reportModelSchema, reportSignOffSchema, reportVerificationSchema } from '../report.js';

const dirSchema = z.string().min(1).max(4096);
/** The report's language (HTML, PDF, the JSON's labels); the renderer sends the UI's unless the technician chose another. */
const languageSchema = reportLanguageSchema.default('en');

/**
 * Wizard step 8, the commissioning report. Built from the saved project.yaml and journal.ndjson
 * of the folder; every byte that leaves the backend has all known secrets redacted.
 */
export const reportRequests = {
  /** The report model and its HTML, for the preview. Writes nothing. */
  'report.preview': {
    request: z.object({ dir: dirSchema, signOff: reportSignOffSchema.default({ technician: '', customerRepresentative: '', date: '' }), language: languageSchema }),
    response: z.object({ report: reportModelSchema, html: z.string() }),
  },
  /** Write the report in the chosen formats to <dir>/reports/commissioning-<timestamp>.<ext>. */
  'report.export': {
    request: z.object({
      dir: dirSchema,
      signOff: reportSignOffSchema.default({ technician: '', customerRepresentative: '', date: '' }),
      formats: z.array(reportFormatSchema).min(1).max(3),
      language: languageSchema,
    }),
    /** manifest: the commissioning-<timestamp>.manifest.json written with them (each file's SHA-256, the journal head). */
    response: z.object({ files: z.array(exportedFileSchema), manifest: z.string().optional() }),
  },
  /**
   * A support bundle, <dir>/reports/support-bundle-<timestamp>.tar.gz: project.yaml (no secrets are
   * ever in it; redacted anyway), the journal, every transcript and the report files.
   */
  'report.bundle': {
    request: z.object({ dir: dirSchema, signOff: reportSignOffSchema.default({ technician: '', customerRepresentative: '', date: '' }), language: languageSchema }),
    response: z.object({ file: exportedFileSchema, entries: z.array(z.string()) }),
  },
  /**
   * Whether an exported report and the project folder still match: the exported files' hashes,
   * the journal's hash chain, and the report's journal head in it. `report`: a report .json, its
   * .manifest.json, or a folder (its newest manifest); default <dir>/reports.
   */
  'report.verify': {
    request: z.object({ dir: dirSchema, report: z.string().min(1).max(4096).optional() }),
    response: reportVerificationSchema,
  },
} as const;

export const reportEvents = {} as const;
