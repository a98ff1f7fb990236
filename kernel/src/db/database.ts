import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';
import { MikroORM, type SqlEntityManager } from '@mikro-orm/postgresql';
import { TENANT_FILTER } from '@atrium/sdk';
import type { DatabaseUrls } from './roles.ts';
import { deferringBegin, DeferredBeginClient } from './deferred-begin.ts';
import { pipelinedQuery } from './prepared.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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

  private constructor(orm: MikroORM, system: pg.Pool, urls: DatabaseUrls, openOrm: (poolMax: number) => Promise<MikroORM>, poolMax: number) {
    this.orm = orm;
    this.system = system;
    this.urls = urls;
    this.openOrm = openOrm;
    this.poolMax = poolMax;
  }

  static async connect(urls: DatabaseUrls, entities: unknown[], poolMax: number): Promise<Database> {
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
    return new Database(orm, system, urls, openOrm, poolMax);
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
   * Round trips: BEGIN, the RLS settings, `opts.first` and `opts.prefetch` go to the server as one
   * message; the statement given to `end.finishWith` and the COMMIT as another (prepared
   * statements, deferred-begin.ts / pipelined-query.ts). `fn` gets the rows of `first` and of
   * `prefetch` (null when none was given).
   */
  async transaction<T>(
    scope: TenantScope,
    fn: (em: SqlEntityManager, first: any[], end: TransactionEnd, prefetched: any[] | null) => Promise<T>,
    opts: { readOnly?: boolean; first?: { sql: string; params: unknown[] }; prefetch?: { sql: string; params: readonly unknown[] } | null } = {},
  ): Promise<T> {
    // begin/commit on one fork (not em.transactional, which forks again and merges the identity
    // map back into the parent — work a request-scoped EntityManager never needs); a transaction
    // opened inside another one takes its connection from the next depth's pool (see `depth`)
    const level = depth.getStore() ?? 0;
    const em = this.fork(scope, await this.ormAt(level));
    // BEGIN goes out with the first statement (deferred-begin.ts): one round trip, not two
    await deferringBegin(() => em.begin());
    try {
      // The RLS settings, and optionally the request's first statement (which reads them from the
      // `cfg` CTE, so they are set before it runs); its own parameters start at $3. The prefetch
      // runs after it, in the same message, under the settings it made.
      if (!UUID.test(scope.tenantId) || (scope.userId && !UUID.test(scope.userId))) throw new Error('Database.transaction: tenant and user ids must be UUIDs');
      const cfg = `with cfg as materialized (select set_config('app.tenant_id', $1::text, true) as tenant_id, set_config('app.user_id', $2::text, true) as user_id)`;
      const [first, prefetched] = await pipelinedQuery(em, [
        { text: `${cfg} ${opts.first?.sql ?? 'select 1 from cfg'}`, values: [scope.tenantId, scope.userId ?? '', ...(opts.first?.params ?? [])] },
        ...(opts.prefetch ? [{ text: opts.prefetch.sql, values: opts.prefetch.params }] : []),
      ]);
      let last: { sql: string; params: readonly unknown[] } | null = null;
      const out = await depth.run(level + 1, () => fn(em, first, { finishWith: (statement) => void (last = statement) }, prefetched ?? null));
      // a read has nothing to flush: drop the identity map so commit skips change-set computation
      if (opts.readOnly) em.clear();
      if (last) {
        const { sql, params } = last as { sql: string; params: readonly unknown[] };
        // the ORM's own writes first; then the last statement and the COMMIT in one message (the
        // pool client answers the COMMIT that em.commit() then sends itself)
        await em.flush();
        await pipelinedQuery(em, [{ text: sql, values: params }], { commit: true });
      }
      await em.commit();
      return out;
    } catch (e) {
      await em.rollback().catch(() => {});
      throw e;
    }
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
