/**
 * A small JSON Schema (draft-07) validator for the keywords docs/report.schema.json uses, so the
 * tests check exported JSON against the committed schema file itself (what other tools consume),
 * not against the zod model it came from. An unknown keyword is an error rather than silently
 * ignored: if the generator starts emitting one, this must learn it.
 */
type Schema = Record<string, unknown> | boolean;

const ANNOTATIONS = new Set(['$schema', '$id', 'title', 'description', 'default', 'examples', '$comment', 'readOnly']);

export function validateJsonSchema(schema: Schema, value: unknown): string[] {
  const errors: string[] = [];
  check(schema, value, '$', errors);
  return errors;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

const typeMatches = (want: string, v: unknown) => {
  const t = typeOf(v);
  return want === t || (want === 'number' && t === 'integer');
};

function check(schema: Schema, v: unknown, at: string, errors: string[]): void {
  if (schema === true) return;
  if (schema === false) return void errors.push(`${at}: not allowed`);
  for (const [k, rule] of Object.entries(schema)) {
    if (ANNOTATIONS.has(k)) continue;
    switch (k) {
      case 'type': {
        const types = Array.isArray(rule) ? (rule as string[]) : [rule as string];
        if (!types.some((t) => typeMatches(t, v))) errors.push(`${at}: expected ${types.join(' or ')}, got ${typeOf(v)}`);
        break;
      }
      case 'const':
        if (JSON.stringify(v) !== JSON.stringify(rule)) errors.push(`${at}: expected ${JSON.stringify(rule)}`);
        break;
      case 'enum':
        if (!(rule as unknown[]).some((x) => JSON.stringify(x) === JSON.stringify(v))) errors.push(`${at}: ${JSON.stringify(v)} is not one of ${JSON.stringify(rule)}`);
        break;
      case 'anyOf': {
        const ok = (rule as Schema[]).some((s) => validateJsonSchema(s, v).length === 0);
        if (!ok) errors.push(`${at}: matches none of the anyOf alternatives`);
        break;
      }
      case 'properties':
        if (typeOf(v) === 'object') {
          for (const [p, s] of Object.entries(rule as Record<string, Schema>)) {
            if (Object.prototype.hasOwnProperty.call(v, p)) check(s, (v as Record<string, unknown>)[p], `${at}.${p}`, errors);
          }
        }
        break;
      case 'required':
        if (typeOf(v) === 'object') {
          for (const p of rule as string[]) if (!Object.prototype.hasOwnProperty.call(v, p)) errors.push(`${at}: missing property "${p}"`);
        }
        break;
      case 'additionalProperties':
        if (typeOf(v) === 'object') {
          const known = new Set(Object.keys((schema as Record<string, unknown>).properties ?? {}));
          for (const [p, x] of Object.entries(v as Record<string, unknown>)) {
            if (known.has(p)) continue;
            if (rule === false) errors.push(`${at}: unexpected property "${p}"`);
            else check(rule as Schema, x, `${at}.${p}`, errors);
          }
        }
        break;
      case 'propertyNames':
        if (typeOf(v) === 'object') for (const p of Object.keys(v as object)) check(rule as Schema, p, `${at}[key ${p}]`, errors);
        break;
      case 'items':
        if (Array.isArray(v)) v.forEach((x, i) => check(rule as Schema, x, `${at}[${i}]`, errors));
        break;
      case 'minItems':
        if (Array.isArray(v) && v.length < (rule as number)) errors.push(`${at}: fewer than ${rule} items`);
        break;
      case 'maxItems':
        if (Array.isArray(v) && v.length > (rule as number)) errors.push(`${at}: more than ${rule} items`);
        break;
      case 'minLength':
        if (typeof v === 'string' && [...v].length < (rule as number)) errors.push(`${at}: shorter than ${rule}`);
        break;
      case 'maxLength':
        if (typeof v === 'string' && [...v].length > (rule as number)) errors.push(`${at}: longer than ${rule}`);
        break;
      case 'pattern':
        if (typeof v === 'string' && !new RegExp(rule as string, 'u').test(v)) errors.push(`${at}: does not match ${rule}`);
        break;
      case 'minimum':
        if (typeof v === 'number' && v < (rule as number)) errors.push(`${at}: below ${rule}`);
        break;
      case 'maximum':
        if (typeof v === 'number' && v > (rule as number)) errors.push(`${at}: above ${rule}`);
        break;
      case 'exclusiveMinimum':
        if (typeof v === 'number' && v <= (rule as number)) errors.push(`${at}: not above ${rule}`);
        break;
      case 'exclusiveMaximum':
        if (typeof v === 'number' && v >= (rule as number)) errors.push(`${at}: not below ${rule}`);
        break;
      default:
        throw new Error(`validateJsonSchema: keyword "${k}" at ${at} is not supported`);
    }
  }
}
