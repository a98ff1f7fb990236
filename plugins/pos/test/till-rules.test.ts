import crypto from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKernel, type TestClient, type TestKernel } from '@atrium/sdk/testing';
import { fieldsOf, openTill, sale, seedProduct, seedStock } from './fixtures.ts';

/**
 * What a sale is held to at the till (issue 13): cash rounded to the smallest coin in circulation
 * (whole tenge), shown on the receipt; a cashier's discount limit per role (a manager has none);
 * loyalty only on money actually paid.
 */
let tk: TestKernel;
let sys: pg.Client;
let owner: TestClient;
let cashier: TestClient;
let till: Awaited<ReturnType<typeof openTill>>;
let tea: string;

beforeAll(async () => {
  tk = await createTestKernel({
    plugins: [path.resolve(import.meta.dirname, '..')],
    tenants: [{ name: 'Дүкен', owner: 'owner@rules.test', users: [{ email: 'kassir@rules.test', roles: ['cashier'] }, { email: 'boss@rules.test', roles: ['manager'] }], enable: ['pos'] }],
  });
  sys = new pg.Client({ connectionString: tk.databaseUrls.system });
  await sys.connect();
  owner = await tk.as('owner@rules.test');
  cashier = await tk.as('kassir@rules.test');
  till = await openTill(owner, { float: 0 });
  tea = await seedProduct(sys, owner.tenantId, { name: 'Чай', price: 1054_13 });
  await seedStock(sys, owner.tenantId, till.storeId, tea, 100_000);
});

afterAll(async () => {
  await sys?.end();
  await tk?.stop();
});

describe('cash rounding to the coin', () => {
  it('tenge: cash pays the total rounded to whole tenge, the receipt says so, the Z report counts the drawer right', async () => {
    expect((await cashier.get('/api/pos/config')).body).toMatchObject({ currency: 'KZT', cashRounding: 100 });
    const body = sale(till.registerId, [{ productId: tea, qtyMilli: 2000 }], [{ method: 'cash', amount: 2108_26 }]);
    const exact = await cashier.post('/api/pos/sales', body);
    expect(exact.status).toBe(422);
    expect(exact.body.error.code).toBe('PAYMENT_MISMATCH');
    expect(exact.body.error.details).toMatchObject({ paid: 2108_26, due: 2108_00 });
    expect(exact.body.error.message).toMatch(/2,108\.00/);
    const r = await cashier.post('/api/pos/sales', { ...body, payments: [{ method: 'cash', amount: 2108_00, tendered: 2200_00 }] }, { headers: { 'accept-language': 'ru' } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ total: 2108_26, rounding: -26, paidTotal: 2108_00, changeDue: 92_00 });
    const doc = (await cashier.get(`/api/pos/sales/${r.body.id}/receipt-document`, { headers: { 'accept-language': 'ru' } })).body;
    expect(doc.totals).toEqual(expect.arrayContaining([{ label: 'ИТОГО', amount: 2108_26, bold: true }, { label: 'Округление', amount: -26 }]));
    // card pays to the tiyn, the cash rest is rounded: 1000.13 card + 1108 cash (1108.13 rounded)
    const split = await cashier.post('/api/pos/sales', sale(till.registerId, [{ productId: tea, qtyMilli: 2000 }], [{ method: 'card', amount: 1000_13, reference: 'RRN-9' }, { method: 'cash', amount: 1108_00 }]));
    expect(split.status, JSON.stringify(split.body)).toBe(201);
    expect(split.body.rounding).toBe(-13);
    // all by card: no rounding at all
    const card = await cashier.post('/api/pos/sales', sale(till.registerId, [{ productId: tea, qtyMilli: 1000 }], [{ method: 'card', amount: 1054_13, reference: 'RRN-10' }]));
    expect(card.body.rounding).toBe(0);
    // a return refunded in cash is rounded the same way
    const ret = await cashier.post(`/api/pos/sales/${r.body.id}/returns`, { lines: [{ lineNo: 1, qtyMilli: 1000 }], refundMethod: 'cash', reason: 'лишняя пачка' });
    expect(ret.status, JSON.stringify(ret.body)).toBe(201);
    expect(ret.body).toMatchObject({ amount: 1054_13, rounding: -13, refunds: [{ method: 'cash', amount: 1054_00 }] });
    const x = (await cashier.get(`/api/pos/shifts/${till.shiftId}/report`)).body;
    expect(x.cash.expected).toBe(2108_00 + 1108_00 - 1054_00);
    expect(x.sales.rounding).toBe(-39);
    expect(x.returns.rounding).toBe(-13);
  });

  it('a shop can set its own coin (or none)', async () => {
    expect((await owner.put('/api/plugins/pos/settings', { settings: { cashRounding: 1 } })).status).toBe(200);
    const r = await cashier.post('/api/pos/sales', sale(till.registerId, [{ productId: tea, qtyMilli: 1000 }], [{ method: 'cash', amount: 1054_13 }]));
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.rounding).toBe(0);
    expect((await owner.put('/api/plugins/pos/settings', { settings: {} })).status).toBe(200);
  });
});

