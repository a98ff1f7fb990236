/**
 * Money and quantities typed by people, turned into the integers the API speaks: minor units
 * (tiyn, kopecks) and thousandths of a unit. Accepts both decimal separators ("1 250,50" and
 * "1250.50") — Russian, Ukrainian and Kazakh keyboards give a comma.
 */

import { currencyDigits } from '@atrium/sdk/ui';

/** Minor-unit digits of a currency (KZT 2, JPY 0): the SDK's lookup, the same the server uses. */
export const fractionDigits = currencyDigits;

function parseDecimal(text: string, maxDigits: number): number | null {
  const s = text.replace(/[\s\u00a0\u202f]/g, '').replace(',', '.');
  if (!s) return null;
  const m = /^(\d+)(?:\.(\d*))?$/.exec(s);
  if (!m) return null;
  const frac = m[2] ?? '';
  if (frac.length > maxDigits) return null;
  return Number(m[1]) * 10 ** maxDigits + Number(frac.padEnd(maxDigits, '0') || 0);
}

/** "1 250,5" KZT → 125050; null when not a non-negative amount with at most the currency's digits. */
export function parseMoney(text: string, currency: string): number | null {
  const v = parseDecimal(String(text ?? ''), fractionDigits(currency));
  return v === null || !Number.isSafeInteger(v) ? null : v;
}

/** Minor units → the plain number a cashier types back ("1250.5" → "1250.50"), no grouping. */
export function minorToInput(minor: number, currency: string): string {
  const d = fractionDigits(currency);
  if (!d) return String(minor);
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  return `${sign}${Math.floor(abs / 10 ** d)}.${String(abs % 10 ** d).padStart(d, '0')}`;
}

/** "0,25" kg → 250; "3" pcs → 3000. Pieces must be whole. */
export function parseQty(text: string, unit: string): number | null {
  const v = parseDecimal(String(text ?? ''), 3);
  if (v === null || v <= 0 || !Number.isSafeInteger(v)) return null;
  if (unit === 'pcs' && v % 1000) return null;
  return v;
}

/** 250 kg-milli → "0.25"; 3000 pcs-milli → "3". */
export function formatQty(qtyMilli: number, locale?: string): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 3 }).format(qtyMilli / 1000);
}

/** Percent typed by a person → basis points ("5" → 500, "12,5" → 1250), 0–100 %. */
export function parsePercentBp(text: string): number | null {
  const v = parseDecimal(String(text ?? ''), 2);
  return v === null || v > 10_000 ? null : v;
}
