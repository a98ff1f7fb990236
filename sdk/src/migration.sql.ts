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
