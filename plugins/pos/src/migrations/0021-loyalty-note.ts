import type { Migration } from '@atrium/sdk';

/**
 * A manual points adjustment must say why (customers ask where their points went); the reason
 * lives on the ledger row itself, like `customer_ledger.note`. Added, never changed: the ledger
 * stays append-only.
 */
export const addLoyaltyNote: Migration = {
  name: '0021-loyalty-note',
  up: `
alter table pos.loyalty_ledger add column note varchar(500);
`,
};
