import { tenantRls, type Migration } from '@atrium/sdk';

/**
 * What the catalogue and stock services add to the skeleton schema:
 * - search: a prefix index on lower(sku) (the trigram index on name is in 0001), quick keys;
 * - `import_job`: one row per catalogue import (CSV/xlsx) with its per-row error report and
 *   progress — big files are imported by a chain of jobs that commit progress chunk by chunk;
 * - `low_stock_alert`: which (store, product) already got a low-stock event, so the job emits
 *   once per crossing below the threshold, not on every run;
 * - `stock_document.reason`: why an adjustment/write-off was made.
 */
export const catalogExtras: Migration = {
  name: '0010-catalog-extras',
  up: `
create index product_sku_prefix on pos.product (tenant_id, lower(sku) text_pattern_ops);
create index product_quick_key on pos.product (tenant_id, quick_key) where quick_key is not null and not archived;
create index product_supplier on pos.product (tenant_id, supplier_id) where supplier_id is not null;
create index product_variant_group on pos.product (tenant_id, variant_group_id) where variant_group_id is not null;
create index stock_document_list on pos.stock_document (tenant_id, kind, created_at desc);
create index stock_move_by_product on pos.stock_move (tenant_id, product_id, id desc);
create index batch_product on pos.batch (tenant_id, product_id, store_id);

alter table pos.stock_document add column reason varchar(24);

create table pos.import_job (
  tenant_id uuid not null,
  id uuid not null,
  kind varchar(24) not null default 'products',
  format varchar(8) not null check (format in ('csv', 'xlsx')),
  -- all: nothing is written if any row is bad; valid: the good rows are imported, bad ones reported
  mode varchar(8) not null check (mode in ('all', 'valid')),
  dry_run boolean not null default false,
  status varchar(12) not null default 'running' check (status in ('running', 'done', 'failed')),
  -- running phases: check (rows validated against the database chunk by chunk), apply (all-or-nothing write)
  phase varchar(8) not null default 'check' check (phase in ('check', 'apply')),
  file_name varchar(255),
  columns text[] not null default '{}',
  total_rows integer not null default 0,
  processed_rows integer not null default 0,
  created integer not null default 0,
  updated integer not null default 0,
  errors jsonb not null default '[]',
  -- the parsed rows while the import runs; cleared when it ends
  rows jsonb,
  created_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  finished_at timestamptz,
  primary key (tenant_id, id)
);
create index import_job_recent on pos.import_job (tenant_id, created_at desc);
${tenantRls('pos.import_job')}

create table pos.low_stock_alert (
  tenant_id uuid not null,
  store_id uuid not null,
  product_id uuid not null,
  on_hand_milli bigint not null,
  threshold_milli bigint not null,
  alerted_at timestamptz not null default now(),
  primary key (tenant_id, store_id, product_id),
  foreign key (tenant_id, product_id) references pos.product (tenant_id, id) on delete cascade
);
${tenantRls('pos.low_stock_alert')}
`,
};
