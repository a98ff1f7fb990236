// The operator's billing of tenants with card collection (Checkout in subscription mode, the
// Billing customer portal), ONE platform webhook URL for every tenant, billing that does not depend
// on the tenant enabling Stripe for its own customers, and a Connect-only tenant (no key of its own).
// A real kernel against local fake Stripes over HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createTestKernel, type TestClient, type TestKernel } from '@atrium/sdk/testing';
import payments from '@atrium/plugin-payments';
import stripe, { decodeStripeForm, signStripePayload } from '../src/index.ts';
import { BILLING_API_VERSION } from '../src/platform.config.ts';
import { FakeStripeServer, type WebhookEndpoint } from '../src/testing/index.ts';

const WHSEC_TENANT = 'whsec_tenant_own_0123456789';
const WHSEC_CONNECT = 'whsec_platform_connect_0123456789';
const WHSEC_BILLING = 'whsec_platform_billing_0123456789';
const PLANS = [
  { id: 'starter', name: 'Starter', priceMinor: 1900, currency: 'usd', interval: 'month', trialDays: 14 },
  { id: 'pro', name: 'Pro', priceMinor: 4900, currency: 'usd', interval: 'month', trialDays: 14 },
];
const ENV = [
  'ATRIUM_STRIPE_CONNECT_SECRET_KEY', 'ATRIUM_STRIPE_CONNECT_BASE_URL', 'ATRIUM_STRIPE_CONNECT_WEBHOOK_SECRETS', 'ATRIUM_STRIPE_CONNECT_FEE_BPS',
  'ATRIUM_BILLING_STRIPE_SECRET_KEY', 'ATRIUM_BILLING_STRIPE_BASE_URL', 'ATRIUM_BILLING_WEBHOOK_SECRETS', 'ATRIUM_BILLING_PLANS',
  'ATRIUM_BILLING_STRIPE_API_VERSION', 'ATRIUM_BILLING_PORTAL_CONFIGURATION',
];
const savedEnv = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));
const BILLING_EVENTS = [
  'checkout.session.completed', 'checkout.session.expired', 'customer.subscription.created', 'customer.subscription.updated',
  'customer.subscription.deleted', 'invoice.paid', 'invoice.payment_failed', 'customer.updated',
];

let tk: TestKernel;
let platform: FakeStripeServer; // the operator's Stripe account (billing + Connect)
let own: FakeStripeServer; // tenants' own Stripe accounts
let sys: pg.Client;
let acme: TestClient; // own Stripe key for its customers; later turns it off
let acmeAdmin: TestClient;
let initech: TestClient; // never enabled any payments plugin
let connecto: TestClient; // Connect only: no Stripe key of its own
let hook: WebhookEndpoint; // the ONE billing endpoint of the operator's account

const objects = (fake: FakeStripeServer, kind: string) => [...fake.objects.values()].filter((o: any) => o.object === kind) as any[];
const back = { successUrl: 'https://app.example/billing/done?cs={CHECKOUT_SESSION_ID}', cancelUrl: 'https://app.example/billing' };
const row = async (tenantId: string) => (await sys.query('select * from payments_stripe.billing_subscription where tenant_id = $1', [tenantId])).rows[0] ?? null;
const eventRows = async (tenantId: string) => (await sys.query('select event_id, type, outcome from payments_stripe.billing_event where tenant_id = $1 order by received_at', [tenantId])).rows;
const lastRequest = (fake: FakeStripeServer, method: string, path: string) => [...fake.requests].reverse().find((r) => r.method === method && r.path === path)!;
const outcomes = (results: { body: string | null }[]) => results.map((r) => JSON.parse(r.body!).outcome);

async function configure(c: TestClient, plugin: string, settings: Record<string, unknown>, enable = true) {
  const r = await c.put(`/api/plugins/${plugin}/settings`, { settings });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  if (enable) {
    const e = await c.post(`/api/plugins/${plugin}/enable`);
    expect(e.status, JSON.stringify(e.body)).toBe(200);
  }
}

