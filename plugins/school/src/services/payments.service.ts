import { defineAction, defineService, listPage, NotFoundError, orderBy, Paging, Sort, sqlWhere, Type, UnprocessableError } from '@atrium/sdk';
import { Id, Instant, iso, IsoDate, PositiveMinor } from '../domain/fields.ts';
import { recordPayment, refundPayment } from '../domain/payments.ts';
import { requireRef } from '../domain/records.ts';
import { schoolSettings } from '../domain/settings.ts';

const Method = Type.Union([Type.Literal('cash'), Type.Literal('card'), Type.Literal('transfer')]);
const PAYMENT_COLUMNS = `p.id, p.student_id as "studentId", s.name as "studentName", p.amount, p.refunded, p.allocated, p.amount - p.refunded - p.allocated as "unallocated",
  p.currency, p.method, ${iso('p.paid_at')} as "paidAt", p.intent_id as "intentId", p.reference, p.note, ${iso('p.created_at')} as "createdAt"`;
const PAYMENT_FROM = 'school.payment p join school.student s on s.tenant_id = p.tenant_id and s.id = p.student_id';
const money = (r: any) => ({ ...r, amount: Number(r.amount), refunded: Number(r.refunded), allocated: Number(r.allocated), unallocated: Number(r.unallocated) });

/**
 * Payments: cash, card (the terminal's receipt reference), bank transfer — recorded here and at
 * once settling the oldest debts — and online payments, which arrive from the payments plugin.
 * Refunds of cash/card/transfer are recorded here; an online payment is refunded at its provider
 * through the payments plugin, and recorded when it confirms (payments.intent.refunded.v1).
 */
export const paymentsService = defineService({
  name: 'payments',
  actions: {
    list: defineAction({
      rest: 'GET /',
      permission: ['read', 'school.Payment'],
      params: Type.Object({ ...Paging, sort: Sort, studentId: Type.Optional(Id), method: Type.Optional(Type.Union([Method, Type.Literal('online')])), from: Type.Optional(IsoDate), to: Type.Optional(IsoDate) }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const tz = (await ctx.tenant()).timeZone || 'UTC';
        const where = sqlWhere().always('p.tenant_id = ?', ctx.tenantId).add('p.student_id = ?', p.studentId).add('p.method = ?', p.method)
          .add('p.paid_at >= (?::date::timestamp at time zone ?::text)', ...(p.from ? [p.from, tz] : [undefined]))
          .add('p.paid_at < ((?::date + 1)::timestamp at time zone ?::text)', ...(p.to ? [p.to, tz] : [undefined]));
        return listPage(ctx, { select: PAYMENT_COLUMNS, from: PAYMENT_FROM, where, orderBy: orderBy(p.sort, { paidAt: 'p.paid_at', amount: 'p.amount' }, 'p.paid_at desc', 'p.id'), limit: p.limit ?? 20, offset: p.offset ?? 0 }, money);
      },
    }),
    create: defineAction({
      rest: 'POST /',
      permission: ['create', 'school.Payment'],
      status: 201,
      idempotent: true,
      summary: 'Record money received (cash, card, transfer): it pays the oldest debts first (or invoiceId first); the rest stays on account',
      params: Type.Object({
        studentId: Id, amount: PositiveMinor, method: Method, paidAt: Type.Optional(Instant), reference: Type.Optional(Type.String({ maxLength: 200 })), note: Type.Optional(Type.String({ maxLength: 500 })),
        invoiceId: Type.Optional(Id),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        await requireRef(ctx, 'school.student', 'school.Student', p.studentId, 'studentId');
        if (p.invoiceId) {
          const [i] = await ctx.sql('select 1 from school.invoice where tenant_id = $1::uuid and id = $2::uuid and student_id = $3::uuid', [ctx.tenantId, p.invoiceId, p.studentId]);
          if (!i) throw new UnprocessableError('Not an invoice of this student (invoiceId)', 'UNKNOWN_REFERENCE', { field: 'invoiceId', subject: 'school.Invoice' });
        }
        if (p.paidAt && Date.parse(p.paidAt) > Date.now() + 300_000) throw new UnprocessableError('A payment cannot be received in the future', 'PAID_IN_FUTURE', { field: 'paidAt' });
        const { currency } = await schoolSettings(ctx);
        const r = await recordPayment(ctx, { ...p, currency });
        const [row] = await ctx.sql(`select ${PAYMENT_COLUMNS} from ${PAYMENT_FROM} where p.tenant_id = $1::uuid and p.id = $2::uuid`, [ctx.tenantId, r.id]);
        return { ...money(row), balance: r.balance };
      },
    }),
    refund: defineAction({
      rest: 'POST /:id/refunds',
      permission: ['refund', 'school.Payment'],
      status: 201,
      idempotent: true,
      transaction: false,
      summary: 'Give money back: what is still on account first, then from the newest invoices it paid (they become debts again). Online payments are refunded at the provider',
      params: Type.Object({ id: Id, amount: PositiveMinor, reason: Type.Optional(Type.String({ maxLength: 300 })) }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const pay = await ctx.transaction(async (tx) => {
          const [row] = await tx.sql<{ intent_id: string | null; amount: string; refunded: string }>('select intent_id, amount, refunded from school.payment where tenant_id = $1::uuid and id = $2::uuid', [ctx.tenantId, p.id]);
          if (!row) throw new NotFoundError('Payment not found', { subject: 'school.Payment', id: p.id });
          return row;
        });
        if (!pay.intent_id) {
          return ctx.transaction(async (tx) => ({ status: 'done', ...(await refundPayment(tx, { paymentId: p.id, amount: p.amount, reason: p.reason ?? null })) }));
        }
        if (p.amount > Number(pay.amount) - Number(pay.refunded)) {
          throw new UnprocessableError(`At most ${Number(pay.amount) - Number(pay.refunded)} can be refunded from this payment`, 'REFUND_TOO_LARGE', { field: 'amount', refundable: Number(pay.amount) - Number(pay.refunded) });
        }
        try {
          const r = await ctx.call<{ id: string; status: string }>('payments.intents.refund', { id: pay.intent_id, amount: p.amount, ...(p.reason ? { reason: p.reason } : {}) });
          return { status: 'requested', providerRefund: r };
        } catch (e) {
          const err = e as { type?: string; name?: string };
          if (err.type === 'PLUGIN_DISABLED' || err.name === 'ServiceNotFoundError') throw new UnprocessableError('Online payments are not enabled for this centre (the Payments plugin)', 'PAYMENTS_NOT_ENABLED', {});
          throw e;
        }
      },
    }),
  },
});
