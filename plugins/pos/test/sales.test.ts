import crypto from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { definePlugin, defineSubscriber } from '@atrium/sdk';
import { createTestKernel, type TestClient, type TestKernel } from '@atrium/sdk/testing';
import { ledgerMismatches, openTill, sale, seedProduct, seedStock } from './fixtures.ts';

/**
 * Sales through the real kernel and Postgres: concurrency on the last units, idempotent retries
 * and replays, returns refunding the right tender, Z report = sum of sales, credit limits, FEFO,
 * voids, permissions and tenant isolation.
 */
/** A fiscal adapter the way a third party would write one: it reacts to the hook and records the result. */
const fiscalDemo = definePlugin({
  manifest: {
    id: 'fiscal-demo', version: '0.1.0', displayName: { en: 'Fiscal demo' }, engines: { sdk: '^1.0.0' },
    calls: ['pos.sales.recordFiscal'], events: { subscribes: ['pos.sale.fiscal.requested.v1'] },
  } as any,
  subscribers: {
    'pos.sale.fiscal.requested.v1': defineSubscriber<{ saleId: string; number: string }>({
      async handler(ctx) {
        await ctx.call('pos.sales.recordFiscal', { id: ctx.event.payload.saleId, status: 'registered', data: { fiscalNumber: `KKM-${ctx.event.payload.number}` } });
      },
    }),
  },
});

let tk: TestKernel;
let sys: pg.Client;
let owner: TestClient;
let cashier: TestClient;
let till: { storeId: string; registerId: string; shiftId: string };

beforeAll(async () => {
  tk = await createTestKernel({
    plugins: [path.resolve(import.meta.dirname, '..'), fiscalDemo],
    tenants: [
      { name: 'Corner shop', owner: 'owner@corner.test', users: [{ email: 'cashier@corner.test', roles: ['cashier'] }], enable: ['pos', 'fiscal-demo'] },
      { name: 'Rival', owner: 'owner@rival.test', enable: ['pos'] },
    ],
  });
  sys = new pg.Client({ connectionString: tk.databaseUrls.system });
  await sys.connect();
  owner = await tk.as('owner@corner.test');
  cashier = await tk.as('cashier@corner.test');
  // these prices are in tiyn the way the ledger counts them; cash to the tiyn (not rounded to the tenge) keeps the sums exact
  expect((await owner.put('/api/plugins/pos/settings', { settings: { cashRounding: 1 } })).status).toBe(200);
  till = await openTill(owner);
});

afterAll(async () => {
  await sys?.end();
  await tk?.stop();
});

const onHand = async (productId: string, storeId = till.storeId) =>
  Number((await sys.query('select on_hand_milli from pos.stock_level where store_id = $1 and product_id = $2', [storeId, productId])).rows[0]?.on_hand_milli ?? 0);

