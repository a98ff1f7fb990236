import { ConflictError, NotFoundError, UnprocessableError, type RequestContext } from '@atrium/sdk';
import { requireStore } from './stores.ts';

/**
 * Reservations hold stock for an order or a layaway: `stock_level.reserved_milli` grows by a
 * guarded update (never past on-hand unless the store allows negative stock), and sales take only
 * from on-hand minus reserved (stock-ledger takeStock). A reservation ends released, consumed (the
 * sale that fulfils it) or expired (job) — each gives the reserved quantity back exactly once,
 * because only the update that moves it out of `active` does.
 */

export type ReservationInput = { storeId: string; productId: string; qtyMilli: number; expiresAt?: string | null; refType?: string | null; refId?: string | null };

export async function reserve(ctx: RequestContext, input: ReservationInput): Promise<string> {
  const store = await requireStore(ctx, input.storeId);
  const [p] = await ctx.em.execute('select track_stock, archived from pos.product where id = ?', [input.productId]);
  if (!p) throw new NotFoundError('No such product (productId)', { subject: 'pos.Product', field: 'productId' });
  if (!p.track_stock) throw new UnprocessableError('The product does not track stock', 'NOT_TRACKED');
  if (input.expiresAt && new Date(input.expiresAt).getTime() <= Date.now()) throw new UnprocessableError('expiresAt is in the past', 'EXPIRED', { field: 'expiresAt' });
  const rows = await ctx.em.execute(
    `update pos.stock_level set reserved_milli = reserved_milli + ?, updated_at = now()
     where store_id = ? and product_id = ? and (? or on_hand_milli - reserved_milli >= ?) returning reserved_milli`,
    [input.qtyMilli, input.storeId, input.productId, store.allowNegativeStock, input.qtyMilli],
  );
  if (!rows.length) {
    if (store.allowNegativeStock) {
      await ctx.em.execute(
        `insert into pos.stock_level (tenant_id, store_id, product_id, reserved_milli) values (?, ?, ?, ?)
         on conflict (tenant_id, store_id, product_id) do update set reserved_milli = pos.stock_level.reserved_milli + excluded.reserved_milli, updated_at = now()`,
        [ctx.tenantId, input.storeId, input.productId, input.qtyMilli],
      );
    } else {
      const [lvl] = await ctx.em.execute('select on_hand_milli, reserved_milli from pos.stock_level where store_id = ? and product_id = ?', [input.storeId, input.productId]);
      const available = lvl ? Number(lvl.on_hand_milli) - Number(lvl.reserved_milli) : 0;
      throw new ConflictError('Not enough stock to reserve', 'OUT_OF_STOCK', { productId: input.productId, requestedMilli: input.qtyMilli, availableMilli: Math.max(0, available) });
    }
  }
  const id = crypto.randomUUID();
  await ctx.em.execute(
    `insert into pos.reservation (tenant_id, id, store_id, product_id, qty_milli, ref_type, ref_id, expires_at, created_by) values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [ctx.tenantId, id, input.storeId, input.productId, input.qtyMilli, input.refType ?? null, input.refId ?? null, input.expiresAt ?? null, ctx.user?.id ?? null],
  );
  return id;
}

/**
 * Ends an active reservation (released by a user, consumed by the sale that fulfils it) and
 * gives its quantity back to available stock. 409 when it is not active any more.
 */
export async function endReservation(ctx: RequestContext, id: string, status: 'released' | 'consumed'): Promise<void> {
  const [r] = await ctx.em.execute(`update pos.reservation set status = ? where id = ? and status = 'active' returning store_id, product_id, qty_milli`, [status, id]);
  if (!r) {
    const [cur] = await ctx.em.execute('select status from pos.reservation where id = ?', [id]);
    if (!cur) throw new NotFoundError('No such reservation', { subject: 'pos.Reservation' });
    throw new ConflictError(`The reservation is ${cur.status}`, 'NOT_ACTIVE', { status: cur.status });
  }
  await unreserve(ctx, [{ storeId: r.store_id, productId: r.product_id, qtyMilli: Number(r.qty_milli) }]);
}

/** Expires reservations past their time (job); returns how many. */
export async function expireReservations(ctx: RequestContext): Promise<number> {
  const rows = await ctx.em.execute(
    `update pos.reservation set status = 'expired' where status = 'active' and expires_at < now() returning store_id, product_id, qty_milli`,
  );
  await unreserve(ctx, rows.map((r: any) => ({ storeId: r.store_id, productId: r.product_id, qtyMilli: Number(r.qty_milli) })));
  return rows.length;
}

async function unreserve(ctx: RequestContext, items: { storeId: string; productId: string; qtyMilli: number }[]): Promise<void> {
  const sums = new Map<string, { storeId: string; productId: string; qtyMilli: number }>();
  for (const it of items) {
    const k = `${it.storeId}/${it.productId}`;
    const s = sums.get(k);
    if (s) s.qtyMilli += it.qtyMilli;
    else sums.set(k, { ...it });
  }
  // level rows in a fixed order, like takeStock, so concurrent writers cannot deadlock
  for (const s of [...sums.values()].sort((a, b) => (a.storeId + a.productId < b.storeId + b.productId ? -1 : 1))) {
    await ctx.em.execute('update pos.stock_level set reserved_milli = reserved_milli - ?, updated_at = now() where store_id = ? and product_id = ?', [s.qtyMilli, s.storeId, s.productId]);
  }
}
