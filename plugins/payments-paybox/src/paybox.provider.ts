// The FreedomPay/PayBox payment provider: init_payment (redirect), result_url callbacks verified
// by pg_sig (several active secret keys for rotation) and answered with a signed <response>,
// get_status3, do_capture, cancel and revoke (refund, partial and repeatable).
import { activeSecrets, definePaymentProvider, ProviderRejectedError, ProviderUnavailableError, WebhookSignatureError, type PaymentStatus, type ProviderContext, type ProviderPaymentState } from '@atrium/sdk/payments';
import { PayboxApiError, PayboxClient, PayboxNetworkError, PayboxProtocolError, type PayboxStatus } from './paybox.client.ts';
import { decimalToMinor } from './paybox.money.ts';
import { UnsafeKeyError } from '@atrium/sdk';
import { parsePayboxForm, scriptNameFromUrl, verifyPaybox, type PayboxFields } from './paybox.signature.ts';
import { buildPayboxResponse } from './paybox.xml.ts';

export type PayboxSettings = {
  mode?: 'test' | 'live';
  apiBaseUrl?: string;
  merchantId: string;
  /** Active secret keys: the first signs our requests and answers, any one verifies callbacks. */
  secretKeys: string[] | string;
  language?: 'ru' | 'en' | 'kz';
};

/** A client for this call: the kernel's fetch (allowlisted, bounded) and the core's key ledger (PostgreSQL). */
function client(ctx: ProviderContext<PayboxSettings>): PayboxClient {
  const s = ctx.settings;
  const secret = activeSecrets(s.secretKeys)[0];
  if (!secret) throw new ProviderRejectedError('PayBox: no secret key configured', { reason: 'notConfigured' });
  return new PayboxClient({ merchantId: s.merchantId, secretKey: secret, baseUrl: s.apiBaseUrl, timeoutMs: 20_000, fetch: ctx.fetch, idempotencyStore: ctx.idempotency });
}

export function payboxState(st: PayboxStatus): ProviderPaymentState {
  let status: PaymentStatus;
  switch (st.status) {
    case 'new':
      status = 'pending';
      break;
    case 'pending':
      status = 'requires_action';
      break;
    case 'success':
      status = st.captured ? (st.refundedAmount > 0 ? (st.refundedAmount >= st.clearingAmount ? 'refunded' : 'partially_refunded') : 'captured') : 'authorized';
      break;
    case 'revoked':
      status = 'refunded';
      break;
    case 'canceled':
      status = 'canceled';
      break;
    default:
      status = 'failed';
  }
  const captured = st.captured || st.status === 'revoked';
  return { status, providerPaymentId: st.paymentId, amount: st.amount, currency: st.currency, amountCaptured: captured ? st.clearingAmount : undefined, amountRefunded: captured ? st.refundedAmount : undefined };
}