describe('discount limits', () => {
  const discounted = (discount: Record<string, number>, extra: Record<string, unknown> = {}) =>
    sale(till.registerId, [{ productId: tea, qtyMilli: 1000 }], [{ method: 'card', amount: 0, reference: 'RRN' }], { discount, ...extra });
  const withTotal = async (c: TestClient, b: any) => {
    const priced = { ...b, payments: [{ ...b.payments[0], amount: Math.max(1, 1054_13 - Math.round((1054_13 * (b.discount.bp ?? 0)) / 10_000) - (b.discount.amount ?? 0)) }] };
    return c.post('/api/pos/sales', priced);
  };

  it('a cashier may give 10 % by default; 99 % or 100 % is a 403 DISCOUNT_LIMIT naming the discount; a manager may give any', async () => {
    expect((await cashier.get('/api/pos/config')).body).toMatchObject({ maxDiscountBp: 1000, canOverride: false });
    expect((await withTotal(cashier, discounted({ bp: 1000 }))).status).toBe(201);
    for (const bp of [9900, 10_000]) {
      const r = await withTotal(cashier, discounted({ bp }));
      expect(r.status, JSON.stringify(r.body)).toBe(403);
      expect(r.body.error.code).toBe('DISCOUNT_LIMIT');
      expect(fieldsOf(r)).toEqual(['discount']);
    }
    // a line discount counts too
    const line = sale(till.registerId, [{ productId: tea, qtyMilli: 1000, discount: { amount: 500_00 } }], [{ method: 'card', amount: 554_13, reference: 'RRN' }]);
    expect((await cashier.post('/api/pos/sales', line)).status).toBe(403);
    const boss = await tk.as('boss@rules.test');
    expect((await boss.get('/api/pos/config')).body).toMatchObject({ maxDiscountBp: 10_000, canOverride: true });
    expect((await withTotal(boss, discounted({ bp: 5000 }))).status).toBe(201);
  });

  it('the owner sets limits per role; an offline sale over the limit is kept and flagged for a manager', async () => {
    expect((await owner.put('/api/plugins/pos/settings', { settings: { discountLimits: { default: 500, roles: { cashier: 2000 } } } })).status).toBe(200);
    expect((await cashier.get('/api/pos/config')).body.maxDiscountBp).toBe(2000);
    expect((await withTotal(cashier, discounted({ bp: 2000 }))).status).toBe(201);
    expect((await withTotal(cashier, discounted({ bp: 2500 }))).status).toBe(403);
    const offline = await withTotal(cashier, discounted({ bp: 5000 }, { offline: true, clientCreatedAt: new Date().toISOString() }));
    expect(offline.status, JSON.stringify(offline.body)).toBe(201);
    expect(offline.body.review).toMatchObject({ status: 'flagged', reasons: [{ code: 'DISCOUNT_OVER_LIMIT', limitBp: 2000 }] });
    expect((await owner.put('/api/plugins/pos/settings', { settings: {} })).status).toBe(200);
  });
});

