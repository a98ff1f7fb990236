import { createHash } from 'node:crypto';

/**
 * SQL helpers for plugin migrations. Tenant tables get RLS with a policy that yields no rows
 * (rather than a cast error) when the tenant setting is missing; FORCE makes it apply to the
 * owner too, so nothing but a BYPASSRLS maintenance role sees across tenants.
 */
export function tenantRls(table: string): string {
  const policy = `${table.split('.').pop()}_tenant_isolation`;
  return `
alter table ${table} enable row level security;
alter table ${table} force row level security;
drop policy if exists ${policy} on ${table};
create policy ${policy} on ${table}
  using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
  with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
`;
}

/**
 * Makes a ledger table append-only: UPDATE and DELETE raise, so balances can only change by posting
 * a correcting row. The one exception is the kernel purging the plugin's data for the tenant
 * (it sets `app.purging` to the plugin id for that transaction), which must be able to delete.
 */
export function appendOnly(table: string, pluginId: string): string {
  const fn = `${table}_append_only`;
  const trigger = `${table.split('.').pop()}_append_only`;
  return `
create or replace function ${fn}() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' and current_setting('app.purging', true) = '${pluginId}' then
    return old;
  end if;
  raise exception '${table} is append-only: post a correcting entry instead' using errcode = 'P0001';
end $$;
drop trigger if exists ${trigger} on ${table};
create trigger ${trigger} before update or delete on ${table} for each row execute function ${fn}();
`;
}

/**
 * The checksum the kernel records for an applied migration (and `atrium-plugin verify`/`pack` keep in
 * `migrations.lock.json`): SHA-256 of its SQL with line endings and trailing spaces evened out, so
 * only a change to what the SQL says counts. The text of a helper's output (`tenantRls()`,
 * `appendOnly()`) is part of it: an SDK may never change what they produce for a given input.
 */
export function migrationChecksum(up: string): string {
  const text = up.replace(/\r\n?/g, '\n').split('\n').map((l) => l.replace(/\s+$/, '')).join('\n').trim();
  return createHash('sha256').update(text).digest('hex');
}
