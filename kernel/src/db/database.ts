import pg from 'pg';
import { MikroORM, type SqlEntityManager } from '@mikro-orm/postgresql';
import { TENANT_FILTER } from '@atrium/sdk';
import type { DatabaseUrls } from './roles.ts';

export type TenantScope = { tenantId: string; userId?: string | null };

/**
 * Two connection pools with different powers:
 *  - `orm` (MikroORM, role atrium_app): every request. RLS applies; the tenant filter is set per fork.
 *  - `system` (pg, role atrium_system, BYPASSRLS): kernel work that must cross tenants
 *    (login by e-mail, outbox relay, gate cache). Never handed to plugins.
 */
export class Database {
  readonly orm: MikroORM;
  readonly system: pg.Pool;
  readonly urls: DatabaseUrls;

  private constructor(orm: MikroORM, system: pg.Pool, urls: DatabaseUrls) {
    this.orm = orm;
    this.system = system;
    this.urls = urls;
  }

  static async connect(urls: DatabaseUrls, entities: unknown[], poolMax: number): Promise<Database> {
    const orm = await MikroORM.init({
      clientUrl: urls.app,
      entities: entities as any[],
      discovery: { warnWhenNoEntities: false },
      pool: { min: 0, max: poolMax },
      allowGlobalContext: false,
      debug: false,
    } as any);
    const system = new pg.Pool({ connectionString: urls.system, max: Math.max(2, Math.ceil(poolMax / 4)) });
    system.on('error', () => {}); // idle-client errors (server restart) must not crash the node
    return new Database(orm, system, urls);
  }

  /** A fresh EntityManager scoped to a tenant (filter params set; RLS set inside `transaction`). */
  fork(scope: TenantScope): SqlEntityManager {
    const em = this.orm.em.fork({ clear: true }) as SqlEntityManager;
    em.setFilterParams(TENANT_FILTER, { tenantId: scope.tenantId });
    return em;
  }

  /**
   * Runs `fn` in one transaction under the tenant's RLS setting. Everything a request does —
   * ORM writes, audit, outbox, idempotency record — commits or rolls back together.
   */
  async transaction<T>(scope: TenantScope, fn: (em: SqlEntityManager) => Promise<T>, em = this.fork(scope)): Promise<T> {
    return em.transactional(async (tem) => {
      await tem.execute(`select set_config('app.tenant_id', ?, true), set_config('app.user_id', ?, true)`, [scope.tenantId, scope.userId ?? '']);
      return fn(tem as SqlEntityManager);
    });
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
    await this.orm.close(true);
    await this.system.end();
  }
}