describe('loyalty', () => {
  it('points are earned on money paid, not on credit or points; they are worth money (1 point = 1 tiyn)', async () => {
    const c = await owner.post('/api/pos/customers', { name: 'Айгерим', phone: '+77011234567', creditLimit: 1_000_000_00 });
    expect(c.status, JSON.stringify(c.body)).toBe(201);
    const credit = await cashier.post('/api/pos/sales', sale(till.registerId, [{ productId: tea, qtyMilli: 1000 }], [{ method: 'credit', amount: 1054_13 }], { customerId: c.body.id }));
    expect(credit.status, JSON.stringify(credit.body)).toBe(201);
    expect(credit.body.pointsEarned).toBe(0);
    const half = await cashier.post('/api/pos/sales', sale(till.registerId, [{ productId: tea, qtyMilli: 1000 }], [{ method: 'credit', amount: 554_13 }, { method: 'card', amount: 500_00, reference: 'RRN' }], { customerId: c.body.id }));
    expect(half.body.pointsEarned).toBe(500); // 1 % of the 500.00 paid by card = 5.00 ₸
  });
});

describe('card terminals', () => {
  it('a card tender names the terminal that took it; the X report counts each terminal; an unknown or another store\'s terminal is a 400 naming it', async () => {
    const halyk = await owner.post('/api/pos/card-terminals', { name: 'Halyk POS' });
    expect(halyk.status, JSON.stringify(halyk.body)).toBe(201);
    const kaspi = await owner.post('/api/pos/card-terminals', { name: 'Kaspi Gold терминал', storeId: till.storeId });
    expect((await owner.post('/api/pos/card-terminals', { name: 'halyk pos' })).status).toBe(409);
    expect((await cashier.get('/api/pos/card-terminals', { query: { storeId: till.storeId } })).body.items.map((x: any) => x.name)).toEqual(['Halyk POS', 'Kaspi Gold терминал']);
    const card = (terminalId: string, amount: number) => sale(till.registerId, [{ productId: tea, qtyMilli: 1000 }], [{ method: 'card', amount, reference: 'RRN', terminalId }]);
    expect((await cashier.post('/api/pos/sales', card(halyk.body.id, 1054_13))).status).toBe(201);
    expect((await cashier.post('/api/pos/sales', card(kaspi.body.id, 1054_13))).status).toBe(201);
    const bad = await cashier.post('/api/pos/sales', card('00000000-0000-4000-8000-000000000000', 1054_13));
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad)).toEqual(['payments/0/terminalId']);
    const x = (await cashier.get(`/api/pos/shifts/${till.shiftId}/report`)).body;
    const byName = Object.fromEntries(x.byTerminal.filter((t: any) => t.name).map((t: any) => [t.name, t.sales]));
    expect(byName).toEqual({ 'Halyk POS': 1054_13, 'Kaspi Gold терминал': 1054_13 });
  });
});

