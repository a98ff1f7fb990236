import { INTL_TAG, type RenderLocale } from './locales.ts';

/**
 * Messages are ICU MessageFormat (the subset translators meet everywhere), formatted with Intl so
 * numbers, money, dates and lists follow the reader's locale:
 *
 * - `{name}` — a value: numbers as `1 098,26` in Russian, dates per locale, arrays as a list
 * - `{n, number}`, `{n, number, integer}`, `{n, number, percent}` (a fraction: 0.259 → 25,9 %)
 * - `{amount, money}` — integer minor units in the currency `params.currency` (or `{amount, money, KZT}`)
 * - `{bp, bp}` — basis points as a percentage (250 → 2,5 %); `{q, milli}` — thousandths (1500 → 1,5)
 * - `{at, date}`, `{at, time}`, `{at, datetime}` — in `options.timeZone` when given
 * - `{xs, list}` (and … `and`), `{xs, list, or}`
 * - `{n, plural, =0 {none} one {# item} few {# items} many {# items} other {# items}}` — `#` is n
 * - `{kind, select, email {…} other {…}}`
 *
 * A parameter that is missing stays visible as `{name}`, so a mistake shows instead of vanishing.
 */
export type MessageParams = Record<string, unknown>;
export interface FormatOptions {
  /** IANA zone for dates and times (the tenant's); default the runtime's. */
  timeZone?: string;
}

type Node = string | { arg: string; type?: string; style?: string; options?: Record<string, Node[]> } | { hash: true };

const cache = new Map<string, Node[]>();

function parse(src: string): Node[] {
  let hit = cache.get(src);
  if (!hit) {
    const p = { s: src, i: 0 };
    hit = parseMessage(p, false);
    if (cache.size > 5000) cache.clear();
    cache.set(src, hit);
  }
  return hit;
}

function parseMessage(p: { s: string; i: number }, nested: boolean, inPlural = false): Node[] {
  const out: Node[] = [];
  let text = '';
  const flush = () => {
    if (text) out.push(text);
    text = '';
  };
  while (p.i < p.s.length) {
    const c = p.s[p.i]!;
    if (c === '}' && nested) break;
    if (c === '{') {
      flush();
      out.push(parseArgument(p));
      continue;
    }
    if (c === '#' && inPlural) {
      flush();
      out.push({ hash: true });
      p.i++;
      continue;
    }
    text += c;
    p.i++;
  }
  flush();
  return out;
}

function readWord(p: { s: string; i: number }): string {
  const start = p.i;
  while (p.i < p.s.length && !/[,{}]/.test(p.s[p.i]!)) p.i++;
  return p.s.slice(start, p.i).trim();
}

function parseArgument(p: { s: string; i: number }): Node {
  const start = p.i;
  p.i++; // {
  const arg = readWord(p);
  if (p.s[p.i] === '}') {
    p.i++;
    return { arg };
  }
  if (p.s[p.i] !== ',') return literal(p, start);
  p.i++;
  const type = readWord(p);
  if (type === 'plural' || type === 'select' || type === 'selectordinal') {
    if (p.s[p.i] !== ',') return literal(p, start);
    p.i++;
    const options: Record<string, Node[]> = {};
    for (;;) {
      while (/\s/.test(p.s[p.i] ?? '')) p.i++;
      if (p.s[p.i] === '}') {
        p.i++;
        return { arg, type, options };
      }
      const key = readWord(p);
      if (!key || p.s[p.i] !== '{') return literal(p, start);
      p.i++;
      options[key] = parseMessage(p, true, type !== 'select');
      if (p.s[p.i] !== '}') return literal(p, start);
      p.i++;
    }
  }
  let style: string | undefined;
  if (p.s[p.i] === ',') {
    p.i++;
    style = readWord(p);
  }
  if (p.s[p.i] !== '}') return literal(p, start);
  p.i++;
  return { arg, type, style };
}

/** A brace that does not open a well-formed argument is text (translators' typos must not crash a page). */
function literal(p: { s: string; i: number }, start: number): string {
  p.i = start + 1;
  return '{';
}

// Intl objects are costly to build; messages are formatted often with few distinct settings.
const intlCache = new Map<string, any>();
function intl<T>(key: string, make: () => T): T {
  let v = intlCache.get(key);
  if (!v) {
    v = make();
    if (intlCache.size > 500) intlCache.clear();
    intlCache.set(key, v);
  }
  return v;
}

const numberFormat = (tag: string, opts: Intl.NumberFormatOptions = {}) =>
  intl(`n|${tag}|${JSON.stringify(opts)}`, () => new Intl.NumberFormat(tag, opts));
const dateFormat = (tag: string, opts: Intl.DateTimeFormatOptions) =>
  intl(`d|${tag}|${JSON.stringify(opts)}`, () => new Intl.DateTimeFormat(tag, opts));

