import { divRound, includedTax, lineAmount, ofBp, roundCash, spread } from './money.ts';

import { applyPromotions, type LocalMoment, type Promotion } from './promotions.ts';

export { defaultCashRounding, roundCash } from './money.ts';
export { applyPromotions, inHappyHour, localMoment, type LocalMoment, type Promotion, type PromotionRule } from './promotions.ts';

/**
 * Cart pricing, shared by the server (the sale it stores) and the checkout screen (what the
 * cashier sees, also offline), so the two can never disagree by a tiyn. Pure: no I/O, no SDK.
 *
 * Order: line gross = unit price × qty → the best automatic promotion (promotions.ts) → line
 * discount → receipt discount (explicit, else the customer group's) spread over lines by what is
 * left of them → tax per line (included in the price, or added on top). All amounts are integer
 * minor units.
 */

/** A discount in basis points or an amount; `presetId`: one of the shop's preset discounts (its bp/amount). */
export type Discount = { bp?: number; amount?: number; presetId?: string };

export type CartLineInput = {
  productId: string;
  name: string;
  qtyMilli: number;
  unitPrice: number;
  taxBp: number;
  taxIncluded: boolean;
  discount?: Discount;
  /** For promotions: its category and unit. */
  categoryId?: string | null;
  unit?: string;
  /** A promotion discount fixed by the caller (an offline till's own), instead of computing it. */
  promo?: { amount: number; promotionId: string | null };
};

export type PricedLine = CartLineInput & {
  gross: number;
  /** What the line's promotion took off (promotionId names it). */
  promoDiscount: number;
  promotionId: string | null;
  lineDiscount: number;
  receiptDiscount: number;
  tax: number;
  /** What the customer pays for the line, tax included. */
  total: number;
};

export type PricedCart = {
  lines: PricedLine[];
  subtotal: number;
  discountTotal: number;
  taxTotal: number;
  total: number;
  /** The receipt-level discount rate that was applied (explicit or the group's), basis points. */
  receiptDiscountBp: number;
};

export function priceCart(input: { lines: CartLineInput[]; discount?: Discount; groupDiscountBp?: number; promotions?: Promotion[]; at?: LocalMoment }): PricedCart {
  const promos = input.promotions?.length && input.at ? applyPromotions(input.lines, input.promotions, input.at) : input.lines.map(() => ({ amount: 0, promotionId: null }));
  const pre = input.lines.map((l, i) => {
    const gross = lineAmount(l.unitPrice, l.qtyMilli);
    const promo = l.promo ?? promos[i];
    const promoDiscount = Math.min(gross, Math.max(0, promo.amount));
    const after = gross - promoDiscount;
    const want = l.discount?.amount ?? (l.discount?.bp ? ofBp(after, l.discount.bp) : 0);
    return { ...l, gross, promoDiscount, promotionId: promoDiscount ? promo.promotionId : null, lineDiscount: Math.min(after, Math.max(0, want)) };
  });
  const rest = pre.map((l) => l.gross - l.promoDiscount - l.lineDiscount);
  const restSum = rest.reduce((a, b) => a + b, 0);
  const bp = input.discount?.bp ?? (input.discount?.amount === undefined ? input.groupDiscountBp ?? 0 : 0);
  const wanted = input.discount?.amount ?? ofBp(restSum, bp);
  const receiptDiscount = Math.min(restSum, Math.max(0, wanted));
  const shares = spread(receiptDiscount, rest);
  const lines: PricedLine[] = pre.map((l, i) => {
    const net = rest[i] - shares[i];
    const tax = l.taxIncluded ? includedTax(net, l.taxBp) : ofBp(net, l.taxBp);
    return { ...l, receiptDiscount: shares[i], tax, total: l.taxIncluded ? net : net + tax };
  });
  const sum = (f: (l: PricedLine) => number) => lines.reduce((a, l) => a + f(l), 0);
  return {
    lines,
    subtotal: sum((l) => l.gross),
    discountTotal: sum((l) => l.promoDiscount + l.lineDiscount + l.receiptDiscount),
    taxTotal: sum((l) => l.tax),
    total: sum((l) => l.total),
    receiptDiscountBp: input.discount?.amount !== undefined ? 0 : bp,
  };
}

export type TenderMethod = 'cash' | 'card' | 'credit' | 'account' | 'points' | 'gift_card' | 'kaspi_qr';

export type TenderInput = {
  method: TenderMethod;
  /** The part of the total this tender pays. */
  amount: number;
  /** Cash only: what the customer handed over (≥ amount); the difference is change. */
  tendered?: number;
  /** Card: the external terminal's authorisation/reference number. */
  reference?: string;
  /** Gift card code. */
  giftCardCode?: string;
  /** Card: which of the shop's card terminals took it (reports by payment type count them apart). */
  terminalId?: string;
  /** Kaspi QR: the payment intent the customer paid (it must be captured, for this amount and this sale). */
  intentId?: string;
};

