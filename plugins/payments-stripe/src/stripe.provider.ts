// The Stripe payment provider: Checkout Sessions (redirect / link), manual or automatic capture,
// refunds, cancel, and `Stripe-Signature` webhooks with several active secrets (rotation).
import { activeSecrets, definePaymentProvider, ProviderRejectedError, ProviderUnavailableError, WebhookSignatureError, type PaymentStatus, type ProviderContext, type ProviderPaymentState, type ProviderWebhookEvent } from '@atrium/sdk/payments';
import { StripeApiError, StripeClient, StripeNetworkError } from './stripe.client.ts';
import { STRIPE_SIGNATURE_HEADER, verifyStripeSignature } from './stripe.signature.ts';
import type { StripeCheckoutSession, StripePaymentIntent } from './stripe.schemas.ts';
import type { PlatformConnectSettings } from './connect.service.ts';

export type StripeSettings = {
  mode?: 'test' | 'live';
  apiBaseUrl?: string;
  secretKey?: string;
  /** Every active endpoint secret: during a roll Stripe signs with both. */
  webhookSecrets?: string[] | string;
  webhookToleranceSeconds?: number;
  successUrl?: string;
  cancelUrl?: string;
  /** Stripe Connect: act on the tenant's connected account. */
  connectAccountId?: string;
  /** Platform commission on connected-account payments, in basis points (0 by default). */
  applicationFeeBps?: number;
  /**
   * Not a setting: the tenant's connected account from Connect onboarding and the operator's
   * platform key (environment), injected by the plugin (`withPlatformConnect` in plugin.ts).
   */
  _platform?: PlatformConnectSettings;
};

/** A client for this call, on the kernel's fetch (allowlisted base URLs, the request's deadline). */
function clientFor(ctx: ProviderContext<StripeSettings>, secretKey: string, baseUrl: string | undefined): StripeClient {
  return new StripeClient({ secretKey, baseUrl, timeoutMs: 20_000, maxNetworkRetries: 2, retryDelayMs: 200, fetch: ctx.fetch });
}

/** Which Stripe account acts: the operator's platform key on the tenant's connected account, or the tenant's own key. */
interface Creds {
  client: StripeClient;
  account: string | undefined;
  via: 'platform' | 'tenant';
}

function tenantCreds(ctx: ProviderContext<StripeSettings>): Creds {
  const s = ctx.settings;
  if (!s.secretKey) throw new ProviderRejectedError('Stripe is not set up for this tenant: set secretKey or finish Stripe Connect onboarding', { setting: 'secretKey', reason: 'notConfigured' });
  return { client: clientFor(ctx, s.secretKey, s.apiBaseUrl), account: s.connectAccountId, via: 'tenant' };
}

/** New payments: the onboarded connected account once Stripe enabled charges on it, else the tenant's own key. */
function createCreds(ctx: ProviderContext<StripeSettings>): Creds & { feeBps: number } {
  const p = ctx.settings._platform;
  if (p?.chargesEnabled && p.secretKey) return { client: clientFor(ctx, p.secretKey, p.baseUrl), account: p.accountId, via: 'platform', feeBps: p.feeBps };
  const t = tenantCreds(ctx);
  return { ...t, feeBps: t.account ? (ctx.settings.applicationFeeBps ?? 0) : 0 };
}

/** Existing payments: the credentials they were created with (recorded in the intent's provider data). */
function credsOf(ctx: ProviderContext<StripeSettings>, data: Record<string, unknown>): Creds {
  if (data.via !== 'platform') return tenantCreds(ctx);
  const p = ctx.settings._platform;
  if (!p?.secretKey) throw new ProviderUnavailableError('Stripe: this payment was taken through Stripe Connect, and the platform key (ATRIUM_STRIPE_CONNECT_SECRET_KEY) is not configured');
  return { client: clientFor(ctx, p.secretKey, p.baseUrl), account: String(data.connectAccount), via: 'platform' };
}

export function piStatus(pi: StripePaymentIntent): PaymentStatus {
  switch (pi.status) {
    case 'succeeded':
      return 'captured';
    case 'requires_capture':
      return 'authorized';
    case 'canceled':
      return 'canceled';
    case 'processing':
      return 'pending';
    default:
      return 'requires_action';
  }
}

function sessionState(s: StripeCheckoutSession): ProviderPaymentState {
  const status: PaymentStatus = s.status === 'expired' ? 'expired' : 'pending';
  return { status, providerPaymentId: s.id, amount: s.amount_total ?? undefined, currency: s.currency?.toUpperCase() };
}

const opts = (c: Creds, idempotencyKey?: string) => ({ idempotencyKey, ...(c.account ? { stripeAccount: c.account } : {}) });

