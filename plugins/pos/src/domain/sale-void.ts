import { ConflictError, type RequestContext } from '@atrium/sdk';
import { postCustomerMoney, postGiftCard, postPoints } from './customer-ledger.ts';
import { restoreStock } from './stock-ledger.ts';

/**
 * Voids a sale made in a still-open shift (a mistake corrected on the spot; after the shift is
 * closed it is a return). Everything the sale did is undone through the ledgers: stock back into
 * its batches, credit/account/points/gift card refunded, earned points taken back.
 */
export async function voidSale(ctx: RequestContext, sale: any, reason: string) {
  if (sale.status === 'voided') return { alreadyVoided: true };
  const [shift] = await ctx.em.execute('select status from pos.shift where id = ? for key share', [sale.shift_id]);
  if (shift?.status !== 'open') throw new ConflictError('The shift of this sale is closed: make a return instead', 'SHIFT_CLOSED');
  if (Number(sale.refunded_total) > 0) throw new ConflictError('The sale has returns: return the rest instead of voiding', 'HAS_RETURNS');
  const ref = { refType: 'sale_void', refId: sale.id };
  const lines = await ctx.em.execute(
    `select l.*, p.track_stock from pos.sale_line l join pos.product p on p.tenant_id = l.tenant_id and p.id = l.product_id where l.sale_id = ? order by l.line_no`,
    [sale.id],
  );
  for (const l of lines) {
    if (l.track_stock) await restoreStock(ctx, sale.store_id, l.product_id, Number(l.qty_milli), l.batches ?? [], { ...ref, kind: 'void', note: reason });
  }
  const pays = await ctx.em.execute('select * from pos.sale_payment where sale_id = ? order by line_no', [sale.id]);
  if (sale.customer_id && Number(sale.points_earned) > 0) {
    const [c] = await ctx.em.execute('select points from pos.customer where id = ?', [sale.customer_id]);
    const take = Math.min(Number(sale.points_earned), Number(c?.points ?? 0));
    if (take > 0) await postPoints(ctx, sale.customer_id, -take, 'reverse', ref);
  }
  for (const p of pays) {
    const amount = Number(p.amount);
    if (p.method === 'credit' || p.method === 'account') await postCustomerMoney(ctx, sale.customer_id, amount, 'refund', ref);
    else if (p.method === 'points') await postPoints(ctx, sale.customer_id, amount, 'reverse', ref);
    else if (p.method === 'gift_card') await postGiftCard(ctx, { id: p.gift_card_id }, amount, 'refund', ref);
  }
  await ctx.em.execute(`update pos.sale set status = 'voided', voided_by = ?, voided_at = now(), void_reason = ? where id = ?`, [ctx.user!.id, reason, sale.id]);
  await ctx.emit('pos.sale.voided.v1', { saleId: sale.id, number: sale.number, total: Number(sale.total), reason });
  return { alreadyVoided: false };
}
