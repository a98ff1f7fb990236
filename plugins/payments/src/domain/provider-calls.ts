import { ConflictError, defineOutsideCall, NotFoundError, type RequestContext } from '@atrium/sdk';
import type { CreatedPayment, CreatePaymentInput, PaymentStatus, ProviderPaymentRef, ProviderPaymentState, RefundResult } from '@atrium/sdk/payments';
import { Intent, type IntentEntity } from '../entities/intent.ts';
import { Refund, type RefundEntity } from '../entities/records.ts';
import { addRefund, applyState, intentView, lockIntent } from './ledger.ts';
import { callProvider, refOf } from './providers.ts';

/**
 * Every operation that changes something at a provider — create, capture, cancel, refund — is an
 * outside call (`ctx.outside`, @atrium/sdk): the intent and the kernel's journal row are written in
 * one short transaction, the provider is called with no database connection held, and the answer
 * is recorded in a second short transaction (`settle`). A crash or a lost answer in between leaves
 * the journal row pending; once its lease runs out a node calls the provider again with the SAME
 * key (`atrium-<intent>-<op>…`), which each provider de-duplicates: Stripe by Idempotency-Key,
 * PayBox and Kaspi by our order id and the providers' idempotency ledger (`ctx.idempotency`), and
 * refunds additionally by comparing the provider's refunded total with ours. Never a new id, so
 * never a second charge or refund.
 *
 * One operation per payment at a time: the intent's `pending_call` holds the key of the operation
 * at the provider, set when it is recorded and cleared when its answer is; another operation waits
 * for it (PaymentBusyError, retried by the action). So a refund's "refunded before" is still true
 * while it is at the provider.
 */

export type IntentView = ReturnType<typeof intentView>;

/** Another operation on the payment is at the provider: the caller waits and tries again. */
export class PaymentBusyError extends ConflictError {
  constructor(intentId: string) {
    super('Another operation on this payment is in progress at the provider; try again in a moment', 'PAYMENT_BUSY', { intentId, retryAfterSeconds: 1 });
    this.name = 'PaymentBusyError';
  }
}

/** Locks the intent (in `tx`) for a provider operation under `key`; refused while another is in flight. */
export async function claimIntent(tx: RequestContext, intentId: string, key: string): Promise<IntentEntity> {
  const intent = await lockIntent(tx, { id: intentId });
  if (!intent) throw new NotFoundError('Payment not found', { subject: 'payments.Intent' });
  if (intent.pendingCall && intent.pendingCall !== key) throw new PaymentBusyError(intent.id);
  intent.pendingCall = key;
  return intent;
}

/** The intent, locked, with the operation `key` no longer in flight (settle). */
async function releaseIntent(tx: RequestContext, intentId: string, key: string): Promise<IntentEntity | null> {
  const intent = await lockIntent(tx, { id: intentId });
  if (intent?.pendingCall === key) intent.pendingCall = null;
  return intent;
}

/** The intent as it is now, for a call made without a transaction (short read). */
async function readIntent(ctx: RequestContext, intentId: string): Promise<IntentEntity> {
  const intent = await ctx.transaction((tx) => tx.em.findOne(Intent, { id: intentId } as any));
  if (!intent) throw new NotFoundError('Payment not found', { subject: 'payments.Intent' });
  return intent;
}

export async function recordCall(tx: RequestContext, provider: string, key: string, operation: string, intentId: string | null, result: Record<string, unknown>): Promise<void> {
  await tx.sql(
    `insert into payments.provider_call (tenant_id, provider, key, operation, intent_id, result) values ($1::uuid, $2::text, $3::text, $4::text, $5::uuid, $6::jsonb)
     on conflict (tenant_id, provider, key) do update set result = excluded.result`,
    [tx.tenantId, provider, key, operation, intentId, JSON.stringify(result)],
  );
}

// ---- create ----

export type CreateRequest = {
  provider: string;
  intentId: string;
  input: Omit<CreatePaymentInput, 'idempotencyKey'>;
  /** The provider's default poll interval and whether it sends webhooks (its `describe`). */
  pollIntervalMs: number;
  webhooks: boolean;
};

export const createAtProvider = defineOutsideCall<CreateRequest, CreatedPayment, IntentView | null>({
  name: 'provider-create',
  call: (ctx, r, key) => callProvider<CreatedPayment>(ctx, r.provider, 'create', { ...r.input, idempotencyKey: key }),
  async settle(tx, r, outcome, key) {
    const intent = await releaseIntent(tx, r.intentId, key);
    if (!intent) return null; // purged meanwhile
    if (!outcome.ok) {
      // refused (declined, unsupported, misconfigured): nothing exists at the provider
      await applyState(tx, intent, { status: 'failed' }, { source: 'api', detail: { via: 'create', code: outcome.error.code, message: outcome.error.message } });
      return intentView(intent);
    }
    const created = outcome.value;
    await recordCall(tx, r.provider, key, 'create', intent.id, { providerPaymentId: created.providerPaymentId });
    intent.providerPaymentId = created.providerPaymentId;
    intent.action = created.action as any;
    if (created.expiresAt) intent.expiresAt = new Date(created.expiresAt);
    const pollMs = created.pollIntervalMs ?? r.pollIntervalMs;
    intent.providerData = { ...(intent.providerData ?? {}), ...(created.data ?? {}), pollIntervalMs: pollMs, webhooks: r.webhooks };
    intent.nextPollAt = new Date(Date.now() + pollMs);
    // a hold expires with its payment link (Stripe clamps the link's lifetime)
    if ((intent.providerData as any).holds === true && intent.expiresAt) {
      await tx.sql(`update payments.hold set expires_at = $2::timestamptz, updated_at = now() where tenant_id = $3::uuid and intent_id = $1::uuid and status = 'held'`, [intent.id, intent.expiresAt.toISOString(), tx.tenantId]);
    }
    if (created.status && created.status !== 'pending') await applyState(tx, intent, created, { source: 'api', detail: { via: 'create' } });
    return intentView(intent);
  },
});

