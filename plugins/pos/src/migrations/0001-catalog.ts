import { tenantRls, type Migration } from '@atrium/sdk';

/**
 * Catalogue: stores' POS settings, categories, tax rates, suppliers, variant groups, products
 * (one row per sellable SKU; variants are products sharing a group and differing in attributes),
 * barcodes (several per product; `kind = 'weight'` rows hold the 7-digit prefix of weight-embedded
 * EAN-13 codes 20–29) and per-store prices.
 *
 * Money is integer minor units (bigint), quantities are thousandths (`_milli`), so 0.250 kg = 250.
 * Stores themselves are the kernel's (`kernel.Store`); `store_settings` holds what POS adds.
 */
export const createCatalog: Migration = {
  name: '0001-catalog',
  up: `
create extension if not exists pg_trgm;

create table pos.store_settings (
  tenant_id uuid not null,
  store_id uuid not null,
  name varchar(120) not null,
  allow_negative_stock boolean not null default false,
  receipt_header text[] not null default '{}',
  receipt_footer text[] not null default '{}',
  updated_at timestamptz not null default now(),
  primary key (tenant_id, store_id)
);
${tenantRls('pos.store_settings')}

create table pos.category (
  tenant_id uuid not null,
  id uuid not null,
  parent_id uuid,
  name varchar(120) not null check (length(name) > 0),
  sort integer not null default 0,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, parent_id) references pos.category (tenant_id, id) on delete set null (parent_id)
);
create unique index category_name_uq on pos.category (tenant_id, coalesce(parent_id, '00000000-0000-0000-0000-000000000000'::uuid), lower(name));
${tenantRls('pos.category')}

create table pos.tax_rate (
  tenant_id uuid not null,
  id uuid not null,
  name varchar(60) not null,
  -- basis points: 1200 = 12 %
  rate_bp integer not null check (rate_bp between 0 and 10000),
  -- included: the price already contains the tax (retail in KZ/RU/UA); otherwise added on top
  included boolean not null default true,
  archived boolean not null default false,
  primary key (tenant_id, id)
);
create unique index tax_rate_name_uq on pos.tax_rate (tenant_id, lower(name));
${tenantRls('pos.tax_rate')}

create table pos.supplier (
  tenant_id uuid not null,
  id uuid not null,
  name varchar(200) not null check (length(name) > 0),
  phone varchar(32),
  email varchar(254),
  tax_id varchar(40),
  notes text,
  archived boolean not null default false,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id)
);
create unique index supplier_name_uq on pos.supplier (tenant_id, lower(name));
${tenantRls('pos.supplier')}

create table pos.variant_group (
  tenant_id uuid not null,
  id uuid not null,
  name varchar(200) not null,
  -- attribute names in display order, e.g. {size,color}
  attributes text[] not null default '{}',
  primary key (tenant_id, id)
);
${tenantRls('pos.variant_group')}

create table pos.product (
  tenant_id uuid not null,
  id uuid not null,
  sku varchar(64) not null check (length(sku) > 0),
  name varchar(200) not null check (length(name) > 0),
  category_id uuid,
  variant_group_id uuid,
  attributes jsonb not null default '{}',
  unit varchar(8) not null default 'pcs' check (unit in ('pcs', 'kg', 'l', 'm')),
  tax_rate_id uuid,
  supplier_id uuid,
  -- default selling price and last cost, minor units
  price bigint not null check (price >= 0),
  cost bigint not null default 0 check (cost >= 0),
  track_stock boolean not null default true,
  track_batches boolean not null default false,
  low_stock_milli bigint,
  image_file_id uuid,
  quick_key integer,
  archived boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1,
  primary key (tenant_id, id),
  foreign key (tenant_id, category_id) references pos.category (tenant_id, id) on delete set null (category_id),
  foreign key (tenant_id, variant_group_id) references pos.variant_group (tenant_id, id) on delete set null (variant_group_id),
  foreign key (tenant_id, tax_rate_id) references pos.tax_rate (tenant_id, id),
  foreign key (tenant_id, supplier_id) references pos.supplier (tenant_id, id) on delete set null (supplier_id)
);
create unique index product_sku_uq on pos.product (tenant_id, lower(sku));
create index product_name_trgm on pos.product using gin (name gin_trgm_ops);
create index product_tenant_name on pos.product (tenant_id, name, id);
create index product_category on pos.product (tenant_id, category_id);
${tenantRls('pos.product')}

create table pos.barcode (
  tenant_id uuid not null,
  code varchar(64) not null check (code ~ '^[0-9A-Za-z._-]+$'),
  product_id uuid not null,
  -- 'unit': the code identifies one unit; 'weight': 7-digit prefix of a weight-embedded EAN-13
  kind varchar(8) not null default 'unit' check (kind in ('unit', 'weight')),
  -- how many units one scan means (a six-pack barcode = 6000)
  qty_milli bigint not null default 1000 check (qty_milli > 0),
  primary key (tenant_id, code),
  foreign key (tenant_id, product_id) references pos.product (tenant_id, id) on delete cascade
);
create index barcode_product on pos.barcode (tenant_id, product_id);
${tenantRls('pos.barcode')}

create table pos.store_price (
  tenant_id uuid not null,
  store_id uuid not null,
  product_id uuid not null,
  price bigint not null check (price >= 0),
  primary key (tenant_id, store_id, product_id),
  foreign key (tenant_id, product_id) references pos.product (tenant_id, id) on delete cascade
);
${tenantRls('pos.store_price')}
`,
};
