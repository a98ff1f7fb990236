import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TestClient, TestKernel } from '@atrium/sdk/testing';
import { batchesOf, fieldsOf, ledgerMismatches, startTwoStoreShop } from './fixtures.ts';

/**
 * Transfers that name the source batch of a line (`batchId`): the goods leave that batch (not
 * first-expiring-first), the batch is on the move and on the line, the destination gets the same
 * lot and expiry, a cancel puts them back into that batch. A batch that has too little → 409 and
 * nothing written (also where the store allows negative stock: a named batch never goes below
 * zero); a batch of another product, store or tenant → 400 naming lines[i].batchId; concurrent
 * ships of one batch never take it below zero. After every test the ledger sums to on-hand.
 */

let tk: TestKernel;
let owner: TestClient;
let keeper: TestClient;
let other: TestClient;
let db: pg.Client;
let tenantId: string;
let storeA: string;
let storeB: string;
let yog: any;
let kefir: any;
let bread: any;
/** yoghurt batches in store A by lot */
const batch: Record<string, string> = {};

const batches = (storeId: string, productId: string) => batchesOf(keeper, storeId, productId);
const batchIdsOf = async (storeId: string, productId: string) =>
  Object.fromEntries((await keeper.get('/api/pos/stock/batches', { query: { storeId, productId, includeEmpty: true } })).body.items.map((b: any) => [b.lot, b.id]));
const onHand = async (storeId: string, productId: string) =>
  (await keeper.get('/api/pos/stock/levels', { query: { storeId, limit: 200 } })).body.items.find((i: any) => i.productId === productId)?.onHandMilli ?? 0;
const movesOf = async (refId: string) =>
  (await db.query(`select kind, store_id, batch_id, qty_milli from pos.stock_move where tenant_id = $1 and ref_id = $2 order by id`, [tenantId, refId])).rows
    .map((m) => [m.kind, m.store_id === storeA ? 'A' : 'B', m.batch_id, Number(m.qty_milli)]);
const draft = (lines: { productId: string; qtyMilli: number; batchId?: string | null }[], extra: Record<string, unknown> = {}) =>
  keeper.post('/api/pos/stock/transfers', { storeId: storeA, toStoreId: storeB, lines, ...extra });
const receive = async (storeId: string, lines: any[]) => {
  const r = await keeper.post('/api/pos/stock/receipts', { storeId, post: true, lines });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
};

beforeAll(async () => {
  ({ tk, db, owner, keeper, other, storeA, storeB } = await startTwoStoreShop());
  tenantId = owner.tenantId;
  yog = (await keeper.post('/api/pos/products', { sku: 'YOG', name: 'Йогурт', unit: 'l', price: 500, trackBatches: true })).body; // poured by the litre: fractional lots are real
  kefir = (await keeper.post('/api/pos/products', { sku: 'KEFIR', name: 'Кефир', price: 400, trackBatches: true })).body;
  bread = (await keeper.post('/api/pos/products', { sku: 'BREAD', name: 'Хлеб', price: 200 })).body;
  await receive(storeA, [{ productId: yog.id, qtyMilli: 10000, unitCost: 300, lot: 'L-LATE', expiresOn: '2030-06-30' }]);
  await receive(storeA, [{ productId: yog.id, qtyMilli: 10000, unitCost: 280, lot: 'L-EARLY', expiresOn: '2030-01-31' }]);
  await receive(storeA, [{ productId: kefir.id, qtyMilli: 5000, unitCost: 200, lot: 'K-1', expiresOn: '2030-03-01' }, { productId: bread.id, qtyMilli: 50000, unitCost: 100 }]);
  Object.assign(batch, await batchIdsOf(storeA, yog.id));
  expect(Object.keys(batch).sort()).toEqual(['L-EARLY', 'L-LATE']);
});
afterEach(async () => {
  expect(await ledgerMismatches(db, tenantId)).toEqual([]);
});
afterAll(async () => {
  await db?.end();
  await tk?.stop();
});

