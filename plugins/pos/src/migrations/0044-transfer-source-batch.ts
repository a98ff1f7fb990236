import type { Migration } from '@atrium/sdk';

/**
 * A transfer line may name the source batch its goods leave from (a lot moved to another store);
 * without one the goods are taken first-expiring-first as before (domain/stock-transfer.ts).
 * Expand-only: a nullable column, so nodes of the previous version keep working beside this one.
 * No foreign key to pos.batch: a line of another store's or product's batch is refused with a
 * field error before it is stored, and the shipped batches are recorded in `shipped_batches`.
 */
export const transferSourceBatch: Migration = {
  name: '0044-transfer-source-batch',
  up: `
alter table pos.stock_document_line add column batch_id uuid;
`,
};
