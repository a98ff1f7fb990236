import type { RequestContext } from '@atrium/sdk';

/**
 * The X report (any time, shift open) and the Z report (frozen on close): sales and returns per
 * payment method, voids, cash in/out and the cash the drawer should hold. Computed from the
 * stored sales, payments, returns and cash moves of the shift, never from running counters, so a
 * Z report always equals the sum of its sales.
 */
export type ShiftReport = {
  shiftId: string;
  number: number;
  registerId: string;
  openedAt: string;
  closedAt: string | null;
  currency: string;
  /** `rounding`: cash rounded to the coin on these sales (what the drawer took beyond the totals). */
  sales: { count: number; total: number; discountTotal: number; taxTotal: number; rounding: number };
  voided: { count: number; total: number };
  /** Offline sales a manager must look at (issue 24): how many, and the money at stake. */
  review: { flagged: number; difference: number; approved: number; rejected: number };
  returns: { count: number; total: number; rounding: number };
  byMethod: Record<string, { sales: number; refunds: number; net: number }>;
  /** Card payments per card terminal (to compare with each terminal's own batch report). */
  byTerminal: { terminalId: string | null; name: string | null; sales: number; count: number }[];
  cash: { openingFloat: number; sales: number; refunds: number; in: number; out: number; expected: number };
};

export async function shiftReport(ctx: RequestContext, shift: any, currency: string): Promise<ShiftReport> {
  const [s] = await ctx.em.execute(
    `select count(*) filter (where status = 'completed')::int as n,
            coalesce(sum(total) filter (where status = 'completed'), 0)::bigint as total,
            coalesce(sum(discount_total) filter (where status = 'completed'), 0)::bigint as discount,
            coalesce(sum(tax_total) filter (where status = 'completed'), 0)::bigint as tax,
            coalesce(sum(rounding) filter (where status = 'completed'), 0)::bigint as rounding,
            count(*) filter (where review_status = 'flagged')::int as flagged,
            coalesce(sum(review_difference) filter (where review_status = 'flagged'), 0)::bigint as flagged_diff,
            count(*) filter (where review_status = 'approved')::int as approved,
            count(*) filter (where review_status = 'rejected')::int as rejected,
            count(*) filter (where status = 'voided')::int as vn,
            coalesce(sum(total) filter (where status = 'voided'), 0)::bigint as vtotal
     from pos.sale where shift_id = ?`,
    [shift.id],
  );
  const pay = await ctx.em.execute(
    `select p.method, sum(p.amount)::bigint as amount
     from pos.sale_payment p join pos.sale s on s.tenant_id = p.tenant_id and s.id = p.sale_id
     where s.shift_id = ? and s.status = 'completed' group by p.method`,
    [shift.id],
  );
  const terminals = await ctx.em.execute(
    `select p.terminal_id, t.name, sum(p.amount)::bigint as amount, count(*)::int as n
     from pos.sale_payment p join pos.sale s on s.tenant_id = p.tenant_id and s.id = p.sale_id
     left join pos.card_terminal t on t.tenant_id = p.tenant_id and t.id = p.terminal_id
     where s.shift_id = ? and s.status = 'completed' and p.method = 'card' group by p.terminal_id, t.name order by t.name nulls last`,
    [shift.id],
  );
  const rets = await ctx.em.execute(
    `select count(*)::int as n, coalesce(sum(amount), 0)::bigint as total, coalesce(sum(rounding), 0)::bigint as rounding, coalesce(jsonb_agg(refunds), '[]'::jsonb) as refunds
     from pos.sale_return where shift_id = ?`,
    [shift.id],
  );
  const [cm] = await ctx.em.execute(
    `select coalesce(sum(amount) filter (where kind = 'in'), 0)::bigint as cin, coalesce(sum(amount) filter (where kind = 'out'), 0)::bigint as cout
     from pos.cash_move where shift_id = ?`,
    [shift.id],
  );
  const byMethod: ShiftReport['byMethod'] = {};
  const m = (k: string) => (byMethod[k] ??= { sales: 0, refunds: 0, net: 0 });
  for (const r of pay) m(r.method).sales += Number(r.amount);
  for (const group of rets[0].refunds as any[]) for (const rf of group ?? []) m(rf.method).refunds += Number(rf.amount);
  for (const v of Object.values(byMethod)) v.net = v.sales - v.refunds;
  const openingFloat = Number(shift.opening_float);
  const cashSales = byMethod.cash?.sales ?? 0;
  const cashRefunds = byMethod.cash?.refunds ?? 0;
  const cin = Number(cm.cin);
  const cout = Number(cm.cout);
  return {
    shiftId: shift.id,
    number: shift.number,
    registerId: shift.register_id,
    openedAt: shift.opened_at,
    closedAt: shift.closed_at ?? null,
    currency,
    sales: { count: s.n, total: Number(s.total), discountTotal: Number(s.discount), taxTotal: Number(s.tax), rounding: Number(s.rounding) },
    voided: { count: s.vn, total: Number(s.vtotal) },
    review: { flagged: s.flagged, difference: Number(s.flagged_diff), approved: s.approved, rejected: s.rejected },
    returns: { count: rets[0].n, total: Number(rets[0].total), rounding: Number(rets[0].rounding) },
    byMethod,
    byTerminal: terminals.map((r: any) => ({ terminalId: r.terminal_id, name: r.name, sales: Number(r.amount), count: r.n })),
    cash: { openingFloat, sales: cashSales, refunds: cashRefunds, in: cin, out: cout, expected: openingFloat + cashSales - cashRefunds + cin - cout },
  };
}
