// An action's `prefetch`: a read sent in the message that opens the request's transaction, its
// rows handed to the handler as `ctx.prefetched`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createTestKernel, type TestClient, type TestKernel } from '@atrium/sdk/testing';
import { defineAction, definePlugin, defineService, tenantRls, Type } from '@atrium/sdk';

const memoPlugin = definePlugin({
  manifest: {
    id: 'memo', version: '0.1.0', displayName: { en: 'Memo' }, engines: { sdk: '^1.0.0' },
    permissions: { subjects: [{ subject: 'memo.Item', actions: ['create', 'read'] }] },
    data: { owns: ['memo.item'] },
  },
  migrations: [{ name: '0001', up: `create table memo.item (tenant_id uuid not null, name text not null, at timestamptz not null default now()); ${tenantRls('memo.item')}` }],
  services: [
    defineService({
      name: 'items',
      actions: {
        add: defineAction({
          rest: 'POST /',
          permission: 'authenticated',
          idempotent: true,
          params: Type.Object({ name: Type.String(), skipPrefetch: Type.Optional(Type.Boolean()), probe: Type.Optional(Type.String()) }, { additionalProperties: false }),
          // no tenant filter on purpose: RLS must scope it; `probe` lets a test make it fail
          prefetch: (p) => (p.skipPrefetch ? null : {
            sql: `select count(*)::int as same_name, (select count(*)::int from memo.item) as visible, now() as tx_time,
                    current_setting('app.tenant_id') as tenant, $2::int as probe from memo.item where name = $1::text`,
            params: [p.name, p.probe ?? '0'],
          }),
          async handler(ctx) {
            const [row] = await ctx.sql(`insert into memo.item (tenant_id, name) values ($1::uuid, $2::text) returning at`, [ctx.tenantId, ctx.params.name]);
            return { prefetched: ctx.prefetched, insertedAt: new Date(row.at).toISOString() };
          },
        }),
        plain: defineAction({ rest: 'POST /plain', permission: 'authenticated', handler: (ctx) => ({ prefetched: ctx.prefetched }) }),
      },
    }),
  ],
});

let tk: TestKernel;
let one: TestClient;
let two: TestClient;
let owner: pg.Client;

beforeAll(async () => {
  tk = await createTestKernel({
    plugins: [memoPlugin],
    tenants: [{ name: 'One', owner: 'owner@one.test', enable: ['memo'] }, { name: 'Two', owner: 'owner@two.test', enable: ['memo'] }],
  });
  one = await tk.as('owner@one.test');
  two = await tk.as('owner@two.test');
  owner = new pg.Client({ connectionString: tk.databaseUrls.owner });
  await owner.connect();
});
afterAll(async () => {
  await owner?.end();
  await tk?.stop();
});

/** Rows of that name in every tenant (the schema owner's view). */
const count = async (name: string) => (await owner.query(`select count(*)::int as n from memo.item where name = $1`, [name])).rows[0].n as number;

describe('prefetch', () => {
  it('hands the handler its rows, read under the tenant\'s RLS in the request\'s own transaction', async () => {
    await two.post('/api/memo/items', { name: 'shared' });
    await two.post('/api/memo/items', { name: 'shared' });
    const r = await one.post('/api/memo/items', { name: 'shared' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const [row] = r.body.prefetched;
    // tenant Two's rows exist but are invisible: RLS applies although the SQL has no filter
    expect(row).toMatchObject({ same_name: 0, visible: 0, tenant: one.tenantId, probe: 0 });
    // the same transaction as the handler's insert: now() is the transaction's start time
    expect(new Date(row.tx_time).toISOString()).toBe(r.body.insertedAt);
    const again = await one.post('/api/memo/items', { name: 'shared' });
    expect(again.body.prefetched[0]).toMatchObject({ same_name: 1, visible: 1 });
    expect(await count('shared')).toBe(4);
  });

  it('null when the action declares none or its prefetch answers null', async () => {
    expect((await one.post('/api/memo/items/plain', {})).body).toEqual({ prefetched: null });
    const r = await one.post('/api/memo/items', { name: 'skipped', skipPrefetch: true });
    expect(r.body.prefetched).toBeNull();
    expect(await count('skipped')).toBe(1);
  });

  it('a retried request with the same Idempotency-Key gets the first answer; the prefetch does no harm', async () => {
    const headers = { 'idempotency-key': 'memo-retry-1' };
    const first = await one.post('/api/memo/items', { name: 'once' }, { headers });
    const second = await one.post('/api/memo/items', { name: 'once' }, { headers });
    expect(second.status).toBe(200);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(await count('once')).toBe(1);
  });

  it('a failing prefetch fails the request with a 4xx and nothing is written', async () => {
    const r = await one.post('/api/memo/items', { name: 'never', probe: 'not-a-number' });
    expect(r.status, JSON.stringify(r.body)).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    expect(await count('never')).toBe(0);
    // the connection it ran on goes on serving requests
    expect((await one.post('/api/memo/items', { name: 'after' })).status).toBe(200);
  });
});
