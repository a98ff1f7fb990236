import crypto from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKernel, type TestClient, type TestKernel } from '@atrium/sdk/testing';
import { openTill, sale, seedProduct, seedStock } from './fixtures.ts';

/**
 * Analytics through the real kernel and Postgres: the daily report equals the sums of its sales
 * (returns on the day they happen, voids excluded, stale days recomputed), the nightly jobs are
 * idempotent, product performance order and margin, stock snapshots from the ledger, RFM segments
 * of customers with known behaviour, segment → customer group, permissions on margins, time zones
 * and tenant isolation.
 *
 * History: the server stamps `sold_at = now()` on every sale (a till cannot backdate a sale), so
 * there is no API to make yesterday's sales. Tests create sales through the API and then move
 * `pos.sale.sold_at` (and `pos.sale_return.created_at`) into the past with the system connection,
 * exactly as an import of historical sales would write them. Stock history is seeded the same way
 * as fixtures seed stock: ledger rows inserted with their own `at` (the ledger is append-only, so
 * they are inserted dated, never updated).
 */
let tk: TestKernel;
let sys: pg.Client;
let owner: TestClient;
let cashier: TestClient;
let supervisor: TestClient;
let rival: TestClient;
let till: { storeId: string; registerId: string; shiftId: string };
let today: string;

const DAY_MS = 86_400_000;
const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
const at = (day: string, hhmm: string) => `${day}T${hhmm}:00Z`;

beforeAll(async () => {
  tk = await createTestKernel({
    plugins: [path.resolve(import.meta.dirname, '..')],
    tenants: [
      {
        name: 'Corner shop',
        owner: 'owner@reports.test',
        users: [
          { email: 'cashier@reports.test', roles: ['cashier'] },
          { email: 'supervisor@reports.test', roles: ['supervisor'] },
        ],
        enable: ['pos'],
      },
      { name: 'Rival', owner: 'owner@rival-reports.test', enable: ['pos'] },
      { name: 'Tokyo shop', owner: 'owner@tokyo-reports.test', enable: ['pos'] },
    ],
  });
  sys = new pg.Client({ connectionString: tk.databaseUrls.system });
  await sys.connect();
  owner = await tk.as('owner@reports.test');
  // a manager-like role that runs reports but is not allowed to see margins or cost
  const role = await owner.post('/api/rbac/roles', { name: 'supervisor', rules: [{ action: 'manage', subject: 'pos.Report' }, { action: 'read', subject: 'pos.Sale' }, { action: 'read', subject: 'pos.CustomerGroup' }] });
  expect(role.status, JSON.stringify(role.body)).toBe(201);
  cashier = await tk.as('cashier@reports.test');
  supervisor = await tk.as('supervisor@reports.test');
  rival = await tk.as('owner@rival-reports.test');
  till = await openTill(owner, { storeName: 'Main' });
  const r = await owner.get('/api/pos/reports/daily');
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  today = r.body.today;
  expect(r.body.timeZone).toBe('UTC');
}, 120_000);

afterAll(async () => {
  await sys?.end();
  await tk?.stop();
});

async function sell(c: TestClient, registerId: string, lines: { productId: string; qtyMilli: number }[], payments: any[], extra: Record<string, unknown> = {}) {
  const r = await c.post('/api/pos/sales', sale(registerId, lines, payments, extra));
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
}
const backdateSale = (id: string, ts: string) => sys.query('update pos.sale set sold_at = $2 where id = $1', [id, ts]);
const backdateReturn = (id: string, ts: string) => sys.query('update pos.sale_return set created_at = $2 where id = $1', [id, ts]);
const runJob = (name: string, tenantId: string, data: Record<string, unknown> = {}) =>
  tk.kernel.broker.call('pos.$system.runJob', { name, data, jobId: crypto.randomUUID() }, { meta: { system: true, tenantId, requestId: `job:${name}` } });
const storedRows = async (tenantId: string) =>
  (await sys.query(`select store_id, to_char(day, 'YYYY-MM-DD') as day, sales_count, revenue, discounts, tax, cost, returns_count, returns, returns_tax, returns_cost, margin,
      avg_ticket, voided_count, voided_total, by_payment, by_hour, time_zone from pos.daily_report where tenant_id = $1 order by day, store_id`, [tenantId])).rows;

