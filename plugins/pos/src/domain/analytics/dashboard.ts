import type { RequestContext } from '@atrium/sdk';
import { divRound } from '../money.ts';
import { addDays, DAY_START, type ReportClock } from './report-clock.ts';

/**
 * The admin dashboard's figures: today so far against the same weekday last week — both the
 * whole of that day and that day up to the same time of day, so a morning does not look like a
 * collapse next to a full day — plus open shifts, products at or under their low-stock level and
 * today's five best sellers. Everything is computed live from the ledgers.
 */
const n = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));

type Takings = { day: string; salesCount: number; revenue: number; returns: number; netRevenue: number; avgTicket: number };

async function takings(ctx: RequestContext, tz: string, day: string, storeId: string | undefined, until: string | null): Promise<Takings> {
  const store = storeId ? 'and s.store_id = ?' : '';
  const storeArg = storeId ? [storeId] : [];
  const end = until ? `least(${DAY_START}, ?::timestamptz)` : DAY_START;
  const endArgs = until ? [addDays(day, 1), tz, until] : [addDays(day, 1), tz];
  const [s] = await ctx.em.execute(
    `select count(*)::int as n, coalesce(sum(total), 0)::bigint as revenue from pos.sale s
     where s.status = 'completed' and s.sold_at >= ${DAY_START} and s.sold_at < ${end} ${store}`,
    [day, tz, ...endArgs, ...storeArg],
  );
  const [r] = await ctx.em.execute(
    `select coalesce(sum(r.amount), 0)::bigint as amount from pos.sale_return r join pos.sale s on s.tenant_id = r.tenant_id and s.id = r.sale_id
     where r.created_at >= ${DAY_START} and r.created_at < ${end} ${store}`,
    [day, tz, ...endArgs, ...storeArg],
  );
  const revenue = n(s.revenue);
  const returns = n(r.amount);
  return { day, salesCount: s.n, revenue, returns, netRevenue: revenue - returns, avgTicket: s.n ? divRound(revenue, s.n) : 0 };
}

/** Percentage change from `before` to `now`, one decimal; null when there is nothing to compare with. */
export function change(now: number, before: number): number | null {
  if (!before) return null;
  return Math.round(((now - before) * 1000) / before) / 10;
}

export async function dashboard(ctx: RequestContext, clock: ReportClock, storeId?: string) {
  const tz = clock.timeZone;
  const [{ now }] = await ctx.em.execute(`select to_char(now() - ${DAY_START} + (? ::date::timestamp at time zone ?), 'YYYY-MM-DD"T"HH24:MI:SS.USOF') as now`, [clock.today, tz, addDays(clock.today, -7), tz]);
  const lastWeekDay = addDays(clock.today, -7);
  const today = await takings(ctx, tz, clock.today, storeId, null);
  const lastWeekFull = await takings(ctx, tz, lastWeekDay, storeId, null);
  // the same moment of that day: now minus seven days (in the shop's wall-clock, via the zone)
  const lastWeekSoFar = await takings(ctx, tz, lastWeekDay, storeId, now);

  const store = (col: string) => (storeId ? `and ${col} = ?` : '');
  const storeArg = storeId ? [storeId] : [];
  const shifts = await ctx.em.execute(
    `select s.id, s.register_id, r.name as register_name, s.store_id, s.number, s.opened_by, s.opened_at
     from pos.shift s join pos.register r on r.tenant_id = s.tenant_id and r.id = s.register_id
     where s.status = 'open' ${store('s.store_id')} order by s.opened_at`,
    storeArg,
  );
  const [low] = await ctx.em.execute(
    `select count(*)::int as n from pos.stock_level l join pos.product p on p.tenant_id = l.tenant_id and p.id = l.product_id
     where p.track_stock and not p.archived and p.low_stock_milli is not null and l.on_hand_milli <= p.low_stock_milli ${store('l.store_id')}`,
    storeArg,
  );
  const top = await ctx.em.execute(
    `select l.product_id, max(l.name) as name, sum(l.qty_milli)::bigint as qty, sum(l.total)::bigint as revenue
     from pos.sale s join pos.sale_line l on l.tenant_id = s.tenant_id and l.sale_id = s.id
     where s.status = 'completed' and s.sold_at >= ${DAY_START} ${store('s.store_id')}
     group by l.product_id order by revenue desc, qty desc, l.product_id limit 5`,
    [clock.today, tz, ...storeArg],
  );
  return {
    day: clock.today,
    timeZone: tz,
    storeId: storeId ?? null,
    today,
    sameWeekdayLastWeek: { full: lastWeekFull, sameTime: lastWeekSoFar },
    change: {
      revenue: change(today.revenue, lastWeekSoFar.revenue),
      salesCount: change(today.salesCount, lastWeekSoFar.salesCount),
      avgTicket: change(today.avgTicket, lastWeekSoFar.avgTicket),
    },
    openShifts: {
      count: shifts.length,
      items: shifts.map((s: any) => ({ shiftId: s.id, registerId: s.register_id, registerName: s.register_name, storeId: s.store_id, number: s.number, openedBy: s.opened_by, openedAt: s.opened_at })),
    },
    lowStockCount: low.n,
    topProducts: top.map((t: any) => ({ productId: t.product_id, name: t.name, qtyMilli: n(t.qty), revenue: n(t.revenue) })),
  };
}
