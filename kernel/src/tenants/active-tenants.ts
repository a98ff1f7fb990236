import type { KernelDeps } from '../kernel-deps.ts';

/**
 * Is this tenant active? Asked by every public webhook request before it runs under the tenant
 * named in its URL or found in its body — a statement per webhook for an answer that almost never
 * changes. Positive answers are remembered for TTL_MS (a tenant suspended by the operator stops
 * receiving webhooks within that time); unknown ids are asked every time, so a new tenant is
 * served at once. Bounded: cleared when full.
 */
const TTL_MS = 30_000;
const known = new Map<string, number>();

export async function isActiveTenant(d: KernelDeps, tenantId: string): Promise<boolean> {
  const until = known.get(tenantId);
  if (until && until > Date.now()) return true;
  const rows = await d.db.systemQuery(`select 1 from kernel.tenant where id = $1 and status = 'active'`, [tenantId]);
  if (!rows.length) {
    known.delete(tenantId);
    return false;
  }
  if (known.size >= 10_000) known.clear();
  known.set(tenantId, Date.now() + TTL_MS);
  return true;
}
