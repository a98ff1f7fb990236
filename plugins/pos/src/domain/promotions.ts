import { lineAmount, ofBp, spread } from './money.ts';
import { zoneParts } from './zone-format.ts';

/**
 * Promotions the shop sets up, applied automatically by the one pricing module the server and the
 * till share (pricing.ts), so a promotion costs what the till showed. Pure: no I/O.
 *
 * - `n_for_m`: buy N, pay for M (3 for 2) of a product — per product and price, whole pieces;
 * - `percent`: X % off some products or categories (or everything);
 * - `happy_hour`: X % off during hours on some weekdays (in the shop's time zone), optionally only
 *   some products or categories.
 * A line gets the one promotion that is best for the customer; manual discounts apply on what is
 * left. `preset` promotions are named discounts a cashier picks (pensioner 5 %); the owner set them
 * up, so they do not count against the cashier's discount limit.
 */
export type PromotionScope = { productIds?: string[]; categoryIds?: string[] };
export type PromotionRule =
  | ({ kind: 'n_for_m'; buy: number; pay: number } & PromotionScope)
  | ({ kind: 'percent'; bp: number } & PromotionScope)
  | ({ kind: 'happy_hour'; bp: number; days: number[]; from: string; to: string } & PromotionScope)
  | { kind: 'preset'; bp?: number; amount?: number };
/** `validFrom`/`validTo`: inclusive days (YYYY-MM-DD) in the shop's calendar; none: always. */
export type Promotion = { id: string; name: string; rule: PromotionRule; validFrom?: string | null; validTo?: string | null };

/** The shop's local time: weekday 0 = Sunday … 6, minutes since midnight, and the day (YYYY-MM-DD) when known. */
export type LocalMoment = { weekday: number; minutes: number; date?: string };

/** Is the promotion within its dates on the shop's calendar day of `at`? */
export function inDates(p: Pick<Promotion, 'validFrom' | 'validTo'>, at: LocalMoment): boolean {
  if (!at.date) return true;
  return (!p.validFrom || p.validFrom <= at.date) && (!p.validTo || at.date <= p.validTo);
}

export type PromoLine = { productId: string; categoryId?: string | null; qtyMilli: number; unitPrice: number; unit?: string };
export type PromoResult = { amount: number; promotionId: string | null };

const minutesOf = (hhmm: string) => { const [h, m] = hhmm.split(':').map(Number); return h * 60 + m; };

function inScope(s: PromotionScope, l: PromoLine): boolean {
  if (!s.productIds?.length && !s.categoryIds?.length) return true;
  return !!s.productIds?.includes(l.productId) || (!!l.categoryId && !!s.categoryIds?.includes(l.categoryId));
}

/** Is `at` inside the happy hour (a window past midnight, 22:00–02:00, counts from its start day)? */
export function inHappyHour(r: { days: number[]; from: string; to: string }, at: LocalMoment): boolean {
  const from = minutesOf(r.from);
  const to = minutesOf(r.to);
  if (from <= to) return r.days.includes(at.weekday) && at.minutes >= from && at.minutes < to;
  return (r.days.includes(at.weekday) && at.minutes >= from) || (r.days.includes((at.weekday + 6) % 7) && at.minutes < to);
}

/** Each line's discount under each automatic promotion, the best one per line. */
export function applyPromotions(lines: PromoLine[], promotions: Promotion[], at: LocalMoment): PromoResult[] {
  const best: PromoResult[] = lines.map(() => ({ amount: 0, promotionId: null }));
  const offer = (i: number, amount: number, id: string) => { if (amount > best[i].amount) best[i] = { amount, promotionId: id }; };
  for (const p of promotions) {
    const r = p.rule;
    if (r.kind === 'preset' || !inDates(p, at)) continue;
    if (r.kind === 'percent' || r.kind === 'happy_hour') {
      if (r.kind === 'happy_hour' && !inHappyHour(r, at)) continue;
      lines.forEach((l, i) => { if (inScope(r, l)) offer(i, ofBp(lineAmount(l.unitPrice, l.qtyMilli), r.bp), p.id); });
      continue;
    }
    // N for M: per product and unit price, whole pieces; the free pieces' price spread over its lines
    if (!(r.buy > r.pay && r.pay >= 0)) continue;
    const groups = new Map<string, number[]>();
    lines.forEach((l, i) => {
      if (!inScope(r, l) || (l.unit && l.unit !== 'pcs')) return;
      const k = `${l.productId}|${l.unitPrice}`;
      groups.set(k, [...(groups.get(k) ?? []), i]);
    });
    for (const idx of groups.values()) {
      const pieces = Math.floor(idx.reduce((a, i) => a + lines[i].qtyMilli, 0) / 1000);
      const free = Math.floor(pieces / r.buy) * (r.buy - r.pay);
      if (!free) continue;
      const shares = spread(free * lines[idx[0]].unitPrice, idx.map((i) => lines[i].qtyMilli));
      idx.forEach((i, k) => offer(i, shares[k], p.id));
    }
  }
  return best;
}

/** The weekday, minutes and day of `at` on the shop's clock. */
export function localMoment(at: Date, timeZone: string): LocalMoment {
  const parts = zoneParts('clock', timeZone, at);
  const weekday = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(parts.weekday);
  return { weekday, minutes: Number(parts.hour) * 60 + Number(parts.minute), date: `${parts.year}-${parts.month}-${parts.day}` };
}