async function waitForRun(c: TestClient, id: string) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const r = await c.get(`/api/pos/reports/runs/${id}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    if (r.body.status === 'done') return r.body;
    if (Date.now() > deadline) throw new Error(`rebuild ${id} not done: ${JSON.stringify(r.body)}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

// the main store's history, made in the first test and checked by the next ones
let A: string, B: string, C: string, D: string;
const s: Record<string, any> = {};
const r: Record<string, any> = {};

describe('daily sales report', () => {
  it('a day equals the sum of its completed sales; returns count on the day they are made; voids are apart', async () => {
    A = await seedProduct(sys, owner.tenantId, { name: 'Кофе в зёрнах', price: 1000, cost: 600, taxBp: 1200 });
    B = await seedProduct(sys, owner.tenantId, { name: 'Молоко', price: 500, cost: 200 });
    C = await seedProduct(sys, owner.tenantId, { name: 'Спички', price: 300, cost: 100 });
    D = await seedProduct(sys, owner.tenantId, { name: 'Нет в наличии', price: 100, cost: 50 });
    await seedStock(sys, owner.tenantId, till.storeId, A, 50_000);
    await seedStock(sys, owner.tenantId, till.storeId, B, 20_000);
    await seedStock(sys, owner.tenantId, till.storeId, C, 15_000);
    const d2 = addDays(today, -2);
    const d1 = addDays(today, -1);

    s.s1 = await sell(cashier, till.registerId, [{ productId: A, qtyMilli: 2000 }], [{ method: 'cash', amount: 2000 }]);
    s.s2 = await sell(cashier, till.registerId, [{ productId: B, qtyMilli: 1000 }, { productId: A, qtyMilli: 1000 }], [{ method: 'card', amount: 1500, reference: 'RRN-1' }]);
    s.s3 = await sell(cashier, till.registerId, [{ productId: B, qtyMilli: 3000 }], [{ method: 'cash', amount: 1500, tendered: 2000 }]);
    s.s4 = await sell(cashier, till.registerId, [{ productId: A, qtyMilli: 1000 }], [{ method: 'card', amount: 600, reference: 'RRN-2' }, { method: 'cash', amount: 400 }]);
    s.s5 = await sell(cashier, till.registerId, [{ productId: B, qtyMilli: 1000 }], [{ method: 'cash', amount: 500 }]);
    expect((await owner.post(`/api/pos/sales/${s.s5.id}/void`, { reason: 'rang up twice' })).status).toBe(200);
    await backdateSale(s.s1.id, at(d2, '10:15'));
    await backdateSale(s.s2.id, at(d2, '14:40'));
    await backdateSale(s.s3.id, at(d1, '09:05'));
    await backdateSale(s.s4.id, at(d1, '18:30'));
    await backdateSale(s.s5.id, at(d1, '19:00'));
    // yesterday: one milk of s2 (sold the day before) comes back — it lowers yesterday, not s2's day
    const ret1 = await cashier.post(`/api/pos/sales/${s.s2.id}/returns`, { lines: [{ lineNo: 1, qtyMilli: 1000 }], reason: 'sour' });
    expect(ret1.status, JSON.stringify(ret1.body)).toBe(201);
    expect(ret1.body.refunds).toEqual([{ method: 'card', amount: 500 }]);
    r.r1 = ret1.body;
    await backdateReturn(r.r1.id, at(d1, '12:00'));
    s.s6 = await sell(cashier, till.registerId, [{ productId: A, qtyMilli: 1000 }], [{ method: 'cash', amount: 1000 }]);

    const before = await owner.get('/api/pos/reports/daily', { query: { from: d2, to: today, storeId: till.storeId } });
    expect(before.status, JSON.stringify(before.body)).toBe(200);
    // today: one of s1's two coffees comes back, refunded in cash
    const ret2 = await cashier.post(`/api/pos/sales/${s.s1.id}/returns`, { lines: [{ lineNo: 1, qtyMilli: 1000 }], reason: 'wrong roast' });
    expect(ret2.status, JSON.stringify(ret2.body)).toBe(201);
    r.r2 = ret2.body;

    const rep = await owner.get('/api/pos/reports/daily', { query: { from: d2, to: today, storeId: till.storeId } });
    expect(rep.status, JSON.stringify(rep.body)).toBe(200);
    const day = (d: string) => rep.body.items.find((x: any) => x.day === d && x.storeId === till.storeId);

    // the day before yesterday: s1 + s2, untouched by returns made later
    const lineTax = (x: any, no: number) => x.lines.find((l: any) => l.lineNo === no).tax;
    expect(day(d2)).toMatchObject({
      salesCount: 2, revenue: s.s1.total + s.s2.total, tax: s.s1.taxTotal + s.s2.taxTotal, discounts: 0, cost: 2 * 600 + 200 + 600,
      returnsCount: 0, returns: 0, voidedCount: 0, avgTicket: (s.s1.total + s.s2.total) / 2, live: true,
      byPayment: { cash: { sales: 2000, refunds: 0, net: 2000 }, card: { sales: 1500, refunds: 0, net: 1500 } },
    });
    expect(day(d2).byHour[10]).toEqual({ hour: 10, salesCount: 1, revenue: 2000 });
    expect(day(d2).byHour[14]).toEqual({ hour: 14, salesCount: 1, revenue: 1500 });
    expect(day(d2).byHour.reduce((a: number, h: any) => a + h.revenue, 0)).toBe(day(d2).revenue);
    expect(day(d2)).toEqual(before.body.items.find((x: any) => x.day === d2));

    // yesterday: s3 + s4 (s5 voided), and the milk returned from s2
    const y = day(d1);
    expect(y).toMatchObject({
      salesCount: 2, revenue: 2500, tax: s.s3.taxTotal + s.s4.taxTotal, cost: 600 + 600,
      returnsCount: 1, returns: 500, returnsTax: 0, returnsCost: 200, netRevenue: 2000, voidedCount: 1, voidedTotal: 500, avgTicket: 1250,
      byPayment: { cash: { sales: 1900, refunds: 0, net: 1900 }, card: { sales: 600, refunds: 500, net: 100 } },
    });
    expect(y.margin).toBe((2500 - y.tax) - (500 - 0) - (1200 - 200));
    expect(y.marginPct).toBe(Math.round((y.margin * 1000) / (2500 - y.tax - 500)) / 10);

    // today: s6, and half of s1 back (its share of tax and cost)
    const t = day(today);
    const s1Tax = lineTax(s.s1, 1);
    expect(t).toMatchObject({
      salesCount: 1, revenue: 1000, returnsCount: 1, returns: 1000, returnsTax: Math.round(s1Tax / 2), returnsCost: 600, netRevenue: 0, live: true,
      byPayment: { cash: { sales: 1000, refunds: 1000, net: 0 } },
    });
    expect(before.body.items.find((x: any) => x.day === today).returns).toBe(0);

    // per-day figures and totals are the sums of the rows
    expect(rep.body.days.map((x: any) => x.day)).toEqual([d2, d1, today]);
    expect(rep.body.totals.revenue).toBe(3500 + 2500 + 1000);
    expect(rep.body.totals.returns).toBe(1500);
    expect(rep.body.totals.salesCount).toBe(5);
    expect(rep.body.totals.byPayment.card).toEqual({ sales: 2100, refunds: 500, net: 1600 });
  });

  it('the nightly job stores yesterday; running it twice gives the same rows; a stored day reads the same as computed', async () => {
    const d1 = addDays(today, -1);
    const first = await runJob('dailyReport', owner.tenantId);
    expect(first.days).toEqual([d1]);
    const rows1 = await storedRows(owner.tenantId);
    expect(rows1.map((x: any) => x.day)).toEqual([d1]);
    await runJob('dailyReport', owner.tenantId);
    expect(await storedRows(owner.tenantId)).toEqual(rows1);
    expect(rows1[0]).toMatchObject({ store_id: till.storeId, sales_count: 2, revenue: '2500', returns: '500', voided_count: 1, time_zone: 'UTC' });

    const rep = await owner.get('/api/pos/reports/daily', { query: { from: d1, to: d1 } });
    const stored = rep.body.items[0];
    expect(stored.live).toBe(false);
    expect(stored.computedAt).toBeTruthy();
    const live = (await owner.get('/api/pos/reports/daily', { query: { from: addDays(today, -2), to: today } })).body;
    const { live: _l, computedAt: _c, ...storedFigures } = stored;
    const { live: _l2, computedAt: _c2, ...liveRowFigures } = live.items.find((x: any) => x.day === d1);
    expect(storedFigures).toEqual(liveRowFigures);
  });

  it('a sale voided after its day was stored makes that day stale: the next run recomputes it', async () => {
    const d2 = addDays(today, -2);
    const late = await sell(cashier, till.registerId, [{ productId: B, qtyMilli: 1000 }], [{ method: 'cash', amount: 500 }]);
    await backdateSale(late.id, at(d2, '21:00'));
    const run = await owner.post('/api/pos/reports/daily/rebuild', { from: d2, to: d2 });
    expect(run.status, JSON.stringify(run.body)).toBe(202);
    await waitForRun(owner, run.body.id);
    const withLate = (await storedRows(owner.tenantId)).find((x: any) => x.day === d2);
    expect(withLate).toMatchObject({ sales_count: 3, revenue: String(3500 + 500) });

    expect((await owner.post(`/api/pos/sales/${late.id}/void`, { reason: 'customer left without paying' })).status).toBe(200);
    // the stored row still has it until the job runs
    expect((await owner.get('/api/pos/reports/daily', { query: { from: d2, to: d2 } })).body.items[0].salesCount).toBe(3);
    const job = await runJob('dailyReport', owner.tenantId);
    expect(job.days).toEqual([d2, addDays(today, -1)]);
    const after = (await owner.get('/api/pos/reports/daily', { query: { from: d2, to: d2 } })).body.items[0];
    expect(after).toMatchObject({ salesCount: 2, revenue: 3500, voidedCount: 1, voidedTotal: 500, live: false });
  });

  it('rebuild: a long range runs in chunks with progress, clamped to yesterday; bad ranges name the field', async () => {
    const from = addDays(today, -40);
    const run = await owner.post('/api/pos/reports/daily/rebuild', { from, to: today });
    expect(run.status, JSON.stringify(run.body)).toBe(202);
    expect(run.body).toMatchObject({ from, to: addDays(today, -1), daysTotal: 40, status: 'running', started: true });
    const done = await waitForRun(owner, run.body.id);
    expect(done).toMatchObject({ daysDone: 40, progress: 100, status: 'done' });
    const [{ n }] = (await sys.query(`select count(*)::int as n from pos.daily_report where tenant_id = $1 and store_id = $2 and day between $3 and $4`, [owner.tenantId, till.storeId, from, addDays(today, -1)])).rows;
    expect(n).toBe(40);
    // stored history reads the same as before the rebuild
    const rep = await owner.get('/api/pos/reports/daily', { query: { from: addDays(today, -2), to: today, storeId: till.storeId } });
    expect(rep.body.items.map((x: any) => [x.day, x.live, x.revenue])).toEqual([[addDays(today, -2), false, 3500], [addDays(today, -1), false, 2500], [today, true, 1000]]);

    // the same range again while it runs is the same run; a stalled one (no progress for long) resumes where it stopped
    const d3 = addDays(today, -3);
    const stalledId = crypto.randomUUID();
    await sys.query(`insert into pos.report_run (tenant_id, id, kind, from_day, to_day, days_total, days_done, updated_at) values ($1, $2, 'daily_rebuild', $3, $4, 2, 1, now() - interval '1 hour')`,
      [owner.tenantId, stalledId, d3, addDays(today, -2)]);
    await sys.query('delete from pos.daily_report where tenant_id = $1 and day = $2', [owner.tenantId, addDays(today, -2)]);
    const resumed = await owner.post('/api/pos/reports/daily/rebuild', { from: d3, to: addDays(today, -2) });
    expect(resumed.body).toMatchObject({ id: stalledId, started: true, daysDone: 1 });
    expect(await waitForRun(owner, stalledId)).toMatchObject({ daysDone: 2, status: 'done' });
    // it did the day it had not done
    expect((await storedRows(owner.tenantId)).filter((x: any) => x.day === addDays(today, -2)).map((x: any) => x.revenue)).toEqual(['3500']);
    const fresh = await sys.query(`insert into pos.report_run (tenant_id, id, kind, from_day, to_day, days_total) values ($1, $2, 'daily_rebuild', $3, $3, 1) returning id`, [owner.tenantId, crypto.randomUUID(), addDays(today, -5)]);
    const same = await owner.post('/api/pos/reports/daily/rebuild', { from: addDays(today, -5), to: addDays(today, -5) });
    expect(same.body).toMatchObject({ id: fresh.rows[0].id, started: false, status: 'running' });
    await sys.query('delete from pos.report_run where id = $1', [fresh.rows[0].id]);

    const future = await owner.post('/api/pos/reports/daily/rebuild', { from: today, to: today });
    expect(future.status).toBe(400);
    expect(future.body.error.fields.map((f: any) => f.field)).toContain('from');
    const reversed = await owner.get('/api/pos/reports/daily', { query: { from: today, to: addDays(today, -3) } });
    expect(reversed.status).toBe(400);
    expect(reversed.body.error.fields.map((f: any) => f.field)).toContain('from');
    const tooLong = await owner.get('/api/pos/reports/daily', { query: { from: addDays(today, -400), to: today } });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.fields.map((f: any) => f.field)).toContain('to');
    const badDay = await owner.get('/api/pos/reports/daily', { query: { from: '2026-13-45' } });
    expect(badDay.status).toBe(400);
    expect(JSON.stringify(badDay.body.error.fields)).toContain('from');
    const unknownStore = await owner.get('/api/pos/reports/daily', { query: { storeId: crypto.randomUUID() } });
    expect(unknownStore.status).toBe(404);
    expect(unknownStore.body.error.fields.map((f: any) => f.field)).toContain('storeId');
  });

  it('permissions: a cashier gets 403; a supervisor without pos.Margin gets no cost or margin anywhere', async () => {
    expect((await cashier.get('/api/pos/reports/daily')).status).toBe(403);
    expect((await cashier.get('/api/pos/reports/products')).status).toBe(403);
    expect((await cashier.get('/api/pos/reports/dashboard')).status).toBe(403);
    expect((await cashier.post('/api/pos/reports/daily/rebuild', { from: addDays(today, -2), to: addDays(today, -1) })).status).toBe(403);
    expect((await cashier.post('/api/pos/reports/rfm/recompute', {})).status).toBe(403);

    const sup = await supervisor.get('/api/pos/reports/daily', { query: { from: addDays(today, -2), to: today } });
    expect(sup.status).toBe(200);
    const own = await owner.get('/api/pos/reports/daily', { query: { from: addDays(today, -2), to: today } });
    for (const part of [sup.body.items[0], sup.body.days[0], sup.body.totals]) {
      for (const k of ['cost', 'returnsCost', 'margin', 'marginPct']) expect(part).not.toHaveProperty(k);
    }
    expect(own.body.totals).toHaveProperty('margin');
    expect(sup.body.totals.revenue).toBe(own.body.totals.revenue);

    const prod = await supervisor.get('/api/pos/reports/products', { query: { storeId: till.storeId } });
    expect(prod.status).toBe(200);
    expect(prod.body.items.length).toBeGreaterThan(0);
    for (const i of prod.body.items) for (const k of ['cost', 'margin', 'marginPct']) expect(i).not.toHaveProperty(k);
    const bySupMargin = await supervisor.get('/api/pos/reports/products', { query: { sort: 'margin' } });
    expect(bySupMargin.status).toBe(403);
    expect(bySupMargin.body.error.code).toBe('MARGIN_FORBIDDEN');
  });
});

