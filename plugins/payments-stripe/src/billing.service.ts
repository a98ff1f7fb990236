// SaaS billing of tenants by the platform operator: the OPERATOR's Stripe account (environment,
// see platform.config.ts) bills each tenant for using the platform. Separate from customer payments
// (the tenant's own Stripe or its connected account): other keys, other webhook route, other tables,
// and not subject to the tenant's enabling of this plugin (`requiresEnablement: false`): the tenant
// turning its Stripe customer payments off does not turn off the operator's billing of it.
//
// Card collection: Stripe Checkout in `subscription` mode for the first subscription (the trial
// starts with a card on file) and the Billing customer portal for everything after (card, invoices,
// cancel). Both report back through the operator's webhooks — one URL for every tenant, the tenant
// found in the event (`resolveTenant`) — which re-read the subscription and store what Stripe says.
//
// What is stored is only what Stripe says: every state change (ours or a webhook) ends with the
// subscription as Stripe answered it, and webhooks re-read the subscription, so duplicates and
// out-of-order deliveries converge on Stripe's current state.
import { createHash, randomUUID } from 'node:crypto';
import { ConflictError, defineAction, defineService, ForbiddenError, Type, UnprocessableError, ValidationError, type ActionContext, type RequestContext, type TenantResolution } from '@atrium/sdk';
import { WebhookSignatureError } from '@atrium/sdk/payments';
import { platformClient, requireBillingConfig, type BillingConfig, type Plan } from './platform.config.ts';
import { StripeApiError, type LineItem, type StripeClient, type SubscriptionPriceData } from './stripe.client.ts';
import { mapStripeError, stripeCall } from './stripe.errors.ts';
import type { StripeSubscription } from './stripe.schemas.ts';
import { STRIPE_SIGNATURE_HEADER, verifyStripeSignature } from './stripe.signature.ts';

export interface BillingRow {
  tenant_id: string;
  customer_id: string | null;
  subscription_id: string | null;
  plan_id: string | null;
  status: string | null;
  current_period_end: Date | string | null;
  trial_end: Date | string | null;
  cancel_at_period_end: boolean;
  canceled_at: Date | string | null;
  trial_used: boolean;
  generation: number;
  last_invoice_status: string | null;
  last_invoice_at: Date | string | null;
  synced_at: Date | string | null;
  checkout_session_id: string | null;
}

/** Statuses after which the tenant needs a new subscription (not a plan change). */
const ENDED = new Set(['canceled', 'incomplete_expired']);

const iso = (v: Date | string | null | undefined) => (v ? new Date(v).toISOString() : null);
const fromUnix = (v: number | null | undefined) => (v ? new Date(v * 1000).toISOString() : null);

function planView(p: Plan) {
  return { id: p.id, name: p.name, priceMinor: p.priceMinor, currency: p.currency, interval: p.interval, intervalCount: p.intervalCount ?? 1, trialDays: p.trialDays ?? 0, features: p.features ?? [] };
}

function subscriptionView(row: BillingRow | null, plans: Plan[]) {
  const plan = row?.plan_id ? plans.find((p) => p.id === row.plan_id) : undefined;
  return {
    subscribed: !!row?.subscription_id && !ENDED.has(row.status ?? ''),
    subscriptionId: row?.subscription_id ?? null,
    status: row?.status ?? null,
    planId: row?.plan_id ?? null,
    plan: plan ? planView(plan) : null,
    currentPeriodEnd: iso(row?.current_period_end),
    trialEnd: iso(row?.trial_end),
    cancelAtPeriodEnd: row?.cancel_at_period_end ?? false,
    canceledAt: iso(row?.canceled_at),
    trialUsed: row?.trial_used ?? false,
    lastInvoiceStatus: row?.last_invoice_status ?? null,
    syncedAt: iso(row?.synced_at),
    /** A Checkout page made for the tenant and not completed or expired yet. */
    checkoutSessionId: row?.checkout_session_id ?? null,
  };
}

