import { tenantRls, type Migration } from '@atrium/sdk';

/**
 * The shop's card terminals (Halyk, Kaspi POS, Forte…): a card tender names the one that took it,
 * so the Z report and the payment-type report count them apart, as the terminals' own batches do.
 * A terminal may belong to one store or to all (store_id null).
 */
export const cardTerminals: Migration = {
  name: '0047-card-terminals',
  up: `
create table pos.card_terminal (
  tenant_id uuid not null,
  id uuid not null,
  store_id uuid,
  name varchar(80) not null check (length(trim(name)) > 0),
  archived boolean not null default false,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id)
);
create unique index card_terminal_name_uq on pos.card_terminal (tenant_id, lower(name)) where not archived;
${tenantRls('pos.card_terminal')}
`,
};
