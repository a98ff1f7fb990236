import { appendOnly, tenantRls, type Migration } from '@atrium/sdk';

const SUB_STATUS = `'incomplete','incomplete_expired','trialing','active','past_due','canceled','unpaid','paused'`;

/**
 * Connect: one connected account per tenant (the row is the lock that makes onboarding create it
 * once). Billing: the tenant's subscription to the platform as Stripe last reported it, and an
 * append-only history of the operator webhooks applied to it (also the de-duplication record).
 */
export const createConnectBilling: Migration = {
  name: '0001-connect-billing',
  up: `
create table payments_stripe.connect_account (
  tenant_id uuid primary key,
  account_id varchar(255),
  charges_enabled boolean not null default false,
  payouts_enabled boolean not null default false,
  details_submitted boolean not null default false,
  requirements jsonb not null default '{}',
  synced_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index connect_account_account_uq on payments_stripe.connect_account (account_id) where account_id is not null;
${tenantRls('payments_stripe.connect_account')}

create table payments_stripe.billing_subscription (
  tenant_id uuid primary key,
  customer_id varchar(255),
  subscription_id varchar(255),
  plan_id varchar(40),
  status varchar(24) check (status in (${SUB_STATUS})),
  current_period_end timestamptz,
  trial_end timestamptz,
  cancel_at_period_end boolean not null default false,
  canceled_at timestamptz,
  -- a tenant gets the plan's trial once, not again on every re-subscription
  trial_used boolean not null default false,
  -- how many subscriptions were created: part of the Stripe Idempotency-Key of the next one
  generation integer not null default 0,
  last_invoice_status varchar(24),
  last_invoice_at timestamptz,
  synced_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index billing_subscription_sub_idx on payments_stripe.billing_subscription (subscription_id);
${tenantRls('payments_stripe.billing_subscription')}

create table payments_stripe.billing_event (
  tenant_id uuid not null,
  event_id varchar(255) not null,
  type varchar(100) not null,
  subscription_id varchar(255),
  outcome varchar(40) not null,
  status_after varchar(24),
  received_at timestamptz not null default now(),
  primary key (tenant_id, event_id)
);
${tenantRls('payments_stripe.billing_event')}
${appendOnly('payments_stripe.billing_event', 'payments-stripe')}
`,
};
