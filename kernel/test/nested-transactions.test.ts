// A handler that calls another action while holding its own transaction (ctx.call, or
// ctx.devices.print → devices.submitJob) must not be able to exhaust the pool it waits on: with one
// pool, N concurrent callers holding all N connections would each wait for an N+1st forever.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createTestKernel, type TestClient, type TestKernel } from '@atrium/sdk/testing';
import { defineAction, definePlugin, defineService, tenantRls, Type, ValidationError } from '@atrium/sdk';

const nestPlugin = definePlugin({
  manifest: {
    id: 'nest', version: '0.1.0', displayName: { en: 'Nest' }, engines: { sdk: '^1.0.0' },
    permissions: { subjects: [{ subject: 'nest.Row', actions: ['create'] }] },
    data: { owns: ['nest.row'] },
  },
  migrations: [{ name: '0001', up: `create table nest.row (tenant_id uuid not null, label text not null, depth int not null); ${tenantRls('nest.row')}` }],
  services: [
    defineService({
      name: 'rows',
      actions: {
        outer: defineAction({
          rest: 'POST /',
          permission: 'authenticated',
          params: Type.Object({ label: Type.String() }, { additionalProperties: false }),
          async handler(ctx) {
            await ctx.sql(`insert into nest.row (tenant_id, label, depth) values ($1::uuid, $2::text, 0)`, [ctx.tenantId, ctx.params.label]);
            // hold this transaction's connection a moment, so all callers hold theirs at once
            await ctx.sql(`select pg_sleep(0.05)`);
            const inner = await ctx.call('nest.rows.inner', { label: ctx.params.label });
            return { label: ctx.params.label, inner };
          },
        }),
        inner: defineAction({
          permission: 'authenticated',
          params: Type.Object({ label: Type.String() }, { additionalProperties: false }),
          async handler(ctx) {
            await ctx.sql(`insert into nest.row (tenant_id, label, depth) values ($1::uuid, $2::text, 1)`, [ctx.tenantId, ctx.params.label]);
            if (ctx.params.label === 'boom') throw new ValidationError('Refused', [{ field: 'label', message: 'boom is refused' }]);
            return { ok: true };
          },
        }),
      },
    }),
  ],
});

let tk: TestKernel;
let owner: TestClient;
let db: pg.Client;

beforeAll(async () => {
  // a pool of 2: more concurrent callers than connections
  tk = await createTestKernel({ plugins: [nestPlugin], config: { database: { poolMax: 2 } }, tenants: [{ name: 'One', owner: 'owner@one.test', enable: ['nest'] }] });
  owner = await tk.as('owner@one.test');
  db = new pg.Client({ connectionString: tk.databaseUrls.owner });
  await db.connect();
});
afterAll(async () => {
  await db?.end();
  await tk?.stop();
});

describe('nested transactions', () => {
  it('callers holding every connection of the pool still get their nested calls served: all commit', async () => {
    const labels = Array.from({ length: 8 }, (_, i) => `call-${i}`);
    const results = await Promise.all(labels.map((label) => owner.post('/api/nest/rows', { label })));
    expect(results.map((r) => r.status)).toEqual(labels.map(() => 200));
    expect(results.map((r) => r.body)).toEqual(labels.map((label) => ({ label, inner: { ok: true } })));
    const { rows } = await db.query(`select depth, count(*)::int as n from nest.row group by depth order by depth`);
    expect(rows).toEqual([{ depth: 0, n: 8 }, { depth: 1, n: 8 }]);
  });

  it('a nested call that fails rolls back its own writes and, uncaught, the caller\'s as well', async () => {
    const r = await owner.post('/api/nest/rows', { label: 'boom' });
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toContain('boom is refused');
    expect((await db.query(`select count(*)::int as n from nest.row where label = 'boom'`)).rows[0].n).toBe(0);
  });
});
