import { ConflictError, ForbiddenError, UnprocessableError, ValidationError, type FieldError, type RequestContext } from '@atrium/sdk';
import { nextNumber } from './counters.ts';
import { postCustomerMoney, postGiftCard, postPoints } from './customer-ledger.ts';
import { divRound, roundCash } from './money.ts';
import { returnAmount, type TenderMethod } from './pricing.ts';
import { printReturnReceipt } from './printing.ts';
import { cashRoundingOf, posSettings } from './settings.ts';
import { restoreStock, type BatchTake } from './stock-ledger.ts';

export type ReturnInput = {
  lines: { lineNo: number; qtyMilli: number }[];
  refunds?: { method: TenderMethod; amount: number; reference?: string }[];
  /** The whole refund to this one tender (what the till's "refund to" shows); `refunds` splits it. */
  refundMethod?: TenderMethod;
  reason: string;
  restock?: boolean;
};

/**
 * Default refund order when the cashier does not choose: money the customer never handed over
 * first (credit reduces the debt, account, points, gift card), then card, cash last — the same
 * tenders the sale was paid with, never more than each one paid.
 */
const REFUND_ORDER: TenderMethod[] = ['credit', 'account', 'points', 'gift_card', 'kaspi_qr', 'card', 'cash'];

/**
 * A return against a receipt (full or partial). Guarded per line (`returned_milli + q <= qty`), so
 * two cashiers returning the same line at once cannot return more than was sold. Stock goes back
 * into the batches it came from; each tender is refunded through its ledger.
 */
