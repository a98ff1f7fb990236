import type { JsonSchema } from '../../api/types.ts';
import { i18n } from '../../i18n/index.ts';

// Turns a plugin's settings JSON Schema into form fields and QInput rules. Covers what plugin
// settings use: strings (with enum/format/pattern/length), numbers, booleans, string arrays and
// nested objects. Anything else is shown as JSON so no setting becomes unreachable.
export type FieldKind = 'text' | 'textarea' | 'secret' | 'select' | 'number' | 'boolean' | 'tags' | 'object' | 'json';

export interface FieldDef {
  key: string;
  path: string[];
  kind: FieldKind;
  label: string;
  description?: string;
  required: boolean;
  schema: JsonSchema;
  children?: FieldDef[];
}

const t = (k: string, p?: Record<string, unknown>) => i18n.global.t(k, p ?? {});
const typeOf = (s: JsonSchema) => (Array.isArray(s.type) ? s.type.find((x) => x !== 'null') : s.type);

export const isSecret = (s: JsonSchema) => s.writeOnly === true || s['x-secret'] === true || s.format === 'password';

function kindOf(s: JsonSchema): FieldKind {
  if (isSecret(s)) return 'secret';
  if (s.enum) return 'select';
  switch (typeOf(s)) {
    case 'string':
      return (s.maxLength ?? 0) > 200 || s.format === 'textarea' ? 'textarea' : 'text';
    case 'number':
    case 'integer':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'array':
      return s.items && typeOf(s.items) === 'string' ? 'tags' : 'json';
    case 'object':
      return s.properties ? 'object' : 'json';
    default:
      return 'json';
  }
}

const humanize = (k: string) => k.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').replace(/^./, (c) => c.toUpperCase());

export function fieldsOf(schema: JsonSchema | null | undefined, path: string[] = []): FieldDef[] {
  if (!schema?.properties) return [];
  const req = new Set(schema.required ?? []);
  return Object.entries(schema.properties).map(([key, s]) => {
    const kind = kindOf(s);
    return {
      key,
      path: [...path, key],
      kind,
      label: s.title ?? humanize(key),
      description: s.description,
      required: req.has(key),
      schema: s,
      children: kind === 'object' ? fieldsOf(s, [...path, key]) : undefined,
    };
  });
}

type Rule = (v: unknown) => true | string;
export function rulesFor(f: FieldDef, secretAlreadySet: boolean): Rule[] {
  const s = f.schema;
  const rules: Rule[] = [];
  const empty = (v: unknown) => v === undefined || v === null || v === '';
  // A secret that is already set may be left empty: empty means "keep the stored value".
  if (f.required && !(f.kind === 'secret' && secretAlreadySet) && f.kind !== 'boolean') {
    rules.push((v) => !empty(v) || t('common.required'));
  }
  if (f.kind === 'text' || f.kind === 'textarea' || f.kind === 'secret') {
    if (s.minLength !== undefined) rules.push((v) => empty(v) || String(v).length >= s.minLength! || t('common.tooShort', { n: s.minLength }));
    if (s.maxLength !== undefined) rules.push((v) => empty(v) || String(v).length <= s.maxLength! || t('common.tooLong', { n: s.maxLength }));
    if (s.pattern) {
      const re = new RegExp(s.pattern, 'u');
      rules.push((v) => empty(v) || re.test(String(v)) || t('common.pattern'));
    }
    if (s.format === 'email') rules.push((v) => empty(v) || /^[^\s@]+@[^\s@]+$/.test(String(v)) || t('common.invalidEmail'));
  }
  if (f.kind === 'number') {
    rules.push((v) => empty(v) || Number.isFinite(Number(v)) || t('common.invalidNumber'));
    if (s.minimum !== undefined) rules.push((v) => empty(v) || Number(v) >= s.minimum! || t('common.min', { n: s.minimum }));
    if (s.maximum !== undefined) rules.push((v) => empty(v) || Number(v) <= s.maximum! || t('common.max', { n: s.maximum }));
  }
  if (f.kind === 'json') {
    rules.push((v) => {
      if (empty(v)) return true;
      try {
        JSON.parse(String(v));
        return true;
      } catch {
        return t('roles.invalidJson');
      }
    });
  }
  return rules;
}

/** Form model from stored settings: JSON-kind fields are edited as text. */
export function toModel(fields: FieldDef[], values: Record<string, unknown> | null | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const v = values?.[f.key] ?? f.schema.default;
    if (f.kind === 'object') out[f.key] = toModel(f.children ?? [], (v as Record<string, unknown>) ?? {});
    else if (f.kind === 'secret') out[f.key] = ''; // never shown: the server sends null
    else if (f.kind === 'json') out[f.key] = v === undefined ? '' : JSON.stringify(v, null, 2);
    else if (f.kind === 'tags') out[f.key] = Array.isArray(v) ? v : [];
    else out[f.key] = v ?? (f.kind === 'boolean' ? false : '');
  }
  return out;
}

/** Payload for PUT settings: secrets left empty are omitted so the stored value is kept. */
export function fromModel(fields: FieldDef[], model: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const v = model[f.key];
    if (f.kind === 'object') out[f.key] = fromModel(f.children ?? [], (v as Record<string, unknown>) ?? {});
    else if (f.kind === 'secret') {
      if (v !== '' && v !== undefined) out[f.key] = v;
    } else if (f.kind === 'number') {
      if (v !== '' && v !== undefined && v !== null) out[f.key] = typeOf(f.schema) === 'integer' ? Math.trunc(Number(v)) : Number(v);
    } else if (f.kind === 'json') {
      if (v !== '' && v !== undefined) out[f.key] = JSON.parse(String(v));
    } else if (f.kind === 'text' || f.kind === 'textarea' || f.kind === 'select') {
      if (v !== '' && v !== undefined) out[f.key] = v;
    } else out[f.key] = v;
  }
  return out;
}
