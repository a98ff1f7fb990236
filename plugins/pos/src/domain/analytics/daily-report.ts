import type { RequestContext } from '@atrium/sdk';
import { divRound } from '../money.ts';
import { addDays, dayList, DAY_START, type ReportClock } from './report-clock.ts';

/**
 * The daily sales report: one row per (store, day). Figures come only from the sales ledger
 * tables — completed sales sold that day (voided ones counted apart), their payments, and the
 * returns made that day (a return lowers the day it happens, not the day of the sale, so a closed
 * day's figures never move). The same function computes stored rows (job) and today's live row,
 * so both agree by construction.
 *
 * Margin is on takings without tax: (revenue − tax) − (returns − their tax) − (cost − cost of
 * the returned goods). A return's tax and cost are the returned share of its sale line's.
 */
export type PaymentTotals = { sales: number; refunds: number; net: number };
export type HourTotals = { hour: number; salesCount: number; revenue: number };

export type DailyFigures = {
  salesCount: number;
  revenue: number;
  discounts: number;
  tax: number;
  cost: number;
  returnsCount: number;
  returns: number;
  returnsTax: number;
  returnsCost: number;
  netRevenue: number;
  margin: number;
  marginPct: number | null;
  avgTicket: number;
  voidedCount: number;
  voidedTotal: number;
  byPayment: Record<string, PaymentTotals>;
  byHour: HourTotals[];
};

export type DailyRow = DailyFigures & { day: string; storeId: string; live: boolean; computedAt: string | null };

/** Fields only users with `read pos.Margin` may see. */
export const COST_FIELDS = ['cost', 'returnsCost', 'margin', 'marginPct'] as const;

const n = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));

function emptyFigures(): DailyFigures {
  return {
    salesCount: 0, revenue: 0, discounts: 0, tax: 0, cost: 0, returnsCount: 0, returns: 0, returnsTax: 0, returnsCost: 0,
    netRevenue: 0, margin: 0, marginPct: null, avgTicket: 0, voidedCount: 0, voidedTotal: 0, byPayment: {},
    byHour: Array.from({ length: 24 }, (_, hour) => ({ hour, salesCount: 0, revenue: 0 })),
  };
}

/** netRevenue, margin, margin % and average ticket from the summed parts. */
export function finish<T extends DailyFigures>(f: T): T {
  f.netRevenue = f.revenue - f.returns;
  const netExTax = f.revenue - f.tax - (f.returns - f.returnsTax);
  f.margin = netExTax - (f.cost - f.returnsCost);
  f.marginPct = netExTax ? Math.round((f.margin * 1000) / netExTax) / 10 : null;
  f.avgTicket = f.salesCount ? divRound(f.revenue, f.salesCount) : 0;
  for (const p of Object.values(f.byPayment)) p.net = p.sales - p.refunds;
  return f;
}

/** Sums rows (several stores, several days) into one set of figures. */
export function sumFigures(rows: DailyFigures[]): DailyFigures {
  const t = emptyFigures();
  for (const r of rows) {
    for (const k of ['salesCount', 'revenue', 'discounts', 'tax', 'cost', 'returnsCount', 'returns', 'returnsTax', 'returnsCost', 'voidedCount', 'voidedTotal'] as const) t[k] += r[k];
    for (const [m, p] of Object.entries(r.byPayment)) {
      const q = (t.byPayment[m] ??= { sales: 0, refunds: 0, net: 0 });
      q.sales += p.sales;
      q.refunds += p.refunds;
    }
    for (const h of r.byHour) {
      t.byHour[h.hour].salesCount += h.salesCount;
      t.byHour[h.hour].revenue += h.revenue;
    }
  }
  return finish(t);
}

/**
 * Computes the report of every POS store (or one) for each day of `from`..`to`, days in `tz`.
 * Stores without sales get zero rows: a closed day is a fact, not a gap.
 */
