import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKernel, startSmtpCapture, startVirtualTill, type TestClient, type TestKernel } from '@atrium/sdk/testing';
import { fieldsOf, openTill, sale, seedProduct, seedStock } from './fixtures.ts';

/**
 * Receipts through the real device bus: the sale's receipt goes to `receipt@<register>`, an
 * enrolled agent prints it on the virtual ESC/POS printer, which decodes it back to text. Cash
 * opens the drawer; a reprint says COPY and leaves the drawer shut; no printer never loses a sale.
 */
let tk: TestKernel;
let sys: pg.Client;
let owner: TestClient;
let till: Awaited<ReturnType<typeof openTill>>;
let terminal: Awaited<ReturnType<typeof startVirtualTill>>;
let smtp: Awaited<ReturnType<typeof startSmtpCapture>>;

async function jobDone(c: TestClient, jobId: string) {
  for (let i = 0; i < 200; i++) {
    const r = await c.get(`/api/devices/jobs/${jobId}`);
    if (['done', 'failed', 'unknown', 'expired'].includes(r.body.state)) return r.body;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`job ${jobId} never finished`);
}

beforeAll(async () => {
  smtp = await startSmtpCapture();
  tk = await createTestKernel({
    plugins: [path.resolve(import.meta.dirname, '..')],
    tenants: [{ name: 'Дүкен', owner: 'owner@duken.test', users: [{ email: 'kassir@duken.test', roles: ['cashier'] }], enable: ['pos'] }, { name: 'Other', owner: 'owner@other.test', enable: ['pos'] }],
    config: { smtp: { url: smtp.url } },
  });
  sys = new pg.Client({ connectionString: tk.databaseUrls.system });
  await sys.connect();
  owner = await tk.as('owner@duken.test');
  // cash to the tiyn here (prices like 10.90); rounding to the tenge has its own test
  expect((await owner.put('/api/plugins/pos/settings', { settings: { cashRounding: 1 } })).status).toBe(200);
  till = await openTill(owner, { printReceipts: true, roleSuffix: 'front' });
  terminal = await startVirtualTill({ kernelUrl: tk.url, owner, storeId: till.storeId, roles: ['receipt@front', 'label@front'] });
});

afterAll(async () => {
  await terminal?.stop();
  await smtp?.stop();
  await sys?.end();
  await tk?.stop();
});

