import { ConflictError, NotFoundError, UnprocessableError, ValidationError, type ActionContext, type FieldError, type RequestContext } from '@atrium/sdk';
import crypto from 'node:crypto';
import { postCustomerMoney, postGiftCard, postPoints } from './customer-ledger.ts';
import { ofBp } from './money.ts';
import { settleTenders, type Discount, type TenderInput, type TenderProblem } from './pricing.ts';
import { printReceipt } from './printing.ts';
import { priceSale } from './sale-pricing.ts';
import { reviewOfflineSale } from './sale-review.ts';
import { checkDiscountLimit, discountLimitBp, manualDiscount, MANAGER_ROLES, pointsEarned, rolesOf } from './sale-rules.ts';
import { operatorOf, useApproval } from './staff-pin.ts';
import { cashRoundingOf, posSettings, posTimeZone } from './settings.ts';
import { mergeTakes, refuseShortTake, takeSimpleCtes, takeStock, TAKEN_PRODUCTS, type BatchTake } from './stock-ledger.ts';

/** `promotionId`/`promoDiscount`: what the till's promotions took off the line (an offline sale keeps them). */
export type SaleLineInput = { productId: string; qtyMilli: number; unitPrice?: number; discount?: Discount; promotionId?: string | null; promoDiscount?: number };
export type SaleInput = {
  id: string;
  registerId: string;
  shiftId?: string;
  customerId?: string;
  lines: SaleLineInput[];
  discount?: Discount;
  payments: TenderInput[];
  note?: string;
  clientCreatedAt?: string;
  offline?: boolean;
  expectedTotal?: number;
  /** Who serves at a shared till (POST /api/pos/till/operator): the sale records them and their discount limit applies. */
  operatorToken?: string;
  /** A manager's one-time approval (POST /api/pos/till/approval) of a discount above the limit. */
  approvalToken?: string;
};


/** `action`: the caller's row rules for it apply (a sale they may not see is not found); none for the kernel-side paths (a replayed create, the public receipt). */
export async function loadSaleView(ctx: RequestContext, id: string, action?: string): Promise<SaleView | null> {
  const rule = action ? ctx.rulesSql(action, 'pos.Sale') : { sql: 'true', params: [] };
  const [s] = await ctx.em.execute(`select ${SALE_COLUMNS} from pos.sale where id = ? and ${rule.sql}`, [id, ...rule.params]);
  if (!s) return null;
  const lines = await ctx.em.execute(
    `select ${LINE_COLUMNS.split(', ').map((c) => `l.${c}`).join(', ')}, p.unit from pos.sale_line l left join pos.product p on p.tenant_id = l.tenant_id and p.id = l.product_id
     where l.sale_id = ? order by l.line_no`,
    [id],
  );
  const payments = await ctx.em.execute(`select ${PAYMENT_COLUMNS} from pos.sale_payment where sale_id = ? order by line_no`, [id]);
  return saleView(s, lines, payments);
}

export type SaleView = ReturnType<typeof saleView>;

/** Why an offline sale waits for a manager (issue 24): a price the product did not have then, or a time outside the shift. */
export type ReviewReason =
  | { code: 'PRICE_NOT_IN_HISTORY'; lineNo: number; productId: string; sentPrice: number; priceThen: number | null; difference: number }
  | { code: 'OUTSIDE_SHIFT'; clientCreatedAt: string; shiftOpenedAt: string; shiftClosedAt: string | null }
  | { code: 'DISCOUNT_OVER_LIMIT'; discount: number; max: number; limitBp: number }
  | { code: 'PROMOTION_NOT_VALID'; difference: number };

