import { defineAction, defineService, listPage, NotFoundError, orderBy, Paging, Sort, sqlWhere, Type, UnprocessableError, type RequestContext } from '@atrium/sdk';
import { Id, iso, IsoDate, Minor, NullableId } from '../domain/fields.ts';
import { cancelInvoice, createInvoice } from '../domain/invoices.ts';
import { requireRef } from '../domain/records.ts';
import { schoolSettings, todayIn } from '../domain/settings.ts';

const Status = Type.Union([Type.Literal('open'), Type.Literal('paid'), Type.Literal('canceled')]);
export const INVOICE_COLUMNS = `i.id, i.number, i.student_id as "studentId", s.name as "studentName", i.source, i.lesson_id as "lessonId", to_char(i.issued_on, 'YYYY-MM-DD') as "issuedOn",
  to_char(i.due_on, 'YYYY-MM-DD') as "dueOn", i.total, i.paid, i.total - i.paid as "due", i.currency, i.status, i.note, i.pay_url as "payUrl", i.intent_id as "intentId", ${iso('i.created_at')} as "createdAt", i.version`;
const INVOICE_FROM = 'school.invoice i join school.student s on s.tenant_id = i.tenant_id and s.id = i.student_id';
const money = (r: any) => ({ ...r, number: Number(r.number), total: Number(r.total), paid: Number(r.paid), due: Number(r.due) });

export async function invoiceView(ctx: Pick<RequestContext, 'sql' | 'tenantId'>, id: string) {
  const [i] = await ctx.sql(`select ${INVOICE_COLUMNS} from ${INVOICE_FROM} where i.tenant_id = $1::uuid and i.id = $2::uuid`, [ctx.tenantId, id]);
  if (!i) throw new NotFoundError('Invoice not found', { subject: 'school.Invoice', id });
  const [lines, payments] = await Promise.all([
    ctx.sql(`select id, position, description, tariff_id as "tariffId", pass_id as "passId", quantity, unit_price as "unitPrice", discount, amount from school.invoice_line where tenant_id = $1::uuid and invoice_id = $2::uuid order by position`, [ctx.tenantId, id]),
    ctx.sql(`select a.payment_id as "paymentId", sum(a.amount) as amount, p.method, ${iso('p.paid_at')} as "paidAt" from school.allocation a join school.payment p on p.tenant_id = a.tenant_id and p.id = a.payment_id
              where a.tenant_id = $1::uuid and a.invoice_id = $2::uuid group by a.payment_id, p.method, p.paid_at having sum(a.amount) <> 0 order by p.paid_at`, [ctx.tenantId, id]),
  ]);
  return { ...money(i), lines: lines.map((l: any) => ({ ...l, unitPrice: Number(l.unitPrice), discount: Number(l.discount), amount: Number(l.amount) })), payments: payments.map((p: any) => ({ ...p, amount: Number(p.amount) })) };
}

/**
 * Invoices — what students owe. A new one is at once paid from money the student has on account;
 * a payment pays the oldest first. The online payment link (payments plugin, when the tenant has
 * it) is `POST /invoices/:id/payment-link`; the payment it brings is recorded when the payments
 * plugin says the money arrived (payments.intent.succeeded.v1), once.
 */