describe('sales', () => {
  it('200 concurrent sales of the last 50 units: exactly 50 succeed, the rest get 409, ledger = on-hand', async () => {
    const milk = await seedProduct(sys, owner.tenantId, { name: 'Молоко 1 л', price: 550 });
    await seedStock(sys, owner.tenantId, till.storeId, milk, 50_000);
    // a till retries a 503 (the tenant's connection slots were all busy: Retry-After) with the same key, as the sale queue does
    const sell = async () => {
      const body = sale(till.registerId, [{ productId: milk, qtyMilli: 1000 }], [{ method: 'cash', amount: 550 }]);
      const key = crypto.randomUUID();
      for (let attempt = 0; ; attempt++) {
        const r = await cashier.post('/api/pos/sales', body, { headers: { 'idempotency-key': key } });
        if (r.status !== 503 || attempt === 20) return r;
        await new Promise((res) => setTimeout(res, 200 + Math.random() * 300));
      }
    };
    const results = await Promise.all(Array.from({ length: 200 }, sell));
    const byStatus = results.reduce<Record<number, number>>((a, r) => ({ ...a, [r.status]: (a[r.status] ?? 0) + 1 }), {});
    expect(byStatus).toEqual({ 201: 50, 409: 150 });
    const conflict = results.find((r) => r.status === 409)!;
    expect(conflict.body.error.code).toBe('OUT_OF_STOCK');
    expect(conflict.body.error.details.productId).toBe(milk);
    expect(await onHand(milk)).toBe(0);
    expect(await ledgerMismatches(sys, owner.tenantId)).toEqual([]);
    const sold = await sys.query(`select count(*)::int as n from pos.sale_line where product_id = $1`, [milk]);
    expect(sold.rows[0].n).toBe(50);
    // sale numbers on one register are consecutive, without gaps from the 150 refused sales
    const numbers = (await sys.query(`select number from pos.sale s join pos.sale_line l on l.sale_id = s.id where l.product_id = $1 order by number`, [milk])).rows.map((r) => Number(r.number.split('-')[1]));
    expect(numbers[numbers.length - 1] - numbers[0]).toBe(49);
  });

  it('a retried sale with the same Idempotency-Key returns the first sale; a replay of the same id with a new key too', async () => {
    const bread = await seedProduct(sys, owner.tenantId, { name: 'Хлеб', price: 250 });
    await seedStock(sys, owner.tenantId, till.storeId, bread, 10_000);
    const body = sale(till.registerId, [{ productId: bread, qtyMilli: 2000 }], [{ method: 'cash', amount: 500, tendered: 1000 }]);
    const key = crypto.randomUUID();
    const [a, b] = await Promise.all([cashier.post('/api/pos/sales', body, { headers: { 'idempotency-key': key } }), cashier.post('/api/pos/sales', body, { headers: { 'idempotency-key': key } })]);
    const c = await cashier.post('/api/pos/sales', body, { headers: { 'idempotency-key': key } });
    const d = await cashier.post('/api/pos/sales', body, { headers: { 'idempotency-key': crypto.randomUUID() } });
    for (const r of [a, b, c, d]) expect([200, 201], JSON.stringify(r.body)).toContain(r.status);
    // one of the two racing requests created it; every other answer is the stored sale
    expect([a, b].map((r) => r.status).sort()).toEqual([200, 201]);
    expect(c.status).toBe(200);
    expect(d.status).toBe(200);
    expect(new Set([a, b, c, d].map((r) => r.body.number)).size).toBe(1);
    expect(a.body.changeDue).toBe(500);
    expect((await sys.query('select count(*)::int as n from pos.sale where id = $1', [body.id])).rows[0].n).toBe(1);
    expect(await onHand(bread)).toBe(8000);
  });

  it('prices with line and receipt discounts and included tax; totals add up', async () => {
    const cheese = await seedProduct(sys, owner.tenantId, { name: 'Сыр', price: 1999, taxBp: 1200 });
    const tea = await seedProduct(sys, owner.tenantId, { name: 'Чай', price: 1001, taxBp: 1200 });
    await seedStock(sys, owner.tenantId, till.storeId, cheese, 5000);
    await seedStock(sys, owner.tenantId, till.storeId, tea, 5000);
    const r = await cashier.post('/api/pos/sales', {
      ...sale(till.registerId, [{ productId: cheese, qtyMilli: 3000 }, { productId: tea, qtyMilli: 1000 }], [{ method: 'card', amount: 6298, reference: 'RRN-1' }]),
      lines: [{ productId: cheese, qtyMilli: 3000, discount: { bp: 1000 } }, { productId: tea, qtyMilli: 1000 }],
      discount: { amount: 100 },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    // cheese 5997 − 600 line discount = 5397; tea 1001; receipt discount 100 spread 5397:1001
    expect(r.body.subtotal).toBe(6998);
    expect(r.body.discountTotal).toBe(700);
    expect(r.body.total).toBe(6298);
    expect(r.body.lines.reduce((a: number, l: any) => a + l.total, 0)).toBe(r.body.total);
    expect(r.body.lines.reduce((a: number, l: any) => a + l.receiptDiscount, 0)).toBe(100);
    // price includes 12 % VAT: tax = total − total / 1.12 per line
    expect(r.body.taxTotal).toBe(r.body.lines.reduce((a: number, l: any) => a + (l.total - Math.round(l.total / 1.12)), 0));
  }, 60_000);

  it('rejects bad input with 4xx naming the field and writes nothing', async () => {
    const p = await seedProduct(sys, owner.tenantId, { name: 'Вода', price: 200 });
    await seedStock(sys, owner.tenantId, till.storeId, p, 5000);
    const before = (await sys.query('select count(*)::int as n from pos.sale')).rows[0].n;
    const cases: [unknown, number, string][] = [
      [{ ...sale(till.registerId, [{ productId: p, qtyMilli: 1000 }], [{ method: 'cash', amount: 200 }]), id: 'not-a-uuid' }, 400, 'id'],
      [sale(till.registerId, [], [{ method: 'cash', amount: 200 }]), 400, 'lines'],
      [sale(till.registerId, [{ productId: crypto.randomUUID(), qtyMilli: 1000 }], [{ method: 'cash', amount: 200 }]), 400, 'lines/0/productId'],
      [sale(till.registerId, [{ productId: p, qtyMilli: 1500 }], [{ method: 'cash', amount: 300 }]), 400, 'lines/0/qtyMilli'],
      [sale(till.registerId, [{ productId: p, qtyMilli: 1000 }], [{ method: 'cash', amount: 150 }]), 422, 'payments'],
      [sale(till.registerId, [{ productId: p, qtyMilli: 1000 }], [{ method: 'card', amount: 200 }]), 422, 'payments/0/reference'],
      [sale(till.registerId, [{ productId: p, qtyMilli: 1000 }], [{ method: 'credit', amount: 200 }]), 422, 'payments/0/method'],
      [sale(till.registerId, [{ productId: p, qtyMilli: 1000 }], [{ method: 'cash', amount: 200, tendered: 100 }]), 422, 'payments/0/tendered'],
      [sale(crypto.randomUUID(), [{ productId: p, qtyMilli: 1000 }], [{ method: 'cash', amount: 200 }]), 400, 'registerId'],
    ];
    for (const [body, status, field] of cases) {
      const r = await cashier.post('/api/pos/sales', body);
      expect(r.status, `${field}: ${JSON.stringify(r.body)}`).toBe(status);
      const fields = r.body.error.fields ?? r.body.error.details?.fields ?? [];
      expect(fields.map((f: any) => f.field).join(','), JSON.stringify(r.body)).toContain(field);
    }
    expect((await sys.query('select count(*)::int as n from pos.sale')).rows[0].n).toBe(before);
    expect(await onHand(p)).toBe(5000);
  });

  it('FEFO: a sale takes the earliest-expiring batch first, whatever the order received', async () => {
    const yog = await seedProduct(sys, owner.tenantId, { name: 'Йогурт', price: 300, trackBatches: true });
    const late = await seedStock(sys, owner.tenantId, till.storeId, yog, 5000, { lot: 'L-LATE', expiresOn: '2027-03-01', receivedAt: '2026-11-01T00:00:00Z' });
    const early = await seedStock(sys, owner.tenantId, till.storeId, yog, 3000, { lot: 'L-EARLY', expiresOn: '2026-12-01', receivedAt: '2026-11-10T00:00:00Z' });
    const r = await cashier.post('/api/pos/sales', sale(till.registerId, [{ productId: yog, qtyMilli: 4000 }], [{ method: 'cash', amount: 1200 }]));
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const batches = Object.fromEntries((await sys.query('select id, on_hand_milli from pos.batch where product_id = $1', [yog])).rows.map((b) => [b.id, Number(b.on_hand_milli)]));
    expect(batches[early!]).toBe(0);
    expect(batches[late!]).toBe(4000);
    const [line] = (await sys.query('select batches from pos.sale_line where sale_id = $1', [r.body.id])).rows;
    expect(line.batches).toEqual([{ batchId: early, qtyMilli: 3000 }, { batchId: late, qtyMilli: 1000 }]);
    expect(await ledgerMismatches(sys, owner.tenantId)).toEqual([]);
  });

  it('a return restores stock (into the same batches) and refunds the right tender', async () => {
    const oil = await seedProduct(sys, owner.tenantId, { name: 'Масло', price: 1000, trackBatches: true });
    const b1 = await seedStock(sys, owner.tenantId, till.storeId, oil, 4000, { lot: 'OIL-1', expiresOn: '2027-01-01' });
    const r = await cashier.post('/api/pos/sales', sale(till.registerId, [{ productId: oil, qtyMilli: 3000 }], [{ method: 'card', amount: 2000, reference: 'RRN-77' }, { method: 'cash', amount: 1000 }]));
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(await onHand(oil)).toBe(1000);
    // partial: 1 of 3 — goes back to the card (cash last)
    const ret1 = await cashier.post(`/api/pos/sales/${r.body.id}/returns`, { lines: [{ lineNo: 1, qtyMilli: 1000 }], reason: 'damaged pack' });
    expect(ret1.status, JSON.stringify(ret1.body)).toBe(201);
    expect(ret1.body.amount).toBe(1000);
    expect(ret1.body.refunds).toEqual([{ method: 'card', amount: 1000 }]);
    expect(await onHand(oil)).toBe(2000);
    expect(Number((await sys.query('select on_hand_milli from pos.batch where id = $1', [b1])).rows[0].on_hand_milli)).toBe(2000);
    // the rest: 1000 more from the card, then 1000 cash
    const ret2 = await cashier.post(`/api/pos/sales/${r.body.id}/returns`, { lines: [{ lineNo: 1, qtyMilli: 2000 }], reason: 'customer changed mind' });
    expect(ret2.status, JSON.stringify(ret2.body)).toBe(201);
    expect(ret2.body.refunds).toEqual([{ method: 'card', amount: 1000 }, { method: 'cash', amount: 1000 }]);
    // nothing left to return
    const ret3 = await cashier.post(`/api/pos/sales/${r.body.id}/returns`, { lines: [{ lineNo: 1, qtyMilli: 1000 }], reason: 'again' });
    expect(ret3.status).toBe(422);
    expect(ret3.body.error.code).toBe('RETURN_EXCEEDS_SOLD');
    const detail = await owner.get(`/api/pos/sales/${r.body.id}`);
    expect(detail.body.refundedTotal).toBe(3000);
    expect(detail.body.payments.map((p: any) => p.refunded)).toEqual([2000, 1000]);
    expect(await onHand(oil)).toBe(4000);
    expect(await ledgerMismatches(sys, owner.tenantId)).toEqual([]);
  });

  it('credit sales: within the limit they put the customer in debt, beyond it 422; a return pays the debt back', async () => {
    const coffee = await seedProduct(sys, owner.tenantId, { name: 'Кофе', price: 3000 });
    await seedStock(sys, owner.tenantId, till.storeId, coffee, 10_000);
    const cust = crypto.randomUUID();
    await sys.query(`insert into pos.customer (tenant_id, id, name, phone, credit_limit) values ($1, $2, 'Айгерим', '77011234567', 5000)`, [owner.tenantId, cust]);
    const ok = await cashier.post('/api/pos/sales', sale(till.registerId, [{ productId: coffee, qtyMilli: 1000 }], [{ method: 'credit', amount: 3000 }], { customerId: cust }));
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    const over = await cashier.post('/api/pos/sales', sale(till.registerId, [{ productId: coffee, qtyMilli: 1000 }], [{ method: 'credit', amount: 3000 }], { customerId: cust }));
    expect(over.status).toBe(422);
    expect(over.body.error.code).toBe('CREDIT_LIMIT_EXCEEDED');
    expect(over.body.error.details).toMatchObject({ available: 2000, creditLimit: 5000 });
    let c = (await sys.query('select balance, points from pos.customer where id = $1', [cust])).rows[0];
    expect(Number(c.balance)).toBe(-3000);
    // no loyalty on money still owed (issue 13, bug 9: it earned 1 % of the debt)
    expect(Number(c.points)).toBe(0);
    // the refused sale left no stock move and no ledger row
    expect(await onHand(coffee)).toBe(9000);
    expect((await sys.query('select count(*)::int as n from pos.customer_ledger where customer_id = $1', [cust])).rows[0].n).toBe(1);
    const ret = await cashier.post(`/api/pos/sales/${ok.body.id}/returns`, { lines: [{ lineNo: 1, qtyMilli: 1000 }], reason: 'wrong grind' });
    expect(ret.status, JSON.stringify(ret.body)).toBe(201);
    expect(ret.body.refunds).toEqual([{ method: 'credit', amount: 3000 }]);
    c = (await sys.query('select balance, points from pos.customer where id = $1', [cust])).rows[0];
    expect(Number(c.balance)).toBe(0);
    expect(Number(c.points)).toBe(0);
  });

  it('the shift Z report equals the sum of its sales, per payment method, and freezes on close', async () => {
    const t2 = await openTill(owner, { storeName: 'Second', float: 20_000 });
    const gum = await seedProduct(sys, owner.tenantId, { name: 'Жвачка', price: 150 });
    await seedStock(sys, owner.tenantId, t2.storeId, gum, 100_000);
    const sales = [
      [{ method: 'cash', amount: 450, tendered: 500 }],
      [{ method: 'card', amount: 300, reference: 'A1' }, { method: 'cash', amount: 150 }],
      [{ method: 'card', amount: 1500, reference: 'A2' }],
    ];
    const qty = [3000, 3000, 10_000];
    const made = [];
    for (const [i, pays] of sales.entries()) {
      const r = await cashier.post('/api/pos/sales', sale(t2.registerId, [{ productId: gum, qtyMilli: qty[i] }], pays));
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      made.push(r.body);
    }
    // a voided sale does not count
    const v = await cashier.post('/api/pos/sales', sale(t2.registerId, [{ productId: gum, qtyMilli: 1000 }], [{ method: 'cash', amount: 150 }]));
    expect((await cashier.post(`/api/pos/sales/${v.body.id}/void`, { reason: 'mistake' })).status).toBe(403);
    const voided = await owner.post(`/api/pos/sales/${v.body.id}/void`, { reason: 'rang up twice' });
    expect(voided.status, JSON.stringify(voided.body)).toBe(200);
    expect(voided.body.status).toBe('voided');
    await owner.post(`/api/pos/shifts/${t2.shiftId}/cash-moves`, { kind: 'out', amount: 5000, reason: 'bank deposit' });
    const x = await cashier.get(`/api/pos/shifts/${t2.shiftId}/report`);
    expect(x.body.kind).toBe('X');
    const close = await cashier.post(`/api/pos/shifts/${t2.shiftId}/close`, { countedCash: 15_500 });
    expect(close.status, JSON.stringify(close.body)).toBe(200);
    const z = close.body.zReport;
    expect(z.sales.count).toBe(3);
    expect(z.sales.total).toBe(made.reduce((a, s) => a + s.total, 0));
    expect(z.byMethod.cash.sales).toBe(600);
    expect(z.byMethod.card.sales).toBe(1800);
    expect(z.voided).toEqual({ count: 1, total: 150 });
    expect(z.cash.expected).toBe(20_000 + 600 - 5000);
    expect(z.discrepancy).toBe(15_500 - 15_600);
    // closed: no more sales, and the report stays as frozen
    const late = await cashier.post('/api/pos/sales', sale(t2.registerId, [{ productId: gum, qtyMilli: 1000 }], [{ method: 'cash', amount: 150 }]));
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('NO_OPEN_SHIFT');
    const again = await cashier.get(`/api/pos/shifts/${t2.shiftId}/report`);
    expect(again.body.kind).toBe('Z');
    expect(again.body.sales.total).toBe(z.sales.total);
    expect(await ledgerMismatches(sys, owner.tenantId)).toEqual([]);
  });

  it('one open shift per register; closing with unsynced offline sales is refused', async () => {
    const t3 = await openTill(owner, { storeName: 'Third' });
    const dup = await owner.post('/api/pos/shifts', { registerId: t3.registerId, openingFloat: 0 });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('SHIFT_ALREADY_OPEN');
    const blocked = await owner.post(`/api/pos/shifts/${t3.shiftId}/close`, { countedCash: 10_000, clientPendingSales: 2 });
    expect(blocked.status).toBe(409);
    expect(blocked.body.error.code).toBe('UNSYNCED_SALES');
  });

  it('returns above the cashier limit need a manager', async () => {
    const tv = await seedProduct(sys, owner.tenantId, { name: 'Телевизор', price: 3_000_000 });
    await seedStock(sys, owner.tenantId, till.storeId, tv, 2000);
    const r = await cashier.post('/api/pos/sales', sale(till.registerId, [{ productId: tv, qtyMilli: 1000 }], [{ method: 'card', amount: 3_000_000, reference: 'R9' }]));
    expect(r.status).toBe(201);
    const denied = await cashier.post(`/api/pos/sales/${r.body.id}/returns`, { lines: [{ lineNo: 1, qtyMilli: 1000 }], reason: 'broken' });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('REFUND_LIMIT');
    expect(await onHand(tv)).toBe(1000);
    const ok = await owner.post(`/api/pos/sales/${r.body.id}/returns`, { lines: [{ lineNo: 1, qtyMilli: 1000 }], reason: 'broken' });
    expect(ok.status).toBe(201);
    expect(await onHand(tv)).toBe(2000);
  });

  it('cashiers do not see cost; tenant B can neither read nor return tenant A\'s sales', async () => {
    const pen = await seedProduct(sys, owner.tenantId, { name: 'Ручка', price: 100, cost: 40 });
    await seedStock(sys, owner.tenantId, till.storeId, pen, 5000);
    const r = await cashier.post('/api/pos/sales', sale(till.registerId, [{ productId: pen, qtyMilli: 1000 }], [{ method: 'cash', amount: 100 }]));
    expect(r.body.lines[0].cost).toBeUndefined();
    expect((await owner.get(`/api/pos/sales/${r.body.id}`)).body.lines[0].cost).toBe(40);
    const rival = await tk.as('owner@rival.test');
    expect((await rival.get(`/api/pos/sales/${r.body.id}`)).status).toBe(404);
    expect((await rival.post(`/api/pos/sales/${r.body.id}/returns`, { lines: [{ lineNo: 1, qtyMilli: 1000 }], reason: 'steal' })).status).toBe(404);
    expect((await rival.post(`/api/pos/sales/${r.body.id}/void`, { reason: 'steal' })).status).toBe(404);
    const list = await rival.get('/api/pos/sales');
    expect(list.body.total).toBe(0);
    // selling on A's register from B: the register does not exist for B
    const cross = await rival.post('/api/pos/sales', sale(till.registerId, [{ productId: pen, qtyMilli: 1000 }], [{ method: 'cash', amount: 100 }]));
    expect(cross.status).toBe(400);
    expect(await onHand(pen)).toBe(4000);
  });

  it('points and gift cards pay part of a sale through their ledgers; the points cap and card balance are enforced', async () => {
    const wine = await seedProduct(sys, owner.tenantId, { name: 'Вино', price: 5000 });
    await seedStock(sys, owner.tenantId, till.storeId, wine, 10_000);
    const cust = crypto.randomUUID();
    await sys.query(`insert into pos.customer (tenant_id, id, name, phone, points) values ($1, $2, 'Олена', '380501234567', 4000)`, [owner.tenantId, cust]);
    await sys.query(`insert into pos.loyalty_ledger (tenant_id, customer_id, kind, points, points_after) values ($1, $2, 'adjust', 4000, 4000)`, [owner.tenantId, cust]);
    const card = crypto.randomUUID();
    await sys.query(`insert into pos.gift_card (tenant_id, id, code, initial_amount, balance) values ($1, $2, 'GIFT-0001', 3000, 3000)`, [owner.tenantId, card]);
    // at most 50 % of a sale in points (default setting)
    const tooMany = await cashier.post('/api/pos/sales', sale(till.registerId, [{ productId: wine, qtyMilli: 1000 }], [{ method: 'points', amount: 3000 }, { method: 'cash', amount: 2000 }], { customerId: cust }));
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.error.code).toBe('POINTS_LIMIT');
    const ok = await cashier.post('/api/pos/sales', sale(till.registerId, [{ productId: wine, qtyMilli: 2000 }], [{ method: 'points', amount: 2000 }, { method: 'gift_card', amount: 3000, giftCardCode: 'GIFT-0001' }, { method: 'cash', amount: 5000 }], { customerId: cust }));
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    const c = (await sys.query('select points from pos.customer where id = $1', [cust])).rows[0];
    // 4000 − 2000 redeemed + 1 % of the 8000 paid in money
    expect(Number(c.points)).toBe(4000 - 2000 + 80);
    expect(Number((await sys.query('select balance from pos.gift_card where id = $1', [card])).rows[0].balance)).toBe(0);
    const empty = await cashier.post('/api/pos/sales', sale(till.registerId, [{ productId: wine, qtyMilli: 1000 }], [{ method: 'gift_card', amount: 5000, giftCardCode: 'GIFT-0001' }]));
    expect(empty.status).toBe(422);
    expect(empty.body.error.code).toBe('GIFT_CARD_INSUFFICIENT');
    // a full return gives the points and the gift card money back
    const ret = await owner.post(`/api/pos/sales/${ok.body.id}/returns`, { lines: [{ lineNo: 1, qtyMilli: 2000 }], reason: 'corked' });
    expect(ret.status, JSON.stringify(ret.body)).toBe(201);
    expect(ret.body.refunds).toEqual([{ method: 'points', amount: 2000 }, { method: 'gift_card', amount: 3000 }, { method: 'cash', amount: 5000 }]);
    expect(Number((await sys.query('select balance from pos.gift_card where id = $1', [card])).rows[0].balance)).toBe(3000);
    expect(Number((await sys.query('select points from pos.customer where id = $1', [cust])).rows[0].points)).toBe(4000);
  });

  it('an offline sale keeps the price the customer paid; online, a stale price is refused with the new one', async () => {
    const soap = await seedProduct(sys, owner.tenantId, { name: 'Мыло', price: 300 });
    await seedStock(sys, owner.tenantId, till.storeId, soap, 10_000);
    await sys.query('update pos.product set price = 350 where id = $1', [soap]);
    const offline = await cashier.post('/api/pos/sales', { ...sale(till.registerId, [], [{ method: 'cash', amount: 300 }], { offline: true, clientCreatedAt: '2026-11-22T08:00:00.000Z' }), lines: [{ productId: soap, qtyMilli: 1000, unitPrice: 300 }] });
    expect(offline.status, JSON.stringify(offline.body)).toBe(201);
    expect(offline.body.total).toBe(300);
    expect(offline.body.offline).toBe(true);
    // offline sales are not printed by the server (the customer left long ago)
    expect(offline.body.receipt.jobId).toBeNull();
    const stale = await cashier.post('/api/pos/sales', { ...sale(till.registerId, [], [{ method: 'cash', amount: 300 }]), lines: [{ productId: soap, qtyMilli: 1000, unitPrice: 300 }] });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('PRICE_CHANGED');
    expect(stale.body.error.details.changes).toEqual([{ productId: soap, price: 350, sent: 300 }]);
  });

  it('the fiscal hook: with fiscalMode=hook a sale is pending until an adapter plugin records the result; users cannot', async () => {
    expect((await owner.put('/api/plugins/pos/settings', { settings: { cashRounding: 1, fiscalMode: 'hook' } })).status).toBe(200);
    const salt = await seedProduct(sys, owner.tenantId, { name: 'Соль', price: 90 });
    await seedStock(sys, owner.tenantId, till.storeId, salt, 5000);
    const r = await cashier.post('/api/pos/sales', sale(till.registerId, [{ productId: salt, qtyMilli: 1000 }], [{ method: 'cash', amount: 90 }]));
    expect(r.body.fiscalStatus).toBe('pending');
    const ev = (await sys.query(`select payload from kernel.outbox where name = 'pos.sale.fiscal.requested.v1' and payload->>'saleId' = $1`, [r.body.id])).rows;
    expect(ev).toHaveLength(1);
    // an adapter plugin calls the internal action; no browser can (it has no route)
    const rec = await tk.call('pos.sales.recordFiscal', { id: r.body.id, status: 'registered', data: { fiscalNumber: 'KKM-77' } }, { email: 'owner@corner.test' }).catch((e) => e);
    expect(rec?.code ?? rec?.status).toBe(403);
    await tk.drainEvents();
    const [row] = (await sys.query('select fiscal_status, fiscal_data from pos.sale where id = $1', [r.body.id])).rows;
    expect(row.fiscal_status).toBe('registered');
    expect(row.fiscal_data).toEqual({ fiscalNumber: `KKM-${r.body.number}` });
    expect((await owner.put('/api/plugins/pos/settings', { settings: { cashRounding: 1, fiscalMode: 'off' } })).status).toBe(200);
  });

  it('a debt repaid in cash at a till goes into that shift\'s drawer (X report cash in)', async () => {
    const tea = await seedProduct(sys, owner.tenantId, { name: 'Чай зелёный', price: 1200 });
    await seedStock(sys, owner.tenantId, till.storeId, tea, 5000);
    const cust = crypto.randomUUID();
    await sys.query(`insert into pos.customer (tenant_id, id, name, phone, credit_limit) values ($1, $2, 'Қанат', '77770001122', 10000)`, [owner.tenantId, cust]);
    const r = await cashier.post('/api/pos/sales', sale(till.registerId, [{ productId: tea, qtyMilli: 1000 }], [{ method: 'credit', amount: 1200 }], { customerId: cust }));
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const before = (await cashier.get(`/api/pos/shifts/${till.shiftId}/report`)).body.cash;
    const pay = await owner.post(`/api/pos/customers/${cust}/repayments`, { amount: 1000, method: 'cash', registerId: till.registerId });
    expect(pay.status, JSON.stringify(pay.body)).toBe(201);
    const after = (await cashier.get(`/api/pos/shifts/${till.shiftId}/report`)).body.cash;
    expect(after.in - before.in).toBe(1000);
    expect(after.expected - before.expected).toBe(1000);
    expect(Number((await sys.query('select balance from pos.customer where id = $1', [cust])).rows[0].balance)).toBe(-200);
  });
});
