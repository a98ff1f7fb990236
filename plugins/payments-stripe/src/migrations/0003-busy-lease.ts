import type { Migration } from '@atrium/sdk';

/**
 * Billing changes and Connect onboarding call Stripe without holding a transaction (outside calls
 * never do); one at a time per tenant is kept by a lease on the tenant's row instead of its row
 * lock (row-turn.ts). New nullable columns only: nodes of the previous version ignore them.
 */
export const busyLease: Migration = {
  name: '0003-busy-lease',
  up: `
alter table payments_stripe.billing_subscription add column busy_until timestamptz, add column busy_token uuid;
alter table payments_stripe.connect_account add column busy_until timestamptz, add column busy_token uuid;
`,
};
