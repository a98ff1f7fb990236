import { localMoment, priceCart, settleTenders, type Discount, type PricedCart, type Promotion, type TenderInput } from '@atrium/plugin-pos/pricing';
import type { CatalogProduct, Customer, PaymentInput, SalePayload } from './types.ts';

/**
 * The checkout cart, as plain data and pure functions (the page keeps it in a ref). Totals come
 * from the same `priceCart` the server runs, so what the cashier shows is what gets stored.
 */
export interface CartLine {
  key: string;
  product: CatalogProduct;
  qtyMilli: number;
  /** The price the customer is charged per unit (the store price when it was added). */
  unitPrice: number;
  discount?: Discount;
}

/** The shop's promotions in force at this till's store and its time zone (from GET /api/pos/config; kept offline). */
export interface PricingRules {
  promotions: Promotion[];
  timeZone: string;
}

export interface Cart {
  lines: CartLine[];
  discount?: Discount;
  customer?: Customer | null;
  rules?: PricingRules;
}

export const emptyCart = (rules?: PricingRules): Cart => ({ lines: [], ...(rules ? { rules } : {}) });

let seq = 0;
const lineKey = () => `l${Date.now().toString(36)}${(seq++).toString(36)}`;

/**
 * Adds a product. Pieces scanned again add up on one line; weighed goods (a scale label carries
 * its own weight) stay one line per label, the way the customer sees them on the receipt.
 */
export function addProduct(cart: Cart, product: CatalogProduct, qtyMilli = 1000, unitPrice = product.price, opts: { weighed?: boolean } = {}): Cart {
  const same = !opts.weighed && cart.lines.find((l) => l.product.id === product.id && l.unitPrice === unitPrice && !l.discount);
  if (same) return { ...cart, lines: cart.lines.map((l) => (l === same ? { ...l, qtyMilli: l.qtyMilli + qtyMilli } : l)) };
  return { ...cart, lines: [...cart.lines, { key: lineKey(), product, qtyMilli, unitPrice }] };
}

export function setQty(cart: Cart, key: string, qtyMilli: number): Cart {
  if (qtyMilli <= 0) return removeLine(cart, key);
  return { ...cart, lines: cart.lines.map((l) => (l.key === key ? { ...l, qtyMilli } : l)) };
}

/** +1 / −1 piece (or 0.1 kg for weighed goods); down to zero removes the line. */
export function stepQty(cart: Cart, key: string, dir: 1 | -1): Cart {
  const line = cart.lines.find((l) => l.key === key);
  if (!line) return cart;
  const step = line.product.unit === 'pcs' ? 1000 : 100;
  return setQty(cart, key, line.qtyMilli + dir * step);
}

export function removeLine(cart: Cart, key: string): Cart {
  return { ...cart, lines: cart.lines.filter((l) => l.key !== key) };
}

export function setLineDiscount(cart: Cart, key: string, discount: Discount | undefined): Cart {
  return { ...cart, lines: cart.lines.map((l) => (l.key === key ? { ...l, discount } : l)) };
}

/** The customer group's automatic discount, in basis points (0 without a customer). */
export function groupDiscountBp(c: Customer | null | undefined): number {
  return c?.group?.discountBp ?? c?.discountBp ?? 0;
}

/** The cart priced at `now` (happy hours and promotion dates on the shop's clock). */
export function priceOf(cart: Cart, now = new Date()): PricedCart {
  return priceCart({
    lines: cart.lines.map((l) => ({
      productId: l.product.id,
      name: l.product.name,
      qtyMilli: l.qtyMilli,
      unitPrice: l.unitPrice,
      taxBp: l.product.taxBp,
      taxIncluded: l.product.taxIncluded,
      categoryId: l.product.categoryId ?? null,
      unit: l.product.unit,
      ...(l.discount ? { discount: l.discount } : {}),
    })),
    ...(cart.discount ? { discount: cart.discount } : {}),
    groupDiscountBp: groupDiscountBp(cart.customer),
    ...(cart.rules?.promotions.length ? { promotions: cart.rules.promotions, at: localMoment(now, cart.rules.timeZone) } : {}),
  });
}

