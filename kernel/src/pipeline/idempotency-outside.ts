import { ConflictError, UnprocessableError } from '@atrium/sdk';
import type { KernelDeps } from '../kernel-deps.ts';
import type { TenantScope } from '../db/database.ts';
import { preparedQuery } from '../db/prepared.ts';

/**
 * `Idempotency-Key` for actions without a transaction (`transaction: false`, `idempotent: true`):
 * the same `kernel.idempotency` row the transactional path claims inside its transaction, here
 * claimed in a short transaction of its own before the handler runs; the answer is stored with the
 * action's audit entry once it returned (pipeline.middleware.ts). So a retry of a request that
 * called out (a payment created at a provider) gets the first answer without running again; a
 * retry while the first still runs waits for its answer (then 409 IDEMPOTENCY_KEY_IN_FLIGHT at the
 * deadline); a handler that failed frees the key (what it did outside is idempotent by its own
 * keys — ctx.outside); a claim left by a node that died is taken over once it is clearly abandoned.
 */
export type OutsideClaim = { replayed: true; response: unknown } | { replayed: false };

const READ_SQL = `select request_hash, response, created_at < now() - ($5::int * interval '1 millisecond') as abandoned
  from kernel.idempotency where tenant_id = $1::uuid and user_id = $2::uuid and action = $3::text and key = $4::text`;
const TAKE_OVER_SQL = `update kernel.idempotency set created_at = now() where tenant_id = $1::uuid and user_id = $2::uuid and action = $3::text
  and key = $4::text and response is null and created_at < now() - ($5::int * interval '1 millisecond') returning 1 as ok`;
const FREE_SQL = `delete from kernel.idempotency where tenant_id = $1::uuid and user_id = $2::uuid and action = $3::text and key = $4::text and response is null`;

export async function claimOutside(
  d: KernelDeps,
  scope: TenantScope,
  o: { claimSql: string; userId: string; action: string; key: string; hash: string; deadline: number | null },
): Promise<OutsideClaim> {
  // a handler ends soon after its deadline; a claim much older than that without an answer was left behind
  const abandonedMs = Math.max(60_000, 3 * d.config.http.requestTimeoutMs);
  const id = [scope.tenantId, o.userId, o.action, o.key] as const;
  const waitUntil = o.deadline ?? Date.now() + d.config.http.requestTimeoutMs;
  for (let pause = 25; ; pause = Math.min(pause * 2, 250)) {
    const got = await d.db.transaction(scope, async (em, first) => {
      if (first.length) return { claimed: true as const };
      const [row] = await preparedQuery(em, READ_SQL, [...id, abandonedMs]);
      return { claimed: false as const, row };
    }, { first: { sql: o.claimSql, params: [scope.tenantId, o.action, o.key, o.hash] } });
    if (got.claimed) return { replayed: false };
    const row = got.row as { request_hash: string; response: { v: unknown } | null; abandoned: boolean } | undefined;
    if (!row) continue; // the first one failed and freed the key meanwhile
    if (row.request_hash !== o.hash) throw new UnprocessableError('This Idempotency-Key was already used with different parameters', 'IDEMPOTENCY_KEY_REUSED');
    if (row.response) return { replayed: true, response: row.response.v ?? null };
    if (row.abandoned) {
      const taken = await d.db.transaction(scope, (em) => preparedQuery(em, TAKE_OVER_SQL, [...id, abandonedMs]));
      if (taken.length) return { replayed: false };
    }
    if (Date.now() + pause >= waitUntil) {
      throw new ConflictError('A request with this Idempotency-Key is still being processed; try again in a moment', 'IDEMPOTENCY_KEY_IN_FLIGHT', { retryAfterSeconds: 1 });
    }
    await new Promise((r) => setTimeout(r, pause));
  }
}

/** The handler failed: the key is free again for a retry (no answer was stored). */
export async function freeOutside(d: KernelDeps, scope: TenantScope, o: { userId: string; action: string; key: string }): Promise<void> {
  await d.db.transaction(scope, (em) => preparedQuery(em, FREE_SQL, [scope.tenantId, o.userId, o.action, o.key]));
}