export async function createReturn(ctx: RequestContext, sale: any, input: ReturnInput) {
  if (sale.status !== 'completed') throw new ConflictError('Only a completed sale can be returned', 'SALE_NOT_COMPLETED', { status: sale.status });
  const lines = await ctx.em.execute('select * from pos.sale_line where sale_id = ? order by line_no', [sale.id]);
  const byNo = new Map(lines.map((l: any) => [l.line_no, l]));
  const fields: FieldError[] = [];
  const seen = new Set<number>();
  input.lines.forEach((r, i) => {
    if (!byNo.has(r.lineNo)) fields.push({ field: `lines/${i}/lineNo`, code: 'noSuchLine', params: { lineNo: r.lineNo }, message: 'the sale has no such line' });
    if (seen.has(r.lineNo)) fields.push({ field: `lines/${i}/lineNo`, code: 'listedTwice', params: { value: r.lineNo }, message: 'line listed twice' });
    seen.add(r.lineNo);
  });
  if (fields.length) throw new ValidationError('Some return lines are invalid', fields);

  // amounts: proportional to the line total; the last part returns exactly what is left
  let amount = 0;
  const returned: { lineNo: number; productId: string; name: string; unitPrice: number; qtyMilli: number; amount: number; batches: BatchTake[] }[] = [];
  for (const [i, r] of input.lines.entries()) {
    const l: any = byNo.get(r.lineNo);
    const rows = await ctx.em.execute(
      'update pos.sale_line set returned_milli = returned_milli + ? where sale_id = ? and line_no = ? and returned_milli + ? <= qty_milli returning returned_milli',
      [r.qtyMilli, sale.id, r.lineNo, r.qtyMilli],
    );
    if (!rows.length) {
      throw new UnprocessableError(`Line ${r.lineNo}: only ${(Number(l.qty_milli) - Number(l.returned_milli)) / 1000} can still be returned`, 'RETURN_EXCEEDS_SOLD', {
        lineNo: r.lineNo, left: (Number(l.qty_milli) - Number(l.returned_milli)) / 1000,
        fields: [{ field: `lines/${i}/qtyMilli`, code: 'returnExceedsSold', params: { left: (Number(l.qty_milli) - Number(l.returned_milli)) / 1000 }, message: 'more than is left to return' }],
      });
    }
    const part = returnAmount({ total: Number(l.total), qtyMilli: Number(l.qty_milli), returnedMilli: Number(rows[0].returned_milli) - r.qtyMilli }, r.qtyMilli);
    amount += part;
    returned.push({ lineNo: r.lineNo, productId: l.product_id, name: l.name, unitPrice: Number(l.unit_price), qtyMilli: r.qtyMilli, amount: part, batches: l.batches ?? [] });
  }

  const settings = await posSettings(ctx);
  if (amount > settings.cashierRefundLimit && !ctx.can('returnOverLimit', 'pos.Sale')) {
    throw new ForbiddenError(`Returns above ${settings.cashierRefundLimit} need a manager`, 'REFUND_LIMIT', { amount, limit: settings.cashierRefundLimit, currency: settings.currency });
  }

  // what each tender can still give back
  const pays = await ctx.em.execute('select line_no, method, amount, refunded, gift_card_id, intent_id from pos.sale_payment where sale_id = ? order by line_no for update', [sale.id]);
  const refundable = (m: TenderMethod) => pays.filter((p: any) => p.method === m).reduce((a: number, p: any) => a + Number(p.amount) - Number(p.refunded), 0);
  let plan: { method: TenderMethod; amount: number; reference?: string }[];
  if (input.refunds?.length && input.refundMethod) {
    throw new ValidationError('Give refunds (split) or refundMethod (all to one tender), not both', [{ field: 'refundMethod', code: 'notWith', params: { other: 'refunds' }, message: 'conflicts with refunds' }]);
  }
  const requested = input.refunds?.length ? input.refunds : input.refundMethod ? [{ method: input.refundMethod, amount }] : null;
  if (requested) {
    const sum = requested.reduce((a, r) => a + r.amount, 0);
    if (sum !== amount) throw new UnprocessableError(`Refunds add up to ${sum}, the returned goods are worth ${amount}`, 'REFUND_MISMATCH', { amount, sum, currency: settings.currency, fields: [{ field: 'refunds', code: 'mustAddUp', params: { amount, currency: settings.currency }, message: `must add up to ${amount}` }] });
    requested.forEach((r, i) => {
      const field = input.refundMethod ? 'refundMethod' : `refunds/${i}/amount`;
      // cash can always be handed back; other tenders only up to what they paid
      if (r.method !== 'cash' && r.amount > refundable(r.method)) fields.push({ field, code: 'refundExceedsTender', params: { method: r.method, refundable: refundable(r.method), currency: settings.currency }, message: `${r.method} paid only ${refundable(r.method)} that is not yet refunded` });
      if ((r.method === 'credit' || r.method === 'account' || r.method === 'points') && !sale.customer_id) fields.push({ field: input.refundMethod ? 'refundMethod' : `refunds/${i}/method`, code: 'saleHasNoCustomer', message: 'the sale has no customer' });
    });
    if (fields.length) throw new UnprocessableError('The refund cannot be made that way', 'REFUND_INVALID', { fields });
    plan = requested;
  } else {
    plan = [];
    let left = amount;
    for (const m of REFUND_ORDER) {
      const can = Math.min(left, refundable(m));
      if (can > 0) plan.push({ method: m, amount: can });
      left -= Math.max(0, can);
    }
    if (left > 0) plan.push({ method: 'cash', amount: left });
  }

  // cash handed back is rounded to the smallest coin, like cash taken (the difference is the return's rounding)
  let rounding = 0;
  const cashPlanned = plan.filter((p) => p.method === 'cash').reduce((a, p) => a + p.amount, 0);
  if (cashPlanned > 0) {
    const cash = roundCash(cashPlanned, cashRoundingOf(settings));
    rounding = cash - cashPlanned;
    plan = [...plan.filter((p) => p.method !== 'cash'), ...(cash > 0 ? [{ method: 'cash' as const, amount: cash }] : [])];
  }

  // cash handed back comes out of an open shift's drawer on this register
  let shiftId: string | null = null;
  if (plan.some((p) => p.method === 'cash')) {
    const [s] = await ctx.em.execute(`select id from pos.shift where register_id = ? and status = 'open' for key share`, [sale.register_id]);
    if (!s) throw new ConflictError('Cash refunds need an open shift on the register', 'NO_OPEN_SHIFT');
    shiftId = s.id;
  } else {
    const [s] = await ctx.em.execute(`select id from pos.shift where register_id = ? and status = 'open'`, [sale.register_id]);
    shiftId = s?.id ?? null;
  }

  const id = crypto.randomUUID();
  const ref = { refType: 'sale_return', refId: id };
  // Kaspi QR money goes back through the payments core after this commits (a subscriber of pos.sale.returned.v1)
  const kaspiRefunds: { intentId: string; amount: number }[] = [];
  for (const p of plan) {
    // mark the sale's payments of this method refunded, oldest first
    let left = p.amount;
    for (const pay of pays.filter((x: any) => x.method === p.method)) {
      const can = Math.min(left, Number(pay.amount) - Number(pay.refunded));
      if (can <= 0) continue;
      await ctx.em.execute('update pos.sale_payment set refunded = refunded + ? where sale_id = ? and line_no = ? and refunded + ? <= amount', [can, sale.id, pay.line_no, can]);
      left -= can;
      if (p.method === 'gift_card') await postGiftCard(ctx, { id: pay.gift_card_id }, can, 'refund', ref);
      if (p.method === 'kaspi_qr' && pay.intent_id) kaspiRefunds.push({ intentId: pay.intent_id, amount: can });
    }
    if (p.method === 'credit' || p.method === 'account') await postCustomerMoney(ctx, sale.customer_id, p.amount, 'refund', ref);
    if (p.method === 'points') await postPoints(ctx, sale.customer_id, p.amount, 'reverse', ref);
  }
  // points earned on the returned part are taken back (never below zero: spent points stay spent)
  if (sale.customer_id && Number(sale.points_earned) > 0) {
    const back = divRound(Number(sale.points_earned) * amount, Math.max(1, Number(sale.total)));
    const [c] = await ctx.em.execute('select points from pos.customer where id = ?', [sale.customer_id]);
    const take = Math.min(back, Number(c?.points ?? 0));
    if (take > 0) await postPoints(ctx, sale.customer_id, -take, 'reverse', ref);
  }

  const restock = input.restock ?? true;
  if (restock) {
    const trackRows = await ctx.em.execute('select id, track_stock from pos.product where id in (select jsonb_array_elements_text(?::jsonb)::uuid)', [JSON.stringify(returned.map((r) => r.productId))]);
    const tracked = new Map<string, boolean>(trackRows.map((r: any) => [r.id, r.track_stock]));
    for (const r of returned) {
      if (!tracked.get(r.productId)) continue;
      await restoreStock(ctx, sale.store_id, r.productId, r.qtyMilli, r.batches, { ...ref, kind: 'return', note: input.reason });
    }
  }

  const number = `${sale.number}-R${await nextNumber(ctx, `return:${sale.id}`)}`;
  const lineRows = returned.map((r) => ({ lineNo: r.lineNo, productId: r.productId, qtyMilli: r.qtyMilli, amount: r.amount }));
  const [row] = await ctx.em.execute(
    `insert into pos.sale_return (tenant_id, id, sale_id, number, shift_id, amount, rounding, reason, refunds, lines, restock, created_by)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?) returning created_at`,
    [ctx.tenantId, id, sale.id, number, shiftId, amount, rounding, input.reason, JSON.stringify(plan), JSON.stringify(lineRows), restock, ctx.user!.id],
  );
  await ctx.em.execute('update pos.sale set refunded_total = refunded_total + ? where id = ?', [amount, sale.id]);
  await ctx.emit('pos.sale.returned.v1', { saleId: sale.id, returnId: id, number, amount, refunds: plan, lines: lineRows.map(({ lineNo: _n, ...r }) => r), ...(kaspiRefunds.length ? { kaspiRefunds } : {}) });
  // the return receipt goes out last, on the sale's register (drawer opens for cash handed back)
  const receipt = await printReturnReceipt(ctx, sale.register_id, {
    id, number, saleNumber: sale.number, createdAt: row.created_at, currency: String(sale.currency).trim(), amount, rounding, reason: input.reason,
    lines: returned.map((r) => ({ name: r.name, qtyMilli: r.qtyMilli, unitPrice: r.unitPrice, amount: r.amount })), refunds: plan,
  });
  return { id, saleId: sale.id, number, shiftId, amount, rounding, refunds: plan, lines: lineRows, restock, reason: input.reason, receipt };
}
