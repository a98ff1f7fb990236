import { appendOnly, tenantRls, type Migration } from '@atrium/sdk';

/**
 * Stock. `stock_move` is the append-only ledger (sdk `appendOnly`: UPDATE and DELETE raise): every
 * receipt, sale, return, transfer, count difference and adjustment is one signed row per
 * (store, product, batch). `stock_level` and `batch.on_hand_milli` are projections of that ledger,
 * written only in the same transaction as the move (domain/stock-ledger.ts), and are what guarded
 * updates (`… where on_hand_milli - reserved_milli >= $qty`) decrement under concurrency.
 */
export const createStock: Migration = {
  name: '0002-stock',
  up: `
create table pos.batch (
  tenant_id uuid not null,
  id uuid not null,
  store_id uuid not null,
  product_id uuid not null,
  lot varchar(64),
  expires_on date,
  cost bigint not null default 0,
  received_at timestamptz not null default now(),
  on_hand_milli bigint not null default 0,
  primary key (tenant_id, id),
  foreign key (tenant_id, product_id) references pos.product (tenant_id, id)
);
-- FEFO: earliest expiry first, undated batches last, oldest receipt breaks ties
create index batch_fefo on pos.batch (tenant_id, store_id, product_id, expires_on nulls last, received_at) where on_hand_milli > 0;
${tenantRls('pos.batch')}

create table pos.stock_level (
  tenant_id uuid not null,
  store_id uuid not null,
  product_id uuid not null,
  on_hand_milli bigint not null default 0,
  reserved_milli bigint not null default 0 check (reserved_milli >= 0),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, store_id, product_id),
  foreign key (tenant_id, product_id) references pos.product (tenant_id, id)
);
create index stock_level_low on pos.stock_level (tenant_id, store_id, on_hand_milli);
${tenantRls('pos.stock_level')}

create table pos.stock_move (
  tenant_id uuid not null,
  id bigserial,
  store_id uuid not null,
  product_id uuid not null,
  batch_id uuid,
  qty_milli bigint not null check (qty_milli <> 0),
  kind varchar(16) not null check (kind in ('receipt', 'sale', 'return', 'void', 'transfer_out', 'transfer_in', 'count', 'adjust', 'writeoff')),
  -- what caused it: ('sale', sale id), ('goods_receipt', id), ('transfer', id), ('count', id)
  ref_type varchar(24) not null,
  ref_id uuid not null,
  unit_cost bigint,
  user_id uuid,
  note varchar(500),
  at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, product_id) references pos.product (tenant_id, id)
);
create index stock_move_product on pos.stock_move (tenant_id, store_id, product_id, at desc);
create index stock_move_ref on pos.stock_move (tenant_id, ref_type, ref_id);
${tenantRls('pos.stock_move')}

${appendOnly('pos.stock_move', 'pos')}

create table pos.reservation (
  tenant_id uuid not null,
  id uuid not null,
  store_id uuid not null,
  product_id uuid not null,
  qty_milli bigint not null check (qty_milli > 0),
  status varchar(12) not null default 'active' check (status in ('active', 'released', 'consumed', 'expired')),
  ref_type varchar(24),
  ref_id varchar(200),
  expires_at timestamptz,
  created_by uuid,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, product_id) references pos.product (tenant_id, id)
);
create index reservation_active on pos.reservation (tenant_id, status, expires_at) where status = 'active';
${tenantRls('pos.reservation')}

-- documents that post moves: receipts from suppliers, transfers, stock counts
create table pos.stock_document (
  tenant_id uuid not null,
  id uuid not null,
  kind varchar(16) not null check (kind in ('goods_receipt', 'transfer', 'count', 'adjustment')),
  number integer not null,
  status varchar(12) not null default 'draft' check (status in ('draft', 'posted', 'in_transit', 'received', 'canceled')),
  store_id uuid not null,
  to_store_id uuid,
  supplier_id uuid,
  note varchar(1000),
  created_by uuid,
  created_at timestamptz not null default now(),
  posted_at timestamptz,
  posted_by uuid,
  primary key (tenant_id, id),
  unique (tenant_id, kind, number)
);
${tenantRls('pos.stock_document')}

create table pos.stock_document_line (
  tenant_id uuid not null,
  document_id uuid not null,
  line_no integer not null,
  product_id uuid not null,
  qty_milli bigint not null,
  -- counts: what the ledger said when the count was posted, and the difference posted
  expected_milli bigint,
  lot varchar(64),
  expires_on date,
  unit_cost bigint,
  primary key (tenant_id, document_id, line_no),
  foreign key (tenant_id, document_id) references pos.stock_document (tenant_id, id) on delete cascade,
  foreign key (tenant_id, product_id) references pos.product (tenant_id, id)
);
${tenantRls('pos.stock_document_line')}

-- per-tenant document numbering (receipt numbers, sale numbers) without gaps under concurrency:
-- one row per (scope), incremented with a guarded update in the same transaction
create table pos.counter (
  tenant_id uuid not null,
  scope varchar(80) not null,
  value integer not null default 0,
  primary key (tenant_id, scope)
);
${tenantRls('pos.counter')}
`,
};
