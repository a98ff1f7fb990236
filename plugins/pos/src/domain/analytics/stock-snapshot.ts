import type { RequestContext } from '@atrium/sdk';
import { addDays, DAY_START } from './report-clock.ts';

/**
 * Stock snapshots: on hand and its value at cost per (store, product) at the end of a day.
 *
 * The position at the end of day D is exact whenever it is computed: today's on-hand minus every
 * ledger move made after D ended (stock_level and stock_move are read in one statement, so one
 * consistent view). That makes the daily job idempotent and lets a rebuild recreate any past day
 * from the append-only ledger. Value uses the product's cost price at the time of computing
 * (`unit_cost` is stored with the row), not a historical cost.
 */
const n = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));

/** (store, product, on hand, unit cost) at the end of a day; binds (next day, tz, [storeId]). */
function atEndOfDay(storeId?: string): string {
  return `select l.store_id, l.product_id, (l.on_hand_milli - coalesce(m.later, 0))::bigint as on_hand_milli, p.cost as unit_cost
    from pos.stock_level l
    join pos.product p on p.tenant_id = l.tenant_id and p.id = l.product_id
    left join (
      select store_id, product_id, sum(qty_milli) as later from pos.stock_move where at >= ${DAY_START} group by 1, 2
    ) m on m.store_id = l.store_id and m.product_id = l.product_id
    where p.track_stock ${storeId ? 'and l.store_id = ?' : ''}`;
}

const VALUE = `round(x.on_hand_milli::numeric * x.unit_cost / 1000)::bigint`;

/** Writes the snapshot of `day` (replacing one taken before), for every store or one. */
export async function storeSnapshot(ctx: RequestContext, tz: string, day: string, storeId?: string): Promise<{ stores: number; rows: number }> {
  // two runs for the same tenant (cron + rebuild) would delete and insert the same keys at once
  await ctx.em.execute('select pg_advisory_xact_lock(hashtext(?))', [`pos.stock_snapshot:${ctx.tenantId}`]);
  const args = [addDays(day, 1), tz, ...(storeId ? [storeId] : [])];
  await ctx.em.execute(`delete from pos.stock_snapshot_day where day = ? ${storeId ? 'and store_id = ?' : ''}`, [day, ...(storeId ? [storeId] : [])]);
  const stores = storeId
    ? `select ?::uuid as store_id`
    : `select store_id from pos.store_settings union select distinct store_id from pos.stock_level`;
  const days = await ctx.em.execute(
    `insert into pos.stock_snapshot_day (tenant_id, day, store_id, time_zone, products, value)
     select ?, ?, st.store_id, ?, count(x.product_id)::int, coalesce(sum(${VALUE}), 0)::bigint
     from (${stores}) st
     left join (${atEndOfDay(storeId)}) x on x.store_id = st.store_id and x.on_hand_milli <> 0
     group by st.store_id
     returning store_id`,
    [ctx.tenantId, day, tz, ...(storeId ? [storeId] : []), ...args],
  );
  const rows = await ctx.em.execute(
    `insert into pos.stock_snapshot (tenant_id, day, store_id, product_id, on_hand_milli, unit_cost, value)
     select ?, ?, x.store_id, x.product_id, x.on_hand_milli, x.unit_cost, ${VALUE}
     from (${atEndOfDay(storeId)}) x where x.on_hand_milli <> 0
     returning 1`,
    [ctx.tenantId, day, ...args],
  );
  return { stores: days.length, rows: rows.length };
}

export type StockRow = { storeId: string; productId: string; sku: string; name: string; unit: string; onHandMilli: number; unitCost: number; value: number };

/**
 * The stock of `day`: the stored snapshot when one exists for it in the current time zone,
 * otherwise computed from the ledger now (today: the position so far).
 */
