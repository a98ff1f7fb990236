import { tenantRls, type Migration } from '@atrium/sdk';

/**
 * Promotions and preset discounts (issue 13): 3 for 2, % off a category, happy hours, and named
 * discounts a cashier picks. `rule` is the pure rule of domain/promotions.ts; a promotion may be
 * limited to one store and to dates (inclusive, in the shop's calendar).
 */
export const promotions: Migration = {
  name: '0048-promotions',
  up: `
create table pos.promotion (
  tenant_id uuid not null,
  id uuid not null,
  name varchar(120) not null check (length(trim(name)) > 0),
  kind varchar(12) not null check (kind in ('preset', 'n_for_m', 'percent', 'happy_hour')),
  rule jsonb not null,
  store_id uuid,
  valid_from date,
  valid_to date,
  active boolean not null default true,
  created_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id)
);
create index promotion_active on pos.promotion (tenant_id, kind) where active;
${tenantRls('pos.promotion')}
`,
};