export function saleView(s: any, lines: any[], payments: any[]) {
  return {
    id: s.id,
    number: s.number,
    status: s.status as 'completed' | 'voided',
    storeId: s.store_id,
    registerId: s.register_id,
    shiftId: s.shift_id,
    customerId: s.customer_id,
    currency: String(s.currency).trim(),
    subtotal: Number(s.subtotal),
    discountTotal: Number(s.discount_total),
    taxTotal: Number(s.tax_total),
    total: Number(s.total),
    paidTotal: Number(s.paid_total),
    changeDue: Number(s.change_due),
    refundedTotal: Number(s.refunded_total),
    discountBp: s.discount_bp,
    pointsEarned: Number(s.points_earned),
    note: s.note,
    lines: lines.map((l) => ({
      lineNo: l.line_no, productId: l.product_id, name: l.name, ...(l.unit ? { unit: l.unit as string } : {}), qtyMilli: Number(l.qty_milli), unitPrice: Number(l.unit_price),
      lineDiscount: Number(l.line_discount), receiptDiscount: Number(l.receipt_discount), promoDiscount: Number(l.promo_discount ?? 0), promotionId: l.promotion_id ?? null,
      taxBp: l.tax_bp, tax: Number(l.tax), total: Number(l.total), returnedMilli: Number(l.returned_milli), batches: l.batches as BatchTake[], cost: Number(l.cost),
    })),
    payments: payments.map((p) => ({
      lineNo: p.line_no, method: p.method, amount: Number(p.amount), tendered: p.tendered === null || p.tendered === undefined ? null : Number(p.tendered),
      reference: p.reference, giftCardId: p.gift_card_id, refunded: Number(p.refunded), terminalId: p.terminal_id ?? null, intentId: p.intent_id ?? null,
    })),
    rounding: Number(s.rounding ?? 0),
    operatorId: s.operator_id ?? null,
    discountApprovedBy: s.discount_approved_by ?? null,
    promotions: (s.promotions ?? []) as { id: string; name: string; amount: number }[],
    review: { status: (s.review_status ?? 'none') as 'none' | 'flagged' | 'approved' | 'rejected', reasons: (s.review_reasons ?? []) as ReviewReason[], difference: Number(s.review_difference ?? 0), by: s.reviewed_by ?? null, at: s.reviewed_at ?? null, note: s.review_note ?? null },
    receipt: { status: s.receipt_status as string, jobId: s.receipt_job_id as string | null, error: s.receipt_error as string | null, token: s.receipt_token as string },
    fiscalStatus: s.fiscal_status,
    soldBy: s.sold_by,
    soldAt: s.sold_at,
    clientCreatedAt: s.client_created_at,
    offline: s.offline,
    voidedAt: s.voided_at,
    voidReason: s.void_reason,
    costTotal: Number(s.cost_total),
  };
}

/** Hides cost and margin from users without `read pos.Margin` (cashiers by default). */
export function redactSale<T extends SaleView>(ctx: RequestContext, v: T): T {
  if (ctx.can('read', 'pos.Margin')) return v;
  const { costTotal: _c, ...rest } = v as any;
  return { ...rest, lines: v.lines.map(({ cost: _x, ...l }) => l) } as T;
}

/** The columns `saleView` reads (named: a prepared statement's result shape must not change under a migration). */
export const SALE_COLUMNS = `id, number, status, store_id, register_id, shift_id, customer_id, currency, subtotal, discount_total, tax_total, total, paid_total,
  change_due, refunded_total, discount_bp, points_earned, cost_total, note, receipt_status, receipt_job_id, receipt_error, receipt_token, fiscal_status,
  sold_by, sold_at, client_created_at, offline, voided_at, void_reason, rounding, operator_id, discount_approved_by, promotions,
  review_status, review_reasons, review_difference, reviewed_by, reviewed_at, review_note`;
/** The columns of a sale line and payment `saleView` reads. */
export const LINE_COLUMNS = `line_no, product_id, name, qty_milli, unit_price, line_discount, receipt_discount, promo_discount, promotion_id, tax_bp, tax, total, cost, returned_milli, batches`;
export const PAYMENT_COLUMNS = `line_no, method, amount, tendered, reference, gift_card_id, refunded, terminal_id, intent_id`;

/**
 * Everything a sale needs to know, in one round trip: does it exist already (a replay), the
 * register with its open shift (key-share-locked: closing the shift locks it FOR UPDATE and so
 * waits for this sale; it is also the lock the sale's foreign key to the shift takes, so that
 * check finds it held — a FOR SHARE here made every sale upgrade its own lock into a multixact,
 * measured at ~4 ms a sale under load), the store's
 * settings, the products with their store price and tax, and the customer with the group discount.
 * $1 sale id, $2 register id, $3 product ids, $4 customer id or null.
 */
