import type { ErrorObject } from 'ajv';
import type { FieldError } from '../errors.ts';

/**
 * ajv's errors as field problems: the field's dotted path (`lines.0.qty`; a missing or unknown
 * property names itself), the JSON Schema keyword as `code` and ajv's params as `params`
 * (`{ limit: 200 }`), so the platform catalog words them in the reader's language. One entry per
 * field — the first, which is the useful one when a union reports every branch — and every field
 * at once (ajv runs with allErrors), so a form can flag all of them.
 */
export function fieldErrorsFromAjv(errors: readonly ErrorObject[] | null | undefined, root = '(body)'): FieldError[] {
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const e of errors ?? []) {
    if (e.keyword === 'anyOf' || e.keyword === 'oneOf' || e.keyword === 'if') continue;
    const field = fieldOf(e) || root;
    if (seen.has(field)) continue;
    seen.add(field);
    out.push({ field, code: e.keyword, params: paramsOf(e), ...(e.message ? { message: e.message } : {}) });
  }
  return out;
}

function fieldOf(e: ErrorObject): string {
  const base = e.instancePath.replace(/^\//, '').replace(/\//g, '.').replace(/~1/g, '/').replace(/~0/g, '~');
  const p = e.params as Record<string, unknown>;
  const extra = e.keyword === 'required' || e.keyword === 'dependentRequired' ? p.missingProperty
    : e.keyword === 'additionalProperties' ? p.additionalProperty
    : e.keyword === 'propertyNames' ? p.propertyName : '';
  return [base, extra].filter(Boolean).join('.');
}

/** ajv's params, minus what only repeats the field name; a regex pattern stays (the catalog decides whether to show it). */
function paramsOf(e: ErrorObject): Record<string, unknown> {
  const { missingProperty: _m, additionalProperty: _a, propertyName: _p, ...rest } = e.params as Record<string, unknown>;
  if (e.keyword === 'dependentRequired') return { property: rest.property, deps: String(rest.deps ?? '').split(', ').filter(Boolean) };
  return rest;
}
