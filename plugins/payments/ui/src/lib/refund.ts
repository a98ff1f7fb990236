import type { Intent } from './types.ts';
import { parseMajor, type ParseError } from './money.ts';

/** Money that can still go back: captured minus refunded, only once the payment is captured. */
export function refundableMinor(i: Pick<Intent, 'status' | 'amountCaptured' | 'amountRefunded'>): number {
  if (i.status !== 'captured' && i.status !== 'partially_refunded') return 0;
  return Math.max(0, i.amountCaptured - i.amountRefunded);
}

export type RefundAmountError = ParseError | 'zero' | 'exceeds';

/** The refund dialog's amount check, mirroring the server (1 ≤ amount ≤ refundable). */
export function checkRefundAmount(input: string, currency: string, refundable: number): { ok: true; minor: number } | { ok: false; error: RefundAmountError } {
  const r = parseMajor(input, currency);
  if (!r.ok) return r;
  if (r.minor <= 0) return { ok: false, error: 'zero' };
  if (r.minor > refundable) return { ok: false, error: 'exceeds' };
  return r;
}

/**
 * One key per opened refund dialog: every submit from that dialog (a double click, a retry
 * after a lost answer) carries it, so the server refunds once. 128 random bits.
 */
export function newRefundKey(random: (bytes: Uint8Array) => Uint8Array = (b) => globalThis.crypto.getRandomValues(b)): string {
  const bytes = random(new Uint8Array(16));
  return `refund-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
