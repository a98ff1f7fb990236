import type { Migration } from '@atrium/sdk';

/**
 * Registers get a short number (sale numbers read `3-000125`: register 3, its 125th sale; a
 * per-register counter so terminals never queue behind one row) and a switch for receipt printing;
 * sales get the token of their public receipt link and the receipt print outcome.
 */
export const salesExtras: Migration = {
  name: '0040-sales-extras',
  up: `
alter table pos.register add column code integer not null;
alter table pos.register add column print_receipts boolean not null default true;
create unique index register_code_uq on pos.register (tenant_id, code);

alter table pos.sale add column receipt_token varchar(43) not null;
alter table pos.sale add column receipt_status varchar(12) not null default 'none' check (receipt_status in ('none', 'queued', 'failed'));
alter table pos.sale add column receipt_error varchar(200);
create unique index sale_receipt_token_uq on pos.sale (receipt_token);
`,
};
