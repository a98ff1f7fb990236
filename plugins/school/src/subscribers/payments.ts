import { defineSubscriber } from '@atrium/sdk';
import { recordPayment, refundPayment } from '../domain/payments.ts';

type Reference = { plugin: string; id: string } | null;
type Succeeded = { intentId: string; amountCaptured: number; currency: string; reference: Reference };
type Refunded = { intentId: string; refundId: string; amount: number; reference: Reference };

/**
 * Online payments, from the payments plugin (optional dependency): when a link made for one of our
 * invoices is paid, the money is recorded as a payment of that invoice's student — that invoice
 * first, then the oldest debts. An intent is recorded once (unique per intent), however often the
 * event is delivered; a refund at the provider is recorded once per provider refund.
 */
export const paymentSucceeded = defineSubscriber<Succeeded>({
  async handler(ctx) {
    const e = ctx.event.payload;
    if (e.reference?.plugin !== 'school' || !e.amountCaptured) return;
    const [inv] = await ctx.sql<{ student_id: string }>('select student_id from school.invoice where tenant_id = $1::uuid and id = $2::uuid', [ctx.tenantId, e.reference.id]);
    if (!inv) {
      ctx.logger.warn(`payments.intent.succeeded.v1 for unknown invoice ${e.reference.id} (intent ${e.intentId})`);
      return;
    }
    await recordPayment(ctx, { studentId: inv.student_id, amount: e.amountCaptured, currency: e.currency, method: 'online', intentId: e.intentId, invoiceId: e.reference.id, reference: e.intentId });
  },
});

export const paymentRefunded = defineSubscriber<Refunded>({
  async handler(ctx) {
    const e = ctx.event.payload;
    if (e.reference?.plugin !== 'school') return;
    const [p] = await ctx.sql<{ id: string }>('select id from school.payment where tenant_id = $1::uuid and intent_id = $2::uuid', [ctx.tenantId, e.intentId]);
    if (!p) {
      ctx.logger.warn(`payments.intent.refunded.v1 for intent ${e.intentId} that paid nothing here`);
      return;
    }
    await refundPayment(ctx, { paymentId: p.id, amount: e.amount, externalId: e.refundId, reason: 'online refund' });
  },
});
