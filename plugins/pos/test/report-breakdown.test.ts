import crypto from 'node:crypto';
import path from 'node:path';
import ExcelJS from 'exceljs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKernel, type TestClient, type TestKernel } from '@atrium/sdk/testing';
import { openTill, sale, seedProduct, seedStock } from './fixtures.ts';

/**
 * Issue 13 (what a Loyverse owner expects): sales by employee, by category and by payment type,
 * with the numbers — receipts, sales, refunds, net, totals — and the same as an Excel sheet in the
 * reader's language. Every row is checked against sales and a return made through the API.
 */
let tk: TestKernel;
let sys: pg.Client;
let owner: TestClient;
let cashier: TestClient;
let till: Awaited<ReturnType<typeof openTill>>;
let drinks: string;

beforeAll(async () => {
  tk = await createTestKernel({
    plugins: [path.resolve(import.meta.dirname, '..')],
    tenants: [{ name: 'Дүкен', owner: 'owner@breakdown.test', users: [{ email: 'aigerim@breakdown.test', roles: ['cashier'] }], enable: ['pos'] }],
  });
  sys = new pg.Client({ connectionString: tk.databaseUrls.system });
  await sys.connect();
  owner = await tk.as('owner@breakdown.test');
  cashier = await tk.as('aigerim@breakdown.test');
  till = await openTill(owner);
  drinks = crypto.randomUUID();
  await sys.query('insert into pos.category (tenant_id, id, name) values ($1, $2, $3)', [owner.tenantId, drinks, 'Напитки']);
}, 120_000);

afterAll(async () => {
  await sys?.end();
  await tk?.stop();
});

const xlsx = async (c: TestClient, query: Record<string, string>, language: string) => {
  const u = new URL('/api/pos/reports/breakdown', tk.url);
  for (const [k, v] of Object.entries({ ...query, format: 'xlsx' })) u.searchParams.set(k, v);
  const res = await fetch(u, { headers: { authorization: `Bearer ${c.token}`, 'accept-language': language } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('spreadsheetml');
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as any);
  const rows: unknown[][] = [];
  wb.worksheets[0].eachRow((r) => rows.push((r.values as unknown[]).slice(1)));
  return rows;
};

describe('sales by employee, category and payment type', () => {
  it('each row adds up from the sales and the return; totals agree across the three; Excel in Russian', async () => {
    const cola = await seedProduct(sys, owner.tenantId, { name: 'Кола', price: 300_00 });
    await sys.query('update pos.product set category_id = $2 where id = $1', [cola, drinks]);
    const bread = await seedProduct(sys, owner.tenantId, { name: 'Хлеб', price: 150_00 });
    await seedStock(sys, owner.tenantId, till.storeId, cola, 10_000);
    await seedStock(sys, owner.tenantId, till.storeId, bread, 10_000);
    // the cashier sells two colas by card; the owner bread + a cola, cash and card; the owner takes one of the first colas back in cash
    const a = await cashier.post('/api/pos/sales', sale(till.registerId, [{ productId: cola, qtyMilli: 2000 }], [{ method: 'card', amount: 600_00, reference: 'RRN-1' }]));
    expect(a.status, JSON.stringify(a.body)).toBe(201);
    const b = await owner.post('/api/pos/sales', sale(till.registerId, [{ productId: bread, qtyMilli: 1000 }, { productId: cola, qtyMilli: 1000 }], [{ method: 'cash', amount: 150_00 }, { method: 'card', amount: 300_00, reference: 'RRN-2' }]));
    expect(b.status, JSON.stringify(b.body)).toBe(201);
    const ret = await owner.post(`/api/pos/sales/${a.body.id}/returns`, { lines: [{ lineNo: 1, qtyMilli: 1000 }], refundMethod: 'cash', reason: 'Брак' });
    expect(ret.status, JSON.stringify(ret.body)).toBe(201);

    const get = async (by: string) => {
      const r = await owner.get('/api/pos/reports/breakdown', { query: { by } });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body;
    };
    const pick = (items: any[]) => items.map((i) => ({ key: i.key, receipts: i.receipts, sales: i.sales, refunds: i.refunds, net: i.net }));

    const byEmployee = await get('employee');
    expect(pick(byEmployee.items)).toEqual([
      { key: cashier.userId, receipts: 1, sales: 600_00, refunds: 0, net: 600_00 },
      { key: owner.userId, receipts: 1, sales: 450_00, refunds: 300_00, net: 150_00 },
    ]);
    expect(byEmployee.items.every((i: any) => i.label && i.label !== i.key)).toBe(true);

    const byCategory = await get('category');
    expect(pick(byCategory.items)).toEqual([
      { key: drinks, receipts: 2, sales: 900_00, refunds: 300_00, net: 600_00 },
      { key: null, receipts: 1, sales: 150_00, refunds: 0, net: 150_00 },
    ]);
    expect(byCategory.items[0].label).toBe('Напитки');

    const byPayment = await get('payment');
    expect(pick(byPayment.items)).toEqual([
      { key: 'card', receipts: 2, sales: 900_00, refunds: 0, net: 900_00 },
      { key: 'cash', receipts: 1, sales: 150_00, refunds: 300_00, net: -150_00 },
    ]);
    // each receipt once in the total, though one was paid by cash and card and one had two categories
    for (const r of [byEmployee, byCategory, byPayment]) expect(r.totals).toEqual({ receipts: 2, sales: 1050_00, refunds: 300_00, net: 750_00 });

    const sheet = await xlsx(owner, { by: 'payment' }, 'ru');
    expect(sheet[1]).toEqual(['Тип оплаты', 'Чеков', 'Продажи', 'Возвраты', 'Итого']);
    expect(sheet.slice(2)).toEqual([['Карта', 2, 900, 0, 900], ['Наличные', 1, 150, 300, -150], ['Всего', 2, 1050, 300, 750]]);
    expect((await xlsx(owner, { by: 'category' }, 'kk'))[1][0]).toBe('Санат');
  });

  it('a cashier may not read it; a wrong dimension names the field', async () => {
    expect((await cashier.get('/api/pos/reports/breakdown', { query: { by: 'payment' } })).status).toBe(403);
    const bad = await owner.get('/api/pos/reports/breakdown', { query: { by: 'weather' } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.error.fields)).toContain('by');
  });
});
