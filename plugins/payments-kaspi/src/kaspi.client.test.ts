import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  KaspiApiError,
  KaspiClient,
  KaspiNetworkError,
  KaspiPollTimeoutError,
  tengeToTiyn,
  tiynToTenge,
  type KaspiPaymentStatus,
} from './kaspi.client.ts';
import { IdempotencyKeyReuseError, MemoryIdempotencyStore } from '@atrium/sdk/payments';
import { FAKE_KASPI_CODES, FakeKaspiServer } from './testing/fake-kaspi.server.ts';

const BIN = '180340021791';
const API_KEY = 'kaspi-test-key';
let now = Date.now();
let fake: FakeKaspiServer;
let kaspi: KaspiClient;
let device: string;
let ext = 0;

beforeAll(async () => {
  fake = await FakeKaspiServer.start({
    apiKey: API_KEY,
    organizations: { [BIN]: [{ id: 11, name: 'Front desk' }, { id: 12, name: 'Second salon' }] },
    ttlSeconds: 300,
    clock: () => now,
  });
  kaspi = new KaspiClient({ baseUrl: fake.baseUrl, organizationBin: BIN, apiKey: API_KEY, timeoutMs: 2_000 });
  device = (await kaspi.registerDevice({ deviceId: 'pos-1', tradePointId: 11 })).deviceToken;
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.outage = { remaining: 0, http: false };
  fake.lagReads = 0;
  fake.latencyMs = 0;
});

const create = (amount: number, kind: 'qr' | 'link' = 'link', key?: string) =>
  (kind === 'qr' ? kaspi.createQr : kaspi.createLink).call(kaspi, { deviceToken: device, amount, currency: 'KZT', externalId: `inv-${++ext}` }, { idempotencyKey: key });

async function paid(amount: number): Promise<string> {
  const p = await create(amount);
  fake.scan(p.paymentId);
  fake.confirm(p.paymentId);
  return p.paymentId;
}

describe('amounts', () => {
  it('converts tiyn to tenge and back exactly', () => {
    expect(tiynToTenge(20_000)).toBe(200);
    expect(tiynToTenge(20_050)).toBe(200.5);
    expect(tiynToTenge(5)).toBe(0.05);
    expect(tengeToTiyn(0.29)).toBe(29);
    expect(() => tiynToTenge(0)).toThrow();
    expect(() => tengeToTiyn(1.234)).toThrow();
  });
});