beforeAll(async () => {
  platform = await FakeStripeServer.start({ secretKey: 'sk_test_operator_platform' });
  own = await FakeStripeServer.start({ secretKey: 'sk_test_tenant_own' });
  Object.assign(process.env, {
    ATRIUM_STRIPE_CONNECT_SECRET_KEY: platform.secretKey,
    ATRIUM_STRIPE_CONNECT_BASE_URL: platform.baseUrl,
    ATRIUM_STRIPE_CONNECT_WEBHOOK_SECRETS: WHSEC_CONNECT,
    ATRIUM_BILLING_STRIPE_SECRET_KEY: platform.secretKey,
    ATRIUM_BILLING_STRIPE_BASE_URL: platform.baseUrl,
    ATRIUM_BILLING_WEBHOOK_SECRETS: WHSEC_BILLING,
    ATRIUM_BILLING_PLANS: JSON.stringify(PLANS),
  });
  for (const k of ['ATRIUM_STRIPE_CONNECT_FEE_BPS', 'ATRIUM_BILLING_STRIPE_API_VERSION', 'ATRIUM_BILLING_PORTAL_CONFIGURATION']) delete process.env[k];
  tk = await createTestKernel({
    plugins: [payments, stripe],
    // the operator's Stripe (Connect, billing) and the tenant's own, both fakes: allowed by the platform config
    config: { outbound: { allow: { 'payments-stripe': [platform.baseUrl, own.baseUrl] } } },
    tenants: [
      { name: 'Acme', owner: 'owner@acme.test', enable: ['payments'], users: [{ email: 'admin@acme.test', roles: ['admin'] }] },
      { name: 'Initech', owner: 'owner@initech.test' },
      { name: 'Connecto', owner: 'owner@connecto.test', enable: ['payments'] },
    ],
  });
  sys = new pg.Client({ connectionString: tk.databaseUrls.system });
  await sys.connect();
  acme = await tk.as('owner@acme.test');
  acmeAdmin = await tk.as('admin@acme.test');
  initech = await tk.as('owner@initech.test');
  connecto = await tk.as('owner@connecto.test');
  await configure(acme, 'payments', { publicBaseUrl: tk.url, defaultProvider: 'stripe' }, false);
  await configure(acme, 'payments-stripe', { apiBaseUrl: own.baseUrl, secretKey: own.secretKey, webhookSecrets: [WHSEC_TENANT] });
  await configure(connecto, 'payments', { publicBaseUrl: tk.url, defaultProvider: 'stripe' }, false);
  // the operator registers ONE billing endpoint (no tenant in the URL), subscribed to the billing events
  hook = platform.addWebhookEndpoint({ url: `${tk.url}/api/payments-stripe/billing/webhooks`, secrets: [WHSEC_BILLING], enabledEvents: BILLING_EVENTS });
});