/** The cart as a parked sale keeps it (POST /api/pos/till/parked): plain JSON, without the pricing rules. */
export function parkedCart(cart: Cart): Record<string, unknown> {
  return JSON.parse(JSON.stringify({ lines: cart.lines, ...(cart.discount ? { discount: cart.discount } : {}), ...(cart.customer ? { customer: cart.customer } : {}) }));
}

/** A parked cart back at the till, priced with this till's rules; new line keys (the old ones may repeat here). */
export function restoreCart(data: Record<string, unknown>, rules?: PricingRules): Cart {
  const lines = (Array.isArray(data.lines) ? data.lines : []) as CartLine[];
  return {
    ...emptyCart(rules),
    lines: lines.filter((l) => l?.product?.id && l.qtyMilli > 0).map((l) => ({ ...l, key: lineKey() })),
    ...(data.discount ? { discount: data.discount as Discount } : {}),
    ...(data.customer ? { customer: data.customer as Customer } : {}),
  };
}

/**
 * The till's quick keys as pages: one per category that has quick keys (in the owner's category
 * order, keys by their number within it), then «other» for keys without a known category. One page
 * only (no tabs needed) when every key is of one category or none.
 */
export function quickKeyPages<P extends { categoryId?: string | null }>(keys: P[], categories: { id: string; name: string }[]): { id: string | null; name: string | null; keys: P[] }[] {
  const known = new Set(categories.map((c) => c.id));
  const pages = categories.map((c) => ({ id: c.id as string | null, name: c.name as string | null, keys: keys.filter((k) => k.categoryId === c.id) })).filter((p) => p.keys.length);
  const rest = keys.filter((k) => !k.categoryId || !known.has(k.categoryId));
  if (rest.length) pages.push({ id: null, name: null, keys: rest });
  return pages;
}

/** What is still to pay after the tenders entered so far (never negative). */
export function remaining(total: number, tenders: Pick<TenderInput, 'amount'>[]): number {
  return Math.max(0, total - tenders.reduce((a, t) => a + (t.amount || 0), 0));
}

export function checkTenders(total: number, tenders: TenderInput[], hasCustomer: boolean, cashRounding = 1) {
  return settleTenders(total, tenders, { hasCustomer, cashRounding });
}

/**
 * The POST /api/pos/sales body. Unit prices always travel: they are what the customer was shown
 * and paid (offline, the cached price is the only one the till knows). `expectedTotal` lets the
 * server refuse instead of silently charging a different amount. Offline, each line also carries
 * the promotion the till applied (the server keeps it, and flags the sale if it finds otherwise).
 */
export function buildSalePayload(cart: Cart, o: { id: string; registerId: string; payments: PaymentInput[]; offline: boolean; now?: Date; note?: string }): SalePayload {
  const now = o.now ?? new Date();
  const priced = priceOf(cart, now);
  // plain data: the page's cart is reactive, and IndexedDB cannot store a Vue proxy (a discount
  // object in the payload made the queue refuse the sale with a DataCloneError)
  return JSON.parse(JSON.stringify({
    id: o.id,
    registerId: o.registerId,
    ...(cart.customer ? { customerId: cart.customer.id } : {}),
    lines: cart.lines.map((l, i) => ({
      productId: l.product.id, qtyMilli: l.qtyMilli, unitPrice: l.unitPrice, ...(l.discount ? { discount: l.discount } : {}),
      ...(o.offline ? { promotionId: priced.lines[i].promotionId, promoDiscount: priced.lines[i].promoDiscount } : {}),
    })),
    ...(cart.discount ? { discount: cart.discount } : {}),
    payments: o.payments.map((p) => ({
      method: p.method, amount: p.amount, ...(p.tendered !== undefined ? { tendered: p.tendered } : {}), ...(p.reference ? { reference: p.reference } : {}),
      ...(p.giftCardCode ? { giftCardCode: p.giftCardCode } : {}), ...(p.terminalId ? { terminalId: p.terminalId } : {}), ...(p.intentId ? { intentId: p.intentId } : {}),
    })),
    ...(o.note ? { note: o.note } : {}),
    clientCreatedAt: now.toISOString(),
    offline: o.offline,
    expectedTotal: priced.total,
  } satisfies SalePayload)) as SalePayload;
}
