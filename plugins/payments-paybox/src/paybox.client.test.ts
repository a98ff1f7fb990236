import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PayboxApiError, PayboxClient, PayboxNetworkError, PayboxProtocolError, type PayboxStatus } from './paybox.client.ts';
import { IdempotencyKeyReuseError, MemoryIdempotencyStore } from '@atrium/sdk/payments';
import { parsePayboxForm, scriptNameFromUrl, verifyPaybox } from './paybox.signature.ts';
import { buildPayboxResponse } from './paybox.xml.ts';
import { FAKE_PAYBOX_ERRORS, FakePayboxServer } from './testing/fake-paybox.server.ts';

const MERCHANT = '552233';
const SECRET = 'sEcReT-kz';
let fake: FakePayboxServer;
let client: PayboxClient;
let orderSeq = 0;

/** A merchant's result_url endpoint, doing what the payments core will do. */
interface Merchant {
  server: Server;
  resultUrl: string;
  seen: Set<string>;
  handled: { paymentId: string; result: string; canReject: string }[];
  rejected: string[];
  view: Map<string, PayboxStatus>;
  /** Fulfilment check: returning false asks for a reversal when the gateway allows it. */
  fulfil: (paymentId: string) => boolean;
  failNext: number;
  /** Processing delay after the body is read, to make the gateway time out. */
  delayMs: number;
}

async function startMerchant(): Promise<Merchant> {
  const m: Merchant = { server: null as unknown as Server, resultUrl: '', seen: new Set(), handled: [], rejected: [], view: new Map(), fulfil: () => true, failNext: 0, delayMs: 0 };
  m.server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const fields = parsePayboxForm(Buffer.concat(chunks).toString('utf8'));
    if (m.delayMs) await new Promise((ok) => setTimeout(ok, m.delayMs));
    const script = scriptNameFromUrl(m.resultUrl);
    const check = verifyPaybox(script, fields, [SECRET]);
    if (!check.ok) {
      m.rejected.push(check.reason);
      res.writeHead(400).end();
      return;
    }
    if (m.failNext > 0) {
      m.failNext--;
      res.writeHead(503).end();
      return;
    }
    const paymentId = String(fields.pg_payment_id);
    const key = `${paymentId}:${String(fields.pg_result)}`;
    const first = !m.seen.has(key);
    m.seen.add(key);
    let status: 'ok' | 'rejected' = 'ok';
    if (first) {
      m.handled.push({ paymentId, result: String(fields.pg_result), canReject: String(fields.pg_can_reject) });
      if (fields.pg_result === '1' && !m.fulfil(paymentId) && fields.pg_can_reject === '1') status = 'rejected';
    }
    // Out-of-order callbacks are harmless: the state always comes from get_status.
    m.view.set(paymentId, await client.getStatus({ paymentId }));
    const xml = buildPayboxResponse({ scriptName: script, secretKey: SECRET, status, canReject: fields.pg_can_reject === '1', description: status });
    res.writeHead(200, { 'content-type': 'text/xml' }).end(xml);
  });
  await new Promise<void>((ok) => m.server.listen(0, '127.0.0.1', ok));
  m.resultUrl = `http://127.0.0.1:${(m.server.address() as AddressInfo).port}/payments/paybox/result`;
  return m;
}

let merchant: Merchant;

beforeAll(async () => {
  fake = await FakePayboxServer.start({ [MERCHANT]: SECRET });
  client = new PayboxClient({ merchantId: MERCHANT, secretKey: SECRET, baseUrl: fake.baseUrl, timeoutMs: 5_000 });
});
afterAll(() => fake.close());
beforeEach(async () => {
  merchant = await startMerchant();
  fake.retryQueue.length = 0;
});
afterEach(async () => {
  merchant.server.closeAllConnections();
  await new Promise((ok) => merchant.server.close(ok));
});

async function newPayment(amount: number, extra: { autoClearing?: boolean } = {}) {
  const orderId = `ord-${++orderSeq}`;
  const init = await client.initPayment({ orderId, amount, currency: 'KZT', description: 'Абонемент', resultUrl: merchant.resultUrl, lifetimeSeconds: 900, ...extra });
  return { orderId, ...init };
}

