import { lineAmount } from './money.ts';
import { priceEvents, pricesDuring } from './price-history.ts';
import type { ReviewReason } from './sale.ts';
import type { RequestContext } from '@atrium/sdk';

/**
 * Offline sales and trust (issue 24). An offline till sells at the price it had cached and stamps
 * the sale with its own clock: that really happened, so the sale is never refused — but a price
 * the product never had in that store around that time, or a time outside the till's open shift,
 * is either covered by the seller's `overridePrice` permission (recorded as approved by them) or
 * flagged for a manager with the reasons and the money at stake.
 */

/** A till's clock may run this much ahead of or behind the server's. */
const CLOCK_SKEW_MS = 5 * 60_000;
/** How old the till's cached catalogue may be: prices up to a day before the shift opened count. */
const CACHE_AGE_MS = 24 * 3_600_000;

export type OfflineLine = { lineNo: number; productId: string; qtyMilli: number; sentPrice: number; currentPrice: number };

export async function reviewOfflineSale(
  ctx: RequestContext,
  o: { clientCreatedAt?: string; shiftOpenedAt: string; storeId: string; lines: OfflineLine[]; now?: number },
): Promise<{ reasons: ReviewReason[]; difference: number }> {
  const now = o.now ?? Date.now();
  const at = o.clientCreatedAt ? Date.parse(o.clientCreatedAt) : now;
  const opened = Date.parse(o.shiftOpenedAt);
  const reasons: ReviewReason[] = [];
  if (at < opened - CLOCK_SKEW_MS || at > now + CLOCK_SKEW_MS) {
    reasons.push({ code: 'OUTSIDE_SHIFT', clientCreatedAt: new Date(at).toISOString(), shiftOpenedAt: new Date(opened).toISOString(), shiftClosedAt: null });
  }
  let difference = 0;
  const changed = o.lines.filter((l) => l.sentPrice !== l.currentPrice);
  if (changed.length) {
    const events = await priceEvents(ctx, [...new Set(changed.map((l) => l.productId))], o.storeId, new Date(Math.min(at, now)).toISOString());
    for (const l of changed) {
      const { prices, at: priceThen } = pricesDuring(events.get(l.productId) ?? [], Math.min(at, opened) - CACHE_AGE_MS, at);
      if (prices.has(l.sentPrice)) continue;
      const diff = lineAmount(priceThen ?? l.currentPrice, l.qtyMilli) - lineAmount(l.sentPrice, l.qtyMilli);
      difference += diff;
      reasons.push({ code: 'PRICE_NOT_IN_HISTORY', lineNo: l.lineNo, productId: l.productId, sentPrice: l.sentPrice, priceThen, difference: diff });
    }
  }
  return { reasons, difference };
}
