import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TestClient, TestKernel } from '@atrium/sdk/testing';
import { batchesOf, fieldsOf, ledgerMismatches, startTwoStoreShop } from './fixtures.ts';

/**
 * Transfers between stores in two steps through the real kernel: ship (stock leaves the source,
 * in transit), receive at the destination with differences posted explicitly, cancel (a shipped
 * transfer's goods go back to the source batches), state guards and Idempotency-Key, concurrent
 * receives, permissions, audit and events. After every test the ledger sums to on-hand.
 */

let tk: TestKernel;
let owner: TestClient;
let keeper: TestClient;
let cashier: TestClient;
let other: TestClient;
let db: pg.Client;
let tenantId: string;
let storeA: string;
let storeB: string;
let yog: any;
let bread: any;
let milk: any;

const onHand = async (storeId: string, productId: string) =>
  (await keeper.get('/api/pos/stock/levels', { query: { storeId, limit: 200 } })).body.items.find((i: any) => i.productId === productId);
const batches = (storeId: string, productId: string) => batchesOf(keeper, storeId, productId);
const movesOf = async (refId: string) =>
  (await keeper.get('/api/pos/stock/moves', { query: { refId, limit: 100 } })).body.items.map((m: any) => [m.kind, m.storeId === storeA ? 'A' : 'B', m.sku, m.qtyMilli]).sort();
const draft = (lines: { productId: string; qtyMilli: number }[], extra: Record<string, unknown> = {}) =>
  keeper.post('/api/pos/stock/transfers', { storeId: storeA, toStoreId: storeB, lines, ...extra });

beforeAll(async () => {
  ({ tk, db, owner, keeper, cashier, other, storeA, storeB } = await startTwoStoreShop());
  tenantId = owner.tenantId;
  yog = (await keeper.post('/api/pos/products', { sku: 'YOG', name: 'Йогурт', price: 500, trackBatches: true })).body;
  bread = (await keeper.post('/api/pos/products', { sku: 'BREAD', name: 'Хлеб весовой', unit: 'kg', price: 200 })).body; // by the kilo: fractional quantities are real
  milk = (await keeper.post('/api/pos/products', { sku: 'MILK', name: 'Молоко', price: 300 })).body;
  for (const lines of [
    [{ productId: yog.id, qtyMilli: 10000, unitCost: 300, lot: 'L-LATE', expiresOn: '2030-06-30' }],
    [{ productId: yog.id, qtyMilli: 10000, unitCost: 280, lot: 'L-EARLY', expiresOn: '2030-01-31' }],
    [{ productId: bread.id, qtyMilli: 50000, unitCost: 100 }, { productId: milk.id, qtyMilli: 20000, unitCost: 150 }],
  ]) {
    const r = await keeper.post('/api/pos/stock/receipts', { storeId: storeA, post: true, lines });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
  }
});
afterEach(async () => {
  // the ledger invariant after every scenario: on-hand (and every batch) = the sum of its moves
  expect(await ledgerMismatches(db, tenantId)).toEqual([]);
});
afterAll(async () => {
  await db?.end();
  await tk?.stop();
});