export async function computeDaily(ctx: RequestContext, tz: string, from: string, to: string, storeId?: string): Promise<DailyRow[]> {
  const range = [from, tz, addDays(to, 1), tz];
  const storeCond = storeId ? 'and s.store_id = ?' : '';
  const storeArg = storeId ? [storeId] : [];
  const day = (col: string) => `to_char((${col} at time zone ?)::date, 'YYYY-MM-DD')`;

  const sales = await ctx.em.execute(
    `select s.store_id, ${day('s.sold_at')} as day,
            count(*) filter (where s.status = 'completed')::int as n,
            coalesce(sum(s.total) filter (where s.status = 'completed'), 0)::bigint as revenue,
            coalesce(sum(s.discount_total) filter (where s.status = 'completed'), 0)::bigint as discounts,
            coalesce(sum(s.tax_total) filter (where s.status = 'completed'), 0)::bigint as tax,
            coalesce(sum(s.cost_total) filter (where s.status = 'completed'), 0)::bigint as cost,
            count(*) filter (where s.status = 'voided')::int as vn,
            coalesce(sum(s.total) filter (where s.status = 'voided'), 0)::bigint as vtotal
     from pos.sale s
     where s.sold_at >= ${DAY_START} and s.sold_at < ${DAY_START} ${storeCond}
     group by 1, 2`,
    [tz, ...range, ...storeArg],
  );
  const hours = await ctx.em.execute(
    `select s.store_id, ${day('s.sold_at')} as day, extract(hour from s.sold_at at time zone ?)::int as hour,
            count(*)::int as n, sum(s.total)::bigint as revenue
     from pos.sale s
     where s.status = 'completed' and s.sold_at >= ${DAY_START} and s.sold_at < ${DAY_START} ${storeCond}
     group by 1, 2, 3`,
    [tz, tz, ...range, ...storeArg],
  );
  const pays = await ctx.em.execute(
    `select s.store_id, ${day('s.sold_at')} as day, p.method, sum(p.amount)::bigint as amount
     from pos.sale s join pos.sale_payment p on p.tenant_id = s.tenant_id and p.sale_id = s.id
     where s.status = 'completed' and s.sold_at >= ${DAY_START} and s.sold_at < ${DAY_START} ${storeCond}
     group by 1, 2, 3`,
    [tz, ...range, ...storeArg],
  );
  // returns belong to the store of their sale and to the day they were made
  const RETURNS_FROM = 'pos.sale_return r join pos.sale s on s.tenant_id = r.tenant_id and s.id = r.sale_id';
  const RETURNS_WHERE = `r.created_at >= ${DAY_START} and r.created_at < ${DAY_START} ${storeCond}`;
  const rets = await ctx.em.execute(
    `select s.store_id, ${day('r.created_at')} as day, count(*)::int as n, sum(r.amount)::bigint as amount,
            coalesce(sum(x.tax), 0)::bigint as tax, coalesce(sum(x.cost), 0)::bigint as cost
     from ${RETURNS_FROM}
     left join lateral (
       select sum(round(l.tax::numeric * j."qtyMilli" / l.qty_milli)) as tax, sum(round(l.cost::numeric * j."qtyMilli" / l.qty_milli)) as cost
       from jsonb_to_recordset(r.lines) as j("lineNo" int, "qtyMilli" bigint)
       join pos.sale_line l on l.tenant_id = r.tenant_id and l.sale_id = r.sale_id and l.line_no = j."lineNo"
     ) x on true
     where ${RETURNS_WHERE}
     group by 1, 2`,
    [tz, ...range, ...storeArg],
  );
  const refunds = await ctx.em.execute(
    `select s.store_id, ${day('r.created_at')} as day, f.method, sum(f.amount)::bigint as amount
     from ${RETURNS_FROM} cross join lateral jsonb_to_recordset(r.refunds) as f(method text, amount bigint)
     where ${RETURNS_WHERE}
     group by 1, 2, 3`,
    [tz, ...range, ...storeArg],
  );

  const stores = storeId
    ? [storeId]
    : (await ctx.em.execute('select store_id from pos.store_settings order by store_id')).map((r: any) => r.store_id as string);
  const out = new Map<string, DailyRow>();
  const row = (store: string, d: string) => {
    const key = `${store}|${d}`;
    let r = out.get(key);
    if (!r) out.set(key, (r = { day: d, storeId: store, live: true, computedAt: null, ...emptyFigures() }));
    return r;
  };
  for (const d of dayList(from, to)) for (const s of stores) row(s, d);
  for (const s of sales) {
    const r = row(s.store_id, s.day);
    Object.assign(r, { salesCount: s.n, revenue: n(s.revenue), discounts: n(s.discounts), tax: n(s.tax), cost: n(s.cost), voidedCount: s.vn, voidedTotal: n(s.vtotal) });
  }
  for (const h of hours) Object.assign(row(h.store_id, h.day).byHour[h.hour], { salesCount: h.n, revenue: n(h.revenue) });
  for (const p of pays) (row(p.store_id, p.day).byPayment[p.method] ??= { sales: 0, refunds: 0, net: 0 }).sales += n(p.amount);
  for (const x of rets) Object.assign(row(x.store_id, x.day), { returnsCount: x.n, returns: n(x.amount), returnsTax: n(x.tax), returnsCost: n(x.cost) });
  for (const f of refunds) (row(f.store_id, f.day).byPayment[f.method] ??= { sales: 0, refunds: 0, net: 0 }).refunds += n(f.amount);
  return [...out.values()].map(finish).sort((a, b) => a.day.localeCompare(b.day) || a.storeId.localeCompare(b.storeId));
}

