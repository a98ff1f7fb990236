import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestClient, TestKernel } from '@atrium/sdk/testing';
import { batchesOf, fieldsOf, startTwoStoreShop } from './fixtures.ts';

/**
 * Stock through the real kernel: goods receipts with batches, FEFO on transfers and counts,
 * count differences, write-offs, reservations (guarded, released, expired by the job), low-stock
 * alerts once per crossing, the append-only ledger and ledger sum = on-hand everywhere.
 */

let tk: TestKernel;
let owner: TestClient;
let keeper: TestClient;
let cashier: TestClient;
let other: TestClient;
let db: pg.Client;
let storeA: string;
let storeB: string;
let yog: any;
let bread: any;
let supplierId: string;

const level = async (storeId: string, productId: string) => {
  const r = await keeper.get('/api/pos/stock/levels', { query: { storeId, limit: 200 } });
  return r.body.items.find((i: any) => i.productId === productId);
};
const batches = (storeId: string, productId: string) => batchesOf(keeper, storeId, productId);
const runJob = (name: string, tenantId: string) =>
  tk.kernel.broker.call('pos.$system.runJob', { name, data: {}, jobId: crypto.randomUUID() }, { meta: { system: true, tenantId, requestId: `job:${name}` } });

beforeAll(async () => {
  ({ tk, db, owner, keeper, cashier, other, storeA, storeB } = await startTwoStoreShop());
  supplierId = (await keeper.post('/api/pos/suppliers', { name: 'Dairy Co' })).body.id;
  yog = (await keeper.post('/api/pos/products', { sku: 'YOG', name: 'Йогурт', price: 500, trackBatches: true })).body;
  bread = (await keeper.post('/api/pos/products', { sku: 'BREAD', name: 'Хлеб весовой', unit: 'kg', price: 200 })).body; // by the kilo: fractional quantities are real
});
afterAll(async () => {
  await db?.end();
  await tk?.stop();
});

describe('goods receipts', () => {
  it('validates lines naming the field; a draft moves nothing until posted', async () => {
    const zero = await keeper.post('/api/pos/stock/receipts', { storeId: storeA, lines: [{ productId: bread.id, qtyMilli: 0 }] });
    expect(zero.status).toBe(400);
    expect(fieldsOf(zero)).toEqual(['lines[0].qtyMilli']);
    const lot = await keeper.post('/api/pos/stock/receipts', { storeId: storeA, lines: [{ productId: bread.id, qtyMilli: 1000, lot: 'X' }] });
    expect(fieldsOf(lot)).toEqual(['lines[0].lot']);
    const unknown = await keeper.post('/api/pos/stock/receipts', { storeId: storeA, lines: [{ productId: crypto.randomUUID(), qtyMilli: 1000 }] });
    expect(fieldsOf(unknown)).toEqual(['lines[0].productId']);
    const badStore = await keeper.post('/api/pos/stock/receipts', { storeId: crypto.randomUUID(), lines: [{ productId: bread.id, qtyMilli: 1000 }] });
    expect(badStore.status).toBe(404);
    expect(badStore.body.error.fields.map((f: any) => f.field)).toContain('storeId');
    expect((await cashier.post('/api/pos/stock/receipts', { storeId: storeA, lines: [{ productId: bread.id, qtyMilli: 1000 }] })).status).toBe(403);

    const draft = await keeper.post('/api/pos/stock/receipts', { storeId: storeA, supplierId, lines: [{ productId: bread.id, qtyMilli: 5000, unitCost: 120 }] });
    expect(draft.status, JSON.stringify(draft.body)).toBe(201);
    expect(draft.body).toMatchObject({ kind: 'goods_receipt', status: 'draft', number: 1 });
    expect((await level(storeA, bread.id)).onHandMilli).toBe(0);
    const edited = await keeper.put(`/api/pos/stock/receipts/${draft.body.id}`, { lines: [{ productId: bread.id, qtyMilli: 10000, unitCost: 150 }] });
    expect(edited.body.lines).toMatchObject([{ qtyMilli: 10000, unitCost: 150 }]);
    const posted = await keeper.post(`/api/pos/stock/receipts/${draft.body.id}/post`);
    expect(posted.status, JSON.stringify(posted.body)).toBe(200);
    expect(posted.body.status).toBe('posted');
    expect((await level(storeA, bread.id)).onHandMilli).toBe(10000);
    expect((await owner.get(`/api/pos/products/${bread.id}`)).body.cost).toBe(150);
    const twice = await keeper.post(`/api/pos/stock/receipts/${draft.body.id}/post`);
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('NOT_DRAFT');
    expect((await level(storeA, bread.id)).onHandMilli).toBe(10000);
    // a receipt id is not a transfer
    expect((await keeper.post(`/api/pos/stock/transfers/${draft.body.id}/post`)).status).toBe(404);
  });

  it('receives batches with lot, expiry and cost; the product cost is the last purchase cost', async () => {
    const late = await keeper.post('/api/pos/stock/receipts', { storeId: storeA, post: true, lines: [{ productId: yog.id, qtyMilli: 10000, unitCost: 300, lot: 'L-LATE', expiresOn: '2030-06-30' }] });
    expect(late.status, JSON.stringify(late.body)).toBe(201);
    const early = await keeper.post('/api/pos/stock/receipts', { storeId: storeA, post: true, lines: [{ productId: yog.id, qtyMilli: 10000, unitCost: 280, lot: 'L-EARLY', expiresOn: '2030-01-31' }] });
    expect(early.body.status).toBe('posted');
    expect(await batches(storeA, yog.id)).toEqual([['L-EARLY', '2030-01-31', 10000], ['L-LATE', '2030-06-30', 10000]]);
    expect((await level(storeA, yog.id)).onHandMilli).toBe(20000);
    expect((await owner.get(`/api/pos/products/${yog.id}`)).body.cost).toBe(280);
  });
});

