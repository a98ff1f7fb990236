// A request the gateway gave up on (504) holds no connection: its transaction carries the request's
// deadline (statement and idle timeouts) and is aborted at it. One tenant cannot take the whole pool:
// at most database.tenantMaxConnections transactions per tenant per node, first come first served,
// then 503 with Retry-After; /api/health shows who fills the node.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createTestKernel, waitFor, type TestClient, type TestKernel } from '@atrium/sdk/testing';
import { defineAction, definePlugin, defineService, Type } from '@atrium/sdk';

const slowPlugin = definePlugin({
  manifest: { id: 'slow', version: '0.1.0', displayName: { en: 'Slow' }, engines: { sdk: '^1.0.0' } },
  services: [
    defineService({
      name: 'work',
      actions: {
        // holds its transaction (idle in it) while it waits on something that is not the database
        hold: defineAction({
          rest: 'POST /hold',
          permission: 'authenticated',
          params: Type.Object({ ms: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }),
          async handler(ctx) {
            await ctx.sql('select 1');
            await new Promise((r) => setTimeout(r, ctx.params.ms));
            await ctx.sql('select 1');
            return { held: ctx.params.ms };
          },
        }),
        // one long statement
        sleep: defineAction({
          rest: 'POST /sleep',
          permission: 'authenticated',
          params: Type.Object({ seconds: Type.Number({ minimum: 0 }) }, { additionalProperties: false }),
          async handler(ctx) {
            await ctx.sql('select pg_sleep($1::float8)', [ctx.params.seconds]);
            return { slept: ctx.params.seconds };
          },
        }),
        read: defineAction({
          rest: 'GET /',
          permission: 'authenticated',
          async handler(ctx) {
            const [r] = await ctx.sql<{ n: number }>('select 1 as n');
            return r;
          },
        }),
      },
    }),
  ],
});


/** Sessions of this database's app role that sit in a transaction, or run pg_sleep. */
async function heldSessions(db: pg.Client): Promise<{ idleInTransaction: number; sleeping: number }> {
  const { rows } = await db.query(`select
      count(*) filter (where state like 'idle in transaction%')::int as "idleInTransaction",
      count(*) filter (where state = 'active' and query like '%pg_sleep%')::int as sleeping
    from pg_stat_activity where datname = current_database() and usename = 'atrium_app'`);
  return rows[0];
}


describe('a request the gateway gave up on holds nothing', () => {
  let tk: TestKernel;
  let owner: TestClient;
  let db: pg.Client;
  beforeAll(async () => {
    // one connection, one transaction per tenant: a connection kept by an abandoned handler would block the next request
    tk = await createTestKernel({
      plugins: [slowPlugin],
      config: { database: { poolMax: 1, tenantMaxConnections: 1, tenantQueueTimeoutMs: 1_000 }, http: { requestTimeoutMs: 1_000 } },
      tenants: [{ name: 'One', owner: 'owner@one.test', enable: ['slow'] }],
    });
    owner = await tk.as('owner@one.test');
    db = new pg.Client({ connectionString: tk.databaseUrls.owner });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await tk?.stop();
  });

  it('a handler idle in its transaction past the deadline: 504, the transaction is rolled back and the connection freed at once', async () => {
    const r = await owner.post('/api/slow/work/hold', { ms: 30_000 });
    expect(r.status).toBe(504);
    // the handler still waits on its timer, but its transaction is gone and its connection with it
    await waitFor('the abandoned transaction to end', async () => (await heldSessions(db)).idleInTransaction === 0);
    expect(await tk.leastConnectionsInUse()).toBe(0);
    // the one connection serves the next request
    const next = await owner.get('/api/slow/work');
    expect(next.status, JSON.stringify(next.body)).toBe(200);
  });

  it('a statement still running at the deadline is cancelled (statement_timeout of the request)', async () => {
    const r = await owner.post('/api/slow/work/sleep', { seconds: 30 });
    expect(r.status).toBe(504);
    await waitFor('the statement to be cancelled', async () => (await heldSessions(db)).sleeping === 0);
    expect((await owner.get('/api/slow/work')).status).toBe(200);
  });
});

describe('one tenant cannot take the whole pool', () => {
  let tk: TestKernel;
  let a: TestClient;
  let b: TestClient;
  beforeAll(async () => {
    tk = await createTestKernel({
      plugins: [slowPlugin],
      config: { database: { poolMax: 3, tenantMaxConnections: 1, tenantQueueTimeoutMs: 3_000 }, http: { requestTimeoutMs: 20_000 } },
      tenants: [{ name: 'A', owner: 'owner@a.test', enable: ['slow'] }, { name: 'B', owner: 'owner@b.test', enable: ['slow'] }],
    });
    a = await tk.as('owner@a.test');
    b = await tk.as('owner@b.test');
  });
  afterAll(async () => {
    await tk?.stop();
  });

  it("a tenant's transactions beyond its share wait in line, then get 503 + Retry-After; another tenant is served at once; health names the busy tenant", async () => {
    const done: string[] = [];
    const first = a.post('/api/slow/work/hold', { ms: 8_000 }).then((r) => (done.push('a:first'), r));
    await waitFor("A's first transaction", async () => tk.kernel.deps.db.tenantStats().find((t: any) => t.tenantId === a.tenantId)?.active === 1);
    // more long transactions than the pool has connections: without a share per tenant they would take them all
    const queued = [1, 2, 3, 4].map(() => a.post('/api/slow/work/hold', { ms: 8_000 }).then((r) => (done.push('a:queued'), r)));
    const health = await waitFor('health to show A waiting', async () => {
      const h = await (await fetch(`${tk.url}/api/health`)).json();
      const t = h.checks.saturation.tenants.find((x: any) => x.tenantId === a.tenantId);
      return t?.transactions?.waiting >= 1 ? h : null;
    });
    expect(health.status).toBe('degraded');
    expect(health.checks.saturation).toMatchObject({ state: 'degraded', pools: expect.arrayContaining([expect.objectContaining({ depth: 0, max: 3 })]) });
    expect(health.checks.saturation.tenants.find((x: any) => x.tenantId === a.tenantId)).toMatchObject({ saturated: true, transactions: { active: 1, limit: 1 } });
    // B is not in A's line: its read and write are served while A's first still holds its slot
    const read = await b.get('/api/slow/work');
    done.push('b:read');
    expect(read.status).toBe(200);
    const write = await b.post('/api/slow/work/hold', { ms: 0 });
    done.push('b:write');
    expect(write.status).toBe(200);
    // A's waiting ones: 503 with Retry-After once their wait ran out (A's first holds its one slot for longer)
    for (const r of await Promise.all(queued)) {
      expect(r.status).toBe(503);
      expect(r.body.error.code).toBe('TENANT_BUSY');
      expect(r.headers.get('retry-after')).toBe('1');
    }
    expect((await first).status).toBe(200);
    expect(done.indexOf('b:read')).toBeLessThan(done.indexOf('a:first'));
    expect(done.indexOf('b:write')).toBeLessThan(done.indexOf('a:first'));
  });
});