afterAll(async () => {
  await sys?.end();
  await tk?.stop();
  await platform?.close();
  await own?.close();
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

describe('card collection: Stripe Checkout in subscription mode', () => {
  let firstSession: string;

  it('is the owner\'s: an admin gets 403, bad input is a 400 naming the field, nothing reaches Stripe', async () => {
    const admin = await acmeAdmin.post('/api/payments-stripe/billing/checkout', { planId: 'starter', ...back });
    expect(admin.status).toBe(403);
    expect(admin.body.error.code).toBe('OWNER_REQUIRED');
    const badUrl = await acme.post('/api/payments-stripe/billing/checkout', { planId: 'starter', ...back, successUrl: 'javascript:alert(1)' });
    expect(badUrl.status).toBe(400);
    expect(JSON.stringify(badUrl.body)).toContain('successUrl');
    const badPlan = await acme.post('/api/payments-stripe/billing/checkout', { planId: 'gold', ...back });
    expect(badPlan.status).toBe(400);
    expect(JSON.stringify(badPlan.body)).toContain('planId');
    expect(objects(platform, 'checkout.session')).toHaveLength(0);
  });

  it('makes a subscription-mode Checkout Session for the tenant\'s customer, with the trial and the tenant tagged, in Stripe\'s request shape', async () => {
    const r = await acme.post('/api/payments-stripe/billing/checkout', { planId: 'starter', ...back });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ planId: 'starter', trialDays: 14 });
    expect(r.body.url).toBe(`${platform.baseUrl}/checkout/${r.body.sessionId}`);
    firstSession = r.body.sessionId;
    const session = platform.objects.get(firstSession) as any;
    const [customer] = objects(platform, 'customer');
    expect(session).toMatchObject({
      mode: 'subscription', status: 'open', customer: customer.id, client_reference_id: acme.tenantId,
      metadata: { atrium_tenant_id: acme.tenantId, atrium_plan: 'starter' },
      _trial: 14, _paymentMethodCollection: 'always', _subscriptionMetadata: { atrium_tenant_id: acme.tenantId, atrium_plan: 'starter' },
    });
    expect(customer.metadata).toEqual({ atrium_tenant_id: acme.tenantId });
    const price = platform.objects.get((session._lines as any[])[0].price) as any;
    expect(price).toMatchObject({ unit_amount: 1900, currency: 'usd', product: 'atrium_plan_starter', recurring: { interval: 'month', interval_count: 1 } });
    // the wire: form-encoded, pinned Stripe-Version, our idempotency key
    const req = lastRequest(platform, 'POST', '/v1/checkout/sessions');
    expect(req.contentType).toBe('application/x-www-form-urlencoded');
    expect(req.stripeVersion).toBe(BILLING_API_VERSION);
    expect(req.idempotencyKey).toMatch(new RegExp(`^atrium-billing-checkout-${acme.tenantId}-[0-9a-f]{32}$`));
    expect(decodeStripeForm(req.body)).toMatchObject({
      mode: 'subscription', customer: customer.id, success_url: back.successUrl, payment_method_collection: 'always',
      subscription_data: { trial_period_days: '14', metadata: { atrium_tenant_id: acme.tenantId } },
    });
    const s = await acme.get('/api/payments-stripe/billing/subscription');
    expect(s.body).toMatchObject({ subscribed: false, checkoutSessionId: firstSession });
  });

  it('the same Idempotency-Key answers the same page; a new Checkout expires the previous page so only one can become a subscription', async () => {
    const key = { headers: { 'Idempotency-Key': 'checkout-click-1' } };
    const a = await acme.post('/api/payments-stripe/billing/checkout', { planId: 'pro', ...back }, key);
    const b = await acme.post('/api/payments-stripe/billing/checkout', { planId: 'pro', ...back }, key);
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    expect(b.body.sessionId).toBe(a.body.sessionId);
    expect((platform.objects.get(firstSession) as any).status).toBe('expired');
    const open = objects(platform, 'checkout.session').filter((s) => s.status === 'open');
    expect(open.map((s) => s.id)).toEqual([a.body.sessionId]);
    expect(objects(platform, 'customer')).toHaveLength(1);
    // the expiry event of the first page reaches the one endpoint and changes nothing
    const expired = [...platform.events].find((e: any) => e.type === 'checkout.session.expired' && e.data.object.id === firstSession)!;
    const [r] = await platform.deliver(expired.id);
    expect(r!.status, r!.body!).toBe(200);
    expect(JSON.parse(r!.body!).outcome).toBe('stale_checkout');
    expect((await row(acme.tenantId)).checkout_session_id).toBe(a.body.sessionId);
    firstSession = a.body.sessionId;
  });

  it('the owner pays on Stripe\'s page: the events at the ONE platform URL (in any order) make the tenant trialing with a card on file', async () => {
    platform.completeCheckoutSession(firstSession);
    const sub = objects(platform, 'subscription')[0];
    expect(sub).toMatchObject({ status: 'trialing', metadata: { atrium_tenant_id: acme.tenantId, atrium_plan: 'pro' } });
    expect(sub.default_payment_method).toMatch(/^pm_/);
    expect(platform.pending.length).toBeGreaterThan(2);
    const results = await platform.deliverPending({ order: 'reverse' });
    expect(results.map((r) => r.status)).toEqual(results.map(() => 200));
    expect(outcomes(results)).toContain('applied');
    const s = await acme.get('/api/payments-stripe/billing/subscription');
    expect(s.body).toMatchObject({ subscribed: true, status: 'trialing', planId: 'pro', subscriptionId: sub.id, trialUsed: true, checkoutSessionId: null, lastInvoiceStatus: 'paid' });
    const types = (await eventRows(acme.tenantId)).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['checkout.session.completed', 'customer.subscription.created', 'invoice.paid']));
    // while subscribed, Checkout is refused: the card is changed in the portal, the plan by a plan change
    const again = await acme.post('/api/payments-stripe/billing/checkout', { planId: 'starter', ...back });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('ALREADY_SUBSCRIBED');
  });

  it('without webhooks, a refresh reads the completed page back (the owner returns to successUrl before the events)', async () => {
    const c = await initech.post('/api/payments-stripe/billing/checkout', { planId: 'starter', ...back });
    expect(c.status, JSON.stringify(c.body)).toBe(200);
    platform.completeCheckoutSession(c.body.sessionId);
    const pending = platform.pending.length;
    expect((await initech.get('/api/payments-stripe/billing/subscription')).body).toMatchObject({ subscribed: false, checkoutSessionId: c.body.sessionId });
    const s = await initech.get('/api/payments-stripe/billing/subscription', { query: { refresh: 'true' } });
    expect(s.status, JSON.stringify(s.body)).toBe(200);
    expect(s.body).toMatchObject({ subscribed: true, status: 'trialing', planId: 'starter', checkoutSessionId: null });
    // the late events then find the state already there
    expect(platform.pending.length).toBe(pending);
    const results = await platform.deliverPending();
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect((await initech.get('/api/payments-stripe/billing/subscription')).body).toMatchObject({ status: 'trialing', planId: 'starter' });
  });
});

