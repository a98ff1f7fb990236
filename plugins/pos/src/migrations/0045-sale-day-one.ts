import type { Migration } from '@atrium/sdk';

/**
 * What a sale records beyond goods and tenders (issue 13, issue 24): the cash rounding to the
 * smallest coin; who served the customer when the till's cashier was switched by PIN; the manager
 * who approved a discount above the cashier's limit; promotions applied; for offline sales whose
 * price or time could not be trusted, a review flag with the reasons and the money at stake (a
 * manager approves or rejects it); card payments name the card terminal, Kaspi QR payments their
 * payment intent. Expand-only: new columns with defaults, the tender list widened.
 */
export const saleDayOne: Migration = {
  name: '0045-sale-day-one',
  up: `
alter table pos.sale
  add column rounding bigint not null default 0,
  add column operator_id uuid,
  add column discount_approved_by uuid,
  add column promotions jsonb not null default '[]',
  add column review_status varchar(10) not null default 'none' check (review_status in ('none', 'flagged', 'approved', 'rejected')),
  add column review_reasons jsonb not null default '[]',
  add column review_difference bigint not null default 0,
  add column reviewed_by uuid,
  add column reviewed_at timestamptz,
  add column review_note varchar(500);
create index sale_review on pos.sale (tenant_id, sold_at desc) where review_status = 'flagged';

alter table pos.sale_line
  add column promo_discount bigint not null default 0,
  add column promotion_id uuid;

alter table pos.sale_payment drop constraint sale_payment_method_check;
alter table pos.sale_payment add constraint sale_payment_method_check check (method in ('cash', 'card', 'credit', 'account', 'points', 'gift_card', 'kaspi_qr'));
alter table pos.sale_payment
  add column terminal_id uuid,
  add column intent_id varchar(80);
create unique index sale_payment_intent_uq on pos.sale_payment (tenant_id, intent_id) where intent_id is not null;

alter table pos.sale_return add column rounding bigint not null default 0;
`,
};
