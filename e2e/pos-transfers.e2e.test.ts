import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { createTestKernel, type TestClient, type TestKernel } from '@atrium/sdk/testing';

/**
 * A transfer in the browser (1280×800, Russian) that ships a chosen lot: the new-transfer dialog
 * offers a batch-tracked product's batches in the source store (lot, expiry, on hand) with FEFO
 * preselected, refuses a quantity above the picked batch, and "Save and ship" sends that batch —
 * the later-expiring lot leaves, the earlier one (FEFO's pick) stays.
 */
const root = path.resolve(import.meta.dirname, '..');
const shots = path.join(root, 'e2e/screenshots');
const owner = { email: `pos-transfers-${Date.now()}@duken.test`, password: 'pos-password-1', tenant: 'Дүкен склад' };

let tk: TestKernel;
let api: TestClient;
let browser: Browser;
let page: Page;
const ids = { a: '', b: '', yog: '', late: '' };

const batchesOf = async (storeId: string) =>
  (await api.get('/api/pos/stock/batches', { query: { storeId, productId: ids.yog } })).body.items.map((b: any) => [b.lot, b.onHandMilli]);

beforeAll(async () => {
  fs.mkdirSync(shots, { recursive: true });
  tk = await createTestKernel({ plugins: [path.join(root, 'plugins/pos')], adminDist: path.join(root, 'admin/dist') });
  api = await tk.signup(owner.tenant, owner.email, owner.password);
  expect((await api.post('/api/plugins/pos/enable')).status).toBe(200);
  ids.a = (await api.post('/api/pos/stores', { name: 'Главный' })).body.storeId;
  ids.b = (await api.post('/api/pos/stores', { name: 'Филиал' })).body.storeId;
  const yog = await api.post('/api/pos/products', { sku: 'YOG-1', name: 'Йогурт клубничный', price: 50000, trackBatches: true });
  expect(yog.status, JSON.stringify(yog.body)).toBe(201);
  ids.yog = yog.body.id;
  for (const [lot, expiresOn] of [['L-LATE', '2030-06-30'], ['L-EARLY', '2030-01-31']]) {
    const r = await api.post('/api/pos/stock/receipts', { storeId: ids.a, post: true, lines: [{ productId: ids.yog, qtyMilli: 10_000, unitCost: 30000, lot, expiresOn }] });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
  }
  ids.late = (await api.get('/api/pos/stock/batches', { query: { storeId: ids.a, productId: ids.yog } })).body.items.find((b: any) => b.lot === 'L-LATE').id;

  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'ru-RU', baseURL: tk.url });
  page = await ctx.newPage();
  page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') console.log(`[console] ${m.text()}`); });
});

afterAll(async () => {
  await browser?.close();
  await tk?.stop();
});

describe('POS stock transfers in the browser (1280×800)', () => {
  it('picks the source lot per line (FEFO by default), refuses more than the lot has, and ships that lot', async () => {
    try {
      await page.goto('/#/login');
      await page.getByTestId('email').fill(owner.email);
      await page.locator('input[type=password]').fill(owner.password);
      await page.getByTestId('submit').click();
      await page.waitForURL(/#\/dashboard/);
      await page.goto('/#/pos/stock');
      await page.getByTestId('stock-new-transfer').click();
      const dialog = page.getByTestId('transfer-create-dialog');
      // Quasar puts a field's attributes on its native input (QInput, QSelect with use-input)
      const input = (id: string) => dialog.locator(`input[data-testid="${id}"], [data-testid="${id}"] input`).first();
      await dialog.waitFor();
      await dialog.getByText('Главный').waitFor();

      await dialog.getByTestId('transfer-to').click();
      await page.locator('.q-menu .q-item').filter({ hasText: 'Филиал' }).click();
      await input('transfer-line-product').fill('Йогурт');
      await page.locator('.q-menu .q-item').filter({ hasText: 'YOG-1' }).click();

      // the product tracks batches: FEFO is the choice until another is picked
      const batch = dialog.getByTestId('transfer-line-batch');
      await dialog.getByText('Сначала с ранним сроком (FEFO)').waitFor();
      await batch.click();
      const options = page.locator('.q-menu .q-item');
      await options.filter({ hasText: 'L-EARLY' }).waitFor();
      // FEFO first, then the batches in FEFO order, each with its lot, expiry and what it holds
      expect((await options.allInnerTexts()).map((s) => s.replace(/\s+/g, ' ').trim())).toEqual([
        'Сначала с ранним сроком (FEFO)',
        expect.stringMatching(/^Партия L-EARLY · до 31 .*2030.* · в наличии 10 шт$/),
        expect.stringMatching(/^Партия L-LATE · до 30 .*2030.* · в наличии 10 шт$/),
      ]);
      await options.filter({ hasText: 'L-LATE' }).click();
      await dialog.getByText(/Партия L-LATE · до .* · в наличии 10 шт/).waitFor();

      // more than the lot holds: said on the line, and nothing can be sent
      await input('transfer-line-qty').fill('11');
      await dialog.getByText('В партии только 10 шт').waitFor();
      expect(await dialog.getByTestId('transfer-ship-now').isDisabled()).toBe(true);

      await input('transfer-line-qty').fill('4');
      await dialog.getByTestId('transfer-ship-now').click();
      await dialog.waitFor({ state: 'detached' });
    } catch (e) {
      await page.screenshot({ path: path.join(shots, 'pos-transfers-failed.png') });
      throw e;
    }

    const list = await api.get('/api/pos/stock/transfers', { query: { status: 'in_transit' } });
    expect(list.body.total).toBe(1);
    const t = (await api.get(`/api/pos/stock/transfers/${list.body.items[0].id}`)).body;
    expect(t.lines.map((l: any) => [l.batchId, l.shippedMilli, l.batches.map((b: any) => b.lot)])).toEqual([[ids.late, 4000, ['L-LATE']]]);
    expect(await batchesOf(ids.a)).toEqual([['L-EARLY', 10_000], ['L-LATE', 6000]]);

    // the detail shows the line's lot; receiving there puts the same lot into the destination
    await page.getByTestId('stock-transfers-tab').click();
    await page.getByTestId('transfers-table').getByText('Филиал').first().click();
    const detail = page.getByTestId('transfer-dialog');
    await detail.getByTestId('transfer-line').getByText(/Партия L-LATE/).waitFor();
    await detail.getByTestId('transfer-receive').click();
    await detail.getByTestId('transfer-status').getByText('Принято').waitFor();
    expect((await api.get(`/api/pos/stock/transfers/${t.id}`)).body.status).toBe('received');
    await page.screenshot({ path: path.join(shots, 'pos-transfer-batch.png') });
    expect(await batchesOf(ids.b)).toEqual([['L-LATE', 4000]]);
  });
});
