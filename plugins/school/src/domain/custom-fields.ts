import type { FieldError, RequestContext } from '@atrium/sdk';
import { fieldProblem, type FieldCode } from './fields.ts';

/**
 * Custom fields of students (a school number, the source of a referral, allergies…): the tenant
 * defines them (key, label per language, type, options), students carry the values by key. Values
 * are checked against the definitions on every write: unknown keys, wrong types, an option not in
 * the list and a missing required value are named field by field (`custom.<key>`).
 */

export type CustomFieldType = 'text' | 'number' | 'date' | 'select' | 'boolean';
export type CustomFieldDef = { key: string; type: CustomFieldType; options: string[]; required: boolean; archived: boolean };

export async function customFieldDefs(ctx: Pick<RequestContext, 'sql' | 'tenantId'>): Promise<CustomFieldDef[]> {
  return ctx.sql<CustomFieldDef>('select key, type, options, required, archived from school.custom_field where tenant_id = $1::uuid order by position, key', [ctx.tenantId]);
}

/**
 * Checks `values` against the definitions and answers them cleaned (null removes a value).
 * `partial`: a PATCH, where required fields already stored need not be sent again.
 */
export function checkCustomValues(defs: CustomFieldDef[], values: Record<string, unknown>, opts: { partial: boolean; stored?: Record<string, unknown> }): { clean: Record<string, unknown>; problems: FieldError[] } {
  const problems: FieldError[] = [];
  const clean: Record<string, unknown> = {};
  const byKey = new Map(defs.map((d) => [d.key, d]));
  for (const [key, v] of Object.entries(values)) {
    const def = byKey.get(key);
    const field = `custom.${key}`;
    if (!def || def.archived) {
      problems.push(fieldProblem(field, 'CUSTOM_FIELD_UNKNOWN', 'is not a custom field of this centre'));
      continue;
    }
    if (v === null || v === '') {
      clean[key] = null;
      continue;
    }
    const bad = (code: FieldCode, message: string, params?: Record<string, unknown>) => problems.push(fieldProblem(field, code, message, params));
    switch (def.type) {
      case 'text':
        if (typeof v !== 'string' || v.length > 1000) bad('CUSTOM_TEXT', 'must be text of at most 1000 characters');
        else clean[key] = v.trim();
        break;
      case 'number': {
        const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v.replace(',', '.').replace(/\s/g, '')) : NaN;
        if (!Number.isFinite(n)) bad('CUSTOM_NUMBER', 'must be a number');
        else clean[key] = n;
        break;
      }
      case 'date':
        if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(v))) bad('CUSTOM_DATE', 'must be a date (YYYY-MM-DD)');
        else clean[key] = v;
        break;
      case 'boolean':
        if (typeof v !== 'boolean') bad('CUSTOM_BOOLEAN', 'must be true or false');
        else clean[key] = v;
        break;
      case 'select':
        if (typeof v !== 'string' || !def.options.includes(v)) bad('CUSTOM_OPTION', `must be one of: ${def.options.join(', ')}`, { options: def.options });
        else clean[key] = v;
        break;
    }
  }
  for (const def of defs) {
    if (!def.required || def.archived) continue;
    const sent = Object.hasOwn(values, def.key);
    const has = sent ? clean[def.key] !== null && clean[def.key] !== undefined : opts.partial && opts.stored?.[def.key] !== undefined && opts.stored?.[def.key] !== null;
    if (!has && !problems.some((p) => p.field === `custom.${def.key}`)) problems.push(fieldProblem(`custom.${def.key}`, 'required', 'is required'));
  }
  return { clean, problems };
}

/** The stored values with `changes` applied (null removes). */
export function mergeCustom(stored: Record<string, unknown>, changes: Record<string, unknown>): Record<string, unknown> {
  const out = { ...stored };
  for (const [k, v] of Object.entries(changes)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}