export const invoicesService = defineService({
  name: 'invoices',
  actions: {
    list: defineAction({
      rest: 'GET /',
      permission: ['read', 'school.Invoice'],
      params: Type.Object({
        ...Paging, sort: Sort, studentId: Type.Optional(Id), status: Type.Optional(Status), overdue: Type.Optional(Type.Boolean()), from: Type.Optional(IsoDate), to: Type.Optional(IsoDate),
        q: Type.Optional(Type.String({ maxLength: 100 })),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const where = sqlWhere().always('i.tenant_id = ?', ctx.tenantId).add('i.student_id = ?', p.studentId).add('i.status = ?', p.status)
          .add('i.issued_on >= ?', p.from).add('i.issued_on <= ?', p.to);
        if (p.overdue) where.always(`i.status = 'open' and i.due_on < ?::date`, todayIn((await ctx.tenant()).timeZone || 'UTC'));
        if (p.q) where.always(/^\d+$/.test(p.q) ? 'i.number = ?::bigint' : 's.name ilike ?', /^\d+$/.test(p.q) ? p.q : `%${p.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`);
        return listPage(ctx, { select: INVOICE_COLUMNS, from: INVOICE_FROM, where, orderBy: orderBy(p.sort, { number: 'i.number', dueOn: 'i.due_on', total: 'i.total', issuedOn: 'i.issued_on' }, 'i.issued_on desc', 'i.number desc'),
          limit: p.limit ?? 20, offset: p.offset ?? 0 }, money);
      },
    }),
    get: defineAction({
      rest: 'GET /:id',
      permission: ['read', 'school.Invoice'],
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      handler(ctx) {
        return invoiceView(ctx, ctx.params.id);
      },
    }),
    create: defineAction({
      rest: 'POST /',
      permission: ['create', 'school.Invoice'],
      status: 201,
      idempotent: true,
      summary: 'Invoice a student for anything (books, an exam, a debt carried over)',
      params: Type.Object({
        studentId: Id, payerContactId: Type.Optional(NullableId), issuedOn: Type.Optional(IsoDate), dueDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 365 })), note: Type.Optional(Type.String({ maxLength: 500 })),
        lines: Type.Array(Type.Object({
          description: Type.String({ minLength: 1, maxLength: 300 }), quantity: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })), unitPrice: Minor, discount: Type.Optional(Minor), tariffId: Type.Optional(NullableId),
        }, { additionalProperties: false }), { minItems: 1, maxItems: 50 }),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        await requireRef(ctx, 'school.student', 'school.Student', p.studentId, 'studentId');
        if (p.payerContactId) {
          const [c] = await ctx.sql('select 1 from school.contact where tenant_id = $1::uuid and id = $2::uuid and student_id = $3::uuid', [ctx.tenantId, p.payerContactId, p.studentId]);
          if (!c) throw new UnprocessableError('Not a contact of this student (payerContactId)', 'UNKNOWN_REFERENCE', { field: 'payerContactId', subject: 'school.Student' });
        }
        p.lines.forEach((l, i) => {
          if ((l.discount ?? 0) > (l.quantity ?? 1) * l.unitPrice) throw new UnprocessableError('The discount is larger than the line', 'DISCOUNT_TOO_LARGE', { field: `lines.${i}.discount` });
        });
        const settings = await schoolSettings(ctx);
        const r = await createInvoice(ctx, {
          studentId: p.studentId, payerContactId: p.payerContactId ?? null, currency: settings.currency, issuedOn: p.issuedOn ?? todayIn((await ctx.tenant()).timeZone || 'UTC'),
          dueDays: p.dueDays ?? settings.invoiceDueDays, source: 'manual', note: p.note ?? null, lines: p.lines,
        });
        return invoiceView(ctx, r.id);
      },
    }),
    cancel: defineAction({
      rest: 'POST /:id/cancel',
      permission: ['cancel', 'school.Invoice'],
      summary: 'Cancel an invoice: the money that paid it goes back on account (and pays the next oldest debt)',
      params: Type.Object({ id: Id, reason: Type.Optional(Type.String({ maxLength: 300 })) }, { additionalProperties: false }),
      async handler(ctx) {
        await cancelInvoice(ctx, ctx.params.id, ctx.params.reason ?? null);
        return invoiceView(ctx, ctx.params.id);
      },
    }),
    paymentLink: defineAction({
      rest: 'POST /:id/payment-link',
      permission: ['read', 'school.Invoice'],
      transaction: false,
      idempotent: true,
      summary: 'A link to pay what is due online (Kaspi, PayBox, Stripe… through the payments plugin); 422 PAYMENTS_NOT_ENABLED without it',
      params: Type.Object({ id: Id, provider: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9-]*$', maxLength: 40 })) }, { additionalProperties: false }),
      async handler(ctx) {
        const inv = await ctx.transaction(async (tx) => {
          const [i] = await tx.sql<{ number: string; due: string; currency: string; status: string; student_id: string; name: string; email: string | null; phone: string | null }>(
            `select i.number, i.total - i.paid as due, i.currency, i.status, i.student_id, coalesce(c.name, s.name) as name, coalesce(c.email, s.email) as email, coalesce(c.phone, s.phone) as phone
               from school.invoice i join school.student s on s.tenant_id = i.tenant_id and s.id = i.student_id
               left join lateral (select name, email, phone from school.contact c where c.tenant_id = i.tenant_id and c.student_id = i.student_id
                                   order by (c.id = i.payer_contact_id) desc, c.is_payer desc, c.position limit 1) c on true
              where i.tenant_id = $1::uuid and i.id = $2::uuid`, [ctx.tenantId, ctx.params.id]);
          if (!i) throw new NotFoundError('Invoice not found', { subject: 'school.Invoice', id: ctx.params.id });
          return i;
        });
        if (inv.status !== 'open' || Number(inv.due) <= 0) throw new UnprocessableError('The invoice has nothing left to pay', 'INVOICE_NOT_OPEN', { status: inv.status });
        let intent: { id: string; status: string; action?: { url?: string; redirectUrl?: string; qr?: string } };
        try {
          intent = await ctx.call('payments.intents.create', {
            amount: Number(inv.due), currency: inv.currency, description: `Invoice #${inv.number}`, flow: 'link', reference: { plugin: 'school', id: ctx.params.id },
            ...(ctx.params.provider ? { provider: ctx.params.provider } : {}),
            customer: { name: inv.name.slice(0, 200), ...(inv.email ? { email: inv.email } : {}), ...(inv.phone ? { phone: `+${inv.phone}` } : {}), ref: inv.student_id },
          });
        } catch (e) {
          const err = e as { type?: string; code?: number; name?: string };
          if (err.type === 'PLUGIN_DISABLED' || err.name === 'ServiceNotFoundError' || err.type === 'SERVICE_NOT_FOUND') {
            throw new UnprocessableError('Online payments are not enabled for this centre (the Payments plugin)', 'PAYMENTS_NOT_ENABLED', {});
          }
          throw e;
        }
        const url = intent.action?.url ?? intent.action?.redirectUrl ?? null;
        await ctx.transaction((tx) => tx.sql('update school.invoice set intent_id = $3::uuid, pay_url = $4::text, updated_at = now() where tenant_id = $1::uuid and id = $2::uuid', [ctx.tenantId, ctx.params.id, intent.id, url]));
        return { invoiceId: ctx.params.id, intentId: intent.id, status: intent.status, url, action: intent.action ?? {} };
      },
    }),
  },
});