describe('product performance', () => {
  it('top by net revenue, slow movers include products that never sold, margin and days of stock', async () => {
    const q = { from: addDays(today, -2), to: today, storeId: till.storeId };
    const top = await owner.get('/api/pos/reports/products', { query: { ...q, sort: 'top' } });
    expect(top.status, JSON.stringify(top.body)).toBe(200);
    expect(top.body.items.map((x: any) => x.productId)).toEqual([A, B, C]);
    expect(top.body.total).toBe(3);
    const [a, b, c] = top.body.items;
    // coffee: 2 + 1 + 1 + 1 sold, 1 back; milk: 1 + 3 sold (the voided ones do not count), 1 back
    expect(a).toMatchObject({ soldMilli: 5000, returnedMilli: 1000, netMilli: 4000, revenue: 5000, returns: 1000, netRevenue: 4000, onHandMilli: 46_000, salesCount: 4 });
    expect(b).toMatchObject({ soldMilli: 4000, returnedMilli: 1000, netMilli: 3000, revenue: 2000, returns: 500, netRevenue: 1500, cost: 4 * 200 - 200, onHandMilli: 17_000 });
    expect(c).toMatchObject({ soldMilli: 0, netMilli: 0, revenue: 0, onHandMilli: 15_000, daysOfStock: null, lastSoldAt: null });
    // 3 days in the period: milk sells 1 a day, 17 on hand → 17 days; coffee 4/3 a day, 46 on hand → 34.5
    expect(b.daysOfStock).toBe(17);
    expect(a.daysOfStock).toBe(34.5);
    // coffee margin: takings without VAT, minus the returned coffee's share, minus cost of what stayed sold
    const coffeeLines = [s.s1, s.s2, s.s4, s.s6].flatMap((x) => x.lines.filter((l: any) => l.productId === A));
    const soldExTax = coffeeLines.reduce((acc: number, l: any) => acc + l.total - l.tax, 0);
    const returnedExTax = 1000 - Math.round(s.s1.lines[0].tax / 2);
    expect(a.cost).toBe(4 * 600);
    expect(a.margin).toBe(soldExTax - returnedExTax - 4 * 600);
    expect(a.marginPct).toBe(Math.round((a.margin * 1000) / (soldExTax - returnedExTax)) / 10);
    // D has neither stock nor sales: not a slow mover, not anything
    expect(top.body.items.map((x: any) => x.productId)).not.toContain(D);

    const slow = await owner.get('/api/pos/reports/products', { query: { ...q, sort: 'slow' } });
    expect(slow.body.items.map((x: any) => x.productId)).toEqual([C, B, A]);
    const byMargin = await owner.get('/api/pos/reports/products', { query: { ...q, sort: 'margin' } });
    expect(byMargin.status).toBe(200);
    const margins = byMargin.body.items.map((x: any) => x.margin);
    expect(margins).toEqual([...margins].sort((x, y) => y - x));

    const page2 = await owner.get('/api/pos/reports/products', { query: { ...q, sort: 'top', limit: 2, offset: 2 } });
    expect(page2.body.items.map((x: any) => x.productId)).toEqual([C]);
    expect(page2.body.total).toBe(3);
    const beyond = await owner.get('/api/pos/reports/products', { query: { ...q, limit: 2, offset: 10 } });
    expect(beyond.body).toMatchObject({ items: [], total: 3 });
    expect((await owner.get('/api/pos/reports/products', { query: { sort: 'best' } })).status).toBe(400);
  });
});

