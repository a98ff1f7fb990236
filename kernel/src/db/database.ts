import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';
import { MikroORM, type SqlEntityManager } from '@mikro-orm/postgresql';
import { AtriumError, isUuid, TENANT_FILTER } from '@atrium/sdk';
import type { DatabaseUrls } from './roles.ts';
import { deferringBegin, DeferredBeginClient, type DeferredScope } from './deferred-begin.ts';
import { pipelinedQuery } from './prepared.ts';
import { TenantSlots, type TenantSlotStats } from './tenant-slots.ts';


/** Per transaction (`set_config(…, true)` = SET LOCAL): a statement may run, and the transaction sit idle, only this long. */
const TIMEOUTS_SQL = `select set_config('statement_timeout', $1::text, true), set_config('idle_in_transaction_session_timeout', $2::text, true)`;
/** Idle past the deadline by this much, the server ends the session itself (if the abort below could not). */
const IDLE_GRACE_MS = 1_000;

/** The `pg` pool behind an ORM's connection. */
async function poolOf(orm: MikroORM): Promise<pg.Pool> {
  return (orm.em.getConnection() as any).getNativeClient();
}

export type TenantScope = { tenantId: string; userId?: string | null };

/** What a transaction's body can ask of its end. */
export type TransactionEnd = {
  /**
   * A last statement (`$1`… placeholders, bound values) sent together with the COMMIT: one round
   * trip for both. A failure of either rolls everything back. Pass null for nothing.
   */
  finishWith(statement: { sql: string; params: readonly unknown[] } | null): void;
};

/**
 * How many request transactions enclose the running code (0 outside any). A handler that calls
 * another action (`ctx.call`, `ctx.devices.print` → `devices.submitJob`) while holding its own
 * connection makes the callee open a transaction of its own: from the same pool, N concurrent
 * callers holding all N connections would each wait for an N+1st — a deadlock (measured: 16 tills
 * printing receipts with a pool of 4 recorded no sale at all). So each nesting depth has its own
 * pool: a transaction at depth d only ever waits for connections of depth d+1, which never wait
 * for depth d — queueing, never a cycle.
 */
const depth = new AsyncLocalStorage<number>();

/** Depths beyond this share the deepest pool (the platform's own nesting is two: action → devices job → hub storage). */
const MAX_DEPTH = 3;

/** How a transaction is bounded (Database.connect). */
export type TransactionLimits = {
  /** Top-level transactions one tenant may hold at once on this node. */
  tenantMaxConnections: number;
  /** How long a tenant's transaction waits for one of its slots before 503 (ServiceBusyError). */
  tenantQueueTimeoutMs: number;
  /** statement_timeout (and idle-in-transaction timeout) of a transaction without a deadline. */
  statementTimeoutMs: number;
};

export type PoolStats = { depth: number; max: number; total: number; idle: number; inUse: number; waiting: number };

/** `deadline` was reached: the transaction was rolled back and its connection closed (504). */
export class TransactionAbortedError extends AtriumError {
  constructor() {
    super('The request ran past its deadline: its changes were rolled back', 504, 'DEADLINE_EXCEEDED');
    this.name = 'TransactionAbortedError';
  }
}

/**
 * Two connection pools with different powers:
 *  - `orm` (MikroORM, role atrium_app): every request. RLS applies; the tenant filter is set per fork.
 *  - `system` (pg, role atrium_system, BYPASSRLS): kernel work that must cross tenants
 *    (login by e-mail, outbox relay, gate cache). Never handed to plugins.
 * plus, per nesting depth of request transactions, a pool of the first kind (see `depth`).
 */
export class Database {
  readonly orm: MikroORM;
  readonly system: pg.Pool;
  readonly urls: DatabaseUrls;
  /** Pools for nested transactions (index = depth - 1), opened on first use. */
  private readonly nested: Promise<MikroORM>[] = [];
  private readonly openOrm: (poolMax: number) => Promise<MikroORM>;
  private readonly poolMax: number;
  /** Each tenant's share of the top-level pool on this node (nested transactions are not counted: their callers are). */
  readonly tenantSlots: TenantSlots;
  private readonly limits: TransactionLimits;

  private constructor(orm: MikroORM, system: pg.Pool, urls: DatabaseUrls, openOrm: (poolMax: number) => Promise<MikroORM>, poolMax: number, limits: TransactionLimits) {
    this.orm = orm;
    this.system = system;
    this.urls = urls;
    this.openOrm = openOrm;
    this.poolMax = poolMax;
    this.limits = limits;
    this.tenantSlots = new TenantSlots({ limit: limits.tenantMaxConnections, waitMs: limits.tenantQueueTimeoutMs, what: 'database transactions' });
  }