const SALE_HEAD_SQL = `select
  exists (select 1 from pos.sale where id = $1::uuid) as existing,
  (select row_to_json(x) from (
     select r.id, r.store_id, r.code, r.print_receipts, r.device_role_suffix, r.archived, s.id as shift_id, s.opened_at as shift_opened_at,
            ss.allow_negative_stock, ss.receipt_header, ss.receipt_footer
     from pos.register r
     join pos.shift s on s.tenant_id = r.tenant_id and s.register_id = r.id and s.status = 'open'
     left join pos.store_settings ss on ss.tenant_id = r.tenant_id and ss.store_id = r.store_id
     where r.id = $2::uuid
     for key share of s) x) as reg,
  exists (select 1 from pos.register where id = $2::uuid) as register_exists,
  (select coalesce(json_agg(row_to_json(x)), '[]'::json) from (
     select p.id, p.name, p.unit, p.price, p.cost, p.track_stock, p.track_batches, p.archived, sp.price as store_price,
            coalesce(t.rate_bp, 0) as rate_bp, coalesce(t.included, true) as tax_included, p.category_id
     from pos.product p
     left join pos.store_price sp on sp.tenant_id = p.tenant_id and sp.product_id = p.id and sp.store_id = (select store_id from pos.register where id = $2::uuid)
     left join pos.tax_rate t on t.tenant_id = p.tenant_id and t.id = p.tax_rate_id
     where p.id = any($3::uuid[])) x) as products,
  (select coalesce(json_agg(json_build_object('id', pr.id, 'name', pr.name, 'kind', pr.kind, 'rule', pr.rule, 'validFrom', pr.valid_from::text, 'validTo', pr.valid_to::text)), '[]'::json) from pos.promotion pr
     where pr.active and (pr.store_id is null or pr.store_id = (select store_id from pos.register where id = $2::uuid))) as promotions,
  (select row_to_json(x) from (
     select c.id, c.archived, coalesce(g.discount_bp, 0) as group_bp from pos.customer c
     left join pos.customer_group g on g.tenant_id = c.tenant_id and g.id = c.group_id
     where c.id = $4::uuid) x) as customer`;

/** SALE_HEAD_SQL for a sale: what the create action prefetches (ActionDefinition.prefetch) and createSale reads. */
export function saleHeadStatement(input: Pick<SaleInput, 'id' | 'registerId' | 'lines' | 'customerId'>): { sql: string; params: unknown[] } {
  return { sql: SALE_HEAD_SQL, params: [input.id, input.registerId, [...new Set(input.lines.map((l) => l.productId))], input.customerId ?? null] };
}

/**
 * The register's next number and the sale header (CTEs `n`, `ins`). The counter row stays locked
 * until commit, so numbers are consecutive; only the rare race of two requests with the same new
 * id (the loser inserts nothing and returns the winner's sale) leaves a gap.
 * $1 tenant, $2 counter scope, $3 sale id, $4 register code, $5 store, $6 register, $7 shift, $8 customer, $9 currency,
 * $10–$18 amounts, $19 note, $20 fiscal status, $21 user, $22 client time, $23 offline, $24 receipt token, $25 receipt status,
 * $26 the rest as one JSON object (SaleExtras: rounding, operator, approvals, promotions, review).
 */
const SALE_INSERT_CTES = `n as (
    insert into pos.counter (tenant_id, scope, value) values ($1::uuid, $2::text, 1)
    on conflict (tenant_id, scope) do update set value = pos.counter.value + 1
    returning value),
  ins as (
    insert into pos.sale (tenant_id, id, number, store_id, register_id, shift_id, customer_id, currency, subtotal, discount_total, tax_total, total,
      paid_total, change_due, discount_bp, points_earned, cost_total, note, fiscal_status, sold_by, client_created_at, offline, receipt_token, receipt_status,
      rounding, operator_id, discount_approved_by, promotions, review_status, review_reasons, review_difference)
    select $1::uuid, $3::uuid, $4::text || '-' || lpad(n.value::text, 6, '0'), $5::uuid, $6::uuid, $7::uuid, $8::uuid, $9::text, $10::bigint, $11::bigint,
      $12::bigint, $13::bigint, $14::bigint, $15::bigint, $16::int, $17::bigint, $18::bigint, $19::text, $20::text, $21::uuid, $22::timestamptz, $23::boolean,
      $24::text, $25::text, (x->>'rounding')::bigint, (x->>'operatorId')::uuid, (x->>'discountApprovedBy')::uuid, x->'promotions', x->>'reviewStatus',
      x->'reviewReasons', (x->>'reviewDifference')::bigint
    from n, (select $26::jsonb as x) extras
    on conflict (tenant_id, id) do nothing
    returning ${SALE_COLUMNS})`;

