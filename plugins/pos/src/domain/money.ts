/**
 * Money arithmetic in integer minor units. Quantities are thousandths (`qtyMilli`: 1 pc = 1000,
 * 0.250 kg = 250) so weighed goods never become floats. Rounding is half away from zero, once per
 * line, and spreads use the largest-remainder method so parts always add up to the whole.
 */

/** round(a / b) half away from zero, for integers (b > 0). */
export function divRound(a: number, b: number): number {
  const q = Math.trunc(a / b);
  const r = a - q * b;
  if (Math.abs(r) * 2 >= b) return q + Math.sign(a);
  return q;
}

/** Price of `qtyMilli` thousandths of a unit priced `unitPrice`. */
export function lineAmount(unitPrice: number, qtyMilli: number): number {
  return divRound(unitPrice * qtyMilli, 1000);
}

/** `amount × bp / 10000`, rounded. 1 bp = 0.01 %. */
export function ofBp(amount: number, bp: number): number {
  return divRound(amount * bp, 10_000);
}

/** The tax contained in a tax-inclusive `gross` at `bp`: gross − gross / (1 + rate). */
export function includedTax(gross: number, bp: number): number {
  if (!bp) return 0;
  return gross - divRound(gross * 10_000, 10_000 + bp);
}

/**
 * Splits `total` over `weights` proportionally (largest remainder): the parts are integers and
 * sum exactly to `total`. Zero weights get zero.
 */
export function spread(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (!sum || !total) return weights.map(() => 0);
  const raw = weights.map((w) => (total * w) / sum);
  const parts = raw.map((x) => Math.floor(x));
  let left = total - parts.reduce((a, b) => a + b, 0);
  const order = raw.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; left > 0 && k < order.length; k++, left--) parts[order[k][1]]++;
  return parts;
}

/** `123456` minor units → `1 234.56` (thin grouping, two decimals), the way receipts show money. */
export function formatMinor(amount: number): string {
  const sign = amount < 0 ? '-' : '';
  const abs = Math.abs(amount);
  const units = Math.floor(abs / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
  return `${sign}${units}.${String(abs % 100).padStart(2, '0')}`;
}

/** `2500` thousandths → `2.5`, `1000` → `1`. */
export function formatQty(qtyMilli: number): string {
  return String(qtyMilli / 1000);
}

/** PostgreSQL bigint/numeric arrive as strings; money and counts are safe integers in JS. */
export const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/**
 * The smallest coin in circulation, in minor units, where it is larger than one minor unit: tiyn
 * are gone in Kazakhstan (cash is paid in whole tenge), Ukraine's smallest coin is 10 kopiyok.
 * A shop can set its own (`cashRounding`); 1 means cash is paid to the minor unit.
 */
const SMALLEST_COIN: Record<string, number> = { KZT: 100, UAH: 10 };
export function defaultCashRounding(currency: string): number {
  return SMALLEST_COIN[currency] ?? 1;
}

/** `amount` to the nearest multiple of `unit` (halves away from zero): what cash can actually pay. */
export function roundCash(amount: number, unit: number): number {
  if (!unit || unit <= 1) return amount;
  return divRound(amount, unit) * unit;
}