describe('transfers, counts, adjustments', () => {
  it('a transfer takes the earliest-expiring batch first and arrives with the same lots and dates', async () => {
    const t = await keeper.post('/api/pos/stock/transfers', { storeId: storeA, toStoreId: storeB, lines: [{ productId: yog.id, qtyMilli: 12000 }, { productId: bread.id, qtyMilli: 3000 }] });
    expect(t.status, JSON.stringify(t.body)).toBe(201);
    const same = await keeper.post('/api/pos/stock/transfers', { storeId: storeA, toStoreId: storeA, lines: [{ productId: bread.id, qtyMilli: 1 }] });
    expect(fieldsOf(same)).toEqual(['toStoreId']);
    const posted = await keeper.post(`/api/pos/stock/transfers/${t.body.id}/post`);
    expect(posted.status, JSON.stringify(posted.body)).toBe(200);
    expect(await batches(storeA, yog.id)).toEqual([['L-LATE', '2030-06-30', 8000]]);
    expect(await batches(storeB, yog.id)).toEqual([['L-EARLY', '2030-01-31', 10000], ['L-LATE', '2030-06-30', 2000]]);
    expect((await level(storeA, bread.id)).onHandMilli).toBe(7000);
    expect((await level(storeB, bread.id)).onHandMilli).toBe(3000);
    const moves = await keeper.get('/api/pos/stock/moves', { query: { refId: t.body.id, limit: 50 } });
    expect(moves.body.items.map((m: any) => [m.kind, m.storeId === storeA ? 'A' : 'B', m.sku, m.qtyMilli]).sort()).toEqual([
      ['transfer_in', 'B', 'BREAD', 3000], ['transfer_in', 'B', 'YOG', 10000], ['transfer_in', 'B', 'YOG', 2000],
      ['transfer_out', 'A', 'BREAD', -3000], ['transfer_out', 'A', 'YOG', -10000], ['transfer_out', 'A', 'YOG', -2000],
    ].sort());
  });

  it('a transfer of more than is available fails whole, leaving the draft and the stock as they were', async () => {
    const t = await keeper.post('/api/pos/stock/transfers', { storeId: storeA, toStoreId: storeB, lines: [{ productId: bread.id, qtyMilli: 1000 }, { productId: yog.id, qtyMilli: 9000 }] });
    const r = await keeper.post(`/api/pos/stock/transfers/${t.body.id}/post`);
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('OUT_OF_STOCK');
    expect(r.body.error.details).toMatchObject({ productId: yog.id, availableMilli: 8000 });
    expect((await level(storeA, bread.id)).onHandMilli).toBe(7000);
    expect((await keeper.get(`/api/pos/stock/documents/${t.body.id}`)).body.status).toBe('draft');
    expect((await keeper.post(`/api/pos/stock/transfers/${t.body.id}/cancel`)).body.status).toBe('canceled');
  });

  it('a count records expected and difference per line and posts the differences (shortage taken FEFO)', async () => {
    // store B has YOG 10 (L-EARLY, Jan) + 2 (L-LATE, Jun); 9 are counted: 3 short, taken from January first
    const c = await keeper.post('/api/pos/stock/counts', { storeId: storeB, lines: [{ productId: yog.id, countedMilli: 9000 }, { productId: bread.id, countedMilli: 3500 }] });
    expect(c.status, JSON.stringify(c.body)).toBe(201);
    const dup = await keeper.post('/api/pos/stock/counts', { storeId: storeB, lines: [{ productId: bread.id, countedMilli: 1 }, { productId: bread.id, countedMilli: 2 }] });
    expect(fieldsOf(dup)).toEqual(['lines[1].productId']);
    const posted = await keeper.post(`/api/pos/stock/counts/${c.body.id}/post`);
    expect(posted.status, JSON.stringify(posted.body)).toBe(200);
    expect(posted.body.lines.map((l: any) => [l.sku, l.countedMilli, l.expectedMilli, l.differenceMilli])).toEqual([['YOG', 9000, 12000, -3000], ['BREAD', 3500, 3000, 500]]);
    expect(await batches(storeB, yog.id)).toEqual([['L-EARLY', '2030-01-31', 7000], ['L-LATE', '2030-06-30', 2000]]);
    expect((await level(storeB, bread.id)).onHandMilli).toBe(3500);
  });

  it('adjustments need a reason; damage is a write-off in the ledger', async () => {
    const noReason = await keeper.post('/api/pos/stock/adjustments', { storeId: storeA, lines: [{ productId: bread.id, qtyMilli: -1000 }] });
    expect(noReason.status).toBe(400);
    expect(JSON.stringify(noReason.body)).toContain('reason');
    const a = await keeper.post('/api/pos/stock/adjustments', { storeId: storeA, reason: 'damaged', note: 'dropped', post: true, lines: [{ productId: bread.id, qtyMilli: -1000 }] });
    expect(a.status, JSON.stringify(a.body)).toBe(201);
    const m = await keeper.get('/api/pos/stock/moves', { query: { refId: a.body.id } });
    expect(m.body.items.map((x: any) => [x.kind, x.qtyMilli, x.note])).toEqual([['writeoff', -1000, 'dropped']]);
    expect((await level(storeA, bread.id)).onHandMilli).toBe(6000);
    const found = await keeper.post('/api/pos/stock/adjustments', { storeId: storeA, reason: 'found', post: true, lines: [{ productId: bread.id, qtyMilli: 500 }] });
    expect(found.status).toBe(201);
    expect((await level(storeA, bread.id)).onHandMilli).toBe(6500);
  });
});

