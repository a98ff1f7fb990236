import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createTestKernel, type TestClient, type TestKernel } from '@atrium/sdk/testing';
import payments from '../src/index.ts';
import stripe, { signStripePayload } from '@atrium/plugin-payments-stripe';
import paybox from '@atrium/plugin-payments-paybox';
import kaspi from '@atrium/plugin-payments-kaspi';
import { FakeStripeServer, type WebhookEndpoint } from '@atrium/plugin-payments-stripe/testing';
import { FakePayboxServer } from '@atrium/plugin-payments-paybox/testing';
import { FakeKaspiServer } from '@atrium/plugin-payments-kaspi/testing';

const WHSEC_A_OLD = 'whsec_acme_old_0123456789abcdef';
const WHSEC_A = 'whsec_acme_new_0123456789abcdef';
const WHSEC_B = 'whsec_globex_0123456789abcdef';
const PAYBOX_MERCHANT = '20001';
const PAYBOX_SECRET = 'paybox-secret-acme';
const KASPI_KEY = 'kaspi-api-key-0001';
const KASPI_BIN = '123456789012';

let tk: TestKernel;
let fakeStripe: FakeStripeServer;
let fakePaybox: FakePayboxServer;
let fakeKaspi: FakeKaspiServer;
let sys: pg.Client;
let acme: TestClient;
let globex: TestClient;
let epA: WebhookEndpoint;
let epB: WebhookEndpoint;

const hookUrl = (provider: string, tenantId: string) => `${tk.url}/api/payments/webhooks/${provider}/${tenantId}`;

async function configure(c: TestClient, plugin: string, settings: Record<string, unknown>, enable = true) {
  const r = await c.put(`/api/plugins/${plugin}/settings`, { settings });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  if (enable) {
    const e = await c.post(`/api/plugins/${plugin}/enable`);
    expect(e.status, JSON.stringify(e.body)).toBe(200);
  }
}

async function stripeIntent(c: TestClient, amount = 5000, extra: Record<string, unknown> = {}) {
  const r = await c.post('/api/payments/intents', { amount, currency: 'usd', provider: 'stripe', description: 'Lesson', ...extra });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
}

/** The customer pays the Checkout Session; returns the `payment_intent.succeeded` event id. */
function payStripe(intent: any, outcome?: 'succeeded' | 'failed') {
  fakeStripe.completeCheckoutSession(intent.providerPaymentId, outcome ? { outcome } : {});
  const type = outcome === 'failed' ? 'payment_intent.payment_failed' : intent.captureMethod === 'manual' ? 'payment_intent.amount_capturable_updated' : 'payment_intent.succeeded';
  const ev = fakeStripe.events.find((e: any) => e.type === type && e.data.object.metadata?.atrium_intent_id === intent.id);
  if (!ev) throw new Error(`no ${type} event for ${intent.id}`);
  return ev.id;
}

/** A Stripe event signed with Acme's endpoint secret, posted to Acme's webhook URL; answers the parsed body. */
async function postStripeEvent(event: Record<string, unknown>): Promise<{ status: number; body: any }> {
  const body = JSON.stringify(event);
  const r = await fetch(hookUrl('stripe', acme.tenantId), { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signStripePayload({ rawBody: body, secrets: [WHSEC_A] }) }, body });
  return { status: r.status, body: await r.json() };
}

function succeededEvent(id: string, intent: any) {
  return {
    id, object: 'event', type: 'payment_intent.succeeded', created: Math.floor(Date.now() / 1000), livemode: false,
    data: { object: { id: `pi_${id}`, object: 'payment_intent', amount: intent.amount, amount_received: intent.amount, currency: 'usd', status: 'succeeded', metadata: { atrium_intent_id: intent.id } } },
  };
}

const runAcmePoll = () => tk.kernel.broker.call('payments.$system.runJob', { name: 'poll', data: {}, jobId: crypto.randomUUID() }, { meta: { system: true, tenantId: acme.tenantId, requestId: 'job:test' } });

async function count(sql: string, params: unknown[]): Promise<number> {
  return (await sys.query(sql, params)).rows[0].n;
}