async function billingRow(ctx: Pick<RequestContext, 'em' | 'tenantId'>, lock: boolean): Promise<BillingRow | null> {
  if (lock) await ctx.em.execute('insert into payments_stripe.billing_subscription (tenant_id) values (?) on conflict do nothing', [ctx.tenantId]);
  const rows = await ctx.em.execute(`select * from payments_stripe.billing_subscription where tenant_id = ?${lock ? ' for update' : ''}`, [ctx.tenantId]);
  return (rows[0] as BillingRow | undefined) ?? null;
}

/** The plan a Stripe subscription is on: our metadata, else the item's price/product. */
function planOf(sub: StripeSubscription, plans: Plan[]): string | null {
  if (sub.metadata.atrium_plan) return sub.metadata.atrium_plan;
  const price = sub.items.data[0]?.price;
  const p = price && plans.find((x) => x.stripePriceId === price.id || productId(x) === price.product);
  return p?.id ?? null;
}

/** Stores the subscription exactly as Stripe answered it. */
async function storeSubscription(ctx: RequestContext, row: BillingRow, sub: StripeSubscription, plans: Plan[]): Promise<void> {
  const periodEnd = sub.current_period_end ?? sub.items.data[0]?.current_period_end ?? null;
  const values = {
    subscription_id: sub.id, customer_id: sub.customer, plan_id: planOf(sub, plans), status: sub.status,
    current_period_end: fromUnix(periodEnd), trial_end: fromUnix(sub.trial_end), cancel_at_period_end: sub.cancel_at_period_end,
    canceled_at: fromUnix(sub.canceled_at), trial_used: row.trial_used || sub.trial_end !== null,
  };
  await ctx.em.execute(
    `update payments_stripe.billing_subscription set subscription_id = ?, customer_id = ?, plan_id = ?, status = ?, current_period_end = ?, trial_end = ?,
       cancel_at_period_end = ?, canceled_at = ?, trial_used = ?, synced_at = now(), updated_at = now() where tenant_id = ?`,
    [values.subscription_id, values.customer_id, values.plan_id, values.status, values.current_period_end, values.trial_end,
      values.cancel_at_period_end, values.canceled_at, values.trial_used, ctx.tenantId],
  );
  Object.assign(row, values, { synced_at: new Date() });
}

const productId = (p: Plan) => `atrium_plan_${p.id}`;

/** The plan's Stripe product (own id, so it is found again without storing Stripe's id anywhere). */
async function ensureProduct(stripe: StripeClient, plan: Plan): Promise<string> {
  const id = productId(plan);
  try {
    await stripe.retrieveProduct(id);
    return id;
  } catch (e) {
    if (!(e instanceof StripeApiError) || e.status !== 404) throw e;
  }
  try {
    await stripe.createProduct({ id, name: plan.name, metadata: { atrium_plan: plan.id } }, { idempotencyKey: `atrium-billing-product-${id}` });
  } catch (e) {
    // made concurrently by another tenant's subscribe: fine
    if (!(e instanceof StripeApiError) || e.code !== 'resource_already_exists') throw e;
  }
  return id;
}

/** The plan as a Checkout line item: the same price (or inline price under the plan's product) a direct subscription gets. */
async function lineItemFor(stripe: StripeClient, plan: Plan): Promise<LineItem> {
  const item = await itemFor(stripe, plan);
  return { ...item, quantity: 1 };
}

async function itemFor(stripe: StripeClient, plan: Plan): Promise<{ price: string } | { price_data: SubscriptionPriceData }> {
  if (plan.stripePriceId) return { price: plan.stripePriceId };
  return {
    price_data: {
      currency: plan.currency.toLowerCase(), product: await ensureProduct(stripe, plan), unit_amount: plan.priceMinor,
      recurring: { interval: plan.interval, interval_count: plan.intervalCount ?? 1 },
    },
  };
}

const DAYS = { day: 1, week: 7, month: 30, year: 365 } as const;
/** Price per day, to tell an upgrade from a downgrade across intervals. */
const perDay = (p: Plan) => p.priceMinor / (DAYS[p.interval] * (p.intervalCount ?? 1));

