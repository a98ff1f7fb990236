import { formatMessage, messageArguments, type FormatOptions, type MessageParams } from './message-format.ts';
import { PSEUDO_LOCALE, type Locale, type RenderLocale } from './locales.ts';
import { pseudoText } from './pseudo.ts';

/** A field problem as it travels: a stable `code`, its `params`, and `message` in the reader's language. */
export interface WireFieldError {
  field: string;
  code?: string;
  params?: MessageParams;
  message?: string;
}

/** The `error` of every failed API answer. `details` are the message's arguments and machine-readable specifics. */
export interface WireError {
  code: string;
  message: string;
  fields?: WireFieldError[];
  details?: Record<string, unknown>;
  requestId?: string;
}

/** Where the texts of one language come from (the platform catalog plus the plugins'). */
export interface ErrorTexts {
  error(code: string): string | undefined;
  field(code: string): string | undefined;
  /** How one field problem reads inside the summary: `{field} {message}` / `{field}: {message}`. */
  fieldItem: string;
  subject?(subject: string): string | undefined;
  action?(action: string, subject?: string): string | undefined;
  plugin?(pluginId: string): string | undefined;
  role?(role: string): string | undefined;
  /** How one rule reads in "you cannot grant …": by why it goes beyond (`conditions`, `fields`) or `item`. */
  rule?(why: string | undefined): string | undefined;
  locale?: Locale;
}

/**
 * Arguments as a reader should see them: permission subjects, actions and plugin ids by their
 * translated names (`pos.Sale` → «Продажи»). The originals stay in the answer's `details`.
 */
function readable(params: MessageParams | undefined, t: ErrorTexts): MessageParams {
  const out: MessageParams = { ...params };
  const subject = typeof out.subject === 'string' ? out.subject : undefined;
  if (subject) out.subject = t.subject?.(subject) ?? subject;
  if (typeof out.action === 'string') out.action = t.action?.(out.action, subject) ?? out.action;
  if (typeof out.plugin === 'string') out.plugin = t.plugin?.(out.plugin) ?? out.plugin;
  if (Array.isArray(out.plugins)) out.plugins = out.plugins.map((p) => (typeof p === 'string' ? (t.plugin?.(p) ?? p) : p));
  if (typeof out.role === 'string') out.role = t.role?.(out.role) ?? out.role;
  // rules someone may not grant: "Sales: void; Stock: view (more records)"
  if (Array.isArray(out.rules)) {
    out.rules = out.rules.map((r: { action?: string; subject?: string; why?: string }) => {
      if (!r || typeof r !== 'object' || typeof r.subject !== 'string') return String(r);
      const template = t.rule?.(r.why === 'conditions' || r.why === 'fields' ? r.why : 'item') ?? '{subject}: {action}';
      const action = typeof r.action === 'string' ? (t.action?.(r.action, r.subject) ?? r.action) : '';
      return formatMessage(template, { subject: t.subject?.(r.subject) ?? r.subject, action }, t.locale ?? 'en');
    });
  }
  return out;
}

/**
 * The error in the reader's language: its message and each field's message from the catalogs by
 * code, with the params as arguments. What no catalog knows keeps the text it came with. In the
 * pseudo-locale every translated text is English marked with ⟦ ⟧, so an untranslated one shows.
 */
export function localizeError(err: WireError, locale: RenderLocale, textsFor: (l: Locale) => ErrorTexts, options: FormatOptions = {}): WireError {
  const pseudo = locale === PSEUDO_LOCALE;
  const lang: Locale = pseudo ? 'en' : (locale as Locale);
  const t = textsFor(lang);
  const mark = (s: string) => (pseudo ? pseudoText(s) : s);
  /** The code's message; "Not found: {subject}" needs a subject, without one the code's `.plain` wording is used. */
  const render = (template: string | undefined, code: string, params: MessageParams): string | undefined => {
    if (template && messageArguments(template).some((a) => params[a] === undefined || params[a] === null)) template = t.error(`${code}.plain`) ?? template;
    return template === undefined ? undefined : mark(formatMessage(template, params, lang, options));
  };
  const localizeFields = (list: WireFieldError[]) =>
    list.map((f) => {
      // error-codes: pass-through
      const template = f.code ? (t.field(f.code) ?? t.error(f.code)) : undefined;
      const message = render(template, f.code ?? '', { ...readable(f.params, t), field: f.field }) ?? f.message ?? f.code ?? '';
      return { ...f, message };
    });
  const fields = err.fields && localizeFields(err.fields);
  // a 422 that wraps a validation (settings required before enabling) carries its fields in details
  const nested = Array.isArray(err.details?.fields) ? localizeFields(err.details.fields as WireFieldError[]) : undefined;
  const details = nested ? { ...err.details, fields: nested } : err.details;
  const all = [...(fields ?? []), ...(nested ?? [])];
  const params: MessageParams = {
    ...readable(err.details, t),
    requestId: err.requestId,
    // error-codes: pass-through
    items: all.map((f) => formatMessage(t.fieldItem, { field: f.field, message: f.message }, lang)).join('; '),
    count: all.length,
  };
  const message = render(t.error(err.code), err.code, params) ?? err.message;
  // an error about one input (`details.field`: a store id that does not exist) flags that field too
  const field = typeof err.details?.field === 'string' ? err.details.field : undefined;
  // error-codes: pass-through
  const named = field && !all.some((f) => f.field === field) ? [{ field, code: err.code, params: err.details, message }] : [];
  const allFields = fields || named.length ? [...(fields ?? []), ...named] : undefined;
  return { ...err, message, ...(allFields ? { fields: allFields } : {}), ...(details ? { details } : {}) };
}
