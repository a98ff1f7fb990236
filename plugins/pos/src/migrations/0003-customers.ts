import { appendOnly, tenantRls, type Migration } from '@atrium/sdk';

/**
 * Customers: people and companies, groups with automatic discounts, a money ledger (deposits,
 * credit sales, repayments, refunds to account), a loyalty points ledger and gift cards with their
 * own ledger. `customer.balance` / `points` and `gift_card.balance` are projections of their ledgers,
 * changed only together with a ledger row, by guarded updates (domain/customer-ledger.ts).
 *
 * Sign convention of `customer.balance`: positive = the customer has money on account (deposit),
 * negative = the customer owes us (credit). A credit sale may take it down to `-credit_limit`.
 */
export const createCustomers: Migration = {
  name: '0003-customers',
  up: `
create table pos.customer_group (
  tenant_id uuid not null,
  id uuid not null,
  name varchar(120) not null check (length(name) > 0),
  -- automatic discount for members, basis points (500 = 5 %)
  discount_bp integer not null default 0 check (discount_bp between 0 and 10000),
  -- an RFM segment this group is fed from (analytics: segment → group action), if any
  rfm_segment varchar(32),
  created_at timestamptz not null default now(),
  primary key (tenant_id, id)
);
create unique index customer_group_name_uq on pos.customer_group (tenant_id, lower(name));
${tenantRls('pos.customer_group')}

create table pos.customer (
  tenant_id uuid not null,
  id uuid not null,
  kind varchar(8) not null default 'person' check (kind in ('person', 'company')),
  name varchar(200) not null check (length(name) > 0),
  -- E.164 digits only (+77011234567 → 77011234567) so search by any suffix works
  phone varchar(20),
  email varchar(254),
  tax_id varchar(40),
  group_id uuid,
  credit_limit bigint not null default 0 check (credit_limit >= 0),
  balance bigint not null default 0,
  points bigint not null default 0 check (points >= 0),
  birthday date,
  notes text,
  archived boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1,
  primary key (tenant_id, id),
  foreign key (tenant_id, group_id) references pos.customer_group (tenant_id, id) on delete set null (group_id),
  constraint customer_credit_limit check (balance >= -credit_limit)
);
create unique index customer_phone_uq on pos.customer (tenant_id, phone) where phone is not null;
create index customer_phone_suffix on pos.customer (tenant_id, reverse(phone) text_pattern_ops);
create index customer_name_trgm on pos.customer using gin (name gin_trgm_ops);
${tenantRls('pos.customer')}

create table pos.customer_ledger (
  tenant_id uuid not null,
  id bigserial,
  customer_id uuid not null,
  kind varchar(16) not null check (kind in ('deposit', 'credit_sale', 'account_payment', 'repayment', 'refund', 'adjust')),
  amount bigint not null check (amount <> 0),
  balance_after bigint not null,
  ref_type varchar(24),
  ref_id uuid,
  note varchar(500),
  user_id uuid,
  at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, customer_id) references pos.customer (tenant_id, id)
);
create index customer_ledger_customer on pos.customer_ledger (tenant_id, customer_id, at desc);
${tenantRls('pos.customer_ledger')}
${appendOnly('pos.customer_ledger', 'pos')}

create table pos.loyalty_ledger (
  tenant_id uuid not null,
  id bigserial,
  customer_id uuid not null,
  kind varchar(12) not null check (kind in ('earn', 'redeem', 'reverse', 'adjust')),
  points bigint not null check (points <> 0),
  points_after bigint not null,
  ref_type varchar(24),
  ref_id uuid,
  user_id uuid,
  at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, customer_id) references pos.customer (tenant_id, id)
);
create index loyalty_ledger_customer on pos.loyalty_ledger (tenant_id, customer_id, at desc);
${tenantRls('pos.loyalty_ledger')}
${appendOnly('pos.loyalty_ledger', 'pos')}

create table pos.gift_card (
  tenant_id uuid not null,
  id uuid not null,
  code varchar(32) not null check (code ~ '^[0-9A-Z-]{6,32}$'),
  initial_amount bigint not null check (initial_amount > 0),
  balance bigint not null check (balance >= 0),
  status varchar(10) not null default 'active' check (status in ('active', 'blocked', 'expired')),
  expires_on date,
  customer_id uuid,
  issued_by uuid,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id)
);
create unique index gift_card_code_uq on pos.gift_card (tenant_id, code);
${tenantRls('pos.gift_card')}

create table pos.gift_card_ledger (
  tenant_id uuid not null,
  id bigserial,
  gift_card_id uuid not null,
  kind varchar(10) not null check (kind in ('issue', 'redeem', 'refund', 'adjust')),
  amount bigint not null check (amount <> 0),
  balance_after bigint not null check (balance_after >= 0),
  ref_type varchar(24),
  ref_id uuid,
  user_id uuid,
  at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, gift_card_id) references pos.gift_card (tenant_id, id)
);
${tenantRls('pos.gift_card_ledger')}
${appendOnly('pos.gift_card_ledger', 'pos')}
`,
};