describe('KaspiClient against the fake partner API', () => {
  it('lists trade points and registers one device per trade point (same token on repeat)', async () => {
    expect(await kaspi.getTradePoints()).toEqual([{ id: 11, name: 'Front desk' }, { id: 12, name: 'Second salon' }]);
    expect((await kaspi.registerDevice({ deviceId: 'pos-1', tradePointId: 11 })).deviceToken).toBe(device);
    const other = await kaspi.registerDevice({ deviceId: 'pos-1', tradePointId: 12 });
    expect(other.deviceToken).not.toBe(device);
    await expect(kaspi.registerDevice({ deviceId: 'pos-1', tradePointId: 99 })).rejects.toMatchObject({ statusCode: FAKE_KASPI_CODES.tradePointNotFound });
    await kaspi.deleteDevice(other.deviceToken);
    await expect(kaspi.createQr({ deviceToken: other.deviceToken, amount: 100, currency: 'KZT', externalId: 'x' })).rejects.toMatchObject({ statusCode: FAKE_KASPI_CODES.deviceNotFound });
  });

  it('QR: create → scan → confirm, driven by the poller, which then stops', async () => {
    const qr = await create(150_000, 'qr');
    expect(qr.qrToken).toMatch(/^https:\/\//);
    expect(qr.pollIntervalMs).toBe(1_000);
    expect(new Date(qr.expiresAt).getTime()).toBe(now + 300_000);
    const seen: KaspiPaymentStatus[] = [];
    // the buyer acts once the poller has seen each step (not on a timer: a loaded machine may
    // poll late and skip a state, which is not what this test is about)
    const polling = kaspi.pollStatus(qr.paymentId, {
      intervalMs: 20,
      timeoutMs: 5_000,
      onStatus: (s) => {
        seen.push(s);
        if (s === 'QrTokenCreated') fake.scan(qr.paymentId);
        if (s === 'Wait') fake.confirm(qr.paymentId);
      },
    });
    const result = await polling;
    expect(result.status).toBe('Processed');
    expect(result.transactionId).toBeTruthy();
    expect(seen).toEqual(['QrTokenCreated', 'Wait', 'Processed']);
    const reads = fake.requests.filter((r) => r.path.endsWith(`/payment/status/${qr.paymentId}`)).length;
    expect(reads).toBe(result.polls);
    await new Promise((r) => setTimeout(r, 100));
    expect(fake.requests.filter((r) => r.path.endsWith(`/payment/status/${qr.paymentId}`)).length).toBe(reads);
  });

  it('a declined payment ends in Error; an unpaid one turns Error after ExpireDate', async () => {
    const a = await create(1_000, 'qr');
    fake.scan(a.paymentId);
    fake.decline(a.paymentId);
    expect((await kaspi.pollStatus(a.paymentId, { intervalMs: 10, timeoutMs: 1_000 })).status).toBe('Error');
    const b = await create(1_000, 'link');
    expect((await kaspi.getStatus(b.paymentId)).status).toBe('QrTokenCreated');
    now += 301_000;
    expect((await kaspi.getStatus(b.paymentId)).status).toBe('Error');
  });

  it('the poller survives outages and lagging reads, never reports a status going backwards, and times out', async () => {
    const p = await create(2_000);
    fake.scan(p.paymentId);
    fake.lagReads = 2;
    fake.outage = { remaining: 2, http: false };
    const seen: KaspiPaymentStatus[] = [];
    const first = await kaspi.pollStatus(p.paymentId, { intervalMs: 10, timeoutMs: 1_500, onStatus: (s) => seen.push(s) }).catch((e) => e);
    expect(first).toBeInstanceOf(KaspiPollTimeoutError);
    expect(first).toMatchObject({ lastStatus: 'Wait' });
    // Lagging reads showed QrTokenCreated first, then Wait: reported once each, in order.
    expect(seen).toEqual(['QrTokenCreated', 'Wait']);
    fake.outage = { remaining: 2, http: true };
    setTimeout(() => fake.confirm(p.paymentId), 50);
    expect((await kaspi.pollStatus(p.paymentId, { intervalMs: 10, timeoutMs: 2_000 })).status).toBe('Processed');
  });

  it('link: partial refunds, idempotent per key, bounded by AvailableReturnAmount', async () => {
    const id = await paid(10_000);
    expect(await kaspi.getDetails({ paymentId: id, deviceToken: device })).toMatchObject({ totalAmount: 10_000, availableReturnAmount: 10_000 });
    const r1 = await kaspi.refund({ paymentId: id, deviceToken: device, amount: 3_000, currency: 'KZT' }, { idempotencyKey: 'ret-1' });
    expect(r1.availableReturnAmount).toBe(7_000);
    expect(await kaspi.refund({ paymentId: id, deviceToken: device, amount: 3_000, currency: 'KZT' }, { idempotencyKey: 'ret-1' })).toEqual(r1);
    expect(fake.payments.get(Number(id))!.returned).toBe(3_000);
    await expect(kaspi.refund({ paymentId: id, deviceToken: device, amount: 2_000, currency: 'KZT' }, { idempotencyKey: 'ret-1' })).rejects.toBeInstanceOf(IdempotencyKeyReuseError);
    // Concurrent retries of one key send one return.
    await Promise.all([1, 2, 3].map(() => kaspi.refund({ paymentId: id, deviceToken: device, amount: 2_000, currency: 'KZT' }, { idempotencyKey: 'ret-2' })));
    expect(fake.payments.get(Number(id))!.returned).toBe(5_000);
    const beyond = await kaspi.refund({ paymentId: id, deviceToken: device, amount: 5_001, currency: 'KZT' }, { idempotencyKey: 'ret-3' }).catch((e) => e);
    expect(beyond).toBeInstanceOf(KaspiApiError);
    expect(beyond).toMatchObject({ statusCode: FAKE_KASPI_CODES.returnTooLarge, operation: 'payment/return' });
    expect((await kaspi.refund({ paymentId: id, deviceToken: device, amount: 5_000, currency: 'KZT' })).availableReturnAmount).toBe(0);
    const unpaid = await create(500);
    await expect(kaspi.refund({ paymentId: unpaid.paymentId, deviceToken: device, amount: 500, currency: 'KZT' })).rejects.toMatchObject({ statusCode: FAKE_KASPI_CODES.invalidState });
  });

  it('a return whose answer was lost is settled from payment/details, not sent twice', async () => {
    const id = await paid(8_000);
    const store = new MemoryIdempotencyStore();
    let drop = true;
    const lossy: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (String(input).endsWith('/payment/return') && drop) {
        drop = false;
        await res.text();
        throw new TypeError('connection reset');
      }
      return res;
    };
    const flaky = new KaspiClient({ baseUrl: fake.baseUrl, organizationBin: BIN, apiKey: API_KEY, fetch: lossy, idempotencyStore: store });
    await expect(flaky.refund({ paymentId: id, deviceToken: device, amount: 2_500, currency: 'KZT' }, { idempotencyKey: 'lost' })).rejects.toBeInstanceOf(KaspiNetworkError);
    const retried = new KaspiClient({ baseUrl: fake.baseUrl, organizationBin: BIN, apiKey: API_KEY, idempotencyStore: store });
    const r = await retried.refund({ paymentId: id, deviceToken: device, amount: 2_500, currency: 'KZT' }, { idempotencyKey: 'lost' });
    expect(r).toEqual({ returnOperationId: null, availableReturnAmount: 5_500 });
    expect(fake.payments.get(Number(id))!.returned).toBe(2_500);
  });

  it('create with an idempotency key returns the same payment when retried', async () => {
    const [a, b] = await Promise.all([create(700, 'qr', 'create-1'), create(700, 'qr', 'create-1').catch((e) => e)]);
    // The second call used a different ExternalId (ext counter), so it is a different request.
    expect(b).toBeInstanceOf(IdempotencyKeyReuseError);
    const again = await kaspi.createQr({ deviceToken: device, amount: 700, currency: 'KZT', externalId: `inv-${ext - 1}` }, { idempotencyKey: 'create-1' });
    expect(again.paymentId).toBe(a.paymentId);
  });

  it('typed errors: wrong API key, unknown payment, slow server', async () => {
    const wrong = new KaspiClient({ baseUrl: fake.baseUrl, organizationBin: BIN, apiKey: 'nope' });
    await expect(wrong.getTradePoints()).rejects.toMatchObject({ name: 'KaspiApiError', statusCode: FAKE_KASPI_CODES.unauthorized });
    await expect(kaspi.getStatus('424242')).rejects.toMatchObject({ statusCode: FAKE_KASPI_CODES.paymentNotFound });
    fake.latencyMs = 200;
    const impatient = new KaspiClient({ baseUrl: fake.baseUrl, organizationBin: BIN, apiKey: API_KEY, timeoutMs: 50 });
    await expect(impatient.getTradePoints()).rejects.toBeInstanceOf(KaspiNetworkError);
  });
});
