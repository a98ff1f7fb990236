import { LOCALES, currentLocale } from './index.ts';
import { currencyDigits } from '@atrium/sdk/ui';

// Locale-aware formatting through Intl only: no date library in the shell bundle.
const intlLocale = () => LOCALES.find((l) => l.code === currentLocale())?.intl ?? 'en-US';

let businessZone: string | undefined;
/**
 * The business's time zone (GET /api/me): dates and times read on its clock — a shift that closed at
 * 23:30 in Almaty shows 23:30 whoever looks and wherever the browser is. Unknown zones are ignored.
 */
export function setBusinessTimeZone(zone: string | null | undefined) {
  try {
    businessZone = zone ? new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone : undefined;
  } catch {
    businessZone = undefined;
  }
}

export type Currency = 'KZT' | 'UAH' | 'RUB' | 'USD' | 'EUR' | (string & {});

export function formatDate(value: string | number | Date | undefined | null, style: 'date' | 'datetime' | 'time' = 'datetime'): string {
  if (value === undefined || value === null || value === '') return '—';
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  const opts: Intl.DateTimeFormatOptions =
    style === 'date' ? { dateStyle: 'medium' } : style === 'time' ? { timeStyle: 'short' } : { dateStyle: 'medium', timeStyle: 'short' };
  return new Intl.DateTimeFormat(intlLocale(), { ...opts, ...(businessZone ? { timeZone: businessZone } : {}) }).format(d);
}

export function formatRelative(value: string | number | Date): string {
  const d = value instanceof Date ? value : new Date(value);
  const diff = (d.getTime() - Date.now()) / 1000;
  const rtf = new Intl.RelativeTimeFormat(intlLocale(), { numeric: 'auto' });
  const abs = Math.abs(diff);
  if (abs < 60) return rtf.format(Math.round(diff), 'second');
  if (abs < 3600) return rtf.format(Math.round(diff / 60), 'minute');
  if (abs < 86400) return rtf.format(Math.round(diff / 3600), 'hour');
  if (abs < 86400 * 30) return rtf.format(Math.round(diff / 86400), 'day');
  return formatDate(d, 'date');
}

export function formatNumber(n: number, opts?: Intl.NumberFormatOptions): string {
  return new Intl.NumberFormat(intlLocale(), opts).format(n);
}

/** Money is stored in integer minor units (ARCHITECTURE §8); the currency says how many digits. */
export function formatMoney(minor: number, currency: Currency): string {
  return new Intl.NumberFormat(intlLocale(), { style: 'currency', currency }).format(minor / 10 ** currencyDigits(currency));
}
