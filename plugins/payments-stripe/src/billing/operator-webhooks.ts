// The operator's billing webhooks: ONE Stripe endpoint for every tenant. Verified with the
// operator's secrets; the tenant is found in the event (what this plugin tagged at Stripe); the
// subscription is re-read from Stripe (events arrive out of order) with no transaction held, and
// what Stripe says is stored in a short transaction.
import { isUuid, requestHeaders, ValidationError, type RequestContext } from '@atrium/sdk';
import { WebhookSignatureError } from '@atrium/sdk/payments';
import { platformClient, type BillingConfig } from '../platform.config.ts';
import { StripeApiError } from '../stripe.client.ts';
import { stripeCall } from '../stripe.errors.ts';
import { STRIPE_SIGNATURE_HEADER, verifyStripeSignature } from '../stripe.signature.ts';
import { adoption, billingRow, setCheckoutSession, storeSubscription } from './subscription-row.ts';

export const HANDLED = new Set([
  'checkout.session.completed', 'checkout.session.expired',
  'customer.subscription.created', 'customer.subscription.updated', 'customer.subscription.deleted', 'customer.subscription.paused',
  'customer.subscription.resumed', 'customer.subscription.trial_will_end',
  'invoice.paid', 'invoice.payment_succeeded', 'invoice.payment_failed',
]);

export type WebhookParams = { $body: string; $headers?: Record<string, unknown> };

/** The signed event, or 400 (wrong/stale/missing signature, not JSON, not an event): nothing is stored. */
export function verifiedEvent(params: WebhookParams, cfg: BillingConfig): any {
  if (!cfg.webhookSecrets.length) throw new ValidationError('Operator webhooks are not configured (ATRIUM_BILLING_WEBHOOK_SECRETS)', [{ field: 'signature', code: 'signature', message: 'no_secrets' }]);
  const body = Buffer.from(params.$body, 'base64');
  const v = verifyStripeSignature({ rawBody: body, header: requestHeaders(params.$headers)[STRIPE_SIGNATURE_HEADER], secrets: cfg.webhookSecrets, toleranceSeconds: cfg.toleranceSeconds });
  if (!v.ok) throw new WebhookSignatureError(v.reason, v.message);
  let event: any;
  try {
    event = JSON.parse(body.toString('utf8'));
  } catch {
    throw new WebhookSignatureError('malformed_body', 'Signed body is not JSON');
  }
  if (typeof event?.id !== 'string' || typeof event?.type !== 'string') throw new WebhookSignatureError('malformed_body', 'Not a Stripe event');
  return event;
}

/** The subscription an operator event is about (subscription events, invoices of either API shape, completed Checkouts). */
function subscriptionIdOf(event: any): string | null {
  const o = event?.data?.object ?? {};
  if (String(event.type).startsWith('customer.subscription.')) return typeof o.id === 'string' ? o.id : null;
  const sub = o.subscription ?? o.parent?.subscription_details?.subscription;
  return typeof sub === 'string' ? sub : typeof sub?.id === 'string' ? sub.id : null;
}

const tenantIn = (metadata: unknown): string | null => {
  const t = (metadata as Record<string, unknown> | null | undefined)?.atrium_tenant_id;
  return isUuid(t) ? t : null;
};

/**
 * The tenant an operator event is about, from what this plugin tagged at Stripe: the object's own
 * metadata (subscription, Checkout Session, customer), an invoice's copy of its subscription's
 * metadata, else the subscription and then the customer re-read from Stripe. Null: not ours.
 * (Runs before any tenant is known — `resolveTenant` — so on the operator's client with the
 * global fetch: its base URL is the operator's configuration, never a tenant's.)
 */
export async function tenantOfEvent(cfg: BillingConfig, event: any): Promise<string | null> {
  const o = event?.data?.object ?? {};
  const direct = tenantIn(o.metadata) ?? tenantIn(o.subscription_details?.metadata) ?? tenantIn(o.parent?.subscription_details?.metadata);
  if (direct) return direct;
  const stripe = platformClient(cfg);
  const subscriptionId = subscriptionIdOf(event);
  if (subscriptionId) {
    try {
      const t = tenantIn((await stripe.retrieveSubscription(subscriptionId)).metadata);
      if (t) return t;
    } catch (e) {
      if (!(e instanceof StripeApiError) || e.status !== 404) throw e;
    }
  }
  const customer = typeof o.customer === 'string' ? o.customer : typeof o.customer?.id === 'string' ? o.customer.id : null;
  if (customer) {
    try {
      return tenantIn((await stripe.retrieveCustomer(customer)).metadata);
    } catch (e) {
      if (!(e instanceof StripeApiError) || e.status !== 404) throw e;
    }
  }
  return null;
}

