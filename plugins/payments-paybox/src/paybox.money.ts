// PayBox takes and returns amounts as decimal strings in major units ("1500.50"); we keep
// integer minor units everywhere else. Conversion is done on strings, never through floats.

// ISO 4217 minor-unit exponents for the currencies PayBox/FreedomPay merchants use.
const EXPONENT: Record<string, number> = { KZT: 2, RUB: 2, USD: 2, EUR: 2, KGS: 2, UZS: 2, GBP: 2 };

export class PayboxAmountError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayboxAmountError';
  }
}

export function currencyExponent(currency: string): number {
  const e = EXPONENT[currency.toUpperCase()];
  if (e === undefined) throw new PayboxAmountError(`Unsupported currency: ${currency}`);
  return e;
}

export function minorToDecimal(minor: number, currency: string): string {
  if (!Number.isSafeInteger(minor) || minor < 0) throw new PayboxAmountError(`Amount must be a non-negative integer of minor units, got ${minor}`);
  const e = currencyExponent(currency);
  if (e === 0) return String(minor);
  const s = String(minor).padStart(e + 1, '0');
  return `${s.slice(0, -e)}.${s.slice(-e)}`;
}

export function decimalToMinor(decimal: string, currency: string): number {
  const e = currencyExponent(currency);
  const m = /^(\d+)(?:\.(\d+))?$/.exec(decimal.trim());
  if (!m) throw new PayboxAmountError(`Not a decimal amount: ${JSON.stringify(decimal)}`);
  const frac = (m[2] ?? '').replace(/0+$/, '');
  if (frac.length > e) throw new PayboxAmountError(`${decimal} has more than ${e} decimals for ${currency}`);
  const minor = Number(m[1]!) * 10 ** e + Number(frac.padEnd(e, '0') || '0');
  if (!Number.isSafeInteger(minor)) throw new PayboxAmountError(`Amount too large: ${decimal}`);
  return minor;
}