/** Lines and payments (CTEs `li`, `pa`) from two JSON arrays: one fixed text whatever their count. `gate`: only if this holds. */
function lineAndPaymentCtes(p: { tenant: string; sale: string; lines: string; payments: string; gate?: string }): string {
  const where = p.gate ? `where ${p.gate}` : '';
  return `li as (
    insert into pos.sale_line (tenant_id, sale_id, line_no, product_id, name, qty_milli, unit_price, line_discount, receipt_discount, promo_discount, promotion_id, tax_bp, tax, total, cost, batches)
    select ${p.tenant}::uuid, ${p.sale}::uuid, r.line_no, r.product_id, r.name, r.qty_milli, r.unit_price, r.line_discount, r.receipt_discount, r.promo_discount, r.promotion_id, r.tax_bp, r.tax, r.total, r.cost, r.batches
    from jsonb_to_recordset(${p.lines}::jsonb) as r(line_no int, product_id uuid, name text, qty_milli bigint, unit_price bigint, line_discount bigint,
      receipt_discount bigint, promo_discount bigint, promotion_id uuid, tax_bp int, tax bigint, total bigint, cost bigint, batches jsonb) ${where}
    returning 1),
  pa as (
    insert into pos.sale_payment (tenant_id, sale_id, line_no, method, amount, tendered, reference, gift_card_id, points, terminal_id, intent_id)
    select ${p.tenant}::uuid, ${p.sale}::uuid, r.line_no, r.method, r.amount, r.tendered, r.reference, r.gift_card_id, r.points, r.terminal_id, r.intent_id
    from jsonb_to_recordset(${p.payments}::jsonb) as r(line_no int, method text, amount bigint, tendered bigint, reference text, gift_card_id uuid, points bigint,
      terminal_id uuid, intent_id text) ${where}
    returning 1)`;
}

const INSERT_SALE_SQL = `with ${SALE_INSERT_CTES} select * from ins`;

const INSERT_LINES_AND_PAYMENTS_SQL = `with ${lineAndPaymentCtes({ tenant: '$1', sale: '$2', lines: '$3', payments: '$4' })} select 1`;

/**
 * The common sale — goods without batches, no negative stock, paid in cash and/or card — in ONE
 * statement: number and header, stock taken (guarded, product order), its moves, lines and
 * payments. Each round trip costs the server and the kernel more than the work in it, and this
 * replaces three. Nothing is taken or written when the header was not inserted (a racing duplicate
 * id); a product without enough stock is reported in `done` and the caller throws, which rolls the
 * whole transaction back. $1–$26 as SALE_INSERT_CTES, $27 product ids, $28 quantities, $29 lines, $30 payments.
 */
const RECORD_SALE_SQL = `with ${SALE_INSERT_CTES},
  ${takeSimpleCtes({ ids: '$27', qtys: '$28', store: '$5', tenant: '$1', kind: `'sale'`, refType: `'sale'`, refId: '$3', user: '$21', note: 'null', gate: 'exists (select 1 from ins)' })},
  ${lineAndPaymentCtes({ tenant: '$1', sale: '$3', lines: '$29', payments: '$30', gate: 'exists (select 1 from ins)' })}
  select ins.*, ${TAKEN_PRODUCTS} as taken from ins`;

/** Tenders that only record money (no customer, points or gift-card ledger to post to). */
const PLAIN_TENDERS = new Set(['cash', 'card', 'kaspi_qr']);

/**
 * Records a sale: prices the cart with the shared pricing module, checks the tenders, takes the
 * stock (guarded, FEFO), charges customer credit / account / points / gift cards through their
 * ledgers, earns points, and writes lines and payments — all in the request's one transaction.
 *
 * The sale id comes from the client. A sale that already exists is returned as it is (an offline
 * till replaying its queue, or a retry that lost its Idempotency-Key), so nothing sells twice.
 */
