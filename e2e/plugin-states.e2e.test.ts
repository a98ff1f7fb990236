import path from 'node:path';
import pg from 'pg';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { definePlugin, tenantRls } from '@atrium/sdk';
import { createTestKernel, waitFor, type TestClient, type TestKernel } from '@atrium/sdk/testing';

/**
 * Issue 12 in the admin, in a real browser at 1280×800: the plugin manager shows a plugin whose
 * enable hook failed as Failed with its reason; a purge shows its progress bar on the card while
 * it runs (held by a row lock the test takes), and the Jobs page shows the purge job with its live
 * progress bar; then the card says the data is deleted. Screenshots in e2e/screenshots/platform-*.png.
 */
const root = path.resolve(import.meta.dirname, '..');
const shots = path.join(root, 'e2e/screenshots');

const flaky = definePlugin({
  manifest: { id: 'flaky', version: '1.0.0', displayName: { en: 'Flaky bank' }, description: { en: 'Connects to a bank that refuses us' }, engines: { sdk: '^1.0.0' } },
  onTenantEnable() {
    throw new Error('the bank refused merchant id 4711');
  },
});
const bulk = definePlugin({
  manifest: { id: 'bulk', version: '1.0.0', displayName: { en: 'Bulk items' }, description: { en: 'Lots of rows' }, engines: { sdk: '^1.0.0' }, data: { owns: ['bulk.item'] } },
  migrations: [{ name: '0001-item', up: `create table bulk.item (tenant_id uuid not null, n integer not null, primary key (tenant_id, n));\n${tenantRls('bulk.item')}` }],
});

let tk: TestKernel;
let owner: TestClient;
let browser: Browser;
let sys: pg.Client;

beforeAll(async () => {
  tk = await createTestKernel({ plugins: [flaky, bulk], adminDist: path.join(root, 'admin/dist'), tenants: [{ name: 'Plugin States', owner: 'owner@states.test' }] });
  owner = await tk.as('owner@states.test');
  sys = new pg.Client({ connectionString: tk.databaseUrls.system });
  await sys.connect();
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
});
afterAll(async () => {
  await browser?.close();
  await sys?.end();
  await tk?.stop();
});

async function signedIn(): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: tk.url, locale: 'en-US' });
  await ctx.addInitScript(() => localStorage.setItem('atrium.locale', 'en'));
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.error('[browser]', e.message));
  await page.goto('/#/login');
  await page.getByTestId('email').fill('owner@states.test');
  await page.locator('input[type=password]').fill('correct horse battery staple');
  await page.getByTestId('submit').click();
  await page.waitForURL(/#\/dashboard/);
  return page;
}

describe('plugin states and job progress in the admin', () => {
  it('a failed enable shows Failed with the reason on the card', async () => {
    const page = await signedIn();
    await page.goto('/#/plugins');
    const card = page.getByTestId('plugin-flaky');
    await card.getByTestId('plugin-enable').click();
    await card.locator('[data-state="failed"]').or(page.locator('[data-testid="plugin-flaky"][data-state="failed"]')).first().waitFor();
    await card.getByTestId('plugin-error').waitFor();
    expect(await card.getByTestId('plugin-error').textContent()).toContain('the bank refused merchant id 4711');
    expect(await card.getByTestId('plugin-state').textContent()).toContain('Failed');
    await page.screenshot({ path: path.join(shots, 'platform-plugin-failed.png'), fullPage: true });
    await page.context().close();
  });

  it('a purge shows its progress on the card and on the Jobs page while it runs, then the data is deleted', async () => {
    expect((await owner.post('/api/plugins/bulk/enable')).status).toBe(200);
    await sys.query('insert into bulk.item (tenant_id, n) select $1, g from generate_series(1, 5000) g', [owner.tenantId]);
    expect((await owner.post('/api/plugins/bulk/disable')).status).toBe(200);
    const lock = new pg.Client({ connectionString: tk.databaseUrls.system });
    await lock.connect();
    await lock.query('begin');
    await lock.query('select n from bulk.item where tenant_id = $1 and n = 4999 for update', [owner.tenantId]);
    const page = await signedIn();
    try {
      await page.goto('/#/plugins');
      const card = page.getByTestId('plugin-bulk');
      await card.getByRole('button', { name: 'Actions' }).click();
      await page.getByText('Delete data').last().click();
      await page.locator('.q-dialog input').fill('bulk');
      await page.locator('.q-dialog').getByRole('button', { name: 'Delete data' }).click();
      // export 10 %, then 4,000 of 5,000 rows: 82 % while the last batch waits for the test's lock
      await waitFor('the card to show 82 %', async () => (await card.textContent())?.includes('82 %'));
      await card.getByTestId('plugin-progress').waitFor();
      expect(await card.getByTestId('plugin-state').textContent()).toContain('Deleting data');
      await page.screenshot({ path: path.join(shots, 'platform-purge-progress.png'), fullPage: true });

      await page.goto('/#/jobs');
      const running = page.getByTestId('running-jobs');
      await running.locator('[data-state="active"]').first().waitFor();
      await waitFor('the purge job to show 82 %', async () => (await running.textContent())?.includes('82 %'));
      expect(await running.textContent()).toContain('Deleting a plugin\'s data');
      expect(await running.getByTestId('job-progress').count()).toBeGreaterThan(0);
      await page.screenshot({ path: path.join(shots, 'platform-jobs-progress.png'), fullPage: true });
    } finally {
      await lock.query('rollback');
      await lock.end();
    }
    // the page polls while work runs: the job finishes at 100 % without a reload
    const running = page.getByTestId('running-jobs');
    await running.locator('[data-state="completed"]').first().waitFor({ timeout: 30_000 });
    await waitFor('100 %', async () => (await running.textContent())?.includes('100 %'));
    await page.goto('/#/plugins');
    await page.locator('[data-testid="plugin-bulk"][data-state="purged"]').waitFor();
    await page.context().close();
  });
});
