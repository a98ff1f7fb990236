import { tenantRls, type Migration } from '@atrium/sdk';

/**
 * Every price a product has had, base and per store (issue 24): an offline till may sell at the
 * price it had cached, but a price the product never had at that time is flagged for a manager.
 * Written by triggers on pos.product (price) and pos.store_price, so every writer — the API, the
 * catalogue import, a correction in SQL — leaves its trace. `price` null: the store's own price was
 * removed and the base price applies there again. Existing prices are their first rows (backfilled
 * before RLS is enabled: the migration runs without a tenant).
 */
export const priceHistory: Migration = {
  name: '0046-price-history',
  up: `
create table pos.price_history (
  tenant_id uuid not null,
  id bigint generated always as identity,
  product_id uuid not null,
  store_id uuid,
  price bigint,
  valid_from timestamptz not null default now(),
  changed_by uuid,
  primary key (tenant_id, id)
);
create index price_history_product on pos.price_history (tenant_id, product_id, valid_from);
insert into pos.price_history (tenant_id, product_id, store_id, price, valid_from) select tenant_id, id, null, price, created_at from pos.product;
insert into pos.price_history (tenant_id, product_id, store_id, price, valid_from) select tenant_id, product_id, store_id, price, now() from pos.store_price;
${tenantRls('pos.price_history')}

create or replace function pos.record_product_price() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' or new.price is distinct from old.price then
    insert into pos.price_history (tenant_id, product_id, store_id, price, changed_by)
    values (new.tenant_id, new.id, null, new.price, nullif(current_setting('app.user_id', true), '')::uuid);
  end if;
  return new;
end $$;
create trigger product_price_history after insert or update of price on pos.product for each row execute function pos.record_product_price();

create or replace function pos.record_store_price() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    -- the kernel purging the tenant's POS data leaves no history behind
    if current_setting('app.purging', true) = 'pos' then return old; end if;
    insert into pos.price_history (tenant_id, product_id, store_id, price, changed_by)
    values (old.tenant_id, old.product_id, old.store_id, null, nullif(current_setting('app.user_id', true), '')::uuid);
    return old;
  end if;
  if tg_op = 'INSERT' or new.price is distinct from old.price then
    insert into pos.price_history (tenant_id, product_id, store_id, price, changed_by)
    values (new.tenant_id, new.product_id, new.store_id, new.price, nullif(current_setting('app.user_id', true), '')::uuid);
  end if;
  return new;
end $$;
create trigger store_price_history after insert or update or delete on pos.store_price for each row execute function pos.record_store_price();
`,
};
