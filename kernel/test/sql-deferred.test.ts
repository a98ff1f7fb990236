// `ctx.sqlDeferred`: a write whose answer the handler does not need, sent with the transaction's
// next statement or its COMMIT instead of on its own — and still all or nothing with the request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createTestKernel, type TestClient, type TestKernel } from '@atrium/sdk/testing';
import { defineAction, definePlugin, defineService, tenantRls, Type } from '@atrium/sdk';

const INSERT = `insert into later.entry (tenant_id, name, n) values ($1::uuid, $2::text, $3::int)`;

const laterPlugin = definePlugin({
  manifest: {
    id: 'later', version: '0.1.0', displayName: { en: 'Later' }, engines: { sdk: '^1.0.0' },
    permissions: { subjects: [{ subject: 'later.Entry', actions: ['create', 'read'] }] },
    data: { owns: ['later.entry'] },
  },
  migrations: [{ name: '0001', up: `create table later.entry (tenant_id uuid not null, name text not null, n int not null check (n >= 0), unique (tenant_id, name)); ${tenantRls('later.entry')}` }],
  services: [
    defineService({
      name: 'entries',
      actions: {
        add: defineAction({
          rest: 'POST /',
          permission: 'authenticated',
          params: Type.Object({ names: Type.Array(Type.String()), n: Type.Integer(), readBack: Type.Optional(Type.Boolean()), failAfter: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
          async handler(ctx) {
            for (const name of ctx.params.names) ctx.sqlDeferred(INSERT, [ctx.tenantId, name, ctx.params.n]);
            // a statement after them: they run first, in order, in the same message
            const seen = ctx.params.readBack ? (await ctx.sql(`select name from later.entry order by name`)).map((r) => r.name) : null;
            if (ctx.params.failAfter) throw new Error('the handler fails after its deferred writes');
            return { seen };
          },
        }),
      },
    }),
  ],
});

let tk: TestKernel;
let one: TestClient;
let owner: pg.Client;

beforeAll(async () => {
  tk = await createTestKernel({ plugins: [laterPlugin], tenants: [{ name: 'One', owner: 'owner@one.test', enable: ['later'] }] });
  one = await tk.as('owner@one.test');
  owner = new pg.Client({ connectionString: tk.databaseUrls.owner });
  await owner.connect();
});
afterAll(async () => {
  await owner?.end();
  await tk?.stop();
});

const names = async () => (await owner.query(`select name from later.entry order by name`)).rows.map((r) => r.name);

describe('ctx.sqlDeferred', () => {
  it('writes with the COMMIT when nothing follows, and before the next statement when one does', async () => {
    expect((await one.post('/api/later/entries', { names: ['a', 'b'], n: 1 })).status).toBe(200);
    expect(await names()).toEqual(['a', 'b']);
    const r = await one.post('/api/later/entries', { names: ['c'], n: 1, readBack: true });
    expect(r.body.seen).toEqual(['a', 'b', 'c']);
    expect(await names()).toEqual(['a', 'b', 'c']);
  });

  it('a deferred write that fails fails the request with its error, and nothing of the request is kept', async () => {
    // the duplicate is refused when the writes reach the server: with the COMMIT…
    const dup = await one.post('/api/later/entries', { names: ['d', 'a'], n: 1 });
    expect(dup.status).toBe(409);
    // …or in front of the next statement
    const bad = await one.post('/api/later/entries', { names: ['e'], n: -1, readBack: true });
    expect(bad.status).toBeGreaterThanOrEqual(400);
    expect(bad.status).toBeLessThan(500);
    expect(await names()).toEqual(['a', 'b', 'c']);
  });

  it('a handler that fails after deferring writes leaves nothing written', async () => {
    const r = await one.post('/api/later/entries', { names: ['f'], n: 1, failAfter: true });
    expect(r.status).toBe(500);
    expect(await names()).toEqual(['a', 'b', 'c']);
    // the connection is fine for the next request
    expect((await one.post('/api/later/entries', { names: ['g'], n: 1 })).status).toBe(200);
    expect(await names()).toEqual(['a', 'b', 'c', 'g']);
  });
});