describe('reservations', () => {
  it('reserve within available only; held stock cannot be transferred; release gives it back once', async () => {
    const r = await keeper.post('/api/pos/stock/reservations', { storeId: storeA, productId: bread.id, qtyMilli: 5000, refType: 'order', refId: 'WEB-1' });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(await level(storeA, bread.id)).toMatchObject({ onHandMilli: 6500, reservedMilli: 5000, availableMilli: 1500 });
    const tooMuch = await keeper.post('/api/pos/stock/reservations', { storeId: storeA, productId: bread.id, qtyMilli: 2000 });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body.error.details.availableMilli).toBe(1500);
    const t = await keeper.post('/api/pos/stock/transfers', { storeId: storeA, toStoreId: storeB, post: true, lines: [{ productId: bread.id, qtyMilli: 2000 }] });
    expect(t.status).toBe(409);
    const rel = await keeper.post(`/api/pos/stock/reservations/${r.body.id}/release`);
    expect(rel.body.status).toBe('released');
    expect((await keeper.post(`/api/pos/stock/reservations/${r.body.id}/release`)).status).toBe(409);
    expect(await level(storeA, bread.id)).toMatchObject({ reservedMilli: 0, availableMilli: 6500 });
    expect((await keeper.get('/api/pos/stock/reservations', { query: { storeId: storeA, status: 'released' } })).body.total).toBe(1);
  });

  it('the job expires reservations past their time', async () => {
    const r = await keeper.post('/api/pos/stock/reservations', { storeId: storeA, productId: bread.id, qtyMilli: 1000, expiresAt: new Date(Date.now() + 1500).toISOString() });
    expect(r.status).toBe(201);
    const keep = await keeper.post('/api/pos/stock/reservations', { storeId: storeA, productId: bread.id, qtyMilli: 500, expiresAt: new Date(Date.now() + 3600_000).toISOString() });
    expect((await level(storeA, bread.id)).reservedMilli).toBe(1500);
    await new Promise((res) => setTimeout(res, 1600));
    expect(await runJob('expireReservations', owner.tenantId)).toEqual({ expired: 1 });
    expect((await level(storeA, bread.id)).reservedMilli).toBe(500);
    expect((await keeper.get('/api/pos/stock/reservations', { query: { status: 'expired' } })).body.items.map((x: any) => x.id)).toEqual([r.body.id]);
    await keeper.post(`/api/pos/stock/reservations/${keep.body.id}/release`);
  });
});