/** Computes and stores (upserts) the rows of `from`..`to`: re-running gives the same rows. */
export async function storeDaily(ctx: RequestContext, tz: string, from: string, to: string, storeId?: string, onlyDays?: Set<string>): Promise<number> {
  let rows = await computeDaily(ctx, tz, from, to, storeId);
  if (onlyDays) rows = rows.filter((r) => onlyDays.has(r.day));
  if (!rows.length) return 0;
  const json = rows.map((r) => ({
    store_id: r.storeId, day: r.day, sales_count: r.salesCount, revenue: r.revenue, discounts: r.discounts, tax: r.tax, cost: r.cost,
    returns_count: r.returnsCount, returns: r.returns, returns_tax: r.returnsTax, returns_cost: r.returnsCost, margin: r.margin,
    avg_ticket: r.avgTicket, voided_count: r.voidedCount, voided_total: r.voidedTotal, by_payment: r.byPayment, by_hour: r.byHour,
  }));
  await ctx.em.execute(
    `insert into pos.daily_report (tenant_id, store_id, day, time_zone, sales_count, revenue, discounts, tax, cost, returns_count, returns, returns_tax,
       returns_cost, margin, avg_ticket, voided_count, voided_total, by_payment, by_hour, computed_at)
     select ?, x.store_id, x.day, ?, x.sales_count, x.revenue, x.discounts, x.tax, x.cost, x.returns_count, x.returns, x.returns_tax,
       x.returns_cost, x.margin, x.avg_ticket, x.voided_count, x.voided_total, x.by_payment, x.by_hour, now()
     from jsonb_to_recordset(?::jsonb) as x(store_id uuid, day date, sales_count int, revenue bigint, discounts bigint, tax bigint, cost bigint,
       returns_count int, returns bigint, returns_tax bigint, returns_cost bigint, margin bigint, avg_ticket bigint, voided_count int,
       voided_total bigint, by_payment jsonb, by_hour jsonb)
     on conflict (tenant_id, store_id, day) do update set
       time_zone = excluded.time_zone, sales_count = excluded.sales_count, revenue = excluded.revenue, discounts = excluded.discounts,
       tax = excluded.tax, cost = excluded.cost, returns_count = excluded.returns_count, returns = excluded.returns,
       returns_tax = excluded.returns_tax, returns_cost = excluded.returns_cost, margin = excluded.margin, avg_ticket = excluded.avg_ticket,
       voided_count = excluded.voided_count, voided_total = excluded.voided_total, by_payment = excluded.by_payment,
       by_hour = excluded.by_hour, computed_at = excluded.computed_at`,
    [ctx.tenantId, tz, JSON.stringify(json)],
  );
  return rows.length;
}

