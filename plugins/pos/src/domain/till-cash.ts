import { ConflictError, NotFoundError, type RequestContext } from '@atrium/sdk';

/**
 * Cash a customer hands over at a till for something other than a sale (a deposit, a debt
 * repayment) goes into that register's drawer: it is recorded as a cash-in of the open shift, so
 * the X/Z reports expect it in the drawer.
 */
export async function recordTillCashIn(ctx: RequestContext, registerId: string, amount: number, reason: string): Promise<string> {
  const [s] = await ctx.em.execute(`select id from pos.shift where register_id = ? and status = 'open' for key share`, [registerId]);
  if (!s) {
    const [r] = await ctx.em.execute('select id from pos.register where id = ?', [registerId]);
    if (!r) throw new NotFoundError('Register not found (registerId)', { subject: 'pos.Register', field: 'registerId' });
    throw new ConflictError('Cash at a till needs an open shift on that register (registerId)', 'NO_OPEN_SHIFT');
  }
  await ctx.em.execute(
    `insert into pos.cash_move (tenant_id, id, shift_id, kind, amount, reason, user_id) values (?, ?, ?, 'in', ?, ?, ?)`,
    [ctx.tenantId, crypto.randomUUID(), s.id, amount, reason.slice(0, 300), ctx.user?.id ?? null],
  );
  return s.id;
}
