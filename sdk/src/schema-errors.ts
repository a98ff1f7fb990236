import type { FieldError } from './errors.ts';

/** The part of an ajv error object these helpers read. */
export type SchemaErrorLike = { keyword: string; instancePath: string; params: unknown; message?: string };

function fieldOf(e: SchemaErrorLike): string {
  const base = e.instancePath.replace(/^\//, '').replace(/\//g, '.').replace(/~1/g, '/').replace(/~0/g, '~');
  const p = (e.params ?? {}) as Record<string, unknown>;
  const extra = e.keyword === 'required' || e.keyword === 'dependentRequired' ? p.missingProperty
    : e.keyword === 'additionalProperties' ? p.additionalProperty
    : e.keyword === 'propertyNames' ? p.propertyName : '';
  return [base, extra].filter(Boolean).join('.');
}

/** ajv's params, minus what only repeats the field name. */
function paramsOf(e: SchemaErrorLike): Record<string, unknown> {
  const { missingProperty: _m, additionalProperty: _a, propertyName: _p, ...rest } = (e.params ?? {}) as Record<string, unknown>;
  if (e.keyword === 'dependentRequired') return { property: rest.property, deps: String(rest.deps ?? '').split(', ').filter(Boolean) };
  return rest;
}

/**
 * ajv errors as the field list of a 400: the field's dotted path (`lines.0.qty`; a missing or
 * unknown property names itself), the JSON Schema keyword as `code` and ajv's params as `params`
 * (`{ field: 'name', code: 'maxLength', params: { limit: 200 } }`), so the platform catalog words
 * them in the reader's language; `message` is ajv's English, for developers. One entry per field —
 * the first, which is the useful one when a union reports every branch — and every field at once
 * (ajv runs with allErrors), so a form can flag all of them. Shared by the kernel's request
 * validator, settings validation and the SDK's own schema checks.
 */
export function fieldErrorsOf(errors: readonly SchemaErrorLike[] | null | undefined, root = '(body)'): FieldError[] {
  const seen = new Set<string>();
  const fields: FieldError[] = [];
  for (const e of errors ?? []) {
    if (e.keyword === 'anyOf' || e.keyword === 'oneOf' || e.keyword === 'if') continue;
    const field = fieldOf(e) || root;
    if (seen.has(field)) continue;
    seen.add(field);
    // error-codes: pass-through (every JSON Schema keyword is in the platform catalog: sdk/src/i18n/i18n.test.ts)
    fields.push({ field, code: e.keyword, params: paramsOf(e), ...(e.message ? { message: e.message } : {}) });
  }
  return fields;
}
