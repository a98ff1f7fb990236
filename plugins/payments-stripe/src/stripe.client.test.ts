import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StripeApiError, StripeClient, StripeNetworkError } from './stripe.client.ts';
import { decodeStripeForm, encodeStripeForm } from './stripe.form.ts';
import { verifyStripeSignature } from './stripe.signature.ts';
import type { StripeEvent, StripePaymentIntent } from './stripe.schemas.ts';
import { FakeStripeServer } from './testing/fake-stripe.server.ts';

let fake: FakeStripeServer;
let stripe: StripeClient;

beforeAll(async () => {
  fake = await FakeStripeServer.start();
  stripe = new StripeClient({ secretKey: fake.secretKey, baseUrl: fake.baseUrl, timeoutMs: 5_000 });
});
afterAll(() => fake.close());

const oneOff = (amount: number, name = 'Lesson') => ({
  price_data: { currency: 'kzt', unit_amount: amount, product_data: { name } },
  quantity: 1,
});

async function paidCheckout(amount: number, capture: 'automatic' | 'manual' = 'automatic') {
  const session = await stripe.createCheckoutSession({
    mode: 'payment',
    line_items: [oneOff(amount)],
    success_url: 'https://tenant.example/ok',
    client_reference_id: 'school:invoice:42',
    payment_intent_data: { capture_method: capture },
  });
  fake.completeCheckoutSession(session.id);
  const done = await stripe.retrieveCheckoutSession(session.id);
  return { session: done, intentId: done.payment_intent! };
}

describe('form encoding', () => {
  it('round-trips nested objects and arrays the way Stripe reads them', () => {
    const params = { line_items: [{ price: 'p1', quantity: 2 }, { price_data: { currency: 'usd', unit_amount: 5 }, quantity: 1 }], metadata: { order: '42' }, active: false, skip: undefined };
    const encoded = encodeStripeForm(params);
    expect(decodeURIComponent(encoded)).toBe('line_items[0][price]=p1&line_items[0][quantity]=2&line_items[1][price_data][currency]=usd&line_items[1][price_data][unit_amount]=5&line_items[1][quantity]=1&metadata[order]=42&active=false');
    expect(decodeStripeForm(encoded)).toEqual({ line_items: [{ price: 'p1', quantity: '2' }, { price_data: { currency: 'usd', unit_amount: '5' }, quantity: '1' }], metadata: { order: '42' }, active: 'false' });
  });
});

