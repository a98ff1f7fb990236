import { currencyDigits, type FieldError, type Static, Type, ValidationError } from '@atrium/sdk';

/**
 * Templates: typed variables, `{{name}}` placeholders, variants per channel and locale. Pure rules
 * shared by the template service (checked on save), the send path (checked on send, rendered in the
 * contact's locale) and the editor's preview.
 */
export const VARIABLE_TYPES = ['text', 'number', 'date', 'datetime', 'money', 'url'] as const;
export type VariableType = (typeof VARIABLE_TYPES)[number];
export const LOCALES = ['ru', 'uk', 'kk', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

export const TemplateVariable = Type.Object({
  name: Type.String({ pattern: '^[a-z][a-zA-Z0-9_]{0,39}$' }),
  type: Type.Union(VARIABLE_TYPES.map((t) => Type.Literal(t))),
  required: Type.Optional(Type.Boolean({ default: true })),
  description: Type.Optional(Type.String({ maxLength: 200 })),
  example: Type.Optional(Type.Unknown()),
}, { additionalProperties: false });
export type TemplateVariable = Static<typeof TemplateVariable>;

export interface TemplateVariantDef {
  channel: string;
  locale: Locale;
  subject?: string | null;
  body: string;
  buttons?: { id: string; text: string; url?: string }[];
  providerTemplate?: { name: string; language: string; parameters?: string[] } | null;
}

const PLACEHOLDER = /\{\{\s*([a-zA-Z][a-zA-Z0-9_]*)\s*\}\}/g;

/** The variable names a text refers to, in order of first appearance. */
export function placeholders(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(PLACEHOLDER)) if (!out.includes(m[1]!)) out.push(m[1]!);
  return out;
}

/** Checks a template before it is saved: names unique, every placeholder declared, variants distinct. */
export function checkTemplate(variables: TemplateVariable[], variants: TemplateVariantDef[]): FieldError[] {
  const fields: FieldError[] = [];
  const names = new Set<string>();
  variables.forEach((v, i) => {
    if (names.has(v.name)) fields.push({ field: `variables.${i}.name`, code: 'listedTwice', params: { value: v.name }, message: `"${v.name}" is declared twice` });
    names.add(v.name);
  });
  const seen = new Set<string>();
  variants.forEach((v, i) => {
    const key = `${v.channel}/${v.locale}`;
    if (seen.has(key)) fields.push({ field: `variants.${i}`, code: 'variantTwice', params: { channel: v.channel, locale: v.locale }, message: `a second variant for channel ${v.channel} and locale ${v.locale}` });
    seen.add(key);
    for (const [part, text] of [['body', v.body], ['subject', v.subject ?? ''], ...(v.buttons ?? []).map((b, j) => [`buttons.${j}.text`, b.text] as const)] as const) {
      for (const p of placeholders(text)) if (!names.has(p)) fields.push({ field: `variants.${i}.${part}`, code: 'undeclaredVariable', params: { name: p }, message: `uses {{${p}}}, which is not a declared variable` });
    }
    for (const p of v.providerTemplate?.parameters ?? []) if (!names.has(p)) fields.push({ field: `variants.${i}.providerTemplate.parameters`, code: 'undeclaredVariable', params: { name: p }, message: `"${p}" is not a declared variable` });
  });
  if (!variants.length) fields.push({ field: 'variants', code: 'minItems', params: { limit: 1 }, message: 'must have at least one variant' });
  return fields;
}

export type MoneyValue = { amount: number; currency: string };

/** Checks the values given at send time against the declared types; answers the errors by `variables.<name>`. */
export function checkValues(variables: TemplateVariable[], values: Record<string, unknown>): FieldError[] {
  const fields: FieldError[] = [];
  const declared = new Set(variables.map((v) => v.name));
  for (const k of Object.keys(values)) if (!declared.has(k)) fields.push({ field: `variables.${k}`, code: 'unknownVariable', message: 'is not a variable of this template' });
  for (const v of variables) {
    const value = values[v.name];
    const field = `variables.${v.name}`;
    if (value === undefined || value === null || value === '') {
      if (v.required !== false) fields.push({ field, code: 'required', message: 'is required' });
      continue;
    }
    const problem = typeProblem(v.type, value);
    if (problem) fields.push({ field, code: 'variableType', params: { type: v.type }, message: problem });
  }
  return fields;
}

