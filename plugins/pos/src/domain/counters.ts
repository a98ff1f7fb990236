import type { RequestContext } from '@atrium/sdk';

/**
 * Gap-free per-tenant numbering (sale numbers per register, document numbers per kind). The
 * upsert takes the counter row's lock until the transaction ends, so two sales on the same
 * register get consecutive numbers and a rolled-back sale gives its number back. Scopes are kept
 * narrow (per register, not per tenant) so terminals do not queue behind one row.
 */
export async function nextNumber(ctx: RequestContext, scope: string): Promise<number> {
  const [row] = await ctx.em.execute(
    `insert into pos.counter (tenant_id, scope, value) values (?, ?, 1)
     on conflict (tenant_id, scope) do update set value = pos.counter.value + 1
     returning value`,
    [ctx.tenantId, scope],
  );
  return Number(row.value);
}