async function paymentIntentOf(c: Creds, ref: { providerPaymentId: string; data: Record<string, unknown> }): Promise<StripePaymentIntent | null> {
  let pi = typeof ref.data.paymentIntentId === 'string' ? ref.data.paymentIntentId : null;
  if (!pi) pi = (await c.client.retrieveCheckoutSession(ref.providerPaymentId, opts(c))).payment_intent;
  return pi ? c.client.retrievePaymentIntent(pi, opts(c)) : null;
}

function piState(pi: StripePaymentIntent, sessionId: string): ProviderPaymentState {
  const status = piStatus(pi);
  return { status, providerPaymentId: sessionId, amount: pi.amount, currency: pi.currency.toUpperCase(), amountCaptured: status === 'captured' ? pi.amount_received : undefined, data: { paymentIntentId: pi.id } };
}

/** One normalised event per Stripe event we care about; others are stored with no status. */
export function normaliseStripeEvent(e: any): ProviderWebhookEvent {
  const o = e?.data?.object ?? {};
  const md = (o.metadata ?? {}) as Record<string, string>;
  const base: ProviderWebhookEvent = { eventId: String(e.id), type: String(e.type), livemode: !!e.livemode, occurredAt: e.created ? new Date(e.created * 1000).toISOString() : undefined, intentId: md.atrium_intent_id };
  switch (e.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded':
      return { ...base, intentId: o.client_reference_id ?? md.atrium_intent_id, providerPaymentId: o.id, data: o.payment_intent ? { paymentIntentId: o.payment_intent } : undefined };
    case 'checkout.session.expired':
      return { ...base, intentId: o.client_reference_id ?? md.atrium_intent_id, providerPaymentId: o.id, status: 'expired' };
    case 'checkout.session.async_payment_failed':
      return { ...base, intentId: o.client_reference_id ?? md.atrium_intent_id, providerPaymentId: o.id, status: 'failed' };
    case 'payment_intent.succeeded':
      return { ...base, status: 'captured', amountCaptured: o.amount_received, data: { paymentIntentId: o.id } };
    case 'payment_intent.amount_capturable_updated':
      return { ...base, status: 'authorized', data: { paymentIntentId: o.id } };
    case 'payment_intent.payment_failed':
      return { ...base, status: 'failed', data: { paymentIntentId: o.id } };
    case 'payment_intent.canceled':
      return { ...base, status: 'canceled', data: { paymentIntentId: o.id } };
    case 'account.updated':
      // Connect: the tenant's connected account changed (the plugin's subscriber re-reads it)
      return { ...base, data: { accountId: o.id } };
    case 'charge.refunded':
      return { ...base, status: o.refunded ? 'refunded' : 'partially_refunded', amountRefunded: o.amount_refunded, ...(o.payment_intent ? { lookup: { key: 'paymentIntentId', value: String(o.payment_intent) } } : {}) };
    default:
      return base;
  }
}

