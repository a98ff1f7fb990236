import crypto from 'node:crypto';
import { NotFoundError, UnprocessableError, type RequestContext } from '@atrium/sdk';
import type { PaymentFlow, ProviderDescription, ProviderPaymentState } from '@atrium/sdk/payments';
import { Intent, type IntentEntity } from '../entities/intent.ts';
import { Refund } from '../entities/records.ts';
import { applyState, intentView, isOpen, lockIntent, recordTransition } from './ledger.ts';
import { callProvider, providerKey, refOf, stableUuid } from './providers.ts';
import { cancelAtProvider, captureAtProvider, claimIntent, createAtProvider, PaymentBusyError, refundAtProvider, type CreateRequest, type IntentView, type RefundOutcome } from './provider-calls.ts';

/**
 * The payment operations as the API, holds and other plugins use them. None of them holds a
 * database transaction while a provider is called (provider-calls.ts): the handlers that call
 * these are declared `transaction: false`, read and write through short transactions
 * (`ctx.transaction`), and run provider operations as outside calls (`ctx.outside`).
 */

export type CoreSettings = { publicBaseUrl?: string; defaultProvider?: string; defaultHoldMinutes?: number; returnUrl?: string };

export type CreateIntentInput = {
  amount: number;
  currency: string;
  provider?: string;
  description?: string;
  flow?: PaymentFlow;
  capture?: 'automatic' | 'manual';
  reference?: { plugin: string; id: string };
  customer?: { email?: string; phone?: string; name?: string; ref?: string };
  returnUrl?: string;
  expiresInMinutes?: number;
  metadata?: Record<string, string>;
};

export function webhookUrl(settings: CoreSettings, provider: string, tenantId: string): string {
  return `${(settings.publicBaseUrl ?? '').replace(/\/+$/, '')}/api/payments/webhooks/${provider}/${tenantId}`;
}

/**
 * An operation on a payment that another one is at the provider for waits its turn (a short
 * pause, then again) rather than failing: concurrent refunds of one payment are served one after
 * the other. After `waitMs` the caller gets 409 PAYMENT_BUSY (with Retry-After semantics).
 */
export async function inTurn<T>(fn: () => Promise<T>, waitMs = 8_000): Promise<T> {
  const until = Date.now() + waitMs;
  for (let pause = 25; ; pause = Math.min(pause * 2, 250)) {
    try {
      return await fn();
    } catch (e) {
      if (!(e instanceof PaymentBusyError) && (e as { type?: string })?.type !== 'PAYMENT_BUSY') throw e;
      if (Date.now() + pause > until) throw e;
      await new Promise((r) => setTimeout(r, pause));
    }
  }
}

/** What a new payment needs from the provider and the settings, decided before anything is written. */
export async function planIntent(ctx: RequestContext, input: CreateIntentInput, opts: { idempotencyKey?: string; purpose?: string } = {}): Promise<CreateRequest & { settings: CoreSettings; desc: ProviderDescription; expiresAt: Date }> {
  const settings = await ctx.settings<CoreSettings>();
  const provider = input.provider ?? settings.defaultProvider;
  if (!provider) throw new UnprocessableError('Choose a payment provider (or set a default one in the payments settings)', 'PROVIDER_REQUIRED');
  const desc = await callProvider<ProviderDescription>(ctx, provider, 'describe');
  const flow = input.flow ?? desc.capabilities.flows[0] ?? 'redirect';
  if (!desc.capabilities.flows.includes(flow)) throw new UnprocessableError(`${desc.displayName} does not support the "${flow}" flow`, 'FLOW_UNSUPPORTED', { providerName: desc.displayName, flow, flows: desc.capabilities.flows });
  const capture = input.capture ?? 'automatic';
  if (capture === 'manual' && !desc.capabilities.manualCapture) throw new UnprocessableError(`${desc.displayName} does not support manual capture`, 'CAPTURE_UNSUPPORTED', { providerName: desc.displayName });
  const currency = input.currency.toUpperCase();
  if (desc.capabilities.currencies && !desc.capabilities.currencies.includes(currency)) {
    throw new UnprocessableError(`${desc.displayName} does not accept ${currency}`, 'CURRENCY_UNSUPPORTED', { providerName: desc.displayName, currency, currencies: desc.capabilities.currencies });
  }
  // A retried request (same Idempotency-Key) maps to the same intent id, hence the same provider
  // de-duplication keys: Stripe replays its answer, PayBox finds the open order, Kaspi the ExternalId.
  const intentId = opts.idempotencyKey ? stableUuid(ctx.tenantId, opts.purpose ?? 'intent', opts.idempotencyKey) : crypto.randomUUID();
  const minutes = input.expiresInMinutes ?? settings.defaultHoldMinutes ?? 30;
  const expiresAt = new Date(Date.now() + minutes * 60_000);
  return {
    settings, desc, expiresAt, provider, intentId, pollIntervalMs: desc.pollIntervalMs, webhooks: desc.capabilities.webhooks,
    input: {
      intentId, amount: input.amount, currency, description: input.description || `Payment ${intentId.slice(0, 8)}`, flow, capture,
      returnUrl: input.returnUrl ?? settings.returnUrl, webhookUrl: webhookUrl(settings, provider, ctx.tenantId),
      expiresAt: expiresAt.toISOString(), customer: input.customer,
      metadata: { ...(input.metadata ?? {}), atrium_intent_id: intentId, atrium_tenant_id: ctx.tenantId },
    },
  };
}

