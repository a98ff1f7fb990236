import crypto from 'node:crypto';
import { NotFoundError, UnprocessableError, type RequestContext } from '@atrium/sdk';
import { lockStudent, postMoney } from './money-ledger.ts';
import { releaseAllocations, settleStudent } from './settlement.ts';
import { recordActivity } from './activity.ts';

/**
 * Money in and out. A payment is posted to the ledger and at once settles the student's debts, the
 * oldest first (or the invoice it was made for, first). A refund takes money back: first what is
 * still unallocated, then — newest first — from invoices it paid, which open again as debts.
 */

export type PaymentMethod = 'cash' | 'card' | 'transfer' | 'online';
export type PaymentInput = {
  id?: string;
  studentId: string;
  amount: number;
  currency: string;
  method: PaymentMethod;
  paidAt?: string | null;
  reference?: string | null;
  note?: string | null;
  intentId?: string | null;
  invoiceId?: string | null;
};

type Ctx = Pick<RequestContext, 'sql' | 'tenantId' | 'user' | 'emit'>;

export async function recordPayment(ctx: Ctx, p: PaymentInput): Promise<{ id: string; created: boolean; allocated: number; balance: number }> {
  const { balance: before } = await lockStudent(ctx, p.studentId);
  const id = p.id ?? crypto.randomUUID();
  const [row] = await ctx.sql<{ id: string }>(
    `insert into school.payment (tenant_id, id, student_id, amount, currency, method, paid_at, intent_id, reference, note, created_by)
     values ($1::uuid, $2::uuid, $3::uuid, $4::bigint, $5::text, $6::text, coalesce($7::timestamptz, now()), $8::uuid, $9::text, $10::text, $11::uuid)
     on conflict do nothing returning id`,
    [ctx.tenantId, id, p.studentId, p.amount, p.currency, p.method, p.paidAt ?? null, p.intentId ?? null, p.reference ?? null, p.note ?? null, ctx.user?.id ?? null],
  );
  if (!row) {
    // the same payment again (a retried webhook event, a client retry with the same id): nothing twice
    const [known] = await ctx.sql<{ id: string; allocated: string }>(
      'select id, allocated from school.payment where tenant_id = $1::uuid and (id = $2::uuid or ($3::uuid is not null and intent_id = $3::uuid))',
      [ctx.tenantId, id, p.intentId ?? null],
    );
    return { id: known!.id, created: false, allocated: Number(known!.allocated), balance: before };
  }
  const balance = await postMoney(ctx, p.studentId, p.amount, 'payment', { refId: id, note: p.method });
  const allocations = await settleStudent(ctx, p.studentId, { firstInvoiceId: p.invoiceId ?? null });
  const allocated = allocations.filter((a) => a.paymentId === id).reduce((s, a) => s + a.amount, 0);
  await recordActivity(ctx, { studentId: p.studentId }, 'payment.received', { paymentId: id, amount: p.amount, currency: p.currency, method: p.method });
  await ctx.emit('school.payment.received.v1', { paymentId: id, studentId: p.studentId, amount: p.amount, currency: p.currency, method: p.method, intentId: p.intentId ?? null, allocated });
  return { id, created: true, allocated, balance };
}

export type RefundInput = { paymentId: string; amount: number; reason?: string | null; externalId?: string | null; id?: string };

export async function refundPayment(ctx: Ctx, r: RefundInput): Promise<{ id: string; created: boolean; reopened: number; balance: number }> {
  const [head] = await ctx.sql<{ student_id: string }>('select student_id from school.payment where tenant_id = $1::uuid and id = $2::uuid', [ctx.tenantId, r.paymentId]);
  if (!head) throw new NotFoundError('Payment not found', { subject: 'school.Payment', id: r.paymentId });
  const { balance: before } = await lockStudent(ctx, head.student_id);
  if (r.externalId) {
    const [known] = await ctx.sql<{ id: string }>('select id from school.refund where tenant_id = $1::uuid and external_id = $2::text', [ctx.tenantId, r.externalId]);
    if (known) return { id: known.id, created: false, reopened: 0, balance: before };
  }
  const [p] = await ctx.sql<{ amount: string; refunded: string; allocated: string; currency: string }>(
    'select amount, refunded, allocated, currency from school.payment where tenant_id = $1::uuid and id = $2::uuid for update', [ctx.tenantId, r.paymentId],
  );
  const refundable = Number(p!.amount) - Number(p!.refunded);
  if (r.amount > refundable) {
    throw new UnprocessableError(`At most ${refundable} can be refunded from this payment`, 'REFUND_TOO_LARGE', { field: 'amount', refundable, currency: p!.currency });
  }
  const unallocated = refundable - Number(p!.allocated);
  const reopened = r.amount > unallocated ? -(await releaseAllocations(ctx, { paymentId: r.paymentId, amount: r.amount - unallocated })).reduce((s, a) => s + a.amount, 0) : 0;
  const id = r.id ?? crypto.randomUUID();
  await ctx.sql('update school.payment set refunded = refunded + $3::bigint where tenant_id = $1::uuid and id = $2::uuid', [ctx.tenantId, r.paymentId, r.amount]);
  await ctx.sql(
    `insert into school.refund (tenant_id, id, payment_id, amount, reason, status, external_id, created_by) values ($1::uuid, $2::uuid, $3::uuid, $4::bigint, $5::text, 'done', $6::text, $7::uuid)`,
    [ctx.tenantId, id, r.paymentId, r.amount, r.reason ?? null, r.externalId ?? null, ctx.user?.id ?? null],
  );
  const balance = await postMoney(ctx, head.student_id, -r.amount, 'refund', { refId: id, note: r.reason ?? null });
  await recordActivity(ctx, { studentId: head.student_id }, 'payment.refunded', { paymentId: r.paymentId, refundId: id, amount: r.amount, currency: p!.currency, reason: r.reason ?? null });
  return { id, created: true, reopened, balance };
}
