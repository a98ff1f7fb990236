import crypto from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKernel, type TestClient, type TestKernel } from '@atrium/sdk/testing';
import { FakeKaspiServer } from '@atrium/plugin-payments-kaspi/testing';
import { fieldsOf, openTill, seedProduct, seedStock } from './fixtures.ts';

/**
 * Kaspi QR at the till (issue 13), through the payments core and the payments-kaspi provider against
 * the fake Kaspi partner API: a QR for the amount, the customer scans and confirms, the till sees it
 * paid, the sale records the kaspi_qr tender (checked: paid, this amount, this sale, once); a return
 * to Kaspi QR refunds through the payments core after it commits.
 */
const KEY = 'kaspi-api-key-0001';
const BIN = '123456789012';
let tk: TestKernel;
let sys: pg.Client;
let owner: TestClient;
let cashier: TestClient;
let kaspi: FakeKaspiServer;
let till: Awaited<ReturnType<typeof openTill>>;
let plov: string;
const root = path.resolve(import.meta.dirname, '../..');

const runPoll = () => tk.kernel.broker.call('payments.$system.runJob', { name: 'poll', data: {}, jobId: crypto.randomUUID() }, { meta: { system: true, tenantId: owner.tenantId, requestId: 'job:test' } });

beforeAll(async () => {
  kaspi = await FakeKaspiServer.start({ apiKey: KEY, organizations: { [BIN]: [{ id: 77, name: 'Главный' }] }, pollIntervalSeconds: 1 });
  tk = await createTestKernel({
    plugins: [path.join(root, 'pos'), path.join(root, 'payments'), path.join(root, 'payments-kaspi')],
    // the fake's base URL, as an operator allows a sandbox
    config: { outbound: { allow: { 'payments-kaspi': [kaspi.baseUrl] } } },
    tenants: [{ name: 'Дүкен', owner: 'owner@kaspi.test', users: [{ email: 'kassir@kaspi.test', roles: ['cashier'] }], enable: ['pos', 'payments'] }],
  });
  sys = new pg.Client({ connectionString: tk.databaseUrls.system });
  await sys.connect();
  owner = await tk.as('owner@kaspi.test');
  cashier = await tk.as('kassir@kaspi.test');
  const saved = await owner.put('/api/plugins/payments-kaspi/settings', { settings: { apiBaseUrl: kaspi.baseUrl, organizationBin: BIN, apiKey: KEY, tradePointId: 77 } });
  expect(saved.status, JSON.stringify(saved.body)).toBe(200);
  expect((await owner.post('/api/plugins/payments-kaspi/enable')).status).toBe(200);
  expect((await owner.put('/api/plugins/pos/settings', { settings: { kaspiQr: true } })).status).toBe(200);
  till = await openTill(owner, { float: 0 });
  plov = await seedProduct(sys, owner.tenantId, { name: 'Плов', price: 2500_00 });
  await seedStock(sys, owner.tenantId, till.storeId, plov, 100_000);
});

afterAll(async () => {
  await sys?.end();
  await tk?.stop();
  await kaspi?.close();
});

const saleBody = (id: string, payments: any[]) => ({ id, registerId: till.registerId, lines: [{ productId: plov, qtyMilli: 1000 }], payments });

describe('Kaspi QR at the till', () => {
  it('QR → the customer scans and pays → the till sees it paid → the sale takes the kaspi_qr tender; the payment pays this sale only', async () => {
    expect((await cashier.get('/api/pos/config')).body.kaspiQr).toBe(true);
    const saleId = crypto.randomUUID();
    const qr = await cashier.post('/api/pos/kaspi-qr', { saleId, registerId: till.registerId, amount: 2500_00 });
    expect(qr.status, JSON.stringify(qr.body)).toBe(201);
    expect(qr.body).toMatchObject({ status: 'pending', amount: 2500_00 });
    expect(qr.body.qr).toContain('qr.kaspi.kz');
    expect(qr.body.qrSvg).toMatch(/^<svg/);
    // not paid yet: the sale refuses the tender, naming it
    const early = await cashier.post('/api/pos/sales', saleBody(saleId, [{ method: 'kaspi_qr', amount: 2500_00, intentId: qr.body.intentId }]));
    expect(early.status).toBe(422);
    expect(early.body.error.code).toBe('KASPI_NOT_PAID');
    expect(fieldsOf(early)).toEqual(['payments/0/intentId']);
    const intent = (await sys.query('select provider_payment_id from payments.intent where id = $1', [qr.body.intentId])).rows[0];
    kaspi.scan(intent.provider_payment_id);
    kaspi.confirm(intent.provider_payment_id);
    await new Promise((r) => setTimeout(r, 1100));
    const paid = await cashier.get(`/api/pos/kaspi-qr/${qr.body.intentId}`);
    expect(paid.body).toMatchObject({ status: 'captured', amountPaid: 2500_00 });
    const sale = await cashier.post('/api/pos/sales', saleBody(saleId, [{ method: 'kaspi_qr', amount: 2500_00, intentId: qr.body.intentId }]));
    expect(sale.status, JSON.stringify(sale.body)).toBe(201);
    expect(sale.body.payments).toMatchObject([{ method: 'kaspi_qr', amount: 2500_00, intentId: qr.body.intentId }]);
    // the same payment cannot pay a second sale
    const again = await cashier.post('/api/pos/sales', saleBody(crypto.randomUUID(), [{ method: 'kaspi_qr', amount: 2500_00, intentId: qr.body.intentId }]));
    expect(again.status).toBe(422);
    expect(fieldsOf(again)).toEqual(['payments/0/intentId']);
    // the X report counts it as its own tender
    const x = (await cashier.get(`/api/pos/shifts/${till.shiftId}/report`)).body;
    expect(x.byMethod.kaspi_qr).toEqual({ sales: 2500_00, refunds: 0, net: 2500_00 });
    expect(x.cash.expected).toBe(0);

    // a return to Kaspi QR: booked at once, the money goes back through the payments core after commit
    const ret = await cashier.post(`/api/pos/sales/${sale.body.id}/returns`, { lines: [{ lineNo: 1, qtyMilli: 1000 }], refundMethod: 'kaspi_qr', reason: 'остыл' });
    expect(ret.status, JSON.stringify(ret.body)).toBe(201);
    expect(ret.body.refunds).toEqual([{ method: 'kaspi_qr', amount: 2500_00 }]);
    await tk.drainEvents().catch(async (e) => {
      const q = tk.kernel.deps.queues.events;
      for (const j of await q.getJobs(['delayed', 'waiting', 'active'])) console.log('JOB', j.name, JSON.stringify(j.data).slice(0, 300), j.failedReason, j.attemptsMade);
      throw e;
    });
    for (let i = 0; i < 100 && kaspi.payments.get(Number(intent.provider_payment_id))!.returned === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(kaspi.payments.get(Number(intent.provider_payment_id))!.returned).toBe(2500_00);
    expect((await owner.get(`/api/payments/intents/${qr.body.intentId}`)).body.amountRefunded).toBe(2500_00);
  });

  it('switched off, the till offers no Kaspi QR', async () => {
    expect((await owner.put('/api/plugins/pos/settings', { settings: { kaspiQr: false } })).status).toBe(200);
    const r = await cashier.post('/api/pos/kaspi-qr', { saleId: crypto.randomUUID(), registerId: till.registerId, amount: 100_00 });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('KASPI_QR_OFF');
    expect((await owner.put('/api/plugins/pos/settings', { settings: { kaspiQr: true } })).status).toBe(200);
  });
});
