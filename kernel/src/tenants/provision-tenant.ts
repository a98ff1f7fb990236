import crypto from 'node:crypto';
import type pg from 'pg';
import { BUILTIN_ROLES, KERNEL_GRANTS } from '../rbac/builtin-roles.ts';

/** Creates a tenant with its built-in roles and an owner membership, inside the caller's system transaction. */
export async function provisionTenant(client: pg.PoolClient, input: { name: string; ownerUserId: string; locale?: string; currency?: string; timeZone?: string }): Promise<{ id: string; name: string }> {
  const id = crypto.randomUUID();
  await client.query('insert into kernel.tenant (id, name, locale, currency, time_zone) values ($1, $2, $3, $4, $5)', [id, input.name, input.locale ?? 'en', input.currency ?? 'USD', input.timeZone ?? 'UTC']);
  for (const role of BUILTIN_ROLES) {
    await client.query('insert into kernel.role (tenant_id, id, name, built_in, rules) values ($1, $2, $3, true, $4)', [id, crypto.randomUUID(), role, JSON.stringify(KERNEL_GRANTS[role])]);
  }
  await client.query('insert into kernel.membership (tenant_id, user_id, roles) values ($1, $2, $3)', [id, input.ownerUserId, ['owner']]);
  await client.query(`insert into kernel.store (tenant_id, id, name) values ($1, $2, 'Main')`, [id, crypto.randomUUID()]);
  return { id, name: input.name };
}
