import { currencyDigits } from '@atrium/sdk/ui';
import type { JsonSchema, SettingText } from '../../api/types.ts';
import { i18n } from '../../i18n/index.ts';

// Turns a plugin's settings JSON Schema into form fields and QInput rules. Covers what plugin
// settings use: strings (with enum/format/pattern/length), numbers, booleans, string arrays and
// nested objects. Anything else is shown as JSON so no setting becomes unreachable.
//
// Which fields are secret comes from the kernel, not from the schema: GET /api/plugins/:id answers
// `secretFields` (the manifest's `settings.secrets`, top-level keys) and `secretsSet` (which of them
// are stored). Secrets are write-only (kernel/src/services/plugins.service.ts, PUT …/settings):
// the server answers them as null; an omitted secret keeps the stored value, a sent one replaces
// it. So the form never pre-fills a secret and leaves an empty one out of the payload. A list of
// secrets (Stripe's webhookSecrets, for rotation) is edited as entries and replaced whole when
// any entry is typed. Schema markers (writeOnly, x-secret, format: password) decide nothing: a
// field the kernel stores in plain text must be shown and sent back like any other, or a save
// would drop it.
//
// Words: titles, descriptions, enum labels and units come from the plugin's catalogs (`settings.<dotted
// key>` of messages/<locale>.json, answered as `settingsText`), then the schema's own title/description,
// then the key. An integer marked `x-unit: money` (minor units) is edited in major units of the
// currency, `x-unit: bp` (basis points) as a percentage; the payload converts back.
export type FieldKind = 'text' | 'textarea' | 'secret' | 'secretList' | 'select' | 'number' | 'boolean' | 'tags' | 'object' | 'json';

export interface FieldDef {
  key: string;
  path: string[];
  kind: FieldKind;
  label: string;
  description?: string;
  required: boolean;
  schema: JsonSchema;
  children?: FieldDef[];
  /** Labels of enum values, by value. */
  enumLabels?: Record<string, string>;
  /** Shown after the value: the currency, `%`, or the catalog's unit. */
  suffix?: string;
  /** The form shows the stored value divided by this (money: 10^digits of the currency; bp: 100). */
  scale?: number;
}

/** What the form's words and units depend on: the plugin's words in the reader's language, the money's currency. */
export interface FormWords {
  words?: Record<string, SettingText>;
  currency?: string;
}

const t = (k: string, p?: Record<string, unknown>) => i18n.global.t(k, p ?? {});
const typeOf = (s: JsonSchema) => (Array.isArray(s.type) ? s.type.find((x) => x !== 'null') : s.type);

function kindOf(s: JsonSchema, secret: boolean): FieldKind {
  if (secret) return typeOf(s) === 'array' ? 'secretList' : 'secret';
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

/**
 * Fields of a settings schema. `secretFields` is the kernel's list for this plugin; the kernel keeps
 * secrets by top-level key only, so nested properties are never secret.
 */
export function fieldsOf(schema: JsonSchema | null | undefined, secretFields: readonly string[] = [], path: string[] = [], opts: FormWords = {}): FieldDef[] {
  if (!schema?.properties) return [];
  const req = new Set(schema.required ?? []);
  return Object.entries(schema.properties).map(([key, s]) => {
    const kind = kindOf(s, path.length === 0 && secretFields.includes(key));
    const w = opts.words?.[[...path, key].join('.')];
    const unit = kind === 'number' ? s['x-unit'] : undefined;
    const scale = unit === 'money' ? 10 ** currencyDigits(opts.currency ?? 'KZT') : unit === 'bp' ? 100 : undefined;
    const suffix = unit === 'money' ? (opts.currency ?? undefined) : unit === 'bp' ? '%' : w?.unit;
    return {
      key,
      path: [...path, key],
      kind,
      label: w?.title ?? s.title ?? humanize(key),
      description: w?.description ?? s.description,
      required: req.has(key),
      schema: s,
      children: kind === 'object' ? fieldsOf(s, [], [...path, key], opts) : undefined,
      ...(w?.enum ? { enumLabels: w.enum } : {}),
      ...(suffix ? { suffix } : {}),
      ...(scale ? { scale } : {}),
    };
  });
}

/** An enum value as the reader sees it. */
export const enumLabel = (f: FieldDef, v: unknown): string => f.enumLabels?.[String(v)] ?? String(v);

/** The field that checks one entry of a list of secrets (the list's `items` schema). */
export function secretEntryField(f: FieldDef, index: number): FieldDef {
  return { key: String(index), path: [...f.path, String(index)], kind: 'secret', label: `${f.label} ${index + 1}`, required: false, schema: f.schema.items ?? { type: 'string' } };
}

const filled = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';
/** The entries of a list of secrets that will be sent (empty ones are ignored). */
export const secretEntries = (v: unknown): string[] => (Array.isArray(v) ? v.filter(filled) : []);

/**
 * A list of secrets as a whole: null when fine. Nothing typed is fine when a list is stored
 * (it is kept) or the field is optional; typed entries replace the list, so they must satisfy
 * minItems/maxItems themselves.
 */
export function secretListProblem(f: FieldDef, value: unknown, stored: boolean): string | null {
  const n = secretEntries(value).length;
  if (n === 0) return f.required && !stored ? t('common.required') : null;
  const min = f.schema.minItems;
  const max = f.schema.maxItems;
  if (min !== undefined && n < min) return t('plugins.secretListMin', { n: min });
  if (max !== undefined && n > max) return t('plugins.secretListMax', { n: max });
  return null;
}

/** Problems the QInput rules cannot see (lists of secrets), keyed like field errors. */
export function formProblems(fields: FieldDef[], model: Record<string, unknown>, secretsSet: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fields) {
    if (f.kind !== 'secretList') continue;
    const p = secretListProblem(f, model[f.key], secretsSet.includes(f.key));
    if (p) out[f.path.join('.')] = p;
  }
  return out;
}

