import crypto from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startPlatform, waitFor, type PlatformProcess } from './fixtures/platform-process.ts';

/**
 * Black box, against a started platform process (`npm start`, default pool and limits): one tenant
 * cannot starve the others. Tenant A points its payment provider at a host that never answers (the
 * operator's allowlist lets it, as a test server would be) and fires 8 payments at once. Tenant B
 * meanwhile sells at its POS till and reads its data: everything B does succeeds without a 5xx and
 * is done before A's payments come back; /api/health shows A filling its share.
 *
 * What it was before: provider HTTP ran inside the request's transaction, so A's 8 hanging calls held
 * the pool's connections for the gateway's 10 s (and on, past the 504): B got 504s and its reads
 * waited seconds while /api/health said ok.
 */
let platform: PlatformProcess;
let blackHole: net.Server;
const held: net.Socket[] = [];
let holeUrl = '';
let a: { token: string; tenantId: string };
let b: { token: string; tenantId: string };

async function signup(name: string, email: string) {
  const r = await call(platform.url, 'POST', '/api/auth/signup', { body: { tenantName: name, email, password: 'correct horse battery staple' } });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return { token: r.body.accessToken as string, tenantId: r.body.tenant.id as string };
}

async function ok(method: string, p: string, token: string, body?: unknown) {
  const r = await call(platform.url, method, p, { token, body });
  expect(r.status, `${method} ${p}: ${JSON.stringify(r.body)}`).toBeLessThan(300);
  return r.body;
}

beforeAll(async () => {
  // accepts connections and never answers a byte
  blackHole = net.createServer((socket) => {
    held.push(socket);
    socket.on('error', () => {});
  });
  await new Promise<void>((r) => blackHole.listen(0, '127.0.0.1', () => r()));
  holeUrl = `http://127.0.0.1:${(blackHole.address() as net.AddressInfo).port}`;
  platform = await startPlatform({
    plugins: ['payments', 'payments-stripe', 'pos'],
    // the operator allows the test host for Stripe (a tenant could not name it otherwise)
    env: { ATRIUM__OUTBOUND__ALLOW: JSON.stringify({ 'payments-stripe': [holeUrl] }) },
  });
  a = await signup('Hungry', 'owner@hungry.test');
  b = await signup('Shop', 'owner@shop.test');
  await ok('PUT', '/api/plugins/payments/settings', a.token, { settings: { publicBaseUrl: platform.url, defaultProvider: 'stripe' } });
  await ok('POST', '/api/plugins/payments/enable', a.token);
  await ok('PUT', '/api/plugins/payments-stripe/settings', a.token, { settings: { apiBaseUrl: holeUrl, secretKey: 'sk_test_hungry_0123456789', webhookSecrets: ['whsec_hungry_0123456789'] } });
  await ok('POST', '/api/plugins/payments-stripe/enable', a.token);
  await ok('POST', '/api/plugins/pos/enable', b.token);
}, 180_000);

afterAll(async () => {
  await platform?.stop();
  for (const s of held) s.destroy();
  await new Promise<void>((r) => (blackHole ? blackHole.close(() => r()) : r()));
});

describe('one tenant cannot starve the others', () => {
  it("8 payments hanging at A's provider: B's sales and reads succeed (no 5xx) before A's calls return, and health shows A's saturation", async () => {
    // B's till, product and stock, made before the storm
    const store = await ok('POST', '/api/pos/stores', b.token, { name: 'Main' });
    const register = await ok('POST', '/api/pos/registers', b.token, { storeId: store.storeId, name: 'Till 1', printReceipts: false });
    await ok('POST', '/api/pos/shifts', b.token, { registerId: register.id, openingFloat: 10_000 });
    const product = await ok('POST', '/api/pos/products', b.token, { sku: 'BREAD', name: 'Bread', price: 500 });
    const receipt = await ok('POST', '/api/pos/stock/receipts', b.token, { storeId: store.storeId, lines: [{ productId: product.id, qtyMilli: 100_000 }] });
    await ok('POST', `/api/pos/stock/receipts/${receipt.id}/post`, b.token);

    const order: string[] = [];
    const payments = Array.from({ length: 8 }, (_, i) => call(platform.url, 'POST', '/api/payments/intents', { token: a.token, body: { amount: 1000 + i, currency: 'USD', provider: 'stripe' } })
      .then((r) => (order.push('a'), r), (e: Error) => (order.push('a'), { status: 0, body: e.message, headers: new Headers() })));
    // the calls are out at the black hole (as many as A's share of outbound calls lets through)
    await waitFor('A\'s payments to reach the provider', async () => held.length >= 1, 30_000);

    const health = await waitFor('health to show A saturated', async () => {
      const h = await call(platform.url, 'GET', '/api/health');
      const t = h.body?.checks?.saturation?.tenants?.find((x: any) => x.tenantId === a.tenantId);
      return t?.saturated ? h : null;
    }, 30_000);
    expect(health.status).toBe(200);
    expect(health.body.checks.saturation.state).toBe('degraded');
    expect(health.body.checks.saturation.tenants.find((x: any) => x.tenantId === a.tenantId).outbound).toMatchObject({ active: expect.any(Number), limit: expect.any(Number) });

    // B sells and reads, meanwhile
    const bResults: { what: string; status: number }[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await call(platform.url, 'POST', '/api/pos/sales', {
        token: b.token,
        headers: { 'idempotency-key': `sale-${i}-${crypto.randomUUID()}` },
        body: { id: crypto.randomUUID(), registerId: register.id, lines: [{ productId: product.id, qtyMilli: 1000 }], payments: [{ method: 'cash', amount: 500 }] },
      });
      bResults.push({ what: `sale ${i}: ${JSON.stringify(r.body).slice(0, 300)}`, status: r.status });
      bResults.push({ what: `sales list ${i}`, status: (await call(platform.url, 'GET', '/api/pos/sales', { token: b.token })).status });
      bResults.push({ what: `products ${i}`, status: (await call(platform.url, 'GET', '/api/pos/products', { token: b.token })).status });
      bResults.push({ what: `me ${i}`, status: (await call(platform.url, 'GET', '/api/me', { token: b.token })).status });
    }
    order.push('b');
    for (const r of bResults) expect(r.status, r.what).toBeLessThan(300);
    // every one of A's payments was still waiting when B was done
    expect(order.filter((x) => x === 'a')).toHaveLength(0);

    // A's payments come back without taking the platform with them: the provider did not answer
    // (502/504), or A's share of outside calls was used up (503)
    const answers = await Promise.all(payments);
    for (const r of answers) expect([502, 503, 504], JSON.stringify(r.body)).toContain(r.status);
    expect(platform.alive()).toBe(true);
    expect((await call(platform.url, 'GET', '/api/pos/sales', { token: b.token })).body.total).toBe(5);
  }, 120_000);
});
