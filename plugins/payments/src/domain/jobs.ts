import crypto from 'node:crypto';
import { defineJob, LockMode, type RequestContext } from '@atrium/sdk';
import { OPEN_STATUSES, type ProviderPaymentRef, type ProviderPaymentState } from '@atrium/sdk/payments';
import { Intent, type IntentEntity } from '../entities/intent.ts';
import { Hold, Reconciliation } from '../entities/records.ts';
import { applyState, isOpen, lockIntent } from './ledger.ts';
import { callProvider, refOf } from './providers.ts';
import { refreshIntent } from './intents.ts';
import { processPendingWebhooks } from '../services/webhooks.service.ts';

/**
 * The jobs read providers, so none of them holds a transaction while a provider answers
 * (`transaction: false`): they pick what to read in a short transaction, read with no connection
 * held, and apply each answer in a short transaction of its own with the intent row locked.
 */

/** Re-reads the payments whose webhook events arrived out of order (queued by the webhook subscriber). */
export const SYNC_JOB = 'sync';

/** How long a claimed intent is left to the poller that claimed it before another may poll it. */
const CLAIM_MS = 60_000;

/** Webhook providers are polled only as a fallback: first after their interval, then less and less often. */
function nextPoll(intent: IntentEntity): Date {
  const base = Number((intent.providerData as any)?.pollIntervalMs ?? 600_000);
  const webhooks = (intent.providerData as any)?.webhooks !== false;
  const factor = webhooks ? Math.min(2 ** Math.min(intent.pollCount, 6), 64) : intent.pollCount > 120 ? 10 : 1;
  return new Date(Date.now() + Math.min(base * factor, 6 * 3600_000));
}

/** Polls due open intents: claimed in one short transaction (SKIP LOCKED), so no intent is polled twice at once. */
export async function pollDue(ctx: RequestContext, limit = 50): Promise<{ polled: number; changed: number; errors: number }> {
  const due = await ctx.transaction(async (tx) => {
    const rows = await tx.em.find(Intent, { status: { $in: [...OPEN_STATUSES] }, nextPollAt: { $lte: new Date() } } as any, {
      limit, orderBy: { nextPollAt: 'asc' } as any, lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE,
    } as any);
    for (const i of rows) {
      i.pollCount += 1;
      i.lastPolledAt = new Date();
      i.nextPollAt = new Date(Date.now() + CLAIM_MS);
    }
    return rows.map((i) => ({ id: i.id, provider: i.provider, ref: refOf(i) }));
  });
  let changed = 0;
  let errors = 0;
  for (const d of due) {
    let s: ProviderPaymentState | null = null;
    try {
      s = await callProvider<ProviderPaymentState>(ctx, d.provider, 'status', { ref: d.ref });
    } catch (e) {
      errors++;
      ctx.logger.warn({ err: (e as Error).message, intentId: d.id, provider: d.provider }, 'payment status poll failed');
    }
    changed += await ctx.transaction(async (tx) => {
      const intent = await lockIntent(tx, { id: d.id });
      if (!intent) return 0;
      let n = 0;
      if (s) {
        if ((await applyState(tx, intent, s, { source: 'poller', detail: { providerStatus: s.status } })) === 'applied') n++;
        if (isOpen(intent.status) && intent.expiresAt && intent.expiresAt.getTime() + 5 * 60_000 < Date.now() && (s.status === 'pending' || s.status === 'requires_action')) {
          // The link's lifetime is over and nobody paid: release the hold. A late payment still lands (expired → captured).
          await applyState(tx, intent, { status: 'expired' }, { source: 'poller', detail: { reason: 'link expired' } });
          n++;
        }
      }
      intent.nextPollAt = isOpen(intent.status) ? nextPoll(intent) : null;
      return n;
    });
  }
  // Holds whose payment never came: release them once their time is up.
  await ctx.transaction(async (tx) => {
    const stale = await tx.em.find(Hold, { status: 'held', expiresAt: { $lt: new Date(Date.now() - 5 * 60_000) } } as any, { limit: 200 });
    for (const h of stale) {
      const i = await tx.em.findOne(Intent, { id: h.intentId } as any);
      const paid = !!i && ['authorized', 'captured', 'partially_refunded', 'refunded'].includes(i.status);
      h.status = paid ? 'confirmed' : 'released';
    }
  });
  return { polled: due.length, changed, errors };
}

