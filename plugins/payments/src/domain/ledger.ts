import crypto from 'node:crypto';
import { LockMode, type RequestContext } from '@atrium/sdk';
import { canTransition, OPEN_STATUSES, type PaymentStatus, type ProviderPaymentState } from '@atrium/sdk/payments';
import { Intent, type IntentEntity } from '../entities/intent.ts';
import { Hold, Refund, Transition } from '../entities/records.ts';
import { INTENT_FAILED, INTENT_REFUNDED, INTENT_SUCCEEDED } from '../events.ts';

export type Source = 'api' | 'webhook' | 'poller' | 'reconcile' | 'hold';
export type Cause = { source: Source; eventId?: string | null; detail?: Record<string, unknown> };

const MONEY_IN: PaymentStatus[] = ['captured', 'partially_refunded', 'refunded'];
const LOST: PaymentStatus[] = ['failed', 'canceled', 'expired'];

export const isOpen = (s: PaymentStatus) => OPEN_STATUSES.includes(s);

export function intentView(i: IntentEntity) {
  return {
    id: i.id,
    provider: i.provider,
    status: i.status,
    amount: Number(i.amount),
    currency: i.currency,
    amountCaptured: Number(i.amountCaptured),
    amountRefunded: Number(i.amountRefunded),
    description: i.description,
    flow: i.flow,
    captureMethod: i.captureMethod,
    reference: i.referencePlugin ? { plugin: i.referencePlugin, id: i.referenceId } : null,
    customer: i.customer ?? {},
    providerPaymentId: i.providerPaymentId ?? null,
    action: i.action ?? {},
    livemode: i.livemode,
    expiresAt: i.expiresAt ?? null,
    nextPollAt: i.nextPollAt ?? null,
    createdAt: i.createdAt,
    updatedAt: i.updatedAt,
  };
}

function reference(i: IntentEntity) {
  return i.referencePlugin ? { plugin: i.referencePlugin, id: i.referenceId ?? '' } : null;
}

export function recordTransition(ctx: RequestContext, intent: IntentEntity, from: PaymentStatus | null, to: PaymentStatus, cause: Cause): void {
  ctx.em.create(Transition, {
    id: crypto.randomUUID(),
    intentId: intent.id,
    fromStatus: from,
    toStatus: to,
    source: cause.source,
    eventId: cause.eventId ?? null,
    detail: cause.detail ?? {},
    userId: ctx.user?.id ?? null,
  } as any);
}

const hasHolds = (intent: IntentEntity) => (intent.providerData as any)?.holds === true;

async function holdIds(ctx: RequestContext, intent: IntentEntity): Promise<string[]> {
  if (!hasHolds(intent)) return [];
  const holds = await ctx.em.find(Hold, { intentId: intent.id } as any);
  return holds.map((h) => h.id);
}

/** Moves the intent to `to` (which must be allowed), with the side effects of entering it. */
async function moveTo(ctx: RequestContext, intent: IntentEntity, to: PaymentStatus, cause: Cause): Promise<void> {
  const from = intent.status;
  intent.status = to;
  if (!isOpen(to)) intent.nextPollAt = null;
  const late = from === 'expired' || from === 'failed';
  recordTransition(ctx, intent, from, to, late && MONEY_IN.includes(to) ? { ...cause, detail: { ...cause.detail, late: true } } : cause);
  if (to === 'captured' && !MONEY_IN.includes(from)) {
    if (!Number(intent.amountCaptured)) intent.amountCaptured = Number(intent.amount);
    await setHolds(ctx, intent, 'confirmed');
    await ctx.emit(INTENT_SUCCEEDED, {
      intentId: intent.id, provider: intent.provider, amount: Number(intent.amount), amountCaptured: Number(intent.amountCaptured),
      currency: intent.currency, reference: reference(intent), customer: intent.customer ?? {}, holdIds: await holdIds(ctx, intent),
    });
  } else if (to === 'authorized') {
    await setHolds(ctx, intent, 'confirmed');
  } else if (LOST.includes(to) && !LOST.includes(from)) {
    await setHolds(ctx, intent, 'released');
    await ctx.emit(INTENT_FAILED, {
      intentId: intent.id, provider: intent.provider, status: to, amount: Number(intent.amount), currency: intent.currency,
      reference: reference(intent), holdIds: await holdIds(ctx, intent),
    });
  }
}

