// The tenant's platform subscription as Stripe last reported it (payments_stripe.billing_subscription):
// reading, storing what Stripe says, and how it looks through the API.
import type { RequestContext } from '@atrium/sdk';
import type { Plan } from '../platform.config.ts';
import type { StripeSubscription } from '../stripe.schemas.ts';
import { productId } from './plan-catalog.ts';

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

const COLUMNS = `tenant_id, customer_id, subscription_id, plan_id, status, current_period_end, trial_end, cancel_at_period_end, canceled_at,
  trial_used, generation, last_invoice_status, last_invoice_at, synced_at, checkout_session_id`;

/** Statuses after which the tenant needs a new subscription (not a plan change). */
export const ENDED = new Set(['canceled', 'incomplete_expired']);

const iso = (v: Date | string | null | undefined) => (v ? new Date(v).toISOString() : null);
const fromUnix = (v: number | null | undefined) => (v ? new Date(v * 1000).toISOString() : null);

export function planView(p: Plan) {
  return { id: p.id, name: p.name, priceMinor: p.priceMinor, currency: p.currency, interval: p.interval, intervalCount: p.intervalCount ?? 1, trialDays: p.trialDays ?? 0, features: p.features ?? [] };
}

export function subscriptionView(row: BillingRow | null, plans: Plan[]) {
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

/** The tenant's row (in `tx`); `lock`: created if missing and locked for the rest of the transaction. */
export async function billingRow(tx: Pick<RequestContext, 'sql' | 'tenantId'>, lock: boolean): Promise<BillingRow | null> {
  if (lock) await tx.sql('insert into payments_stripe.billing_subscription (tenant_id) values ($1::uuid) on conflict do nothing', [tx.tenantId]);
  const rows = await tx.sql<BillingRow>(`select ${COLUMNS} from payments_stripe.billing_subscription where tenant_id = $1::uuid${lock ? ' for update' : ''}`, [tx.tenantId]);
  return rows[0] ?? null;
}

/** The row, read in a short transaction of its own (created if missing). */
export async function readBillingRow(ctx: RequestContext): Promise<BillingRow> {
  return ctx.transaction(async (tx) => (await billingRow(tx, true))!);
}

/** The plan a Stripe subscription is on: our metadata, else the item's price/product. */
export function planOf(sub: StripeSubscription, plans: Plan[]): string | null {
  if (sub.metadata.atrium_plan) return sub.metadata.atrium_plan;
  const price = sub.items.data[0]?.price;
  const p = price && plans.find((x) => x.stripePriceId === price.id || productId(x) === price.product);
  return p?.id ?? null;
}

/** Stores the subscription exactly as Stripe answered it (in `tx`, the row locked). */
export async function storeSubscription(tx: Pick<RequestContext, 'sql' | 'tenantId'>, row: BillingRow, sub: StripeSubscription, plans: Plan[]): Promise<void> {
  const periodEnd = sub.current_period_end ?? sub.items.data[0]?.current_period_end ?? null;
  const values = {
    subscription_id: sub.id, customer_id: sub.customer, plan_id: planOf(sub, plans), status: sub.status,
    current_period_end: fromUnix(periodEnd), trial_end: fromUnix(sub.trial_end), cancel_at_period_end: sub.cancel_at_period_end,
    canceled_at: fromUnix(sub.canceled_at), trial_used: row.trial_used || sub.trial_end !== null,
  };
  await tx.sql(
    `update payments_stripe.billing_subscription set subscription_id = $1::text, customer_id = $2::text, plan_id = $3::text, status = $4::text,
       current_period_end = $5::timestamptz, trial_end = $6::timestamptz, cancel_at_period_end = $7::boolean, canceled_at = $8::timestamptz,
       trial_used = $9::boolean, synced_at = now(), updated_at = now() where tenant_id = $10::uuid`,
    [values.subscription_id, values.customer_id, values.plan_id, values.status, values.current_period_end, values.trial_end,
      values.cancel_at_period_end, values.canceled_at, values.trial_used, tx.tenantId],
  );
  Object.assign(row, values, { synced_at: new Date() });
}

/** Sets the open Checkout page; with `onlyIf`, only while the row still names that page (a refresh clearing a finished one). */
export async function setCheckoutSession(tx: Pick<RequestContext, 'sql' | 'tenantId'>, row: BillingRow, id: string | null, onlyIf?: string): Promise<void> {
  const rows = await tx.sql(
    `update payments_stripe.billing_subscription set checkout_session_id = $1::text, updated_at = now()
      where tenant_id = $2::uuid and ($3::text is null or checkout_session_id = $3::text) returning tenant_id`,
    [id, tx.tenantId, onlyIf ?? null],
  );
  if (rows.length) row.checkout_session_id = id;
}

/**
 * Whether a subscription Stripe reports (for this tenant and customer) becomes the tenant's:
 * the one on record, or a live one replacing an ended one (a re-subscription through Checkout).
 * Another live one while the tenant's is live is `extra_subscription` (two Checkout pages both
 * paid); an ended one that is not on record is a late event (`stale_subscription`).
 */
export function adoption(row: BillingRow, sub: StripeSubscription): 'applied' | 'stale_subscription' | 'extra_subscription' {
  if (!row.subscription_id || row.subscription_id === sub.id) return 'applied';
  const rowLive = !ENDED.has(row.status ?? '');
  const subLive = !ENDED.has(sub.status);
  if (!rowLive && subLive) return 'applied';
  return rowLive && subLive ? 'extra_subscription' : 'stale_subscription';
}