beforeAll(async () => {
  fakeStripe = await FakeStripeServer.start();
  fakePaybox = await FakePayboxServer.start({ [PAYBOX_MERCHANT]: PAYBOX_SECRET });
  fakeKaspi = await FakeKaspiServer.start({ apiKey: KASPI_KEY, organizations: { [KASPI_BIN]: [{ id: 77, name: 'Main' }] }, pollIntervalSeconds: 1 });
  tk = await createTestKernel({
    plugins: [payments, stripe, paybox, kaspi],
    // the providers' base URLs point at the fakes: the operator's allowlist says so (tenants can't)
    config: { outbound: { allow: { 'payments-stripe': [fakeStripe.baseUrl], 'payments-paybox': [fakePaybox.baseUrl], 'payments-kaspi': [fakeKaspi.baseUrl] } } },
    tenants: [
      { name: 'Acme', owner: 'owner@acme.test', enable: ['payments'], users: [{ email: 'staff@acme.test', roles: ['staff'] }, { email: 'manager@acme.test', roles: ['manager'] }] },
      { name: 'Globex', owner: 'owner@globex.test', enable: ['payments'] },
    ],
  });
  sys = new pg.Client({ connectionString: tk.databaseUrls.system });
  await sys.connect();
  acme = await tk.as('owner@acme.test');
  globex = await tk.as('owner@globex.test');
  for (const c of [acme, globex]) await configure(c, 'payments', { publicBaseUrl: tk.url, defaultProvider: 'stripe' }, false);
  // rotation: Acme has two active endpoint secrets; Stripe signs with both during a roll
  epA = fakeStripe.addWebhookEndpoint({ url: hookUrl('stripe', acme.tenantId), secrets: [WHSEC_A] });
  epB = fakeStripe.addWebhookEndpoint({ url: hookUrl('stripe', globex.tenantId), secrets: [WHSEC_B] });
  await configure(acme, 'payments-stripe', { apiBaseUrl: fakeStripe.baseUrl, secretKey: fakeStripe.secretKey, webhookSecrets: [WHSEC_A_OLD, WHSEC_A] });
  await configure(globex, 'payments-stripe', { apiBaseUrl: fakeStripe.baseUrl, secretKey: fakeStripe.secretKey, webhookSecrets: [WHSEC_B] });
  await configure(acme, 'payments-paybox', { apiBaseUrl: fakePaybox.baseUrl, merchantId: PAYBOX_MERCHANT, secretKeys: [PAYBOX_SECRET] });
  await configure(acme, 'payments-kaspi', { apiBaseUrl: fakeKaspi.baseUrl, organizationBin: KASPI_BIN, apiKey: KASPI_KEY, tradePointId: 77 });
});

afterAll(async () => {
  await sys?.end();
  await tk?.stop();
  await fakeStripe?.close();
  await fakePaybox?.close();
  await fakeKaspi?.close();
});