/** Inserts the new intent as `pending` (in `tx`, the outside call's first transaction). */
export function insertIntent(tx: RequestContext, plan: Awaited<ReturnType<typeof planIntent>>, input: CreateIntentInput, extra: { holds?: boolean } = {}): IntentEntity {
  const intent = tx.em.create(Intent, {
    id: plan.intentId, provider: plan.provider, status: 'pending', amount: input.amount, currency: plan.input.currency, amountCaptured: 0, amountRefunded: 0,
    description: input.description ?? '', flow: plan.input.flow, captureMethod: plan.input.capture,
    referencePlugin: input.reference?.plugin ?? null, referenceId: input.reference?.id ?? null,
    customer: input.customer ?? {}, providerPaymentId: null, providerData: extra.holds ? { holds: true } : {}, action: {},
    livemode: plan.desc.mode === 'live', expiresAt: plan.expiresAt, nextPollAt: null, pollCount: 0, lastPolledAt: null, createdBy: tx.user?.id ?? null,
    pendingCall: providerKey(plan.intentId, 'create'),
  } as any) as IntentEntity;
  recordTransition(tx, intent, null, 'pending', { source: 'api', detail: { amount: input.amount, currency: plan.input.currency } });
  return intent;
}

/** Creates the intent and the provider-side payment (link / redirect / QR). */
export async function createIntent(ctx: RequestContext, input: CreateIntentInput, opts: { idempotencyKey?: string } = {}): Promise<IntentView> {
  const plan = await planIntent(ctx, input, opts);
  const { settings: _s, desc: _d, expiresAt: _e, ...request } = plan;
  const view = await ctx.outside(createAtProvider, {
    key: providerKey(plan.intentId, 'create'),
    request,
    // a retry (same Idempotency-Key) is the same payment if the client asked for the same one
    match: input,
    async prepare(tx) {
      insertIntent(tx, plan, input);
    },
  });
  if (!view) throw new NotFoundError('Payment not found', { subject: 'payments.Intent' });
  return view;
}

/**
 * Asks the provider where the payment stands and applies it ("sync now", capture of a payment whose
 * authorization webhook is late, out-of-order webhooks): read, call with no transaction held,
 * apply with the row locked. Callers for a user check the user may read the payment first.
 */
export async function refreshIntent(ctx: RequestContext, intentId: string, source: 'api' | 'poller' | 'webhook' | 'reconcile', eventId?: string) {
  const intent = await ctx.transaction((tx) => tx.em.findOne(Intent, { id: intentId } as any));
  if (!intent) throw new NotFoundError('Payment not found', { subject: 'payments.Intent' });
  if (!intent.providerPaymentId) return { intent: intentView(intent), state: null, outcome: 'noop' as const };
  const s = await callProvider<ProviderPaymentState>(ctx, intent.provider, 'status', { ref: refOf(intent) });
  return ctx.transaction(async (tx) => {
    const locked = await lockIntent(tx, { id: intentId });
    if (!locked) throw new NotFoundError('Payment not found', { subject: 'payments.Intent' });
    const outcome = await applyState(tx, locked, s, { source, eventId: eventId ?? null, detail: { via: 'status', providerStatus: s.status } });
    return { intent: intentView(locked), state: s, outcome };
  });
}

/**
 * The intent, if the caller's rules allow reading it and `action` (capture, cancel, refund) on this
 * row — read outside any transaction (a short read); the operation locks it again when it records.
 */
export async function viewable(ctx: RequestContext, id: string, action = 'read'): Promise<IntentEntity> {
  const intent = await ctx.transaction((tx) => tx.em.findOne(Intent, { id } as any));
  if (!intent) throw new NotFoundError('Payment not found', { subject: 'payments.Intent' });
  const view = intentView(intent);
  ctx.authorize('read', 'payments.Intent', view);
  if (action !== 'read') ctx.authorize(action, 'payments.Intent', view);
  return intent;
}

