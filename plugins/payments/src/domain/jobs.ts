import crypto from 'node:crypto';
import { defineJob, LockMode, type RequestContext } from '@atrium/sdk';
import { OPEN_STATUSES, type ProviderPaymentState } from '@atrium/sdk/payments';
import { Intent, type IntentEntity } from '../entities/intent.ts';
import { Hold, Reconciliation } from '../entities/records.ts';
import { applyState, isOpen } from './ledger.ts';
import { callProvider, refOf } from './providers.ts';
import { processPendingWebhooks } from '../services/webhooks.service.ts';

/** Webhook providers are polled only as a fallback: first after their interval, then less and less often. */
function nextPoll(intent: IntentEntity): Date {
  const base = Number((intent.providerData as any)?.pollIntervalMs ?? 600_000);
  const webhooks = (intent.providerData as any)?.webhooks !== false;
  const factor = webhooks ? Math.min(2 ** Math.min(intent.pollCount, 6), 64) : intent.pollCount > 120 ? 10 : 1;
  return new Date(Date.now() + Math.min(base * factor, 6 * 3600_000));
}

/** Polls due open intents (no row is polled twice at once: SKIP LOCKED). */
export async function pollDue(ctx: RequestContext, limit = 50): Promise<{ polled: number; changed: number; errors: number }> {
  const due = await ctx.em.find(Intent, { status: { $in: [...OPEN_STATUSES] }, nextPollAt: { $lte: new Date() } } as any, {
    limit, orderBy: { nextPollAt: 'asc' } as any, lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE,
  } as any);
  let changed = 0;
  let errors = 0;
  for (const intent of due) {
    intent.pollCount += 1;
    intent.lastPolledAt = new Date();
    try {
      const s = await callProvider<ProviderPaymentState>(ctx, intent.provider, 'status', { ref: refOf(intent) });
      const out = await applyState(ctx, intent, s, { source: 'poller', detail: { providerStatus: s.status } });
      if (out === 'applied') changed++;
      if (isOpen(intent.status) && intent.expiresAt && intent.expiresAt.getTime() + 5 * 60_000 < Date.now() && (s.status === 'pending' || s.status === 'requires_action')) {
        // The link's lifetime is over and nobody paid: release the hold. A late payment still lands (expired → captured).
        await applyState(ctx, intent, { status: 'expired' }, { source: 'poller', detail: { reason: 'link expired' } });
        changed++;
      }
    } catch (e) {
      errors++;
      ctx.logger.warn({ err: (e as Error).message, intentId: intent.id, provider: intent.provider }, 'payment status poll failed');
    }
    intent.nextPollAt = isOpen(intent.status) ? nextPoll(intent) : null;
  }
  // Holds whose payment never came: release them once their time is up.
  const stale = await ctx.em.find(Hold, { status: 'held', expiresAt: { $lt: new Date(Date.now() - 5 * 60_000) } } as any, { limit: 200 });
  for (const h of stale) {
    const i = await ctx.em.findOne(Intent, { id: h.intentId } as any);
    const paid = !!i && ['authorized', 'captured', 'partially_refunded', 'refunded'].includes(i.status);
    h.status = paid ? 'confirmed' : 'released';
  }
  return { polled: due.length, changed, errors };
}

export type Difference = { intentId: string; field: string; ours: unknown; theirs: unknown; currency?: string; provider?: string };

/** Our ledger vs the provider, for intents touched since `since` and every still-open one. */
export async function reconcile(ctx: RequestContext, opts: { since: Date; limit?: number }): Promise<{ id: string; checked: number; differences: Difference[]; errors: unknown[] }> {
  const intents = await ctx.em.find(Intent, { $or: [{ updatedAt: { $gte: opts.since } }, { status: { $in: [...OPEN_STATUSES] } }], providerPaymentId: { $ne: null } } as any, {
    limit: opts.limit ?? 1000, orderBy: { updatedAt: 'asc' } as any,
  } as any);
  const differences: Difference[] = [];
  const errors: unknown[] = [];
  for (const i of intents) {
    try {
      const s = await callProvider<ProviderPaymentState>(ctx, i.provider, 'status', { ref: refOf(i) });
      if (s.status !== i.status && !(s.status === 'captured' && i.status === 'partially_refunded' && s.amountRefunded === undefined)) {
        differences.push({ intentId: i.id, field: 'status', ours: i.status, theirs: s.status, currency: i.currency, provider: i.provider });
      }
      if (s.amountCaptured !== undefined && ['captured', 'partially_refunded', 'refunded'].includes(s.status) && s.amountCaptured !== Number(i.amountCaptured)) {
        differences.push({ intentId: i.id, field: 'amountCaptured', ours: Number(i.amountCaptured), theirs: s.amountCaptured, currency: i.currency, provider: i.provider });
      }
      if (s.amountRefunded !== undefined && s.amountRefunded !== Number(i.amountRefunded)) {
        differences.push({ intentId: i.id, field: 'amountRefunded', ours: Number(i.amountRefunded), theirs: s.amountRefunded, currency: i.currency, provider: i.provider });
      }
    } catch (e) {
      errors.push({ intentId: i.id, provider: i.provider, error: (e as Error).message });
    }
  }
  const id = crypto.randomUUID();
  ctx.em.create(Reconciliation, { id, day: new Date().toISOString().slice(0, 10), checked: intents.length, differences, errors } as any);
  return { id, checked: intents.length, differences, errors };
}

export const pollJob = defineJob({
  // every 10 s per tenant with the plugin enabled; only due intents are touched
  cron: '*/10 * * * * *',
  maxAttempts: 1,
  async handler(ctx) {
    // fallback sweep: webhook events whose wake-up was lost or whose batch rolled back; a wake row
    // nobody consumed for a minute is dropped (its own short transaction) so the next webhook re-arms
    await ctx.call('payments.webhooks.disarm', { olderThanMs: 60_000 });
    const swept = await processPendingWebhooks(ctx, 30_000);
    return { ...(await pollDue(ctx)), swept };
  },
});

export const reconcileJob = defineJob({
  cron: '0 30 3 * * *',
  maxAttempts: 3,
  async handler(ctx) {
    const r = await reconcile(ctx, { since: new Date(Date.now() - 26 * 3600_000) });
    return { id: r.id, checked: r.checked, differences: r.differences.length };
  },
});
