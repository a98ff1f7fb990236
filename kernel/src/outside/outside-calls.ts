import crypto from 'node:crypto';
import type { ServiceBroker } from 'moleculer';
import { AtriumError, ConflictError, UnprocessableError, type OutsideCallDefinition, type OutsideCallInput, type OutsideOutcome, type RequestContext } from '@atrium/sdk';
import type { KernelDeps } from '../kernel-deps.ts';

/**
 * The kernel's side of `ctx.outside` (sdk/src/outside-call.ts): the journal `kernel.outside_call`,
 * the attempt (call or recover, then settle), and the sweep that takes over calls a crash left
 * pending. Every journal statement runs in a short transaction of the caller's own
 * (`ctx.transaction`), under the tenant's RLS; only the sweep's search crosses tenants.
 */

/** A recovery that failed again waits longer each time: 2^attempts seconds, at most this. */
const MAX_BACKOFF_MS = 15 * 60_000;

/**
 * How long one attempt may run before another node may take the call over: unless the call says,
 * six times the outbound timeout — a provider operation makes a few requests in a row (a read, the
 * change, a read back), each bounded by it. Two attempts at once would both send the key.
 */
const leaseOf = (d: KernelDeps, def: OutsideCallDefinition) => def.leaseMs ?? 6 * d.config.outbound.timeoutMs;

/**
 * After an attempt without an answer, when the call may be attempted again. Not at once: the
 * request may still be on its way to the provider (a timeout is not a "no"), and a provider
 * without idempotency keys would see the second before the first. Later recoveries back off.
 */
const backoffOf = (d: KernelDeps, attempts: number) => Math.min(Math.max(d.config.outbound.timeoutMs, attempts > 1 ? 2 ** attempts * 1000 : 0), MAX_BACKOFF_MS);

const CLAIM_NEW_SQL = `insert into kernel.outside_call (tenant_id, plugin_id, key, name, request, fingerprint, state, lease_until)
  values ($1::uuid, $2::text, $3::text, $4::text, $5::jsonb, $6::text, 'pending', now() + ($7::int * interval '1 millisecond'))
  on conflict do nothing returning 1 as ok`;
const READ_SQL = `select name, fingerprint, state, result, error, request, lease_until > now() as leased
  from kernel.outside_call where tenant_id = $1::uuid and plugin_id = $2::text and key = $3::text`;
/** Takes over a pending call whose lease ran out (atomic: one taker). */
const TAKE_OVER_SQL = `update kernel.outside_call set lease_until = now() + ($4::int * interval '1 millisecond'), attempts = attempts + 1, updated_at = now()
  where tenant_id = $1::uuid and plugin_id = $2::text and key = $3::text and state = 'pending' and lease_until <= now()
  returning name, request, attempts`;
/** Locks the row for settling; no row: another attempt settled it first. */
const LOCK_PENDING_SQL = `select 1 as ok from kernel.outside_call where tenant_id = $1::uuid and plugin_id = $2::text and key = $3::text and state = 'pending' for update`;
const SETTLE_SQL = `update kernel.outside_call set state = $4::text, result = $5::jsonb, error = $6::jsonb, updated_at = now()
  where tenant_id = $1::uuid and plugin_id = $2::text and key = $3::text`;
const RELEASE_SQL = `update kernel.outside_call set lease_until = now() + ($4::int * interval '1 millisecond'), updated_at = now()
  where tenant_id = $1::uuid and plugin_id = $2::text and key = $3::text and state = 'pending'`;

type JournalRow = { name: string; fingerprint: string; state: 'pending' | 'done' | 'failed'; result: any; error: any; request: unknown; leased: boolean };

function fingerprintOf(name: string, request: unknown): string {
  return crypto.createHash('sha256').update(name).update('\n').update(JSON.stringify(request)).digest('hex');
}

/** A refusal: nothing happened at the provider (a typed 4xx; not 408/429, which say "later"). */
function isRefusal(e: any): boolean {
  const status = typeof e?.code === 'number' ? e.code : 0;
  return typeof e?.type === 'string' && status >= 400 && status < 500 && status !== 408 && status !== 429;
}

function refusalOf(e: any): OutsideOutcome<never> {
  const details = e?.data?.details;
  return { ok: false, error: { status: e.code, code: e.type, message: String(e.message ?? e.type), ...(details ? { details } : {}) } };
}

/** A stored refusal as the typed error the first caller got. */
function errorFrom(error: { status: number; code: string; message: string; details?: Record<string, unknown> }): AtriumError {
  // error-codes: pass-through (the refusal the outside call answered first, stored)
  return new AtriumError(error.message, error.status, error.code, error.details ? { details: error.details } : undefined);
}