// ---- capture and cancel ----

export type StateChange = { intent: IntentView | null; conflict: PaymentStatus | null };

export type CaptureRequest = { intentId: string; provider: string; amount: number | null };

export const captureAtProvider = defineOutsideCall<CaptureRequest, ProviderPaymentState, StateChange>({
  name: 'provider-capture',
  async call(ctx, r, key) {
    const intent = await readIntent(ctx, r.intentId);
    return callProvider<ProviderPaymentState>(ctx, r.provider, 'capture', { ref: refOf(intent), amount: r.amount ?? undefined, idempotencyKey: key });
  },
  async settle(tx, r, outcome, key) {
    const intent = await releaseIntent(tx, r.intentId, key);
    if (!intent || !outcome.ok) return { intent: intent ? intentView(intent) : null, conflict: null };
    const s = outcome.value;
    await recordCall(tx, r.provider, key, 'capture', intent.id, { status: s.status, amountCaptured: s.amountCaptured });
    const out = await applyState(tx, intent, { ...s, status: s.status === 'authorized' ? 'captured' : s.status, amountCaptured: s.amountCaptured ?? r.amount ?? Number(intent.amount) }, { source: 'api', detail: { via: 'capture' } });
    return { intent: intentView(intent), conflict: out === 'conflict' ? s.status : null };
  },
});

export type CancelRequest = { intentId: string; provider: string };

export const cancelAtProvider = defineOutsideCall<CancelRequest, ProviderPaymentState | null, StateChange>({
  name: 'provider-cancel',
  async call(ctx, r, key) {
    const intent = await readIntent(ctx, r.intentId);
    // nothing at the provider yet (its create was refused or never answered): canceled here alone
    if (!intent.providerPaymentId) return null;
    return callProvider<ProviderPaymentState>(ctx, r.provider, 'cancel', { ref: refOf(intent), idempotencyKey: key });
  },
  async settle(tx, r, outcome, key) {
    const intent = await releaseIntent(tx, r.intentId, key);
    if (!intent || !outcome.ok) return { intent: intent ? intentView(intent) : null, conflict: null };
    const s = outcome.value;
    if (s) await recordCall(tx, r.provider, key, 'cancel', intent.id, { status: s.status });
    const target = s?.status && s.status !== 'pending' && s.status !== 'requires_action' ? s.status : 'canceled';
    const out = await applyState(tx, intent, { ...(s ?? {}), status: target === 'expired' ? 'canceled' : target }, { source: 'api', detail: { via: 'cancel' } });
    return { intent: intentView(intent), conflict: out === 'conflict' ? (s?.status ?? null) : null };
  },
});

// ---- refund ----

export type RefundRequest = { intentId: string; provider: string; refundId: string };
export type RefundOutcome = { refund: ReturnType<typeof refundView> | null; intent: IntentView | null };

export function refundView(r: RefundEntity | any) {
  return { id: r.id, intentId: r.intentId ?? r.intent_id, amount: Number(r.amount), currency: r.currency, status: r.status, providerRefundId: r.providerRefundId ?? r.provider_refund_id ?? null, reason: r.reason ?? null, source: r.source, createdAt: r.createdAt ?? r.created_at };
}

export const refundAtProvider = defineOutsideCall<RefundRequest, RefundResult & { amount: number }, RefundOutcome>({
  name: 'provider-refund',
  async call(ctx, r, key) {
    // the refund row (written with the journal) holds the amount; our ledger's total is the
    // provider's yardstick for an earlier attempt whose answer was lost
    const { intent, refund } = await ctx.transaction(async (tx) => ({
      intent: await tx.em.findOne(Intent, { id: r.intentId } as any),
      refund: await tx.em.findOne(Refund, { id: r.refundId } as any),
    }));
    if (!intent || !refund) throw new NotFoundError('Payment not found');
    const amount = Number(refund.amount);
    const result = await callProvider<RefundResult>(ctx, r.provider, 'refund', {
      ref: refOf(intent) satisfies ProviderPaymentRef,
      input: { amount, idempotencyKey: key, refundedBefore: Number(intent.amountRefunded), reason: refund.reason ?? undefined },
    });
    return { ...result, amount };
  },
  async settle(tx, r, outcome, key) {
    const intent = await releaseIntent(tx, r.intentId, key);
    const refund = await tx.em.findOne(Refund, { id: r.refundId } as any);
    if (!intent || !refund) return { refund: refund ? refundView(refund) : null, intent: intent ? intentView(intent) : null };
    if (!outcome.ok) {
      refund.status = 'failed';
      return { refund: refundView(refund), intent: intentView(intent) };
    }
    const result = outcome.value;
    await recordCall(tx, r.provider, key, 'refund', intent.id, { ...result });
    refund.status = 'succeeded';
    refund.providerRefundId = result.providerRefundId ?? null;
    await addRefund(tx, intent, { id: refund.id, amount: result.amount, cause: { source: 'api', detail: { providerRefundId: result.providerRefundId } } });
    return { refund: refundView(refund), intent: intentView(intent) };
  },
});

/** Every outside call of this plugin (definePlugin({ outsideCalls })). */
export const PROVIDER_CALLS = [createAtProvider, captureAtProvider, cancelAtProvider, refundAtProvider];
