import type { Migration } from '@atrium/sdk';

/**
 * The tenant's open Stripe Checkout page for its first subscription (card collection): a new
 * Checkout expires the previous one, so at most one page can turn into a subscription; a
 * refresh reads a completed page back when its webhook has not arrived yet.
 */
export const billingCheckout: Migration = {
  name: '0002-billing-checkout',
  up: `alter table payments_stripe.billing_subscription add column checkout_session_id varchar(255);`,
};