export async function createSale(ctx: ActionContext<SaleInput>, input: SaleInput, prefetchedHead?: any[] | null): Promise<{ sale: SaleView; replayed: boolean }> {
  // Everything the sale needs to know, in one round trip: does it exist already (a replay), the
  // register with its open shift (share-locked: closing the shift waits for this sale), the store's
  // settings, the products with their store price and tax, and the customer with the group discount.
  // The create action has it already: prefetched with the transaction's first message.
  const statement = saleHeadStatement(input);
  const [head] = prefetchedHead ?? (await ctx.sql(statement.sql, statement.params));
  const json = (v: any) => (typeof v === 'string' ? JSON.parse(v) : v);
  if (head.existing) {
    const existing = await loadSaleView(ctx, input.id);
    if (existing) return { sale: existing, replayed: true };
  }
  const reg = json(head.reg);
  if (!reg) {
    if (!head.register_exists) throw new ValidationError('Unknown register', [{ field: 'registerId', code: 'unknown', message: 'no such register' }]);
    throw new ConflictError('The register has no open shift: open one first', 'NO_OPEN_SHIFT');
  }
  if (input.shiftId && input.shiftId !== reg.shift_id) {
    throw new ConflictError('The shift this sale was made in is closed', 'SHIFT_CLOSED', { shiftId: input.shiftId, openShiftId: reg.shift_id });
  }
  const settings = await posSettings(ctx);
  const products = new Map<string, any>((json(head.products) as any[]).map((p) => [p.id, p]));
  const fields: FieldError[] = [];
  input.lines.forEach((l, i) => {
    const p = products.get(l.productId);
    if (!p) fields.push({ field: `lines/${i}/productId`, code: 'unknown', message: 'no such product' });
    else if (p.archived) fields.push({ field: `lines/${i}/productId`, code: 'productArchived', params: { name: p.name }, message: `"${p.name}" is archived and cannot be sold` });
    else if (p.unit === 'pcs' && l.qtyMilli % 1000 !== 0) fields.push({ field: `lines/${i}/qtyMilli`, code: 'wholeQuantity', params: { name: p.name }, message: `"${p.name}" is sold by the piece: quantity must be whole (a multiple of 1000)` });
  });
  if (fields.length) throw new ValidationError('Some sale lines are invalid', fields);

  const customer: any = input.customerId ? json(head.customer) : null;
  if (input.customerId && (!customer || customer.archived)) throw new ValidationError('Unknown customer', [{ field: 'customerId', code: 'unknown', message: 'no such customer' }]);

  const { priced, offlineLines, review: promoReview, manual, promotions } = priceSale(input, {
    products, customer, promotions: json(head.promotions) ?? [], timeZone: await posTimeZone(ctx),
  });
  if (input.expectedTotal !== undefined && input.expectedTotal !== priced.total) {
    throw new ConflictError(`The total is ${priced.total}, the till expected ${input.expectedTotal}`, 'TOTAL_CHANGED', { total: priced.total, expectedTotal: input.expectedTotal, currency: settings.currency });
  }
  // an offline sale already happened: a price or time that cannot be trusted is flagged for a manager (or
  // covered by the seller's overridePrice), never refused; so is a discount above the cashier's limit
  const review: ReviewReason[] = [...promoReview];
  let reviewDifference = promoReview.reduce((a, r) => a + ('difference' in r ? r.difference : 0), 0);
  if (input.offline) {
    const r = await reviewOfflineSale(ctx, { clientCreatedAt: input.clientCreatedAt, shiftOpenedAt: reg.shift_opened_at, storeId: reg.store_id, lines: offlineLines });
    review.push(...r.reasons);
    reviewDifference += r.difference;
  }
  // the person serving: the till's operator (switched by PIN) or the signed-in user; a manager's PIN may approve more
  const at = input.offline && input.clientCreatedAt ? new Date(input.clientCreatedAt) : new Date();
  const operator = await operatorOf(ctx, reg.id, input.operatorToken, at);
  const limitBp = operator
    ? discountLimitBp(settings, operator.roles, operator.roles.some((r) => MANAGER_ROLES.includes(r)))
    : discountLimitBp(settings, rolesOf(ctx, null), ctx.can('overrideDiscount', 'pos.Sale'));
  const approver = input.approvalToken ? await useApproval(ctx, reg.id, input.approvalToken, input.id) : null;
  const approved = !!approver && manualDiscount(priced, manual) <= ofBp(priced.subtotal, discountLimitBp(settings, approver.roles, approver.roles.some((r) => MANAGER_ROLES.includes(r))));
  try {
    checkDiscountLimit(priced, manual, limitBp, approved);
  } catch (e) {
    if (!input.offline) throw e;
    const d = (e as any).data?.details ?? {};
    review.push({ code: 'DISCOUNT_OVER_LIMIT', discount: d.discount, max: d.max, limitBp });
  }
  let tender = settleTenders(priced.total, input.payments, { hasCustomer: !!customer, cashRounding: cashRoundingOf(settings) });
  // a till that was offline before it ever learned the shop's coin took cash to the tiyn: that happened, keep it
  if (input.offline && tender.problems.some((p) => p.code === 'PAYMENT_MISMATCH')) {
    const exact = settleTenders(priced.total, input.payments, { hasCustomer: !!customer });
    if (!exact.problems.length) tender = exact;
  }
  if (tender.problems.length) {
    const first: TenderProblem = tender.problems[0]!;
    throw new UnprocessableError(first.field === 'payments' ? first.message : `${first.field}: ${first.message}`, first.code, { ...first.params, fields: tender.problems, currency: settings.currency });
  }
  await checkKaspiTenders(ctx, input);
  await checkCardTerminals(ctx, input, reg.store_id);
  const pointsPaid = input.payments.filter((t) => t.method === 'points').reduce((a, t) => a + t.amount, 0);
  if (pointsPaid > ofBp(priced.total, settings.loyaltyMaxRedeemBp)) {
    throw new UnprocessableError(`At most ${ofBp(priced.total, settings.loyaltyMaxRedeemBp)} of this sale may be paid with points`, 'POINTS_LIMIT', { max: ofBp(priced.total, settings.loyaltyMaxRedeemBp), currency: settings.currency });
  }

  const costTotal = priced.lines.reduce((a, l) => a + Math.round((Number(products.get(l.productId)!.cost) * l.qtyMilli) / 1000), 0);
  const earned = customer ? pointsEarned(priced.total, input.payments, settings.loyaltyEarnBp) : 0;
  const token = crypto.randomBytes(24).toString('base64url');
  const saleParams = [
    ctx.tenantId, `sale:${reg.id}`, input.id, String(reg.code), reg.store_id, reg.id, reg.shift_id, customer?.id ?? null, settings.currency,
    priced.subtotal, priced.discountTotal, priced.taxTotal, priced.total, tender.paid, tender.changeDue, priced.receiptDiscountBp, earned, costTotal,
    input.note ?? null, settings.fiscalMode === 'hook' ? 'pending' : 'not_required', ctx.user!.id, input.clientCreatedAt ?? null, input.offline ?? false, token,
    reg.print_receipts ? 'queued' : 'none',
    JSON.stringify({
      rounding: tender.rounding, operatorId: operator?.userId ?? null, discountApprovedBy: approved ? approver!.userId : null, promotions,
      reviewStatus: review.length ? (ctx.can('overridePrice', 'pos.Sale') ? 'approved' : 'flagged') : 'none', reviewReasons: review, reviewDifference,
    }),
  ];
  const ref = { refType: 'sale', refId: input.id };
  const takes = priced.lines
    .filter((l) => products.get(l.productId)!.track_stock)
    .map((l) => ({ productId: l.productId, qtyMilli: l.qtyMilli, trackBatches: !!products.get(l.productId)!.track_batches }));
  const lineRow = (l: (typeof priced.lines)[number], i: number, batches: BatchTake[]) => ({
    line_no: i + 1, product_id: l.productId, name: l.name, qty_milli: l.qtyMilli, unit_price: l.unitPrice, line_discount: l.lineDiscount,
    receipt_discount: l.receiptDiscount, promo_discount: l.promoDiscount, promotion_id: l.promotionId, tax_bp: l.taxBp, tax: l.tax, total: l.total,
    cost: Math.round((Number(products.get(l.productId)!.cost) * l.qtyMilli) / 1000), batches,
  });
  const payRow = (t: TenderInput, i: number, giftCardId: string | null) => ({
    line_no: i + 1, method: t.method, amount: t.amount, tendered: t.method === 'cash' ? t.tendered ?? t.amount : null,
    reference: t.reference ?? t.giftCardCode ?? null, gift_card_id: giftCardId, points: t.method === 'points' ? t.amount : null, refunded: 0,
    terminal_id: t.terminalId ?? null, intent_id: t.intentId ?? null,
  });

  let inserted: any[];
  const lineRows = priced.lines.map((l, i) => lineRow(l, i, []));
  let payRows: ReturnType<typeof payRow>[] = [];
  if (!reg.allow_negative_stock && takes.every((t) => !t.trackBatches) && input.payments.every((t) => PLAIN_TENDERS.has(t.method))) {
    const merged = mergeTakes(takes);
    payRows = input.payments.map((t, i) => payRow(t, i, null));
    inserted = await ctx.sql(RECORD_SALE_SQL, [
      ...saleParams, merged.map((t) => t.productId), merged.map((t) => t.qtyMilli), JSON.stringify(lineRows), JSON.stringify(payRows),
    ]);
    if (inserted.length) await refuseShortTake(ctx, reg.store_id, merged, inserted[0].taken);
  } else {
    inserted = await ctx.sql(INSERT_SALE_SQL, saleParams);
    if (inserted.length) {
      const taken = await takeStock(ctx, reg.store_id, takes, { ...ref, kind: 'sale', allowNegative: !!reg.allow_negative_stock });
      // batches taken per product are handed to its lines in order (a product on two lines splits them)
      const batchesLeft = new Map([...taken].map(([k, v]) => [k, v.map((b) => ({ ...b }))]));
      for (const row of lineRows) {
        const pool = batchesLeft.get(row.product_id) ?? [];
        let need = row.qty_milli;
        while (need > 0 && pool.length) {
          const q = Math.min(need, pool[0].qtyMilli);
          row.batches.push({ batchId: pool[0].batchId, qtyMilli: q });
          pool[0].qtyMilli -= q;
          need -= q;
          if (!pool[0].qtyMilli) pool.shift();
        }
      }
      for (const [i, t] of input.payments.entries()) {
        let giftCardId: string | null = null;
        if (t.method === 'credit') await postCustomerMoney(ctx, customer.id, -t.amount, 'credit_sale', ref);
        else if (t.method === 'account') await postCustomerMoney(ctx, customer.id, -t.amount, 'account_payment', ref);
        else if (t.method === 'points') await postPoints(ctx, customer.id, -t.amount, 'redeem', ref);
        else if (t.method === 'gift_card') giftCardId = (await postGiftCard(ctx, { code: t.giftCardCode }, -t.amount, 'redeem', ref)).id;
        payRows.push(payRow(t, i, giftCardId));
      }
      await ctx.sql(INSERT_LINES_AND_PAYMENTS_SQL, [ctx.tenantId, input.id, JSON.stringify(lineRows), JSON.stringify(payRows)]);
    }
  }
  if (!inserted.length) {
    // the same client id raced us and committed first: that sale is the answer
    const other = await loadSaleView(ctx, input.id);
    if (!other) throw new ConflictError('This sale is being recorded by another request; retry', 'SALE_IN_PROGRESS');
    return { sale: other, replayed: true };
  }
  const number = inserted[0].number as string;
  if (earned > 0) await postPoints(ctx, customer.id, earned, 'earn', ref);

  await ctx.emit('pos.sale.completed.v1', {
    saleId: input.id, number, storeId: reg.store_id, registerId: reg.id, shiftId: reg.shift_id, customerId: customer?.id ?? null,
    currency: settings.currency, total: priced.total, offline: input.offline ?? false,
    lines: priced.lines.map((l) => ({ productId: l.productId, qtyMilli: l.qtyMilli, total: l.total })),
    payments: input.payments.map((t) => ({ method: t.method, amount: t.amount })),
  });
  if (settings.fiscalMode === 'hook') {
    await ctx.emit('pos.sale.fiscal.requested.v1', { saleId: input.id, number, total: priced.total, currency: settings.currency, taxTotal: priced.taxTotal });
  }

  if (review.length) {
    // the audit entry of this sale names what could not be trusted, and who vouched for it
    ctx.audit.diff(null, { offline: true, clientCreatedAt: input.clientCreatedAt ?? null, review: { status: inserted[0].review_status, reasons: review, difference: reviewDifference } });
    if (inserted[0].review_status === 'approved') {
      [inserted[0]] = await ctx.sql(`update pos.sale set reviewed_by = $1::uuid, reviewed_at = now(), review_note = 'overridePrice' where id = $2::uuid returning ${SALE_COLUMNS}`, [ctx.user!.id, input.id]);
    }
  }
  const sale = saleView(inserted[0], lineRows.map((l) => ({ ...l, returned_milli: 0 })), payRows);

  // Printing is the last step: every write above has succeeded, so only the commit itself can
  // still fail. The device job carries a key derived from the sale, so a retried or replayed sale
  // never prints twice. No printer (or the device bus refusing) never loses the sale. An offline
  // sale prints now that it reached the server (the till promised «Чек напечатается после отправки»).
  if (reg.print_receipts) await printReceipt(ctx, sale, reg, { copy: false });
  return { sale, replayed: false };
}