function findPlan(plans: Plan[], id: string): Plan {
  const plan = plans.find((p) => p.id === id);
  if (!plan) throw new ValidationError(`Unknown plan "${id}"`, [{ field: 'planId', code: 'enum', params: { allowedValues: plans.map((p) => p.id) }, message: `must be one of: ${plans.map((p) => p.id).join(', ') || '(no plans configured)'}` }]);
  return plan;
}

/** Subscribing commits the tenant to paying the platform: the owner decides, not a delegate. */
function requireOwner(ctx: RequestContext): void {
  if (!ctx.user?.roles.includes('owner')) throw new ForbiddenError('Only the tenant owner may change the platform subscription', 'OWNER_ONLY');
}

/**
 * What every owner action on a plan starts with (checkout, subscribe, change): the owner check,
 * the operator's billing config, the plan asked for, the platform's Stripe client, and the
 * tenant's billing row — created if missing and locked for this transaction.
 */
async function ownerPlanChange(ctx: RequestContext, planId: string) {
  requireOwner(ctx);
  const cfg = requireBillingConfig();
  const plan = findPlan(cfg.plans, planId);
  return { cfg, plan, stripe: platformClient(cfg), row: (await billingRow(ctx, true))! };
}

function activeSubscription(row: BillingRow | null): asserts row is BillingRow & { subscription_id: string } {
  if (!row?.subscription_id || ENDED.has(row.status ?? '')) throw new ConflictError('The tenant has no active subscription', 'NO_SUBSCRIPTION');
}

const PlanId = Type.String({ minLength: 1, maxLength: 40 });
const Url = Type.String({ pattern: '^https?://', maxLength: 2000 });
const owner = ['change', 'payments-stripe.Billing'] as const;

/** A client-chosen retry key, shortened for Stripe's 255-character limit (a fresh one when the client sent none). */
const keyPart = (clientKey: string | undefined) => createHash('sha256').update(clientKey ?? randomUUID()).digest('hex').slice(0, 32);

/** The tenant's Stripe customer at the operator's account: made once, tagged with the tenant. */
async function ensureCustomer(ctx: ActionContext<any>, stripe: StripeClient, row: BillingRow): Promise<string> {
  if (row.customer_id) return row.customer_id;
  const customer = await stripeCall(() => stripe.createCustomer(
    { email: ctx.user!.email, metadata: { atrium_tenant_id: ctx.tenantId } },
    { idempotencyKey: `atrium-billing-customer-${ctx.tenantId}-${ctx.user!.id}` },
  ));
  row.customer_id = customer.id;
  await ctx.em.execute('update payments_stripe.billing_subscription set customer_id = ?, updated_at = now() where tenant_id = ?', [customer.id, ctx.tenantId]);
  return customer.id;
}

async function setCheckoutSession(ctx: RequestContext, row: BillingRow, id: string | null): Promise<void> {
  await ctx.em.execute('update payments_stripe.billing_subscription set checkout_session_id = ?, updated_at = now() where tenant_id = ?', [id, ctx.tenantId]);
  row.checkout_session_id = id;
}

/**
 * Whether a subscription Stripe reports (for this tenant and customer) becomes the tenant's:
 * the one on record, or a live one replacing an ended one (a re-subscription through Checkout).
 * Another live one while the tenant's is live is `extra_subscription` (two Checkout pages both
 * paid); an ended one that is not on record is a late event (`stale_subscription`).
 */
function adoption(row: BillingRow, sub: StripeSubscription): 'applied' | 'stale_subscription' | 'extra_subscription' {
  if (!row.subscription_id || row.subscription_id === sub.id) return 'applied';
  const rowLive = !ENDED.has(row.status ?? '');
  const subLive = !ENDED.has(sub.status);
  if (!rowLive && subLive) return 'applied';
  return rowLive && subLive ? 'extra_subscription' : 'stale_subscription';
}

/**
 * The tenant's pending Checkout page, read back from Stripe: completed → its subscription is stored
 * (when it is the tenant's to adopt), expired → forgotten. For when the webhook has not arrived.
 */