/** The definition of `name` in the plugin (what a recovery runs). */
function definitionOf(d: KernelDeps, pluginId: string, name: string): OutsideCallDefinition | undefined {
  return d.registry.get(pluginId)?.definition.outsideCalls?.find((c) => c.name === name);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `ctx.outside(call, { key, request, prepare })` for a handler without a transaction (`req`).
 * See sdk/src/outside-call.ts for what the plugin sees.
 */
/** A short transaction of the caller's that is not bound to its deadline (recording a result that arrived late). */
export type Unbounded = <T>(fn: (tx: RequestContext) => Promise<T>) => Promise<T>;

export async function runOutsideCall<Req, Out>(
  d: KernelDeps,
  req: RequestContext,
  deadline: number | null,
  def: OutsideCallDefinition<Req, any, Out>,
  input: OutsideCallInput<Req>,
  unbounded: Unbounded = req.transaction,
): Promise<Out> {
  const pluginId = req.pluginId;
  if (definitionOf(d, pluginId, def.name) !== def) {
    throw new Error(`Outside call "${def.name}" is not listed in definePlugin({ outsideCalls }) of "${pluginId}": a node recovering it after a crash could not find its code`);
  }
  if (typeof input.key !== 'string' || !input.key.length || input.key.length > 255) throw new UnprocessableError('An outside call needs a key of 1–255 characters', 'OUTSIDE_CALL_KEY_INVALID');
  const request = JSON.parse(JSON.stringify(input.request ?? null)) as Req;
  const fingerprint = fingerprintOf(def.name, input.match === undefined ? request : input.match);
  const lease = leaseOf(d, def);
  const id = [req.tenantId, pluginId, input.key] as const;
  const waitUntil = Math.min(deadline ?? Infinity, Date.now() + lease);
  for (let pause = 50; ; pause = Math.min(pause * 2, 500)) {
    // 1. the intent and the journal row, in one short transaction
    const fresh = await req.transaction(async (tx) => {
      const claimed = await tx.sql(CLAIM_NEW_SQL, [...id, def.name, JSON.stringify(request), fingerprint, lease]);
      if (!claimed.length) return false;
      await input.prepare?.(tx);
      return true;
    });
    if (fresh) return attempt(d, req, def, input.key, request, { recovering: false, lease, attempts: 1, unbounded });
    // the key was used before: its answer, or the call still in flight
    const row = await req.transaction(async (tx) => (await tx.sql<JournalRow>(READ_SQL, id))[0]);
    if (!row) continue; // the first attempt's prepare rolled back meanwhile: try again as the first
    if (row.name !== def.name || row.fingerprint !== fingerprint) {
      throw new UnprocessableError('This key was already used for a different request', 'IDEMPOTENCY_KEY_REUSED', { key: input.key });
    }
    if (row.state === 'done') return row.result as Out;
    if (row.state === 'failed') throw errorFrom(row.error);
    if (!row.leased) {
      // its last attempt ended without an answer (or its node died): carry on with the same key
      const taken = await req.transaction(async (tx) => (await tx.sql<{ attempts: number }>(TAKE_OVER_SQL, [...id, lease]))[0]);
      if (taken) return attempt(d, req, def, input.key, request, { recovering: true, lease, attempts: taken.attempts, unbounded });
    }
    if (Date.now() + pause >= waitUntil) {
      throw new ConflictError('This request is still being processed with the provider; try again in a moment', 'OUTSIDE_CALL_IN_PROGRESS', { key: input.key, retryAfterSeconds: 1 });
    }
    await sleep(pause);
  }
}

/**
 * One attempt: `recover` (after an unknown outcome) or `call`, with no connection held; then
 * `settle` and the journal's result in one short transaction. An unknown outcome (no answer, a
 * 5xx) leaves the row pending — to be attempted again after a back-off (backoffOf) — and rethrows.
 */
async function attempt<Req, Out>(
  d: KernelDeps,
  req: RequestContext,
  def: OutsideCallDefinition<Req, any, Out>,
  key: string,
  request: Req,
  o: { recovering: boolean; lease: number; attempts: number; unbounded?: Unbounded },
): Promise<Out> {
  const id = [req.tenantId, req.pluginId, key] as const;
  // what the provider answered is recorded even if it answered after the request's deadline
  const record = o.unbounded ?? req.transaction;
  let outcome: OutsideOutcome<unknown>;
  try {
    const recovered = o.recovering && def.recover ? await def.recover(req, request, key) : undefined;
    outcome = { ok: true, value: recovered !== undefined ? recovered : await def.call(req, request, key) };
  } catch (e) {
    if (!isRefusal(e)) {
      await record((tx) => tx.sql(RELEASE_SQL, [...id, backoffOf(d, o.attempts)])).catch((err) => d.logger.warn({ err, key }, 'outside call: could not give its lease back (it runs out by itself)'));
      throw e;
    }
    outcome = refusalOf(e);
  }
  const settled = await record(async (tx) => {
    if (!(await tx.sql(LOCK_PENDING_SQL, id)).length) return { already: true as const };
    const result = await def.settle(tx, request, outcome as OutsideOutcome<any>, key);
    const plain = result === undefined ? null : JSON.parse(JSON.stringify(result));
    await tx.sql(SETTLE_SQL, [...id, outcome.ok ? 'done' : 'failed', JSON.stringify(plain), outcome.ok ? null : JSON.stringify(outcome.error)]);
    return { already: false as const, plain };
  });
  if (settled.already) {
    // another attempt (its lease ran out on a slow call of ours) settled first: its answer stands
    const row = await record(async (tx) => (await tx.sql<JournalRow>(READ_SQL, id))[0]);
    if (row?.state === 'failed') throw errorFrom(row.error);
    return row?.result as Out;
  }
  if (!outcome.ok) throw errorFrom(outcome.error);
  return settled.plain as Out;
}

/**
 * `<plugin>.$system.recoverOutside`: takes over one pending call whose lease ran out and finishes
 * it — `recover` (ask the provider about the key), else `call` again with the same key, then
 * `settle`. Another failure without an answer backs off exponentially.
 */
export async function recoverOutsideCall(d: KernelDeps, req: RequestContext, key: string, name: string): Promise<{ recovered: boolean; state?: string }> {
  const def = definitionOf(d, req.pluginId, name);
  const id = [req.tenantId, req.pluginId, key] as const;
  if (!def) {
    // the code that made it is gone (a plugin downgraded?): keep the row, look again in an hour
    d.logger.error({ plugin: req.pluginId, key, name }, `outside call "${name}" is pending but the plugin no longer defines it`);
    await req.transaction((tx) => tx.sql(TAKE_OVER_SQL, [...id, 3_600_000]));
    return { recovered: false };
  }
  const lease = leaseOf(d, def);
  const taken = await req.transaction(async (tx) => (await tx.sql<{ request: unknown; attempts: number }>(TAKE_OVER_SQL, [...id, lease]))[0]);
  if (!taken) return { recovered: false };
  const attempts = taken.attempts;
  try {
    await attempt(d, req, def, key, taken.request as any, { recovering: true, lease, attempts });
    return { recovered: true, state: 'done' };
  } catch (e) {
    if (e instanceof AtriumError && isRefusal(e)) return { recovered: true, state: 'failed' };
    d.logger.warn({ plugin: req.pluginId, key, name, attempts, err: (e as Error).message }, 'outside call still without an answer; will try again');
    return { recovered: false };
  }
}

/**
 * Every `intervalMs`, finds pending outside calls of the given plugins whose lease ran out (the
 * system role reads across tenants; the index keeps it an index range read) and hands each to its
 * plugin's `$system.recoverOutside` as that tenant. Nodes compete; the take-over is atomic.
 */
export function startOutsideCallRecovery(d: KernelDeps, broker: ServiceBroker, pluginIds: string[], intervalMs: number): () => void {
  if (!pluginIds.length) return () => {};
  let running = false;
  const sweep = async () => {
    if (running) return;
    running = true;
    try {
      const rows = await d.db.systemQuery<{ tenant_id: string; plugin_id: string; key: string; name: string }>(
        `select tenant_id, plugin_id, key, name from kernel.outside_call
          where state = 'pending' and lease_until <= now() and plugin_id = any($1::text[]) order by lease_until limit 20`,
        [pluginIds],
      );
      for (const r of rows) {
        await broker.call(`${r.plugin_id}.$system.recoverOutside`, { key: r.key, name: r.name }, { meta: { system: true, tenantId: r.tenant_id, requestId: `recover:${r.key}` } })
          .catch(async (e: any) => {
            // refused before it could take the call over (the plugin is disabled for the tenant, its
            // node is gone): look again in a minute rather than on every sweep
            d.logger.warn({ plugin: r.plugin_id, key: r.key, err: e?.message }, 'outside call recovery failed');
            await d.db.systemQuery(`update kernel.outside_call set lease_until = now() + interval '1 minute' where tenant_id = $1 and plugin_id = $2 and key = $3 and state = 'pending' and lease_until <= now()`, [r.tenant_id, r.plugin_id, r.key]).catch(() => {});
          });
      }
    } catch (e) {
      d.logger.warn({ err: (e as Error).message }, 'outside call sweep failed; will try again');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void sweep(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
