import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createTestKernel, startSmtpCapture, tokenFrom, type TestKernel } from '@atrium/sdk/testing';
import { FakeStripeServer, type WebhookEndpoint } from '@atrium/plugin-payments-stripe/testing';

/**
 * The payments admin in a real browser against a real kernel and the fake Stripe server:
 * sign up → enable payments → set up Stripe on the providers page (settings through the kernel's
 * plugin settings API, secrets write-only) → the webhook URL shown there is the one Stripe gets →
 * a paid intent (signed webhook) → list, filters → detail timeline → a partial refund through the
 * dialog, retried after a lost answer and double-clicked, refunding once each → a staff member sees
 * no refund button and the API answers 403. Desktop 1280×800 and phone 390×844; screenshots in
 * e2e/screenshots/payments-*.png.
 */
const root = path.resolve(import.meta.dirname, '..');
const shots = path.join(root, 'e2e/screenshots');
const WHSEC = 'whsec_e2e_0123456789abcdef';
const PASSWORD = 'correct-horse-battery';

let tk: TestKernel;
let stripe: FakeStripeServer;
let smtp: Awaited<ReturnType<typeof startSmtpCapture>>;
let browser: Browser;

type Api = (method: string, p: string, body?: unknown) => Promise<{ status: number; body: any }>;
async function login(email: string, password: string): Promise<{ api: Api; tenantId: string }> {
  const r = await fetch(`${tk.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  const s = await r.json();
  if (r.status !== 200) throw new Error(`login ${email}: ${r.status} ${JSON.stringify(s)}`);
  const api: Api = async (method, p, body) => {
    const res = await fetch(`${tk.url}${p}`, {
      method,
      headers: { authorization: `Bearer ${s.accessToken}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  return { api, tenantId: s.tenant.id };
}

async function newPage(kind: 'desktop' | 'phone', locale = 'en'): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await browser.newContext({
    ...(kind === 'phone' ? { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : { viewport: { width: 1280, height: 800 } }),
    baseURL: tk.url,
    locale: 'en-US',
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  await ctx.addInitScript((l) => localStorage.setItem('atrium.locale', l), locale);
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.error('[browser]', e.message));
  return { ctx, page };
}

async function signIn(page: Page, email: string, password: string) {
  await page.goto('/#/login');
  await page.getByTestId('email').fill(email);
  await page.locator('input[type=password]').fill(password);
  await page.getByTestId('submit').click();
  await page.waitForURL(/#\/dashboard/);
}

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(shots, `payments-${name}.png`), fullPage: true });
const noHorizontalOverflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
const rowsShown = (page: Page) => page.locator('[data-row=payment]').count();

/** The customer pays on Stripe's page; Stripe signs and sends `payment_intent.succeeded` to our endpoint. */
async function payAndDeliver(intent: any, endpoint: WebhookEndpoint) {
  stripe.completeCheckoutSession(intent.providerPaymentId);
  const ev = stripe.events.find((e: any) => e.type === 'payment_intent.succeeded' && e.data.object.metadata?.atrium_intent_id === intent.id);
  if (!ev) throw new Error('no payment_intent.succeeded event');
  const [r] = await stripe.deliver(ev.id, { endpointId: endpoint.id });
  expect(r.status, r.body).toBe(200);
  await tk.drainEvents();
}

const stripeRefunds = (intentId: string) => {
  const pi = [...stripe.objects.values()].find((o: any) => o.object === 'payment_intent' && o.metadata?.atrium_intent_id === intentId) as any;
  return [...stripe.objects.values()].filter((o: any) => o.object === 'refund' && o.payment_intent === pi?.id);
};

beforeAll(async () => {
  smtp = await startSmtpCapture();
  stripe = await FakeStripeServer.start();
  tk = await createTestKernel({
    plugins: [path.join(root, 'plugins/payments'), path.join(root, 'plugins/payments-stripe')],
    adminDist: path.join(root, 'admin/dist'),
    config: { smtp: { url: smtp.url }, outbound: { allow: { 'payments-stripe': [stripe.baseUrl] } } },
  });
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
});

afterAll(async () => {
  await browser?.close();
  await tk?.stop();
  await stripe?.close();
  await smtp?.stop();
});

describe('payments admin in a real browser', () => {
  const owner = { email: `owner-${Date.now().toString(36)}@school.test`, tenant: 'Payments E2E School' };
  const staffEmail = `staff-${Date.now().toString(36)}@school.test`;
  let ownerApi: Api;
  let tenantId = '';
  let endpoint: WebhookEndpoint;
  let paid: any;
  let unpaid: any;

  it('serves the payments UI bundle', async () => {
    const r = await fetch(`${tk.url}/plugins/payments/ui/dist/index.js`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('javascript');
  });

  it('owner: sign up, enable payments, set up Stripe on the providers page', async () => {
    const { ctx, page } = await newPage('desktop');
    try {
      await page.goto('/#/signup');
      await page.getByTestId('tenantName').fill(owner.tenant);
      await page.getByTestId('email').fill(owner.email);
      await page.getByTestId('password').fill(PASSWORD);
      await page.getByTestId('submit').click();
      await page.waitForURL(/#\/dashboard/);
      ({ api: ownerApi, tenantId } = await login(owner.email, PASSWORD));

      await page.goto('/#/plugins');
      await page.getByTestId('plugin-payments').getByTestId('plugin-enable').click();
      await page.locator('[data-testid="plugin-payments"][data-state="enabled"]').waitFor();
      await page.getByTestId('nav-plugin-payments').click();
      await page.getByTestId('payments-empty').waitFor();
      await page.getByTestId('payments-tab-providers').click();
      const card = page.getByTestId('provider-payments-stripe');
      await card.waitFor();
      expect(await card.getAttribute('data-state')).toBe('disabled');
      // no publicBaseUrl yet: the page says so and uses the address this browser uses
      await page.getByTestId('providers-no-base-url').waitFor();
      const url = await card.getByTestId('webhook-url-stripe').inputValue();
      expect(url).toBe(`${tk.url}/api/payments/webhooks/stripe/${tenantId}`);
      await card.getByTestId('webhook-copy-stripe').click();
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url);
      // Stripe requires no key of the tenant's own (a Connect-only tenant has none): enabling is offered at once
      expect(await card.getByTestId('provider-missing').count()).toBe(0);
      expect(await card.getByTestId('provider-enable-stripe').isDisabled()).toBe(false);

      // the Stripe dashboard gets the URL shown on the page, and gives us its signing secret
      endpoint = stripe.addWebhookEndpoint({ url, secrets: [WHSEC] });

      await card.getByTestId('provider-configure-stripe').click();
      const dlg = page.getByTestId('provider-settings');
      await dlg.waitFor();
      // client-side validation mirrors the schema: a publishable key is refused before any request
      // (the providers page shows the shell's own settings form, PluginSettingsForm from @atrium/sdk/ui)
      await dlg.getByTestId('setting-secretKey').fill('pk_test_123456');
      await dlg.getByTestId('save-settings').click();
      await dlg.getByText('Invalid format').waitFor();
      await dlg.getByTestId('setting-apiBaseUrl').fill(stripe.baseUrl);
      await dlg.getByTestId('setting-secretKey').fill(stripe.secretKey);
      await dlg.getByTestId('setting-webhookSecrets-add').click();
      await dlg.getByTestId('setting-webhookSecrets-0').fill(WHSEC);
      await shot(page, 'provider-settings-desktop');
      await dlg.getByTestId('save-settings').click();
      await dlg.waitFor({ state: 'hidden' });

      // secrets are write-only: stored (the server says which are set) but never sent back
      const got = await ownerApi('GET', '/api/plugins/payments-stripe');
      expect(got.body.settings).toMatchObject({ apiBaseUrl: stripe.baseUrl, secretKey: null, webhookSecrets: null });
      expect(got.body.secretsSet.sort()).toEqual(['secretKey', 'webhookSecrets']);
      await card.getByTestId('provider-configure-stripe').click();
      await dlg.waitFor();
      expect(await dlg.getByTestId('setting-secretKey').inputValue()).toBe('');
      await dlg.getByText('Stored — leave empty to keep').first().waitFor();
      // saving again with the secrets left empty keeps them
      await dlg.getByTestId('save-settings').click();
      await dlg.waitFor({ state: 'hidden' });
      expect((await ownerApi('GET', '/api/plugins/payments-stripe')).body.secretsSet.sort()).toEqual(['secretKey', 'webhookSecrets']);

      await card.getByTestId('provider-enable-stripe').click();
      await page.locator('[data-testid="provider-payments-stripe"][data-state="enabled"]').waitFor();
      expect(await card.getByTestId('provider-mode').textContent()).toContain('Test');
      await shot(page, 'providers-desktop');

      // the shell's own settings dialog (plugin manager) knows the secrets from the kernel's
      // secretFields: password inputs, never pre-filled, left out of the PUT when empty
      const settingsPuts: Record<string, unknown>[] = [];
      page.on('request', (r) => {
        if (r.method() === 'PUT' && r.url().endsWith('/api/plugins/payments-stripe/settings')) settingsPuts.push(r.postDataJSON());
      });
      await page.goto('/#/plugins');
      await page.getByTestId('plugin-payments-stripe').getByTestId('plugin-settings-open').click();
      const shell = page.getByTestId('plugin-settings');
      await shell.waitFor();
      expect(await shell.getByTestId('setting-secretKey').getAttribute('type')).toBe('password');
      expect(await shell.getByTestId('setting-secretKey').inputValue()).toBe('');
      await shell.getByText('Stored — leave empty to keep').first().waitFor();
      expect(await shell.getByTestId('setting-apiBaseUrl').inputValue()).toBe(stripe.baseUrl);
      expect(await shell.getByTestId('setting-webhookSecrets-0').count()).toBe(0);
      await shot(page, 'shell-plugin-settings-desktop');
      await shell.getByTestId('save-settings').click();
      await shell.waitFor({ state: 'hidden' });
      expect(settingsPuts).toHaveLength(1);
      expect(settingsPuts[0]!.settings).toMatchObject({ apiBaseUrl: stripe.baseUrl });
      expect(Object.keys(settingsPuts[0]!.settings as object)).not.toContain('secretKey');
      expect(Object.keys(settingsPuts[0]!.settings as object)).not.toContain('webhookSecrets');
      expect((await ownerApi('GET', '/api/plugins/payments-stripe')).body.secretsSet.sort()).toEqual(['secretKey', 'webhookSecrets']);
      // rotation: the new signing secret plus the one still in use replace the stored list
      const rotated = 'whsec_rotated_in_shell_0001';
      await page.getByTestId('plugin-payments-stripe').getByTestId('plugin-settings-open').click();
      await shell.waitFor();
      await shell.getByTestId('setting-webhookSecrets-add').click();
      await shell.getByTestId('setting-webhookSecrets-0').fill(rotated);
      await shell.getByTestId('setting-webhookSecrets-add').click();
      await shell.getByTestId('setting-webhookSecrets-1').fill(WHSEC);
      expect(await shell.getByTestId('setting-webhookSecrets-1').getAttribute('type')).toBe('password');
      await shell.getByTestId('save-settings').click();
      await shell.waitFor({ state: 'hidden' });
      expect(settingsPuts).toHaveLength(2);
      expect((settingsPuts[1]!.settings as Record<string, unknown>).webhookSecrets).toEqual([rotated, WHSEC]);
      expect(Object.keys(settingsPuts[1]!.settings as object)).not.toContain('secretKey');
    } finally {
      await ctx.close();
    }
  });

  it('a payment made at Stripe shows up as paid after its signed webhook; the list filters on the server', async () => {
    const a = await ownerApi('POST', '/api/payments/intents', { amount: 5000, currency: 'usd', provider: 'stripe', description: 'Lesson pack — May', customer: { email: 'parent@family.test', name: 'Dana Parent' } });
    expect(a.status, JSON.stringify(a.body)).toBe(201);
    paid = a.body;
    const b = await ownerApi('POST', '/api/payments/intents', { amount: 1200, currency: 'usd', provider: 'stripe', description: 'Workbook' });
    expect(b.status, JSON.stringify(b.body)).toBe(201);
    unpaid = b.body;
    await payAndDeliver(paid, endpoint);
    expect((await ownerApi('GET', `/api/payments/intents/${paid.id}`)).body.status).toBe('captured');

    const { ctx, page } = await newPage('desktop');
    try {
      await signIn(page, owner.email, PASSWORD);
      await page.goto('/#/payments');
      await expect.poll(() => rowsShown(page)).toBe(2);
      const paidRow = page.getByTestId(`payment-row-${paid.id}`);
      expect(await paidRow.getByTestId('payment-amount').textContent()).toBe('$50.00');
      expect(await paidRow.getByTestId('payment-status').getAttribute('data-status')).toBe('captured');

      // status filter (server side): only the paid one
      await page.getByTestId('filter-status').click();
      await page.getByRole('option', { name: 'Paid', exact: true }).click();
      await expect.poll(() => rowsShown(page)).toBe(1);
      await paidRow.waitFor();
      expect(page.url()).toContain('status=captured');
      // clear, then free text (customer name) and an amount range
      await page.getByTestId('filter-clear').click();
      await expect.poll(() => rowsShown(page)).toBe(2);
      await page.getByTestId('payments-search').fill('dana');
      await expect.poll(() => rowsShown(page)).toBe(1);
      await page.getByTestId('payments-search').fill('');
      await page.getByTestId('filter-amount-max').fill('12.00');
      await expect.poll(() => rowsShown(page)).toBe(1);
      await page.getByTestId(`payment-row-${unpaid.id}`).waitFor();
      // a bad range is named, not sent
      await page.getByTestId('filter-amount-min').fill('20');
      await page.getByTestId('filter-more').getByText('Must not be less than “Amount from”').waitFor();
      await page.getByTestId('filter-clear').click();
      // dates: today is in range, a past range is empty
      const today = await page.evaluate(() => { const d = new Date(); return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`; });
      await page.getByTestId('filter-from').fill(today);
      await page.getByTestId('filter-to').fill(today);
      await expect.poll(() => rowsShown(page)).toBe(2);
      await page.getByTestId('filter-from').fill('2020-01-01');
      await page.getByTestId('filter-to').fill('2020-01-31');
      await page.getByTestId('payments-empty').getByText('No payments match these filters').waitFor();
      await page.getByTestId('filter-clear').click();
      await expect.poll(() => rowsShown(page)).toBe(2);
      await shot(page, 'list-desktop');

      await paidRow.click();
      await page.waitForURL(new RegExp(`#/payments/intents/${paid.id}`));
      const timeline = page.getByTestId('payment-timeline');
      await timeline.waitFor();
      expect(await page.getByTestId('timeline-created').count()).toBe(1);
      expect(await page.locator('[data-testid=timeline-status][data-to=captured]').count()).toBe(1);
      expect(await timeline.textContent()).toContain('provider webhook');
      expect(await page.getByTestId('payment-refundable').textContent()).toBe('$50.00');
    } finally {
      await ctx.close();
    }
  });

  it('a partial refund through the dialog: retried after a lost answer and double-clicked, each refunds once', async () => {
    const { ctx, page } = await newPage('desktop');
    try {
      await signIn(page, owner.email, PASSWORD);
      await page.goto(`/#/payments/intents/${paid.id}`);
      await page.getByTestId('payment-refund').click();
      const dlg = page.getByTestId('refund-dialog');
      await dlg.waitFor();
      const key = await dlg.getAttribute('data-key');
      expect(key).toMatch(/^refund-[0-9a-f]{32}$/);
      // more than refundable is refused in the dialog
      await dlg.getByTestId('refund-amount').fill('50.01');
      await dlg.getByText('At most $50.00 can be refunded').waitFor();
      expect(await dlg.getByTestId('refund-submit').isDisabled()).toBe(true);
      await dlg.getByTestId('refund-amount').fill('12,50');
      await dlg.getByTestId('refund-reason').fill('One lesson cancelled');
      expect(await dlg.getByTestId('refund-submit').textContent()).toContain('Refund $12.50');

      // the first answer is lost on the way back (the server did refund)
      let attempts = 0;
      let firstStatus = 0;
      const sent: { header: string | undefined; body: Record<string, unknown> }[] = [];
      await page.route('**/api/payments/intents/*/refunds', async (route) => {
        attempts++;
        sent.push({ header: route.request().headers()['idempotency-key'], body: route.request().postDataJSON() });
        if (attempts === 1) {
          firstStatus = (await route.fetch()).status();
          await route.abort('connectionreset');
        } else await route.continue();
      });
      await dlg.getByTestId('refund-submit').click();
      await expect.poll(() => firstStatus).toBe(201);
      await expect.poll(() => dlg.getByTestId('refund-submit').isEnabled()).toBe(true);
      expect(await dlg.isVisible()).toBe(true);
      expect(await dlg.getAttribute('data-key')).toBe(key);
      // "Refund" again: same key → the same refund, not a second one
      await dlg.getByTestId('refund-submit').click();
      await dlg.waitFor({ state: 'hidden' });
      expect(attempts).toBe(2);
      // the key travels as the Idempotency-Key header (not in the body), the same on the retry
      expect(sent).toEqual([
        { header: key, body: { amount: 1250, reason: 'One lesson cancelled' } },
        { header: key, body: { amount: 1250, reason: 'One lesson cancelled' } },
      ]);
      await page.locator('[data-testid=payment-status][data-status=partially_refunded]').first().waitFor();
      let got = (await ownerApi('GET', `/api/payments/intents/${paid.id}`)).body;
      expect(got).toMatchObject({ status: 'partially_refunded', amountRefunded: 1250 });
      expect(got.refunds).toHaveLength(1);
      expect(stripeRefunds(paid.id)).toHaveLength(1);
      const refundRow = page.getByTestId('timeline-refund');
      await refundRow.waitFor();
      expect(await refundRow.count()).toBe(1);
      expect(await refundRow.textContent()).toContain('Refunded $12.50');
      expect(await refundRow.getByTestId('timeline-reason').textContent()).toContain('One lesson cancelled');
      expect(await page.getByTestId('payment-refundable').textContent()).toBe('$37.50');

      // a new dialog is a new refund (new key); a double click on it refunds once
      await page.getByTestId('payment-refund').click();
      await dlg.waitFor();
      expect(await dlg.getAttribute('data-key')).not.toBe(key);
      expect(await dlg.getByTestId('refund-amount').inputValue()).toBe('37.50');
      await dlg.getByTestId('refund-amount').fill('1');
      await dlg.getByTestId('refund-submit').dblclick();
      await dlg.waitFor({ state: 'hidden' });
      await expect.poll(async () => (await page.getByTestId('timeline-refund').count())).toBe(2);
      got = (await ownerApi('GET', `/api/payments/intents/${paid.id}`)).body;
      expect(got).toMatchObject({ status: 'partially_refunded', amountRefunded: 1350 });
      expect(got.refunds).toHaveLength(2);
      expect(stripeRefunds(paid.id)).toHaveLength(2);
      await shot(page, 'detail-desktop');
    } finally {
      await ctx.close();
    }
  });

  it('reconciliation: run now and read the report', async () => {
    const { ctx, page } = await newPage('desktop');
    try {
      await signIn(page, owner.email, PASSWORD);
      await page.goto('/#/payments/reconciliation');
      await page.getByTestId('recon-empty').waitFor();
      await page.getByTestId('recon-run').click();
      await expect.poll(() => page.getByTestId('recon-run-row').count()).toBe(1);
      const runs = (await ownerApi('GET', '/api/payments/reconciliation')).body;
      expect(runs.total).toBe(1);
      const report = page.getByTestId('recon-report');
      if (runs.items[0].differences.length) expect(await report.getByTestId('recon-difference').count()).toBe(runs.items[0].differences.length);
      else await report.getByTestId('recon-agree').waitFor();
      expect(await report.textContent()).toContain(`Checked ${runs.items[0].checked} payments`);
      await shot(page, 'reconciliation-desktop');
    } finally {
      await ctx.close();
    }
  });

  it('staff (phone, Russian): sees payments and the timeline, no refund button; the API answers 403', async () => {
    const inv = await ownerApi('POST', '/api/tenants/invitations', { email: staffEmail, role: 'staff' });
    expect(inv.status, JSON.stringify(inv.body)).toBe(201);
    const mail = await smtp.waitFor(staffEmail, 10_000);
    const acc = await fetch(`${tk.url}/api/auth/invitations/accept`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: tokenFrom(mail.raw), password: PASSWORD }) });
    expect(acc.status).toBe(200);
    const staff = await login(staffEmail, PASSWORD);
    expect(staff.tenantId).toBe(tenantId);
    const denied = await staff.api('POST', `/api/payments/intents/${paid.id}/refunds`, { amount: 100, idempotencyKey: 'staff-attempt-1' });
    expect(denied.status).toBe(403);
    expect((await ownerApi('GET', `/api/payments/intents/${paid.id}`)).body.amountRefunded).toBe(1350);

    const { ctx, page } = await newPage('phone', 'ru');
    try {
      await signIn(page, staffEmail, PASSWORD);
      await page.getByTestId('tab-plugin-payments').click();
      await page.waitForURL(/#\/payments$/);
      await expect.poll(() => rowsShown(page)).toBe(2);
      expect(await page.getByTestId('payments-tab-list').textContent()).toContain('Платежи');
      // staff can't read reconciliation reports nor configure providers: no tabs for them
      expect(await page.getByTestId('payments-tab-reconciliation').count()).toBe(0);
      expect(await page.getByTestId('payments-tab-providers').count()).toBe(0);
      expect(await noHorizontalOverflow(page)).toBe(true);
      await shot(page, 'list-phone');
      await page.getByTestId(`payment-row-${paid.id}`).click();
      await page.getByTestId('payment-timeline').waitFor();
      expect(await page.getByTestId('timeline-refund').count()).toBe(2);
      expect(await page.locator('[data-testid=payment-status][data-status=partially_refunded]').first().textContent()).toContain('Частичный возврат');
      expect(await page.getByTestId('payment-refund').count()).toBe(0);
      expect(await noHorizontalOverflow(page)).toBe(true);
      await shot(page, 'detail-phone');
      // staff may read the plugin list (kernel grant) but not configure plugins: no Providers tab,
      // and the page is not reachable by URL (nor is reconciliation)
      expect((await staff.api('GET', '/api/plugins')).status).toBe(200);
      await page.goto('/#/payments/providers');
      await page.waitForURL(/#\/dashboard/);
      expect(await page.getByTestId('provider-payments-stripe').count()).toBe(0);
      await page.goto('/#/payments/reconciliation');
      await page.waitForURL(/#\/dashboard/);
    } finally {
      await ctx.close();
    }
  });

  it('owner on a phone: the refund dialog and the providers page fit 390×844', async () => {
    const { ctx, page } = await newPage('phone');
    try {
      await signIn(page, owner.email, PASSWORD);
      await page.goto(`/#/payments/intents/${paid.id}`);
      await page.getByTestId('payment-refund').click();
      await page.getByTestId('refund-dialog').waitFor();
      expect(await noHorizontalOverflow(page)).toBe(true);
      await shot(page, 'refund-phone');
      await page.getByTestId('refund-dialog').getByRole('button', { name: 'Cancel' }).click();
      await page.goto('/#/payments/providers');
      await page.getByTestId('provider-payments-stripe').waitFor();
      expect(await noHorizontalOverflow(page)).toBe(true);
      await shot(page, 'providers-phone');
      // nothing was refunded by opening and closing the dialog
      expect((await ownerApi('GET', `/api/payments/intents/${paid.id}`)).body.amountRefunded).toBe(1350);
    } finally {
      await ctx.close();
    }
  });
});