describe('PayboxClient against the fake gateway', () => {
  it('create → pay → signed result callback → status → partial refunds, idempotent, bounded', async () => {
    const p = await newPayment(100_000);
    expect(p.redirectUrl).toContain(p.paymentId);
    expect((await client.getStatus({ orderId: p.orderId })).status).toBe('new');

    const [delivery] = await fake.pay(p.paymentId);
    expect(delivery).toMatchObject({ status: 200, answerSignatureValid: true, answer: { pg_status: 'ok' } });
    expect(merchant.view.get(p.paymentId)).toMatchObject({ status: 'success', amount: 100_000, captured: true });

    const r1 = await client.revoke({ paymentId: p.paymentId, amount: 30_000, currency: 'KZT' }, { idempotencyKey: 'refund-1' });
    expect(r1.refundedAmount).toBe(30_000);
    const r1again = await client.revoke({ paymentId: p.paymentId, amount: 30_000, currency: 'KZT' }, { idempotencyKey: 'refund-1' });
    expect(r1again).toEqual(r1);
    expect(fake.requests.filter((r) => r.script === 'revoke.php')).toHaveLength(1);
    await expect(client.revoke({ paymentId: p.paymentId, amount: 30_001, currency: 'KZT' }, { idempotencyKey: 'refund-1' })).rejects.toBeInstanceOf(IdempotencyKeyReuseError);

    await client.revoke({ paymentId: p.paymentId, amount: 50_000, currency: 'KZT' }, { idempotencyKey: 'refund-2' });
    const beyond = await client.revoke({ paymentId: p.paymentId, amount: 20_001, currency: 'KZT' }, { idempotencyKey: 'refund-3' }).catch((e) => e);
    expect(beyond).toBeInstanceOf(PayboxApiError);
    expect(beyond).toMatchObject({ code: FAKE_PAYBOX_ERRORS.amountTooLarge, script: 'revoke.php' });
    const rest = await client.revoke({ paymentId: p.paymentId, currency: 'KZT' }, { idempotencyKey: 'refund-4' });
    expect(rest.refundedAmount).toBe(100_000);
    expect((await client.getStatus({ paymentId: p.paymentId })).status).toBe('revoked');
  });

  it('a refund whose answer was lost is settled from get_status on retry, not sent twice', async () => {
    const store = new MemoryIdempotencyStore();
    let dropRevokeAnswer = true;
    const lossy: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (String(input).endsWith('/revoke.php') && dropRevokeAnswer) {
        dropRevokeAnswer = false;
        await res.text();
        throw new TypeError('socket hang up');
      }
      return res;
    };
    const flaky = new PayboxClient({ merchantId: MERCHANT, secretKey: SECRET, baseUrl: fake.baseUrl, fetch: lossy, idempotencyStore: store });
    const p = await newPayment(10_000);
    await fake.pay(p.paymentId);
    await expect(flaky.revoke({ paymentId: p.paymentId, amount: 4_000, currency: 'KZT' }, { idempotencyKey: 'lost' })).rejects.toBeInstanceOf(PayboxNetworkError);
    // A fresh client (e.g. after a restart) sharing the persisted store retries the same key.
    const again = new PayboxClient({ merchantId: MERCHANT, secretKey: SECRET, baseUrl: fake.baseUrl, idempotencyStore: store });
    const before = fake.requests.filter((r) => r.script === 'revoke.php').length;
    expect((await again.revoke({ paymentId: p.paymentId, amount: 4_000, currency: 'KZT' }, { idempotencyKey: 'lost' })).refundedAmount).toBe(4_000);
    expect(fake.requests.filter((r) => r.script === 'revoke.php').length).toBe(before);
    expect(fake.payments.get(p.paymentId)!.refundedAmount).toBe(4_000);
  });

  it('concurrent calls with one key send one refund', async () => {
    const p = await newPayment(9_000);
    await fake.pay(p.paymentId);
    const results = await Promise.all(Array.from({ length: 4 }, () => client.revoke({ paymentId: p.paymentId, amount: 1_000, currency: 'KZT' }, { idempotencyKey: 'same' })));
    expect(new Set(results.map((r) => r.refundedAmount))).toEqual(new Set([1_000]));
    expect(fake.payments.get(p.paymentId)!.refundedAmount).toBe(1_000);
  });

  it('two-step: authorize, partial capture, refunds bounded by the captured amount; cancel rules', async () => {
    const p = await newPayment(1_000, { autoClearing: false });
    await fake.pay(p.paymentId);
    expect(await client.getStatus({ paymentId: p.paymentId })).toMatchObject({ status: 'success', captured: false });
    expect((await client.capture({ paymentId: p.paymentId, amount: 700, currency: 'KZT' }, { idempotencyKey: 'cap' })).clearingAmount).toBe(700);
    await expect(client.revoke({ paymentId: p.paymentId, amount: 701, currency: 'KZT' })).rejects.toMatchObject({ code: FAKE_PAYBOX_ERRORS.amountTooLarge });
    await expect(client.cancel({ paymentId: p.paymentId })).rejects.toMatchObject({ code: FAKE_PAYBOX_ERRORS.invalidState });
    const q = await newPayment(500, { autoClearing: false });
    await fake.pay(q.paymentId);
    await client.cancel({ paymentId: q.paymentId });
    expect((await client.getStatus({ paymentId: q.paymentId })).status).toBe('canceled');
    await expect(client.capture({ paymentId: q.paymentId, currency: 'KZT' })).rejects.toBeInstanceOf(PayboxApiError);
  });

  it('re-initialising an order returns the same payment; other parameters are refused', async () => {
    const p = await newPayment(2_500);
    const again = await client.initPayment({ orderId: p.orderId, amount: 2_500, currency: 'KZT', description: 'Абонемент', resultUrl: merchant.resultUrl, lifetimeSeconds: 900 });
    expect(again.paymentId).toBe(p.paymentId);
    await expect(client.initPayment({ orderId: p.orderId, amount: 2_600, currency: 'KZT', description: 'x' })).rejects.toMatchObject({ code: FAKE_PAYBOX_ERRORS.orderConflict });
  });

  it('typed errors: unknown merchant (unsigned), wrong secret, forged answer, unreachable gateway', async () => {
    const stranger = new PayboxClient({ merchantId: '1', secretKey: 'x', baseUrl: fake.baseUrl });
    await expect(stranger.getStatus({ paymentId: '1' })).rejects.toMatchObject({ name: 'PayboxApiError', code: '9998' });
    // With a wrong secret our request fails the gateway's check, and its signed error fails ours.
    const wrong = new PayboxClient({ merchantId: MERCHANT, secretKey: 'wrong', baseUrl: fake.baseUrl });
    await expect(wrong.getStatus({ paymentId: '1' })).rejects.toBeInstanceOf(PayboxProtocolError);
    const p = await newPayment(1_000);
    const forging: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      const text = (await res.text()).replace('<pg_payment_status>new</pg_payment_status>', '<pg_payment_status>success</pg_payment_status>');
      return new Response(text, { status: res.status, headers: res.headers });
    };
    const mitm = new PayboxClient({ merchantId: MERCHANT, secretKey: SECRET, baseUrl: fake.baseUrl, fetch: forging });
    await expect(mitm.getStatus({ paymentId: p.paymentId })).rejects.toThrow(/signature invalid/);
    const down = new PayboxClient({ merchantId: MERCHANT, secretKey: SECRET, baseUrl: 'http://127.0.0.1:9', timeoutMs: 2_000 });
    await expect(down.getStatus({ paymentId: '1' })).rejects.toBeInstanceOf(PayboxNetworkError);
  });
});

