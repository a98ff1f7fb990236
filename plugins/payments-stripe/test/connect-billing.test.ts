// Stripe Connect onboarding and the platform's subscription billing of tenants, on a real kernel
// against two local fake Stripes: the operator's account (Connect platform + billing) and a
// tenant's own account (what the tenant's settings point at before Connect takes over).
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createTestKernel, type TestClient, type TestKernel } from '@atrium/sdk/testing';
import payments from '@atrium/plugin-payments';
import stripe, { signStripePayload } from '../src/index.ts';
import { FakeStripeServer, type WebhookEndpoint } from '../src/testing/index.ts';
import { connectCache } from '../src/connect.cache.ts';

const WHSEC_TENANT = 'whsec_tenant_own_0123456789';
const WHSEC_CONNECT = 'whsec_platform_connect_0123456789';
const WHSEC_BILLING = 'whsec_platform_billing_0123456789';
const PLANS = [
  { id: 'starter', name: 'Starter', priceMinor: 1900, currency: 'usd', interval: 'month', trialDays: 14, features: ['1 store'] },
  { id: 'pro', name: 'Pro', priceMinor: 4900, currency: 'usd', interval: 'month', trialDays: 14, features: ['5 stores', 'analytics'] },
  { id: 'yearly', name: 'Starter yearly', priceMinor: 19000, currency: 'usd', interval: 'year', features: ['1 store'] },
];
const ENV = [
  'ATRIUM_STRIPE_CONNECT_SECRET_KEY', 'ATRIUM_STRIPE_CONNECT_BASE_URL', 'ATRIUM_STRIPE_CONNECT_WEBHOOK_SECRETS', 'ATRIUM_STRIPE_CONNECT_FEE_BPS',
  'ATRIUM_BILLING_STRIPE_SECRET_KEY', 'ATRIUM_BILLING_STRIPE_BASE_URL', 'ATRIUM_BILLING_WEBHOOK_SECRETS', 'ATRIUM_BILLING_PLANS',
];
const savedEnv = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));

let tk: TestKernel;
let platform: FakeStripeServer; // the operator's Stripe account
let own: FakeStripeServer; // the tenants' own Stripe accounts (their settings)
let sys: pg.Client;
let acme: TestClient;
let globex: TestClient;
let acmeStaff: TestClient;
let acmeAdmin: TestClient;
let acmeManager: TestClient;

const paymentsHook = (tenantId: string) => `${tk.url}/api/payments/webhooks/stripe/${tenantId}`;
const billingHook = (tenantId: string) => `${tk.url}/api/payments-stripe/billing/webhooks/${tenantId}`;
const objects = (fake: FakeStripeServer, kind: string) => [...fake.objects.values()].filter((o: any) => o.object === kind) as any[];
const urls = { returnUrl: 'https://acme.example/settings/stripe/done', refreshUrl: 'https://acme.example/settings/stripe/retry' };

async function configure(c: TestClient, plugin: string, settings: Record<string, unknown>, enable = true) {
  const r = await c.put(`/api/plugins/${plugin}/settings`, { settings });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  if (enable) {
    const e = await c.post(`/api/plugins/${plugin}/enable`);
    expect(e.status, JSON.stringify(e.body)).toBe(200);
  }
}

async function intent(c: TestClient, amount: number) {
  const r = await c.post('/api/payments/intents', { amount, currency: 'usd', provider: 'stripe', description: 'Haircut deposit' });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
}

async function billingRow(tenantId: string) {
  return (await sys.query('select * from payments_stripe.billing_subscription where tenant_id = $1', [tenantId])).rows[0] ?? null;
}

async function billingEvents(tenantId: string, eventId?: string): Promise<number> {
  const r = await sys.query(`select count(*)::int as n from payments_stripe.billing_event where tenant_id = $1 ${eventId ? 'and event_id = $2' : ''}`, eventId ? [tenantId, eventId] : [tenantId]);
  return r.rows[0].n;
}

const lastEvent = (fake: FakeStripeServer, type: string, objectId: string) =>
  [...fake.events].reverse().find((e: any) => e.type === type && (e.data.object.id === objectId || e.data.object.subscription === objectId)) as any;

