/**
 * Money travels as integer minor units with an ISO 4217 currency (ARCHITECTURE §8). How many minor
 * digits a currency has (KZT 2, JPY 0, KWD 3) comes from the runtime's currency data — one lookup
 * for the server, the shell and plugin UIs (`@atrium/sdk` and `@atrium/sdk/ui` export it).
 */
const digitsCache = new Map<string, number>();

/** Minor-unit digits of a currency; 2 when the runtime does not know it. */
export function currencyDigits(currency: string): number {
  const c = currency.toUpperCase();
  let d = digitsCache.get(c);
  if (d === undefined) {
    try {
      d = new Intl.NumberFormat('en', { style: 'currency', currency: c }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      d = 2;
    }
    digitsCache.set(c, d);
  }
  return d;
}
