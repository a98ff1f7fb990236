import { ConflictError, UnprocessableError } from '@atrium/sdk';
import { applyPromotions, inDates, localMoment, type Promotion } from './promotions.ts';
import { priceCart, type Discount, type PricedCart } from './pricing.ts';
import type { OfflineLine } from './sale-review.ts';
import type { ReviewReason, SaleInput } from './sale.ts';

/**
 * Prices a sale the way the till did, with the one pricing module both share: the store's prices
 * (or, offline, the price the till had — checked against the price history later), the shop's
 * promotions in force at the sale's moment on the shop's clock and calendar, preset discounts resolved to their
 * rate, manual discounts, the customer group's discount. Online, prices the till did not have are
 * 409 PRICE_CHANGED and a total it did not show is 409 TOTAL_CHANGED (it reloads and re-checks).
 * Offline, the till's own promotion discounts stand; where they differ from what the server finds,
 * the sale is flagged for a manager (PROMOTION_NOT_VALID), never refused.
 */
export type SalePricing = {
  priced: PricedCart;
  offlineLines: OfflineLine[];
  review: ReviewReason[];
  /** Manual discounts (what counts against the cashier's limit): not presets, not promotions, not the group's. */
  manual: { receiptTyped: boolean; linesTyped: boolean[] };
  promotions: { id: string; name: string; amount: number }[];
};

export function priceSale(
  input: SaleInput,
  o: { products: Map<string, any>; customer: any; promotions: (Promotion & { kind: string })[]; timeZone: string; now?: Date },
): SalePricing {
  const at = localMoment(input.offline && input.clientCreatedAt ? new Date(input.clientCreatedAt) : (o.now ?? new Date()), o.timeZone);
  const presets = new Map(o.promotions.filter((p) => p.rule.kind === 'preset' && inDates(p, at)).map((p) => [p.id, p.rule as { bp?: number; amount?: number }]));
  const automatic = o.promotions.filter((p) => p.rule.kind !== 'preset');
  const resolve = (d: Discount | undefined, field: string): Discount | undefined => {
    if (!d?.presetId) return d;
    const preset = presets.get(d.presetId);
    if (!preset) throw new UnprocessableError('That preset discount is not in force here', 'UNKNOWN_PRESET', { fields: [{ field, code: 'unknown', message: 'no such preset discount in force' }] });
    return preset.bp !== undefined ? { bp: preset.bp } : { amount: preset.amount };
  };
  const priceChanges: { productId: string; price: number; sent: number }[] = [];
  const offlineLines: OfflineLine[] = [];
  const lines = input.lines.map((l, i) => {
    const p = o.products.get(l.productId)!;
    const current = Number(p.store_price ?? p.price);
    let unitPrice = current;
    if (l.unitPrice !== undefined && l.unitPrice !== current) {
      // an offline till sold at the price it had (checked against the price history); online, a stale price must be confirmed
      if (input.offline) unitPrice = l.unitPrice;
      else priceChanges.push({ productId: l.productId, price: current, sent: l.unitPrice });
    }
    if (input.offline) offlineLines.push({ lineNo: i + 1, productId: l.productId, qtyMilli: l.qtyMilli, sentPrice: unitPrice, currentPrice: current });
    return {
      productId: l.productId, name: p.name, qtyMilli: l.qtyMilli, unitPrice, taxBp: Number(p.rate_bp), taxIncluded: p.tax_included,
      discount: resolve(l.discount, `lines/${i}/discount/presetId`), categoryId: p.category_id ?? null, unit: p.unit,
      ...(input.offline && l.promoDiscount !== undefined ? { promo: { amount: l.promoDiscount, promotionId: l.promotionId ?? null } } : {}),
    };
  });
  if (priceChanges.length) throw new ConflictError('Prices changed since the cart was built', 'PRICE_CHANGED', { changes: priceChanges });
  const priced = priceCart({ lines, discount: resolve(input.discount, 'discount/presetId'), groupDiscountBp: o.customer ? Number(o.customer.group_bp) : 0, promotions: automatic, at });

  const review: ReviewReason[] = [];
  if (input.offline) {
    // what the server finds in force at that moment, against what the till applied
    const found = applyPromotions(lines, automatic, at);
    const diff = priced.lines.reduce((a, l, i) => a + (l.promoDiscount - Math.min(l.gross, found[i].amount)), 0);
    const mismatch = priced.lines.some((l, i) => l.promotionId !== found[i].promotionId || l.promoDiscount !== Math.min(l.gross, found[i].amount));
    if (mismatch) review.push({ code: 'PROMOTION_NOT_VALID', difference: diff });
  }
  const names = new Map(o.promotions.map((p) => [p.id, p.name]));
  const byPromo = new Map<string, number>();
  for (const l of priced.lines) if (l.promotionId) byPromo.set(l.promotionId, (byPromo.get(l.promotionId) ?? 0) + l.promoDiscount);
  return {
    priced, offlineLines, review,
    manual: { receiptTyped: input.discount !== undefined && !input.discount.presetId, linesTyped: input.lines.map((l) => !!l.discount && !l.discount.presetId) },
    promotions: [...byPromo].map(([id, amount]) => ({ id, name: names.get(id) ?? '', amount })),
  };
}