describe('ship and receive', () => {
  let transfer: any;

  it('a draft moves nothing; shipping takes the goods from the source first-expiring-first and they are in transit', async () => {
    expect(fieldsOf(await draft([{ productId: bread.id, qtyMilli: 1000 }], { toStoreId: storeA }))).toEqual(['toStoreId']);
    expect(fieldsOf(await draft([{ productId: bread.id, qtyMilli: 1000 }], { post: true, ship: true }))).toEqual(['ship']);
    expect((await cashier.post('/api/pos/stock/transfers', { storeId: storeA, toStoreId: storeB, lines: [{ productId: bread.id, qtyMilli: 1000 }] })).status).toBe(403);

    const d = await draft([{ productId: yog.id, qtyMilli: 12000 }, { productId: bread.id, qtyMilli: 3000 }], { note: 'weekly' });
    expect(d.status, JSON.stringify(d.body)).toBe(201);
    expect(d.body).toMatchObject({ kind: 'transfer', status: 'draft', shippedAt: null });
    expect((await onHand(storeA, yog.id)).onHandMilli).toBe(20000);
    expect((await cashier.post(`/api/pos/stock/transfers/${d.body.id}/ship`)).status).toBe(403);

    const shipped = await keeper.post(`/api/pos/stock/transfers/${d.body.id}/ship`);
    expect(shipped.status, JSON.stringify(shipped.body)).toBe(200);
    transfer = shipped.body;
    expect(transfer.status).toBe('in_transit');
    expect(transfer.shippedAt).toBeTruthy();
    expect(transfer.lines.map((l: any) => [l.sku, l.shippedMilli, l.inTransitMilli, l.receivedMilli, l.batches.map((b: any) => [b.lot, b.expiresOn, b.qtyMilli])])).toEqual([
      ['YOG', 12000, 12000, null, [['L-EARLY', '2030-01-31', 10000], ['L-LATE', '2030-06-30', 2000]]],
      ['BREAD', 3000, 3000, null, []],
    ]);
    // gone from A, not yet in B: in transit, visible per product at the destination
    expect(await batches(storeA, yog.id)).toEqual([['L-LATE', '2030-06-30', 8000]]);
    expect((await onHand(storeA, bread.id)).onHandMilli).toBe(47000);
    expect(await onHand(storeB, yog.id)).toMatchObject({ onHandMilli: 0, inTransitMilli: 12000 });
    expect(await onHand(storeB, bread.id)).toMatchObject({ onHandMilli: 0, inTransitMilli: 3000 });
    expect((await onHand(storeA, bread.id)).inTransitMilli).toBe(0);
    const transit = await keeper.get('/api/pos/stock/in-transit', { query: { storeId: storeB } });
    expect(transit.body.items.map((i: any) => [i.sku, i.inTransitMilli, i.transfers])).toEqual([['YOG', 12000, 1], ['BREAD', 3000, 1]]); // by name: Йогурт, Хлеб
    expect(transit.body.total).toBe(2);
    expect(await movesOf(transfer.id)).toEqual([['transfer_out', 'A', 'BREAD', -3000], ['transfer_out', 'A', 'YOG', -10000], ['transfer_out', 'A', 'YOG', -2000]].sort());

    // shipping again never moves stock twice
    const twice = await keeper.post(`/api/pos/stock/transfers/${transfer.id}/ship`);
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('NOT_DRAFT');
    expect((await keeper.put(`/api/pos/stock/transfers/${transfer.id}`, { lines: [{ productId: bread.id, qtyMilli: 1 }] })).status).toBe(409);
    expect((await onHand(storeA, bread.id)).onHandMilli).toBe(47000);
  });

  it('lists transfers with filters and pagination', async () => {
    const other = await draft([{ productId: milk.id, qtyMilli: 1000 }]);
    const inTransit = await keeper.get('/api/pos/stock/transfers', { query: { status: 'in_transit' } });
    expect(inTransit.body.items.map((t: any) => [t.id, t.status, t.shippedMilli, t.receivedMilli, t.lineCount])).toEqual([[transfer.id, 'in_transit', 15000, null, 2]]);
    expect((await keeper.get('/api/pos/stock/transfers', { query: { toStoreId: storeB, productId: milk.id, status: 'in_transit' } })).body.total).toBe(0);
    expect((await keeper.get('/api/pos/stock/transfers', { query: { fromStoreId: storeA, productId: yog.id } })).body.items.map((t: any) => t.id)).toContain(transfer.id);
    const page = await cashier.get('/api/pos/stock/transfers', { query: { storeId: storeB, limit: 1 } });
    expect(page.status).toBe(200);
    expect(page.body.items).toHaveLength(1);
    expect(page.body.total).toBe(2);
    expect((await cashier.get('/api/pos/stock/transfers', { query: { storeId: storeB, limit: 1, offset: 1 } })).body.items.map((t: any) => t.id)).toEqual([transfer.id]);
    expect((await keeper.get('/api/pos/stock/transfers', { query: { status: 'draft', productId: milk.id } })).body.items.map((t: any) => t.id)).toEqual([other.body.id]);
    await keeper.post(`/api/pos/stock/transfers/${other.body.id}/cancel`);
    expect((await keeper.get('/api/pos/stock/transfers', { query: { status: 'lost' } })).status).toBe(400);
    expect((await keeper.get('/api/pos/stock/documents', { query: { status: 'in_transit' } })).body.items.map((t: any) => t.id)).toEqual([transfer.id]);
  });

  it('receiving checks each difference has a fitting reason, naming the field', async () => {
    const url = `/api/pos/stock/transfers/${transfer.id}/receive`;
    const noReason = await keeper.post(url, { lines: [{ lineNo: 1, receivedMilli: 11000 }] });
    expect(noReason.status).toBe(400);
    expect(fieldsOf(noReason)).toEqual(['lines[0].reason']);
    expect(fieldsOf(await keeper.post(url, { lines: [{ lineNo: 1, receivedMilli: 11000, reason: 'over' }] }))).toEqual(['lines[0].reason']);
    expect(fieldsOf(await keeper.post(url, { lines: [{ lineNo: 2, receivedMilli: 3500, reason: 'damaged' }] }))).toEqual(['lines[0].reason']);
    expect(fieldsOf(await keeper.post(url, { lines: [{ lineNo: 2, receivedMilli: 3500, reason: 'other' }] }))).toEqual(['lines[0].note']);
    expect(fieldsOf(await keeper.post(url, { lines: [{ lineNo: 9, receivedMilli: 1 }] }))).toEqual(['lines[0].lineNo']);
    expect(fieldsOf(await keeper.post(url, { lines: [{ lineNo: 2, receivedMilli: 3000 }, { lineNo: 2, receivedMilli: 3000 }] }))).toEqual(['lines[1].lineNo']);
    expect((await keeper.post(url, { lines: [{ lineNo: 1, receivedMilli: -1 }] })).status).toBe(400);
    expect((await cashier.post(url, {})).status).toBe(403);
    // nothing of the refused attempts moved
    expect((await onHand(storeB, yog.id)).onHandMilli).toBe(0);
    expect((await keeper.get(`/api/pos/stock/transfers/${transfer.id}`)).body.status).toBe('in_transit');
  });

  it('receives with a damaged shortfall written off and a surplus adjusted; batches keep lot and expiry', async () => {
    const r = await keeper.post(`/api/pos/stock/transfers/${transfer.id}/receive`, {
      lines: [{ lineNo: 1, receivedMilli: 11000, reason: 'damaged', note: 'crushed box' }, { lineNo: 2, receivedMilli: 3500, reason: 'over' }],
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.status).toBe('received');
    expect(r.body.receivedAt).toBeTruthy();
    expect(r.body.lines.map((l: any) => [l.sku, l.shippedMilli, l.receivedMilli, l.differenceMilli, l.differenceReason, l.differenceNote, l.inTransitMilli])).toEqual([
      ['YOG', 12000, 11000, -1000, 'damaged', 'crushed box', 0],
      ['BREAD', 3000, 3500, 500, 'over', null, 0],
    ]);
    expect(await batches(storeB, yog.id)).toEqual([['L-EARLY', '2030-01-31', 10000], ['L-LATE', '2030-06-30', 1000]]);
    expect(await onHand(storeB, yog.id)).toMatchObject({ onHandMilli: 11000, inTransitMilli: 0 });
    expect((await onHand(storeB, bread.id)).onHandMilli).toBe(3500);
    // the ledger tells it: everything shipped arrived on paper; the loss and the surplus are their own lines
    expect(await movesOf(transfer.id)).toEqual([
      ['transfer_out', 'A', 'BREAD', -3000], ['transfer_out', 'A', 'YOG', -10000], ['transfer_out', 'A', 'YOG', -2000],
      ['transfer_in', 'B', 'BREAD', 3000], ['transfer_in', 'B', 'YOG', 10000], ['transfer_in', 'B', 'YOG', 1000], ['transfer_in', 'B', 'YOG', 1000],
      ['writeoff', 'B', 'YOG', -1000], ['adjust', 'B', 'BREAD', 500],
    ].sort());
    const notes = (await keeper.get('/api/pos/stock/moves', { query: { refId: transfer.id, kind: 'writeoff' } })).body.items.map((m: any) => m.note);
    expect(notes).toEqual([`damaged: crushed box (transfer ${transfer.number})`]);
    expect((await keeper.get('/api/pos/stock/in-transit', { query: { storeId: storeB } })).body.total).toBe(0);

    // receiving twice never moves stock twice
    const again = await keeper.post(`/api/pos/stock/transfers/${transfer.id}/receive`, {});
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('NOT_IN_TRANSIT');
    expect((await keeper.post(`/api/pos/stock/transfers/${transfer.id}/cancel`)).body.error.code).toBe('NOT_CANCELABLE');
    expect((await onHand(storeB, yog.id)).onHandMilli).toBe(11000);
  });

  it('is audited and emits shipped and received events', async () => {
    const audit = (await db.query(`select action, target_id, diff from kernel.audit where tenant_id = $1 and target_id = $2 order by at, id`, [tenantId, transfer.id])).rows;
    const ship = audit.find((a) => a.action.endsWith('ship_transfer'));
    expect(ship?.diff).toMatchObject({ before: { status: 'draft' }, after: { status: 'in_transit' } });
    const recv = audit.find((a) => a.action.endsWith('receive_transfer'));
    expect(recv?.diff.after.lines).toEqual([
      { productId: yog.id, shippedMilli: 12000, receivedMilli: 11000, reason: 'damaged', note: 'crushed box' },
      { productId: bread.id, shippedMilli: 3000, receivedMilli: 3500, reason: 'over', note: null },
    ]);
    const events = (await db.query(`select name, payload from kernel.outbox where tenant_id = $1 and payload->>'documentId' = $2 order by created_at, event_id`, [tenantId, transfer.id])).rows;
    expect(events.map((e) => e.name)).toEqual(['pos.stock.transfer.shipped.v1', 'pos.stock.transfer.received.v1']);
    expect(events[1].payload.lines.map((l: any) => [l.shippedMilli, l.receivedMilli, l.reason])).toEqual([[12000, 11000, 'damaged'], [3000, 3500, 'over']]);
  });
});

describe('guards', () => {
  it('shipping more than is available fails whole: 409 OUT_OF_STOCK naming the product, the draft and the stock stay', async () => {
    const d = await draft([{ productId: bread.id, qtyMilli: 1000 }, { productId: milk.id, qtyMilli: 25000 }]);
    const r = await keeper.post(`/api/pos/stock/transfers/${d.body.id}/ship`);
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('OUT_OF_STOCK');
    expect(r.body.error.details).toMatchObject({ productId: milk.id, availableMilli: 20000 });
    expect((await onHand(storeA, bread.id)).onHandMilli).toBe(47000);
    const after = (await keeper.get(`/api/pos/stock/transfers/${d.body.id}`)).body;
    expect(after.status).toBe('draft');
    expect(after.lines.map((l: any) => l.shippedMilli)).toEqual([null, null]);
    expect((await keeper.post(`/api/pos/stock/transfers/${d.body.id}/cancel`)).body.status).toBe('canceled');
    expect(await movesOf(d.body.id)).toEqual([]);
  });

  it('the same Idempotency-Key replays the first answer: stock moves once', async () => {
    const d = await draft([{ productId: milk.id, qtyMilli: 2000 }]);
    const key = { headers: { 'Idempotency-Key': `ship-${d.body.id}` } };
    const first = await keeper.post(`/api/pos/stock/transfers/${d.body.id}/ship`, {}, key);
    const second = await keeper.post(`/api/pos/stock/transfers/${d.body.id}/ship`, {}, key);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect((await onHand(storeA, milk.id)).onHandMilli).toBe(18000);
    const rkey = { headers: { 'Idempotency-Key': `receive-${d.body.id}` } };
    const r1 = await keeper.post(`/api/pos/stock/transfers/${d.body.id}/receive`, {}, rkey);
    const r2 = await keeper.post(`/api/pos/stock/transfers/${d.body.id}/receive`, {}, rkey);
    expect([r1.status, r2.status]).toEqual([200, 200]);
    expect((await onHand(storeB, milk.id)).onHandMilli).toBe(2000);
    expect(await movesOf(d.body.id)).toEqual([['transfer_in', 'B', 'MILK', 2000], ['transfer_out', 'A', 'MILK', -2000]]);
  });

  it('two receives at once: one wins, the other gets 409; two ships at once: one moves stock', async () => {
    const d = await draft([{ productId: bread.id, qtyMilli: 2000 }]);
    const ships = await Promise.all([1, 2, 3].map(() => keeper.post(`/api/pos/stock/transfers/${d.body.id}/ship`)));
    expect(ships.map((s) => s.status).sort()).toEqual([200, 409, 409]);
    expect((await onHand(storeA, bread.id)).onHandMilli).toBe(45000);
    const receives = await Promise.all([keeper, owner, keeper].map((c) => c.post(`/api/pos/stock/transfers/${d.body.id}/receive`, { lines: [{ lineNo: 1, receivedMilli: 2000 }] })));
    expect(receives.map((s) => s.status).sort()).toEqual([200, 409, 409]);
    expect(receives.filter((s) => s.status === 409).map((s) => s.body.error.code)).toEqual(['NOT_IN_TRANSIT', 'NOT_IN_TRANSIT']);
    expect((await onHand(storeB, bread.id)).onHandMilli).toBe(5500);
    expect(await movesOf(d.body.id)).toEqual([['transfer_in', 'B', 'BREAD', 2000], ['transfer_out', 'A', 'BREAD', -2000]]);
  });
});

describe('cancel', () => {
  it('canceling a shipped transfer puts the goods back into the batches they left; then it can be neither received nor canceled again', async () => {
    const before = await batches(storeA, yog.id);
    const d = await draft([{ productId: yog.id, qtyMilli: 3000 }, { productId: bread.id, qtyMilli: 1000 }], { ship: true });
    expect(d.status, JSON.stringify(d.body)).toBe(201);
    expect(d.body.status).toBe('in_transit');
    expect(await batches(storeA, yog.id)).toEqual([['L-LATE', '2030-06-30', before[0][2] - 3000]]);
    expect((await cashier.post(`/api/pos/stock/transfers/${d.body.id}/cancel`)).status).toBe(403);
    const c = await keeper.post(`/api/pos/stock/transfers/${d.body.id}/cancel`, { reason: 'truck broke down' });
    expect(c.status, JSON.stringify(c.body)).toBe(200);
    expect(c.body).toMatchObject({ status: 'canceled', cancelReason: 'truck broke down' });
    expect(c.body.canceledAt).toBeTruthy();
    expect(await batches(storeA, yog.id)).toEqual(before);
    expect((await onHand(storeA, bread.id)).onHandMilli).toBe(45000);
    expect((await onHand(storeB, yog.id)).inTransitMilli).toBe(0);
    expect(await movesOf(d.body.id)).toEqual([
      ['transfer_in', 'A', 'BREAD', 1000], ['transfer_in', 'A', 'YOG', 3000], ['transfer_out', 'A', 'BREAD', -1000], ['transfer_out', 'A', 'YOG', -3000],
    ]);
    expect((await keeper.post(`/api/pos/stock/transfers/${d.body.id}/receive`, {})).body.error.code).toBe('NOT_IN_TRANSIT');
    expect((await keeper.post(`/api/pos/stock/transfers/${d.body.id}/cancel`)).status).toBe(409);
    const ev = await db.query(`select payload from kernel.outbox where tenant_id = $1 and name = 'pos.stock.transfer.canceled.v1' and payload->>'documentId' = $2`, [tenantId, d.body.id]);
    expect(ev.rows.map((r) => r.payload)).toMatchObject([{ reason: 'truck broke down', returnedToSource: true }]);
  });

  it('a short receipt of all of a line writes the whole line off at the destination', async () => {
    const d = await draft([{ productId: milk.id, qtyMilli: 1000 }], { ship: true });
    const r = await keeper.post(`/api/pos/stock/transfers/${d.body.id}/receive`, { lines: [{ lineNo: 1, receivedMilli: 0, reason: 'short' }] });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect((await onHand(storeB, milk.id)).onHandMilli).toBe(2000);
    expect(await movesOf(d.body.id)).toEqual([['transfer_in', 'B', 'MILK', 1000], ['transfer_out', 'A', 'MILK', -1000], ['writeoff', 'B', 'MILK', -1000]]);
  });

  it('the one-step post still moves everything at once', async () => {
    const d = await draft([{ productId: bread.id, qtyMilli: 500 }], { post: true });
    expect(d.status, JSON.stringify(d.body)).toBe(201);
    expect(d.body).toMatchObject({ status: 'posted', lines: [{ shippedMilli: 500, receivedMilli: 500, differenceMilli: 0 }] });
    expect(await movesOf(d.body.id)).toEqual([['transfer_in', 'B', 'BREAD', 500], ['transfer_out', 'A', 'BREAD', -500]]);
  });
});

describe('isolation', () => {
  it('another tenant can neither see nor ship, receive or cancel these transfers', async () => {
    const d = await draft([{ productId: bread.id, qtyMilli: 100 }]);
    expect((await other.get(`/api/pos/stock/transfers/${d.body.id}`)).status).toBe(404);
    expect((await other.post(`/api/pos/stock/transfers/${d.body.id}/ship`)).status).toBe(404);
    expect((await other.post(`/api/pos/stock/transfers/${d.body.id}/receive`, {})).status).toBe(404);
    expect((await other.post(`/api/pos/stock/transfers/${d.body.id}/cancel`)).status).toBe(404);
    expect((await other.get('/api/pos/stock/transfers')).body.total).toBe(0);
    expect((await other.get('/api/pos/stock/in-transit')).body.total).toBe(0);
    expect((await keeper.get(`/api/pos/stock/transfers/${d.body.id}`)).body.status).toBe('draft');
    // a receipt id is not a transfer
    const receipt = await keeper.post('/api/pos/stock/receipts', { storeId: storeA, lines: [{ productId: bread.id, qtyMilli: 1000 }] });
    expect((await keeper.post(`/api/pos/stock/transfers/${receipt.body.id}/ship`)).status).toBe(404);
  });
});
