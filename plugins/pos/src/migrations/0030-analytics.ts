import { tenantRls, type Migration } from '@atrium/sdk';

/**
 * Analytics. Every table here is derived from the sales, returns and stock ledgers and can be
 * rebuilt from them at any time (`POST /api/pos/reports/daily/rebuild`), so none is append-only:
 * recomputing a day replaces its rows.
 *
 * - `daily_report`: one row per (store, day) — completed sales of that day, returns made that
 *   day, per payment method and per hour. `time_zone` is the zone the day was counted in: rows
 *   counted in another zone than the tenant's current one are not served (recomputed live).
 * - `stock_snapshot` / `stock_snapshot_day`: on-hand and value at cost per (store, product) at the
 *   end of a day; `stock_snapshot_day` marks which (store, day) was snapshotted, so a product
 *   without a row on a snapshotted day had zero on hand (only non-zero rows are stored).
 * - `customer_rfm`: the latest RFM scores and segment of every customer who bought in the window.
 * - `report_run`: progress of a rebuild that runs as a chain of jobs, one chunk of days each.
 */
export const createAnalytics: Migration = {
  name: '0030-analytics',
  up: `
-- the reports select returns and stock moves by time
create index sale_return_created on pos.sale_return (tenant_id, created_at);
create index stock_move_at on pos.stock_move (tenant_id, at);

create table pos.daily_report (
  tenant_id uuid not null,
  store_id uuid not null,
  day date not null,
  time_zone varchar(64) not null,
  sales_count integer not null,
  -- what completed sales of the day came to (tax included), their discounts, tax and cost
  revenue bigint not null,
  discounts bigint not null,
  tax bigint not null,
  cost bigint not null,
  -- returns made on this day (of sales of any day), with their share of tax and cost
  returns_count integer not null,
  returns bigint not null,
  returns_tax bigint not null,
  returns_cost bigint not null,
  -- (revenue − tax) − (returns − returns_tax) − (cost − returns_cost)
  margin bigint not null,
  avg_ticket bigint not null,
  voided_count integer not null,
  voided_total bigint not null,
  -- {"cash": {"sales": 0, "refunds": 0, "net": 0}, …}
  by_payment jsonb not null default '{}',
  -- 24 entries: [{"hour": 0, "salesCount": 0, "revenue": 0}, …] in the tenant's time zone
  by_hour jsonb not null default '[]',
  computed_at timestamptz not null default now(),
  primary key (tenant_id, store_id, day)
);
create index daily_report_day on pos.daily_report (tenant_id, day);
${tenantRls('pos.daily_report')}

create table pos.stock_snapshot_day (
  tenant_id uuid not null,
  day date not null,
  store_id uuid not null,
  time_zone varchar(64) not null,
  products integer not null,
  value bigint not null,
  computed_at timestamptz not null default now(),
  primary key (tenant_id, day, store_id)
);
create index stock_snapshot_day_store on pos.stock_snapshot_day (tenant_id, store_id, day);
${tenantRls('pos.stock_snapshot_day')}

create table pos.stock_snapshot (
  tenant_id uuid not null,
  day date not null,
  store_id uuid not null,
  product_id uuid not null,
  on_hand_milli bigint not null,
  -- the product's cost price when the snapshot was taken, and on-hand × cost
  unit_cost bigint not null,
  value bigint not null,
  primary key (tenant_id, day, store_id, product_id),
  foreign key (tenant_id, day, store_id) references pos.stock_snapshot_day (tenant_id, day, store_id) on delete cascade,
  foreign key (tenant_id, product_id) references pos.product (tenant_id, id) on delete cascade
);
create index stock_snapshot_product on pos.stock_snapshot (tenant_id, product_id, store_id, day);
${tenantRls('pos.stock_snapshot')}

create table pos.customer_rfm (
  tenant_id uuid not null,
  customer_id uuid not null,
  recency_days integer not null check (recency_days >= 0),
  frequency integer not null check (frequency > 0),
  monetary bigint not null,
  last_purchase_at timestamptz not null,
  r_score smallint not null check (r_score between 1 and 5),
  f_score smallint not null check (f_score between 1 and 5),
  m_score smallint not null check (m_score between 1 and 5),
  fm_score smallint not null check (fm_score between 1 and 5),
  segment varchar(32) not null,
  window_days integer not null,
  computed_at timestamptz not null,
  primary key (tenant_id, customer_id),
  foreign key (tenant_id, customer_id) references pos.customer (tenant_id, id) on delete cascade
);
create index customer_rfm_segment on pos.customer_rfm (tenant_id, segment, monetary desc);
${tenantRls('pos.customer_rfm')}

create table pos.report_run (
  tenant_id uuid not null,
  id uuid not null,
  kind varchar(16) not null check (kind in ('daily_rebuild')),
  store_id uuid,
  from_day date not null,
  to_day date not null,
  days_total integer not null check (days_total > 0),
  days_done integer not null default 0,
  status varchar(8) not null default 'running' check (status in ('running', 'done')),
  created_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  finished_at timestamptz,
  primary key (tenant_id, id),
  constraint report_run_progress check (days_done between 0 and days_total)
);
create index report_run_recent on pos.report_run (tenant_id, created_at desc);
${tenantRls('pos.report_run')}
`,
};
