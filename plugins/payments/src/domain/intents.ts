import crypto from 'node:crypto';
import { ConflictError, NotFoundError, UnprocessableError, type RequestContext } from '@atrium/sdk';
import type { CreatedPayment, PaymentFlow, ProviderDescription, ProviderPaymentState, RefundResult } from '@atrium/sdk/payments';
import { Intent, type IntentEntity } from '../entities/intent.ts';
import { Refund } from '../entities/records.ts';
import { addRefund, applyState, intentView, isOpen, lockIntent, recordTransition } from './ledger.ts';
import { callProvider, providerKey, refOf, stableUuid } from './providers.ts';

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

/** Creates the intent and the provider-side payment (link / redirect / QR) in one go. */
export async function createIntent(ctx: RequestContext, input: CreateIntentInput, opts: { idempotencyKey?: string; purpose?: string } = {}): Promise<IntentEntity> {
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
  const id = opts.idempotencyKey ? stableUuid(ctx.tenantId, opts.purpose ?? 'intent', opts.idempotencyKey) : crypto.randomUUID();
  if (await ctx.em.findOne(Intent, { id } as any)) throw new ConflictError('An intent was already created with this Idempotency-Key', 'INTENT_EXISTS', { intentId: id });
  const minutes = input.expiresInMinutes ?? settings.defaultHoldMinutes ?? 30;
  const expiresAt = new Date(Date.now() + minutes * 60_000);
  const intent = ctx.em.create(Intent, {
    id, provider, status: 'pending', amount: input.amount, currency, amountCaptured: 0, amountRefunded: 0,
    description: input.description ?? '', flow, captureMethod: capture,
    referencePlugin: input.reference?.plugin ?? null, referenceId: input.reference?.id ?? null,
    customer: input.customer ?? {}, providerPaymentId: null, providerData: {}, action: {},
    livemode: desc.mode === 'live', expiresAt, nextPollAt: null, pollCount: 0, lastPolledAt: null, createdBy: ctx.user?.id ?? null,
  } as any) as IntentEntity;
  recordTransition(ctx, intent, null, 'pending', { source: 'api', detail: { amount: input.amount, currency } });
  const key = providerKey(id, 'create');
  const created = await callProvider<CreatedPayment>(ctx, provider, 'create', {
    intentId: id, amount: input.amount, currency, description: input.description || `Payment ${id.slice(0, 8)}`, flow, capture,
    returnUrl: input.returnUrl ?? settings.returnUrl, webhookUrl: webhookUrl(settings, provider, ctx.tenantId),
    expiresAt: expiresAt.toISOString(), customer: input.customer, idempotencyKey: key,
    metadata: { ...(input.metadata ?? {}), atrium_intent_id: id, atrium_tenant_id: ctx.tenantId },
  });
  await recordCall(ctx, provider, key, 'create', id, { providerPaymentId: created.providerPaymentId });
  intent.providerPaymentId = created.providerPaymentId;
  intent.action = created.action as any;
  if (created.expiresAt) intent.expiresAt = new Date(created.expiresAt);
  const pollMs = created.pollIntervalMs ?? desc.pollIntervalMs;
  intent.providerData = { ...(created.data ?? {}), pollIntervalMs: pollMs, webhooks: desc.capabilities.webhooks };
  intent.nextPollAt = new Date(Date.now() + pollMs);
  if (created.status && created.status !== 'pending') await applyState(ctx, intent, created, { source: 'api', detail: { via: 'create' } });
  return intent;
}

export async function recordCall(ctx: RequestContext, provider: string, key: string, operation: string, intentId: string | null, result: Record<string, unknown>): Promise<void> {
  await ctx.em.execute(
    `insert into payments.provider_call (tenant_id, provider, key, operation, intent_id, result) values (?, ?, ?, ?, ?, ?)
     on conflict (tenant_id, provider, key) do update set result = excluded.result`,
    [ctx.tenantId, provider, key, operation, intentId, JSON.stringify(result)],
  );
}

/** The intent, locked, if the caller's rules allow reading it and `action` (capture, cancel, refund) on this row. */
export async function loadLocked(ctx: RequestContext, id: string, action = 'read'): Promise<IntentEntity> {
  const intent = await lockIntent(ctx, { id });
  if (!intent) throw new NotFoundError('Payment not found', { subject: 'payments.Intent' });
  const view = intentView(intent);
  ctx.authorize('read', 'payments.Intent', view);
  if (action !== 'read') ctx.authorize(action, 'payments.Intent', view);
  return intent;
}