describe('StripeClient against the fake server', () => {
  it('Payment Link: create → customer pays → PaymentIntent succeeded', async () => {
    const link = await stripe.createPaymentLink({ line_items: [oneOff(15_000)], metadata: { booking: 'b1' } });
    expect(link.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/pay\/plink_/);
    const session = fake.payPaymentLink(link.id);
    expect(session.payment_link).toBe(link.id);
    const pi = await stripe.retrievePaymentIntent(String(session.payment_intent));
    expect(pi).toMatchObject({ status: 'succeeded', amount: 15_000, amount_received: 15_000, currency: 'kzt', metadata: { booking: 'b1' } });
    await stripe.deactivatePaymentLink(link.id);
    expect(() => fake.payPaymentLink(link.id)).toThrow(/deactivated/);
  });

  it('Checkout: create → open → pay → complete, with partial, repeated and idempotent refunds', async () => {
    const created = await stripe.createCheckoutSession({ mode: 'payment', line_items: [oneOff(1_000)], success_url: 'https://t.example/ok' });
    expect(created).toMatchObject({ status: 'open', payment_status: 'unpaid', payment_intent: null, amount_total: 1_000 });
    fake.completeCheckoutSession(created.id);
    const session = await stripe.retrieveCheckoutSession(created.id);
    expect(session).toMatchObject({ status: 'complete', payment_status: 'paid' });
    const pi = session.payment_intent!;

    const r1 = await stripe.createRefund({ payment_intent: pi, amount: 300 }, { idempotencyKey: 'refund-a' });
    expect(stripe.lastResponse.idempotentReplayed).toBe(false);
    // The same request retried with the same key refunds once and replays the stored answer.
    const r1again = await stripe.createRefund({ payment_intent: pi, amount: 300 }, { idempotencyKey: 'refund-a' });
    expect(r1again.id).toBe(r1.id);
    expect(stripe.lastResponse.idempotentReplayed).toBe(true);
    expect([...fake.objects.values()].filter((o) => o.object === 'refund' && o.payment_intent === pi)).toHaveLength(1);

    // Reusing the key for a different refund is Stripe's idempotency_error.
    const reuse = await stripe.createRefund({ payment_intent: pi, amount: 301 }, { idempotencyKey: 'refund-a' }).catch((e) => e);
    expect(reuse).toBeInstanceOf(StripeApiError);
    expect(reuse).toMatchObject({ status: 400, type: 'idempotency_error', isIdempotencyError: true });

    await stripe.createRefund({ payment_intent: pi, amount: 500 }, { idempotencyKey: 'refund-b' });
    // 200 left: 300 is beyond the captured amount.
    const tooMuch = await stripe.createRefund({ payment_intent: pi, amount: 300 }, { idempotencyKey: 'refund-c' }).catch((e) => e);
    expect(tooMuch).toBeInstanceOf(StripeApiError);
    expect(tooMuch).toMatchObject({ status: 400, type: 'invalid_request_error', param: 'amount' });
    // A request rejected by validation is not stored against its key: a corrected retry runs.
    // (If it were stored, different parameters under the same key would be an idempotency_error.)
    const corrected = await stripe.createRefund({ payment_intent: pi, amount: 150 }, { idempotencyKey: 'refund-c' });
    expect(corrected.amount).toBe(150);
    const last = await stripe.createRefund({ payment_intent: pi }, { idempotencyKey: 'refund-d' });
    expect(last.amount).toBe(50);
    const none = await stripe.createRefund({ payment_intent: pi, amount: 1 }, { idempotencyKey: 'refund-e' }).catch((e) => e);
    expect(none).toMatchObject({ status: 400, code: 'charge_already_refunded' });
    const refunded = [...fake.objects.values()].filter((o) => o.object === 'refund' && o.payment_intent === pi);
    expect(refunded.reduce((s, r) => s + Number(r.amount), 0)).toBe(1_000);
  });

  it('concurrent retries with one key: 409 while in flight, then a single refund', async () => {
    const slow = await FakeStripeServer.start({ latencyMs: 150 });
    try {
      const client = new StripeClient({ secretKey: slow.secretKey, baseUrl: slow.baseUrl, maxNetworkRetries: 3, retryDelayMs: 100 });
      const session = await client.createCheckoutSession({ mode: 'payment', line_items: [oneOff(900)], success_url: 'https://t/ok' });
      slow.completeCheckoutSession(session.id);
      const pi = (await client.retrieveCheckoutSession(session.id)).payment_intent!;
      const [a, b] = await Promise.all([
        client.createRefund({ payment_intent: pi, amount: 100 }, { idempotencyKey: 'dup' }),
        client.createRefund({ payment_intent: pi, amount: 100 }, { idempotencyKey: 'dup' }),
      ]);
      expect(a.id).toBe(b.id);
      expect(slow.requests.filter((r) => r.idempotencyKey === 'dup').map((r) => r.replayed).sort()).toContain(true);
      expect([...slow.objects.values()].filter((o) => o.object === 'refund')).toHaveLength(1);
      const noRetry = new StripeClient({ secretKey: slow.secretKey, baseUrl: slow.baseUrl });
      const results = await Promise.allSettled([
        noRetry.createRefund({ payment_intent: pi, amount: 100 }, { idempotencyKey: 'dup2' }),
        noRetry.createRefund({ payment_intent: pi, amount: 100 }, { idempotencyKey: 'dup2' }),
      ]);
      const rejected = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
      expect(rejected).toHaveLength(1);
      expect(rejected[0]!.reason).toMatchObject({ status: 409, type: 'idempotency_error' });
    } finally {
      await slow.close();
    }
  });

  it('manual capture: authorize → partial capture → refund bounded by the captured amount; cancel rules', async () => {
    const { intentId } = await paidCheckout(2_000, 'manual');
    expect(await stripe.retrievePaymentIntent(intentId)).toMatchObject({ status: 'requires_capture', amount_received: 0 });
    const captured = await stripe.capturePaymentIntent(intentId, 1_500, { idempotencyKey: 'cap-1' });
    expect(captured).toMatchObject({ status: 'succeeded', amount_received: 1_500 });
    const over = await stripe.createRefund({ payment_intent: intentId, amount: 1_501 }).catch((e) => e);
    expect(over).toMatchObject({ status: 400, param: 'amount' });
    expect((await stripe.createRefund({ payment_intent: intentId, amount: 1_500 })).amount).toBe(1_500);
    const cancel = await stripe.cancelPaymentIntent(intentId).catch((e) => e);
    expect(cancel).toMatchObject({ status: 400, code: 'payment_intent_unexpected_state' });
    const other = await paidCheckout(700, 'manual');
    expect((await stripe.cancelPaymentIntent(other.intentId)).status).toBe('canceled');
  });

  it('expires an open session and refuses to pay it', async () => {
    const s = await stripe.createCheckoutSession({ mode: 'payment', line_items: [oneOff(100)], success_url: 'https://t/ok', expires_at: fake.now() + 3600 });
    expect((await stripe.expireCheckoutSession(s.id)).status).toBe('expired');
    expect(() => fake.completeCheckoutSession(s.id)).toThrow(/expired/);
    const again = await stripe.expireCheckoutSession(s.id).catch((e) => e);
    expect(again).toMatchObject({ status: 400, code: 'checkout_session_not_open' });
    const bad = await stripe.createCheckoutSession({ mode: 'payment', line_items: [oneOff(100)], success_url: 'https://t/ok', expires_at: fake.now() + 60 }).catch((e) => e);
    expect(bad).toMatchObject({ status: 400, param: 'expires_at' });
  });

  it('Connect: onboarding links, and objects scoped to the connected account', async () => {
    const acct = await stripe.createAccount({ type: 'express', country: 'KZ', email: 'owner@salon.example' });
    expect(acct).toMatchObject({ charges_enabled: false, details_submitted: false });
    const link = await stripe.createAccountLink({ account: acct.id, refresh_url: 'https://a/refresh', return_url: 'https://a/return', type: 'account_onboarding' });
    expect(link.expires_at).toBeGreaterThan(link.created);
    fake.completeOnboarding(acct.id);
    expect(await stripe.retrieveAccount(acct.id)).toMatchObject({ charges_enabled: true, payouts_enabled: true });

    const s = await stripe.createCheckoutSession(
      { mode: 'payment', line_items: [oneOff(5_000)], success_url: 'https://a/ok', payment_intent_data: { application_fee_amount: 250 } },
      { stripeAccount: acct.id },
    );
    const hidden = await stripe.retrieveCheckoutSession(s.id).catch((e) => e);
    expect(hidden).toMatchObject({ status: 404, code: 'resource_missing' });
    fake.completeCheckoutSession(s.id, { account: acct.id });
    const events = fake.events.filter((e) => e.account === acct.id).map((e) => e.type);
    expect(events).toEqual(expect.arrayContaining(['account.updated', 'checkout.session.completed', 'payment_intent.succeeded']));
  });

  it('subscriptions: plans, trial, upgrade, cancel', async () => {
    const product = await stripe.createProduct({ name: 'Atrium plan' });
    const basic = await stripe.createPrice({ product: product.id, currency: 'usd', unit_amount: 1_900, recurring: { interval: 'month' } });
    const pro = await stripe.createPrice({ product: product.id, currency: 'usd', unit_amount: 4_900, recurring: { interval: 'month' } });
    const oneTime = await stripe.createPrice({ product: product.id, currency: 'usd', unit_amount: 100 });
    const customer = await stripe.createCustomer({ email: 'tenant@example.com', metadata: { tenantId: 't1' } });
    const sub = await stripe.createSubscription({ customer: customer.id, items: [{ price: basic.id }], trial_period_days: 14 });
    expect(sub.status).toBe('trialing');
    expect(sub.trial_end).toBe(fake.now() + 14 * 86400);
    const up = await stripe.updateSubscription(sub.id, { items: [{ id: sub.items.data[0]!.id, price: pro.id }], proration_behavior: 'create_prorations' });
    expect(up.items.data.map((i) => i.price.unit_amount)).toEqual([4_900]);
    const bad = await stripe.createSubscription({ customer: customer.id, items: [{ price: oneTime.id }] }).catch((e) => e);
    expect(bad).toMatchObject({ status: 400, param: 'items[0][price]' });
    const canceled = await stripe.cancelSubscription(sub.id);
    expect(canceled.status).toBe('canceled');
    expect((await stripe.retrieveSubscription(sub.id)).canceled_at).not.toBeNull();
    // Checkout in subscription mode creates the subscription when paid.
    const s = await stripe.createCheckoutSession({ mode: 'subscription', line_items: [{ price: basic.id, quantity: 1 }], success_url: 'https://p/ok', customer: customer.id });
    fake.completeCheckoutSession(s.id);
    const done = await stripe.retrieveCheckoutSession(s.id);
    expect((await stripe.retrieveSubscription(done.subscription!)).status).toBe('active');
  });

  it('typed errors: bad key, unknown object, unreachable server', async () => {
    const bad = new StripeClient({ secretKey: 'sk_test_wrong', baseUrl: fake.baseUrl });
    const e401 = await bad.retrievePaymentIntent('pi_x').catch((e) => e);
    expect(e401).toBeInstanceOf(StripeApiError);
    expect(e401).toMatchObject({ status: 401, type: 'invalid_request_error' });
    const e404 = await stripe.retrievePaymentIntent('pi_missing').catch((e) => e);
    expect(e404).toMatchObject({ status: 404, code: 'resource_missing', param: 'id' });
    const missingParam = await stripe.createCheckoutSession({ mode: 'payment', line_items: [], success_url: 'x' }).catch((e) => e);
    expect(missingParam).toMatchObject({ status: 400, code: 'parameter_missing', param: 'line_items' });
    const closed = await FakeStripeServer.start();
    const url = closed.baseUrl;
    await closed.close();
    const down = await new StripeClient({ secretKey: 'sk', baseUrl: url, timeoutMs: 2_000 }).retrievePaymentIntent('pi').catch((e) => e);
    expect(down).toBeInstanceOf(StripeNetworkError);
  });
});

