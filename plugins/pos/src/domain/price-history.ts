import type { RequestContext } from '@atrium/sdk';

/**
 * Which prices a product had in a store over a span of time, from pos.price_history (written by
 * triggers on every price change). The effective price at a moment is the store's own price when
 * one was set then, else the base price.
 */
export type PriceEvent = { storeId: string | null; price: number | null; at: number };

/** The effective price at `at` and every effective price during [from, to], from time-ordered events. */
export function pricesDuring(events: PriceEvent[], from: number, to: number): { prices: Set<number>; at: number | null } {
  let base: number | null = null;
  let own: number | null = null;
  const prices = new Set<number>();
  const effective = () => own ?? base;
  for (const e of [...events].sort((a, b) => a.at - b.at)) {
    if (e.at > to) break;
    if (e.at > from) { const p = effective(); if (p !== null) prices.add(p); }
    if (e.storeId === null) base = e.price;
    else own = e.price;
  }
  const p = effective();
  if (p !== null) prices.add(p);
  return { prices, at: p };
}

/** The price events of `productIds` in `storeId` (and their base prices) up to `until`. */
export async function priceEvents(ctx: RequestContext, productIds: string[], storeId: string, until: string): Promise<Map<string, PriceEvent[]>> {
  const rows = await ctx.sql<{ product_id: string; store_id: string | null; price: string | null; valid_from: Date }>(
    `select product_id, store_id, price, valid_from from pos.price_history
     where product_id = any($1::uuid[]) and (store_id is null or store_id = $2::uuid) and valid_from <= $3::timestamptz order by valid_from, id`,
    [productIds, storeId, until],
  );
  const out = new Map<string, PriceEvent[]>();
  for (const r of rows) {
    const list = out.get(r.product_id) ?? [];
    list.push({ storeId: r.store_id, price: r.price === null ? null : Number(r.price), at: new Date(r.valid_from).getTime() });
    out.set(r.product_id, list);
  }
  return out;
}
