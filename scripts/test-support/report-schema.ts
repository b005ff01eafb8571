import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';

/**
 * Checks a JSON export against the committed docs/report.schema.json (the file other tools
 * consume), not against the zod model it was generated from. ajv in strict mode: a keyword it does
 * not know is an error, so a generator change that emits something new cannot pass unnoticed.
 * Union types (`"type": ["string", "number"]`) are allowed: zod emits them for measured values.
 */
const ROOT = join(import.meta.dirname, '..', '..');
export const REPORT_SCHEMA_FILE = join(ROOT, 'docs', 'report.schema.json');

export function reportSchemaValidator(schema: object = JSON.parse(readFileSync(REPORT_SCHEMA_FILE, 'utf8')) as object): (value: unknown) => string[] {
  const validate = new Ajv({ strict: true, allowUnionTypes: true, allErrors: true }).compile(schema);
  return (value) => (validate(value) ? [] : (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`));
}
