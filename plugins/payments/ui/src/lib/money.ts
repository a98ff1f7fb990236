// Money in the payments UI: amounts travel as integer minor units with an ISO currency
// (ARCHITECTURE §8). How many minor digits a currency has comes from Intl (JPY 0, KZT 2, KWD 3),
// never from a float; parsing what a person types works on the digits as text.

import { currencyDigits } from '@atrium/sdk/ui';

export type UiLocale = 'en' | 'ru' | 'uk' | 'kk';
const INTL: Record<UiLocale, string> = { en: 'en-US', ru: 'ru-RU', uk: 'uk-UA', kk: 'kk-KZ' };
export const intlLocale = (l: string): string => INTL[l as UiLocale] ?? l;

/** Minor-unit digits of an ISO 4217 currency (2 when the runtime does not know it): the SDK's lookup. */
export { currencyDigits };

/** "12 345,67 ₸" / "$12,345.67" from 1234567 minor units, in the user's locale. */
export function formatMinor(minor: number, currency: string, locale: string): string {
  const c = currency.toUpperCase();
  const digits = currencyDigits(c);
  try {
    const fmt = (currencyDisplay: 'symbol' | 'narrowSymbol') =>
      new Intl.NumberFormat(intlLocale(locale), { style: 'currency', currency: c, currencyDisplay, minimumFractionDigits: digits, maximumFractionDigits: digits }).format(minor / 10 ** digits);
    // Where the locale has no symbol of its own for the currency (ru: "KZT"), the sign people
    // actually use (₸) reads better than the ISO code; currencies without a sign keep their code.
    const s = fmt('symbol');
    return s.includes(c) ? fmt('narrowSymbol') : s;
  } catch {
    return `${(minor / 10 ** digits).toFixed(digits)} ${c}`;
  }
}

/** The major-unit text for an input field: 1250 USD → "12.50" (always a dot, no grouping). */
export function minorToInput(minor: number, currency: string): string {
  const digits = currencyDigits(currency);
  const neg = minor < 0;
  const s = String(Math.abs(Math.trunc(minor))).padStart(digits + 1, '0');
  const out = digits ? `${s.slice(0, -digits)}.${s.slice(-digits)}` : s;
  return neg ? `-${out}` : out;
}

export type ParseError = 'empty' | 'invalid' | 'tooManyDecimals' | 'tooLarge';
export type ParseResult = { ok: true; minor: number } | { ok: false; error: ParseError };

/**
 * What a person typed ("12.5", "12,50", "1 234,56", "1,234.56") → minor units, without floats.
 * With both "." and "," the last one is the decimal separator; one separator used once is the
 * decimal separator ("1,234" is 1.234 — refused for a 2-digit currency rather than guessed);
 * used several times it is grouping. Negative amounts and stray characters are invalid.
 */
export function parseMajor(input: string, currency: string): ParseResult {
  const digits = currencyDigits(currency);
  const s = input.replace(/[\s\u00a0\u202f']/g, '');
  if (!s) return { ok: false, error: 'empty' };
  if (!/^[0-9.,]+$/.test(s)) return { ok: false, error: 'invalid' };
  const seps = s.replace(/[0-9]/g, '');
  let intPart = s;
  let frac = '';
  const lastSep = Math.max(s.lastIndexOf('.'), s.lastIndexOf(','));
  const decimalAt = seps.includes('.') && seps.includes(',') ? lastSep : seps.length === 1 ? lastSep : -1;
  if (decimalAt >= 0) {
    intPart = s.slice(0, decimalAt);
    frac = s.slice(decimalAt + 1);
    if (!/^[0-9]*$/.test(frac)) return { ok: false, error: 'invalid' };
  }
  const groups = intPart.split(/[.,]/);
  if (groups.length > 1) {
    // grouping: "1,234,567" or "1.234,56" — groups of exactly three after the first
    if (new Set(intPart.replace(/[0-9]/g, '')).size > 1) return { ok: false, error: 'invalid' };
    if (!groups[0] || groups[0].length > 3 || groups.slice(1).some((g) => g.length !== 3)) return { ok: false, error: 'invalid' };
  }
  intPart = groups.join('');
  if (!intPart && !frac) return { ok: false, error: 'invalid' };
  if (frac.length > digits) return { ok: false, error: 'tooManyDecimals' };
  const text = ((intPart || '0') + frac.padEnd(digits, '0')).replace(/^0+(?=\d)/, '');
  if (text.length > 13) return { ok: false, error: 'tooLarge' };
  const minor = Number(text);
  if (minor > 1_000_000_000_000) return { ok: false, error: 'tooLarge' };
  return { ok: true, minor };
}