function storedView(r: any): DailyRow {
  return finish({
    day: r.day_text, storeId: r.store_id, live: false, computedAt: r.computed_at,
    salesCount: r.sales_count, revenue: n(r.revenue), discounts: n(r.discounts), tax: n(r.tax), cost: n(r.cost),
    returnsCount: r.returns_count, returns: n(r.returns), returnsTax: n(r.returns_tax), returnsCost: n(r.returns_cost),
    netRevenue: 0, margin: 0, marginPct: null, avgTicket: 0, voidedCount: r.voided_count, voidedTotal: n(r.voided_total),
    byPayment: r.by_payment ?? {}, byHour: r.by_hour ?? [],
  });
}

/**
 * The report for `from`..`to`: stored rows for closed days, and live figures for today and for
 * any (store, closed day) the job has not stored yet — or stored in another time zone than the
 * current one.
 */
export async function readDaily(ctx: RequestContext, clock: ReportClock, from: string, to: string, storeId?: string): Promise<DailyRow[]> {
  const yesterday = addDays(clock.today, -1);
  const lastClosed = to < yesterday ? to : yesterday;
  const stored: DailyRow[] = from <= lastClosed
    ? (await ctx.em.execute(
        `select d.*, to_char(d.day, 'YYYY-MM-DD') as day_text from pos.daily_report d where day between ? and ? and time_zone = ? ${storeId ? 'and store_id = ?' : ''}`,
        [from, lastClosed, clock.timeZone, ...(storeId ? [storeId] : [])],
      )).map(storedView)
    : [];
  const have = new Set(stored.map((r) => `${r.storeId}|${r.day}`));
  const stores = storeId ? [storeId] : (await ctx.em.execute('select store_id from pos.store_settings')).map((r: any) => r.store_id as string);
  const lastDay = to < clock.today ? to : clock.today;
  const liveDays = from <= lastDay ? dayList(from, lastDay).filter((d) => d === clock.today || stores.some((st) => !have.has(`${st}|${d}`))) : [];
  const live = liveDays.length
    ? (await computeDaily(ctx, clock.timeZone, liveDays[0], liveDays[liveDays.length - 1], storeId)).filter((r) => (r.day === clock.today || liveDays.includes(r.day)) && !have.has(`${r.storeId}|${r.day}`))
    : [];
  return [...stored, ...live].sort((a, b) => a.day.localeCompare(b.day) || a.storeId.localeCompare(b.storeId));
}

/**
 * Closed days whose stored row is out of date: a sale of that day was voided after the row was
 * computed (a shift that ran past midnight). Returns never make a row stale: they count on the
 * day they are made.
 */
export async function staleDays(ctx: RequestContext, tz: string): Promise<string[]> {
  const rows = await ctx.em.execute(
    `select distinct to_char(d.day, 'YYYY-MM-DD') as day
     from pos.sale s
     join pos.daily_report d on d.tenant_id = s.tenant_id and d.store_id = s.store_id and d.day = (s.sold_at at time zone ?)::date and d.time_zone = ?
     where s.status = 'voided' and s.voided_at > d.computed_at and s.voided_at > now() - interval '40 days'
     order by 1`,
    [tz, tz],
  );
  return rows.map((r: any) => r.day);
}

/** Drops cost and margin figures for users without `read pos.Margin`. */
export function redactFigures<T extends Partial<DailyFigures>>(canSeeMargin: boolean, f: T): T {
  if (canSeeMargin) return f;
  const out: any = { ...f };
  for (const k of COST_FIELDS) delete out[k];
  return out;
}