  static async connect(urls: DatabaseUrls, entities: unknown[], poolMax: number, limits?: Partial<TransactionLimits>): Promise<Database> {
    // `?host=/dir` (a Unix socket, as the embedded server is reached) is read by pg but not by
    // MikroORM's URL parsing: hand it to the pool directly
    const socketHost = new URL(urls.app).searchParams.get('host');
    const openOrm = (max: number) => MikroORM.init({
      clientUrl: urls.app,
      // pool clients that send a request's BEGIN with its first statement (deferred-begin.ts)
      driverOptions: { Client: DeferredBeginClient, ...(socketHost ? { host: socketHost } : {}) },
      entities: entities as any[],
      discovery: { warnWhenNoEntities: false },
      pool: { min: 0, max },
      allowGlobalContext: false,
      debug: false,
    } as any);
    const orm = await openOrm(poolMax);
    const system = new pg.Pool({ connectionString: urls.system, max: Math.max(2, Math.ceil(poolMax / 4)) });
    system.on('error', () => {}); // idle-client errors (server restart) must not crash the node
    return new Database(orm, system, urls, openOrm, poolMax, {
      tenantMaxConnections: limits?.tenantMaxConnections ?? Math.max(1, Math.ceil((poolMax * 3) / 4)),
      tenantQueueTimeoutMs: limits?.tenantQueueTimeoutMs ?? 5_000,
      statementTimeoutMs: limits?.statementTimeoutMs ?? 300_000,
    });
  }

  /** The ORM (and so the pool) for a transaction opened at nesting depth `d`. */
  private ormAt(d: number): MikroORM | Promise<MikroORM> {
    if (d === 0) return this.orm;
    const i = Math.min(d, MAX_DEPTH) - 1;
    // nested work is rarer and shorter: half the top pool each; a failed opening (the database
    // unreachable at that moment) is not remembered — the next nested transaction tries again
    this.nested[i] ??= this.openOrm(Math.max(2, Math.ceil(this.poolMax / 2))).catch((e) => {
      delete this.nested[i];
      throw e;
    });
    return this.nested[i];
  }

  /** A fresh EntityManager scoped to a tenant (filter params set; RLS set inside `transaction`). */
  fork(scope: TenantScope, orm: MikroORM = this.orm): SqlEntityManager {
    const em = orm.em.fork({ clear: true }) as SqlEntityManager;
    em.setFilterParams(TENANT_FILTER, { tenantId: scope.tenantId });
    return em;
  }

  /**
   * Runs `fn` in one transaction under the tenant's RLS setting. Everything a request does —
   * ORM writes, audit, outbox, idempotency record — commits or rolls back together.
   *
   * Round trips: BEGIN, the timeouts, the RLS settings, `opts.first` and `opts.prefetch` go to the
   * server as one message; the statement given to `end.finishWith` and the COMMIT as another
   * (prepared statements, deferred-begin.ts / pipelined-query.ts). `fn` gets the rows of `first`
   * and of `prefetch` (null when none was given).
   *
   * Bounds: a top-level transaction first takes one of its tenant's slots on this node
   * (`tenantSlots`; 503 when the wait runs out), so one tenant cannot hold the whole pool. With a
   * `deadline` (the caller's, as a Date.now() value) its statements may run only until then
   * (statement_timeout), it may not sit idle past it (idle_in_transaction_session_timeout), and at
   * the deadline a transaction still open is aborted: its connection is closed (the server rolls
   * back and drops its locks at once) and taken out of the pool, so the pool can open a fresh one
   * for the next request while the abandoned handler unwinds on errors.
   */
  async transaction<T>(
    scope: TenantScope,
    fn: (em: SqlEntityManager, first: any[], end: TransactionEnd, prefetched: any[] | null) => Promise<T>,
    opts: { readOnly?: boolean; first?: { sql: string; params: unknown[] }; prefetch?: { sql: string; params: readonly unknown[] } | null; deadline?: number | null } = {},
  ): Promise<T> {
    // begin/commit on one fork (not em.transactional, which forks again and merges the identity
    // map back into the parent — work a request-scoped EntityManager never needs); a transaction
    // opened inside another one takes its connection from the next depth's pool (see `depth`)
    const level = depth.getStore() ?? 0;
    if (!isUuid(scope.tenantId) || (scope.userId && !isUuid(scope.userId))) throw new Error('Database.transaction: tenant and user ids must be UUIDs');
    const deadline = opts.deadline ?? null;
    if (deadline !== null && deadline <= Date.now()) throw new TransactionAbortedError();
    // nested transactions are not counted: their caller holds a slot already, and waiting for a
    // second one could wait on itself
    const release = level === 0 ? await this.tenantSlots.acquire(scope.tenantId, deadline) : null;
    const orm = await this.ormAt(level);
    const em = this.fork(scope, orm);
    const client: DeferredScope = {};
    let aborted = false;
    let timer: NodeJS.Timeout | undefined;
    try {
      // BEGIN goes out with the first statement (deferred-begin.ts): one round trip, not two
      await deferringBegin(() => em.begin(), client);
      const timeoutMs = Math.max(1, deadline === null ? this.limits.statementTimeoutMs : deadline - Date.now());
      if (deadline !== null) {
        timer = setTimeout(() => {
          aborted = true;
          // the tenant's slot goes with the connection: the handler may wait on for a while
          release?.();
          void this.abort(orm, client.client);
        }, timeoutMs);
      }
      // The timeouts; the RLS settings, and optionally the request's first statement (which reads
      // them from the `cfg` CTE, so they are set before it runs; its own parameters start at $3);
      // the prefetch after it, under the settings it made.
      const cfg = `with cfg as materialized (select set_config('app.tenant_id', $1::text, true) as tenant_id, set_config('app.user_id', $2::text, true) as user_id)`;
      // Without a first statement or a prefetch nothing here needs an answer: the whole message
      // waits for the handler's first statement (or the COMMIT) and travels with it.
      const [, first, prefetched] = await pipelinedQuery(em, [
        { text: TIMEOUTS_SQL, values: [String(timeoutMs), String(timeoutMs + IDLE_GRACE_MS)] },
        { text: `${cfg} ${opts.first?.sql ?? 'select 1 from cfg'}`, values: [scope.tenantId, scope.userId ?? '', ...(opts.first?.params ?? [])] },
        ...(opts.prefetch ? [{ text: opts.prefetch.sql, values: opts.prefetch.params }] : []),
      ], { defer: !opts.first && !opts.prefetch ? 'optional' : undefined });
      let last: { sql: string; params: readonly unknown[] } | null = null;
      const out = await depth.run(level + 1, () => fn(em, first, { finishWith: (statement) => void (last = statement) }, prefetched ?? null));
      if (aborted) throw new TransactionAbortedError();
      // a read has nothing to flush: drop the identity map so commit skips change-set computation
      if (opts.readOnly) em.clear();
      if (last) {
        const { sql, params } = last as { sql: string; params: readonly unknown[] };
        // the ORM's own writes first; then the last statement and the COMMIT in one message (the
        // pool client answers the COMMIT that em.commit() then sends itself)
        await em.flush();
        await pipelinedQuery(em, [{ text: sql, values: params }], { commit: true });
      }
      // a read's COMMIT can wait for the connection's next message (deferred-begin.ts)
      if (opts.readOnly && client.client) client.client.commitLazily = true;
      await em.commit();
      return out;
    } catch (e) {
      await em.rollback().catch(() => {});
      throw aborted ? new TransactionAbortedError() : e;
    } finally {
      clearTimeout(timer);
      release?.();
    }
  }

