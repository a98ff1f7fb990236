// SaaS billing of tenants by the platform operator: the OPERATOR's Stripe account (environment,
// see platform.config.ts) bills each tenant for using the platform. Separate from customer payments
// (the tenant's own Stripe or its connected account): other keys, other webhook route, other tables,
// and not subject to the tenant's enabling of this plugin (`requiresEnablement: false`): the tenant
// turning its Stripe customer payments off does not turn off the operator's billing of it.
//
// Card collection: Stripe Checkout in `subscription` mode for the first subscription (the trial
// starts with a card on file) and the Billing customer portal for everything after (card, invoices,
// cancel). Both report back through the operator's webhooks (operator-webhooks.ts), which re-read the
// subscription and store what Stripe says.
//
// Every action that calls Stripe holds no transaction meanwhile (`transaction: false`): it reads and
// stores the tenant's row in short transactions, and a change takes the tenant's turn (row-turn.ts)
// so two changes of one tenant run one after the other. Every Stripe call carries an
// Idempotency-Key, so a change retried after a lost answer or a crash replays instead of repeating.
import { createHash, randomUUID } from 'node:crypto';
import { ConflictError, defineAction, defineService, ForbiddenError, Type, UnprocessableError, type ActionContext, type RequestContext, type TenantResolution } from '@atrium/sdk';
import { platformClient, requireBillingConfig, type BillingConfig, type Plan } from '../platform.config.ts';
import { StripeApiError, type StripeClient } from '../stripe.client.ts';
import { mapStripeError, stripeCall } from '../stripe.errors.ts';
import { inTurn } from '../row-turn.ts';
import { findPlan, itemFor, lineItemFor, perDay } from './plan-catalog.ts';
import { adoption, billingRow, ENDED, planOf, planView, readBillingRow, setCheckoutSession, storeSubscription, subscriptionView, type BillingRow } from './subscription-row.ts';
import { applyOperatorEvent, HANDLED, tenantOfEvent, verifiedEvent } from './operator-webhooks.ts';
import type { StripeSubscription } from '../stripe.schemas.ts';

/** Subscribing commits the tenant to paying the platform: the owner decides, not a delegate. */
function requireOwner(ctx: RequestContext): void {
  if (!ctx.user?.roles.includes('owner')) throw new ForbiddenError('Only the tenant owner may change the platform subscription', 'OWNER_REQUIRED');
}

function activeSubscription(row: BillingRow | null): asserts row is BillingRow & { subscription_id: string } {
  if (!row?.subscription_id || ENDED.has(row.status ?? '')) throw new ConflictError('The tenant has no active subscription', 'NO_SUBSCRIPTION');
}

/** The operator's client on the kernel's fetch. */
const stripeOf = (ctx: RequestContext, cfg: BillingConfig) => platformClient(cfg, ctx.fetch);

/**
 * What every owner action on a plan starts with (checkout, subscribe, change): the owner check, the
 * operator's billing config, the plan asked for, and the operator's client.
 */
function ownerPlanChange(ctx: RequestContext, planId: string) {
  requireOwner(ctx);
  const cfg = requireBillingConfig();
  return { cfg, plan: findPlan(cfg.plans, planId), stripe: stripeOf(ctx, cfg) };
}

/** Stores what Stripe answered (short transaction, row locked); the row as it is then. */
async function store(ctx: RequestContext, cfg: BillingConfig, sub: StripeSubscription, extra?: (tx: RequestContext, row: BillingRow) => Promise<void>): Promise<BillingRow> {
  return ctx.transaction(async (tx) => {
    const row = (await billingRow(tx, true))!;
    await extra?.(tx, row);
    await storeSubscription(tx, row, sub, cfg.plans);
    return row;
  });
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
  await ctx.transaction((tx) => tx.sql('update payments_stripe.billing_subscription set customer_id = $1::text, updated_at = now() where tenant_id = $2::uuid and customer_id is null', [customer.id, tx.tenantId]));
  row.customer_id = customer.id;
  return customer.id;
}

/**
 * The tenant's pending Checkout page, read back from Stripe: completed → its subscription is stored
 * (when it is the tenant's to adopt), expired → forgotten. For when the webhook has not arrived.
 */
async function syncCheckoutSession(ctx: RequestContext, cfg: BillingConfig, row: BillingRow): Promise<BillingRow> {
  const sessionId = row.checkout_session_id;
  if (!sessionId) return row;
  const stripe = stripeOf(ctx, cfg);
  const session = await stripeCall(() => stripe.retrieveCheckoutSession(sessionId));
  if (session.status === 'open') return row;
  const sub = session.status === 'complete' && session.subscription ? await stripeCall(() => stripe.retrieveSubscription(session.subscription!)) : null;
  return ctx.transaction(async (tx) => {
    const fresh = (await billingRow(tx, true))!;
    if (sub && sub.metadata.atrium_tenant_id === tx.tenantId && (!fresh.customer_id || fresh.customer_id === sub.customer) && adoption(fresh, sub) === 'applied') {
      await storeSubscription(tx, fresh, sub, cfg.plans);
    }
    // only if no newer page was made meanwhile
    await setCheckoutSession(tx, fresh, null, sessionId);
    return fresh;
  });
}