export const payboxProvider = definePaymentProvider<PayboxSettings>({
  key: 'paybox',
  displayName: 'FreedomPay (PayBox)',
  capabilities: { webhooks: true, manualCapture: true, partialCapture: true, partialRefund: true, cancel: true, flows: ['redirect', 'link'], currencies: ['KZT', 'RUB', 'USD', 'EUR', 'UZS', 'KGS'] },
  pollIntervalMs: 5 * 60_000,
  mapError(e) {
    if (e instanceof PayboxApiError) return new ProviderRejectedError(`PayBox: ${e.description || e.message}`, { code: e.code, script: e.script });
    if (e instanceof PayboxNetworkError || e instanceof PayboxProtocolError) return new ProviderUnavailableError(`PayBox: ${e.message}`);
    return undefined;
  },
  async create(ctx, input) {
    const lifetime = input.expiresAt ? Math.max(300, Math.floor((new Date(input.expiresAt).getTime() - Date.now()) / 1000)) : undefined;
    const r = await client(ctx).initPayment({
      // our intent id is the order id: a repeated init for the same open order returns the same payment
      orderId: input.intentId,
      amount: input.amount,
      currency: input.currency,
      description: input.description,
      resultUrl: input.webhookUrl,
      ...(input.returnUrl ? { successUrl: input.returnUrl, failureUrl: input.returnUrl } : {}),
      lifetimeSeconds: lifetime,
      userEmail: input.customer?.email,
      userPhone: input.customer?.phone,
      language: ctx.settings.language,
      testingMode: ctx.mode === 'test',
      autoClearing: input.capture !== 'manual',
    }, { idempotencyKey: input.idempotencyKey });
    return { status: 'pending', providerPaymentId: r.paymentId, action: { type: input.flow, url: r.redirectUrl }, expiresAt: input.expiresAt, data: { orderId: input.intentId } };
  },
  async status(ctx, ref) {
    return payboxState(await client(ctx).getStatus({ paymentId: ref.providerPaymentId }));
  },
  async capture(ctx, ref, input) {
    await client(ctx).capture({ paymentId: ref.providerPaymentId, amount: input.amount, currency: ref.currency }, { idempotencyKey: input.idempotencyKey });
    return payboxState(await client(ctx).getStatus({ paymentId: ref.providerPaymentId }));
  },
  async cancel(ctx, ref, input) {
    await client(ctx).cancel({ paymentId: ref.providerPaymentId }, { idempotencyKey: input.idempotencyKey });
    return payboxState(await client(ctx).getStatus({ paymentId: ref.providerPaymentId }));
  },
  async refund(ctx, ref, input) {
    const c = client(ctx);
    // PayBox has no idempotency key: an earlier attempt whose answer was lost shows in the refunded total.
    const before = await c.getStatus({ paymentId: ref.providerPaymentId });
    if (before.refundedAmount >= input.refundedBefore + input.amount) return { providerRefundId: null, refundedTotal: before.refundedAmount };
    const r = await c.revoke({ paymentId: ref.providerPaymentId, amount: input.amount, currency: ref.currency }, { idempotencyKey: input.idempotencyKey });
    return { providerRefundId: null, refundedTotal: r.refundedAmount };
  },
  verifyWebhook(ctx, req) {
    const secrets = activeSecrets(ctx.settings.secretKeys);
    const script = scriptNameFromUrl(req.path);
    let fields: PayboxFields;
    try {
      fields = parsePayboxForm(req.body.toString('utf8'));
    } catch (e) {
      if (e instanceof UnsafeKeyError) throw new WebhookSignatureError('malformed_body', 'Not a PayBox callback');
      throw e;
    }
    const v = verifyPaybox(script, fields, secrets);
    if (!v.ok) throw new WebhookSignatureError(v.reason);
    const paymentId = String(fields.pg_payment_id ?? '');
    const result = String(fields.pg_result ?? '');
    if (!paymentId || (result !== '0' && result !== '1')) throw new WebhookSignatureError('malformed_body', 'Not a PayBox result callback');
    const currency = String(fields.pg_currency ?? 'KZT');
    const captured = fields.pg_captured === undefined ? true : fields.pg_captured === '1';
    const status: PaymentStatus = result === '1' ? (captured ? 'captured' : 'authorized') : 'failed';
    const amount = typeof fields.pg_amount === 'string' ? decimalToMinor(fields.pg_amount, currency) : undefined;
    const response = buildPayboxResponse({ scriptName: script, secretKey: secrets[v.secretIndex]!, status: 'ok', canReject: fields.pg_can_reject as any, description: 'Accepted' });
    return {
      // PayBox callbacks carry no event id; one outcome per payment is one event (re-sent copies have new salts)
      events: [{ eventId: `result:${paymentId}:${result}:${captured ? 1 : 0}`, type: result === '1' ? 'payment.succeeded' : 'payment.failed', intentId: String(fields.pg_order_id ?? ''), providerPaymentId: paymentId, status, amountCaptured: status === 'captured' ? amount : undefined }],
      response: { contentType: 'application/xml; charset=utf-8', body: response },
    };
  },
});