async function syncCheckoutSession(ctx: RequestContext, cfg: BillingConfig, row: BillingRow): Promise<void> {
  if (!row.checkout_session_id) return;
  const stripe = platformClient(cfg);
  const session = await stripeCall(() => stripe.retrieveCheckoutSession(row.checkout_session_id!));
  if (session.status === 'open') return;
  if (session.status === 'complete' && session.subscription) {
    const sub = await stripeCall(() => stripe.retrieveSubscription(session.subscription!));
    if (sub.metadata.atrium_tenant_id === ctx.tenantId && (!row.customer_id || row.customer_id === sub.customer) && adoption(row, sub) === 'applied') {
      await storeSubscription(ctx, row, sub, cfg.plans);
    }
  }
  await setCheckoutSession(ctx, row, null);
}

// ---- The operator's webhooks ----

const HANDLED = new Set([
  'checkout.session.completed', 'checkout.session.expired',
  'customer.subscription.created', 'customer.subscription.updated', 'customer.subscription.deleted', 'customer.subscription.paused',
  'customer.subscription.resumed', 'customer.subscription.trial_will_end',
  'invoice.paid', 'invoice.payment_succeeded', 'invoice.payment_failed',
]);

function headerMap(raw: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw ?? {})) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v ?? '');
  return out;
}

type WebhookParams = { $body: string; $headers?: Record<string, unknown> };