describe('stock snapshots', () => {
  let S: string;
  it('the job stores the end of yesterday from the ledger; today is live; history after a rebuild', async () => {
    S = await seedProduct(sys, owner.tenantId, { name: 'Сахар', price: 400, cost: 250 });
    // ledger history: 10 received three days ago, 1 written off two days ago
    const move = async (qty: number, when: string, kind: string) => {
      await sys.query(`insert into pos.stock_move (tenant_id, store_id, product_id, qty_milli, kind, ref_type, ref_id, at) values ($1, $2, $3, $4, $5, 'fixture', $6, $7)`,
        [owner.tenantId, till.storeId, S, qty, kind, crypto.randomUUID(), when]);
      await sys.query(`insert into pos.stock_level (tenant_id, store_id, product_id, on_hand_milli) values ($1, $2, $3, $4)
        on conflict (tenant_id, store_id, product_id) do update set on_hand_milli = pos.stock_level.on_hand_milli + excluded.on_hand_milli`, [owner.tenantId, till.storeId, S, qty]);
    };
    await move(10_000, at(addDays(today, -3), '12:00'), 'receipt');
    await move(-1000, at(addDays(today, -2), '12:00'), 'writeoff');
    await sell(cashier, till.registerId, [{ productId: S, qtyMilli: 2000 }], [{ method: 'cash', amount: 800 }]);

    const job1 = await runJob('stockSnapshot', owner.tenantId);
    expect(job1.day).toBe(addDays(today, -1));
    const snap = async () => (await sys.query(`select store_id, product_id, to_char(day, 'YYYY-MM-DD') as day, on_hand_milli, unit_cost, value from pos.stock_snapshot where tenant_id = $1 order by day, store_id, product_id`, [owner.tenantId])).rows;
    const rows1 = await snap();
    await runJob('stockSnapshot', owner.tenantId);
    expect(await snap()).toEqual(rows1);

    const y = await owner.get('/api/pos/reports/stock', { query: { day: addDays(today, -1), storeId: till.storeId } });
    expect(y.status, JSON.stringify(y.body)).toBe(200);
    expect(y.body.live).toBe(false);
    // products seeded today (A, B, C) had nothing at the end of yesterday; sugar had 9
    expect(y.body.items).toEqual([{ storeId: till.storeId, productId: S, sku: expect.any(String), name: 'Сахар', unit: 'pcs', onHandMilli: 9000, unitCost: 250, value: 2250 }]);
    expect(y.body.totals).toEqual({ products: 1, value: 2250 });

    const now = await owner.get('/api/pos/reports/stock', { query: { day: today, storeId: till.storeId } });
    expect(now.body.live).toBe(true);
    const onHand = Object.fromEntries(now.body.items.map((x: any) => [x.productId, x.onHandMilli]));
    expect(onHand).toEqual({ [A]: 46_000, [B]: 17_000, [C]: 15_000, [S]: 7000 });
    expect(now.body.totals.value).toBe(46 * 600 + 17 * 200 + 15 * 100 + 7 * 250);
    const search = await owner.get('/api/pos/reports/stock', { query: { day: today, q: 'сах' } });
    expect(search.body.items.map((x: any) => x.productId)).toEqual([S]);

    const sup = await supervisor.get('/api/pos/reports/stock', { query: { day: today } });
    expect(sup.body.items.length).toBe(4);
    for (const i of sup.body.items) for (const k of ['unitCost', 'value']) expect(i).not.toHaveProperty(k);
    expect(sup.body.totals).not.toHaveProperty('value');

    const run = await owner.post('/api/pos/reports/daily/rebuild', { from: addDays(today, -4), to: addDays(today, -1), storeId: till.storeId });
    expect(run.status).toBe(202);
    await waitForRun(owner, run.body.id);
    const hist = await owner.get('/api/pos/reports/stock/history', { query: { productId: S, storeId: till.storeId, from: addDays(today, -4), to: addDays(today, -1) } });
    expect(hist.status, JSON.stringify(hist.body)).toBe(200);
    expect(hist.body.items.map((x: any) => [x.day, x.onHandMilli, x.value])).toEqual([
      [addDays(today, -4), 0, 0], [addDays(today, -3), 10_000, 2500], [addDays(today, -2), 9000, 2250], [addDays(today, -1), 9000, 2250],
    ]);
    expect((await owner.get('/api/pos/reports/stock', { query: { day: addDays(today, 1) } })).status).toBe(400);
    expect((await owner.get('/api/pos/reports/stock/history', { query: { productId: crypto.randomUUID() } })).status).toBe(404);
  });
});

