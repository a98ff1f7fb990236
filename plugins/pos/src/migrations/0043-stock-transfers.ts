import type { Migration } from '@atrium/sdk';

/**
 * Two-step transfers between stores (domain/stock-transfer.ts): a transfer is shipped (stock leaves
 * the source store: `transfer_out` moves), is `in_transit`, and is received at the destination
 * with the quantities that arrived (`transfer_in` moves; differences posted as write-offs or
 * adjustments with a reason), or canceled (the goods go back to the source).
 *
 * - `stock_document`: who shipped / received / canceled and when (0002 already allows the
 *   statuses `in_transit` and `received`).
 * - `stock_document_line`: what was shipped (`shipped_milli` and, for batch-tracked goods, the
 *   source batches with lot, expiry and cost, so the destination gets the same lots and dates),
 *   what was received, and why they differ. The ledger stays the truth for on-hand; these columns
 *   describe the document (and give the in-transit quantity: shipped lines of in-transit transfers).
 */
export const stockTransfers: Migration = {
  name: '0043-stock-transfers',
  up: `
alter table pos.stock_document
  add column shipped_at timestamptz,
  add column shipped_by uuid,
  add column received_at timestamptz,
  add column received_by uuid,
  add column canceled_at timestamptz,
  add column canceled_by uuid,
  add column cancel_reason varchar(500);

alter table pos.stock_document_line
  add column shipped_milli bigint check (shipped_milli > 0),
  -- [{ batchId, lot, expiresOn, cost, qtyMilli }] taken at the source (first-expiring-first)
  add column shipped_batches jsonb,
  add column received_milli bigint check (received_milli >= 0),
  add column difference_reason varchar(16) check (difference_reason in ('short', 'damaged', 'over', 'other')),
  add column difference_note varchar(500);

-- the in-transit quantity per destination and product
create index stock_document_in_transit on pos.stock_document (tenant_id, to_store_id) where kind = 'transfer' and status = 'in_transit';
`,
};
