import { randomUUID } from 'node:crypto';
import { ConflictError, type RequestContext } from '@atrium/sdk';

/**
 * One change at a time per tenant (billing changes, Connect onboarding) without holding a
 * transaction — or a row lock — while Stripe answers: a lease on the tenant's row (`busy_until`,
 * `busy_token`, migration 0003), taken in a short transaction and given back in another. A second
 * change waits its turn (then 409 BUSY); a lease left by a crashed node runs out by itself. Every
 * Stripe call inside carries an Idempotency-Key, so a change retried after such a crash replays.
 */
export async function inTurn<T>(ctx: RequestContext, table: 'billing_subscription' | 'connect_account', fn: () => Promise<T>, o: { waitMs?: number; leaseMs?: number } = {}): Promise<T> {
  const token = randomUUID();
  const until = Date.now() + (o.waitMs ?? 10_000);
  for (let pause = 25; ; pause = Math.min(pause * 2, 250)) {
    const taken = await ctx.transaction(async (tx) => {
      await tx.sql(`insert into payments_stripe.${table} (tenant_id) values ($1::uuid) on conflict do nothing`, [tx.tenantId]);
      const rows = await tx.sql(
        `update payments_stripe.${table} set busy_until = now() + ($2::int * interval '1 millisecond'), busy_token = $3::uuid
          where tenant_id = $1::uuid and (busy_until is null or busy_until < now()) returning tenant_id`,
        [tx.tenantId, o.leaseMs ?? 120_000, token],
      );
      return rows.length > 0;
    });
    if (taken) break;
    if (Date.now() + pause > until) throw new ConflictError('Another change of this is in progress; try again in a moment', 'BUSY', { retryAfterSeconds: 1 });
    await new Promise((r) => setTimeout(r, pause));
  }
  try {
    return await fn();
  } finally {
    await ctx.transaction((tx) => tx.sql(`update payments_stripe.${table} set busy_until = null, busy_token = null where tenant_id = $1::uuid and busy_token = $2::uuid`, [tx.tenantId, token]))
      .catch(() => undefined); // the lease runs out by itself
  }
}