describe('receipts on the device bus', () => {
  it('a cash sale prints its receipt (Russian and Kazakh text decoded back) and kicks the drawer', async () => {
    const bread = await seedProduct(sys, owner.tenantId, { name: 'Хлеб бородинский', price: 320 });
    const kurt = await seedProduct(sys, owner.tenantId, { name: 'Құрт ақ', price: 450 });
    await seedStock(sys, owner.tenantId, till.storeId, bread, 10_000);
    await seedStock(sys, owner.tenantId, till.storeId, kurt, 10_000);
    // a cashier (only the plugin's `cashier` role) rings it up: the role carries the print permission
    const cashier = await tk.as('kassir@duken.test');
    const r = await cashier.post('/api/pos/sales', sale(till.registerId, [{ productId: bread, qtyMilli: 2000 }, { productId: kurt, qtyMilli: 1000 }], [{ method: 'cash', amount: 1090, tendered: 2000 }]), { headers: { 'accept-language': 'ru' } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.receipt.status).toBe('queued');
    const job = await jobDone(cashier, r.body.receipt.jobId);
    expect(job.state, JSON.stringify(job)).toBe('done');
    const [printed] = await terminal.printer.waitForReceipts(1);
    const text = printed.text.join('\n');
    expect(text).toContain('Хлеб бородинский');
    expect(text).toContain(r.body.number);
    expect(text).toMatch(/10[\s,.]?90/);
    // Kazakh letters the code page lacks are printed as an image, never as garbage
    const kazakhAsText = printed.text.some((l) => l.includes('Құрт'));
    const images = printed.items.filter((i) => i.kind === 'image').length;
    expect(kazakhAsText || images > 0).toBe(true);
    expect(text).not.toMatch(/\?{2,}/);
    expect(terminal.printer.drawerKicks.length).toBe(1);
  });

  it('a reprint is marked as a copy and does not open the drawer; retrying it prints once', async () => {
    const [s] = (await sys.query('select id from pos.sale order by sold_at desc limit 1')).rows;
    const before = terminal.printer.receipts.length;
    const key = { headers: { 'idempotency-key': `reprint-${s.id}` } };
    const a = await owner.post(`/api/pos/sales/${s.id}/reprint`, {}, key);
    const b = await owner.post(`/api/pos/sales/${s.id}/reprint`, {}, key);
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    expect(b.body.jobId).toBe(a.body.jobId);
    expect((await jobDone(owner, a.body.jobId)).state).toBe('done');
    const receipts = await terminal.printer.waitForReceipts(before + 1);
    expect(receipts.at(-1)!.text.join('\n')).toMatch(/КОПИЯ|COPY/);
    expect(terminal.printer.drawerKicks.length).toBe(1);
    await new Promise((res) => setTimeout(res, 300));
    expect(terminal.printer.receipts.length).toBe(before + 1);
  });

  it('«Печать копии» pressed twice (no key from the client, or a key per press) prints two copies: each press is a job of its own, never IDEMPOTENCY_KEY_REUSED', async () => {
    const [s] = (await sys.query('select id from pos.sale order by sold_at desc limit 1')).rows;
    const before = terminal.printer.receipts.length;
    const jobs: string[] = [];
    for (const opts of [undefined, undefined, { headers: { 'idempotency-key': `press-1-${s.id}` } }, { headers: { 'idempotency-key': `press-2-${s.id}` } }]) {
      const r = await owner.post(`/api/pos/sales/${s.id}/reprint`, {}, opts);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.error, JSON.stringify(r.body)).toBeNull();
      jobs.push(r.body.jobId);
    }
    expect(new Set(jobs).size).toBe(4);
    for (const id of jobs) expect((await jobDone(owner, id)).state).toBe('done');
    const receipts = await terminal.printer.waitForReceipts(before + 4);
    expect(receipts.slice(before).every((r) => /КОПИЯ|COPY/.test(r.text.join('\n')))).toBe(true);
  });

  it('a return refunds to the tender chosen («Вернуть на: Наличные», no amount typed), prints a return receipt that opens the drawer, and the Z report balances', async () => {
    const reg = await owner.post('/api/pos/registers', { storeId: till.storeId, name: 'Refund till', deviceRoleSuffix: 'front', printReceipts: true });
    const sh = await owner.post('/api/pos/shifts', { registerId: reg.body.id, openingFloat: 5_000_00 });
    const tea = await seedProduct(sys, owner.tenantId, { name: 'Чай', price: 320_00 });
    const honey = await seedProduct(sys, owner.tenantId, { name: 'Мёд', price: 1788_26 });
    for (const p of [tea, honey]) await seedStock(sys, owner.tenantId, till.storeId, p, 10_000);
    const s = await owner.post('/api/pos/sales', sale(reg.body.id, [{ productId: tea, qtyMilli: 1000 }, { productId: honey, qtyMilli: 1000 }], [{ method: 'cash', amount: 1000_00 }, { method: 'card', amount: 1108_26, reference: 'RRN-1' }]), { headers: { 'accept-language': 'ru' } });
    expect(s.status, JSON.stringify(s.body)).toBe(201);
    expect((await jobDone(owner, s.body.receipt.jobId)).state).toBe('done');
    const kicks = terminal.printer.drawerKicks.length;
    const before = terminal.printer.receipts.length;
    const r = await owner.post(`/api/pos/sales/${s.body.id}/returns`, { lines: [{ lineNo: 1, qtyMilli: 1000 }], refundMethod: 'cash', reason: 'не тот чай' }, { headers: { 'accept-language': 'ru' } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.refunds).toEqual([{ method: 'cash', amount: 320_00 }]);
    expect(r.body.receipt.error).toBeNull();
    expect((await jobDone(owner, r.body.receipt.jobId)).state).toBe('done');
    const printed = (await terminal.printer.waitForReceipts(before + 1)).slice(before).map((x) => x.text.join('\n')).find((t) => t.includes('Возврат'))!;
    expect(printed).toContain(r.body.number);
    expect(printed).toContain('Чай');
    expect(printed).toMatch(/320[.,]00/);
    expect(printed).toContain('не тот чай');
    expect(terminal.printer.drawerKicks.length).toBe(kicks + 1);
    // the drawer holds 5000 + 1000 − 320: counted that, the Z report has no discrepancy
    const z = await owner.post(`/api/pos/shifts/${sh.body.id}/close`, { countedCash: 5680_00 });
    expect(z.status, JSON.stringify(z.body)).toBe(200);
    expect(z.body.zReport.byMethod.cash).toEqual({ sales: 1000_00, refunds: 320_00, net: 680_00 });
    expect(z.body.zReport.byMethod.card).toEqual({ sales: 1108_26, refunds: 0, net: 1108_26 });
    expect(z.body.zReport.discrepancy).toBe(0);
    // a tender the sale did not use (and that cannot always be handed back) is refused, naming the field
    const other = await owner.post('/api/pos/sales', sale(till.registerId, [{ productId: tea, qtyMilli: 1000 }], [{ method: 'cash', amount: 320_00 }]));
    const bad = await owner.post(`/api/pos/sales/${other.body.id}/returns`, { lines: [{ lineNo: 1, qtyMilli: 1000 }], refundMethod: 'card', reason: 'ошибка' });
    expect(bad.status).toBe(422);
    expect(fieldsOf(bad)).toEqual(['refundMethod']);
  });

  it('barcode labels and shelf price tags print on the label printer role (label@front): name, price, the product\'s EAN-13; copies each a job', async () => {
    const p = await owner.post('/api/pos/products', { sku: 'KURT-1', name: 'Құрт ақ', price: 450_00, barcodes: [{ code: '4870001000011' }] });
    expect(p.status, JSON.stringify(p.body)).toBe(201);
    const sugar = await owner.post('/api/pos/products', { sku: 'SUGAR-KG', name: 'Сахар', unit: 'kg', price: 620_00 });
    const before = terminal.printer.receipts.length;
    const r = await owner.post('/api/pos/labels', { registerId: till.registerId, kind: 'barcode', items: [{ productId: p.body.id, copies: 2 }] }, { headers: { 'accept-language': 'ru' } });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ printed: 2, error: null });
    for (const j of r.body.jobs) expect((await jobDone(owner, j.jobId)).state).toBe('done');
    const labels = (await terminal.printer.waitForReceipts(before + 2)).slice(before);
    for (const l of labels) {
      expect(l.text.join('\n')).toMatch(/450[.,]00 KZT/);
      expect(l.items.filter((i: any) => i.kind === 'barcode').map((i: any) => i.data)).toEqual(['4870001000011']);
    }
    const tag = await owner.post('/api/pos/labels', { registerId: till.registerId, kind: 'shelf', items: [{ productId: sugar.body.id, copies: 1 }] }, { headers: { 'accept-language': 'ru' } });
    expect(tag.body.printed).toBe(1);
    const [shelf] = (await terminal.printer.waitForReceipts(before + 3)).slice(before + 2);
    expect(shelf.text.join('\n')).toMatch(/620[.,]00 KZT за кг/);
    expect(shelf.text.join('\n')).toContain('SUGAR-KG');
    expect(shelf.items.find((i: any) => i.kind === 'barcode')).toMatchObject({ data: 'SUGAR-KG' });
    // no label printer bound in this store: a clear error, not 500
    const other = await owner.post('/api/pos/registers', { storeId: till.storeId, name: 'No labels', deviceRoleSuffix: 'nolabels', printReceipts: false });
    const none = await owner.post('/api/pos/labels', { registerId: other.body.id, kind: 'barcode', items: [{ productId: p.body.id, copies: 3 }] });
    expect(none.status).toBe(200);
    expect(none.body).toMatchObject({ printed: 0 });
    expect(none.body.error).toMatch(/UNKNOWN_ROLE/);
  });

  it('the X report prints on demand, each press; closing the shift prints the Z report', async () => {
    const before = terminal.printer.receipts.length;
    const x1 = await owner.post(`/api/pos/shifts/${till.shiftId}/print`, {}, { headers: { 'accept-language': 'ru' } });
    const x2 = await owner.post(`/api/pos/shifts/${till.shiftId}/print`, {}, { headers: { 'accept-language': 'ru' } });
    expect(x1.body).toMatchObject({ kind: 'X', error: null });
    expect(x2.body.jobId).not.toBe(x1.body.jobId);
    const xs = (await terminal.printer.waitForReceipts(before + 2)).slice(before).map((r) => r.text.join('\n'));
    expect(xs[0]).toContain('X-ОТЧЁТ');
    expect(xs[0]).toContain('Наличных в кассе');
    const z = await owner.post(`/api/pos/shifts/${till.shiftId}/close`, { countedCash: 0 }, { headers: { 'accept-language': 'ru' } });
    expect(z.status, JSON.stringify(z.body)).toBe(200);
    expect(z.body.printed.jobId).toBeTruthy();
    const [zDoc] = (await terminal.printer.waitForReceipts(before + 3)).slice(before + 2);
    expect(zDoc.text.join('\n')).toContain('Z-ОТЧЁТ');
    expect(zDoc.text.join('\n')).toContain('Расхождение');
    // reopen for the tests below
    till.shiftId = (await owner.post('/api/pos/shifts', { registerId: till.registerId, openingFloat: 0 })).body.id;
  });

  it('a register without a printer still sells: the sale is stored and the receipt marked failed', async () => {
    const reg = await owner.post('/api/pos/registers', { storeId: till.storeId, name: 'Till without printer', deviceRoleSuffix: 'nowhere', printReceipts: true });
    await owner.post('/api/pos/shifts', { registerId: reg.body.id, openingFloat: 0 });
    const gum = await seedProduct(sys, owner.tenantId, { name: 'Жвачка', price: 100 });
    await seedStock(sys, owner.tenantId, till.storeId, gum, 5000);
    const r = await owner.post('/api/pos/sales', sale(reg.body.id, [{ productId: gum, qtyMilli: 1000 }], [{ method: 'cash', amount: 100 }]));
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.receipt.status).toBe('failed');
    expect(r.body.receipt.error).toBeTruthy();
    const stored = await owner.get(`/api/pos/sales/${r.body.id}`);
    expect(stored.body.receipt.status).toBe('failed');
  });

  it('e-mails the receipt as a PDF with a public link that shows it without login; wrong token or tenant → 404', async () => {
    expect((await owner.put('/api/plugins/pos/settings', { settings: { cashRounding: 1, publicBaseUrl: tk.url } })).status).toBe(200);
    const [s] = (await sys.query(`select id, number from pos.sale where status = 'completed' order by sold_at asc limit 1`)).rows;
    const pdf = await owner.request('GET', `/api/pos/sales/${s.id}/receipt.pdf`);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    const sent = await owner.post(`/api/pos/sales/${s.id}/send`, { email: 'customer@mail.test' });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    expect(sent.body.link).toMatch(new RegExp(`/api/pos/receipts/${owner.tenantId}/[A-Za-z0-9_-]{32}$`));
    const mail = await smtp.waitFor('customer@mail.test');
    expect(mail.raw).toContain('application/pdf');
    expect(mail.raw).toContain(`receipt-${s.number}.pdf`);
    const page = await fetch(sent.body.link);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Хлеб бородинский');
    expect(html).toContain(s.number);
    const pdfLink = await fetch(`${sent.body.link}?format=pdf`);
    expect(pdfLink.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await pdfLink.arrayBuffer()).subarray(0, 5).toString()).toBe('%PDF-');
    const token = sent.body.link.split('/').pop();
    expect((await fetch(sent.body.link.replace(token, 'A'.repeat(32)))).status).toBe(404);
    const other = await tk.as('owner@other.test');
    expect((await fetch(sent.body.link.replace(owner.tenantId, other.tenantId))).status).toBe(404);
    expect((await owner.post(`/api/pos/sales/${s.id}/send`, { email: 'not-an-email' })).status).toBe(400);
  });
});