describe('RFM', () => {
  const cust: Record<string, string> = {};
  it('customers with known recency, frequency and spend land in their segments', async () => {
    const t2 = await openTill(owner, { storeName: 'Loyalty' });
    const R = await seedProduct(sys, owner.tenantId, { name: 'Булочка', price: 100, cost: 40 });
    await seedStock(sys, owner.tenantId, t2.storeId, R, 1_000_000);
    // name: [days since last purchase, purchases, units per purchase]
    const plan: Record<string, [number, number, number]> = {
      newbie: [0, 1, 1], best: [1, 5, 10], middle: [30, 3, 3], faded: [200, 4, 5], gone: [300, 2, 2], ancient: [400, 1, 50], archived: [2, 6, 20],
    };
    for (const [name, [days, count, units]] of Object.entries(plan)) {
      cust[name] = crypto.randomUUID();
      await sys.query(`insert into pos.customer (tenant_id, id, name) values ($1, $2, $3)`, [owner.tenantId, cust[name], name]);
      for (let i = 0; i < count; i++) {
        const x = await sell(cashier, t2.registerId, [{ productId: R, qtyMilli: units * 1000 }], [{ method: 'cash', amount: units * 100 }], { customerId: cust[name] });
        if (days) await backdateSale(x.id, new Date(Date.parse(at(today, '00:00')) - days * DAY_MS + (i + 1) * 60_000).toISOString());
      }
    }
    await sys.query('update pos.customer set archived = true where id = $1', [cust.archived]);

    expect((await owner.post('/api/pos/reports/rfm/segments/champions/to-group', { groupName: 'Too early' })).body.error.code).toBe('RFM_NOT_COMPUTED');
    const rc = await owner.post('/api/pos/reports/rfm/recompute', {});
    expect(rc.status, JSON.stringify(rc.body)).toBe(200);
    // ancient (outside the 365-day window) and archived are not scored
    expect(rc.body.customers).toBe(5);

    const list = await owner.get('/api/pos/reports/rfm/customers', { query: { limit: 50 } });
    const by = Object.fromEntries(list.body.items.map((x: any) => [x.name, x]));
    expect(Object.keys(by).sort()).toEqual(['best', 'faded', 'gone', 'middle', 'newbie']);
    expect(by.newbie).toMatchObject({ recencyDays: 0, frequency: 1, monetary: 100, r: 5, f: 1, m: 1, segment: 'new_customers' });
    expect(by.best).toMatchObject({ recencyDays: 1, frequency: 5, monetary: 5000, r: 4, f: 5, m: 5, segment: 'champions' });
    expect(by.middle).toMatchObject({ recencyDays: 30, frequency: 3, monetary: 900, segment: 'need_attention' });
    expect(by.faded).toMatchObject({ recencyDays: 200, frequency: 4, monetary: 2000, r: 2, fm: 4, segment: 'at_risk' });
    expect(by.gone).toMatchObject({ recencyDays: 300, frequency: 2, monetary: 400, r: 1, fm: 2, segment: 'hibernating' });
    // biggest spenders first
    expect(list.body.items.map((x: any) => x.name)).toEqual(['best', 'faded', 'middle', 'gone', 'newbie']);

    const sum = await owner.get('/api/pos/reports/rfm');
    expect(sum.status).toBe(200);
    expect(sum.body.customers).toBe(5);
    expect(sum.body.windowDays).toBe(365);
    expect(sum.body.segments).toHaveLength(11);
    const seg = Object.fromEntries(sum.body.segments.map((x: any) => [x.segment, x]));
    expect(seg.champions).toMatchObject({ customers: 1, monetary: 5000, name: 'Champions' });
    expect(seg.lost).toMatchObject({ customers: 0, monetary: 0 });
    expect(sum.body.atRisk).toMatchObject({ customers: 1, monetary: 2000 });
    const risk = await owner.get('/api/pos/reports/rfm/at-risk');
    expect(risk.body.items.map((x: any) => x.name)).toEqual(['faded']);
    const champs = await supervisor.get('/api/pos/reports/rfm/customers', { query: { segment: 'champions' } });
    expect(champs.body).toMatchObject({ total: 1, items: [{ name: 'best' }] });
    expect((await owner.get('/api/pos/reports/rfm/customers', { query: { segment: 'vip' } })).status).toBe(400);

    // the job computes the same
    const before = (await sys.query('select customer_id, segment, r_score, f_score, m_score from pos.customer_rfm where tenant_id = $1 order by customer_id', [owner.tenantId])).rows;
    await runJob('rfm', owner.tenantId);
    await runJob('rfm', owner.tenantId);
    expect((await sys.query('select customer_id, segment, r_score, f_score, m_score from pos.customer_rfm where tenant_id = $1 order by customer_id', [owner.tenantId])).rows).toEqual(before);
  });

  it('segment → customer group moves exactly that segment, creates the group by name, and is idempotent', async () => {
    const vip = await owner.post('/api/pos/customer-groups', { name: 'VIP', discountBp: 500 });
    expect(vip.status, JSON.stringify(vip.body)).toBe(201);
    await sys.query('update pos.customer set group_id = $2 where id = $1', [cust.middle, vip.body.id]);

    const a = await owner.post('/api/pos/reports/rfm/segments/at_risk/to-group', { groupName: 'Win back' });
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    expect(a.body).toMatchObject({ segment: 'at_risk', groupName: 'Win back', groupCreated: true, segmentCustomers: 1, moved: 1, alreadyInGroup: 0 });
    const groupOf = async (id: string) => (await sys.query('select group_id from pos.customer where id = $1', [id])).rows[0].group_id;
    expect(await groupOf(cust.faded)).toBe(a.body.groupId);
    for (const other of ['newbie', 'best', 'gone']) expect(await groupOf(cust[other])).toBeNull();
    const g = (await sys.query('select rfm_segment from pos.customer_group where id = $1', [a.body.groupId])).rows[0];
    expect(g.rfm_segment).toBe('at_risk');
    const again = await owner.post('/api/pos/reports/rfm/segments/at_risk/to-group', { groupName: 'win back' });
    expect(again.body).toMatchObject({ groupId: a.body.groupId, groupCreated: false, moved: 0, alreadyInGroup: 1 });

    // into an existing group by id: the customer leaves VIP (counted)
    const regulars = await owner.post('/api/pos/customer-groups', { name: 'Regulars' });
    const b = await owner.post('/api/pos/reports/rfm/segments/need_attention/to-group', { groupId: regulars.body.id });
    expect(b.body).toMatchObject({ moved: 1, movedFromOtherGroups: 1, groupCreated: false });
    expect(await groupOf(cust.middle)).toBe(regulars.body.id);
    const members = await owner.get(`/api/pos/customer-groups/${regulars.body.id}`);
    expect(members.body).toMatchObject({ members: 1, rfmSegment: 'need_attention' });

    const both = await owner.post('/api/pos/reports/rfm/segments/lost/to-group', { groupId: regulars.body.id, groupName: 'x' });
    expect(both.status).toBe(400);
    const neither = await owner.post('/api/pos/reports/rfm/segments/lost/to-group', {});
    expect(neither.status).toBe(400);
    expect(neither.body.error.fields.map((f: any) => f.field)).toContain('groupId');
    expect((await owner.post('/api/pos/reports/rfm/segments/best_ones/to-group', { groupName: 'x' })).status).toBe(400);
    expect((await owner.post('/api/pos/reports/rfm/segments/lost/to-group', { groupId: crypto.randomUUID() })).status).toBe(404);
    expect((await cashier.post('/api/pos/reports/rfm/segments/lost/to-group', { groupName: 'x' })).status).toBe(403);
    expect((await supervisor.post('/api/pos/reports/rfm/segments/lost/to-group', { groupName: 'x' })).status).toBe(403);
  });
});