export async function captureIntent(ctx: RequestContext, id: string, amount?: number): Promise<IntentView> {
  let intent = await viewable(ctx, id, 'capture');
  if (intent.status === 'captured' || intent.status === 'partially_refunded' || intent.status === 'refunded') return intentView(intent);
  // the authorization webhook may still be on its way: ask the provider before refusing
  if (intent.status === 'pending' || intent.status === 'requires_action') {
    const r = await refreshIntent(ctx, id, 'api');
    if (r.intent.status === 'captured') return r.intent;
    intent = await viewable(ctx, id, 'capture');
  }
  if (amount !== undefined && amount > Number(intent.amount)) throw new UnprocessableError('Cannot capture more than was authorized', 'CAPTURE_EXCEEDS_AUTHORIZED', { authorized: Number(intent.amount), requested: amount, currency: intent.currency });
  const key = providerKey(id, 'capture');
  const out = await inTurn(() => ctx.outside(captureAtProvider, {
    key,
    request: { intentId: id, provider: intent.provider, amount: amount ?? null },
    async prepare(tx) {
      const locked = await claimIntent(tx, id, key);
      if (locked.status !== 'authorized') throw new UnprocessableError(`Only an authorized payment can be captured (this one is ${locked.status})`, 'NOT_CAPTURABLE', { status: locked.status });
    },
  }));
  if (out.conflict) throw new UnprocessableError(`The provider reports ${out.conflict}`, 'PROVIDER_STATE', { status: out.conflict });
  if (!out.intent) throw new NotFoundError('Payment not found', { subject: 'payments.Intent' });
  return out.intent;
}

/** Cancels an open payment (at the provider when it has one there). */
export async function cancelIntent(ctx: RequestContext, id: string): Promise<IntentView> {
  const intent = await viewable(ctx, id, 'cancel');
  if (intent.status === 'canceled') return intentView(intent);
  const key = providerKey(id, 'cancel');
  const out = await inTurn(() => ctx.outside(cancelAtProvider, {
    key,
    request: { intentId: id, provider: intent.provider },
    async prepare(tx) {
      const locked = await claimIntent(tx, id, key);
      if (!isOpen(locked.status)) throw new UnprocessableError(`A ${locked.status} payment cannot be canceled${locked.status === 'captured' ? '; refund it instead' : ''}`, 'NOT_CANCELABLE', { status: locked.status });
    },
  }));
  if (out.conflict) throw new UnprocessableError(`The provider reports ${out.conflict}`, 'PROVIDER_STATE', { status: out.conflict });
  if (!out.intent) throw new NotFoundError('Payment not found', { subject: 'payments.Intent' });
  return out.intent;
}

/**
 * A (partial) refund. The refund is recorded as `pending` with the intent row locked and no other
 * operation of the payment at the provider, so refunds are served one at a time and the sum can
 * never pass the captured amount (a check constraint backs it up). The client's key names the
 * refund: a retry with it gets the first answer and refunds once; the provider gets a key derived
 * from it.
 */
export async function refundIntent(ctx: RequestContext, id: string, input: { amount?: number; reason?: string; key: string }): Promise<RefundOutcome> {
  const intent = await viewable(ctx, id, 'refund');
  const key = providerKey(id, 'refund', input.key);
  const refundId = stableUuid(ctx.tenantId, id, 'refund', input.key);
  return inTurn(() => ctx.outside(refundAtProvider, {
    key,
    request: { intentId: id, provider: intent.provider, refundId },
    // the amount as the client gave it (none: what is left): a retry with the key is the same refund
    match: { amount: input.amount ?? null, reason: input.reason ?? null },
    async prepare(tx) {
      const locked = await claimIntent(tx, id, key);
      if (locked.status !== 'captured' && locked.status !== 'partially_refunded') {
        throw new UnprocessableError(`A ${locked.status} payment cannot be refunded`, 'NOT_REFUNDABLE', { status: locked.status });
      }
      const remaining = Number(locked.amountCaptured) - Number(locked.amountRefunded);
      const amount = input.amount ?? remaining;
      if (amount <= 0 || amount > remaining) {
        throw new UnprocessableError(`Refund of ${amount} exceeds the refundable ${remaining} ${locked.currency}`, 'REFUND_EXCEEDS_CAPTURED', { refundable: remaining, requested: amount, currency: locked.currency });
      }
      tx.em.create(Refund, {
        id: refundId, intentId: id, amount, currency: locked.currency, status: 'pending', idempotencyKey: input.key,
        providerRefundId: null, reason: input.reason ?? null, source: 'api', createdBy: tx.user?.id ?? null,
      } as any);
    },
  }));
}