describe('low-stock alerts', () => {
  it('emits pos.stock.low.v1 once per crossing below the level, again after a recovery', async () => {
    const p = (await owner.get(`/api/pos/products/${bread.id}`)).body;
    await owner.patch(`/api/pos/products/${bread.id}`, { version: p.version, lowStockMilli: 7000 });
    const events = async () => (await db.query(`select payload from kernel.outbox where tenant_id = $1 and name = 'pos.stock.low.v1' order by created_at, event_id`, [owner.tenantId])).rows.map((r) => r.payload);
    // A has 6.5 (low), B has 3.5 (low)
    expect(await runJob('lowStock', owner.tenantId)).toEqual({ alerted: 2, recovered: 0 });
    expect(await runJob('lowStock', owner.tenantId)).toEqual({ alerted: 0, recovered: 0 });
    const first = await events();
    expect(first.map((e: any) => [e.storeId === storeA ? 'A' : 'B', e.sku, e.onHandMilli, e.lowStockMilli]).sort()).toEqual([['A', 'BREAD', 6500, 7000], ['B', 'BREAD', 3500, 7000]]);
    const low = await keeper.get('/api/pos/stock/levels', { query: { storeId: storeA, lowStock: true } });
    expect(low.body.items.map((i: any) => i.sku)).toEqual(['BREAD']);
    expect(low.body.items[0].low).toBe(true);
    await keeper.post('/api/pos/stock/receipts', { storeId: storeA, post: true, lines: [{ productId: bread.id, qtyMilli: 5000 }] });
    expect(await runJob('lowStock', owner.tenantId)).toEqual({ alerted: 0, recovered: 1 });
    await keeper.post('/api/pos/stock/adjustments', { storeId: storeA, reason: 'lost', post: true, lines: [{ productId: bread.id, qtyMilli: -5000 }] });
    expect(await runJob('lowStock', owner.tenantId)).toEqual({ alerted: 1, recovered: 0 });
    expect(await events()).toHaveLength(3);
  });
});

