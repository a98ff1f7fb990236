import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { CatalogCache } from '../ui/src/offline/catalog-cache.ts';
import { openPosDb, type IdbFactory } from '../ui/src/offline/idb.ts';
import { classifyFailure, SaleQueue, type SendSale } from '../ui/src/offline/sale-queue.ts';
import type { CatalogProduct, Sale, SalePayload } from '../ui/src/lib/types.ts';

// The till's offline outbox and catalogue cache, on fake-indexeddb (the browser test runs the same
// code on Chromium's real IndexedDB). The "server" here is a small in-memory model of the sales
// API's contract: an id it has seen is answered with the stored sale; stock can run out.

class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown>;
  constructor(status: number, code: string, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

function fakeServer(stock: Record<string, number>) {
  const sales = new Map<string, Sale>();
  let online = true;
  let failNext5xx = 0;
  const calls: { id: string; key: string }[] = [];
  const send: SendSale = async (p, key) => {
    calls.push({ id: p.id, key });
    if (!online) throw new HttpError(0, 'NETWORK', 'Failed to fetch');
    if (failNext5xx > 0) { failNext5xx--; throw new HttpError(503, 'UNAVAILABLE', 'try later'); }
    const stored = sales.get(p.id);
    if (stored) return stored; // a replay: the stored sale, never a second one
    for (const l of p.lines) {
      if ((stock[l.productId] ?? 0) < l.qtyMilli) throw new HttpError(409, 'OUT_OF_STOCK', 'not enough stock', { productId: l.productId, availableMilli: stock[l.productId] ?? 0 });
    }
    for (const l of p.lines) stock[l.productId] -= l.qtyMilli;
    const total = p.payments.reduce((a, x) => a + x.amount, 0);
    const sale = { id: p.id, number: `R-${sales.size + 1}`, total, receipt: null, shiftId: 's1' } as unknown as Sale;
    sales.set(p.id, sale);
    return sale;
  };
  return { sales, calls, send, setOnline: (v: boolean) => { online = v; }, fail5xx: (n: number) => { failNext5xx = n; } };
}

const payload = (id: string, productId = 'p1', qtyMilli = 1000, amount = 500): SalePayload => ({
  id, registerId: 'r1', lines: [{ productId, qtyMilli, unitPrice: amount }], payments: [{ method: 'cash', amount }], offline: true, expectedTotal: amount,
});

async function setup(stock: Record<string, number> = { p1: 10_000, p2: 1000 }, factory: IdbFactory = new IDBFactory() as unknown as IdbFactory) {
  const db = await openPosDb('tenant-a', factory);
  const server = fakeServer(stock);
  return { db, server, queue: new SaleQueue(db, server.send), factory };
}

describe('offline sale queue', () => {
  it('keeps sales made offline, counts them, and syncs them once when back online', async () => {
    const { queue, server } = await setup();
    server.setOnline(false);
    await queue.enqueue(payload('00000000-0000-4000-8000-000000000001'), 500);
    await queue.enqueue(payload('00000000-0000-4000-8000-000000000002'), 500);
    const offline = await queue.sync();
    expect(offline.offline).toBe(true);
    expect(await queue.counts()).toEqual({ pending: 2, attention: 0, unsynced: 2 });
    // it stopped at the first network failure instead of hammering a dead link
    expect(server.calls).toHaveLength(1);

    server.setOnline(true);
    const r = await queue.sync();
    expect(r.synced).toEqual(['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002']);
    expect(server.sales.size).toBe(2);
    expect(await queue.counts()).toEqual({ pending: 0, attention: 0, unsynced: 0 });
    const item = await queue.get('00000000-0000-4000-8000-000000000001');
    expect(item?.idempotencyKey).toBe('sale-00000000-0000-4000-8000-000000000001');
    expect(item?.sale?.number).toBe('R-1');
  });

  it('a replay of synced sales and concurrent syncs create no duplicates', async () => {
    const { queue, server } = await setup();
    await queue.enqueue(payload('a1'), 500);
    await queue.enqueue(payload('a2'), 500);
    // the online event and the "sync now" button at the same moment
    const [x, y] = await Promise.all([queue.sync(), queue.sync()]);
    expect(x).toBe(y);
    expect(server.calls.map((c) => c.id)).toEqual(['a1', 'a2']);
    const again = await queue.resend();
    expect(again.map((s) => s.saleId)).toEqual(['a1', 'a2']);
    expect(again.map((s) => s.number)).toEqual(['R-1', 'R-2']);
    expect(server.sales.size).toBe(2);
    // enqueueing the same sale twice (a double tap) keeps one
    await queue.enqueue(payload('a1'), 500);
    expect((await queue.list()).length).toBe(2);
  });

  it('a sale the server refuses goes to "needs attention" with the reason, never dropped; retry after stock arrives', async () => {
    const stock = { p1: 10_000, p2: 1000 };
    const { queue, server } = await setup(stock);
    await queue.enqueue(payload('b1', 'p2', 1000), 500);
    await queue.enqueue(payload('b2', 'p2', 1000), 500); // the last unit was sold by b1
    await queue.enqueue(payload('b3', 'p1', 1000), 500);
    const r = await queue.sync();
    expect(r.synced).toEqual(['b1', 'b3']);
    expect(r.attention).toEqual(['b2']);
    const b2 = await queue.get('b2');
    expect(b2?.state).toBe('attention');
    expect(b2?.error).toMatchObject({ status: 409, code: 'OUT_OF_STOCK', details: { productId: 'p2', availableMilli: 0 } });
    expect(await queue.counts()).toEqual({ pending: 0, attention: 1, unsynced: 1 });
    // a later sync does not resend it behind the cashier's back…
    await queue.sync();
    expect(server.calls.filter((c) => c.id === 'b2')).toHaveLength(1);
    await expect(queue.dismiss('b2', '  ')).rejects.toThrow(/reason/);
    // …the cashier retries it once stock has arrived
    stock.p2 = 5000;
    await queue.retry('b2');
    expect((await queue.get('b2'))?.state).toBe('pending');
    expect((await queue.sync()).synced).toEqual(['b2']);
    expect(server.sales.size).toBe(3);
    expect(await queue.counts()).toEqual({ pending: 0, attention: 0, unsynced: 0 });
  });

  it('dismissing keeps the sale with its reason', async () => {
    const { queue } = await setup({ p1: 0 });
    await queue.enqueue(payload('c1'), 500);
    await queue.sync();
    await queue.dismiss('c1', 'goods returned to the shelf');
    const c1 = await queue.get('c1');
    expect(c1).toMatchObject({ state: 'dismissed', dismissedReason: 'goods returned to the shelf' });
    expect(await queue.counts()).toEqual({ pending: 0, attention: 0, unsynced: 0 });
  });

  it('server trouble (5xx) keeps the sale pending and goes on with the others', async () => {
    const { queue, server } = await setup();
    await queue.enqueue(payload('d1'), 500);
    await queue.enqueue(payload('d2'), 500);
    server.fail5xx(1);
    const r = await queue.sync();
    expect(r.deferred).toEqual(['d1']);
    expect(r.synced).toEqual(['d2']);
    expect((await queue.get('d1'))?.error?.status).toBe(503);
    expect((await queue.sync()).synced).toEqual(['d1']);
  });

  it('survives closing and reopening the database (a page reload)', async () => {
    const factory = new IDBFactory() as unknown as IdbFactory;
    const first = await setup(undefined, factory);
    first.server.setOnline(false);
    await first.queue.enqueue(payload('e1'), 500);
    await first.queue.sync();
    first.db.close();
    const second = await setup(undefined, factory);
    expect(await second.queue.counts()).toMatchObject({ pending: 1 });
    expect((await second.queue.sync()).synced).toEqual(['e1']);
  });

  it('tenants on one device never share a queue', async () => {
    const factory = new IDBFactory() as unknown as IdbFactory;
    const a = await openPosDb('tenant-a', factory);
    const b = await openPosDb('tenant-b', factory);
    const s = fakeServer({ p1: 1000 });
    await new SaleQueue(a, s.send).enqueue(payload('f1'), 500);
    expect(await new SaleQueue(b, s.send).list()).toEqual([]);
  });

  it('classifies failures', () => {
    expect(classifyFailure(new HttpError(0, 'NETWORK', ''))).toBe('offline');
    expect(classifyFailure(new TypeError('Failed to fetch'))).toBe('offline');
    expect(classifyFailure(new HttpError(502, 'BAD_GATEWAY', ''))).toBe('retry');
    expect(classifyFailure(new HttpError(401, 'UNAUTHORIZED', ''))).toBe('retry');
    expect(classifyFailure(new HttpError(429, 'RATE_LIMITED', ''))).toBe('retry');
    expect(classifyFailure(new HttpError(409, 'OUT_OF_STOCK', ''))).toBe('attention');
    expect(classifyFailure(new HttpError(422, 'CREDIT_LIMIT_EXCEEDED', ''))).toBe('attention');
    expect(classifyFailure(new HttpError(400, 'VALIDATION', ''))).toBe('attention');
  });
});

const product = (p: Partial<CatalogProduct> & { id: string }): CatalogProduct => ({
  sku: p.id.toUpperCase(), name: p.id, unit: 'pcs', price: 100, taxBp: 1200, taxIncluded: true, barcodes: [], ...p,
});

describe('catalogue cache', () => {
  it('finds products by barcode, weight label and SKU, per store; search by words', async () => {
    const db = await openPosDb('t', new IDBFactory() as unknown as IdbFactory);
    const cache = new CatalogCache(db);
    await cache.replace('s1', [
      product({ id: 'milk', name: 'Молоко 3,2% 1 л', barcodes: [{ code: '4870001234567', kind: 'unit', qtyMilli: 1000 }, { code: '4870001234574', kind: 'unit', qtyMilli: 6000 }], quickKey: 2 }),
      product({ id: 'cheese', name: 'Сыр Российский', unit: 'kg', price: 450000, barcodes: [{ code: '2112345', kind: 'weight', qtyMilli: 1000 }], quickKey: 1 }),
      product({ id: 'bread', name: 'Хлеб белый', barcodes: [] }),
    ]);
    await cache.replace('s2', [product({ id: 'milk', name: 'Молоко', price: 999, barcodes: [{ code: '4870001234567', kind: 'unit', qtyMilli: 1000 }] })]);

    expect(await cache.lookup('s1', '4870001234567')).toMatchObject({ product: { id: 'milk', price: 100 }, qtyMilli: 1000 });
    expect(await cache.lookup('s2', '4870001234567')).toMatchObject({ product: { id: 'milk', price: 999 } });
    expect(await cache.lookup('s1', '4870001234574')).toMatchObject({ qtyMilli: 6000 });
    // 21 12345 01250 C: 1.250 kg of cheese
    const label = '211234501250';
    const check = (10 - ([...label].reduce((a, d, i) => a + Number(d) * (i % 2 ? 3 : 1), 0) % 10)) % 10;
    expect(await cache.lookup('s1', label + check)).toMatchObject({ product: { id: 'cheese' }, qtyMilli: 1250 });
    expect(await cache.lookup('s1', label + ((check + 1) % 10))).toBeNull(); // bad check digit
    expect(await cache.lookup('s1', 'bread')).toMatchObject({ product: { id: 'bread' } });
    expect(await cache.lookup('s1', '999')).toBeNull();

    expect((await cache.search('s1', 'молоко 1')).map((p) => p.id)).toEqual(['milk']);
    expect((await cache.search('s1', 'сыр')).map((p) => p.id)).toEqual(['cheese']);
    expect((await cache.quickKeys('s1')).map((p) => p.id)).toEqual(['cheese', 'milk']);

    // a refresh replaces the store's catalogue as a whole
    await cache.replace('s1', [product({ id: 'bread', name: 'Хлеб' })]);
    expect((await cache.all('s1')).map((p) => p.id)).toEqual(['bread']);
    expect((await cache.all('s2')).map((p) => p.id)).toEqual(['milk']);
    expect(await cache.info('s1')).toMatchObject({ count: 1 });
  });
});
