import crypto from 'node:crypto';
import { NotFoundError, UnprocessableError, type RequestContext } from '@atrium/sdk';
import { lockStudent, postMoney } from './money-ledger.ts';
import { releaseAllocations, settleStudent } from './settlement.ts';
import { addDays } from './settings.ts';
import { recordActivity } from './activity.ts';

/**
 * Invoices: what a student owes. Creating one posts its total to the ledger (the balance goes down)
 * and at once pays it from money the student has on account; canceling one gives back what paid
 * it (to pay other debts, or to stay on account) and posts the total back.
 */

export type InvoiceLineInput = { description: string; quantity?: number; unitPrice: number; discount?: number; tariffId?: string | null; passId?: string | null };
export type InvoiceInput = {
  studentId: string;
  lines: InvoiceLineInput[];
  currency: string;
  issuedOn: string;
  dueDays: number;
  source: 'manual' | 'pass' | 'visit' | 'import';
  lessonId?: string | null;
  payerContactId?: string | null;
  note?: string | null;
  id?: string;
};

type Ctx = Pick<RequestContext, 'sql' | 'tenantId' | 'user' | 'emit'>;

/** The next number of a per-tenant counter (invoice numbers have no gaps except canceled ones). */
export async function nextNumber(ctx: Pick<RequestContext, 'sql' | 'tenantId'>, name: string): Promise<number> {
  const [r] = await ctx.sql<{ value: string }>(
    `insert into school.counter (tenant_id, name, value) values ($1::uuid, $2::text, 1)
     on conflict (tenant_id, name) do update set value = school.counter.value + 1 returning value`,
    [ctx.tenantId, name],
  );
  return Number(r!.value);
}

export const lineAmount = (l: InvoiceLineInput) => (l.quantity ?? 1) * l.unitPrice - (l.discount ?? 0);

export async function createInvoice(ctx: Ctx, input: InvoiceInput): Promise<{ id: string; number: number; total: number; paid: number; status: string }> {
  const total = input.lines.reduce((s, l) => s + lineAmount(l), 0);
  if (total <= 0) throw new UnprocessableError('An invoice must be for more than nothing', 'INVOICE_EMPTY', { field: 'lines' });
  await lockStudent(ctx, input.studentId);
  const id = input.id ?? crypto.randomUUID();
  const number = await nextNumber(ctx, 'invoice');
  await ctx.sql(
    `insert into school.invoice (tenant_id, id, number, student_id, payer_contact_id, source, lesson_id, issued_on, due_on, total, currency, note, created_by)
     values ($1::uuid, $2::uuid, $3::bigint, $4::uuid, $5::uuid, $6::text, $7::uuid, $8::date, $9::date, $10::bigint, $11::text, $12::text, $13::uuid)`,
    [ctx.tenantId, id, number, input.studentId, input.payerContactId ?? null, input.source, input.lessonId ?? null, input.issuedOn, addDays(input.issuedOn, input.dueDays), total, input.currency, input.note ?? null, ctx.user?.id ?? null],
  );
  await ctx.sql(
    `insert into school.invoice_line (tenant_id, id, invoice_id, position, description, tariff_id, pass_id, quantity, unit_price, discount, amount)
     select $1::uuid, gen_random_uuid(), $2::uuid, l.position, l.description, l.tariff_id, l.pass_id, l.quantity, l.unit_price, l.discount, l.quantity * l.unit_price - l.discount
       from unnest($3::int[], $4::text[], $5::uuid[], $6::uuid[], $7::int[], $8::bigint[], $9::bigint[]) as l(position, description, tariff_id, pass_id, quantity, unit_price, discount)`,
    [
      ctx.tenantId, id, input.lines.map((_, i) => i + 1), input.lines.map((l) => l.description), input.lines.map((l) => l.tariffId ?? null),
      input.lines.map((l) => l.passId ?? null), input.lines.map((l) => l.quantity ?? 1), input.lines.map((l) => l.unitPrice), input.lines.map((l) => l.discount ?? 0),
    ],
  );
  await postMoney(ctx, input.studentId, -total, 'invoice', { refId: id, note: `#${number}` });
  await settleStudent(ctx, input.studentId);
  const [after] = await ctx.sql<{ paid: string; status: string }>('select paid, status from school.invoice where tenant_id = $1::uuid and id = $2::uuid', [ctx.tenantId, id]);
  await recordActivity(ctx, { studentId: input.studentId }, 'invoice.created', { invoiceId: id, number, total, currency: input.currency, source: input.source });
  await ctx.emit('school.invoice.created.v1', { invoiceId: id, number, studentId: input.studentId, total, currency: input.currency, source: input.source, dueOn: addDays(input.issuedOn, input.dueDays) });
  return { id, number, total, paid: Number(after!.paid), status: after!.status };
}

/**
 * Cancels an open (or paid) invoice: the money that paid it goes back on account and pays the
 * next oldest debt, the total is posted back. A pass sold with it is not touched here (the
 * caller decides).
 */
export async function cancelInvoice(ctx: Ctx, invoiceId: string, reason: string | null): Promise<{ id: string; status: string }> {
  const [head] = await ctx.sql<{ student_id: string }>('select student_id from school.invoice where tenant_id = $1::uuid and id = $2::uuid', [ctx.tenantId, invoiceId]);
  if (!head) throw new NotFoundError('Invoice not found', { subject: 'school.Invoice', id: invoiceId });
  await lockStudent(ctx, head.student_id);
  const [inv] = await ctx.sql<{ status: string; total: string; number: string }>(
    'select status, total, number from school.invoice where tenant_id = $1::uuid and id = $2::uuid for update', [ctx.tenantId, invoiceId],
  );
  if (inv!.status === 'canceled') return { id: invoiceId, status: 'canceled' };
  await releaseAllocations(ctx, { invoiceId });
  await ctx.sql(
    `update school.invoice set status = 'canceled', note = coalesce($3::text, note), updated_at = now(), version = version + 1 where tenant_id = $1::uuid and id = $2::uuid`,
    [ctx.tenantId, invoiceId, reason],
  );
  await postMoney(ctx, head.student_id, Number(inv!.total), 'invoice_cancel', { refId: invoiceId, note: reason ?? `#${inv!.number}` });
  await settleStudent(ctx, head.student_id);
  await recordActivity(ctx, { studentId: head.student_id }, 'invoice.canceled', { invoiceId, number: Number(inv!.number), reason });
  return { id: invoiceId, status: 'canceled' };
}