describe('dashboard', () => {
  it('today against the same weekday last week, open shifts, low stock, top products', async () => {
    const t3 = await openTill(owner, { storeName: 'Kiosk' });
    const P = await seedProduct(sys, owner.tenantId, { name: 'Вода', price: 200 });
    const Q = await seedProduct(sys, owner.tenantId, { name: 'Сок', price: 450 });
    await seedStock(sys, owner.tenantId, t3.storeId, P, 100_000);
    await seedStock(sys, owner.tenantId, t3.storeId, Q, 3000);
    await sys.query('update pos.product set low_stock_milli = 5000 where id = $1', [Q]);
    await sell(cashier, t3.registerId, [{ productId: P, qtyMilli: 2000 }], [{ method: 'cash', amount: 400 }]);
    await sell(cashier, t3.registerId, [{ productId: Q, qtyMilli: 2000 }], [{ method: 'card', amount: 900, reference: 'K-1' }]);
    const weekAgo = addDays(today, -7);
    const early = await sell(cashier, t3.registerId, [{ productId: P, qtyMilli: 1000 }], [{ method: 'cash', amount: 200 }]);
    const late = await sell(cashier, t3.registerId, [{ productId: P, qtyMilli: 3000 }], [{ method: 'cash', amount: 600 }]);
    // one sale in the first second of that day (before this moment's time of day), one in its last
    await backdateSale(early.id, `${weekAgo}T00:00:01Z`);
    await backdateSale(late.id, `${weekAgo}T23:59:59Z`);

    const d = await owner.get('/api/pos/reports/dashboard', { query: { storeId: t3.storeId } });
    expect(d.status, JSON.stringify(d.body)).toBe(200);
    expect(d.body.today).toMatchObject({ day: today, salesCount: 2, revenue: 1300, avgTicket: 650 });
    expect(d.body.sameWeekdayLastWeek.full).toMatchObject({ day: weekAgo, salesCount: 2, revenue: 800 });
    expect(d.body.sameWeekdayLastWeek.sameTime).toMatchObject({ salesCount: 1, revenue: 200 });
    expect(d.body.change).toEqual({ revenue: 550, salesCount: 100, avgTicket: 225 });
    expect(d.body.openShifts.count).toBe(1);
    expect(d.body.openShifts.items[0]).toMatchObject({ shiftId: t3.shiftId, registerId: t3.registerId });
    expect(d.body.lowStockCount).toBe(1);
    expect(d.body.topProducts).toEqual([
      { productId: Q, name: 'Сок', qtyMilli: 2000, revenue: 900 },
      { productId: P, name: 'Вода', qtyMilli: 2000, revenue: 400 },
    ]);
    // across stores: the main, loyalty and kiosk tills are open
    const all = await owner.get('/api/pos/reports/dashboard');
    expect(all.body.openShifts.count).toBe(3);
    expect(all.body.today.revenue).toBeGreaterThan(d.body.today.revenue);
  });
});