/**
 * A Kaspi QR tender is money Kaspi says it received: the payment intent must be captured, for the
 * tender's amount, in tenge, for this very sale (its reference). Read through the payments core's
 * allowlisted action; the unique index on (tenant, intent) lets one payment pay one sale only.
 */
async function checkKaspiTenders(ctx: RequestContext, input: SaleInput): Promise<void> {
  const fields: FieldError[] = [];
  for (const [i, t] of input.payments.entries()) {
    if (t.method !== 'kaspi_qr' || !t.intentId) continue;
    const field = `payments/${i}/intentId`;
    let intent: { status: string; amountCaptured: number; currency: string; reference: { plugin: string; id: string } | null };
    try {
      intent = await ctx.call('payments.intents.get', { id: t.intentId });
    } catch {
      fields.push({ field, code: 'unknown', message: 'no such Kaspi payment' });
      continue;
    }
    if (intent.reference?.plugin !== 'pos' || intent.reference.id !== input.id) fields.push({ field, code: 'otherSalePayment', message: 'the payment was made for another sale' });
    else if (intent.status !== 'captured') fields.push({ field, code: 'paymentNotPaid', params: { status: intent.status }, message: `the payment is ${intent.status}, not paid` });
    else if (intent.amountCaptured !== t.amount || String(intent.currency).toUpperCase() !== 'KZT') fields.push({ field, code: 'paymentAmount', params: { received: intent.amountCaptured, amount: t.amount, currency: 'KZT' }, message: `Kaspi received ${intent.amountCaptured}, the tender says ${t.amount}` });
  }
  if (fields.length) throw new UnprocessableError('The Kaspi QR payment does not pay this sale', 'KASPI_NOT_PAID', { fields });
}

