import { tenantRls, type Migration } from '@atrium/sdk';

/**
 * Customer search that RLS lets use an index (migration 0011 says why ILIKE and the trigram index
 * cannot under row-level security: their operators are not leakproof, text comparisons are).
 *
 * Names are searched by any part ("ванов" finds "Иванова"), so a word-prefix index is not enough:
 * `pos.customer_term` keeps every suffix of the lower-cased name that starts at a non-space
 * character, cut to 16 characters. A fragment is a substring of the name exactly when it is the
 * start of one of these suffixes — a btree range scan `term >= 'ванов' and term < 'ванов' ||
 * U+10FFFF`. A fragment longer than 16 characters scans by its first 16 and the service re-checks
 * the whole fragment with ILIKE on the few rows found. About one row per character of the name.
 *
 * No foreign key to pos.customer (its cascade would need a second index on customer_id): the
 * trigger deletes a customer's terms by primary key, computing them from the old name — on rename
 * and on delete, the kernel's purge included.
 *
 * Phones are searched by their last digits. The old index on `reverse(phone)` is of no use under
 * RLS either: `reverse()` is not leakproof, so no condition on it may become an index condition.
 * A stored generated column `phone_reversed` (collation "C") makes the suffix a prefix and the
 * condition a plain leakproof range on a column: `phone_reversed >= '7654' and < '7654' || U+10FFFF`.
 */
export const customerSearch: Migration = {
  name: '0042-customer-search',
  up: `
alter table pos.customer add column phone_reversed varchar(20) collate "C" generated always as (reverse(phone)) stored;
create index customer_phone_reversed on pos.customer (tenant_id, phone_reversed) where phone_reversed is not null;
drop index pos.customer_phone_suffix;

create table pos.customer_term (
  tenant_id uuid not null,
  term varchar(16) collate "C" not null,
  customer_id uuid not null,
  primary key (tenant_id, term, customer_id)
);
${tenantRls('pos.customer_term')}

create or replace function pos.customer_terms(p_name text) returns setof text language sql immutable as $$
  select distinct left(substr(n, i), 16)
  from lower(p_name) n, generate_series(1, length(n)) i
  where substr(n, i, 1) !~ '[[:space:]]'
$$;

create or replace function pos.customer_term_sync() returns trigger language plpgsql as $$
begin
  if tg_op = 'UPDATE' and new.name = old.name then return new; end if;
  if tg_op in ('UPDATE', 'DELETE') then
    delete from pos.customer_term
    where tenant_id = old.tenant_id and customer_id = old.id and term in (select pos.customer_terms(old.name));
  end if;
  if tg_op = 'DELETE' then return old; end if;
  insert into pos.customer_term (tenant_id, term, customer_id)
    select new.tenant_id, t, new.id from pos.customer_terms(new.name) t on conflict do nothing;
  return new;
end $$;
create trigger customer_term_sync after insert or update of name or delete on pos.customer
  for each row execute function pos.customer_term_sync();

insert into pos.customer_term (tenant_id, term, customer_id)
  select c.tenant_id, t, c.id from pos.customer c, pos.customer_terms(c.name) t on conflict do nothing;
`,
};