  /**
   * The deadline passed with the transaction still open (its handler waits on something, or runs
   * a statement the statement_timeout is about to cancel): close the connection — the server
   * rolls back and releases the locks — and take it out of the pool now, so waiting requests get
   * a fresh connection instead of waiting for the abandoned handler to unwind. (pg-pool has no
   * public call for "forget this checked-out client": `_remove` is what its own release uses for a
   * broken one; the later release of this client finds it gone and only ends it again, a no-op.)
   */
  private async abort(orm: MikroORM, client: DeferredBeginClient | undefined): Promise<void> {
    if (!client) return;
    const pool: any = await poolOf(orm).catch(() => null);
    if (pool && typeof pool._remove === 'function' && pool._clients?.includes(client)) {
      pool._remove(client, () => pool._pulseQueue?.());
    } else {
      client.end().catch(() => {});
    }
  }

  /** Connections of every request pool on this node (top level and per nesting depth). */
  async poolStats(): Promise<PoolStats[]> {
    const out: PoolStats[] = [];
    const stat = async (d: number, orm: MikroORM) => {
      const pool: any = await poolOf(orm).catch(() => null);
      if (!pool) return;
      const total = pool.totalCount ?? 0;
      const idle = pool.idleCount ?? 0;
      out.push({ depth: d, max: pool.options?.max ?? 0, total, idle, inUse: total - idle, waiting: pool.waitingCount ?? 0 });
    };
    await stat(0, this.orm);
    for (const [i, nested] of this.nested.entries()) {
      const orm = nested ? await nested.catch(() => null) : null;
      if (orm) await stat(i + 1, orm);
    }
    return out;
  }

  /** Tenants holding or waiting for top-level transactions on this node. */
  tenantStats(): TenantSlotStats[] {
    return this.tenantSlots.stats();
  }

  async systemQuery<R extends pg.QueryResultRow = any>(sql: string, params: unknown[] = []): Promise<R[]> {
    return (await this.system.query<R>(sql, params as any[])).rows;
  }

  /** A system transaction (BYPASSRLS) for kernel flows that span tenants, e.g. signup. */
  async systemTransaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.system.connect();
    try {
      await client.query('begin');
      const out = await fn(client);
      await client.query('commit');
      return out;
    } catch (e) {
      await client.query('rollback').catch(() => {});
      throw e;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    for (const nested of this.nested) if (nested) await (await nested.catch(() => null))?.close(true);
    await this.orm.close(true);
    await this.system.end();
  }
}