export const stripeProvider = definePaymentProvider<StripeSettings>({
  key: 'stripe',
  displayName: 'Stripe',
  capabilities: { webhooks: true, manualCapture: true, partialCapture: true, partialRefund: true, cancel: true, flows: ['redirect', 'link'] },
  pollIntervalMs: 10 * 60_000,
  mapError(e) {
    if (e instanceof StripeApiError) {
      if (e.status >= 500 || e.status === 409 || e.status === 429) return new ProviderUnavailableError(`Stripe: ${e.message}`, { type: e.type, code: e.code });
      return new ProviderRejectedError(`Stripe: ${e.message}`, { type: e.type, code: e.code, param: e.param, declineCode: e.declineCode, ...(e.code === 'card_declined' ? { reason: 'declined' } : {}) });
    }
    if (e instanceof StripeNetworkError) return new ProviderUnavailableError(`Stripe: ${e.message}`);
    return undefined;
  },
  async create(ctx, input) {
    const s = ctx.settings;
    const c = createCreds(ctx);
    const now = Math.floor(Date.now() / 1000);
    const wanted = input.expiresAt ? Math.floor(new Date(input.expiresAt).getTime() / 1000) : now + 24 * 3600;
    // Checkout accepts 30 min … 24 h; the hold's expiry is clamped into that window.
    const expiresAt = Math.min(Math.max(wanted, now + 30 * 60 + 5), now + 24 * 3600 - 5);
    const fee = c.account && c.feeBps ? Math.floor((input.amount * c.feeBps) / 10_000) : 0;
    const session = await c.client.createCheckoutSession({
      mode: 'payment',
      line_items: [{ price_data: { currency: input.currency.toLowerCase(), unit_amount: input.amount, product_data: { name: input.description } }, quantity: 1 }],
      success_url: input.returnUrl ?? s.successUrl ?? 'https://example.com/paid',
      ...(s.cancelUrl ? { cancel_url: s.cancelUrl } : {}),
      client_reference_id: input.intentId,
      ...(input.customer?.email ? { customer_email: input.customer.email } : {}),
      expires_at: expiresAt,
      metadata: input.metadata,
      payment_intent_data: { capture_method: input.capture, metadata: input.metadata, ...(fee ? { application_fee_amount: fee } : {}) },
    }, opts(c, input.idempotencyKey));
    const connect = c.via === 'platform' ? { via: 'platform', connectAccount: c.account, applicationFeeAmount: fee } : {};
    return { ...sessionState(session), action: { type: input.flow, url: session.url ?? undefined }, expiresAt: new Date(session.expires_at * 1000).toISOString(), data: { sessionId: session.id, ...connect } };
  },
  async status(ctx, ref) {
    const c = credsOf(ctx, ref.data);
    const pi = await paymentIntentOf(c, ref);
    if (pi) return piState(pi, ref.providerPaymentId);
    return sessionState(await c.client.retrieveCheckoutSession(ref.providerPaymentId, opts(c)));
  },
  async capture(ctx, ref, input) {
    const c = credsOf(ctx, ref.data);
    const pi = await paymentIntentOf(c, ref);
    if (!pi) throw new ProviderRejectedError('Stripe: nothing to capture yet', { reason: 'nothingToCapture' });
    return piState(await c.client.capturePaymentIntent(pi.id, input.amount, opts(c, input.idempotencyKey)), ref.providerPaymentId);
  },
  async cancel(ctx, ref, input) {
    const c = credsOf(ctx, ref.data);
    const pi = await paymentIntentOf(c, ref);
    if (pi) return piState(await c.client.cancelPaymentIntent(pi.id, opts(c, input.idempotencyKey)), ref.providerPaymentId);
    // Not paid yet: expire the Checkout Session so the link stops working.
    const s = await c.client.expireCheckoutSession(ref.providerPaymentId, opts(c, input.idempotencyKey));
    return { ...sessionState(s), status: 'canceled' };
  },
  async refund(ctx, ref, input) {
    const c = credsOf(ctx, ref.data);
    const pi = await paymentIntentOf(c, ref);
    if (!pi) throw new ProviderRejectedError('Stripe: the payment has no charge to refund', { reason: 'nothingToRefund' });
    // Stripe de-duplicates by Idempotency-Key (24 h): a retry with the same key refunds once.
    const r = await c.client.createRefund({ payment_intent: pi.id, amount: input.amount, ...(input.reason ? { metadata: { reason: input.reason.slice(0, 500) } } : {}) }, opts(c, input.idempotencyKey));
    if (r.status === 'failed' || r.status === 'canceled') throw new ProviderRejectedError(`Stripe refund ${r.id} ${r.status}`, { reason: 'refundFailed' });
    return { providerRefundId: r.id };
  },
  verifyWebhook(ctx, req) {
    const s = ctx.settings;
    const header = req.headers[STRIPE_SIGNATURE_HEADER];
    // The tenant's own endpoint secrets, then (once the tenant has a connected account) the operator's
    // Connect endpoint secrets: events signed by those must be about this tenant's connected account.
    const own = activeSecrets(s.webhookSecrets);
    const platform = s._platform?.webhookSecrets ?? [];
    let v = verifyStripeSignature({ rawBody: req.body, header, secrets: own, toleranceSeconds: s.webhookToleranceSeconds });
    let viaPlatform = false;
    if (!v.ok && platform.length) {
      const p = verifyStripeSignature({ rawBody: req.body, header, secrets: platform, toleranceSeconds: s.webhookToleranceSeconds });
      if (p.ok || !own.length) v = p;
      viaPlatform = p.ok;
    }
    if (!v.ok) throw new WebhookSignatureError(v.reason, v.message);
    let event: any;
    try {
      event = JSON.parse(req.body.toString('utf8'));
    } catch {
      throw new WebhookSignatureError('malformed_body', 'Signed body is not JSON');
    }
    if (typeof event?.id !== 'string' || typeof event?.type !== 'string') throw new WebhookSignatureError('malformed_body', 'Not a Stripe event');
    // Events of a connected account are accepted only for the account this tenant owns: another
    // tenant's account (a shared Connect endpoint) is acknowledged and ignored.
    const accounts = [s._platform?.accountId, s.connectAccountId].filter((x): x is string => !!x);
    if ((event.account !== undefined || viaPlatform) && !accounts.includes(String(event.account))) return { events: [] };
    if (event.livemode === true && ctx.mode !== 'live') {
      // A live event at a test-mode configuration (or the reverse) is acknowledged and ignored.
      return { events: [] };
    }
    return { events: [normaliseStripeEvent(event)] };
  },
});