type Rule = (v: unknown) => true | string;
export function rulesFor(f: FieldDef, secretAlreadySet: boolean): Rule[] {
  const s = f.schema;
  const rules: Rule[] = [];
  const empty = (v: unknown) => v === undefined || v === null || v === '';
  // A secret that is already set may be left empty: empty means "keep the stored value".
  if (f.required && !(f.kind === 'secret' && secretAlreadySet) && f.kind !== 'boolean' && f.kind !== 'secretList') {
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
    // limits in the units the form shows (major units of money, percent)
    const scale = f.scale ?? 1;
    rules.push((v) => empty(v) || Number.isFinite(Number(v)) || t('common.invalidNumber'));
    if (s.minimum !== undefined) rules.push((v) => empty(v) || Number(v) * scale >= s.minimum! || t('common.min', { n: s.minimum! / scale }));
    if (s.maximum !== undefined) rules.push((v) => empty(v) || Number(v) * scale <= s.maximum! || t('common.max', { n: s.maximum! / scale }));
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
    else if (f.kind === 'secretList') out[f.key] = []; // entries are typed anew, never shown
    else if (f.kind === 'json') out[f.key] = v === undefined ? '' : JSON.stringify(v, null, 2);
    else if (f.kind === 'tags') out[f.key] = Array.isArray(v) ? v : [];
    else if (f.kind === 'number' && f.scale && typeof v === 'number') out[f.key] = v / f.scale;
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
      // empty = keep the stored value (omitted); typed = replace it
      if (filled(v)) out[f.key] = typeOf(f.schema) === 'number' || typeOf(f.schema) === 'integer' ? Number(v) : v;
    } else if (f.kind === 'secretList') {
      // no entry typed = keep the stored list (omitted, never []); any entry = the whole new list
      const entries = secretEntries(v);
      if (entries.length) out[f.key] = entries;
    } else if (f.kind === 'number') {
      if (v !== '' && v !== undefined && v !== null) {
        const n = Number(v) * (f.scale ?? 1);
        // a scaled value is rounded (10.99 × 100 is 1098.9999…), an unscaled integer cut as typed
        out[f.key] = typeOf(f.schema) === 'integer' ? (f.scale ? Math.round(n) : Math.trunc(n)) : n;
      }
    } else if (f.kind === 'json') {
      if (v !== '' && v !== undefined) out[f.key] = JSON.parse(String(v));
    } else if (f.kind === 'text' || f.kind === 'textarea' || f.kind === 'select') {
      if (v !== '' && v !== undefined) out[f.key] = v;
    } else out[f.key] = v;
  }
  return out;
}
