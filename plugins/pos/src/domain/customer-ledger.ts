import { NotFoundError, UnprocessableError, type RequestContext } from '@atrium/sdk';
import { currencyOf } from './settings.ts';

/**
 * The only code that changes a customer's money balance, loyalty points or a gift card's balance.
 * Each change is a guarded update of the projection plus a ledger row in the same transaction;
 * the guard (credit limit, points ≥ 0, card balance ≥ 0 and active) makes concurrent sales on the
 * same customer or card safe without reading first.
 */

export type LedgerRef = { refType?: string | null; refId?: string | null; note?: string | null };

/**
 * Moves money on the customer's account. `amount` > 0 puts money on it (deposit, repayment,
 * refund to account); < 0 takes it (credit sale, paying from a deposit). Taking may go down to
 * `-credit_limit` for `credit_sale`, and only down to 0 for `account_payment`; beyond → 422.
 */
export async function postCustomerMoney(
  ctx: RequestContext,
  customerId: string,
  amount: number,
  kind: 'deposit' | 'credit_sale' | 'account_payment' | 'repayment' | 'refund' | 'adjust',
  ref: LedgerRef = {},
): Promise<{ balance: number; creditLimit: number }> {
  const floor = kind === 'credit_sale' || kind === 'adjust' ? '-credit_limit' : '0';
  const rows = await ctx.em.execute(
    `update pos.customer set balance = balance + ?, updated_at = now()
     where id = ? and not archived and (? > 0 or balance + ? >= ${floor})
     returning balance, credit_limit`,
    [amount, customerId, amount, amount],
  );
  if (!rows.length) {
    const [c] = await ctx.em.execute('select balance, credit_limit, archived from pos.customer where id = ?', [customerId]);
    if (!c || c.archived) throw new NotFoundError('Customer not found', { subject: 'pos.Customer' });
    const available = kind === 'credit_sale' || kind === 'adjust' ? Number(c.balance) + Number(c.credit_limit) : Number(c.balance);
    throw new UnprocessableError(
      kind === 'credit_sale' ? 'This sale would exceed the customer\'s credit limit' : 'Not enough money on the customer\'s account',
      kind === 'credit_sale' ? 'CREDIT_LIMIT_EXCEEDED' : 'INSUFFICIENT_BALANCE',
      { customerId, requested: -amount, available: Math.max(0, available), creditLimit: Number(c.credit_limit), balance: Number(c.balance), currency: await currencyOf(ctx) },
    );
  }
  const balance = Number(rows[0].balance);
  await ctx.em.execute(
    `insert into pos.customer_ledger (tenant_id, customer_id, kind, amount, balance_after, ref_type, ref_id, note, user_id) values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [ctx.tenantId, customerId, kind, amount, balance, ref.refType ?? null, ref.refId ?? null, ref.note ?? null, ctx.user?.id ?? null],
  );
  return { balance, creditLimit: Number(rows[0].credit_limit) };
}

/** Adds (> 0) or spends (< 0) loyalty points; spending more than the customer has → 422. */
export async function postPoints(
  ctx: RequestContext,
  customerId: string,
  points: number,
  kind: 'earn' | 'redeem' | 'reverse' | 'adjust',
  ref: LedgerRef = {},
): Promise<number> {
  if (!points) return NaN;
  const rows = await ctx.em.execute(
    `update pos.customer set points = points + ?, updated_at = now() where id = ? and points + ? >= 0 returning points`,
    [points, customerId, points],
  );
  if (!rows.length) {
    const [c] = await ctx.em.execute('select points from pos.customer where id = ?', [customerId]);
    if (!c) throw new NotFoundError('Customer not found', { subject: 'pos.Customer' });
    throw new UnprocessableError('Not enough loyalty points', 'INSUFFICIENT_POINTS', { customerId, requested: -points, available: Number(c.points) });
  }
  const after = Number(rows[0].points);
  await ctx.em.execute(
    `insert into pos.loyalty_ledger (tenant_id, customer_id, kind, points, points_after, ref_type, ref_id, note, user_id) values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [ctx.tenantId, customerId, kind, points, after, ref.refType ?? null, ref.refId ?? null, ref.note ?? null, ctx.user?.id ?? null],
  );
  return after;
}

/**
 * Changes a gift card's balance: redeem (< 0) needs an active, unexpired card with enough money;
 * issue/refund (> 0) tops it up. Returns the card id and the balance after.
 */
export async function postGiftCard(
  ctx: RequestContext,
  card: { id?: string; code?: string },
  amount: number,
  kind: 'issue' | 'redeem' | 'refund' | 'adjust',
  ref: LedgerRef = {},
): Promise<{ id: string; balance: number }> {
  const by = card.id ? 'id = ?' : 'code = ?';
  const key = card.id ?? card.code?.toUpperCase();
  const rows = await ctx.em.execute(
    `update pos.gift_card set balance = balance + ?
     where ${by} and (? > 0 or (status = 'active' and (expires_on is null or expires_on >= current_date) and balance + ? >= 0))
     returning id, balance`,
    [amount, key, amount, amount],
  );
  if (!rows.length) {
    const [c] = await ctx.em.execute(`select id, balance, status, expires_on from pos.gift_card where ${by}`, [key]);
    if (!c) throw new NotFoundError('Gift card not found', { subject: 'pos.GiftCard' });
    if (c.status !== 'active') throw new UnprocessableError(`The gift card is ${c.status}`, 'GIFT_CARD_INACTIVE', { giftCardId: c.id, status: c.status });
    if (c.expires_on && new Date(c.expires_on) < new Date(new Date().toDateString())) throw new UnprocessableError('The gift card has expired', 'GIFT_CARD_EXPIRED', { giftCardId: c.id });
    throw new UnprocessableError('Not enough money on the gift card', 'GIFT_CARD_INSUFFICIENT', { giftCardId: c.id, requested: -amount, available: Number(c.balance), currency: await currencyOf(ctx) });
  }
  const { id, balance } = rows[0];
  await ctx.em.execute(
    `insert into pos.gift_card_ledger (tenant_id, gift_card_id, kind, amount, balance_after, ref_type, ref_id, user_id) values (?, ?, ?, ?, ?, ?, ?, ?)`,
    [ctx.tenantId, id, kind, amount, balance, ref.refType ?? null, ref.refId ?? null, ctx.user?.id ?? null],
  );
  return { id, balance: Number(balance) };
}