// ---- Webhooks: a receiver that does what the payments core will do ----

interface Receiver {
  url: string;
  server: Server;
  secrets: string[];
  seen: Set<string>;
  processed: StripeEvent[];
  rejected: string[];
  /** Our view of each PaymentIntent, always re-read from Stripe so delivery order does not matter. */
  intents: Map<string, StripePaymentIntent>;
  delayMs: number;
}

async function startReceiver(secrets: string[]): Promise<Receiver> {
  const r: Receiver = { url: '', server: null as unknown as Server, secrets, seen: new Set(), processed: [], rejected: [], intents: new Map(), delayMs: 0 };
  r.server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    if (r.delayMs) await new Promise((ok) => setTimeout(ok, r.delayMs));
    const check = verifyStripeSignature({ rawBody: raw, header: req.headers['stripe-signature'] as string | undefined, secrets: r.secrets });
    if (!check.ok) {
      r.rejected.push(check.reason);
      res.writeHead(400).end(check.reason);
      return;
    }
    const event = JSON.parse(raw.toString('utf8')) as StripeEvent;
    // Dedupe synchronously (before any await) so concurrent copies cannot both pass.
    if (r.seen.has(event.id)) {
      res.writeHead(200).end('duplicate');
      return;
    }
    r.seen.add(event.id);
    r.processed.push(event);
    const obj = event.data.object as { object: string; id: string; payment_intent?: string | null };
    const piId = obj.object === 'payment_intent' ? obj.id : obj.payment_intent;
    if (piId) r.intents.set(piId, await stripe.retrievePaymentIntent(piId));
    res.writeHead(200).end('ok');
  });
  await new Promise<void>((ok) => r.server.listen(0, '127.0.0.1', ok));
  r.url = `http://127.0.0.1:${(r.server.address() as AddressInfo).port}/webhooks/stripe`;
  return r;
}