describe('payments core with provider plugins', () => {
  it('creates an intent at the provider, with Idempotency-Key mapped to the provider key', async () => {
    const headers = { 'idempotency-key': 'create-1' };
    const body = { amount: 1200, currency: 'USD', provider: 'stripe', description: 'Deposit', reference: { plugin: 'salon', id: 'booking-1' } };
    const results = await Promise.all([1, 2, 3].map(() => acme.post('/api/payments/intents', body, { headers })));
    expect(results.every((r) => r.status === 201 || r.status === 200)).toBe(true);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    const intent = results[0].body;
    expect(intent).toMatchObject({ status: 'pending', amount: 1200, currency: 'USD', provider: 'stripe', reference: { plugin: 'salon', id: 'booking-1' } });
    expect(intent.action.url).toContain('/checkout/cs_test');
    const sessions = [...fakeStripe.objects.values()].filter((o: any) => o.object === 'checkout.session' && o.client_reference_id === intent.id);
    expect(sessions).toHaveLength(1);
    const keys = fakeStripe.requests.filter((r) => r.path === '/v1/checkout/sessions' && r.method === 'POST' && r.idempotencyKey?.includes(intent.id));
    expect(keys.length).toBe(1);
    const got = await acme.get(`/api/payments/intents/${intent.id}`);
    expect(got.body.timeline.map((t: any) => t.to)).toEqual(['pending']);
    const list = await acme.get('/api/payments/intents', { query: { referencePlugin: 'salon', referenceId: 'booking-1' } });
    expect(list.body.total).toBe(1);
  });

  it('a valid signed webhook moves the intent to captured once, even delivered 5 times concurrently', async () => {
    const intent = await stripeIntent(acme, 5000);
    const eventId = payStripe(intent);
    const results = await fakeStripe.deliver(eventId, { endpointId: epA.id, times: 5, concurrent: true });
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(results.filter((r) => JSON.parse(r.body!).stored === 1)).toHaveLength(1);
    await tk.drainEvents();
    const got = await acme.get(`/api/payments/intents/${intent.id}`);
    expect(got.body).toMatchObject({ status: 'captured', amountCaptured: 5000 });
    expect(got.body.timeline.filter((t: any) => t.to === 'captured')).toHaveLength(1);
    expect(await count('select count(*)::int as n from payments.webhook_event where event_id = $1', [eventId])).toBe(1);
    expect(await count(`select count(*)::int as n from kernel.outbox where name = 'payments.intent.succeeded.v1' and payload->>'intentId' = $1`, [intent.id])).toBe(1);
    // the other events of the payment (session completed) are fine too, and a late duplicate changes nothing
    await fakeStripe.deliverPending({ order: 'reverse' });
    await fakeStripe.deliver(eventId, { endpointId: epA.id });
    await tk.drainEvents();
    const again = await acme.get(`/api/payments/intents/${intent.id}`);
    expect(again.body.timeline.filter((t: any) => t.to === 'captured')).toHaveLength(1);
  });

  it('webhooks arriving while a wake-up is on its way are applied by it, not published one by one', async () => {
    const intents = [await stripeIntent(acme, 1100), await stripeIntent(acme, 2200), await stripeIntent(acme, 3300)];
    await tk.drainEvents();
    // a wake-up is on its way: armed, not delivered yet
    await sys.query('insert into payments.webhook_wake (tenant_id) values ($1)', [acme.tenantId]);
    const ids = intents.map(() => `evt_burst_${crypto.randomUUID().slice(0, 8)}`);
    const posted = await Promise.all(intents.map((intent, n) => postStripeEvent(succeededEvent(ids[n]!, intent))));
    expect(posted.map((r) => [r.status, r.body.stored])).toEqual([[200, 1], [200, 1], [200, 1]]);
    // an event the core does not apply (Stripe Connect) is still published on its own, for provider plugins
    const accountEventId = `evt_acct_${crypto.randomUUID().slice(0, 8)}`;
    const account = await postStripeEvent({ id: accountEventId, object: 'event', type: 'account.updated', created: Math.floor(Date.now() / 1000), livemode: false, data: { object: { id: 'acct_test_1', object: 'account' } } });
    expect(account.status).toBe(200);
    await tk.drainEvents();
    const published = await sys.query(
      `select payload->>'eventId' as "eventId", payload->>'wake' as wake from kernel.outbox where tenant_id = $1 and name = 'payments.webhook.received.v1' and payload->>'eventId' = any($2::text[])`,
      [acme.tenantId, [...ids, accountEventId]],
    );
    expect(published.rows).toEqual([{ eventId: accountEventId, wake: 'false' }]);
    expect(await count('select count(*)::int as n from payments.webhook_event where event_id = any($1::text[]) and processed_at is null', [ids])).toBe(3);
    for (const intent of intents) expect((await acme.get(`/api/payments/intents/${intent.id}`)).body.status).toBe('pending');
    // the wake-up arrives: everything pending is applied, once
    await sys.query(`insert into kernel.outbox (event_id, tenant_id, name, payload) values (gen_random_uuid(), $1, 'payments.webhook.received.v1', $2)`, [acme.tenantId, JSON.stringify({ provider: '', eventId: '', event: null, wake: true })]);
    await tk.drainEvents();
    for (const intent of intents) {
      const got = await acme.get(`/api/payments/intents/${intent.id}`);
      expect(got.body).toMatchObject({ status: 'captured', amountCaptured: intent.amount });
      expect(got.body.timeline.filter((t: any) => t.to === 'captured')).toHaveLength(1);
    }
    expect(await count('select count(*)::int as n from payments.webhook_event where event_id = any($1::text[]) and processed_at is null', [[...ids, accountEventId]])).toBe(0);
    expect(await count('select count(*)::int as n from payments.webhook_wake where tenant_id = $1', [acme.tenantId])).toBe(0);
    // the next webhook arms a wake-up of its own
    const next = await stripeIntent(acme, 4400);
    const nextId = `evt_next_${crypto.randomUUID().slice(0, 8)}`;
    expect((await postStripeEvent(succeededEvent(nextId, next))).body.stored).toBe(1);
    await tk.drainEvents();
    expect((await acme.get(`/api/payments/intents/${next.id}`)).body.status).toBe('captured');
    const armed = await sys.query(`select payload->>'wake' as wake from kernel.outbox where tenant_id = $1 and name = 'payments.webhook.received.v1' and payload->>'eventId' = $2`, [acme.tenantId, nextId]);
    expect(armed.rows).toEqual([{ wake: 'true' }]);
  });

  it('a wake-up that never came is dropped by the sweep, which applies the events left pending', async () => {
    const intent = await stripeIntent(acme, 1500);
    await tk.drainEvents();
    await sys.query('insert into payments.webhook_wake (tenant_id) values ($1)', [acme.tenantId]);
    const eventId = `evt_lost_${crypto.randomUUID().slice(0, 8)}`;
    expect((await postStripeEvent(succeededEvent(eventId, intent))).body.stored).toBe(1);
    await tk.drainEvents();
    expect((await acme.get(`/api/payments/intents/${intent.id}`)).body.status).toBe('pending');
    // a fresh wake row and an event younger than the sweep's 30 s: left alone (the wake-up may still come)
    await runAcmePoll();
    expect((await acme.get(`/api/payments/intents/${intent.id}`)).body.status).toBe('pending');
    expect(await count('select count(*)::int as n from payments.webhook_wake where tenant_id = $1', [acme.tenantId])).toBe(1);
    // a minute later, with the wake-up still missing
    await sys.query(`update payments.webhook_wake set armed_at = now() - interval '2 minutes' where tenant_id = $1`, [acme.tenantId]);
    await sys.query(`update payments.webhook_event set received_at = now() - interval '1 minute' where event_id = $1`, [eventId]);
    await runAcmePoll();
    const got = await acme.get(`/api/payments/intents/${intent.id}`);
    expect(got.body.status).toBe('captured');
    expect(got.body.timeline.filter((t: any) => t.to === 'captured')).toHaveLength(1);
    expect(await count('select count(*)::int as n from payments.webhook_wake where tenant_id = $1', [acme.tenantId])).toBe(0);
  });

  it('a wrong, stale, missing or tampered signature → 400 and nothing changes', async () => {
    const intent = await stripeIntent(acme, 2500);
    const eventId = payStripe(intent);
    for (const signature of ['wrong_secret', 'stale', 'missing', 'tampered_body'] as const) {
      const [r] = await fakeStripe.deliver(eventId, { endpointId: epA.id, signature });
      expect(r.status, signature).toBe(400);
      expect(JSON.parse(r.body!).error.code).toBe('WEBHOOK_SIGNATURE_INVALID');
    }
    // a body re-serialised by a proxy does not verify either
    const payload = JSON.stringify(JSON.parse(fakeStripe.payloadOf(eventId)));
    const sig = signStripePayload({ rawBody: fakeStripe.payloadOf(eventId), secrets: [WHSEC_A] });
    const reser = await fetch(hookUrl('stripe', acme.tenantId), { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': sig }, body: payload });
    expect(reser.status).toBe(400);
    await tk.drainEvents();
    expect((await acme.get(`/api/payments/intents/${intent.id}`)).body.status).toBe('pending');
    expect(await count('select count(*)::int as n from payments.webhook_event where event_id = $1', [eventId])).toBe(0);
    // the old secret of the rotation still verifies
    const old = signStripePayload({ rawBody: fakeStripe.payloadOf(eventId), secrets: [WHSEC_A_OLD] });
    const ok = await fetch(hookUrl('stripe', acme.tenantId), { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': old }, body: fakeStripe.payloadOf(eventId) });
    expect(ok.status).toBe(200);
    await tk.drainEvents();
    expect((await acme.get(`/api/payments/intents/${intent.id}`)).body.status).toBe('captured');
  });

  it("an event for tenant A can never touch tenant B's intent", async () => {
    const a = await stripeIntent(acme, 3000);
    const eventId = payStripe(a);
    const payload = fakeStripe.payloadOf(eventId);
    // A's event at B's endpoint: B's secret does not verify it
    const signedA = signStripePayload({ rawBody: payload, secrets: [WHSEC_A] });
    const atB = await fetch(hookUrl('stripe', globex.tenantId), { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signedA }, body: payload });
    expect(atB.status).toBe(400);
    // an event validly signed for B that names A's intent (B's own Stripe account): verified, stored for B, matches nothing
    const [forged] = await fakeStripe.deliver(eventId, { endpointId: epB.id });
    expect(forged.status).toBe(200);
    await tk.drainEvents();
    expect((await acme.get(`/api/payments/intents/${a.id}`)).body.status).toBe('pending');
    expect((await globex.get(`/api/payments/intents/${a.id}`)).status).toBe(404);
    const row = await sys.query('select tenant_id, outcome from payments.webhook_event where event_id = $1', [eventId]);
    expect(row.rows).toEqual([{ tenant_id: globex.tenantId, outcome: 'unmatched' }]);
    // an unknown tenant key is a 404, a malformed one too
    expect((await fetch(hookUrl('stripe', crypto.randomUUID()), { method: 'POST', body: payload })).status).toBe(404);
    expect((await fetch(hookUrl('stripe', 'not-a-tenant'), { method: 'POST', body: payload })).status).toBe(404);
    // delivered to A, it applies to A only
    await fakeStripe.deliver(eventId, { endpointId: epA.id });
    await tk.drainEvents();
    expect((await acme.get(`/api/payments/intents/${a.id}`)).body.status).toBe('captured');
  });

  it('verification (no request transaction) reads each tenant\'s own secrets, also on a settings-cache miss', async () => {
    const a = await stripeIntent(acme, 3100);
    const b = await stripeIntent(globex, 3200);
    const post = (tenantId: string, intent: any, secret: string) => {
      const body = JSON.stringify(succeededEvent(`evt_cold_${crypto.randomUUID()}`, intent));
      return fetch(hookUrl('stripe', tenantId), { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signStripePayload({ rawBody: body, secrets: [secret] }) }, body }).then((r) => r.status);
    };
    for (let round = 0; round < 3; round++) {
      // saving the settings drops every node's cached copy: the next verification loads them itself
      await configure(acme, 'payments-stripe', { apiBaseUrl: fakeStripe.baseUrl, secretKey: fakeStripe.secretKey, webhookSecrets: [WHSEC_A_OLD, WHSEC_A] }, false);
      await configure(globex, 'payments-stripe', { apiBaseUrl: fakeStripe.baseUrl, secretKey: fakeStripe.secretKey, webhookSecrets: [WHSEC_B] }, false);
      const statuses = await Promise.all([post(acme.tenantId, a, WHSEC_B), post(globex.tenantId, b, WHSEC_A), post(acme.tenantId, a, WHSEC_A), post(globex.tenantId, b, WHSEC_B)]);
      expect(statuses, `round ${round}`).toEqual([400, 400, 200, 200]);
    }
    await tk.drainEvents();
    expect((await acme.get(`/api/payments/intents/${a.id}`)).body.status).toBe('captured');
    expect((await globex.get(`/api/payments/intents/${b.id}`)).body.status).toBe('captured');
  });

  it('concurrent webhooks share ingress transactions, yet an event the database refuses fails alone', async () => {
    const intents = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => stripeIntent(acme, 3300 + i)));
    const events = intents.map((i) => succeededEvent(`evt_group_${crypto.randomUUID()}`, i));
    // signed correctly, but its id holds a NUL byte, which PostgreSQL text cannot store
    const poison = { ...succeededEvent(`evt_nul_\u0000_${crypto.randomUUID()}`, intents[0]), id: `evt_nul_\u0000_${crypto.randomUUID()}` };
    const all = await Promise.all([...events.slice(0, 3), poison, ...events.slice(3), events[0]].map((e) => postStripeEvent(e)));
    expect(all[3]!.status).toBeGreaterThanOrEqual(500);
    const ok = [...all.slice(0, 3), ...all.slice(4)];
    expect(ok.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200, 200]);
    // the copy of events[0] sent at the same time: exactly one of the two stored it
    expect([ok[0]!.body.stored, ok[6]!.body.stored].sort()).toEqual([0, 1]);
    expect(ok.reduce((n, r) => n + r.body.stored, 0)).toBe(6);
    await tk.drainEvents();
    for (const i of intents) expect((await acme.get(`/api/payments/intents/${i.id}`)).body.status).toBe('captured');
    expect(await count('select count(*)::int as n from payments.webhook_event where event_id = any($1::text[])', [events.map((e) => e.id)])).toBe(6);
  });

  it('the internal store action stores nothing for a caller other than the ingress (no verified event, no token)', async () => {
    const intent = await stripeIntent(acme, 3400);
    const eventId = `evt_forged_${crypto.randomUUID()}`;
    const event = { eventId, type: 'payment_intent.succeeded', intentId: intent.id, status: 'captured', amountCaptured: 3400 };
    const call = (token: string) => tk.kernel.broker.call('payments.webhooks.store', { token, events: [{ provider: 'stripe', eventId, type: event.type, intentId: intent.id, event }] }, { meta: { system: true, tenantId: acme.tenantId } });
    await expect(call('0'.repeat(48))).rejects.toMatchObject({ code: 403, type: 'INGRESS_ONLY' });
    await expect(call('')).rejects.toMatchObject({ code: 403 });
    await tk.drainEvents();
    expect(await count('select count(*)::int as n from payments.webhook_event where event_id = $1', [eventId])).toBe(0);
    expect((await acme.get(`/api/payments/intents/${intent.id}`)).body.status).toBe('pending');
  });

  it('out-of-order events are resolved by re-reading the provider', async () => {
    const intent = await stripeIntent(acme, 4200, { capture: 'manual' });
    const authorizedEvent = payStripe(intent);
    const cap = await acme.post(`/api/payments/intents/${intent.id}/capture`, {}, { headers: { 'idempotency-key': 'cap-1' } });
    expect(cap.status, JSON.stringify(cap.body)).toBe(200);
    expect(cap.body.status).toBe('captured');
    // the stale "authorized" event arrives after the capture: it must not move the intent back
    await fakeStripe.deliver(authorizedEvent, { endpointId: epA.id });
    await tk.drainEvents();
    const got = await acme.get(`/api/payments/intents/${intent.id}`);
    expect(got.body.status).toBe('captured');
    const outcome = await sys.query('select outcome from payments.webhook_event where event_id = $1', [authorizedEvent]);
    expect(outcome.rows[0].outcome).toMatch(/^reread:/);
  });

  it('a refund retried with the same key refunds once', async () => {
    const intent = await stripeIntent(acme, 5000);
    await fakeStripe.deliver(payStripe(intent), { endpointId: epA.id });
    await tk.drainEvents();
    const headers = { 'idempotency-key': 'refund-once-1' };
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => acme.post(`/api/payments/intents/${intent.id}/refunds`, { amount: 1000 }, { headers })));
    expect(results.map((r) => r.status).every((s) => s === 201 || s === 200), JSON.stringify(results.map((r) => r.body))).toBe(true);
    expect(new Set(results.map((r) => r.body.refund.id)).size).toBe(1);
    const again = await acme.post(`/api/payments/intents/${intent.id}/refunds`, { amount: 1000 }, { headers });
    expect(again.body.refund.id).toBe(results[0].body.refund.id);
    const got = await acme.get(`/api/payments/intents/${intent.id}`);
    expect(got.body).toMatchObject({ status: 'partially_refunded', amountRefunded: 1000 });
    expect(got.body.refunds).toHaveLength(1);
    const pi = (got.body.timeline.length, [...fakeStripe.objects.values()].find((o: any) => o.object === 'payment_intent' && o.metadata?.atrium_intent_id === intent.id)) as any;
    const refunds = [...fakeStripe.objects.values()].filter((o: any) => o.object === 'refund' && o.payment_intent === pi.id);
    expect(refunds).toHaveLength(1);
    // Stripe's own refund webhooks for it change nothing
    await fakeStripe.deliverPending();
    await tk.drainEvents();
    expect((await acme.get(`/api/payments/intents/${intent.id}`)).body.amountRefunded).toBe(1000);
  });

  it('partial refunds never exceed the captured amount, even concurrently', async () => {
    const intent = await stripeIntent(acme, 5000);
    await fakeStripe.deliver(payStripe(intent), { endpointId: epA.id });
    await tk.drainEvents();
    const results = await Promise.all([1, 2, 3, 4, 5].map((i) => acme.post(`/api/payments/intents/${intent.id}/refunds`, { amount: 1500 }, { headers: { 'idempotency-key': `part-${i}` } })));
    const ok = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status === 422);
    expect(ok).toHaveLength(3);
    expect(refused).toHaveLength(2);
    expect(refused[0].body.error.code).toBe('REFUND_EXCEEDS_CAPTURED');
    let got = await acme.get(`/api/payments/intents/${intent.id}`);
    expect(got.body).toMatchObject({ status: 'partially_refunded', amountRefunded: 4500 });
    expect((await acme.post(`/api/payments/intents/${intent.id}/refunds`, { amount: 501 }, { headers: { 'idempotency-key': 'part-x' } })).status).toBe(422);
    const last = await acme.post(`/api/payments/intents/${intent.id}/refunds`, {}, { headers: { 'idempotency-key': 'part-rest' } });
    expect(last.status).toBe(201);
    expect(last.body.refund.amount).toBe(500);
    got = await acme.get(`/api/payments/intents/${intent.id}`);
    expect(got.body).toMatchObject({ status: 'refunded', amountRefunded: 5000, amountCaptured: 5000 });
    expect((await acme.post(`/api/payments/intents/${intent.id}/refunds`, { amount: 1 }, { headers: { 'idempotency-key': 'part-y' } })).status).toBe(422);
    const pi = [...fakeStripe.objects.values()].find((o: any) => o.object === 'payment_intent' && o.metadata?.atrium_intent_id === intent.id) as any;
    expect((fakeStripe.objects.get(pi.latest_charge) as any).amount_refunded).toBe(5000);
    await tk.drainEvents();
    expect(await count(`select count(*)::int as n from kernel.outbox where name = 'payments.intent.refunded.v1' and payload->>'intentId' = $1`, [intent.id])).toBe(4);
  });

  it('refunds are permission-gated: staff may not refund', async () => {
    const staff = await tk.as('staff@acme.test');
    const list = await staff.get('/api/payments/intents');
    expect(list.status).toBe(200);
    const id = list.body.items.find((i: any) => i.status === 'captured')?.id;
    expect(id).toBeTruthy();
    expect((await staff.post(`/api/payments/intents/${id}/refunds`, { amount: 1 })).status).toBe(403);
    const manager = await tk.as('manager@acme.test');
    expect((await manager.get(`/api/payments/intents/${id}`)).status).toBe(200);
  });

  it('a PayBox result callback is answered with a correctly signed <response> and captures the payment', async () => {
    const r = await acme.post('/api/payments/intents', { amount: 150000, currency: 'KZT', provider: 'paybox', description: 'Tuition, May' });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const intent = r.body;
    expect(intent.action.url).toContain('/pay.html');
    const deliveries = await fakePaybox.pay(intent.providerPaymentId, { times: 3, concurrent: true });
    expect(deliveries.map((d) => d.status)).toEqual([200, 200, 200]);
    for (const d of deliveries) {
      expect(d.answerSignatureValid).toBe(true);
      expect(d.answer?.pg_status).toBe('ok');
      // cross-check with an independent pg_sig implementation: md5("<script>;<values sorted by key>;<secret>")
      const fields = d.answer as Record<string, string>;
      const values = Object.keys(fields).filter((k) => k !== 'pg_sig').sort().map((k) => fields[k]);
      const base = [acme.tenantId, ...values, PAYBOX_SECRET].join(';');
      expect(fields.pg_sig).toBe(crypto.createHash('md5').update(base).digest('hex'));
    }
    await tk.drainEvents();
    const got = await acme.get(`/api/payments/intents/${intent.id}`);
    expect(got.body).toMatchObject({ status: 'captured', amountCaptured: 150000 });
    expect(got.body.timeline.filter((t: any) => t.to === 'captured')).toHaveLength(1);
    // a tampered callback is refused and the gateway will retry it
    const other = (await acme.post('/api/payments/intents', { amount: 1000, currency: 'KZT', provider: 'paybox' })).body;
    const [bad] = await fakePaybox.pay(other.providerPaymentId, { signature: 'tampered' });
    expect(bad.status).toBe(400);
    // partial refund through revoke
    const refund = await acme.post(`/api/payments/intents/${intent.id}/refunds`, { amount: 50000 }, { headers: { 'idempotency-key': 'pb-r1' } });
    expect(refund.status, JSON.stringify(refund.body)).toBe(201);
    expect(fakePaybox.payments.get(intent.providerPaymentId)!.refundedAmount).toBe(50000);
  });

  it('the Kaspi poller turns Processed into captured and stops polling', async () => {
    const r = await acme.post('/api/payments/intents', { amount: 250000, currency: 'KZT', provider: 'kaspi', flow: 'qr' });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const intent = r.body;
    expect(intent.action.qrToken).toContain('qr.kaspi.kz');
    const runPoll = () => tk.kernel.broker.call('payments.$system.runJob', { name: 'poll', data: {}, jobId: crypto.randomUUID() }, { meta: { system: true, tenantId: acme.tenantId, requestId: 'job:test' } });
    const statusReads = () => fakeKaspi.requests.filter((q) => q.path.endsWith(`/payment/status/${intent.providerPaymentId}`)).length;
    fakeKaspi.scan(intent.providerPaymentId);
    await new Promise((res) => setTimeout(res, 1100));
    await runPoll();
    expect((await acme.get(`/api/payments/intents/${intent.id}`)).body.status).toBe('requires_action');
    fakeKaspi.confirm(intent.providerPaymentId);
    await new Promise((res) => setTimeout(res, 1100));
    await runPoll();
    const got = await acme.get(`/api/payments/intents/${intent.id}`);
    expect(got.body).toMatchObject({ status: 'captured', amountCaptured: 250000, nextPollAt: null });
    expect(got.body.timeline.map((t: any) => t.to)).toEqual(['pending', 'requires_action', 'captured']);
    const reads = statusReads();
    await new Promise((res) => setTimeout(res, 1100));
    await runPoll();
    expect(statusReads()).toBe(reads);
    // and a Kaspi refund (no idempotency key at Kaspi) retried with the same key refunds once
    const headers = { 'idempotency-key': 'kaspi-r1' };
    const refunds = await Promise.all([1, 2, 3].map(() => acme.post(`/api/payments/intents/${intent.id}/refunds`, { amount: 100000 }, { headers })));
    expect(new Set(refunds.map((x) => x.body.refund?.id)).size).toBe(1);
    expect(fakeKaspi.payments.get(Number(intent.providerPaymentId))!.returned).toBe(100000);
  });

  it('reconciliation compares the ledger with the providers and lists differences', async () => {
    const run = await acme.post('/api/payments/reconciliation/run', {});
    expect(run.status, JSON.stringify(run.body)).toBe(201);
    expect(run.body.checked).toBeGreaterThan(0);
    const list = await acme.get('/api/payments/reconciliation');
    expect(list.body.total).toBe(1);
    expect(Array.isArray(list.body.items[0].differences)).toBe(true);
  });

  it('a hold expires with its payment: pay first, then book', async () => {
    const body = { resource: { plugin: 'salon', type: 'slot', id: 'chair-1@2030-01-01T10:00' }, holdMinutes: 45, payment: { amount: 2000, currency: 'USD', provider: 'stripe' } };
    const h = await acme.post('/api/payments/holds', body);
    expect(h.status, JSON.stringify(h.body)).toBe(201);
    expect(new Date(h.body.hold.expiresAt).getTime()).toBe(new Date(h.body.intent.expiresAt).getTime());
    expect((await acme.post('/api/payments/holds', body)).status).toBe(409);
    await fakeStripe.deliver(payStripe(h.body.intent), { endpointId: epA.id });
    await tk.drainEvents();
    const got = await acme.get(`/api/payments/intents/${h.body.intent.id}`);
    expect(got.body.holds[0].status).toBe('confirmed');
    const ev = await sys.query(`select payload from kernel.outbox where name = 'payments.intent.succeeded.v1' and payload->>'intentId' = $1`, [h.body.intent.id]);
    expect(ev.rows[0].payload.holdIds).toEqual([h.body.hold.id]);
  });

  it('disabling a provider plugin makes its webhook route answer 403 without losing stored intents', async () => {
    const intent = (await acme.post('/api/payments/intents', { amount: 7000, currency: 'KZT', provider: 'paybox' })).body;
    const d = await acme.post('/api/plugins/payments-paybox/disable');
    expect(d.status).toBe(200);
    const [cb] = await fakePaybox.pay(intent.providerPaymentId);
    expect(cb.status).toBe(403);
    const raw = await fetch(hookUrl('paybox', acme.tenantId), { method: 'POST', body: 'pg_payment_id=1' });
    expect(raw.status).toBe(403);
    expect((await raw.json()).error.code).toBe('PLUGIN_DISABLED');
    const got = await acme.get(`/api/payments/intents/${intent.id}`);
    expect(got.status).toBe(200);
    expect(got.body.status).toBe('pending');
    expect((await acme.get('/api/payments/intents', { query: { provider: 'paybox' } })).body.total).toBe(3);
    // enabled again, the gateway's retry goes through
    expect((await acme.post('/api/plugins/payments-paybox/enable')).status).toBe(200);
    const retried = await fakePaybox.runRetries();
    expect(retried.map((x) => x.status)).toContain(200);
    await tk.drainEvents();
    expect((await acme.get(`/api/payments/intents/${intent.id}`)).body.status).toBe('captured');
  });
  it('lists with currency, amount range and free-text filters; empty ranges → 400 naming the field', async () => {
    const tag = `filter-${crypto.randomUUID().slice(0, 8)}`;
    const small = await stripeIntent(acme, 700, { description: `${tag} small`, customer: { email: `${tag}@pupil.test`, name: 'Aigerim Nurlanovna' } });
    const big = await stripeIntent(acme, 90_000, { description: `${tag} big` });
    const eur = await stripeIntent(acme, 90_000, { currency: 'eur', description: `${tag} eur` });
    const ids = async (query: Record<string, string | number>) => {
      const r = await acme.get('/api/payments/intents', { query: { limit: 200, ...query } });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body.items.map((i: any) => i.id).sort();
    };
    expect(await ids({ q: tag })).toEqual([small.id, big.id, eur.id].sort());
    expect(await ids({ q: tag, currency: 'usd' })).toEqual([small.id, big.id].sort());
    expect(await ids({ q: tag, amountMin: 1000 })).toEqual([big.id, eur.id].sort());
    expect(await ids({ q: tag, amountMax: 700 })).toEqual([small.id]);
    expect(await ids({ q: tag, amountMin: 700, amountMax: 700, currency: 'USD' })).toEqual([small.id]);
    // customer e-mail / name (substring, case-insensitive), the exact intent id, the provider's id
    expect(await ids({ q: `${tag.toUpperCase()}@PUPIL` })).toEqual([small.id]);
    expect(await ids({ q: 'nurlanovna' })).toContain(small.id);
    expect(await ids({ q: big.id })).toEqual([big.id]);
    expect(await ids({ q: eur.providerPaymentId })).toEqual([eur.id]);
    // LIKE wildcards are taken literally
    expect(await ids({ q: `${tag.slice(0, 6)}%small` })).toEqual([]);
    expect(await ids({ q: `${tag.replace('-', '_')} big` })).toEqual([]);
    // date range: "to" is exclusive
    const created = new Date(small.createdAt).getTime();
    expect(await ids({ q: tag, from: new Date(created - 60_000).toISOString(), to: new Date(created + 3_600_000).toISOString() })).toContain(small.id);
    expect(await ids({ q: tag, to: new Date(created - 60_000).toISOString() })).toEqual([]);
    for (const [query, field] of [
      [{ amountMin: 10, amountMax: 5 }, 'amountMax'],
      [{ from: '2030-01-02T00:00:00Z', to: '2030-01-01T00:00:00Z' }, 'to'],
      [{ amountMin: -1 }, 'amountMin'],
      [{ currency: 'dollars' }, 'currency'],
      [{ status: 'paid' }, 'status'],
    ] as const) {
      const r = await acme.get('/api/payments/intents', { query });
      expect(r.status, JSON.stringify(query)).toBe(400);
      expect(r.body.error.fields.map((f: any) => f.field), JSON.stringify(r.body)).toContain(field);
    }
  });

  it('a refund key sent in the body (clients without custom headers) refunds once; a conflicting header is refused', async () => {
    const intent = await stripeIntent(acme, 3000);
    await fakeStripe.deliver(payStripe(intent), { endpointId: epA.id });
    await tk.drainEvents();
    const key = `dialog-${crypto.randomUUID()}`;
    const body = { amount: 1200, reason: 'Returned one item', idempotencyKey: key };
    const results = await Promise.all([1, 2, 3].map(() => acme.post(`/api/payments/intents/${intent.id}/refunds`, body)));
    expect(results.every((r) => r.status === 201), JSON.stringify(results.map((r) => r.body))).toBe(true);
    expect(new Set(results.map((r) => r.body.refund.id)).size).toBe(1);
    const got = await acme.get(`/api/payments/intents/${intent.id}`);
    expect(got.body).toMatchObject({ status: 'partially_refunded', amountRefunded: 1200 });
    expect(got.body.refunds).toEqual([expect.objectContaining({ amount: 1200, reason: 'Returned one item' })]);
    const refundRows = got.body.timeline.filter((t: any) => t.to === 'partially_refunded');
    expect(refundRows).toHaveLength(1);
    expect(refundRows[0].detail).toMatchObject({ refundId: got.body.refunds[0].id, amount: 1200, amountRefunded: 1200 });
    const pi = [...fakeStripe.objects.values()].find((o: any) => o.object === 'payment_intent' && o.metadata?.atrium_intent_id === intent.id) as any;
    expect([...fakeStripe.objects.values()].filter((o: any) => o.object === 'refund' && o.payment_intent === pi.id)).toHaveLength(1);
    // header and body disagree: 400 naming the field, nothing refunded
    const clash = await acme.post(`/api/payments/intents/${intent.id}/refunds`, { amount: 100, idempotencyKey: 'another-key-1' }, { headers: { 'idempotency-key': 'different-key-2' } });
    expect(clash.status).toBe(400);
    expect(clash.body.error.fields.map((f: any) => f.field)).toEqual(['idempotencyKey']);
    const short = await acme.post(`/api/payments/intents/${intent.id}/refunds`, { amount: 100, idempotencyKey: 'x' });
    expect(short.status).toBe(400);
    expect(JSON.stringify(short.body.error.fields)).toContain('idempotencyKey');
    expect((await acme.get(`/api/payments/intents/${intent.id}`)).body.amountRefunded).toBe(1200);
    // staff: 403 with a body key too, and nothing changes
    const staff = await tk.as('staff@acme.test');
    const denied = await staff.post(`/api/payments/intents/${intent.id}/refunds`, { amount: 100, idempotencyKey: `staff-${crypto.randomUUID()}` });
    expect(denied.status).toBe(403);
    expect((await acme.get(`/api/payments/intents/${intent.id}`)).body.amountRefunded).toBe(1200);
  });
});