describe('promotions and preset discounts', () => {
  it('3 for 2 and % off a category apply at the till and on the server alike; the sale names them', async () => {
    const cola = await seedProduct(sys, owner.tenantId, { name: 'Кола', price: 300_00 });
    await seedStock(sys, owner.tenantId, till.storeId, cola, 100_000);
    const p = await owner.post('/api/pos/promotions', { name: '3 по цене 2', rule: { kind: 'n_for_m', buy: 3, pay: 2, productIds: [cola] } });
    expect(p.status, JSON.stringify(p.body)).toBe(201);
    expect((await owner.post('/api/pos/promotions', { name: 'Плохая', rule: { kind: 'n_for_m', buy: 2, pay: 2 } })).status).toBe(400);
    expect((await cashier.get('/api/pos/promotions', { query: { current: true, storeId: till.storeId } })).body.items.map((x: any) => x.name)).toContain('3 по цене 2');
    // the till pages its quick keys by the config's categories
    const drinks = crypto.randomUUID();
    await sys.query('insert into pos.category (tenant_id, id, name) values ($1, $2, $3)', [owner.tenantId, drinks, 'Напитки']);
    expect((await cashier.get('/api/pos/config')).body.categories).toContainEqual({ id: drinks, name: 'Напитки' });
    // in the owner's order (the setup dialog's up/down renumbers sort)
    const bakery = await owner.post('/api/pos/categories', { name: 'Выпечка', sort: -10 });
    expect(bakery.status, JSON.stringify(bakery.body)).toBe(201);
    const order = ((await cashier.get('/api/pos/config')).body.categories as { id: string }[]).map((c) => c.id);
    expect(order.indexOf(bakery.body.id)).toBeLessThan(order.indexOf(drinks));
    // the till prices with what GET /api/pos/config gives it (and keeps it for offline sales)
    expect((await cashier.get('/api/pos/config')).body.promotions).toContainEqual({ id: p.body.id, name: '3 по цене 2', rule: { kind: 'n_for_m', buy: 3, pay: 2, productIds: [cola] }, storeId: null, validFrom: null, validTo: null });
    const r = await cashier.post('/api/pos/sales', sale(till.registerId, [{ productId: cola, qtyMilli: 3000 }], [{ method: 'card', amount: 600_00, reference: 'RRN' }], { expectedTotal: 600_00 }));
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.lines[0]).toMatchObject({ promoDiscount: 300_00, promotionId: p.body.id });
    expect(r.body.promotions).toEqual([{ id: p.body.id, name: '3 по цене 2', amount: 300_00 }]);
    // a till that did not know the promotion expected 900: told to re-check
    const stale = await cashier.post('/api/pos/sales', sale(till.registerId, [{ productId: cola, qtyMilli: 3000 }], [{ method: 'card', amount: 900_00, reference: 'RRN' }], { expectedTotal: 900_00 }));
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('TOTAL_CHANGED');
    // an offline till's promotion that the server cannot find is kept, and flagged
    const fake = await cashier.post('/api/pos/sales', sale(till.registerId, [{ productId: tea, qtyMilli: 1000, unitPrice: 1054_13, promotionId: p.body.id, promoDiscount: 1000_00 } as any], [{ method: 'card', amount: 54_13, reference: 'RRN' }], { offline: true, clientCreatedAt: new Date().toISOString() }));
    expect(fake.status, JSON.stringify(fake.body)).toBe(201);
    expect(fake.body.review).toMatchObject({ status: 'flagged', reasons: [{ code: 'PROMOTION_NOT_VALID', difference: 1000_00 }] });
    expect((await owner.patch(`/api/pos/promotions/${p.body.id}`, { active: false })).status).toBe(200);
  });

  it('a preset discount the owner set up is not counted against the cashier\'s limit; an unknown preset is refused', async () => {
    const staff = await owner.post('/api/pos/promotions', { name: 'Сотрудник −50 %', rule: { kind: 'preset', bp: 5000 } });
    expect(staff.status, JSON.stringify(staff.body)).toBe(201);
    const r = await cashier.post('/api/pos/sales', sale(till.registerId, [{ productId: tea, qtyMilli: 1000 }], [{ method: 'card', amount: 527_06, reference: 'RRN' }], { discount: { presetId: staff.body.id } }));
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.discountTotal).toBe(527_07);
    const unknown = await cashier.post('/api/pos/sales', sale(till.registerId, [{ productId: tea, qtyMilli: 1000 }], [{ method: 'card', amount: 527_07, reference: 'RRN' }], { discount: { presetId: crypto.randomUUID() } }));
    expect(unknown.status).toBe(422);
    expect(fieldsOf(unknown)).toEqual(['discount/presetId']);
  });

  it('happy hour counts on the shop\'s clock', async () => {
    const zone = (await owner.get('/api/pos/config')).body.timeZone;
    const now = new Date();
    const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone: zone, weekday: 'short', hour: '2-digit', hourCycle: 'h23' }).formatToParts(now).map((x) => [x.type, x.value]));
    const weekday = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(parts.weekday);
    const h = Number(parts.hour);
    const hh = (from: number, to: number) => ({ kind: 'happy_hour', bp: 2000, days: [weekday], from: `${String(from).padStart(2, '0')}:00`, to: `${String(to).padStart(2, '0')}:00` });
    // two hours from the start of this one (past midnight when it is late: such a window counts from its start day), so the sale a moment later is inside it whatever the hour
    const on = await owner.post('/api/pos/promotions', { name: 'Сейчас', rule: hh(h, (h + 2) % 24) });
    expect(on.status, JSON.stringify(on.body)).toBe(201);
    const r = await cashier.post('/api/pos/sales', sale(till.registerId, [{ productId: tea, qtyMilli: 1000 }], [{ method: 'card', amount: 843_30, reference: 'RRN' }]));
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.lines[0].promotionId).toBe(on.body.id);
    expect((await owner.patch(`/api/pos/promotions/${on.body.id}`, { active: false })).status).toBe(200);
  });
});
