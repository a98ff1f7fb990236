import { tenantRls, type Migration } from '@atrium/sdk';

/**
 * Word index for product search. Under row-level security PostgreSQL may only use an index for
 * an operator it knows cannot leak rows (a "leakproof" one): `ILIKE` and the trigram operators
 * are not, so with RLS on `pos.product` a text search filters every product of the tenant (30–100
 * ms over 100,000). Comparisons of text are leakproof, so each product's words (lower-cased name
 * split at spaces and punctuation, and the whole SKU) are kept here in a btree, and a typed
 * fragment is a range scan `term >= 'мол' and term < 'мол' || U+10FFFF` — a word-prefix match.
 * A trigger keeps the terms in step with name and SKU in the same transaction.
 */
export const productTerms: Migration = {
  name: '0011-product-terms',
  up: `
create table pos.product_term (
  tenant_id uuid not null,
  term varchar(200) collate "C" not null,
  product_id uuid not null,
  primary key (tenant_id, term, product_id),
  foreign key (tenant_id, product_id) references pos.product (tenant_id, id) on delete cascade
);
create index product_term_product on pos.product_term (tenant_id, product_id);
${tenantRls('pos.product_term')}

create or replace function pos.product_terms(p_name text, p_sku text) returns setof text language sql immutable as $$
  select distinct left(t, 200) from (
    select regexp_split_to_table(lower(p_name), '[[:space:][:punct:]«»№–—]+') as t
    union all select lower(p_sku)
  ) x where t <> ''
$$;

create or replace function pos.product_term_sync() returns trigger language plpgsql as $$
begin
  if tg_op = 'UPDATE' then
    if new.name = old.name and new.sku = old.sku then return new; end if;
    delete from pos.product_term where tenant_id = old.tenant_id and product_id = old.id;
  end if;
  insert into pos.product_term (tenant_id, term, product_id)
    select new.tenant_id, t, new.id from pos.product_terms(new.name, new.sku) t on conflict do nothing;
  return new;
end $$;
create trigger product_term_sync after insert or update of name, sku on pos.product for each row execute function pos.product_term_sync();

insert into pos.product_term (tenant_id, term, product_id)
  select p.tenant_id, t, p.id from pos.product p, pos.product_terms(p.name, p.sku) t on conflict do nothing;
`,
};