describe('webhook delivery from the fake server', () => {
  let receiver: Receiver;
  afterEach(async () => {
    receiver.server.closeAllConnections();
    await new Promise((ok) => receiver.server.close(ok));
    fake.endpoints.length = 0;
  });

  it('a valid event delivered 5 times concurrently is processed once', async () => {
    receiver = await startReceiver([]);
    const ep = fake.addWebhookEndpoint({ url: receiver.url });
    receiver.secrets = ep.secrets;
    const { intentId } = await paidCheckout(4_000);
    const event = fake.events.find((e) => e.type === 'payment_intent.succeeded' && (e.data as { object: { id: string } }).object.id === intentId)!;
    const results = await fake.deliver(event.id, { times: 5, concurrent: true });
    expect(results.map((x) => x.status)).toEqual([200, 200, 200, 200, 200]);
    expect(receiver.processed.filter((e) => e.id === event.id)).toHaveLength(1);
    expect(receiver.intents.get(intentId)?.status).toBe('succeeded');
  });

  it('wrong secret, tampered body, stale timestamp and a missing header are all rejected', async () => {
    receiver = await startReceiver([]);
    const ep = fake.addWebhookEndpoint({ url: receiver.url });
    receiver.secrets = ep.secrets;
    await paidCheckout(100);
    const event = fake.events.at(-1)!;
    for (const signature of ['wrong_secret', 'tampered_body', 'stale', 'missing'] as const) {
      const [res] = await fake.deliver(event.id, { signature });
      expect(res!.status).toBe(400);
    }
    expect(receiver.rejected).toEqual(['signature_mismatch', 'signature_mismatch', 'timestamp_outside_tolerance', 'missing_header']);
    expect(receiver.processed).toHaveLength(0);
  });

  it('a rolled secret: events signed with old + new secrets verify against either', async () => {
    receiver = await startReceiver(['whsec_new']);
    fake.addWebhookEndpoint({ url: receiver.url, secrets: ['whsec_old', 'whsec_new'] });
    await paidCheckout(100);
    const results = await fake.deliverPending();
    expect(results.length).toBeGreaterThan(0);
    expect(results.every((x) => x.status === 200)).toBe(true);
  });

  it('out-of-order delivery: the receiver re-reads status, so the final view is right', async () => {
    receiver = await startReceiver([]);
    const ep = fake.addWebhookEndpoint({ url: receiver.url });
    receiver.secrets = ep.secrets;
    const { intentId } = await paidCheckout(3_000, 'manual');
    await stripe.capturePaymentIntent(intentId);
    await stripe.createRefund({ payment_intent: intentId, amount: 1_000 });
    const sent = await fake.deliverPending({ order: 'reverse' });
    const order = receiver.processed.map((e) => e.type);
    expect(order[0]).toBe('charge.refunded');
    expect(order.at(-1)).toBe('checkout.session.completed');
    expect(sent.every((s) => s.status === 200)).toBe(true);
    // Applying the last-delivered event's payload would say "requires_capture"; re-reading says succeeded.
    const lastPayload = receiver.processed.filter((e) => e.type.startsWith('payment_intent.')).at(-1)!.data.object;
    expect(lastPayload.status).toBe('requires_capture');
    expect(receiver.intents.get(intentId)).toMatchObject({ status: 'succeeded', amount_received: 3_000 });
  });

  it('delays and receiver timeouts are reported, and a later redelivery succeeds', async () => {
    receiver = await startReceiver([]);
    const ep = fake.addWebhookEndpoint({ url: receiver.url });
    receiver.secrets = ep.secrets;
    await paidCheckout(100);
    const event = fake.events.at(-1)!;
    receiver.delayMs = 300;
    const [slow] = await fake.deliver(event.id, { timeoutMs: 50 });
    expect(slow!.error).toBe('timeout');
    receiver.delayMs = 0;
    const started = Date.now();
    const [ok] = await fake.deliver(event.id, { delayMs: 100 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    expect(ok!.status).toBe(200);
    // The timed-out copy may still have been processed by the receiver: either way only once.
    expect(receiver.processed.filter((e) => e.id === event.id)).toHaveLength(1);
  });
});