describe('a named source batch', () => {
  it('ships from that batch (not FEFO) and is received into the same lot and expiry at the destination', async () => {
    const d = await draft([{ productId: yog.id, qtyMilli: 4000, batchId: batch['L-LATE'] }]);
    expect(d.status, JSON.stringify(d.body)).toBe(201);
    expect(d.body.lines[0]).toMatchObject({ batchId: batch['L-LATE'], sourceBatch: { lot: 'L-LATE', expiresOn: '2030-06-30', onHandMilli: 10000 } });

    const s = await keeper.post(`/api/pos/stock/transfers/${d.body.id}/ship`);
    expect(s.status, JSON.stringify(s.body)).toBe(200);
    expect(s.body.lines.map((l: any) => [l.batchId, l.shippedMilli, l.batches.map((b: any) => [b.batchId, b.lot, b.expiresOn, b.qtyMilli, b.cost])])).toEqual([
      [batch['L-LATE'], 4000, [[batch['L-LATE'], 'L-LATE', '2030-06-30', 4000, 300]]],
    ]);
    // the earlier-expiring batch is untouched: FEFO would have taken it
    expect(await batches(storeA, yog.id)).toEqual([['L-EARLY', '2030-01-31', 10000], ['L-LATE', '2030-06-30', 6000]]);
    expect(await movesOf(d.body.id)).toEqual([['transfer_out', 'A', batch['L-LATE'], -4000]]);

    const r = await keeper.post(`/api/pos/stock/transfers/${d.body.id}/receive`, {});
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(await batches(storeB, yog.id)).toEqual([['L-LATE', '2030-06-30', 4000]]);
    const [dest] = (await keeper.get('/api/pos/stock/batches', { query: { storeId: storeB, productId: yog.id } })).body.items;
    expect(dest.cost).toBe(300);
    const moves = await movesOf(d.body.id);
    expect(moves).toEqual([['transfer_out', 'A', batch['L-LATE'], -4000], ['transfer_in', 'B', dest.id, 4000]]);

    // audited with the batch; the shipped event names it
    const audit = (await db.query(`select diff from kernel.audit where tenant_id = $1 and target_id = $2 and action like '%ship_transfer'`, [tenantId, d.body.id])).rows;
    expect(audit[0].diff.after.lines).toEqual([{ productId: yog.id, shippedMilli: 4000, batchId: batch['L-LATE'], batches: [{ batchId: batch['L-LATE'], lot: 'L-LATE', qtyMilli: 4000 }] }]);
    const ev = await db.query(`select payload from kernel.outbox where tenant_id = $1 and name = 'pos.stock.transfer.shipped.v1' and payload->>'documentId' = $2`, [tenantId, d.body.id]);
    expect(ev.rows[0].payload.lines).toEqual([{ lineNo: 1, productId: yog.id, qtyMilli: 4000, batchId: batch['L-LATE'] }]);
  });

  it('a product on two lines: the named line ships from its batch, the other first-expiring-first; the one-step post honours the batch too', async () => {
    const d = await draft([{ productId: yog.id, qtyMilli: 3000 }, { productId: yog.id, qtyMilli: 1000, batchId: batch['L-LATE'] }], { ship: true });
    expect(d.status, JSON.stringify(d.body)).toBe(201);
    expect(d.body.lines.map((l: any) => [l.batchId, l.batches.map((b: any) => [b.lot, b.qtyMilli])])).toEqual([
      [null, [['L-EARLY', 3000]]],
      [batch['L-LATE'], [['L-LATE', 1000]]],
    ]);
    expect(await batches(storeA, yog.id)).toEqual([['L-EARLY', '2030-01-31', 7000], ['L-LATE', '2030-06-30', 5000]]);
    expect((await keeper.post(`/api/pos/stock/transfers/${d.body.id}/cancel`, { reason: 'wrong lot' })).status).toBe(200);
    expect(await batches(storeA, yog.id)).toEqual([['L-EARLY', '2030-01-31', 10000], ['L-LATE', '2030-06-30', 6000]]);

    const p = await draft([{ productId: yog.id, qtyMilli: 500, batchId: batch['L-LATE'] }], { post: true });
    expect(p.status, JSON.stringify(p.body)).toBe(201);
    expect(p.body).toMatchObject({ status: 'posted', lines: [{ batchId: batch['L-LATE'], receivedMilli: 500, batches: [{ lot: 'L-LATE', qtyMilli: 500 }] }] });
    expect(await batches(storeA, yog.id)).toEqual([['L-EARLY', '2030-01-31', 10000], ['L-LATE', '2030-06-30', 5500]]);
    expect(await batches(storeB, yog.id)).toEqual([['L-LATE', '2030-06-30', 4000], ['L-LATE', '2030-06-30', 500]]);
  });

  it('canceling a shipped transfer returns the goods into the named batch', async () => {
    const d = await draft([{ productId: yog.id, qtyMilli: 1500, batchId: batch['L-LATE'] }], { ship: true });
    expect(d.status, JSON.stringify(d.body)).toBe(201);
    expect(await batches(storeA, yog.id)).toEqual([['L-EARLY', '2030-01-31', 10000], ['L-LATE', '2030-06-30', 4000]]);
    const c = await keeper.post(`/api/pos/stock/transfers/${d.body.id}/cancel`, { reason: 'truck broke down' });
    expect(c.status, JSON.stringify(c.body)).toBe(200);
    expect(await batches(storeA, yog.id)).toEqual([['L-EARLY', '2030-01-31', 10000], ['L-LATE', '2030-06-30', 5500]]);
    expect(await movesOf(d.body.id)).toEqual([['transfer_out', 'A', batch['L-LATE'], -1500], ['transfer_in', 'A', batch['L-LATE'], 1500]]);
  });

  it('more than the batch has: 409 OUT_OF_STOCK naming the product and batch, and nothing is written — also where the store allows negative stock', async () => {
    const before = { a: await batches(storeA, yog.id), level: await onHand(storeA, yog.id), bread: await onHand(storeA, bread.id) };
    // the product has 15,500 in the store, the named batch 5,500
    const d = await draft([{ productId: bread.id, qtyMilli: 1000 }, { productId: yog.id, qtyMilli: 6000, batchId: batch['L-LATE'] }]);
    expect(d.status, JSON.stringify(d.body)).toBe(201);
    for (const negative of [false, true]) {
      expect((await owner.patch(`/api/pos/stores/${storeA}`, { allowNegativeStock: negative })).status).toBe(200);
      const r = await keeper.post(`/api/pos/stock/transfers/${d.body.id}/ship`);
      expect(r.status, JSON.stringify(r.body)).toBe(409);
      expect(r.body.error.code).toBe('OUT_OF_STOCK');
      expect(r.body.error.details).toMatchObject({ productId: yog.id, batchId: batch['L-LATE'], requestedMilli: 6000, availableMilli: 5500 });
      expect(await movesOf(d.body.id)).toEqual([]);
      expect({ a: await batches(storeA, yog.id), level: await onHand(storeA, yog.id), bread: await onHand(storeA, bread.id) }).toEqual(before);
      const t = (await keeper.get(`/api/pos/stock/transfers/${d.body.id}`)).body;
      expect([t.status, t.lines.map((l: any) => l.shippedMilli)]).toEqual(['draft', [null, null]]);
    }
    await owner.patch(`/api/pos/stores/${storeA}`, { allowNegativeStock: false });
    // the same quantity left to FEFO ships
    const ok = await keeper.put(`/api/pos/stock/transfers/${d.body.id}`, { lines: [{ productId: yog.id, qtyMilli: 6000 }] });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.lines[0]).toMatchObject({ batchId: null, sourceBatch: null });
    expect((await keeper.post(`/api/pos/stock/transfers/${d.body.id}/cancel`)).status).toBe(200);
  });

  it('a batch of another product, store or tenant, or of a product without batches: 400 naming lines[i].batchId; nothing is stored', async () => {
    const [kefirBatch] = Object.values(await batchIdsOf(storeA, kefir.id)) as string[];
    const [storeBBatch] = Object.values(await batchIdsOf(storeB, yog.id)) as string[];
    // another tenant's lot of its own yoghurt
    const otherStore = (await other.post('/api/pos/stores', { name: 'Other A' })).body.storeId;
    const otherYog = (await other.post('/api/pos/products', { sku: 'YOG', name: 'Йогурт', unit: 'l', price: 500, trackBatches: true })).body;
    expect((await other.post('/api/pos/stock/receipts', { storeId: otherStore, post: true, lines: [{ productId: otherYog.id, qtyMilli: 1000, lot: 'X', expiresOn: '2030-01-01' }] })).status).toBe(201);
    const otherBatch = (await other.get('/api/pos/stock/batches', { query: { storeId: otherStore, productId: otherYog.id } })).body.items[0].id;

    const bad = await draft([
      { productId: yog.id, qtyMilli: 100, batchId: batch['L-LATE'] },
      { productId: yog.id, qtyMilli: 100, batchId: kefirBatch },
      { productId: yog.id, qtyMilli: 100, batchId: storeBBatch },
      { productId: yog.id, qtyMilli: 100, batchId: otherBatch },
      { productId: yog.id, qtyMilli: 100, batchId: crypto.randomUUID() },
      { productId: bread.id, qtyMilli: 1000, batchId: batch['L-LATE'] },
    ]);
    expect(bad.status, JSON.stringify(bad.body)).toBe(400);
    expect(bad.body.error.fields.map((f: any) => [f.field, f.code, f.message])).toEqual([
      ['lines[1].batchId', 'batchOfOtherProduct', 'The batch is not of YOG'],
      ['lines[2].batchId', 'batchInOtherStore', 'The batch is in another store than the one the transfer ships from'],
      ['lines[3].batchId', 'unknown', 'Not found'],
      ['lines[4].batchId', 'unknown', 'Not found'],
      ['lines[5].batchId', 'noBatchTracking', 'BREAD does not track batches'],
    ]);
    expect(fieldsOf(await draft([{ productId: yog.id, qtyMilli: 100, batchId: 'L-LATE' }]))).toEqual(['lines.0.batchId']);
    // other documents take no batch
    expect((await keeper.post('/api/pos/stock/adjustments', { storeId: storeA, reason: 'damaged', lines: [{ productId: yog.id, qtyMilli: -100, batchId: batch['L-LATE'] }] })).status).toBe(400);
    // a draft edited to a foreign batch is refused the same way and keeps its lines
    const d = await draft([{ productId: yog.id, qtyMilli: 100 }]);
    const edit = await keeper.put(`/api/pos/stock/transfers/${d.body.id}`, { lines: [{ productId: yog.id, qtyMilli: 100, batchId: storeBBatch }] });
    expect(edit.status).toBe(400);
    expect(fieldsOf(edit)).toEqual(['lines[0].batchId']);
    expect((await keeper.get(`/api/pos/stock/transfers/${d.body.id}`)).body.lines.map((l: any) => l.batchId)).toEqual([null]);
    await keeper.post(`/api/pos/stock/transfers/${d.body.id}/cancel`);
    expect((await db.query(`select count(*)::int as n from pos.stock_document_line where tenant_id = $1 and batch_id = any($2::uuid[])`, [tenantId, [kefirBatch, storeBBatch, otherBatch]])).rows[0].n).toBe(0);
    // the other tenant cannot name this shop's batch either
    const otherB = (await other.post('/api/pos/stores', { name: 'Other B' })).body.storeId;
    const theirs = await other.post('/api/pos/stock/transfers', { storeId: otherStore, toStoreId: otherB, lines: [{ productId: otherYog.id, qtyMilli: 100, batchId: batch['L-LATE'] }] });
    expect(theirs.status).toBe(400);
    expect(fieldsOf(theirs)).toEqual(['lines[0].batchId']);
  });

  it('concurrent ships of the same batch never take it below zero: as many as it holds ship, the rest get 409', async () => {
    // K-1 holds 5,000 (the store 8,000 of kefir with K-2): eight transfers of 1,000 each name K-1, shipped at once
    const k1 = (await batchIdsOf(storeA, kefir.id))['K-1'];
    await receive(storeA, [{ productId: kefir.id, qtyMilli: 3000, unitCost: 210, lot: 'K-2', expiresOn: '2030-02-01' }]);
    const drafts = await Promise.all(Array.from({ length: 8 }, () => draft([{ productId: kefir.id, qtyMilli: 1000, batchId: k1 }])));
    expect(drafts.map((d) => d.status)).toEqual(Array(8).fill(201));
    const ships = await Promise.all(drafts.map((d) => keeper.post(`/api/pos/stock/transfers/${d.body.id}/ship`)));
    expect(ships.filter((s) => s.status === 200)).toHaveLength(5);
    const refused = ships.filter((s) => s.status !== 200);
    expect(refused.map((s) => [s.status, s.body.error.code, s.body.error.details.batchId])).toEqual(Array(3).fill([409, 'OUT_OF_STOCK', k1]));
    // K-1 is empty, K-2 (earlier expiry: FEFO's first pick) untouched
    expect(await batches(storeA, kefir.id)).toEqual([['K-2', '2030-02-01', 3000]]);
    expect((await keeper.get('/api/pos/stock/batches', { query: { storeId: storeA, productId: kefir.id, includeEmpty: true } })).body.items.map((b: any) => [b.lot, b.onHandMilli])).toEqual([['K-2', 3000], ['K-1', 0]]);
    expect(await onHand(storeA, kefir.id)).toBe(3000);
    const neg = await db.query(`select count(*)::int as n from pos.batch where tenant_id = $1 and on_hand_milli < 0`, [tenantId]);
    expect(neg.rows[0].n).toBe(0);
    // the shipped ones arrive in the same lot
    for (const s of ships.filter((x) => x.status === 200)) expect((await keeper.post(`/api/pos/stock/transfers/${s.body.id}/receive`, {})).status).toBe(200);
    expect((await batches(storeB, kefir.id)).map(([lot, exp]) => `${lot} ${exp}`)).toEqual(Array(5).fill('K-1 2030-03-01'));
    expect(await onHand(storeB, kefir.id)).toBe(5000);
  });
});
