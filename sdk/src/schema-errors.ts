import type { FieldError } from './errors.ts';

/** The part of an ajv error object these helpers read. */
export type SchemaErrorLike = { keyword: string; instancePath: string; params: unknown; message?: string };

function fieldOf(e: SchemaErrorLike): string {
  const base = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const p = (e.params ?? {}) as Record<string, unknown>;
  const extra = e.keyword === 'required' ? p.missingProperty : e.keyword === 'additionalProperties' ? p.additionalProperty : '';
  return [base, extra].filter(Boolean).join('.') || '(body)';
}

function messageOf(e: SchemaErrorLike): string {
  const limit = ((e.params ?? {}) as { limit?: number }).limit;
  switch (e.keyword) {
    case 'required': return 'is required';
    case 'additionalProperties': return 'is not allowed';
    case 'maxLength': return `must be at most ${limit} characters`;
    case 'minLength': return limit === 1 ? 'must not be empty' : `must be at least ${limit} characters`;
    default: return e.message ?? 'is invalid';
  }
}

/**
 * ajv errors as the field list of a 400 (`{ field: 'config.botToken', message: 'is required' }`):
 * one per field (anyOf/oneOf report every branch; the first error of a field is the useful one).
 * Shared by the kernel's request validator and the SDK's own schema checks.
 */
export function fieldErrorsOf(errors: readonly SchemaErrorLike[] | null | undefined): FieldError[] {
  const seen = new Set<string>();
  const fields: FieldError[] = [];
  for (const e of errors ?? []) {
    const f = fieldOf(e);
    if (seen.has(f) || e.keyword === 'anyOf' || e.keyword === 'oneOf') continue;
    seen.add(f);
    fields.push({ field: f, message: messageOf(e) });
  }
  return fields;
}