describe('reads, permissions and isolation', () => {
  it('a cashier\'s stock page has its stores (was «Нет магазинов для кассы»: listing them asked for kernel.Store, which cashiers lack)', async () => {
    const r = await cashier.get('/api/pos/stores');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.items.map((s: any) => s.storeId).sort()).toEqual([storeA, storeB].sort());
    expect(r.body.available).toEqual([]);
  });

  it('levels paginate and search; a cashier reads stock but never costs', async () => {
    const page = await cashier.get('/api/pos/stock/levels', { query: { storeId: storeA, q: 'хлеб' } });
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ total: 1, items: [{ sku: 'BREAD' }] });
    const all = await cashier.get('/api/pos/stock/levels', { query: { storeId: storeA, limit: 1 } });
    expect(all.body.total).toBe(2);
    expect(all.body.items).toHaveLength(1);
    const moves = await cashier.get('/api/pos/stock/moves', { query: { storeId: storeA, productId: yog.id } });
    expect(moves.body.total).toBeGreaterThan(0);
    expect(moves.body.items[0]).not.toHaveProperty('unitCost');
    expect((await keeper.get('/api/pos/stock/moves', { query: { storeId: storeA, productId: yog.id, kind: 'receipt' } })).body.items.map((m: any) => m.unitCost).sort()).toEqual([280, 300]);
    const b = await cashier.get('/api/pos/stock/batches', { query: { productId: yog.id } });
    expect(b.body.items[0]).not.toHaveProperty('cost');
    expect((await cashier.post('/api/pos/stock/reservations', { storeId: storeA, productId: bread.id, qtyMilli: 1 })).status).toBe(403);
    expect((await keeper.get('/api/pos/stock/levels', { query: { storeId: storeA, lowStock: 'maybe' } })).status).toBe(400);
    expect((await keeper.get('/api/pos/stock/levels')).status).toBe(400);
  });

  it('another tenant sees none of it and cannot post or use these documents and stores', async () => {
    const docs = await keeper.get('/api/pos/stock/documents', { query: { kind: 'goods_receipt' } });
    expect(docs.body.total).toBeGreaterThan(0);
    const draft = await keeper.post('/api/pos/stock/receipts', { storeId: storeA, lines: [{ productId: bread.id, qtyMilli: 1000 }] });
    expect((await other.get(`/api/pos/stock/documents/${draft.body.id}`)).status).toBe(404);
    expect((await other.post(`/api/pos/stock/receipts/${draft.body.id}/post`)).status).toBe(404);
    expect((await other.get('/api/pos/stock/documents')).body.total).toBe(0);
    expect((await other.get('/api/pos/stock/moves')).body.total).toBe(0);
    expect((await other.get('/api/pos/stock/levels', { query: { storeId: storeA } })).status).toBe(404);
    expect((await other.post('/api/pos/stock/reservations', { storeId: storeA, productId: bread.id, qtyMilli: 1 })).status).toBe(404);
    expect((await keeper.get(`/api/pos/stock/documents/${draft.body.id}`)).body.status).toBe('draft');
  });
});

