import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { createTestKernel, type TestClient, type TestKernel } from '@atrium/sdk/testing';

/**
 * The POS checkout in a real browser against a real kernel, a real terminal agent process
 * (`atrium-agent --virtual`, its virtual ESC/POS printer decoding what it receives) and Chromium's
 * real IndexedDB, at 390×844:
 *  (a) open a shift → scan two products with key events as a keyboard-wedge scanner types them
 *      (Russian layout: the page sees Cyrillic `key`s, the till reads the physical `code`s) → pay
 *      part cash, part card → the receipt is printed and its text arrives on the printer → close the
 *      shift: the Z report's totals equal the sale;
 *  (b) offline: two sales queued in IndexedDB, "2 unsynced", a reload keeps them and the cashier
 *      (the shell starts from its cached session and ui-manifest), a third sale is rung up after
 *      the reload, back online all three sync — the server has exactly those three — and
 *      re-sending the queue creates no duplicates;
 *  (c) the back office with the day's data, a catalogue CSV import whose bad row the report names
 *      (checked first; all-or-nothing refuses, "good rows" imports the rest), CSV/XLSX export and the
 *      receipt PDF downloaded through the session.
 */
const root = path.resolve(import.meta.dirname, '..');
const shots = path.join(root, 'e2e/screenshots');
const owner = { email: `pos-${Date.now()}@duken.test`, password: 'pos-password-1', tenant: 'Дүкен' };

let tk: TestKernel;
let api: TestClient;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
let agent: { child: ChildProcess; out: () => string } | null = null;
let dataDir = '';
const ids = { storeId: '', registerId: '', bread: '', milk: '' };

function ean13(first12: string) {
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(first12[i]) * (i % 2 ? 3 : 1);
  return first12 + ((10 - (sum % 10)) % 10);
}
const BREAD = ean13('487000100001');
const MILK = ean13('487000100002');

/** What the agent's virtual printer decoded: one entry per cut receipt (it logs them). */
function printedReceipts(out: string): string[][] {
  const receipts: string[][] = [];
  let cur: string[] | null = null;
  for (const line of out.split('\n')) {
    if (/virtual printer cut a receipt/.test(line)) { cur = []; receipts.push(cur); continue; }
    if (cur && line.startsWith('    ')) cur.push(line.slice(4));
    else cur = null;
  }
  return receipts;
}

async function until<T>(fn: () => T | Promise<T>, what: string, ms = 20_000): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function shot(name: string) {
  await page.screenshot({ path: path.join(shots, `pos-${name}.png`), fullPage: true });
}

// ЙЦУКЕН: what a Russian layout puts in `key` for the digit row is still digits, so the wedge
// test that matters for letters lives in the devices e2e; here the codes are EAN-13 as on goods.
let cdp: CDPSession;
let clock = 0;
/** Types `code` the way a keyboard-wedge scanner does: keydown/keyup per character, 8 ms apart, then Enter. */
async function scan(code: string) {
  const send = (p: Record<string, unknown>) => { clock += 0.008; return cdp.send('Input.dispatchKeyEvent', { ...p, timestamp: clock } as any); };
  for (const ch of code) {
    await send({ type: 'keyDown', key: ch, code: `Digit${ch}`, text: ch, windowsVirtualKeyCode: ch.charCodeAt(0) });
    await send({ type: 'keyUp', key: ch, code: `Digit${ch}`, windowsVirtualKeyCode: ch.charCodeAt(0) });
  }
  await send({ type: 'keyDown', key: 'Enter', code: 'Enter', text: '\r', windowsVirtualKeyCode: 13 });
  await send({ type: 'keyUp', key: 'Enter', code: 'Enter', windowsVirtualKeyCode: 13 });
}