/** Cancel (true) or resume (false) at period end; a retry with the same Idempotency-Key reaches Stripe with the same key. */
function setCancelAtPeriodEnd(cancel: boolean) {
  return async (ctx: ActionContext<any>) => {
    requireOwner(ctx);
    const cfg = requireBillingConfig();
    // refused before anything is written (no row made for a tenant that never subscribed)
    activeSubscription(await ctx.transaction((tx) => billingRow(tx, false)));
    return inTurn(ctx, 'billing_subscription', async () => {
      const row = await readBillingRow(ctx);
      activeSubscription(row);
      const key = `atrium-billing-${cancel ? 'cancel' : 'resume'}-${row.subscription_id}-${ctx.idempotencyKey ?? randomUUID()}`;
      const sub = await stripeCall(() => stripeOf(ctx, cfg).updateSubscription(row.subscription_id, { cancel_at_period_end: cancel }, { idempotencyKey: key }));
      return subscriptionView(await store(ctx, cfg, sub), cfg.plans);
    });
  };
}

const WebhookBody = {
  $body: Type.String(),
  $contentType: Type.Optional(Type.String()),
  $headers: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
};

/** What every billing action shares: the operator's, for every tenant, and never inside a transaction. */
const billingAction = { requiresEnablement: false, transaction: false } as const;