describe('the Billing customer portal', () => {
  it('needs a billing customer first (409), and is the owner\'s', async () => {
    const none = await connecto.post('/api/payments-stripe/billing/portal', { returnUrl: 'https://connecto.example/billing' });
    expect(none.status).toBe(409);
    expect(none.body.error.code).toBe('NO_BILLING_CUSTOMER');
    expect((await acmeAdmin.post('/api/payments-stripe/billing/portal', { returnUrl: 'https://acme.example/billing' })).status).toBe(403);
    const bad = await acme.post('/api/payments-stripe/billing/portal', { returnUrl: 'https://acme.example/billing', flow: 'refund_everything' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('flow');
  });

  it('answers a portal link for the tenant\'s customer; a card changed there reaches the tenant through the one URL', async () => {
    const r = await acme.post('/api/payments-stripe/billing/portal', { returnUrl: 'https://acme.example/billing', flow: 'payment_method_update' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const ps = platform.objects.get(r.body.sessionId) as any;
    const customerId = (await row(acme.tenantId)).customer_id;
    expect(ps).toMatchObject({ object: 'billing_portal.session', customer: customerId, return_url: 'https://acme.example/billing', flow: { type: 'payment_method_update' } });
    expect(r.body.url).toBe(ps.url);
    const req = lastRequest(platform, 'POST', '/v1/billing_portal/sessions');
    expect(req.stripeVersion).toBe(BILLING_API_VERSION);
    expect(req.idempotencyKey).toMatch(/^atrium-billing-portal-/);
    expect(decodeStripeForm(req.body)).toEqual({ customer: customerId, return_url: 'https://acme.example/billing', flow_data: { type: 'payment_method_update' } });

    const pm = platform.portalUpdatePaymentMethod(r.body.sessionId);
    const results = await platform.deliverPending();
    expect(results.every((x) => x.status === 200)).toBe(true);
    expect(outcomes(results)).toEqual(expect.arrayContaining(['applied', 'ignored_type'])); // customer.updated is not a billing state change
    const sub = objects(platform, 'subscription').find((s) => s.customer === customerId);
    expect(sub.default_payment_method).toBe(pm.id);
  });

  it('cancelling in the portal (at period end) and a failed renewal show up in the tenant\'s subscription', async () => {
    const r = await acme.post('/api/payments-stripe/billing/portal', { returnUrl: 'https://acme.example/billing', flow: 'subscription_cancel' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const subId = (await row(acme.tenantId)).subscription_id;
    expect(decodeStripeForm(lastRequest(platform, 'POST', '/v1/billing_portal/sessions').body)).toMatchObject({ flow_data: { type: 'subscription_cancel', subscription_cancel: { subscription: subId } } });
    platform.portalCancelSubscription(r.body.sessionId, subId);
    await platform.deliverPending();
    expect((await acme.get('/api/payments-stripe/billing/subscription')).body).toMatchObject({ cancelAtPeriodEnd: true, subscribed: true });
    expect((await acme.post('/api/payments-stripe/billing/subscription/resume')).body).toMatchObject({ cancelAtPeriodEnd: false });
    platform.attemptSubscriptionInvoice(subId, 'failed');
    await platform.deliverPending({ order: 'shuffle' });
    expect((await acme.get('/api/payments-stripe/billing/subscription')).body).toMatchObject({ status: 'past_due', lastInvoiceStatus: 'payment_failed' });
  });
});

describe('one platform billing webhook URL for every tenant', () => {
  it('routes each event to the tenant in its metadata; a bad signature is a 400 that stores nothing', async () => {
    const acmeSub = (await row(acme.tenantId)).subscription_id;
    const initechSub = (await row(initech.tenantId)).subscription_id;
    platform.attemptSubscriptionInvoice(acmeSub, 'paid');
    platform.attemptSubscriptionInvoice(initechSub, 'failed');
    const ids = platform.pending.map((p) => p.eventId);
    const before = [(await eventRows(acme.tenantId)).length, (await eventRows(initech.tenantId)).length];
    for (const signature of ['wrong_secret', 'stale', 'missing', 'tampered_body'] as const) {
      const [r] = await platform.deliver(ids[0]!, { signature });
      expect(r!.status, signature).toBe(400);
    }
    expect([(await eventRows(acme.tenantId)).length, (await eventRows(initech.tenantId)).length]).toEqual(before);
    // (a delivery attempt takes the event off the queue, as at Stripe: it is sent again, signed)
    const results = [...(await platform.deliver(ids[0]!)), ...(await platform.deliverPending())];
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect((await acme.get('/api/payments-stripe/billing/subscription')).body).toMatchObject({ status: 'active', lastInvoiceStatus: 'paid' });
    expect((await initech.get('/api/payments-stripe/billing/subscription')).body).toMatchObject({ status: 'past_due', lastInvoiceStatus: 'payment_failed' });
    // each event was stored at its own tenant only
    const acmeEvents = new Set((await eventRows(acme.tenantId)).map((e) => e.event_id));
    const initechEvents = new Set((await eventRows(initech.tenantId)).map((e) => e.event_id));
    expect([...acmeEvents].filter((e) => initechEvents.has(e))).toEqual([]);
  });

  it('an event the tenant metadata does not name (the invoice of a newer API shape) is resolved by re-reading the subscription', async () => {
    const subId = (await row(initech.tenantId)).subscription_id;
    const event = {
      id: 'evt_shape_2025_03_31', object: 'event', type: 'invoice.paid', api_version: '2025-03-31.basil', created: platform.now(), livemode: false,
      data: { object: { id: 'in_x', object: 'invoice', customer: (await row(initech.tenantId)).customer_id, parent: { subscription_details: { subscription: subId } }, metadata: {} } },
    };
    platform.attemptSubscriptionInvoice(subId, 'paid'); // Stripe's state: paid
    await platform.deliverPending();
    const body = JSON.stringify(event);
    const r = await fetch(`${tk.url}/api/payments-stripe/billing/webhooks`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signStripePayload({ rawBody: body, secrets: [WHSEC_BILLING] }) }, body,
    });
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ outcome: 'applied', status: 'active' });
    expect((await eventRows(initech.tenantId)).map((e) => e.event_id)).toContain('evt_shape_2025_03_31');
  });

  it('events of the operator\'s account that no tenant\'s billing made are acknowledged and change nothing', async () => {
    const countBefore = (await sys.query('select count(*)::int as n from payments_stripe.billing_event')).rows[0].n;
    // another product the operator sells on the same Stripe account
    const customer = await (await fetch(`${platform.baseUrl}/v1/customers`, { method: 'POST', headers: { authorization: `Bearer ${platform.secretKey}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'email=someone%40else.test' })).json();
    await fetch(`${platform.baseUrl}/v1/products`, { method: 'POST', headers: { authorization: `Bearer ${platform.secretKey}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'id=other_product&name=Other' });
    await fetch(`${platform.baseUrl}/v1/subscriptions`, {
      method: 'POST', headers: { authorization: `Bearer ${platform.secretKey}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: `customer=${customer.id}&items[0][price_data][currency]=usd&items[0][price_data][product]=other_product&items[0][price_data][unit_amount]=500&items[0][price_data][recurring][interval]=month`,
    });
    const results = await platform.deliverPending();
    expect(results.length).toBeGreaterThan(0);
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(outcomes(results)).toEqual(results.map(() => 'unknown_tenant'));
    expect((await sys.query('select count(*)::int as n from payments_stripe.billing_event')).rows[0].n).toBe(countBefore);
  });
});

describe('billing does not depend on the tenant enabling Stripe for its own customers', () => {
  it('a tenant that turns its Stripe customer payments off keeps its billing: routes, plan change, portal and webhooks', async () => {
    expect((await acme.post('/api/plugins/payments-stripe/disable')).body.state).toBe('disabled');
    // its customer payments through Stripe are off…
    const pay = await acme.post('/api/payments/intents', { amount: 1000, currency: 'usd', provider: 'stripe', description: 'x' });
    expect(pay.status).toBe(403);
    // …the operator's billing of it is not
    expect((await acme.get('/api/payments-stripe/billing/plans')).status).toBe(200);
    expect((await acme.get('/api/payments-stripe/billing/subscription')).body).toMatchObject({ subscribed: true, status: 'active' });
    const change = await acme.post('/api/payments-stripe/billing/subscription/plan', { planId: 'starter' });
    expect(change.status, JSON.stringify(change.body)).toBe(200);
    expect(change.body).toMatchObject({ planId: 'starter', direction: 'downgrade' });
    expect((await acme.post('/api/payments-stripe/billing/portal', { returnUrl: 'https://acme.example/billing' })).status).toBe(200);
    const subId = (await row(acme.tenantId)).subscription_id;
    platform.attemptSubscriptionInvoice(subId, 'failed');
    const results = await platform.deliverPending();
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect((await acme.get('/api/payments-stripe/billing/subscription')).body).toMatchObject({ status: 'past_due' });
    // Connect (the tenant's own customer payments) stays behind the tenant's switch
    expect((await acme.get('/api/payments-stripe/connect')).status).toBe(403);
    expect((await acme.post('/api/plugins/payments-stripe/enable')).status).toBe(200);
  });

  it('a tenant that never enabled any payments plugin is billed like any other (Initech above) and purging the plugin keeps the billing record', async () => {
    expect((await initech.get('/api/plugins/payments-stripe')).body.state).toBe('disabled');
    expect((await initech.get('/api/payments-stripe/billing/subscription')).body).toMatchObject({ subscribed: true });
    const started = await initech.post('/api/plugins/payments-stripe/purge');
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    // the purge runs as a job (kernel plugin states): wait for it to end
    let purge: any;
    for (let i = 0; i < 400 && purge?.state !== 'purged'; i++) {
      purge = (await initech.get('/api/plugins/payments-stripe')).body;
      if (purge.state !== 'purged') await new Promise((r) => setTimeout(r, 50));
    }
    expect(purge.state, JSON.stringify(purge)).toBe('purged');
    expect(purge.purge.deleted).not.toHaveProperty('payments_stripe.billing_subscription');
    expect((await row(initech.tenantId)).subscription_id).toMatch(/^sub_/);
    expect((await initech.get('/api/payments-stripe/billing/subscription')).body).toMatchObject({ subscribed: true });
  });
});

describe('a Connect-only tenant (no Stripe key of its own)', () => {
  it('enables the plugin without a key; a key without webhook secrets is a 400 naming webhookSecrets', async () => {
    const half = await connecto.put('/api/plugins/payments-stripe/settings', { settings: { secretKey: 'sk_test_only_a_key' } });
    expect(half.status).toBe(400);
    expect(JSON.stringify(half.body)).toContain('webhookSecrets');
    const e = await connecto.post('/api/plugins/payments-stripe/enable');
    expect(e.status, JSON.stringify(e.body)).toBe(200);
    expect(e.body.state).toBe('enabled');
  });

  it('before onboarding, a payment is refused naming secretKey; after it, payments go through the connected account', async () => {
    const early = await connecto.post('/api/payments/intents', { amount: 2500, currency: 'usd', provider: 'stripe', description: 'Deposit' });
    expect(early.status).toBe(422);
    expect(JSON.stringify(early.body)).toContain('secretKey');
    const o = await connecto.post('/api/payments-stripe/connect/onboarding', { returnUrl: 'https://connecto.example/ok', refreshUrl: 'https://connecto.example/retry' });
    expect(o.status, JSON.stringify(o.body)).toBe(200);
    platform.completeOnboarding(o.body.accountId);
    expect((await connecto.get('/api/payments-stripe/connect')).body).toMatchObject({ active: true });
    const i = await connecto.post('/api/payments/intents', { amount: 2500, currency: 'usd', provider: 'stripe', description: 'Deposit' });
    expect(i.status, JSON.stringify(i.body)).toBe(201);
    expect((platform.objects.get(i.body.providerPaymentId) as any)._account).toBe(o.body.accountId);
  });

  it('its connected account\'s webhooks are verified with the operator\'s Connect secrets (it has none of its own)', async () => {
    const accountId = (await connecto.get('/api/payments-stripe/connect', { query: { refresh: 'false' } })).body.accountId;
    const ep = platform.addWebhookEndpoint({ url: `${tk.url}/api/payments/webhooks/stripe/${connecto.tenantId}`, secrets: [WHSEC_CONNECT], connect: true });
    const i = await connecto.post('/api/payments/intents', { amount: 1200, currency: 'usd', provider: 'stripe', description: 'Cut' });
    platform.completeCheckoutSession(i.body.providerPaymentId, { account: accountId });
    const [bad] = await platform.deliver([...platform.events].reverse().find((e: any) => e.type === 'checkout.session.completed' && e.account === accountId)!.id, { endpointId: ep.id, signature: 'wrong_secret' });
    expect(bad!.status).toBe(400);
    const results = await platform.deliverPending();
    const mine = results.filter((r) => r.endpointId === ep.id);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((r) => r.status === 200)).toBe(true);
    await tk.drainEvents();
    expect((await connecto.get(`/api/payments/intents/${i.body.id}`)).body.status).toBe('captured');
  });
});

describe('re-subscribing through Checkout after the subscription ended', () => {
  it('the new subscription is adopted from the webhooks, with no second trial; late events of the old one change nothing', async () => {
    const old = (await row(initech.tenantId)).subscription_id;
    expect((await initech.post('/api/payments-stripe/billing/subscription/cancel')).status).toBe(200);
    platform.endSubscriptionPeriod(old);
    await platform.deliverPending();
    expect((await initech.get('/api/payments-stripe/billing/subscription')).body).toMatchObject({ subscribed: false, status: 'canceled', trialUsed: true });

    const c = await initech.post('/api/payments-stripe/billing/checkout', { planId: 'pro', ...back });
    expect(c.status, JSON.stringify(c.body)).toBe(200);
    expect(c.body.trialDays).toBe(0);
    expect(decodeStripeForm(lastRequest(platform, 'POST', '/v1/checkout/sessions').body).subscription_data).toEqual({ metadata: { atrium_tenant_id: initech.tenantId, atrium_plan: 'pro' } });
    platform.completeCheckoutSession(c.body.sessionId);
    const results = await platform.deliverPending({ order: 'shuffle' });
    expect(results.every((r) => r.status === 200)).toBe(true);
    const s = await initech.get('/api/payments-stripe/billing/subscription');
    expect(s.body).toMatchObject({ subscribed: true, status: 'active', planId: 'pro', trialEnd: null, checkoutSessionId: null });
    expect(s.body.subscriptionId).not.toBe(old);
    // a late event about the ended subscription
    const late = [...platform.events].find((e: any) => e.type === 'customer.subscription.deleted' && e.data.object.id === old)!;
    const [r] = await platform.deliver(late.id, { endpointId: hook.id, times: 1 });
    expect(JSON.parse(r!.body!).outcome).toBe('duplicate');
    const resent = { ...late, id: `${late.id}_resent` };
    const body = JSON.stringify(resent);
    const r2 = await fetch(`${tk.url}/api/payments-stripe/billing/webhooks`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signStripePayload({ rawBody: body, secrets: [WHSEC_BILLING] }) }, body });
    expect((await r2.json()).outcome).toBe('stale_subscription');
    expect((await initech.get('/api/payments-stripe/billing/subscription')).body).toMatchObject({ subscriptionId: s.body.subscriptionId, status: 'active' });
  });
});