async function signIn() {
  await page.goto('/#/login');
  await page.getByTestId('email').fill(owner.email);
  await page.locator('input[type=password]').fill(owner.password);
  await page.getByTestId('submit').click();
  await page.waitForURL(/#\/dashboard/);
}

async function pay(parts: { cash: string; tendered?: string; card?: { reference: string } }) {
  await page.getByTestId('pos-pay').click();
  await page.getByTestId('pay-dialog').waitFor();
  await page.getByTestId('tender-0-amount').fill(parts.cash);
  if (parts.tendered) await page.getByTestId('tender-0-tendered').fill(parts.tendered);
  if (parts.card) {
    await page.getByTestId('pay-add-card').click();
    await page.getByTestId('tender-1-reference').fill(parts.card.reference);
  }
  await page.getByTestId('pay-confirm').click();
  await page.getByTestId('sale-result').waitFor();
}

beforeAll(async () => {
  fs.mkdirSync(shots, { recursive: true });
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-pos-e2e-'));
  tk = await createTestKernel({ plugins: [path.join(root, 'plugins/pos')], adminDist: path.join(root, 'admin/dist') });

  // setup through the API: a store, a register printing on receipt@front, a tax, two products in stock
  api = await tk.signup(owner.tenant, owner.email, owner.password);
  expect((await api.post('/api/plugins/pos/enable')).status).toBe(200);
  const store = await api.post('/api/pos/stores', { name: 'Главный' });
  expect(store.status, JSON.stringify(store.body)).toBe(201);
  ids.storeId = store.body.storeId;
  const reg = await api.post('/api/pos/registers', { storeId: ids.storeId, name: 'Front till', deviceRoleSuffix: 'front', printReceipts: true });
  expect(reg.status, JSON.stringify(reg.body)).toBe(201);
  ids.registerId = reg.body.id;
  const vat = await api.post('/api/pos/tax-rates', { name: 'НДС 12%', rateBp: 1200, included: true });
  expect(vat.status, JSON.stringify(vat.body)).toBe(201);
  for (const [key, sku, name, price, code] of [['bread', 'BREAD-1', 'Хлеб бородинский', 32000, BREAD], ['milk', 'MILK-1', 'Молоко 3,2%', 45000, MILK]] as const) {
    const p = await api.post('/api/pos/products', { sku, name, price, taxRateId: vat.body.id, barcodes: [{ code }] });
    expect(p.status, JSON.stringify(p.body)).toBe(201);
    ids[key] = p.body.id;
  }
  const receipt = await api.post('/api/pos/stock/receipts', { storeId: ids.storeId, post: true, lines: [{ productId: ids.bread, qtyMilli: 20_000 }, { productId: ids.milk, qtyMilli: 20_000 }] });
  expect(receipt.status, JSON.stringify(receipt.body)).toBe(201);

  // a real terminal agent: enrolled with a one-time code, its virtual printer bound to receipt@front
  const code = await api.post('/api/devices/enrollment-codes', { storeId: ids.storeId });
  expect(code.status, JSON.stringify(code.body)).toBe(201);
  const child = spawn(path.join(root, 'node_modules/.bin/node'), [
    path.join(root, 'devices/bin/atrium-agent.js'), '--virtual', '--enroll', code.body.code, '--kernel', tk.url, '--data-dir', dataDir, '--name', 'Front till',
  ], { cwd: path.join(root, 'devices'), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { out += d; });
  agent = { child, out: () => out };
  const terminalId = await until(() => /enrolled as (\S+)/.exec(out)?.[1], 'the agent to enrol').catch((e) => { throw new Error(`${e.message}; agent said:\n${out}`); });
  await until(() => /connected to/.test(out), 'the agent to connect');
  const role = await api.put('/api/devices/roles', { storeId: ids.storeId, role: 'receipt@front', terminalId, deviceId: 'virtual-printer' });
  expect(role.status, JSON.stringify(role.body)).toBe(200);

  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, locale: 'ru-RU', baseURL: tk.url });
  page = await ctx.newPage();
  cdp = await ctx.newCDPSession(page);
  // the page's own errors, in the test output when something fails
  page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') console.log(`[console] ${m.text()}`); });
  clock = Date.now() / 1000;
});

