import { z } from 'zod';
import { reportModelSchema } from '../../contract/index.js';

/** Where the committed JSON Schema of the JSON export lives (docs/report-schema.md explains it). */
export const SCHEMA_DOC_PATH = 'docs/report.schema.json';

/**
 * The JSON export's schema, generated from the zod model (the single definition). Draft-07: the
 * draft most validators in other languages support. `io: 'output'` describes the exported data
 * (defaults applied), not what a parser would accept.
 */
export function reportJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(reportModelSchema, { target: 'draft-07', io: 'output' }) as Record<string, unknown>;
  return {
    $schema: generated.$schema,
    $id: 'https://rackside.invalid/schemas/commissioning-report-v1.json',
    title: 'Rackside commissioning report',
    description: 'The JSON export of a Rackside commissioning report (schema "rackside.commissioning-report", version 1). See docs/report-schema.md.',
    ...Object.fromEntries(Object.entries(generated).filter(([k]) => k !== '$schema')),
  };
}

export const reportJsonSchemaText = () => JSON.stringify(reportJsonSchema(), null, 2) + '\n';
