import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKernel, type TestClient, type TestKernel } from '@atrium/sdk/testing';

/**
 * Catalogue text search beyond the ranking cap (domain/product-search.ts): the word index is read
 * only up to a bound, and read again without it when filters leave too few candidates — the
 * answers must be those of an unbounded search. 1,000 products are written straight into the
 * tenant's tables (through the trigger that fills the word index), as the API would take long.
 */
let tk: TestKernel;
let sys: pg.Client;
let owner: TestClient;
let other: TestClient;

const N = 1000;
const name = (i: number) => `Фолбэк товар ${i}`;

beforeAll(async () => {
  tk = await createTestKernel({
    plugins: [path.resolve(import.meta.dirname, '..')],
    tenants: [
      { name: 'Big shop', owner: 'owner@big.test', enable: ['pos'] },
      { name: 'Other', owner: 'owner@other-big.test', enable: ['pos'] },
    ],
  });
  sys = new pg.Client({ connectionString: tk.databaseUrls.system });
  await sys.connect();
  owner = await tk.as('owner@big.test');
  other = await tk.as('owner@other-big.test');
  await sys.query('begin');
  await sys.query(`select set_config('app.tenant_id', $1, true)`, [owner.tenantId]);
  await sys.query(
    `insert into pos.product (tenant_id, id, sku, name, price, archived)
     select $1, gen_random_uuid(), 'FB-' || i, 'Фолбэк товар ' || i, 100 * i, i % 100 = 0 from generate_series(1, $2::int) i`,
    [owner.tenantId, N],
  );
  await sys.query('commit');
});

afterAll(async () => {
  await sys?.end();
  await tk?.stop();
});

const search = (query: Record<string, string | number | boolean>) => owner.get('/api/pos/products', { query });

describe('catalogue search past the cap', () => {
  it('more matches than the cap: total 200 and capped, pages are disjoint slices of one ranked set', async () => {
    const p1 = await search({ q: 'фолб', limit: 100 });
    expect(p1.status, JSON.stringify(p1.body)).toBe(200);
    expect(p1.body).toMatchObject({ total: 200, totalCapped: true });
    const p2 = (await search({ q: 'фолб', limit: 100, offset: 100 })).body;
    const p3 = (await search({ q: 'фолб', limit: 100, offset: 200 })).body;
    expect(p3.items).toEqual([]);
    const names = [...p1.body.items, ...p2.items].map((p: any) => p.name);
    expect(new Set(names).size).toBe(200);
    // by name within the ranked set (the C.UTF-8 test database orders by code point)
    expect(names).toEqual([...names].sort());
    // the same request gives the same page
    expect((await search({ q: 'фолб', limit: 100 })).body.items.map((p: any) => p.id)).toEqual(p1.body.items.map((p: any) => p.id));
  });

  it('a selective second word: exactly the matches of an unbounded search (the bounded read is repeated)', async () => {
    // "товар 5", "товар 50"…"товар 59", "товар 500"…"товар 599": 111, less the archived 500
    const expected = Array.from({ length: N }, (_, i) => i + 1).filter((i) => String(i).startsWith('5') && i % 100 !== 0).map(name).sort();
    const r = await search({ q: 'фолбэк 5', limit: 200 });
    expect(r.body).toMatchObject({ total: expected.length, totalCapped: false });
    expect(r.body.items.map((p: any) => p.name)).toEqual(expected);
    // the driving word is the longer one; the order is still by the first word typed, then name
    expect((await search({ q: '5 фолб', limit: 200 })).body.total).toBe(expected.length);
  });

  it('archived products are found only when asked for, past the bound too', async () => {
    const archived = await search({ q: 'фолб', archived: true, limit: 50 });
    expect(archived.body).toMatchObject({ total: 10, totalCapped: false });
    expect(archived.body.items.map((p: any) => p.sku).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `FB-${(i + 1) * 100}`).sort());
    expect((await search({ q: 'фолбэк 700' })).body.total).toBe(0);
    expect((await search({ q: 'фолбэк 700', archived: true })).body.items.map((p: any) => p.sku)).toEqual(['FB-700']);
  });

  it('typeahead ranks at most 60 and gives no total; another tenant finds nothing', async () => {
    const t = await search({ q: 'това', withTotal: false, limit: 100 });
    expect(t.body.total).toBeNull();
    expect(t.body.items).toHaveLength(60);
    expect((await other.get('/api/pos/products', { query: { q: 'фолб' } })).body.total).toBe(0);
  });
});
