// The operator's plans (ATRIUM_BILLING_PLANS) as Stripe products and prices.
import { ValidationError } from '@atrium/sdk';
import type { Plan } from '../platform.config.ts';
import { StripeApiError, type LineItem, type StripeClient, type SubscriptionPriceData } from '../stripe.client.ts';

export const productId = (p: Plan) => `atrium_plan_${p.id}`;

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

/** What a subscription item of the plan is: the operator's price, or inline price data under the plan's product. */
export async function itemFor(stripe: StripeClient, plan: Plan): Promise<{ price: string } | { price_data: SubscriptionPriceData }> {
  if (plan.stripePriceId) return { price: plan.stripePriceId };
  return {
    price_data: {
      currency: plan.currency.toLowerCase(), product: await ensureProduct(stripe, plan), unit_amount: plan.priceMinor,
      recurring: { interval: plan.interval, interval_count: plan.intervalCount ?? 1 },
    },
  };
}

/** The plan as a Checkout line item: the same price (or inline price under the plan's product) a direct subscription gets. */
export async function lineItemFor(stripe: StripeClient, plan: Plan): Promise<LineItem> {
  return { ...(await itemFor(stripe, plan)), quantity: 1 };
}

const DAYS = { day: 1, week: 7, month: 30, year: 365 } as const;
/** Price per day, to tell an upgrade from a downgrade across intervals. */
export const perDay = (p: Plan) => p.priceMinor / (DAYS[p.interval] * (p.intervalCount ?? 1));

export function findPlan(plans: Plan[], id: string): Plan {
  const plan = plans.find((p) => p.id === id);
  if (!plan) throw new ValidationError(`Unknown plan "${id}"`, [{ field: 'planId', code: 'enum', params: { allowedValues: plans.map((p) => p.id) }, message: `must be one of: ${plans.map((p) => p.id).join(', ') || '(no plans configured)'}` }]);
  return plan;
}