async function setHolds(ctx: RequestContext, intent: IntentEntity, status: 'confirmed' | 'released'): Promise<void> {
  if (!hasHolds(intent)) return;
  const holds = await ctx.em.find(Hold, { intentId: intent.id, status: 'held' } as any);
  for (const h of holds) h.status = status;
}

/** Records money going back to the customer (ours or seen at the provider) and moves the status. */
export async function addRefund(
  ctx: RequestContext,
  intent: IntentEntity,
  refund: { id?: string; amount: number; cause: Cause },
): Promise<void> {
  const captured = Number(intent.amountCaptured);
  const total = Number(intent.amountRefunded) + refund.amount;
  if (total > captured) throw new Error(`refund would exceed the captured amount (${total} > ${captured})`);
  intent.amountRefunded = total;
  const to: PaymentStatus = total === captured ? 'refunded' : 'partially_refunded';
  const from = intent.status;
  intent.status = to;
  recordTransition(ctx, intent, from, to, { ...refund.cause, detail: { ...refund.cause.detail, refundId: refund.id, amount: refund.amount, amountRefunded: total } });
  await ctx.emit(INTENT_REFUNDED, {
    intentId: intent.id, refundId: refund.id ?? '', provider: intent.provider, amount: refund.amount, amountRefunded: total,
    amountCaptured: captured, currency: intent.currency, full: to === 'refunded', reference: reference(intent),
  });
}

export type ApplyOutcome = 'applied' | 'noop' | 'conflict';

/**
 * Applies a provider-reported state. Forward moves are applied (with intermediate `captured` when
 * the provider already reports refunds); refunds the provider reports beyond our ledger are
 * recorded as provider-side refunds. A move the state machine forbids is a `conflict` — the
 * caller re-reads the provider (out-of-order events) or lists it (reconciliation).
 */
export async function applyState(ctx: RequestContext, intent: IntentEntity, s: Partial<ProviderPaymentState> & { status?: PaymentStatus }, cause: Cause): Promise<ApplyOutcome> {
  if (s.data && Object.keys(s.data).length) intent.providerData = { ...(intent.providerData ?? {}), ...s.data };
  if (s.providerPaymentId && !intent.providerPaymentId) intent.providerPaymentId = s.providerPaymentId;
  const to = s.status;
  if (!to) return 'noop';
  let changed = false;
  if (MONEY_IN.includes(to)) {
    if (!MONEY_IN.includes(intent.status)) {
      if (!canTransition(intent.status, 'captured')) return 'conflict';
      if (s.amountCaptured) intent.amountCaptured = s.amountCaptured;
      await moveTo(ctx, intent, 'captured', cause);
      changed = true;
    }
    const theirs = s.amountRefunded;
    if (theirs !== undefined && theirs > Number(intent.amountRefunded)) {
      const amount = Math.min(theirs, Number(intent.amountCaptured)) - Number(intent.amountRefunded);
      if (amount > 0) {
        const r = ctx.em.create(Refund, {
          id: crypto.randomUUID(), intentId: intent.id, amount, currency: intent.currency, status: 'succeeded', source: 'provider',
          idempotencyKey: `provider:${cause.eventId ?? crypto.randomUUID()}`, createdBy: null, providerRefundId: null, reason: 'seen at the provider',
        } as any);
        await addRefund(ctx, intent, { id: r.id, amount, cause });
        changed = true;
      }
    } else if (to === 'refunded' && theirs === undefined && intent.status !== 'refunded' && !changed) {
      // the provider says fully refunded but not by how much: our ledger is behind
      return 'conflict';
    }
    return changed ? 'applied' : 'noop';
  }
  if (to === intent.status) return 'noop';
  if (!canTransition(intent.status, to)) return 'conflict';
  await moveTo(ctx, intent, to, cause);
  return 'applied';
}

/** Loads an intent of this tenant with a row lock (webhooks, poller and API serialise on it). */
export async function lockIntent(ctx: RequestContext, where: Record<string, unknown>): Promise<IntentEntity | null> {
  return ctx.em.findOne(Intent, where as any, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true } as any);
}