describe('tenants and time zones', () => {
  it("tenant B's reports contain none of A's sales and cannot reach A's rows", async () => {
    const d = await rival.get('/api/pos/reports/daily', { query: { from: addDays(today, -2), to: today } });
    expect(d.status).toBe(200);
    expect(d.body.items).toEqual([]);
    expect(d.body.totals.revenue).toBe(0);
    expect((await rival.get('/api/pos/reports/daily', { query: { storeId: till.storeId } })).status).toBe(404);
    expect((await rival.get('/api/pos/reports/products')).body).toMatchObject({ items: [], total: 0 });
    expect((await rival.get('/api/pos/reports/stock', { query: { day: today } })).body).toMatchObject({ items: [], total: 0 });
    expect((await rival.get('/api/pos/reports/stock/history', { query: { productId: A } })).status).toBe(404);
    expect((await rival.get('/api/pos/reports/rfm')).body.customers).toBe(0);
    expect((await rival.get('/api/pos/reports/rfm/customers')).body.total).toBe(0);
    const dash = await rival.get('/api/pos/reports/dashboard');
    expect(dash.body).toMatchObject({ today: { revenue: 0, salesCount: 0 }, openShifts: { count: 0 }, lowStockCount: 0, topProducts: [] });
    const aGroup = (await sys.query(`select id from pos.customer_group where tenant_id = $1 limit 1`, [owner.tenantId])).rows[0].id;
    expect((await rival.post('/api/pos/reports/rfm/segments/at_risk/to-group', { groupId: aGroup })).status).toBe(404);
    const aRun = (await sys.query(`select id from pos.report_run where tenant_id = $1 limit 1`, [owner.tenantId])).rows[0].id;
    expect((await rival.get(`/api/pos/reports/runs/${aRun}`)).status).toBe(404);
    // B's nightly jobs write nothing of A's
    await runJob('dailyReport', rival.tenantId);
    await runJob('stockSnapshot', rival.tenantId);
    await runJob('rfm', rival.tenantId);
    expect(await storedRows(rival.tenantId)).toEqual([]);
    expect((await sys.query('select count(*)::int as n from pos.stock_snapshot where tenant_id = $1', [rival.tenantId])).rows[0].n).toBe(0);
  });

  it("days and hours follow the tenant's time zone setting; an unknown zone is a clear 422", async () => {
    const tokyo = await tk.as('owner@tokyo-reports.test');
    const set = await tokyo.put('/api/plugins/pos/settings', { settings: { timeZone: 'Asia/Tokyo' } });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    const t = await openTill(tokyo, { storeName: 'Shibuya' });
    const P = await seedProduct(sys, tokyo.tenantId, { name: 'Onigiri', price: 300 });
    await seedStock(sys, tokyo.tenantId, t.storeId, P, 10_000);
    const first = await tokyo.get('/api/pos/reports/daily');
    expect(first.body.timeZone).toBe('Asia/Tokyo');
    const tokyoToday = first.body.today;
    expect(tokyoToday).toBe(new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo' }).format(new Date()));
    // 00:30 in Tokyo yesterday = 15:30 UTC the day before: Tokyo's day, not UTC's
    const x = await sell(tokyo, t.registerId, [{ productId: P, qtyMilli: 1000 }], [{ method: 'cash', amount: 300 }]);
    await backdateSale(x.id, `${addDays(tokyoToday, -2)}T15:30:00Z`);
    const rep = await tokyo.get('/api/pos/reports/daily', { query: { from: addDays(tokyoToday, -2), to: addDays(tokyoToday, -1) } });
    const byDay = Object.fromEntries(rep.body.items.map((i: any) => [i.day, i]));
    expect(byDay[addDays(tokyoToday, -2)].salesCount).toBe(0);
    expect(byDay[addDays(tokyoToday, -1)].salesCount).toBe(1);
    expect(byDay[addDays(tokyoToday, -1)].byHour[0]).toEqual({ hour: 0, salesCount: 1, revenue: 300 });
    await runJob('dailyReport', tokyo.tenantId);
    expect((await storedRows(tokyo.tenantId))[0]).toMatchObject({ day: addDays(tokyoToday, -1), time_zone: 'Asia/Tokyo', sales_count: 1 });

    expect((await tokyo.put('/api/plugins/pos/settings', { settings: { timeZone: 'Mars/Olympus_Mons' } })).status).toBe(200);
    const bad = await tokyo.get('/api/pos/reports/daily');
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe('TIME_ZONE_INVALID');
    // rows counted in Tokyo time are not served as UTC days: back to UTC, they are recomputed live
    expect((await tokyo.put('/api/plugins/pos/settings', { settings: { timeZone: 'UTC' } })).status).toBe(200);
    const utc = await tokyo.get('/api/pos/reports/daily', { query: { from: addDays(tokyoToday, -2), to: addDays(tokyoToday, -2) } });
    expect(utc.body.items[0]).toMatchObject({ day: addDays(tokyoToday, -2), salesCount: 1, live: true });
  });
});