/** What is wrong with one payment of a split tender; `code` is worded by the POS catalog (also in the offline till). */
export type TenderProblemCode = 'AMOUNT' | 'TENDERED_TOO_LOW' | 'TENDERED_NOT_CASH' | 'CARD_REFERENCE' | 'GIFT_CARD_CODE' | 'CUSTOMER_REQUIRED' | 'PAYMENT_MISMATCH' | 'KASPI_INTENT';
export type TenderProblem = { field: string; code: TenderProblemCode; params?: Record<string, unknown>; message: string };

/**
 * What the customer pays for `total` when `nonCash` of it goes on card, credit and the like and
 * the rest is cash: the cash part is rounded to the smallest coin (`cashRounding` minor units),
 * so with cash in the tender the amount due may differ from the total by the rounding.
 */
export function cashDue(total: number, nonCash: number, cashRounding = 1): { due: number; rounding: number } {
  const cash = total - nonCash;
  if (cash <= 0 || cashRounding <= 1) return { due: total, rounding: 0 };
  const rounded = roundCash(cash, cashRounding);
  return { due: nonCash + rounded, rounding: rounded - cash };
}

/**
 * Checks a split tender against the total: the parts must add up to the amount due exactly — the
 * total, with the cash part rounded to the smallest coin when cash is among them (`rounding` is
 * that difference; change comes only from cash `tendered`) — card payments need their terminal
 * reference, and customer tenders (credit, account, points) need a customer.
 */
export function settleTenders(total: number, tenders: TenderInput[], opts: { hasCustomer: boolean; cashRounding?: number }): { paid: number; changeDue: number; rounding: number; due: number; problems: TenderProblem[] } {
  const problems: TenderProblem[] = [];
  let paid = 0;
  let changeDue = 0;
  tenders.forEach((t, i) => {
    const f = `payments/${i}`;
    if (!Number.isInteger(t.amount) || t.amount <= 0) problems.push({ field: `${f}/amount`, code: 'AMOUNT', message: 'must be a positive amount' });
    paid += t.amount;
    if (t.method === 'cash' && t.tendered !== undefined) {
      if (t.tendered < t.amount) problems.push({ field: `${f}/tendered`, code: 'TENDERED_TOO_LOW', message: 'cash handed over is less than the amount it pays' });
      else changeDue += t.tendered - t.amount;
    }
    if (t.method !== 'cash' && t.tendered !== undefined) problems.push({ field: `${f}/tendered`, code: 'TENDERED_NOT_CASH', message: 'only cash can be tendered with change' });
    if (t.method === 'card' && !t.reference) problems.push({ field: `${f}/reference`, code: 'CARD_REFERENCE', message: "is required: the card terminal's reference" });
    if (t.method === 'gift_card' && !t.giftCardCode) problems.push({ field: `${f}/giftCardCode`, code: 'GIFT_CARD_CODE', message: 'is required for gift card payments' });
    if (t.method === 'kaspi_qr' && !t.intentId) problems.push({ field: `${f}/intentId`, code: 'KASPI_INTENT', message: 'is required: the Kaspi QR payment the customer made' });
    if ((t.method === 'credit' || t.method === 'account' || t.method === 'points') && !opts.hasCustomer) {
      problems.push({ field: `${f}/method`, code: 'CUSTOMER_REQUIRED', params: { method: t.method }, message: `${t.method} payments need a customer on the sale` });
    }
  });
  const hasCash = tenders.some((t) => t.method === 'cash');
  const nonCash = tenders.filter((t) => t.method !== 'cash').reduce((a, t) => a + t.amount, 0);
  const { due, rounding } = hasCash ? cashDue(total, nonCash, opts.cashRounding) : { due: total, rounding: 0 };
  if (paid !== due) problems.push({ field: 'payments', code: 'PAYMENT_MISMATCH', params: { paid, total, due }, message: rounding ? `payments add up to ${paid}, due is ${due} (the total ${total} with cash rounded to the coin)` : `payments add up to ${paid}, the total is ${total}` });
  return { paid, changeDue, rounding, due, problems };
}

/**
 * What returning `qtyMilli` more of a sold line gives back: its share of the line total, counted
 * as (total × returned after − total × returned before) / sold, so partial returns never add up
 * to more or less than the line cost — the last part returns exactly what is left. The till shows
 * it before the return; the server books it.
 */
export function returnAmount(line: { total: number; qtyMilli: number; returnedMilli: number }, qtyMilli: number): number {
  const before = line.returnedMilli;
  const after = before + qtyMilli;
  return divRound(line.total * after, line.qtyMilli) - divRound(line.total * before, line.qtyMilli);
}