export const billingService = defineService({
  name: 'billing',
  actions: {
    plans: defineAction({
      ...billingAction,
      rest: 'GET /plans',
      permission: ['read', 'payments-stripe.Billing'],
      summary: 'The platform\'s plans (from the operator\'s ATRIUM_BILLING_PLANS)',
      handler() {
        const cfg = requireBillingConfig();
        return { plans: cfg.plans.map(planView) };
      },
    }),
    subscription: defineAction({
      ...billingAction,
      rest: 'GET /subscription',
      permission: ['read', 'payments-stripe.Billing'],
      mutates: true,
      summary: 'The tenant\'s platform subscription; refresh=true re-reads it (and a pending Checkout) from Stripe first',
      params: Type.Object({ refresh: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])) }, { additionalProperties: false }),
      async handler(ctx) {
        ctx.audit.skip();
        const cfg = requireBillingConfig();
        if (ctx.params.refresh !== 'true') return subscriptionView(await ctx.transaction((tx) => billingRow(tx, false)), cfg.plans);
        let row = await syncCheckoutSession(ctx, cfg, await readBillingRow(ctx));
        if (row.subscription_id) row = await store(ctx, cfg, await stripeCall(() => stripeOf(ctx, cfg).retrieveSubscription(row.subscription_id!)));
        return subscriptionView(row, cfg.plans);
      },
    }),
    checkout: defineAction({
      ...billingAction,
      rest: 'POST /checkout',
      permission: owner,
      idempotent: true,
      summary: 'Start the first subscription on Stripe Checkout (owner only): the tenant gives its card there; the plan\'s trial applies to the first subscription',
      params: Type.Object({ planId: PlanId, successUrl: Url, cancelUrl: Url }, { additionalProperties: false }),
      async handler(ctx) {
        const { cfg, plan, stripe } = ownerPlanChange(ctx, ctx.params.planId);
        return inTurn(ctx, 'billing_subscription', async () => {
          let row = await readBillingRow(ctx);
          row = await syncCheckoutSession(ctx, cfg, row).catch(() => row);
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
            await ctx.transaction((tx) => setCheckoutSession(tx, row, null, previous));
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
          await ctx.transaction((tx) => setCheckoutSession(tx, row, session.id));
          ctx.audit.target(session.id);
          return { sessionId: session.id, url: session.url, expiresAt: new Date(session.expires_at * 1000).toISOString(), planId: plan.id, trialDays: trialDays ?? 0 };
        });
      },
    }),
    portal: defineAction({
      ...billingAction,
      rest: 'POST /portal',
      permission: owner,
      idempotent: true,
      summary: 'A Stripe Billing customer portal link (owner only): update the card, see and pay invoices, cancel',
      params: Type.Object({
        returnUrl: Url,
        flow: Type.Optional(Type.Union([Type.Literal('payment_method_update'), Type.Literal('subscription_cancel')])),
      }, { additionalProperties: false }),
      async handler(ctx) {
        requireOwner(ctx);
        const cfg = requireBillingConfig();
        const row = await ctx.transaction((tx) => billingRow(tx, false));
        if (!row?.customer_id) throw new ConflictError('The tenant has no billing account yet: subscribe first', 'NO_BILLING_CUSTOMER');
        if (ctx.params.flow === 'subscription_cancel') activeSubscription(row);
        const flow = ctx.params.flow === 'payment_method_update'
          ? { type: 'payment_method_update' as const }
          : ctx.params.flow === 'subscription_cancel'
            ? { type: 'subscription_cancel' as const, subscription_cancel: { subscription: row.subscription_id! } }
            : undefined;
        const session = await stripeCall(() => stripeOf(ctx, cfg).createBillingPortalSession({
          customer: row.customer_id!, return_url: ctx.params.returnUrl,
          ...(cfg.portalConfiguration ? { configuration: cfg.portalConfiguration } : {}),
          ...(flow ? { flow_data: flow } : {}),
        }, { idempotencyKey: `atrium-billing-portal-${ctx.tenantId}-${keyPart(ctx.idempotencyKey)}` }));
        ctx.audit.target(session.id);
        return { sessionId: session.id, url: session.url };
      },
    }),
    subscribe: defineAction({
      ...billingAction,
      rest: 'POST /subscription',
      permission: owner,
      summary: 'Subscribe the tenant to a plan without a card (owner only): the Stripe customer is made once, the plan\'s trial applies to the first subscription',
      params: Type.Object({ planId: PlanId }, { additionalProperties: false }),
      async handler(ctx) {
        const { cfg, plan, stripe } = ownerPlanChange(ctx, ctx.params.planId);
        return inTurn(ctx, 'billing_subscription', async () => {
          const row = await readBillingRow(ctx);
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
          const stored = await store(ctx, cfg, sub, async (tx) => {
            await tx.sql('update payments_stripe.billing_subscription set generation = generation + 1 where tenant_id = $1::uuid', [tx.tenantId]);
          });
          ctx.audit.target(sub.id);
          return { ...subscriptionView(stored, cfg.plans), created: true };
        });
      },
    }),
    changePlan: defineAction({
      ...billingAction,
      rest: 'POST /subscription/plan',
      permission: owner,
      idempotent: true,
      summary: 'Upgrade or downgrade (owner only): upgrades invoice the prorated difference now, downgrades credit it to the next invoice',
      params: Type.Object({ planId: PlanId }, { additionalProperties: false }),
      async handler(ctx) {
        const { cfg, plan, stripe } = ownerPlanChange(ctx, ctx.params.planId);
        activeSubscription(await ctx.transaction((tx) => billingRow(tx, false)));
        return inTurn(ctx, 'billing_subscription', async () => {
          const row = await readBillingRow(ctx);
          activeSubscription(row);
          const current = await stripeCall(() => stripe.retrieveSubscription(row.subscription_id));
          const from = cfg.plans.find((p) => p.id === planOf(current, cfg.plans));
          if (from?.id === plan.id) return { ...subscriptionView(await store(ctx, cfg, current), cfg.plans), changed: false, prorationBehavior: null };
          if (from && from.currency !== plan.currency) {
            throw new UnprocessableError(`Plan "${plan.id}" is billed in ${plan.currency}, the subscription in ${from.currency}`, 'CURRENCY_MISMATCH');
          }
          const itemId = current.items.data[0]?.id;
          if (!itemId) throw new UnprocessableError('The Stripe subscription has no item to change', 'NO_SUBSCRIPTION_ITEM');
          const upgrade = !from || perDay(plan) > perDay(from as Plan);
          const proration = upgrade ? 'always_invoice' : 'create_prorations';
          const item = await stripeCall(() => itemFor(stripe, plan));
          const sub = await stripeCall(() => stripe.updateSubscription(row.subscription_id, {
            items: [{ id: itemId, ...item, quantity: 1 }], proration_behavior: proration, metadata: { atrium_plan: plan.id },
          }, { idempotencyKey: `atrium-billing-plan-${row.subscription_id}-${plan.id}-${ctx.idempotencyKey ?? randomUUID()}` }));
          return { ...subscriptionView(await store(ctx, cfg, sub), cfg.plans), changed: true, prorationBehavior: proration, direction: upgrade ? 'upgrade' : 'downgrade' };
        });
      },
    }),
    cancel: defineAction({
      ...billingAction,
      rest: 'POST /subscription/cancel',
      permission: owner,
      summary: 'Cancel at the end of the current period (owner only); the tenant keeps the plan until then',
      handler: setCancelAtPeriodEnd(true),
    }),
    resume: defineAction({
      ...billingAction,
      rest: 'POST /subscription/resume',
      permission: owner,
      summary: 'Undo a cancellation at period end (owner only), while the period has not ended',
      handler: setCancelAtPeriodEnd(false),
    }),
    platformWebhook: defineAction({
      ...billingAction,
      rest: 'POST /webhooks',
      raw: true,
      permission: 'public',
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
      ...billingAction,
      rest: 'POST /webhooks/:tenantKey',
      raw: true,
      permission: 'public',
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
