import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { ValidationError, type FieldError } from '@atrium/sdk';

const addFormats = ((addFormatsModule as any).default ?? addFormatsModule) as (a: any, f?: string[]) => any;

function fieldOf(e: ErrorObject): string {
  const base = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const extra = e.keyword === 'required' ? (e.params as any).missingProperty
    : e.keyword === 'additionalProperties' ? (e.params as any).additionalProperty : '';
  return [base, extra].filter(Boolean).join('.') || '(body)';
}

function messageOf(e: ErrorObject): string {
  switch (e.keyword) {
    case 'required': return 'is required';
    case 'additionalProperties': return 'is not allowed';
    case 'maxLength': return `must be at most ${(e.params as any).limit} characters`;
    case 'minLength': return (e.params as any).limit === 1 ? 'must not be empty' : `must be at least ${(e.params as any).limit} characters`;
    default: return e.message ?? 'is invalid';
  }
}

/**
 * One ajv instance per process (compiling per request leaks memory): strict, no coercion, no
 * removeAdditional — unknown properties are rejected, not silently dropped. Schemas are compiled
 * once when a service is created and cached by identity.
 */
export class AjvValidator {
  private readonly ajv = addFormats(new Ajv2020({ strict: false, allErrors: true, useDefaults: true }), ['uuid', 'date-time', 'date', 'email', 'uri']);
  private readonly cache = new WeakMap<object, ValidateFunction>();

  compile(schema: object): (params: unknown) => void {
    let fn = this.cache.get(schema);
    if (!fn) {
      fn = this.ajv.compile(schema);
      this.cache.set(schema, fn!);
    }
    const validate: ValidateFunction = fn!;
    return (params: unknown) => {
      if (validate(params)) return;
      const seen = new Set<string>();
      const fields: FieldError[] = [];
      for (const e of validate.errors ?? []) {
        // anyOf/oneOf produce one error per branch; the first per field is the useful one
        const f = fieldOf(e);
        if (seen.has(f) || e.keyword === 'anyOf' || e.keyword === 'oneOf') continue;
        seen.add(f);
        fields.push({ field: f, message: messageOf(e) });
      }
      throw new ValidationError(`Invalid input: ${fields.map((x) => `${x.field} ${x.message}`).join('; ')}`, fields);
    };
  }
}

/** Query strings are text: convert the values whose schema says number/integer/boolean/array. */
export function coerceQuery(schema: any, query: Record<string, unknown>): Record<string, unknown> {
  const props = schema?.properties ?? {};
  const out: Record<string, unknown> = {};
  for (const [k, raw] of Object.entries(query)) {
    const s = Object.hasOwn(props, k) ? props[k] : undefined;
    const types: string[] = s ? [s.type ?? s.anyOf?.map((x: any) => x.type)].flat().filter(Boolean) : [];
    const v = Array.isArray(raw) && !types.includes('array') ? raw[raw.length - 1] : raw;
    if (typeof v === 'string' && (types.includes('integer') || types.includes('number')) && /^-?\d+(\.\d+)?$/.test(v)) out[k] = Number(v);
    else if (typeof v === 'string' && types.includes('boolean') && (v === 'true' || v === 'false')) out[k] = v === 'true';
    else if (types.includes('array') && !Array.isArray(v)) out[k] = String(v).split(',');
    else out[k] = v;
  }
  return out;
}