function typeProblem(type: VariableType, value: unknown): string | null {
  switch (type) {
    case 'text':
      return typeof value === 'string' && value.length <= 1000 ? null : 'must be text of at most 1000 characters';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? null : 'must be a number';
    case 'date':
      return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) ? null : 'must be a date (YYYY-MM-DD)';
    case 'datetime':
      return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(Date.parse(value)) ? null : 'must be a date and time (ISO 8601)';
    case 'money': {
      const m = value as MoneyValue;
      return m && typeof m === 'object' && Number.isSafeInteger(m.amount) && /^[A-Z]{3}$/.test(String(m.currency)) ? null : 'must be { amount: integer minor units, currency: ISO code }';
    }
    case 'url':
      return typeof value === 'string' && /^https?:\/\/\S+$/.test(value) && value.length <= 2000 ? null : 'must be an http(s) link';
  }
}

const INTL: Record<Locale, string> = { ru: 'ru-RU', uk: 'uk-UA', kk: 'kk-KZ', en: 'en-GB' };

/** A value as the contact reads it: numbers, dates and money in their locale, dates in the tenant's time zone. */
export function formatValue(type: VariableType, value: unknown, locale: Locale, timeZone: string): string {
  const intl = INTL[locale];
  switch (type) {
    case 'number':
      return new Intl.NumberFormat(intl).format(value as number);
    case 'date':
      // a calendar day: no time zone shift
      return new Intl.DateTimeFormat(intl, { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${value as string}T00:00:00Z`));
    case 'datetime':
      return new Intl.DateTimeFormat(intl, { dateStyle: 'long', timeStyle: 'short', timeZone }).format(new Date(value as string));
    case 'money': {
      const m = value as MoneyValue;
      return new Intl.NumberFormat(intl, { style: 'currency', currency: m.currency }).format(m.amount / 10 ** currencyDigits(m.currency));
    }
    default:
      return String(value);
  }
}

/**
 * A value in a rendered text: formatted when it has its declared type; otherwise as given (a send
 * refuses such values before rendering; the preview renders them to show where they go, beside
 * its list of problems — formatting one would throw, an invalid date for instance).
 */
function shown(type: VariableType, value: unknown, locale: Locale, timeZone: string): string {
  if (value === undefined || value === null) return '';
  if (typeProblem(type, value)) return typeof value === 'object' ? JSON.stringify(value) : String(value);
  return formatValue(type, value, locale, timeZone);
}

export function render(text: string, variables: TemplateVariable[], values: Record<string, unknown>, locale: Locale, timeZone: string): string {
  const types = new Map(variables.map((v) => [v.name, v.type]));
  return text.replace(PLACEHOLDER, (_m, name: string) => shown(types.get(name) ?? 'text', values[name], locale, timeZone));
}

/**
 * The variant for a channel and locale: that channel in that locale, any channel ('*') in that
 * locale, then the same for the tenant's default locale, then English, then whatever exists.
 */
export function pickVariant<V extends { channel: string; locale: string }>(variants: V[], channel: string, locale: string, fallbackLocale: string): V | null {
  for (const l of [locale, fallbackLocale, 'en']) {
    const found = variants.find((v) => v.channel === channel && v.locale === l) ?? variants.find((v) => v.channel === '*' && v.locale === l);
    if (found) return found;
  }
  return variants.find((v) => v.channel === channel) ?? variants.find((v) => v.channel === '*') ?? null;
}

/** Rendered values in the order the provider's approved template takes them ({{1}}, {{2}} …). */
export function providerParameters(variant: TemplateVariantDef, variables: TemplateVariable[], values: Record<string, unknown>, locale: Locale, timeZone: string): { type: 'text'; text: string }[] {
  const order = variant.providerTemplate?.parameters ?? placeholders(variant.body);
  const types = new Map(variables.map((v) => [v.name, v.type]));
  return order.map((name) => ({ type: 'text' as const, text: shown(types.get(name) ?? 'text', values[name], locale, timeZone) }));
}

export function asLocale(x: unknown, fallback: Locale): Locale {
  return (LOCALES as readonly string[]).includes(String(x)) ? (x as Locale) : fallback;
}

export function invalid(message: string, fields: FieldError[]): ValidationError {
  return new ValidationError(message, fields);
}
