import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { fieldErrorsOf, ValidationError } from '@atrium/sdk';

const addFormats = ((addFormatsModule as any).default ?? addFormatsModule) as (a: any, f?: string[]) => any;

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
      const fields = fieldErrorsOf(validate.errors);
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
