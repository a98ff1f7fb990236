import { defineJob, type RequestContext } from '@atrium/sdk';
import { expireReservations } from './reservations.ts';

/**
 * Low-stock alerts. A (store, product) is low when on-hand ≤ the product's `low_stock_milli`.
 * `pos.low_stock_alert` remembers the ones already announced, so `pos.stock.low.v1` goes out once
 * per crossing; when stock is back above the level the row is dropped and the next crossing
 * alerts again.
 */
export async function checkLowStock(ctx: RequestContext): Promise<{ alerted: number; recovered: number }> {
  const fresh = await ctx.em.execute(
    `with low as (
       select l.store_id, l.product_id, l.on_hand_milli, p.low_stock_milli
       from pos.stock_level l join pos.product p on p.tenant_id = l.tenant_id and p.id = l.product_id
       where p.low_stock_milli is not null and p.track_stock and not p.archived and l.on_hand_milli <= p.low_stock_milli
     ), ins as (
       insert into pos.low_stock_alert (tenant_id, store_id, product_id, on_hand_milli, threshold_milli)
       select ?, store_id, product_id, on_hand_milli, low_stock_milli from low
       on conflict (tenant_id, store_id, product_id) do nothing
       returning store_id, product_id, on_hand_milli, threshold_milli
     )
     select ins.*, p.sku, p.name, p.unit from ins join pos.product p on p.id = ins.product_id order by ins.store_id, p.sku`,
    [ctx.tenantId],
  );
  const recovered = await ctx.em.execute(
    `delete from pos.low_stock_alert a
     where not exists (
       select 1 from pos.stock_level l join pos.product p on p.tenant_id = l.tenant_id and p.id = l.product_id
       where l.store_id = a.store_id and l.product_id = a.product_id and p.low_stock_milli is not null and not p.archived and l.on_hand_milli <= p.low_stock_milli
     ) returning product_id`,
  );
  for (const r of fresh) {
    await ctx.emit('pos.stock.low.v1', {
      storeId: r.store_id, productId: r.product_id, sku: r.sku, name: r.name, unit: r.unit,
      onHandMilli: Number(r.on_hand_milli), lowStockMilli: Number(r.threshold_milli),
    });
  }
  return { alerted: fresh.length, recovered: recovered.length };
}

/** Every 10 minutes per enabled tenant. */
export const lowStockJob = defineJob({
  cron: '*/10 * * * *',
  handler: (ctx) => checkLowStock(ctx),
});

/** Every minute: reservations past their time give their stock back. */
export const expireReservationsJob = defineJob({
  cron: '* * * * *',
  handler: async (ctx) => ({ expired: await expireReservations(ctx) }),
});
