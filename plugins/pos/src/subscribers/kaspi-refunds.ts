import { defineSubscriber } from '@atrium/sdk';

/**
 * A return refunded to Kaspi QR gives the money back through the payments core once the return has
 * committed (pos.sale.returned.v1, delivered at least once): one refund per payment intent, keyed by
 * the return, so a redelivery refunds once. The return never waits for Kaspi, and Kaspi is never
 * called inside the return's transaction.
 */
export const kaspiRefunds = defineSubscriber<{ returnId: string; kaspiRefunds?: { intentId: string; amount: number }[] }>({
  maxAttempts: 10,
  async handler(ctx) {
    for (const r of ctx.event.payload.kaspiRefunds ?? []) {
      await ctx.call('payments.intents.refund', { id: r.intentId, amount: r.amount, idempotencyKey: `pos-return-${ctx.event.payload.returnId}-${r.intentId}`, reason: 'POS return' });
    }
  },
});