export async function captureIntent(ctx: RequestContext, intent: IntentEntity, amount?: number): Promise<void> {
  if (intent.status === 'captured' || intent.status === 'partially_refunded' || intent.status === 'refunded') return;
  // the authorization webhook may still be on its way: ask the provider before refusing
  if (intent.status === 'pending' || intent.status === 'requires_action') await refreshIntent(ctx, intent, 'api');
  if ((intent.status as string) === 'captured') return;
  if (intent.status !== 'authorized') throw new UnprocessableError(`Only an authorized payment can be captured (this one is ${intent.status})`, 'NOT_CAPTURABLE', { status: intent.status });
  if (amount !== undefined && amount > Number(intent.amount)) throw new UnprocessableError('Cannot capture more than was authorized', 'CAPTURE_EXCEEDS_AUTHORIZED', { authorized: Number(intent.amount), requested: amount, currency: intent.currency });
  const key = providerKey(intent.id, 'capture');
  const s = await callProvider<ProviderPaymentState>(ctx, intent.provider, 'capture', { ref: refOf(intent), amount, idempotencyKey: key });
  await recordCall(ctx, intent.provider, key, 'capture', intent.id, { status: s.status, amountCaptured: s.amountCaptured });
  const out = await applyState(ctx, intent, { ...s, status: s.status === 'authorized' ? 'captured' : s.status, amountCaptured: s.amountCaptured ?? amount ?? Number(intent.amount) }, { source: 'api', detail: { via: 'capture' } });
  if (out === 'conflict') throw new UnprocessableError(`The provider reports ${s.status}`, 'PROVIDER_STATE', { status: s.status });
}

export async function cancelIntent(ctx: RequestContext, intent: IntentEntity): Promise<void> {
  if (intent.status === 'canceled') return;
  if (!isOpen(intent.status)) throw new UnprocessableError(`A ${intent.status} payment cannot be canceled${intent.status === 'captured' ? '; refund it instead' : ''}`, 'NOT_CANCELABLE', { status: intent.status });
  const key = providerKey(intent.id, 'cancel');
  let s: ProviderPaymentState | null = null;
  if (intent.providerPaymentId) {
    s = await callProvider<ProviderPaymentState>(ctx, intent.provider, 'cancel', { ref: refOf(intent), idempotencyKey: key });
    await recordCall(ctx, intent.provider, key, 'cancel', intent.id, { status: s.status });
  }
  const target = s?.status && s.status !== 'pending' && s.status !== 'requires_action' ? s.status : 'canceled';
  const out = await applyState(ctx, intent, { ...(s ?? {}), status: target === 'expired' ? 'canceled' : target }, { source: 'api', detail: { via: 'cancel' } });
  if (out === 'conflict') throw new UnprocessableError(`The provider reports ${s?.status}`, 'PROVIDER_STATE', { status: s?.status });
}

/**
 * A (partial) refund. The intent row is locked, so concurrent refunds are serialised and the sum
 * can never pass the captured amount (a check constraint backs it up). The refund's client key
 * is unique per intent; the provider gets a key derived from it, so a retry refunds once.
 */
export async function refundIntent(ctx: RequestContext, intent: IntentEntity, input: { amount?: number; reason?: string; key: string }) {
  const existing = await ctx.em.findOne(Refund, { intentId: intent.id, idempotencyKey: input.key } as any);
  if (existing) {
    if (input.amount !== undefined && Number(existing.amount) !== input.amount) throw new UnprocessableError('This Idempotency-Key was already used for another refund', 'IDEMPOTENCY_KEY_REUSED');
    return existing;
  }
  if (intent.status !== 'captured' && intent.status !== 'partially_refunded') {
    throw new UnprocessableError(`A ${intent.status} payment cannot be refunded`, 'NOT_REFUNDABLE', { status: intent.status });
  }
  const remaining = Number(intent.amountCaptured) - Number(intent.amountRefunded);
  const amount = input.amount ?? remaining;
  if (amount <= 0 || amount > remaining) {
    throw new UnprocessableError(`Refund of ${amount} exceeds the refundable ${remaining} ${intent.currency}`, 'REFUND_EXCEEDS_CAPTURED', { refundable: remaining, requested: amount, currency: intent.currency });
  }
  const key = providerKey(intent.id, 'refund', input.key);
  const result = await callProvider<RefundResult>(ctx, intent.provider, 'refund', {
    ref: refOf(intent),
    input: { amount, idempotencyKey: key, refundedBefore: Number(intent.amountRefunded), reason: input.reason },
  });
  await recordCall(ctx, intent.provider, key, 'refund', intent.id, { ...result, amount });
  const refund = ctx.em.create(Refund, {
    id: crypto.randomUUID(), intentId: intent.id, amount, currency: intent.currency, status: 'succeeded', idempotencyKey: input.key,
    providerRefundId: result.providerRefundId ?? null, reason: input.reason ?? null, source: 'api', createdBy: ctx.user?.id ?? null,
  } as any);
  await addRefund(ctx, intent, { id: refund.id, amount, cause: { source: 'api', detail: { providerRefundId: result.providerRefundId } } });
  return refund;
}

export function refundView(r: any) {
  return { id: r.id, intentId: r.intentId ?? r.intent_id, amount: Number(r.amount), currency: r.currency, status: r.status, providerRefundId: r.providerRefundId ?? r.provider_refund_id ?? null, reason: r.reason ?? null, source: r.source, createdAt: r.createdAt ?? r.created_at };
}

/** Asks the provider where the payment stands and applies it (poller, "sync now", out-of-order events). */
export async function refreshIntent(ctx: RequestContext, intent: IntentEntity, source: 'api' | 'poller' | 'webhook' | 'reconcile', eventId?: string) {
  if (!intent.providerPaymentId) return { state: null, outcome: 'noop' as const };
  const s = await callProvider<ProviderPaymentState>(ctx, intent.provider, 'status', { ref: refOf(intent) });
  return { state: s, outcome: await applyState(ctx, intent, s, { source, eventId: eventId ?? null, detail: { via: 'status', providerStatus: s.status } }) };
}