beforeAll(async () => {
  platform = await FakeStripeServer.start({ secretKey: 'sk_test_operator_platform' });
  own = await FakeStripeServer.start({ secretKey: 'sk_test_tenant_own' });
  Object.assign(process.env, {
    ATRIUM_STRIPE_CONNECT_SECRET_KEY: platform.secretKey,
    ATRIUM_STRIPE_CONNECT_BASE_URL: platform.baseUrl,
    ATRIUM_STRIPE_CONNECT_WEBHOOK_SECRETS: WHSEC_CONNECT,
    ATRIUM_BILLING_STRIPE_SECRET_KEY: platform.secretKey,
    ATRIUM_BILLING_STRIPE_BASE_URL: platform.baseUrl,
    ATRIUM_BILLING_WEBHOOK_SECRETS: `whsec_billing_old_0123456789, ${WHSEC_BILLING}`,
    ATRIUM_BILLING_PLANS: JSON.stringify(PLANS),
  });
  delete process.env.ATRIUM_STRIPE_CONNECT_FEE_BPS;
  tk = await createTestKernel({
    plugins: [payments, stripe],
    // the operator's Stripe (Connect, billing) and the tenant's own, both fakes: allowed by the platform config
    config: { outbound: { allow: { 'payments-stripe': [platform.baseUrl, own.baseUrl] } } },
    tenants: [
      {
        name: 'Acme', owner: 'owner@acme.test', enable: ['payments'],
        users: [{ email: 'staff@acme.test', roles: ['staff'] }, { email: 'admin@acme.test', roles: ['admin'] }, { email: 'manager@acme.test', roles: ['manager'] }],
      },
      { name: 'Globex', owner: 'owner@globex.test', enable: ['payments'] },
    ],
  });
  sys = new pg.Client({ connectionString: tk.databaseUrls.system });
  await sys.connect();
  acme = await tk.as('owner@acme.test');
  globex = await tk.as('owner@globex.test');
  acmeStaff = await tk.as('staff@acme.test');
  acmeAdmin = await tk.as('admin@acme.test');
  acmeManager = await tk.as('manager@acme.test');
  for (const c of [acme, globex]) {
    await configure(c, 'payments', { publicBaseUrl: tk.url, defaultProvider: 'stripe' }, false);
    await configure(c, 'payments-stripe', { apiBaseUrl: own.baseUrl, secretKey: own.secretKey, webhookSecrets: [WHSEC_TENANT] });
  }
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

describe('Stripe Connect onboarding', () => {
  let accountId: string;

  it('is for owners/admins: staff get 403, a bad URL is a 400 naming the field', async () => {
    expect((await acmeStaff.post('/api/payments-stripe/connect/onboarding', urls)).status).toBe(403);
    expect((await acmeStaff.get('/api/payments-stripe/connect')).status).toBe(403);
    const bad = await acme.post('/api/payments-stripe/connect/onboarding', { ...urls, returnUrl: 'javascript:alert(1)' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('returnUrl');
    expect(objects(platform, 'account')).toHaveLength(0);
  });

  it('creates one connected account even when started twice at once, and answers an onboarding link each time', async () => {
    const [a, b] = await Promise.all([
      acme.post('/api/payments-stripe/connect/onboarding', urls),
      acme.post('/api/payments-stripe/connect/onboarding', urls),
    ]);
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    expect(b.status, JSON.stringify(b.body)).toBe(200);
    expect(a.body.accountId).toMatch(/^acct_/);
    expect(b.body.accountId).toBe(a.body.accountId);
    expect([a.body.created, b.body.created].sort()).toEqual([false, true]);
    accountId = a.body.accountId;
    const accounts = objects(platform, 'account');
    expect(accounts).toHaveLength(1);
    expect(accounts[0]).toMatchObject({ id: accountId, type: 'standard', metadata: { atrium_tenant_id: acme.tenantId } });
    for (const r of [a, b]) {
      expect(r.body.url).toBe(`${platform.baseUrl}/connect/${accountId}/account_onboarding`);
      expect(Date.parse(r.body.expiresAt)).toBeGreaterThan(Date.now());
      expect(r.body).toMatchObject({ chargesEnabled: false, active: false, applicationFeeBps: 0 });
    }
    // a later call (the owner closed the tab) links the same account again
    const again = await acme.post('/api/payments-stripe/connect/onboarding', urls);
    expect(again.body).toMatchObject({ accountId, created: false });
    expect(objects(platform, 'account')).toHaveLength(1);
  });

  it('status re-reads the account: nothing enabled yet, Stripe\'s requirements listed; the manager may read it', async () => {
    const s = await acmeManager.get('/api/payments-stripe/connect');
    expect(s.status, JSON.stringify(s.body)).toBe(200);
    expect(s.body).toMatchObject({ configured: true, accountId, chargesEnabled: false, payoutsEnabled: false, active: false });
    expect(s.body.requirements.currentlyDue).toContain('external_account');
    expect((await acmeManager.post('/api/payments-stripe/connect/onboarding', urls)).status).toBe(403);
  });

  it('until Stripe enables charges, payments still go through the tenant\'s own key', async () => {
    const i = await intent(acme, 2500);
    expect(objects(own, 'checkout.session').map((s) => s.id)).toContain(i.providerPaymentId);
    expect(objects(platform, 'checkout.session')).toHaveLength(0);
  });

  it('after Stripe completes onboarding, status shows it and checkouts carry the connected account with no fee by default', async () => {
    platform.completeOnboarding(accountId);
    const s = await acme.get('/api/payments-stripe/connect');
    expect(s.body).toMatchObject({ accountId, chargesEnabled: true, payoutsEnabled: true, detailsSubmitted: true, active: true });
    expect(s.body.requirements.currentlyDue).toEqual([]);

    const i = await intent(acme, 4000);
    const session = platform.objects.get(i.providerPaymentId) as any;
    expect(session, 'the session is made at the operator\'s platform account').toBeTruthy();
    expect(session._account).toBe(accountId); // sent with Stripe-Account
    expect(session._fee).toBeNull(); // applicationFeeBps 0 → no application_fee_amount
    expect(own.objects.has(i.providerPaymentId)).toBe(false);
  });

  it('the platform commission (ATRIUM_STRIPE_CONNECT_FEE_BPS) becomes the application fee; later operations use the same account', async () => {
    process.env.ATRIUM_STRIPE_CONNECT_FEE_BPS = '250';
    try {
      const i = await intent(acme, 4000);
      const session = platform.objects.get(i.providerPaymentId) as any;
      expect(session._account).toBe(accountId);
      expect(session._fee).toBe(100); // 2.5 % of 40.00
      // the customer pays on the connected account; the core's refresh reads it back through the same account
      platform.completeCheckoutSession(i.providerPaymentId, { account: accountId });
      const r = await acme.post(`/api/payments/intents/${i.id}/refresh`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      const got = await acme.get(`/api/payments/intents/${i.id}`);
      expect(got.body.status).toBe('captured');
      expect((platform.objects.get(session.payment_intent) as any).application_fee_amount).toBe(100);
    } finally {
      delete process.env.ATRIUM_STRIPE_CONNECT_FEE_BPS;
    }
  });

  it('account.updated through the tenant\'s webhook URL (Connect endpoint, operator secret) updates the stored state; other tenants\' accounts are ignored', async () => {
    const g = await globex.post('/api/payments-stripe/connect/onboarding', { returnUrl: 'https://globex.example/ok', refreshUrl: 'https://globex.example/retry' });
    expect(g.status, JSON.stringify(g.body)).toBe(200);
    const globexAccount = g.body.accountId as string;
    expect(globexAccount).not.toBe(accountId);
    const epGlobex: WebhookEndpoint = platform.addWebhookEndpoint({ url: paymentsHook(globex.tenantId), secrets: [WHSEC_CONNECT], connect: true });
    const epAcme: WebhookEndpoint = platform.addWebhookEndpoint({ url: paymentsHook(acme.tenantId), secrets: [WHSEC_CONNECT], connect: true });
    platform.completeOnboarding(globexAccount);
    const ev = lastEvent(platform, 'account.updated', globexAccount);
    expect(ev.account).toBe(globexAccount);

    const [wrong] = await platform.deliver(ev.id, { endpointId: epGlobex.id, signature: 'wrong_secret' });
    expect(wrong!.status).toBe(400);
    await tk.drainEvents();
    expect((await globex.get('/api/payments-stripe/connect', { query: { refresh: 'false' } })).body.chargesEnabled).toBe(false);

    // delivered twice: stored once by the core, applied by the subscriber (which re-reads the account)
    const ok = await platform.deliver(ev.id, { endpointId: epGlobex.id, times: 2 });
    expect(ok.map((r) => r.status)).toEqual([200, 200]);
    await tk.drainEvents();
    const stored = await globex.get('/api/payments-stripe/connect', { query: { refresh: 'false' } });
    expect(stored.body).toMatchObject({ accountId: globexAccount, chargesEnabled: true, payoutsEnabled: true, active: true });

    // the same validly signed event at Acme's URL: acknowledged, nothing stored for Acme
    const [atAcme] = await platform.deliver(ev.id, { endpointId: epAcme.id });
    expect(atAcme!.status).toBe(200);
    expect(JSON.parse(atAcme!.body!)).toMatchObject({ stored: 0 });
    const rows = await sys.query('select tenant_id from payments.webhook_event where event_id = $1', [ev.id]);
    expect(rows.rows.map((r) => r.tenant_id)).toEqual([globex.tenantId]);
    expect((await acme.get('/api/payments-stripe/connect', { query: { refresh: 'false' } })).body.accountId).toBe(accountId);
  });
  it('a Connect row changed elsewhere while this node caches it loses no event: verification decides again with a fresh read', async () => {
    const post = async (event: Record<string, unknown>, secret: string) => {
      const body = JSON.stringify({ object: 'event', created: Math.floor(Date.now() / 1000), livemode: false, data: { object: { id: 'cus_1', object: 'customer' } }, ...event });
      const r = await fetch(paymentsHook(acme.tenantId), { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signStripePayload({ rawBody: body, secrets: [secret] }) }, body });
      return { status: r.status, body: (await r.json()) as any };
    };
    const setAccount = (id: string | null) => sys.query('update payments_stripe.connect_account set account_id = $2 where tenant_id = $1', [acme.tenantId, id]);
    const staleNoAccount = async () => {
      // this node read Acme's row before the account existed (a fresh node: empty cache)
      await setAccount(null);
      connectCache.clear();
      expect((await post({ id: `evt_warm_${crypto.randomUUID()}`, type: 'customer.created' }, WHSEC_TENANT)).body).toMatchObject({ stored: 1 });
      expect(connectCache.get(acme.tenantId)).toEqual({ row: { account_id: null, charges_enabled: true } });
      // … and then another node stored the account (no invalidation reaches this one)
      await setAccount(accountId);
    };
    try {
      // an event of the connected account signed only with the operator's Connect secret
      await staleNoAccount();
      const viaConnect = await post({ id: `evt_connect_${crypto.randomUUID()}`, type: 'customer.updated', account: accountId }, WHSEC_CONNECT);
      expect(viaConnect).toMatchObject({ status: 200, body: { stored: 1 } });
      expect(connectCache.get(acme.tenantId)?.row?.account_id).toBe(accountId);
      // an event of the connected account at the tenant's own endpoint: not ignored as "someone else's account"
      await staleNoAccount();
      const own = await post({ id: `evt_own_${crypto.randomUUID()}`, type: 'customer.updated', account: accountId }, WHSEC_TENANT);
      expect(own).toMatchObject({ status: 200, body: { stored: 1 } });
      // still ignored after the fresh read: another account's event; still refused: a wrong signature
      expect(await post({ id: `evt_other_${crypto.randomUUID()}`, type: 'customer.updated', account: 'acct_not_acme' }, WHSEC_TENANT)).toMatchObject({ status: 200, body: { stored: 0 } });
      expect((await post({ id: `evt_bad_${crypto.randomUUID()}`, type: 'customer.updated', account: accountId }, 'whsec_wrong_0123456789')).status).toBe(400);
    } finally {
      await setAccount(accountId);
      connectCache.clear();
    }
    await tk.drainEvents();
  });
});

describe('platform subscription billing of tenants', () => {
  let subId: string;
  let ep: WebhookEndpoint;
  let epGlobex: WebhookEndpoint;

  beforeAll(() => {
    ep = platform.addWebhookEndpoint({ url: billingHook(acme.tenantId), secrets: [WHSEC_BILLING] });
    epGlobex = platform.addWebhookEndpoint({ url: billingHook(globex.tenantId), secrets: [WHSEC_BILLING] });
  });

  it('lists the plans from the operator\'s environment', async () => {
    const r = await acme.get('/api/payments-stripe/billing/plans');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.plans.map((p: any) => p.id)).toEqual(['starter', 'pro', 'yearly']);
    expect(r.body.plans[1]).toEqual({ id: 'pro', name: 'Pro', priceMinor: 4900, currency: 'USD', interval: 'month', intervalCount: 1, trialDays: 14, features: ['5 stores', 'analytics'] });
    expect((await acmeStaff.get('/api/payments-stripe/billing/plans')).status).toBe(403);
    const none = await acme.get('/api/payments-stripe/billing/subscription');
    expect(none.body).toMatchObject({ subscribed: false, status: null, planId: null });
  });

  it('only the owner subscribes: staff and admin get 403, an unknown plan is a 400 naming planId', async () => {
    expect((await acmeStaff.post('/api/payments-stripe/billing/subscription', { planId: 'starter' })).status).toBe(403);
    const admin = await acmeAdmin.post('/api/payments-stripe/billing/subscription', { planId: 'starter' }, { headers: { 'accept-language': 'ru' } });
    expect(admin.status).toBe(403);
    // the kernel's owner code, worded by this plugin for its own routes
    expect(admin.body.error).toMatchObject({ code: 'OWNER_REQUIRED', message: 'Менять подписку компании может только её владелец' });
    const bad = await acme.post('/api/payments-stripe/billing/subscription', { planId: 'platinum' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('planId');
    expect(objects(platform, 'subscription')).toHaveLength(0);
    expect(objects(platform, 'customer')).toHaveLength(0);
  });

  it('subscribes with the plan\'s trial; the customer and the subscription are made once even for concurrent calls', async () => {
    const [a, b] = await Promise.all([
      acme.post('/api/payments-stripe/billing/subscription', { planId: 'starter' }),
      acme.post('/api/payments-stripe/billing/subscription', { planId: 'starter' }),
    ]);
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    expect(b.status, JSON.stringify(b.body)).toBe(200);
    expect([a.body.created, b.body.created].sort()).toEqual([false, true]);
    expect(a.body).toMatchObject({ subscribed: true, status: 'trialing', planId: 'starter', cancelAtPeriodEnd: false, plan: { name: 'Starter' } });
    const trialDays = (Date.parse(a.body.trialEnd) - Date.now()) / 86_400_000;
    expect(trialDays).toBeGreaterThan(13.9);
    expect(trialDays).toBeLessThanOrEqual(14);
    expect(a.body.currentPeriodEnd).toBe(a.body.trialEnd);
    subId = a.body.subscriptionId;
    const subs = objects(platform, 'subscription');
    expect(subs).toHaveLength(1);
    expect(subs[0]).toMatchObject({ id: subId, status: 'trialing', metadata: { atrium_tenant_id: acme.tenantId, atrium_plan: 'starter' } });
    expect(subs[0].items.data[0].price).toMatchObject({ unit_amount: 1900, currency: 'usd', product: 'atrium_plan_starter', recurring: { interval: 'month' } });
    const customers = objects(platform, 'customer');
    expect(customers).toHaveLength(1);
    expect(customers[0]).toMatchObject({ id: subs[0].customer, email: 'owner@acme.test', metadata: { atrium_tenant_id: acme.tenantId } });
    // the subscription is the tenant's alone: another plan is a plan change, not a second subscription
    const other = await acme.post('/api/payments-stripe/billing/subscription', { planId: 'pro' });
    expect(other.status).toBe(409);
  });

  it('upgrades at Stripe (prorated difference invoiced now) and downgrades (credited to the next invoice)', async () => {
    expect((await acmeAdmin.post('/api/payments-stripe/billing/subscription/plan', { planId: 'pro' })).status).toBe(403);
    const up = await acme.post('/api/payments-stripe/billing/subscription/plan', { planId: 'pro' });
    expect(up.status, JSON.stringify(up.body)).toBe(200);
    expect(up.body).toMatchObject({ planId: 'pro', changed: true, direction: 'upgrade', prorationBehavior: 'always_invoice', status: 'trialing' });
    const sub = platform.objects.get(subId) as any;
    expect(sub.items.data).toHaveLength(1);
    expect(sub.items.data[0].price).toMatchObject({ unit_amount: 4900, product: 'atrium_plan_pro' });
    expect(sub.metadata.atrium_plan).toBe('pro');
    expect(sub._updates.at(-1)).toMatchObject({ proration_behavior: 'always_invoice' });

    const same = await acme.post('/api/payments-stripe/billing/subscription/plan', { planId: 'pro' });
    expect(same.body).toMatchObject({ changed: false });
    expect(sub._updates).toHaveLength(1);

    const down = await acme.post('/api/payments-stripe/billing/subscription/plan', { planId: 'starter' });
    expect(down.body).toMatchObject({ planId: 'starter', direction: 'downgrade', prorationBehavior: 'create_prorations' });
    expect(sub._updates.at(-1)).toMatchObject({ proration_behavior: 'create_prorations' });
    expect(sub.items.data[0].price.unit_amount).toBe(1900);
    expect((await acme.post('/api/payments-stripe/billing/subscription/plan', { planId: 'nope' })).status).toBe(400);
  });

  it('cancels at period end and resumes', async () => {
    const c = await acme.post('/api/payments-stripe/billing/subscription/cancel');
    expect(c.status, JSON.stringify(c.body)).toBe(200);
    expect(c.body).toMatchObject({ cancelAtPeriodEnd: true, status: 'trialing', subscribed: true });
    expect((platform.objects.get(subId) as any).cancel_at_period_end).toBe(true);
    const r = await acme.post('/api/payments-stripe/billing/subscription/resume');
    expect(r.body).toMatchObject({ cancelAtPeriodEnd: false });
    expect((platform.objects.get(subId) as any).cancel_at_period_end).toBe(false);
  });

  it('operator webhooks: a wrong signature is a 400 and changes nothing; duplicates are harmless; out-of-order events end at Stripe\'s state', async () => {
    platform.attemptSubscriptionInvoice(subId, 'failed');
    const failed = lastEvent(platform, 'invoice.payment_failed', subId);
    const before = await billingRow(acme.tenantId);
    const eventsBefore = await billingEvents(acme.tenantId);
    for (const signature of ['wrong_secret', 'tampered_body', 'stale', 'missing'] as const) {
      const [r] = await platform.deliver(failed.id, { endpointId: ep.id, signature });
      expect(r!.status, signature).toBe(400);
    }
    expect(await billingRow(acme.tenantId)).toEqual(before);
    expect(await billingEvents(acme.tenantId)).toBe(eventsBefore);

    const five = await platform.deliver(failed.id, { endpointId: ep.id, times: 5, concurrent: true });
    expect(five.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(five.map((r) => JSON.parse(r.body!).outcome).filter((o) => o === 'applied')).toHaveLength(1);
    expect(await billingEvents(acme.tenantId, failed.id)).toBe(1);
    let s = await acme.get('/api/payments-stripe/billing/subscription');
    expect(s.body).toMatchObject({ status: 'past_due', lastInvoiceStatus: 'payment_failed', planId: 'starter' });

    // the card works on retry; the older "past_due" update arrives after the newer events
    const pastDueUpdate = lastEvent(platform, 'customer.subscription.updated', subId);
    platform.attemptSubscriptionInvoice(subId, 'paid');
    const paid = lastEvent(platform, 'invoice.paid', subId);
    expect((await platform.deliver(paid.id, { endpointId: ep.id }))[0]!.status).toBe(200);
    expect((await platform.deliver(pastDueUpdate.id, { endpointId: ep.id }))[0]!.status).toBe(200);
    expect((await platform.deliver(failed.id, { endpointId: ep.id }))[0]!.status).toBe(200);
    s = await acme.get('/api/payments-stripe/billing/subscription');
    expect(s.body).toMatchObject({ status: 'active', lastInvoiceStatus: 'paid', subscribed: true });
    expect(Date.parse(s.body.currentPeriodEnd)).toBeGreaterThan(Date.now() + 29 * 86_400_000);
  });

  it('a tenant cannot see or change another tenant\'s subscription', async () => {
    const g = await globex.get('/api/payments-stripe/billing/subscription');
    expect(g.body).toMatchObject({ subscribed: false, subscriptionId: null, status: null });
    expect((await globex.post('/api/payments-stripe/billing/subscription/cancel')).status).toBe(409);
    expect((platform.objects.get(subId) as any).cancel_at_period_end).toBe(false);
    // Acme's event, validly signed by the operator, at Globex's route: acknowledged, nothing stored for Globex
    const acmeRowBefore = await billingRow(acme.tenantId);
    const paid = lastEvent(platform, 'invoice.paid', subId);
    const [r] = await platform.deliver(paid.id, { endpointId: epGlobex.id });
    expect(r!.status).toBe(200);
    expect(JSON.parse(r!.body!).outcome).toBe('other_tenant');
    expect(await billingRow(globex.tenantId)).toBeNull();
    expect(await billingEvents(globex.tenantId)).toBe(0);
    expect(await billingRow(acme.tenantId)).toEqual(acmeRowBefore);
    // RLS: even a query without a tenant filter sees only the caller's rows
    const app = new pg.Client({ connectionString: tk.databaseUrls.app });
    await app.connect();
    try {
      await app.query('begin');
      await app.query(`select set_config('app.tenant_id', $1, true)`, [globex.tenantId]);
      expect((await app.query('select tenant_id from payments_stripe.billing_subscription')).rows).toEqual([]);
      await app.query('rollback');
    } finally {
      await app.end();
    }
  });

  it('a subscription canceled at period end is deleted at Stripe; re-subscribing gets no second trial', async () => {
    await acme.post('/api/payments-stripe/billing/subscription/cancel');
    platform.endSubscriptionPeriod(subId);
    const deleted = lastEvent(platform, 'customer.subscription.deleted', subId);
    // forged: the same bytes signed with a secret the operator never had
    const forged = signStripePayload({ rawBody: platform.payloadOf(deleted.id), secrets: ['whsec_attacker_0123456789'] });
    const bad = await fetch(billingHook(acme.tenantId), { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': forged }, body: platform.payloadOf(deleted.id) });
    expect(bad.status).toBe(400);
    expect((await billingRow(acme.tenantId)).status).toBe('active');
    expect((await platform.deliver(deleted.id, { endpointId: ep.id }))[0]!.status).toBe(200);
    const s = await acme.get('/api/payments-stripe/billing/subscription');
    expect(s.body).toMatchObject({ subscribed: false, status: 'canceled', trialUsed: true });
    expect((await acme.post('/api/payments-stripe/billing/subscription/resume')).status).toBe(409);

    const again = await acme.post('/api/payments-stripe/billing/subscription', { planId: 'pro' });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body).toMatchObject({ created: true, status: 'active', planId: 'pro', trialEnd: null });
    expect(again.body.subscriptionId).not.toBe(subId);
    expect(objects(platform, 'customer')).toHaveLength(1); // the same Stripe customer
    // a late event about the old subscription does not overwrite the new one
    const late = lastEvent(platform, 'customer.subscription.updated', subId); // from the last cancel, never delivered
    expect(JSON.parse((await platform.deliver(late.id, { endpointId: ep.id }))[0]!.body!).outcome).toBe('stale_subscription');
    expect((await acme.get('/api/payments-stripe/billing/subscription')).body).toMatchObject({ status: 'active', planId: 'pro' });
  });
});