/** A card tender's terminal must be one of the shop's (of this store or shop-wide) and in use. */
async function checkCardTerminals(ctx: RequestContext, input: SaleInput, storeId: string): Promise<void> {
  const named = input.payments.flatMap((t, i) => (t.terminalId ? [{ i, id: t.terminalId, method: t.method }] : []));
  if (!named.length) return;
  const rows = await ctx.sql<{ id: string }>(`select id from pos.card_terminal where id = any($1::uuid[]) and not archived and (store_id is null or store_id = $2::uuid)`, [named.map((n) => n.id), storeId]);
  const ok = new Set(rows.map((r) => r.id));
  const fields = named.flatMap((n) => (n.method !== 'card' ? [{ field: `payments/${n.i}/terminalId`, code: 'terminalCardOnly', message: 'only card payments name a terminal' }] : ok.has(n.id) ? [] : [{ field: `payments/${n.i}/terminalId`, code: 'unknown', message: 'no such card terminal in this store' }]));
  if (fields.length) throw new ValidationError('Unknown card terminal', fields);
}

export async function requireSale(ctx: RequestContext, id: string, lock = false, action?: string): Promise<any> {
  const rule = action ? ctx.rulesSql(action, 'pos.Sale') : { sql: 'true', params: [] };
  const [s] = await ctx.em.execute(`select * from pos.sale where id = ? and ${rule.sql}${lock ? ' for update' : ''}`, [id, ...rule.params]);
  if (!s) throw new NotFoundError('Sale not found', { subject: 'pos.Sale' });
  return s;
}