export async function readStock(
  ctx: RequestContext,
  tz: string,
  day: string,
  opts: { storeId?: string; q?: string; limit: number; offset: number },
): Promise<{ live: boolean; computedAt: string | null; items: StockRow[]; total: number; totals: { products: number; value: number } }> {
  const storeArg = opts.storeId ? [opts.storeId] : [];
  const [snap] = await ctx.em.execute(
    `select count(*)::int as stores, min(computed_at) as computed_at, coalesce(sum(products), 0)::int as products, coalesce(sum(value), 0)::bigint as value
     from pos.stock_snapshot_day where day = ? and time_zone = ? ${opts.storeId ? 'and store_id = ?' : ''}`,
    [day, tz, ...storeArg],
  );
  const live = snap.stores === 0;
  const source = live
    ? `(${atEndOfDay(opts.storeId)}) x`
    : `(select store_id, product_id, on_hand_milli, unit_cost from pos.stock_snapshot where day = ? ${opts.storeId ? 'and store_id = ?' : ''}) x`;
  const sourceArgs = live ? [addDays(day, 1), tz, ...storeArg] : [day, ...storeArg];
  const qCond = opts.q ? `and (p.name ilike ? or p.sku ilike ?)` : '';
  const qArgs = opts.q ? [`%${opts.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`, `%${opts.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`] : [];
  const rows = await ctx.em.execute(
    `select x.store_id, x.product_id, p.sku, p.name, p.unit, x.on_hand_milli, x.unit_cost, ${VALUE} as value,
            count(*) over () as total, sum(${VALUE}) over () as total_value
     from ${source}
     join pos.product p on p.tenant_id = ? and p.id = x.product_id
     where x.on_hand_milli <> 0 ${qCond}
     order by p.name, p.id, x.store_id
     limit ? offset ?`,
    [...sourceArgs, ctx.tenantId, ...qArgs, opts.limit, opts.offset],
  );
  let total = n(rows[0]?.total);
  let totals = { products: total, value: n(rows[0]?.total_value) };
  if (!rows.length && opts.offset > 0) {
    // past the last page: the window totals are not there, count separately
    const [c] = await ctx.em.execute(
      `select count(*)::int as total, coalesce(sum(${VALUE}), 0)::bigint as value from ${source} join pos.product p on p.tenant_id = ? and p.id = x.product_id where x.on_hand_milli <> 0 ${qCond}`,
      [...sourceArgs, ctx.tenantId, ...qArgs],
    );
    total = c.total;
    totals = { products: c.total, value: n(c.value) };
  }
  if (!live && !opts.q) totals = { products: snap.products, value: n(snap.value) };
  return {
    live,
    computedAt: live ? null : snap.computed_at,
    items: rows.map((r: any) => ({
      storeId: r.store_id, productId: r.product_id, sku: r.sku, name: r.name, unit: r.unit,
      onHandMilli: n(r.on_hand_milli), unitCost: n(r.unit_cost), value: n(r.value),
    })),
    total,
    totals,
  };
}

/** On hand of one product on every snapshotted day of the range (zero on days it had none). */
export async function stockHistory(ctx: RequestContext, tz: string, productId: string, from: string, to: string, storeId?: string) {
  const rows = await ctx.em.execute(
    `select to_char(d.day, 'YYYY-MM-DD') as day, d.store_id, coalesce(s.on_hand_milli, 0)::bigint as on_hand_milli, s.unit_cost, coalesce(s.value, 0)::bigint as value
     from pos.stock_snapshot_day d
     left join pos.stock_snapshot s on s.tenant_id = d.tenant_id and s.day = d.day and s.store_id = d.store_id and s.product_id = ?
     where d.day between ? and ? and d.time_zone = ? ${storeId ? 'and d.store_id = ?' : ''}
     order by d.day, d.store_id`,
    [productId, from, to, tz, ...(storeId ? [storeId] : [])],
  );
  return rows.map((r: any) => ({ day: r.day, storeId: r.store_id, onHandMilli: n(r.on_hand_milli), unitCost: r.unit_cost === null ? null : n(r.unit_cost), value: n(r.value) }));
}
