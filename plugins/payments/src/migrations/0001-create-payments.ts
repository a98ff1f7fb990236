import { tenantRls, type Migration } from '@atrium/sdk';

const STATUS = `'pending','requires_action','authorized','captured','partially_refunded','refunded','failed','canceled','expired'`;

export const createPayments: Migration = {
  name: '0001-create-payments',
  up: `
create table payments.intent (
  id uuid primary key,
  tenant_id uuid not null,
  provider varchar(40) not null,
  status varchar(24) not null check (status in (${STATUS})),
  amount bigint not null check (amount > 0),
  currency varchar(3) not null check (currency ~ '^[A-Z]{3}$'),
  amount_captured bigint not null default 0 check (amount_captured >= 0),
  amount_refunded bigint not null default 0 check (amount_refunded >= 0),
  description varchar(500) not null default '',
  flow varchar(16) not null default 'redirect',
  capture_method varchar(16) not null default 'automatic',
  reference_plugin varchar(40),
  reference_id varchar(200),
  customer jsonb not null default '{}',
  provider_payment_id varchar(200),
  provider_data jsonb not null default '{}',
  action jsonb not null default '{}',
  livemode boolean not null default false,
  expires_at timestamptz,
  next_poll_at timestamptz,
  poll_count integer not null default 0,
  last_polled_at timestamptz,
  created_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1,
  -- the ledger can never refund more than was captured
  constraint intent_refund_le_captured check (amount_refunded <= amount_captured)
);
create index intent_tenant_created_idx on payments.intent (tenant_id, created_at desc, id);
create index intent_tenant_status_idx on payments.intent (tenant_id, status);
create index intent_tenant_reference_idx on payments.intent (tenant_id, reference_plugin, reference_id);
create unique index intent_provider_payment_uq on payments.intent (tenant_id, provider, provider_payment_id) where provider_payment_id is not null;
create index intent_poll_idx on payments.intent (tenant_id, next_poll_at) where next_poll_at is not null;
${tenantRls('payments.intent')}

create table payments.transition (
  id uuid primary key,
  seq bigint generated always as identity,
  tenant_id uuid not null,
  intent_id uuid not null references payments.intent (id) on delete cascade deferrable initially deferred,
  from_status varchar(24),
  to_status varchar(24) not null,
  source varchar(24) not null,
  event_id varchar(255),
  detail jsonb not null default '{}',
  user_id uuid,
  at timestamptz not null default clock_timestamp()
);
create index transition_intent_idx on payments.transition (tenant_id, intent_id, at);
${tenantRls('payments.transition')}

create table payments.refund (
  id uuid primary key,
  tenant_id uuid not null,
  intent_id uuid not null references payments.intent (id) on delete cascade deferrable initially deferred,
  amount bigint not null check (amount > 0),
  currency varchar(3) not null,
  status varchar(16) not null check (status in ('pending','succeeded','failed')),
  idempotency_key varchar(255) not null,
  provider_refund_id varchar(255),
  reason varchar(500),
  source varchar(16) not null default 'api',
  created_by uuid,
  created_at timestamptz not null default now(),
  unique (tenant_id, intent_id, idempotency_key)
);
${tenantRls('payments.refund')}

create table payments.webhook_event (
  tenant_id uuid not null,
  provider varchar(40) not null,
  event_id varchar(255) not null,
  type varchar(100) not null,
  intent_id uuid,
  payload jsonb not null,
  received_at timestamptz not null default now(),
  processed_at timestamptz,
  outcome varchar(40),
  primary key (tenant_id, provider, event_id)
);
${tenantRls('payments.webhook_event')}

create table payments.provider_call (
  tenant_id uuid not null,
  provider varchar(40) not null,
  key varchar(255) not null,
  operation varchar(24) not null,
  intent_id uuid,
  result jsonb,
  created_at timestamptz not null default now(),
  primary key (tenant_id, provider, key)
);
${tenantRls('payments.provider_call')}

create table payments.hold (
  id uuid primary key,
  tenant_id uuid not null,
  intent_id uuid not null references payments.intent (id) on delete cascade deferrable initially deferred,
  resource_plugin varchar(40) not null,
  resource_type varchar(80) not null,
  resource_id varchar(200) not null,
  quantity integer not null default 1 check (quantity > 0),
  status varchar(16) not null check (status in ('held','confirmed','released')),
  expires_at timestamptz not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index hold_resource_idx on payments.hold (tenant_id, resource_plugin, resource_type, resource_id) where status = 'held';
create index hold_intent_idx on payments.hold (tenant_id, intent_id);
${tenantRls('payments.hold')}

create table payments.reconciliation (
  id uuid primary key,
  tenant_id uuid not null,
  day varchar(10) not null,
  ran_at timestamptz not null default now(),
  checked integer not null,
  differences jsonb not null,
  errors jsonb not null default '[]'
);
create index reconciliation_tenant_idx on payments.reconciliation (tenant_id, ran_at desc);
${tenantRls('payments.reconciliation')}
`,
};