describe('result_url callbacks from the fake gateway', () => {
  it('wrong secret, tampered amount and a missing pg_sig are rejected and change nothing', async () => {
    const p = await newPayment(5_000);
    await fake.pay(p.paymentId, { deliver: false });
    for (const signature of ['wrong_secret', 'tampered', 'missing'] as const) {
      const [d] = await fake.deliverCallback(p.paymentId, 0, { signature });
      expect(d!.status).toBe(400);
    }
    expect(merchant.rejected).toEqual(['signature_mismatch', 'signature_mismatch', 'missing_signature']);
    expect(merchant.handled).toHaveLength(0);
  });

  it('the same callback 5 times concurrently is handled once, and every answer is signed', async () => {
    const p = await newPayment(5_000);
    await fake.pay(p.paymentId, { deliver: false });
    const results = await fake.deliverCallback(p.paymentId, 0, { times: 5, concurrent: true });
    expect(results.every((r) => r.status === 200 && r.answerSignatureValid && r.answer?.pg_status === 'ok')).toBe(true);
    expect(merchant.handled).toHaveLength(1);
  });

  it('out of order: a stale failure callback arriving after the success does not undo it', async () => {
    const p = await newPayment(3_000);
    await fake.pay(p.paymentId, { result: 0, deliver: false });
    await fake.pay(p.paymentId, { result: 1, deliver: false });
    await fake.deliverAllReversed(p.paymentId);
    expect(merchant.handled.map((h) => h.result)).toEqual(['1', '0']);
    expect(merchant.view.get(p.paymentId)?.status).toBe('success');
  });

  it('a fulfilment failure rejects a rejectable payment, and the gateway reverses it', async () => {
    const p = await newPayment(4_000);
    merchant.fulfil = () => false;
    const [d] = await fake.pay(p.paymentId);
    expect(d).toMatchObject({ status: 200, answerSignatureValid: true, answer: { pg_status: 'rejected' } });
    expect((await client.getStatus({ paymentId: p.paymentId })).status).toBe('revoked');
  });

  it('non-200 answers are retried later without pg_can_reject, so they can only be acknowledged', async () => {
    const p = await newPayment(4_000);
    merchant.fulfil = () => false;
    merchant.failNext = 1;
    const [first] = await fake.pay(p.paymentId);
    expect(first!.status).toBe(503);
    expect(fake.retryQueue).toHaveLength(1);
    const [retry] = await fake.runRetries();
    expect(retry).toMatchObject({ status: 200, answer: { pg_status: 'ok' }, answerSignatureValid: true });
    expect(merchant.handled.at(-1)).toMatchObject({ canReject: '0' });
    expect((await client.getStatus({ paymentId: p.paymentId })).status).toBe('success');
  });

  it('a slow merchant times out, is queued for retry, and the retry is handled once', async () => {
    const p = await newPayment(1_000);
    merchant.delayMs = 200;
    const [d] = await fake.pay(p.paymentId, { timeoutMs: 50 });
    expect(d!.error).toBe('timeout');
    merchant.delayMs = 0;
    // The merchant still finishes the abandoned request; the gateway's retry must not double it.
    await new Promise((r) => setTimeout(r, 250));
    const [retry] = await fake.runRetries({ delayMs: 20 });
    expect(retry!.status).toBe(200);
    expect(merchant.handled).toHaveLength(1);
  });
});