/** Digits after the point in a currency (KZT 2, JPY 0, …), as Intl knows them. */
export function currencyDigits(currency: string): number {
  try {
    return numberFormat('en-US', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** Integer minor units of `currency` in the locale's way: `1 098,26 ₸`. */
export function formatMoneyMinor(minor: number, currency: string, locale: RenderLocale): string {
  const tag = INTL_TAG[locale];
  try {
    const f = numberFormat(tag, { style: 'currency', currency, currencyDisplay: 'narrowSymbol' });
    return f.format(minor / 10 ** (f.resolvedOptions().maximumFractionDigits ?? 2));
  } catch {
    return `${numberFormat(tag).format(minor / 100)} ${currency}`;
  }
}

function toDate(v: unknown): Date | null {
  const d = v instanceof Date ? v : typeof v === 'string' || typeof v === 'number' ? new Date(v) : null;
  return d && !Number.isNaN(d.getTime()) ? d : null;
}

function formatValue(v: unknown, type: string | undefined, style: string | undefined, params: MessageParams, locale: RenderLocale, o: FormatOptions): string {
  const tag = INTL_TAG[locale];
  switch (type) {
    case 'number': {
      const n = Number(v);
      if (!Number.isFinite(n)) return String(v);
      if (style === 'integer') return numberFormat(tag, { maximumFractionDigits: 0 }).format(n);
      if (style === 'percent') return numberFormat(tag, { style: 'percent', maximumFractionDigits: 2 }).format(n);
      return numberFormat(tag).format(n);
    }
    case 'money': {
      const currency = style || String(params.currency ?? '');
      const n = Number(v);
      if (!Number.isFinite(n)) return String(v);
      return currency ? formatMoneyMinor(n, currency, locale) : numberFormat(tag).format(n);
    }
    case 'milli': {
      // quantities are stored in thousandths (1 kg = 1000): shown as 1,5 in the reader's way
      const n = Number(v);
      return Number.isFinite(n) ? numberFormat(tag, { maximumFractionDigits: 3 }).format(n / 1000) : String(v);
    }
    case 'bp': {
      const n = Number(v);
      return Number.isFinite(n) ? numberFormat(tag, { style: 'percent', maximumFractionDigits: 2 }).format(n / 10_000) : String(v);
    }
    case 'date':
    case 'time':
    case 'datetime': {
      const d = toDate(v);
      if (!d) return String(v);
      const opts: Intl.DateTimeFormatOptions =
        type === 'date' ? { dateStyle: 'medium' } : type === 'time' ? { timeStyle: 'short' } : { dateStyle: 'medium', timeStyle: 'short' };
      return dateFormat(tag, o.timeZone ? { ...opts, timeZone: o.timeZone } : opts).format(d);
    }
    case 'list': {
      const items = (Array.isArray(v) ? v : [v]).map((x) => formatValue(x, undefined, undefined, params, locale, o));
      return intl(`l|${tag}|${style}`, () => new Intl.ListFormat(tag, { type: style === 'or' ? 'disjunction' : 'conjunction' })).format(items);
    }
    default:
      if (typeof v === 'number') return numberFormat(tag).format(v);
      if (v instanceof Date) return formatValue(v, 'datetime', undefined, params, locale, o);
      if (Array.isArray(v)) return formatValue(v, 'list', undefined, params, locale, o);
      return String(v);
  }
}

function render(nodes: Node[], params: MessageParams, locale: RenderLocale, o: FormatOptions, pluralValue?: number): string {
  let out = '';
  for (const n of nodes) {
    if (typeof n === 'string') out += n;
    else if ('hash' in n) out += pluralValue === undefined ? '#' : numberFormat(INTL_TAG[locale]).format(pluralValue);
    else if (!(n.arg in params) || params[n.arg] === undefined || params[n.arg] === null) {
      out += n.options ? renderChoice(n, undefined, params, locale, o) : `{${n.arg}}`;
    } else if (n.options) out += renderChoice(n, params[n.arg], params, locale, o);
    else out += formatValue(params[n.arg], n.type, n.style, params, locale, o);
  }
  return out;
}

function renderChoice(n: { type?: string; options?: Record<string, Node[]> }, v: unknown, params: MessageParams, locale: RenderLocale, o: FormatOptions): string {
  const opts = n.options!;
  if (n.type === 'select') return render(opts[String(v)] ?? opts.other ?? [], params, locale, o);
  const num = Number(v);
  if (!Number.isFinite(num)) return render(opts.other ?? [], params, locale, o);
  const exact = opts[`=${num}`];
  if (exact) return render(exact, params, locale, o, num);
  const rules = intl(`p|${INTL_TAG[locale]}|${n.type}`, () => new Intl.PluralRules(INTL_TAG[locale], { type: n.type === 'selectordinal' ? 'ordinal' : 'cardinal' }));
  return render(opts[rules.select(num)] ?? opts.other ?? [], params, locale, o, num);
}

/** Formats one ICU message. Never throws: a malformed message renders as much as it can. */
export function formatMessage(template: string, params: MessageParams = {}, locale: RenderLocale = 'en', options: FormatOptions = {}): string {
  return render(parse(template), params, locale, options);
}

/** The argument names a message uses (for checks that every language uses the same ones). */
export function messageArguments(template: string): string[] {
  const names = new Set<string>();
  const walk = (nodes: Node[]) => {
    for (const n of nodes) {
      if (typeof n === 'string' || 'hash' in n) continue;
      names.add(n.arg);
      for (const branch of Object.values(n.options ?? {})) walk(branch);
    }
  };
  walk(parse(template));
  return [...names].sort();
}
