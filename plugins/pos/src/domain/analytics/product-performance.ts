import type { RequestContext } from '@atrium/sdk';
import { addDays, daysBetween, DAY_START } from './report-clock.ts';

/**
 * Product performance over a period: what each product sold (completed sales), what came back
 * (returns made in the period), its margin, and how many days its current stock lasts at the
 * period's pace. The product set is every product that sold or was returned in the period plus
 * every product with stock on hand — so slow movers include products that did not sell at all.
 *
 * - top: by net revenue (sales − returns), then net quantity;
 * - slow: only products with stock, fewest net units sold first, then the most stock idle;
 * - margin: by margin (needs `read pos.Margin`; the caller checks).
 */
export type ProductSort = 'top' | 'slow' | 'margin';

export type ProductPerformance = {
  productId: string;
  sku: string;
  name: string;
  unit: string;
  archived: boolean;
  salesCount: number;
  soldMilli: number;
  revenue: number;
  returnedMilli: number;
  returns: number;
  netMilli: number;
  netRevenue: number;
  cost: number;
  margin: number;
  marginPct: number | null;
  onHandMilli: number;
  avgDailyMilli: number;
  daysOfStock: number | null;
  lastSoldAt: string | null;
};

const n = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));

const ORDER: Record<ProductSort, string> = {
  top: 'b.net_revenue desc, b.net_milli desc, b.name, b.id',
  slow: 'b.net_milli asc, b.on_hand desc, b.name, b.id',
  margin: 'b.margin desc, b.net_revenue desc, b.name, b.id',
};

export async function productPerformance(
  ctx: RequestContext,
  tz: string,
  p: { from: string; to: string; storeId?: string; categoryId?: string; sort: ProductSort; limit: number; offset: number },
): Promise<{ days: number; items: ProductPerformance[]; total: number }> {
  const days = daysBetween(p.from, p.to) + 1;
  const range = [p.from, tz, addDays(p.to, 1), tz];
  const store = (col: string) => (p.storeId ? `and ${col} = ?` : '');
  const storeArg = p.storeId ? [p.storeId] : [];
  const base = `with sold as (
       select l.product_id, count(distinct l.sale_id)::int as sales, sum(l.qty_milli)::bigint as qty, sum(l.total)::bigint as revenue,
              sum(l.tax)::bigint as tax, sum(l.cost)::bigint as cost, max(s.sold_at) as last_sold_at
       from pos.sale s join pos.sale_line l on l.tenant_id = s.tenant_id and l.sale_id = s.id
       where s.status = 'completed' and s.sold_at >= ${DAY_START} and s.sold_at < ${DAY_START} ${store('s.store_id')}
       group by 1
     ), ret as (
       select l.product_id, sum(j."qtyMilli")::bigint as qty, sum(j.amount)::bigint as amount,
              sum(round(l.tax::numeric * j."qtyMilli" / l.qty_milli))::bigint as tax, sum(round(l.cost::numeric * j."qtyMilli" / l.qty_milli))::bigint as cost
       from pos.sale_return r
       join pos.sale s on s.tenant_id = r.tenant_id and s.id = r.sale_id
       cross join lateral jsonb_to_recordset(r.lines) as j("lineNo" int, "qtyMilli" bigint, amount bigint)
       join pos.sale_line l on l.tenant_id = r.tenant_id and l.sale_id = r.sale_id and l.line_no = j."lineNo"
       where r.created_at >= ${DAY_START} and r.created_at < ${DAY_START} ${store('s.store_id')}
       group by 1
     ), stock as (
       select product_id, sum(on_hand_milli)::bigint as on_hand from pos.stock_level where true ${store('store_id')} group by 1
     ), u as (
       select p.id, p.sku, p.name, p.unit, p.archived,
              coalesce(sold.sales, 0) as sales, coalesce(sold.qty, 0) as sold_milli, coalesce(sold.revenue, 0) as revenue,
              coalesce(ret.qty, 0) as returned_milli, coalesce(ret.amount, 0) as returns,
              coalesce(sold.qty, 0) - coalesce(ret.qty, 0) as net_milli,
              coalesce(sold.revenue, 0) - coalesce(ret.amount, 0) as net_revenue,
              coalesce(sold.cost, 0) - coalesce(ret.cost, 0) as cost,
              (coalesce(sold.revenue, 0) - coalesce(sold.tax, 0)) - (coalesce(ret.amount, 0) - coalesce(ret.tax, 0)) as net_ex_tax,
              (coalesce(sold.revenue, 0) - coalesce(sold.tax, 0)) - (coalesce(ret.amount, 0) - coalesce(ret.tax, 0)) - (coalesce(sold.cost, 0) - coalesce(ret.cost, 0)) as margin,
              coalesce(stock.on_hand, 0) as on_hand, sold.last_sold_at
       from pos.product p
       left join sold on sold.product_id = p.id
       left join ret on ret.product_id = p.id
       left join stock on stock.product_id = p.id
       where (sold.product_id is not null or ret.product_id is not null or (stock.on_hand > 0 and not p.archived))
         ${p.categoryId ? 'and p.category_id = ?' : ''}
     )
     select u.* from u ${p.sort === 'slow' ? 'where on_hand > 0' : ''}`;
  const args = [...range, ...storeArg, ...range, ...storeArg, ...storeArg, ...(p.categoryId ? [p.categoryId] : [])];
  const rows = await ctx.em.execute(`select b.*, count(*) over () as total from (${base}) b order by ${ORDER[p.sort]} limit ? offset ?`, [...args, p.limit, p.offset]);
  let total = n(rows[0]?.total);
  // past the last page there is no row to carry the window count
  if (!rows.length && p.offset > 0) total = n((await ctx.em.execute(`select count(*)::int as n from (${base}) b`, args))[0].n);
  return {
    days,
    total,
    items: rows.map((r: any) => {
      const netMilli = n(r.net_milli);
      const onHand = n(r.on_hand);
      const avgDaily = netMilli / days;
      const netExTax = n(r.net_ex_tax);
      return {
        productId: r.id, sku: r.sku, name: r.name, unit: r.unit, archived: r.archived,
        salesCount: n(r.sales), soldMilli: n(r.sold_milli), revenue: n(r.revenue), returnedMilli: n(r.returned_milli), returns: n(r.returns),
        netMilli, netRevenue: n(r.net_revenue), cost: n(r.cost), margin: n(r.margin),
        marginPct: netExTax ? Math.round((n(r.margin) * 1000) / netExTax) / 10 : null,
        onHandMilli: onHand,
        avgDailyMilli: Math.round(avgDaily),
        // no net sales in the period: the stock does not run out at this pace (null = never)
        daysOfStock: avgDaily > 0 ? Math.round((Math.max(onHand, 0) / avgDaily) * 10) / 10 : null,
        lastSoldAt: r.last_sold_at ?? null,
      };
    }),
  };
}