describe('stock documents refuse nonsense (issue 13, bug 6)', () => {
  it('piece goods in whole units only: 2.5 loaves are a 400 naming the line, weighed goods may be fractional', async () => {
    const loaf = (await keeper.post('/api/pos/products', { sku: 'LOAF', name: 'Батон', price: 250 })).body;
    const half = await keeper.post('/api/pos/stock/receipts', { storeId: storeA, post: true, lines: [{ productId: bread.id, qtyMilli: 1500 }, { productId: loaf.id, qtyMilli: 2500 }] });
    expect(half.status).toBe(400);
    expect(fieldsOf(half)).toEqual(['lines[1].qtyMilli']);
    expect(half.body.error.fields[0]).toMatchObject({ code: 'wholeQuantity', message: expect.stringMatching(/sold by the piece/) });
    for (const path of ['counts', 'adjustments']) {
      const key = path === 'counts' ? 'countedMilli' : 'qtyMilli';
      const r = await keeper.post(`/api/pos/stock/${path}`, { storeId: storeA, ...(path === 'adjustments' ? { reason: 'found' } : {}), lines: [{ productId: loaf.id, [key]: 2500 }] });
      expect(r.status, path).toBe(400);
      expect(fieldsOf(r)).toEqual(['lines[0].qtyMilli']);
    }
    expect((await keeper.post('/api/pos/stock/receipts', { storeId: storeA, post: true, lines: [{ productId: loaf.id, qtyMilli: 3000 }] })).status).toBe(201);
  });

  it('a count of a trillion kg of sugar (or a receipt ten times past what a shop holds) needs a confirmation; confirmed, it posts', async () => {
    const sugar = (await keeper.post('/api/pos/products', { sku: 'SUGAR', name: 'Сахар', unit: 'kg', price: 600 })).body;
    expect((await keeper.post('/api/pos/stock/receipts', { storeId: storeA, post: true, lines: [{ productId: sugar.id, qtyMilli: 50_000 }] })).status).toBe(201);
    const levelBefore = (await level(storeA, sugar.id)).onHandMilli;
    const huge = await keeper.post('/api/pos/stock/counts', { storeId: storeA, post: true, lines: [{ productId: sugar.id, countedMilli: 1_000_000_000_000_000 }] });
    expect(huge.status, JSON.stringify(huge.body)).toBe(422);
    expect(huge.body.error.code).toBe('LARGE_QUANTITY');
    expect(fieldsOf(huge)).toEqual(['lines.0.qtyMilli']);
    expect(huge.body.error.details.lines[0]).toMatchObject({ productId: sugar.id, qtyMilli: 1_000_000_000_000_000, bookMilli: 50_000 });
    expect((await level(storeA, sugar.id)).onHandMilli).toBe(levelBefore);
    // a count near the book figure, or a plausible delivery, goes through without a question
    expect((await keeper.post('/api/pos/stock/counts', { storeId: storeA, post: true, lines: [{ productId: sugar.id, countedMilli: 48_500 }] })).status).toBe(201);
    const truck = await keeper.post('/api/pos/stock/receipts', { storeId: storeA, post: true, lines: [{ productId: sugar.id, qtyMilli: 20_000_000 }] });
    expect(truck.status).toBe(422);
    // the draft saved without posting is fine; posting it asks, and posts once confirmed
    const draft = await keeper.post('/api/pos/stock/receipts', { storeId: storeA, lines: [{ productId: sugar.id, qtyMilli: 20_000_000 }] });
    expect(draft.status).toBe(201);
    expect((await keeper.post(`/api/pos/stock/receipts/${draft.body.id}/post`, {})).status).toBe(422);
    const ok = await keeper.post(`/api/pos/stock/receipts/${draft.body.id}/post`, { confirmLarge: true });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect((await level(storeA, sugar.id)).onHandMilli).toBe(48_500 + 20_000_000);
  });
});

describe('the ledger', () => {
  it('is append-only', async () => {
    await expect(db.query('update pos.stock_move set qty_milli = qty_milli * 2 where tenant_id = $1', [owner.tenantId])).rejects.toThrow(/append-only/);
    await expect(db.query('delete from pos.stock_move where tenant_id = $1', [owner.tenantId])).rejects.toThrow(/append-only/);
  });

  it('sums to on-hand for every (store, product), and batches sum to on-hand for batch-tracked goods', async () => {
    const { rows } = await db.query(`
      select l.tenant_id, l.store_id, l.product_id, l.on_hand_milli::bigint as on_hand,
             coalesce((select sum(m.qty_milli) from pos.stock_move m where m.tenant_id = l.tenant_id and m.store_id = l.store_id and m.product_id = l.product_id), 0)::bigint as ledger,
             p.track_batches,
             coalesce((select sum(b.on_hand_milli) from pos.batch b where b.tenant_id = l.tenant_id and b.store_id = l.store_id and b.product_id = l.product_id), 0)::bigint as in_batches
      from pos.stock_level l join pos.product p on p.tenant_id = l.tenant_id and p.id = l.product_id`);
    expect(rows.length).toBeGreaterThanOrEqual(4);
    for (const r of rows) {
      expect(r.ledger, `${r.store_id}/${r.product_id}`).toBe(r.on_hand);
      if (r.track_batches) expect(r.in_batches).toBe(r.on_hand);
    }
    // and no move without a level row
    const orphans = await db.query(`select 1 from pos.stock_move m where not exists (select 1 from pos.stock_level l where l.tenant_id = m.tenant_id and l.store_id = m.store_id and l.product_id = m.product_id)`);
    expect(orphans.rowCount).toBe(0);
  });
});