afterAll(async () => {
  if (agent && agent.child.exitCode === null) {
    agent.child.kill('SIGTERM');
    await new Promise((r) => { agent!.child.once('exit', r); setTimeout(r, 5000); });
  }
  await browser?.close();
  await tk?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('POS checkout in the browser (390×844)', () => {
  it('opens a shift, scans two products, takes cash + card, prints the receipt, closes with a Z report equal to the sale', async () => {
    await signIn();
    await page.goto('/#/pos');
    await page.getByTestId('pos-checkout').waitFor().catch(async (e) => { await shot('failed'); throw e; });
    // one register: the till picks it; no shift yet
    await page.getByTestId('open-shift-float').waitFor({ timeout: 15_000 }).catch(async (e) => { await shot('failed'); throw new Error(`${e.message}\n${await page.getByTestId('pos-checkout').innerText()}`); });
    await page.getByTestId('open-shift-float').fill('100');
    await shot('open-shift');
    await page.getByTestId('open-shift').click();
    await page.getByTestId('shift-banner').waitFor();
    await page.getByTestId('pos-search').waitFor();

    await scan(BREAD);
    await until(async () => (await page.getByTestId('cart-line').count()) === 1, 'the bread line');
    await scan(MILK);
    await until(async () => (await page.getByTestId('cart-line').count()) === 2, 'the milk line');
    expect(await page.getByTestId('cart-line').evaluateAll((els) => els.map((e) => e.getAttribute('data-product')))).toEqual([ids.bread, ids.milk]);
    // the wedge ate the scanner's keystrokes: nothing was left typed in the search box
    expect(await page.getByTestId('pos-search').inputValue()).toBe('');
    const totalText = await page.getByTestId('pos-total').innerText();
    expect(totalText.replace(/\D/g, '')).toMatch(/^77000?0?$/); // 770,00 ₸ however the locale groups it
    await shot('cart');

    // 300 cash (customer hands 500 → 200 change) + the rest by card with the terminal's reference
    await page.getByTestId('pos-pay').click();
    await page.getByTestId('pay-dialog').waitFor();
    await page.getByTestId('tender-0-amount').fill('300');
    await page.getByTestId('tender-0-tendered').fill('500');
    await page.getByTestId('pay-add-card').click();
    expect(await page.getByTestId('tender-1-amount').inputValue()).toBe('470.00');
    await page.getByTestId('tender-1-reference').fill('RRN-558812');
    await shot('payment');
    await page.getByTestId('pay-confirm').click();
    await page.getByTestId('sale-result').waitFor();
    expect((await page.getByTestId('result-change').innerText()).replace(/\D/g, '')).toMatch(/^200(00)?$/);
    await until(async () => (await page.getByTestId('receipt-status').getAttribute('data-state')) === 'printed', 'the receipt to print', 30_000).catch(async (e) => {
      // what the till shows and what the device bus knows, in the failure
      const jobs = (await api.get('/api/devices/jobs')).body;
      throw new Error(`${e.message}: the till shows ${await page.getByTestId('receipt-status').getAttribute('data-state')}; jobs ${JSON.stringify(jobs.items?.map((j: any) => [j.kind, j.state]))}`);
    });
    await shot('sale-printed');

    const sales = await api.get('/api/pos/sales', { query: { registerId: ids.registerId } });
    expect(sales.body.total).toBe(1);
    const sale = (await api.get(`/api/pos/sales/${sales.body.items[0].id}`)).body;
    expect(sale.total).toBe(77000);
    expect(sale.payments.map((p: any) => [p.method, p.amount, p.tendered ?? null, p.reference ?? null])).toEqual([['cash', 30000, 50000, null], ['card', 47000, null, 'RRN-558812']]);
    expect(sale.changeDue).toBe(20000);
    // what the virtual printer decoded: both products, the sale number and the total
    const receipt = (await until(() => printedReceipts(agent!.out()).find((r) => r.join(' ').includes(sale.number)), 'the receipt on the printer')).join('\n');
    expect(receipt).toContain('Хлеб бородинский');
    expect(receipt).toContain('Молоко 3,2%');
    expect(receipt).toMatch(/770[.,]00/);
    await page.getByTestId('result-next').click();

    // close the shift: expected cash = 100 float + 300 cash
    await page.getByTestId('pos-menu').click();
    await page.getByTestId('pos-close-shift').click();
    await page.getByTestId('close-shift-dialog').waitFor();
    await page.getByTestId('close-counted').fill('400');
    await shot('close-shift');
    await page.getByTestId('close-confirm').click();
    await page.getByTestId('z-report').waitFor();
    await page.getByTestId('close-shift-dialog').waitFor({ state: 'detached' });
    await shot('z-report');
    const z = page.getByTestId('z-report');
    expect(await z.getByTestId('report-sales-count').innerText()).toBe('1');
    const digits = async (id: string) => (await z.getByTestId(id).innerText()).replace(/\D/g, '');
    expect(await digits('report-sales-total')).toBe('77000');
    expect(await digits('report-method-cash')).toMatch(/^30000/);
    expect(await digits('report-method-card')).toMatch(/^47000/);
    expect(await digits('report-expected-cash')).toBe('40000');
    expect(await digits('report-discrepancy')).toBe('000');
    const shift = (await api.get('/api/pos/shifts', { query: { registerId: ids.registerId, status: 'closed' } })).body.items[0];
    expect(shift.zReport.sales).toMatchObject({ count: 1, total: sale.total });
    expect(shift.zReport.byMethod.cash.net + shift.zReport.byMethod.card.net).toBe(sale.total);
    await page.getByTestId('z-report-close').click();
  });

  it('offline: two sales queue in IndexedDB, survive a reload that keeps the cashier signed in, a third is rung up after it, all sync once when back online, and a re-send creates no duplicates', async () => {
    // a new shift; the service worker must control the page so the shell loads offline
    await page.getByTestId('open-shift-float').fill('0');
    await page.getByTestId('open-shift').click();
    await page.getByTestId('pos-search').waitFor();
    await page.evaluate(async () => { await navigator.serviceWorker.ready; });
    if (!(await page.evaluate(() => !!navigator.serviceWorker.controller))) {
      await page.reload();
      await page.getByTestId('pos-search').waitFor();
    }
    await page.waitForFunction(async () => !!(await (await caches.open('atrium-plugins')).keys()).find((r) => r.url.includes('/plugins/pos/ui/dist/index.js')), null, { timeout: 15_000 });
    const shiftId = (await api.get('/api/pos/shifts/current', { query: { registerId: ids.registerId } })).body.shift.id;

    await ctx.setOffline(true);
    await until(async () => (await page.getByTestId('pos-online').getAttribute('data-online')) === 'false', 'the offline indicator');
    for (const code of [MILK, BREAD]) {
      await scan(code); // from the cached catalogue
      await until(async () => (await page.getByTestId('cart-line').count()) === 1, 'a cart line from the cache');
      await pay({ cash: code === MILK ? '450' : '320' });
      expect(await page.getByTestId('sale-result').getAttribute('data-offline')).toBe('true');
      expect(await page.getByTestId('receipt-status').getAttribute('data-state')).toBe('offline');
      await page.getByTestId('result-next').click();
    }
    await until(async () => (await page.getByTestId('pos-unsynced').getAttribute('data-count')) === '2', '"2 unsynced"');
    expect(await page.getByTestId('pos-unsynced').innerText()).toContain('2');
    await shot('offline-unsynced');
    // closing the shift is blocked while sales are unsynced
    await page.getByTestId('pos-menu').click();
    await page.getByTestId('pos-close-shift').click();
    await page.getByTestId('close-blocked').waitFor();
    expect(await page.getByTestId('close-confirm').isDisabled()).toBe(true);
    await page.keyboard.press('Escape');

    const readQueue = () => page.evaluate(async (tenantId) => {
      const db = await new Promise<IDBDatabase>((res, rej) => { const r = indexedDB.open(`atrium-pos:${tenantId}`); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
      const rows = await new Promise<any[]>((res, rej) => { const r = db.transaction('sales').objectStore('sales').getAll(); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
      db.close();
      return rows.map((s) => ({ id: s.id, state: s.state, key: s.idempotencyKey, offline: s.payload.offline, unitPrice: s.payload.lines[0].unitPrice }));
    }, api.tenantId);
    const queued = (await readQueue()).filter((s) => s.state === 'pending');
    expect(queued).toHaveLength(2);
    expect(queued.every((s) => s.key === `sale-${s.id}` && s.offline === true)).toBe(true);
    expect(queued.map((s) => s.unitPrice).sort()).toEqual([32000, 45000]);

    // a reload while offline: the sales are still on the device, and the shell starts from its
    // cached session and ui-manifest (the cashier is not signed out) — the checkout renders
    await page.reload();
    await page.waitForLoadState('domcontentloaded');
    expect((await readQueue()).filter((s) => s.state === 'pending').map((s) => s.id).sort()).toEqual(queued.map((s) => s.id).sort());
    await page.getByTestId('pos-checkout').waitFor({ timeout: 20_000 }).catch(async (e) => { await shot('offline-reload-failed'); throw new Error(`${e.message} (at ${page.url()})`); });
    expect(page.url()).toMatch(/#\/pos$/);
    await until(async () => (await page.getByTestId('pos-online').getAttribute('data-online')) === 'false', 'the offline indicator after the reload');
    await until(async () => (await page.getByTestId('pos-unsynced').getAttribute('data-count')) === '2', '"2 unsynced" after the reload');
    await page.getByTestId('shift-banner').waitFor();
    await shot('offline-reloaded');
    // a third sale after the offline reload, from the cached catalogue
    await scan(MILK);
    await until(async () => (await page.getByTestId('cart-line').count()) === 1, 'a cart line after the offline reload');
    await pay({ cash: '450' });
    expect(await page.getByTestId('sale-result').getAttribute('data-offline')).toBe('true');
    await page.getByTestId('result-next').click();
    await until(async () => (await page.getByTestId('pos-unsynced').getAttribute('data-count')) === '3', '"3 unsynced"');
    const queued3 = (await readQueue()).filter((s) => s.state === 'pending');
    expect(queued3).toHaveLength(3);
    expect(queued3.every((s) => s.key === `sale-${s.id}` && s.offline === true)).toBe(true);
    expect(queued3.map((s) => s.id)).toEqual(expect.arrayContaining(queued.map((s) => s.id)));
    queued.splice(0, queued.length, ...queued3);
    expect((await api.get('/api/pos/sales', { query: { shiftId } })).body.total).toBe(0);

    // back online: the till syncs by itself (the expired-or-not token is refreshed as usual)
    await ctx.setOffline(false);
    // the first sale (scenario a) and the three offline ones
    await until(async () => (await readQueue()).filter((s) => s.state === 'synced').length === 4, 'the queue to sync', 30_000);
    await until(async () => (await page.getByTestId('pos-unsynced').count()) === 0, 'the unsynced chip to go');
    expect(page.url()).toMatch(/#\/pos$/);
    await shot('online-synced');
    const server = (await api.get('/api/pos/sales', { query: { shiftId } })).body;
    expect(server.total).toBe(3);
    expect(server.items.map((s: any) => s.id).sort()).toEqual(queued.map((s) => s.id).sort());
    expect(server.items.every((s: any) => s.offline === true)).toBe(true);
    expect(server.items.map((s: any) => s.total).sort()).toEqual([32000, 45000, 45000]);

    // re-send everything the till holds: the server answers with the same sales, creates none
    await page.getByTestId('pos-menu').click();
    await page.getByTestId('pos-resend').click();
    await until(async () => (await page.locator('.q-notification').filter({ hasText: /4/ }).count()) > 0, 'the re-send to finish');
    // and straight through the API with the Idempotency-Key the queue uses
    for (const q of queued) {
      const payload = await page.evaluate(async ({ tenantId, id }) => {
        const db = await new Promise<IDBDatabase>((res, rej) => { const r = indexedDB.open(`atrium-pos:${tenantId}`); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
        const row = await new Promise<any>((res, rej) => { const r = db.transaction('sales').objectStore('sales').get(id); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
        db.close();
        return row.payload;
      }, { tenantId: api.tenantId, id: q.id });
      const again = await api.post('/api/pos/sales', payload, { headers: { 'idempotency-key': q.key } });
      expect([200, 201], JSON.stringify(again.body)).toContain(again.status);
      expect(again.body.id).toBe(q.id);
      expect(again.body.number).toBe(server.items.find((s: any) => s.id === q.id).number);
    }
    const after = (await api.get('/api/pos/sales', { query: { registerId: ids.registerId } })).body;
    expect(after.total).toBe(4); // the card+cash sale of the first shift and the three offline ones
    expect((await api.get('/api/pos/sales', { query: { shiftId } })).body.total).toBe(3);
  });

  it('back-office pages show the day’s data (sales with detail, products, stock, registers with the Z report, reports); catalogue import with a bad row, export, receipt PDF', async () => {
    for (const [viewport, tag] of [[{ width: 390, height: 844 }, 'phone'], [{ width: 1280, height: 800 }, 'desktop']] as const) {
      await page.setViewportSize(viewport);
      await page.goto('/#/pos/sales');
      await until(async () => (await page.getByText(/^\d+-\d+$/).count()) === 4, `four sales listed (${tag})`);
      await shot(`sales-${tag}`);
      await page.getByText(/^\d+-\d+$/).first().click();
      await page.getByTestId('sale-detail').waitFor();
      expect(await page.getByTestId('sale-detail').innerText()).toMatch(/Молоко|Хлеб/);
      await shot(`sale-detail-${tag}`);
      await page.goto('/#/pos/products');
      await page.getByText('Хлеб бородинский').first().waitFor();
      await page.getByText('Молоко 3,2%').first().waitFor();
      await shot(`products-${tag}`);
      await page.goto('/#/pos/stock');
      await page.getByTestId('stock-levels').getByText('Хлеб бородинский').waitFor();
      await page.goto('/#/pos/registers');
      await page.getByTestId('registers-list').getByText('Front till').waitFor();
      await page.getByTestId('shifts-table').getByText(/77\s?0?00?,00|770[.,]00/).first().waitFor();
      await shot(`registers-${tag}`);
      await page.goto('/#/pos/reports');
      await page.getByTestId('report-daily').or(page.getByTestId('pos-empty')).first().waitFor();
      await shot(`reports-${tag}`);
    }

    // catalogue import: a CSV with one bad row — checked first, the report names the row; "all or
    // nothing" refuses, "import the good rows" imports the other two
    await page.goto('/#/pos/products');
    await page.getByTestId('products-import').click();
    const dialog = page.getByTestId('import-dialog');
    await dialog.waitFor();
    const csv = 'sku;name;price\nIMP-TEA;Чай зелёный;1200\nIMP-BAD;Кофе;дорого\nIMP-SUGAR;Сахар 1 кг;650\n';
    await page.getByTestId('import-file').setInputFiles({ name: 'каталог.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
    await until(async () => (await page.getByTestId('import-file-name').innerText()) === 'каталог.csv', 'the chosen file');
    await page.getByTestId('import-check').click();
    await page.getByTestId('import-errors').waitFor().catch(async (e) => {
      await shot('import-failed');
      throw new Error(`${e.message}\n${await dialog.innerText()}\n${await page.locator('.q-notification').allInnerTexts()}`);
    });
    expect(await page.getByTestId('import-error').evaluateAll((els) => els.map((e) => e.getAttribute('data-row')))).toEqual(['3']);
    expect(await page.getByTestId('import-error').first().innerText()).toMatch(/price/);
    expect(await page.getByTestId('import-outcome').getAttribute('data-dry-run')).toBe('true');
    expect(await page.getByTestId('import-run').isDisabled()).toBe(true); // all-or-nothing with a bad row
    await shot('import-report');
    const importedNow = async () => (await api.get('/api/pos/products', { query: { limit: 200 } })).body.items.filter((p: any) => p.sku.startsWith('IMP-'));
    expect(await importedNow()).toHaveLength(0); // the check wrote nothing
    await dialog.getByRole('radio').nth(1).click(); // import the good rows, skip the bad one
    await page.getByTestId('import-check').click();
    await until(async () => (await page.getByTestId('import-run').isEnabled()), 'the checked file to be importable');
    expect(await page.getByTestId('import-error').evaluateAll((els) => els.map((e) => e.getAttribute('data-row')))).toEqual(['3']);
    await page.getByTestId('import-run').click();
    await until(async () => (await page.getByTestId('import-outcome').getAttribute('data-dry-run')) === 'false', 'the import to finish');
    expect(await page.getByTestId('import-outcome').getAttribute('data-status')).toBe('done');
    expect(await page.getByTestId('import-error').evaluateAll((els) => els.map((e) => e.getAttribute('data-row')))).toEqual(['3']);
    await shot('import-done');
    const imported = await importedNow();
    expect(imported.map((p: any) => [p.sku, p.price]).sort()).toEqual([['IMP-SUGAR', 65000], ['IMP-TEA', 120000]]);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await page.getByText('Чай зелёный').first().waitFor(); // the list reloaded

    // export: the CSV downloads through the session with the server's file name
    await page.getByTestId('products-export').click();
    const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
    expect(csvDownload.suggestedFilename()).toMatch(/^products-\d{4}-\d{2}-\d{2}\.csv$/);
    const exported = fs.readFileSync((await csvDownload.path())!, 'utf8');
    for (const sku of ['BREAD-1', 'MILK-1', 'IMP-TEA', 'IMP-SUGAR']) expect(exported).toContain(sku);
    expect(exported).not.toContain('IMP-BAD');
    // Chromium asks before a page starts a second download without a fresh user gesture (the save
    // happens after the fetch): a new page load, as a user's next visit, starts with a clean slate
    await page.reload();
    await page.getByText('Чай зелёный').first().waitFor();
    await page.getByTestId('products-export').click();
    await page.getByTestId('export-xlsx').waitFor();
    const [xlsxDownload] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('export-xlsx').click(),
    ]).catch(async (e) => { await shot('export-failed'); throw new Error(`${e.message}\n${await page.locator('.q-notification').allInnerTexts()}`); });
    expect(xlsxDownload.suggestedFilename()).toMatch(/\.xlsx$/);
    expect(fs.readFileSync((await xlsxDownload.path())!).subarray(0, 2).toString('latin1')).toBe('PK'); // a zip, as .xlsx is

    // the receipt PDF of a sale, downloaded with the session
    await page.goto('/#/pos/sales');
    await page.reload();
    await page.getByText(/^\d+-\d+$/).first().click();
    await page.getByTestId('sale-detail').waitFor();
    const [pdf] = await Promise.all([page.waitForEvent('download'), page.getByTestId('sale-pdf').click()]);
    expect(pdf.suggestedFilename()).toMatch(/^receipt-.+\.pdf$/);
    expect(fs.readFileSync((await pdf.path())!).subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });
});