/** The signed event, or 400 (wrong/stale/missing signature, not JSON, not an event): nothing is stored. */
function verifiedEvent(params: WebhookParams, cfg: BillingConfig): any {
  if (!cfg.webhookSecrets.length) throw new ValidationError('Operator webhooks are not configured (ATRIUM_BILLING_WEBHOOK_SECRETS)', [{ field: 'signature', code: 'signature', message: 'no_secrets' }]);
  const body = Buffer.from(params.$body, 'base64');
  const v = verifyStripeSignature({ rawBody: body, header: headerMap(params.$headers)[STRIPE_SIGNATURE_HEADER], secrets: cfg.webhookSecrets, toleranceSeconds: cfg.toleranceSeconds });
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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const tenantIn = (metadata: unknown): string | null => {
  const t = (metadata as Record<string, unknown> | null | undefined)?.atrium_tenant_id;
  return typeof t === 'string' && UUID.test(t) ? t : null;
};

/**
 * The tenant an operator event is about, from what this plugin tagged at Stripe: the object's own
 * metadata (subscription, Checkout Session, customer), an invoice's copy of its subscription's
 * metadata, else the subscription and then the customer re-read from Stripe. Null: not ours.
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

async function recordEvent(ctx: RequestContext, event: any, subscriptionId: string | null, outcome: string, statusAfter: string | null): Promise<boolean> {
  const inserted = await ctx.em.execute(
    `insert into payments_stripe.billing_event (tenant_id, event_id, type, subscription_id, outcome, status_after) values (?, ?, ?, ?, ?, ?)
     on conflict do nothing returning 1 as ok`,
    [ctx.tenantId, event.id.slice(0, 255), event.type.slice(0, 100), subscriptionId, outcome, statusAfter],
  );
  return inserted.length > 0;
}

/** Applies a verified operator event to this tenant's subscription (re-read from Stripe). */
async function applyOperatorEvent(ctx: RequestContext, cfg: BillingConfig, event: any) {
  if (!HANDLED.has(event.type)) return { received: true, outcome: 'ignored_type' };
  const o = event.data?.object ?? {};
  if (event.type.startsWith('checkout.session.') && o.mode !== 'subscription') return { received: true, outcome: 'ignored_mode' };
  const seen = await ctx.em.execute('select 1 from payments_stripe.billing_event where tenant_id = ? and event_id = ?', [ctx.tenantId, event.id.slice(0, 255)]);
  if (seen.length) return { received: true, outcome: 'duplicate' };
  if (event.type === 'checkout.session.expired') {
    if (tenantIn(o.metadata) !== ctx.tenantId) return { received: true, outcome: 'other_tenant' };
    const row = (await billingRow(ctx, true))!;
    const mine = row.checkout_session_id === o.id;
    if (!(await recordEvent(ctx, event, null, mine ? 'checkout_expired' : 'stale_checkout', row.status))) return { received: true, outcome: 'duplicate' };
    if (mine) await setCheckoutSession(ctx, row, null);
    return { received: true, outcome: mine ? 'checkout_expired' : 'stale_checkout' };
  }
  const subscriptionId = subscriptionIdOf(event);
  if (!subscriptionId) return { received: true, outcome: 'no_subscription' };
  // Re-read: the event's copy may be older than what Stripe has now (events arrive out of order).
  const sub = await stripeCall(() => platformClient(cfg).retrieveSubscription(subscriptionId));
  // One operator endpoint sees every tenant's events: only this tenant's subscription counts here.
  if (sub.metadata.atrium_tenant_id !== ctx.tenantId) return { received: true, outcome: 'other_tenant' };
  const row = (await billingRow(ctx, true))!;
  if (row.customer_id && row.customer_id !== sub.customer) return { received: true, outcome: 'other_customer' };
  const outcome = adoption(row, sub);
  if (!(await recordEvent(ctx, event, sub.id, outcome, outcome === 'applied' ? sub.status : row.status))) return { received: true, outcome: 'duplicate' };
  if (outcome === 'extra_subscription') {
    ctx.logger.warn({ tenantId: ctx.tenantId, subscription: sub.id, current: row.subscription_id }, 'billing: a second live subscription of this tenant at Stripe (cancel one in the Stripe dashboard)');
  }
  if (outcome !== 'applied') return { received: true, outcome };
  await storeSubscription(ctx, row, sub, cfg.plans);
  if (event.type === 'checkout.session.completed' && row.checkout_session_id === o.id) await setCheckoutSession(ctx, row, null);
  if (event.type.startsWith('invoice.')) {
    const at = new Date((Number(event.created) || Math.floor(Date.now() / 1000)) * 1000);
    const status = event.type === 'invoice.payment_failed' ? 'payment_failed' : 'paid';
    await ctx.em.execute(
      `update payments_stripe.billing_subscription set last_invoice_status = ?, last_invoice_at = ?
        where tenant_id = ? and (last_invoice_at is null or last_invoice_at <= ?)`,
      [status, at.toISOString(), ctx.tenantId, at.toISOString()],
    );
  }
  return { received: true, outcome, status: sub.status };
}

const WebhookBody = {
  $body: Type.String(),
  $contentType: Type.Optional(Type.String()),
  $headers: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
};

export const billingService = defineService({
  name: 'billing',
  actions: {
    plans: defineAction({
      rest: 'GET /plans',
      permission: ['read', 'payments-stripe.Billing'],
      requiresEnablement: false,
      summary: 'The platform\'s plans (from the operator\'s ATRIUM_BILLING_PLANS)',
      transaction: false,
      handler() {
        const cfg = requireBillingConfig();
        return { plans: cfg.plans.map(planView) };
      },
    }),
    subscription: defineAction({
      rest: 'GET /subscription',
      permission: ['read', 'payments-stripe.Billing'],
      requiresEnablement: false,
      mutates: true,
      summary: 'The tenant\'s platform subscription; refresh=true re-reads it (and a pending Checkout) from Stripe first',
      params: Type.Object({ refresh: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])) }, { additionalProperties: false }),
      async handler(ctx) {
        ctx.audit.skip();
        const cfg = requireBillingConfig();
        if (ctx.params.refresh !== 'true') return subscriptionView(await billingRow(ctx, false), cfg.plans);
        const row = (await billingRow(ctx, true))!;
        await syncCheckoutSession(ctx, cfg, row);
        if (row.subscription_id) await storeSubscription(ctx, row, await stripeCall(() => platformClient(cfg).retrieveSubscription(row.subscription_id!)), cfg.plans);
        return subscriptionView(row, cfg.plans);
      },
    }),
    checkout: defineAction({
      rest: 'POST /checkout',
      permission: owner,
      requiresEnablement: false,
      idempotent: true,
      summary: 'Start the first subscription on Stripe Checkout (owner only): the tenant gives its card there; the plan\'s trial applies to the first subscription',
      params: Type.Object({ planId: PlanId, successUrl: Url, cancelUrl: Url }, { additionalProperties: false }),
      async handler(ctx) {
        const { cfg, plan, stripe, row } = await ownerPlanChange(ctx, ctx.params.planId);
        await syncCheckoutSession(ctx, cfg, row).catch(() => undefined);
        if (row.subscription_id && !ENDED.has(row.status ?? '')) {
          throw new ConflictError(`The tenant is already subscribed to "${row.plan_id}": change the plan, or open the billing portal to change the card`, 'ALREADY_SUBSCRIBED', { planId: row.plan_id });
        }
        // one open page at a time: the previous one is expired, so only one can become a subscription
        if (row.checkout_session_id) {
          const previous = row.checkout_session_id;
          try {
            await stripe.expireCheckoutSession(previous, { idempotencyKey: `atrium-billing-checkout-expire-${previous}` });
          } catch (e) {
            if (!(e instanceof StripeApiError) || e.status !== 400) throw mapStripeError(e);
            // not open any more: completed meanwhile → that is the subscription
            const s = await stripeCall(() => stripe.retrieveCheckoutSession(previous));
            if (s.status === 'complete') throw new ConflictError('The tenant\'s previous Checkout was just completed: refresh the subscription', 'ALREADY_SUBSCRIBED');
          }
          await setCheckoutSession(ctx, row, null);
        }
        const customer = await ensureCustomer(ctx, stripe, row);
        const trialDays = !row.trial_used && plan.trialDays ? plan.trialDays : undefined;
        const metadata = { atrium_tenant_id: ctx.tenantId, atrium_plan: plan.id };
        const item = await stripeCall(() => lineItemFor(stripe, plan));
        const session = await stripeCall(() => stripe.createCheckoutSession({
          mode: 'subscription',
          customer,
          line_items: [item],
          success_url: ctx.params.successUrl,
          cancel_url: ctx.params.cancelUrl,
          client_reference_id: ctx.tenantId,
          metadata,
          subscription_data: { metadata, ...(trialDays ? { trial_period_days: trialDays } : {}) },
          // a card even for the trial: at its end Stripe charges it instead of sending an unpaid invoice
          payment_method_collection: 'always',
        }, { idempotencyKey: `atrium-billing-checkout-${ctx.tenantId}-${keyPart(ctx.idempotencyKey)}` }));
        await setCheckoutSession(ctx, row, session.id);
        ctx.audit.target(session.id);
        return { sessionId: session.id, url: session.url, expiresAt: new Date(session.expires_at * 1000).toISOString(), planId: plan.id, trialDays: trialDays ?? 0 };
      },
    }),
    portal: defineAction({
      rest: 'POST /portal',
      permission: owner,
      requiresEnablement: false,
      idempotent: true,
      summary: 'A Stripe Billing customer portal link (owner only): update the card, see and pay invoices, cancel',
      params: Type.Object({
        returnUrl: Url,
        flow: Type.Optional(Type.Union([Type.Literal('payment_method_update'), Type.Literal('subscription_cancel')])),
      }, { additionalProperties: false }),
      async handler(ctx) {
        requireOwner(ctx);
        const cfg = requireBillingConfig();
        const row = await billingRow(ctx, false);
        if (!row?.customer_id) throw new ConflictError('The tenant has no billing account yet: subscribe first', 'NO_BILLING_CUSTOMER');
        if (ctx.params.flow === 'subscription_cancel') activeSubscription(row);
        const flow = ctx.params.flow === 'payment_method_update'
          ? { type: 'payment_method_update' as const }
          : ctx.params.flow === 'subscription_cancel'
            ? { type: 'subscription_cancel' as const, subscription_cancel: { subscription: row.subscription_id! } }
            : undefined;
        const session = await stripeCall(() => platformClient(cfg).createBillingPortalSession({
          customer: row.customer_id!, return_url: ctx.params.returnUrl,
          ...(cfg.portalConfiguration ? { configuration: cfg.portalConfiguration } : {}),
          ...(flow ? { flow_data: flow } : {}),
        }, { idempotencyKey: `atrium-billing-portal-${ctx.tenantId}-${keyPart(ctx.idempotencyKey)}` }));
        ctx.audit.target(session.id);
        return { sessionId: session.id, url: session.url };
      },
    }),
    subscribe: defineAction({
      rest: 'POST /subscription',
      permission: owner,
      requiresEnablement: false,
      summary: 'Subscribe the tenant to a plan without a card (owner only): the Stripe customer is made once, the plan\'s trial applies to the first subscription',
      params: Type.Object({ planId: PlanId }, { additionalProperties: false }),
      async handler(ctx) {
        const { cfg, plan, stripe, row } = await ownerPlanChange(ctx, ctx.params.planId);
        if (row.subscription_id && !ENDED.has(row.status ?? '')) {
          if (row.plan_id === plan.id) return { ...subscriptionView(row, cfg.plans), created: false };
          throw new ConflictError(`The tenant is already subscribed to "${row.plan_id}": change the plan instead`, 'ALREADY_SUBSCRIBED', { planId: row.plan_id });
        }
        const customer = await ensureCustomer(ctx, stripe, row);
        const trialDays = !row.trial_used && plan.trialDays ? plan.trialDays : undefined;
        const item = await stripeCall(() => itemFor(stripe, plan));
        const sub = await stripeCall(() => stripe.createSubscription({
          customer, items: [{ ...item, quantity: 1 }],
          ...(trialDays ? { trial_period_days: trialDays } : {}),
          metadata: { atrium_tenant_id: ctx.tenantId, atrium_plan: plan.id },
          // the n-th subscription of this tenant: a retry after a lost answer gets Stripe's stored one
        }, { idempotencyKey: `atrium-billing-subscription-${ctx.tenantId}-${row.generation + 1}` }));
        await ctx.em.execute('update payments_stripe.billing_subscription set generation = generation + 1 where tenant_id = ?', [ctx.tenantId]);
        row.generation += 1;
        await storeSubscription(ctx, row, sub, cfg.plans);
        ctx.audit.target(sub.id);
        return { ...subscriptionView(row, cfg.plans), created: true };
      },
    }),
    changePlan: defineAction({
      rest: 'POST /subscription/plan',
      permission: owner,
      requiresEnablement: false,
      idempotent: true,
      summary: 'Upgrade or downgrade (owner only): upgrades invoice the prorated difference now, downgrades credit it to the next invoice',
      params: Type.Object({ planId: PlanId }, { additionalProperties: false }),
      async handler(ctx) {
        const { cfg, plan, stripe, row } = await ownerPlanChange(ctx, ctx.params.planId);
        activeSubscription(row);
        const current = await stripeCall(() => stripe.retrieveSubscription(row.subscription_id));
        const from = cfg.plans.find((p) => p.id === planOf(current, cfg.plans));
        if (from?.id === plan.id) {
          await storeSubscription(ctx, row, current, cfg.plans);
          return { ...subscriptionView(row, cfg.plans), changed: false, prorationBehavior: null };
        }
        if (from && from.currency !== plan.currency) {
          throw new UnprocessableError(`Plan "${plan.id}" is billed in ${plan.currency}, the subscription in ${from.currency}`, 'CURRENCY_MISMATCH', { planCurrency: plan.currency, currency: from.currency });
        }
        const itemId = current.items.data[0]?.id;
        if (!itemId) throw new UnprocessableError('The Stripe subscription has no item to change', 'NO_SUBSCRIPTION_ITEM');
        const upgrade = !from || perDay(plan) > perDay(from);
        const proration = upgrade ? 'always_invoice' : 'create_prorations';
        const item = await stripeCall(() => itemFor(stripe, plan));
        const sub = await stripeCall(() => stripe.updateSubscription(row.subscription_id, {
          items: [{ id: itemId, ...item, quantity: 1 }], proration_behavior: proration, metadata: { atrium_plan: plan.id },
        }, { idempotencyKey: `atrium-billing-plan-${row.subscription_id}-${plan.id}-${ctx.idempotencyKey ?? randomUUID()}` }));
        await storeSubscription(ctx, row, sub, cfg.plans);
        return { ...subscriptionView(row, cfg.plans), changed: true, prorationBehavior: proration, direction: upgrade ? 'upgrade' : 'downgrade' };
      },
    }),
    cancel: defineAction({
      rest: 'POST /subscription/cancel',
      permission: owner,
      requiresEnablement: false,
      summary: 'Cancel at the end of the current period (owner only); the tenant keeps the plan until then',
      handler: (ctx) => setCancelAtPeriodEnd(ctx, true),
    }),
    resume: defineAction({
      rest: 'POST /subscription/resume',
      permission: owner,
      requiresEnablement: false,
      summary: 'Undo a cancellation at period end (owner only), while the period has not ended',
      handler: (ctx) => setCancelAtPeriodEnd(ctx, false),
    }),
    platformWebhook: defineAction({
      rest: 'POST /webhooks',
      raw: true,
      permission: 'public',
      requiresEnablement: false,
      maxBodyBytes: 512 * 1024,
      summary: 'The operator\'s ONE Stripe billing webhook endpoint for every tenant (signed with ATRIUM_BILLING_WEBHOOK_SECRETS; the tenant is found in the event)',
      params: Type.Object(WebhookBody, { additionalProperties: false }),
      async resolveTenant({ params }): Promise<TenantResolution> {
        const event = verifiedEvent(params, requireBillingConfig());
        if (!HANDLED.has(event.type)) return { tenantId: null, response: { received: true, outcome: 'ignored_type' } };
        const tenantId = await stripeCall(() => tenantOfEvent(requireBillingConfig(), event));
        // an event of the operator's account that no tenant's billing made (another product on the same account)
        if (!tenantId) return { tenantId: null, response: { received: true, outcome: 'unknown_tenant' } };
        return { tenantId };
      },
      async handler(ctx) {
        ctx.audit.skip();
        const cfg = requireBillingConfig();
        return applyOperatorEvent(ctx, cfg, verifiedEvent(ctx.params, cfg));
      },
    }),
    webhook: defineAction({
      rest: 'POST /webhooks/:tenantKey',
      raw: true,
      permission: 'public',
      requiresEnablement: false,
      tenantFromParam: 'tenantKey',
      maxBodyBytes: 512 * 1024,
      summary: 'Per-tenant URL of the operator\'s billing webhooks (kept for endpoints registered before the single URL; same verification and effect)',
      params: Type.Object({ tenantKey: Type.String({ maxLength: 64 }), ...WebhookBody }, { additionalProperties: true }),
      async handler(ctx) {
        ctx.audit.skip();
        const cfg = requireBillingConfig();
        return applyOperatorEvent(ctx, cfg, verifiedEvent(ctx.params, cfg));
      },
    }),
  },
});

/** Cancel (true) or resume (false) at period end; a retry with the same Idempotency-Key reaches Stripe with the same key. */
async function setCancelAtPeriodEnd(ctx: ActionContext<any>, cancel: boolean) {
  requireOwner(ctx);
  const cfg = requireBillingConfig();
  const row = await billingRow(ctx, true);
  activeSubscription(row);
  const key = `atrium-billing-${cancel ? 'cancel' : 'resume'}-${row.subscription_id}-${ctx.idempotencyKey ?? randomUUID()}`;
  const sub = await stripeCall(() => platformClient(cfg).updateSubscription(row.subscription_id, { cancel_at_period_end: cancel }, { idempotencyKey: key }));
  await storeSubscription(ctx, row, sub, cfg.plans);
  return subscriptionView(row, cfg.plans);
}