async function recordEvent(tx: Pick<RequestContext, 'sql' | 'tenantId'>, event: any, subscriptionId: string | null, outcome: string, statusAfter: string | null): Promise<boolean> {
  const inserted = await tx.sql(
    `insert into payments_stripe.billing_event (tenant_id, event_id, type, subscription_id, outcome, status_after) values ($1::uuid, $2::text, $3::text, $4::text, $5::text, $6::text)
     on conflict do nothing returning 1 as ok`,
    [tx.tenantId, event.id.slice(0, 255), event.type.slice(0, 100), subscriptionId, outcome, statusAfter],
  );
  return inserted.length > 0;
}

/** Applies a verified operator event to this tenant's subscription (handler without a transaction). */
export async function applyOperatorEvent(ctx: RequestContext, cfg: BillingConfig, event: any) {
  if (!HANDLED.has(event.type)) return { received: true, outcome: 'ignored_type' };
  const o = event.data?.object ?? {};
  if (event.type.startsWith('checkout.session.') && o.mode !== 'subscription') return { received: true, outcome: 'ignored_mode' };
  const seen = await ctx.transaction((tx) => tx.sql('select 1 as ok from payments_stripe.billing_event where tenant_id = $1::uuid and event_id = $2::text', [tx.tenantId, event.id.slice(0, 255)]));
  if (seen.length) return { received: true, outcome: 'duplicate' };
  if (event.type === 'checkout.session.expired') {
    if (tenantIn(o.metadata) !== ctx.tenantId) return { received: true, outcome: 'other_tenant' };
    return ctx.transaction(async (tx) => {
      const row = (await billingRow(tx, true))!;
      const mine = row.checkout_session_id === o.id;
      if (!(await recordEvent(tx, event, null, mine ? 'checkout_expired' : 'stale_checkout', row.status))) return { received: true, outcome: 'duplicate' };
      if (mine) await setCheckoutSession(tx, row, null);
      return { received: true, outcome: mine ? 'checkout_expired' : 'stale_checkout' };
    });
  }
  const subscriptionId = subscriptionIdOf(event);
  if (!subscriptionId) return { received: true, outcome: 'no_subscription' };
  // Re-read: the event's copy may be older than what Stripe has now (events arrive out of order).
  const sub = await stripeCall(() => platformClient(cfg, ctx.fetch).retrieveSubscription(subscriptionId));
  // One operator endpoint sees every tenant's events: only this tenant's subscription counts here.
  if (sub.metadata.atrium_tenant_id !== ctx.tenantId) return { received: true, outcome: 'other_tenant' };
  return ctx.transaction(async (tx) => {
    const row = (await billingRow(tx, true))!;
    if (row.customer_id && row.customer_id !== sub.customer) return { received: true, outcome: 'other_customer' };
    const outcome = adoption(row, sub);
    if (!(await recordEvent(tx, event, sub.id, outcome, outcome === 'applied' ? sub.status : row.status))) return { received: true, outcome: 'duplicate' };
    if (outcome === 'extra_subscription') {
      tx.logger.warn({ tenantId: tx.tenantId, subscription: sub.id, current: row.subscription_id }, 'billing: a second live subscription of this tenant at Stripe (cancel one in the Stripe dashboard)');
    }
    if (outcome !== 'applied') return { received: true, outcome };
    await storeSubscription(tx, row, sub, cfg.plans);
    if (event.type === 'checkout.session.completed' && row.checkout_session_id === o.id) await setCheckoutSession(tx, row, null);
    if (event.type.startsWith('invoice.')) {
      const at = new Date((Number(event.created) || Math.floor(Date.now() / 1000)) * 1000);
      const status = event.type === 'invoice.payment_failed' ? 'payment_failed' : 'paid';
      await tx.sql(
        `update payments_stripe.billing_subscription set last_invoice_status = $1::text, last_invoice_at = $2::timestamptz
          where tenant_id = $3::uuid and (last_invoice_at is null or last_invoice_at <= $2::timestamptz)`,
        [status, at.toISOString(), tx.tenantId],
      );
    }
    return { received: true, outcome, status: sub.status };
  });
}
