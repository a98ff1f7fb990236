import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKernel, startVirtualTill, type TestClient, type TestKernel } from '@atrium/sdk/testing';
import { openTill, sale, seedProduct, seedStock } from './fixtures.ts';

/**
 * Issue 24: "a cashier sets any price with offline: true". An offline sale really happened, so it
 * is never refused — but a price the product did not have at that time (price history), or a time
 * outside the till's shift, needs the `overridePrice` permission or is flagged for a manager: a
 * review list, the money at stake, the audit and the Z report show it. And the receipt an offline
 * sale promised («Чек напечатается после отправки») prints once it reaches the server.
 */
let tk: TestKernel;
let sys: pg.Client;
let owner: TestClient;
let cashier: TestClient;
let manager: TestClient;
let till: Awaited<ReturnType<typeof openTill>>;
let terminal: Awaited<ReturnType<typeof startVirtualTill>>;
let milk: string;

beforeAll(async () => {
  tk = await createTestKernel({
    plugins: [path.resolve(import.meta.dirname, '..')],
    tenants: [{ name: 'Дүкен', owner: 'owner@offline.test', users: [{ email: 'kassir@offline.test', roles: ['cashier'] }, { email: 'boss@offline.test', roles: ['manager'] }], enable: ['pos'] }],
  });
  sys = new pg.Client({ connectionString: tk.databaseUrls.system });
  await sys.connect();
  owner = await tk.as('owner@offline.test');
  cashier = await tk.as('kassir@offline.test');
  manager = await tk.as('boss@offline.test');
  till = await openTill(owner, { float: 0, printReceipts: true, roleSuffix: 'front' });
  terminal = await startVirtualTill({ kernelUrl: tk.url, owner, storeId: till.storeId, roles: ['receipt@front'] });
  const p = await owner.post('/api/pos/products', { sku: 'MILK', name: 'Молоко', price: 1000_00 });
  milk = p.body.id;
  await seedStock(sys, owner.tenantId, till.storeId, milk, 100_000);
});

afterAll(async () => {
  await terminal?.stop();
  await sys?.end();
  await tk?.stop();
});

const offlineSale = (unitPrice: number, clientCreatedAt: string, qty = 5) =>
  sale(till.registerId, [{ productId: milk, qtyMilli: qty * 1000, unitPrice }], [{ method: 'card', amount: unitPrice * qty, reference: 'RRN-OFF' }], { offline: true, clientCreatedAt });

describe('offline sales and trust (issue 24)', () => {
  it('the attack: 5 × 1000 sent at 1 with offline: true and a 2020 time — kept, but flagged with the price it had, the time, and 4999.95 ₸ at stake', async () => {
    // online the same body is refused: the price changed
    const online = await cashier.post('/api/pos/sales', { ...offlineSale(1, '2020-01-01T10:00:00Z'), offline: false });
    expect(online.status).toBe(409);
    expect(online.body.error.code).toBe('PRICE_CHANGED');
    const r = await cashier.post('/api/pos/sales', offlineSale(1, '2020-01-01T10:00:00Z'));
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.total).toBe(5);
    expect(r.body.review.status).toBe('flagged');
    expect(r.body.review.reasons.map((x: any) => x.code).sort()).toEqual(['OUTSIDE_SHIFT', 'PRICE_NOT_IN_HISTORY']);
    // in 2020 the product did not exist yet: the price "then" is unknown, the current one is the measure
    expect(r.body.review.difference).toBe(5 * 1000_00 - 5);
    // a manager's review list shows it; the cashier cannot decide it
    const list = await manager.get('/api/pos/sales', { query: { review: 'flagged' } });
    expect(list.body.items.map((s: any) => s.id)).toEqual([r.body.id]);
    expect((await cashier.post(`/api/pos/sales/${r.body.id}/review`, { decision: 'approve' })).status).toBe(403);
    // the audit names what could not be trusted
    const audit = (await sys.query(`select diff from kernel.audit where tenant_id = $1 and target_id = $2 and action like 'pos.sales.create%'`, [owner.tenantId, r.body.id])).rows[0];
    expect(JSON.stringify(audit.diff)).toContain('PRICE_NOT_IN_HISTORY');
    // the X report counts it, with the money at stake
    const x = (await manager.get(`/api/pos/shifts/${till.shiftId}/report`)).body;
    expect(x.review).toMatchObject({ flagged: 1, difference: 5 * 1000_00 - 5 });
    const rejected = await manager.post(`/api/pos/sales/${r.body.id}/review`, { decision: 'reject', note: 'цена подделана, разобраться с кассиром' });
    expect(rejected.status, JSON.stringify(rejected.body)).toBe(200);
    expect(rejected.body.review).toMatchObject({ status: 'rejected', note: 'цена подделана, разобраться с кассиром' });
    expect((await manager.post(`/api/pos/sales/${r.body.id}/review`, { decision: 'approve' })).status).toBe(409);
  });

  it('a price the product really had, within the shift, goes through unflagged: the till sold from its cache before a price change', async () => {
    const before = new Date().toISOString();
    const p = (await owner.get(`/api/pos/products/${milk}`)).body;
    expect((await owner.patch(`/api/pos/products/${milk}`, { version: p.version, price: 1200_00 })).status).toBe(200);
    const r = await cashier.post('/api/pos/sales', offlineSale(1000_00, before, 1));
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.review.status).toBe('none');
    expect(r.body.total).toBe(1000_00);
    // a store price is history too
    expect((await owner.put(`/api/pos/products/${milk}/prices/${till.storeId}`, { price: 1100_00 })).status).toBe(200);
    const r2 = await cashier.post('/api/pos/sales', offlineSale(1100_00, new Date().toISOString(), 1));
    expect(r2.body.review.status).toBe('none');
    // a price it never had is flagged even inside the shift
    const r3 = await cashier.post('/api/pos/sales', offlineSale(999_00, new Date().toISOString(), 1));
    expect(r3.body.review).toMatchObject({ status: 'flagged', reasons: [{ code: 'PRICE_NOT_IN_HISTORY', sentPrice: 999_00, priceThen: 1100_00 }], difference: 101_00 });
  });

  it('a seller with overridePrice (a manager) is trusted: approved by them, visible in the audit', async () => {
    const r = await manager.post('/api/pos/sales', offlineSale(500_00, new Date().toISOString(), 1));
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.review).toMatchObject({ status: 'approved', note: 'overridePrice' });
    expect(r.body.review.by).toBeTruthy();
  });

  it('an offline sale prints its receipt once it reaches the server (and once only on a replay)', async () => {
    const before = terminal.printer.receipts.length;
    const body = offlineSale(1100_00, new Date().toISOString(), 1);
    const r = await cashier.post('/api/pos/sales', body);
    expect(r.body.receipt.status).toBe('queued');
    await terminal.printer.waitForReceipts(before + 1);
    expect(terminal.printer.receipts.at(-1)!.text.join('\n')).toContain(r.body.number);
    expect((await cashier.post('/api/pos/sales', body)).status).toBe(200);
    await new Promise((res) => setTimeout(res, 300));
    expect(terminal.printer.receipts.length).toBe(before + 1);
  });
});