export type Difference = { intentId: string; field: string; ours: unknown; theirs: unknown; currency?: string; provider?: string };

type Ours = { id: string; provider: string; status: string; currency: string; amountCaptured: number; amountRefunded: number; ref: ProviderPaymentRef };

/** Our ledger vs the provider, for intents touched since `since` and every still-open one. */
export async function reconcile(ctx: RequestContext, opts: { since: Date; limit?: number }): Promise<{ id: string; checked: number; differences: Difference[]; errors: unknown[] }> {
  const intents = await ctx.transaction(async (tx) => {
    const rows = await tx.em.find(Intent, { $or: [{ updatedAt: { $gte: opts.since } }, { status: { $in: [...OPEN_STATUSES] } }], providerPaymentId: { $ne: null } } as any, {
      limit: opts.limit ?? 1000, orderBy: { updatedAt: 'asc' } as any,
    } as any);
    return rows.map((i): Ours => ({ id: i.id, provider: i.provider, status: i.status, currency: i.currency, amountCaptured: Number(i.amountCaptured), amountRefunded: Number(i.amountRefunded), ref: refOf(i) }));
  });
  const differences: Difference[] = [];
  const errors: unknown[] = [];
  for (const i of intents) {
    try {
      const s = await callProvider<ProviderPaymentState>(ctx, i.provider, 'status', { ref: i.ref });
      if (s.status !== i.status && !(s.status === 'captured' && i.status === 'partially_refunded' && s.amountRefunded === undefined)) {
        differences.push({ intentId: i.id, field: 'status', ours: i.status, theirs: s.status, currency: i.currency, provider: i.provider });
      }
      if (s.amountCaptured !== undefined && ['captured', 'partially_refunded', 'refunded'].includes(s.status) && s.amountCaptured !== i.amountCaptured) {
        differences.push({ intentId: i.id, field: 'amountCaptured', ours: i.amountCaptured, theirs: s.amountCaptured, currency: i.currency, provider: i.provider });
      }
      if (s.amountRefunded !== undefined && s.amountRefunded !== i.amountRefunded) {
        differences.push({ intentId: i.id, field: 'amountRefunded', ours: i.amountRefunded, theirs: s.amountRefunded, currency: i.currency, provider: i.provider });
      }
    } catch (e) {
      errors.push({ intentId: i.id, provider: i.provider, error: (e as Error).message });
    }
  }
  const id = crypto.randomUUID();
  await ctx.transaction(async (tx) => {
    tx.em.create(Reconciliation, { id, day: new Date().toISOString().slice(0, 10), checked: intents.length, differences, errors } as any);
  });
  return { id, checked: intents.length, differences, errors };
}

export const pollJob = defineJob({
  // every 10 s per tenant with the plugin enabled; only due intents are touched
  cron: '*/10 * * * * *',
  maxAttempts: 1,
  transaction: false,
  async handler(ctx) {
    // fallback sweep: webhook events whose wake-up was lost or whose batch rolled back; a wake row
    // nobody consumed for a minute is dropped (its own short transaction) so the next webhook re-arms
    await ctx.call('payments.webhooks.disarm', { olderThanMs: 60_000 });
    const swept = await ctx.transaction((tx) => processPendingWebhooks(tx, 30_000));
    return { ...(await pollDue(ctx)), swept };
  },
});

export const reconcileJob = defineJob({
  cron: '0 30 3 * * *',
  maxAttempts: 3,
  transaction: false,
  async handler(ctx) {
    const r = await reconcile(ctx, { since: new Date(Date.now() - 26 * 3600_000) });
    return { id: r.id, checked: r.checked, differences: r.differences.length };
  },
});

export const syncJob = defineJob({
  maxAttempts: 5,
  transaction: false,
  async handler(ctx) {
    const intents = (ctx.data.intents ?? []) as { intentId: string; eventId: string }[];
    let synced = 0;
    for (const { intentId, eventId } of intents) {
      await refreshIntent(ctx, intentId, 'webhook', eventId);
      synced++;
    }
    return { synced };
  },
});
