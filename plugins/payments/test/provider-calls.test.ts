// Provider calls never hold a database connection; a crash between a provider operation and its
// recorded result is reconciled with the same key (never charged or refunded twice); the providers'
// idempotency ledger lives in PostgreSQL (across a restart and across nodes); provider base URLs
// come from the operator's allowlist only.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createTestKernel, waitFor, type TestClient, type TestKernel } from '@atrium/sdk/testing';
import payments from '../src/index.ts';
import stripe, { signStripePayload } from '@atrium/plugin-payments-stripe';
import paybox from '@atrium/plugin-payments-paybox';
import kaspi from '@atrium/plugin-payments-kaspi';
import { FakeStripeServer } from '@atrium/plugin-payments-stripe/testing';
import { FakePayboxServer } from '@atrium/plugin-payments-paybox/testing';
import { FakeKaspiServer } from '@atrium/plugin-payments-kaspi/testing';

const WHSEC = 'whsec_acme_0123456789abcdef';
const PAYBOX_MERCHANT = '30001';
const PAYBOX_SECRET = 'paybox-secret-provider-calls';
const KASPI_KEY = 'kaspi-api-key-0002';
const KASPI_BIN = '210987654321';

let fakeStripe: FakeStripeServer;
let fakePaybox: FakePayboxServer;
let fakeKaspi: FakeKaspiServer;
/** A server no setting may point at: anything it receives is a leak. */
let elsewhere: FakeStripeServer;
let tk: TestKernel;
let acme: TestClient;
let globex: TestClient;
let db: pg.Client;

const config = () => ({
  // fewer connections than concurrent provider calls
  database: { poolMax: 2 },
  outbound: {
    allow: { 'payments-stripe': [fakeStripe.baseUrl], 'payments-paybox': [fakePaybox.baseUrl], 'payments-kaspi': [fakeKaspi.baseUrl] },
    // a provider call without an answer is taken over after 6 × this (the lease) and retried after it
    timeoutMs: 1_000,
    recoverIntervalMs: 200,
    // all eight calls of the first test at the provider at once (the per-tenant limit is tested on its own)
    tenantMaxConcurrent: 16,
  },
  http: { requestTimeoutMs: 20_000 },
});



async function configure(c: TestClient, plugin: string, settings: Record<string, unknown>, enable = true) {
  const r = await c.put(`/api/plugins/${plugin}/settings`, { settings });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  if (enable) expect((await c.post(`/api/plugins/${plugin}/enable`)).status).toBe(200);
}

const sessionsOf = (intentId: string) => [...fakeStripe.objects.values()].filter((o: any) => o.object === 'checkout.session' && o.client_reference_id === intentId);

beforeAll(async () => {
  fakeStripe = await FakeStripeServer.start();
  fakePaybox = await FakePayboxServer.start({ [PAYBOX_MERCHANT]: PAYBOX_SECRET });
  fakeKaspi = await FakeKaspiServer.start({ apiKey: KASPI_KEY, organizations: { [KASPI_BIN]: [{ id: 7, name: 'Main' }] } });
  elsewhere = await FakeStripeServer.start();
  tk = await createTestKernel({
    plugins: [payments, stripe, paybox, kaspi],
    config: config(),
    tenants: [{ name: 'Acme', owner: 'owner@acme.test', enable: ['payments'] }, { name: 'Globex', owner: 'owner@globex.test', enable: ['payments'] }],
  });
  acme = await tk.as('owner@acme.test');
  globex = await tk.as('owner@globex.test');
  for (const c of [acme, globex]) {
    await configure(c, 'payments', { publicBaseUrl: tk.url, defaultProvider: 'stripe' }, false);
    await configure(c, 'payments-stripe', { apiBaseUrl: fakeStripe.baseUrl, secretKey: fakeStripe.secretKey, webhookSecrets: [WHSEC] });
    await configure(c, 'payments-paybox', { apiBaseUrl: fakePaybox.baseUrl, merchantId: PAYBOX_MERCHANT, secretKeys: [PAYBOX_SECRET] });
  }
  await configure(acme, 'payments-kaspi', { apiBaseUrl: fakeKaspi.baseUrl, organizationBin: KASPI_BIN, apiKey: KASPI_KEY, tradePointId: 7 });
  db = new pg.Client({ connectionString: tk.databaseUrls.owner });
  await db.connect();
});

afterAll(async () => {
  await db?.end();
  await tk?.stop();
  for (const f of [fakeStripe, fakePaybox, fakeKaspi, elsewhere]) await f?.close();
});

describe('provider calls hold no database connection', () => {
  it('8 payments waiting on a provider that hangs hold no connection; another tenant is served meanwhile; the payments are completed later with the same keys', async () => {
    const isSession = (rq: any) => rq.method === 'POST' && rq.path === '/v1/checkout/sessions';
    fakeStripe.hangNext(8, isSession);
    const creates = Array.from({ length: 8 }, (_, i) => acme.post('/api/payments/intents', { amount: 1000 + i, currency: 'USD', provider: 'stripe', description: `hang ${i}` }));
    await waitFor('8 calls hanging at Stripe', () => fakeStripe.hanging === 8);
    // eight requests wait on Stripe; the pool has two connections and none of them is taken
    // (sampled: background work — jobs, deliveries — takes a connection for a moment now and then;
    // a connection held by a waiting request would be in use in every sample)
    expect(await tk.leastConnectionsInUse()).toBe(0);
    expect((await db.query(`select count(*)::int as n from pg_stat_activity where datname = current_database() and usename = 'atrium_app' and state like 'idle in transaction%' and state_change < now() - interval '500 milliseconds'`)).rows[0].n).toBe(0);
    // the intents are recorded before the call (pending, no provider payment yet)
    const pending = await db.query(`select id from payments.intent where tenant_id = $1 and description like 'hang %' and status = 'pending' and provider_payment_id is null`, [acme.tenantId]);
    expect(pending.rowCount).toBe(8);
    // another tenant pays, lists and refunds (reads and writes) meanwhile
    const other = await globex.post('/api/payments/intents', { amount: 9000, currency: 'KZT', provider: 'paybox' });
    expect(other.status, JSON.stringify(other.body)).toBe(201);
    expect((await globex.get('/api/payments/intents')).status).toBe(200);
    // Stripe cuts the connections without answering: the client retries with the same key (201),
    // or gives up with the outcome unknown (502 PROVIDER_UNAVAILABLE) and the journal finishes it later
    fakeStripe.releaseHung();
    const answers = await Promise.all(creates);
    for (const a of answers) {
      expect([201, 502], JSON.stringify(a.body)).toContain(a.status);
      if (a.status === 502) expect(a.body.error.code).toBe('PROVIDER_UNAVAILABLE');
    }
    // recovery sends each again with the same Idempotency-Key: one Checkout Session per payment
    const ids: string[] = pending.rows.map((r) => r.id);
    await waitFor('every payment completed at Stripe', async () => (await db.query(`select count(*)::int as n from payments.intent where id = any($1::uuid[]) and provider_payment_id is not null`, [ids])).rows[0].n === 8);
    for (const id of ids) {
      expect(sessionsOf(id)).toHaveLength(1);
      const keys = fakeStripe.requests.filter((r) => r.path === '/v1/checkout/sessions' && r.idempotencyKey?.includes(id)).map((r) => r.idempotencyKey);
      expect(new Set(keys)).toEqual(new Set([`atrium-${id}-create`]));
    }
  });
});

describe('a crash between a provider operation and its recorded result', () => {
  it('a node dies while Stripe holds the answer of a create: another node completes it with the same key, one Checkout Session', async () => {
    const node1 = await createTestKernel({ plugins: [payments, stripe, paybox, kaspi], config: config(), join: tk });
    const c1 = await node1.as('owner@acme.test');
    const key = `crash-create-${crypto.randomUUID()}`;
    fakeStripe.holdAnswersNext(1, (rq) => rq.method === 'POST' && rq.path === '/v1/checkout/sessions');
    const sent = c1.post('/api/payments/intents', { amount: 4321, currency: 'USD', provider: 'stripe', description: 'crash' }, { headers: { 'idempotency-key': key } }).catch(() => null);
    await waitFor('Stripe to make the session', () => fakeStripe.hanging === 1);
    await node1.stop();
    fakeStripe.releaseHung();
    await sent;
    // recorded before the call; its result is not (node 1 died) — unless node 1's own timeout gave the
    // call back before it stopped and the sweep was already quicker than this read
    const [row] = (await db.query(`select id, status from payments.intent where tenant_id = $1 and description = 'crash'`, [acme.tenantId])).rows;
    expect(row.status).toBe('pending');
    await waitFor('the other node to record the session', async () => (await db.query(`select provider_payment_id from payments.intent where id = $1`, [row.id])).rows[0].provider_payment_id);
    expect(sessionsOf(row.id)).toHaveLength(1);
    // the client's retry gets the payment with its link
    const retry = await acme.post('/api/payments/intents', { amount: 4321, currency: 'USD', provider: 'stripe', description: 'crash' }, { headers: { 'idempotency-key': key } });
    expect(retry.body).toMatchObject({ id: row.id, status: 'pending', providerPaymentId: sessionsOf(row.id)[0]!.id });
  });

  it('a node dies while PayBox holds the answer of a refund (PayBox has no idempotency key): one revoke, the refund recorded once', async () => {
    const intent = (await acme.post('/api/payments/intents', { amount: 50_000, currency: 'KZT', provider: 'paybox' })).body;
    await fakePaybox.pay(intent.providerPaymentId);
    await tk.drainEvents();
    expect((await acme.get(`/api/payments/intents/${intent.id}`)).body.status).toBe('captured');
    const node1 = await createTestKernel({ plugins: [payments, stripe, paybox, kaspi], config: config(), join: tk });
    const c1 = await node1.as('owner@acme.test');
    const revokes = () => fakePaybox.requests.filter((r) => r.script === 'revoke.php' && r.fields.pg_payment_id === intent.providerPaymentId).length;
    fakePaybox.holdAnswersNext(1, (rq) => rq.path.endsWith('/revoke.php'));
    const sent = c1.post(`/api/payments/intents/${intent.id}/refunds`, { amount: 20_000 }, { headers: { 'idempotency-key': 'crash-refund-1' } }).catch(() => null);
    await waitFor('PayBox to revoke', () => fakePaybox.payments.get(intent.providerPaymentId)!.refundedAmount === 20_000);
    await node1.stop();
    fakePaybox.releaseHung();
    await sent;
    // the refund was recorded (pending) before the call, and is recorded once
    expect((await db.query(`select count(*)::int as n from payments.refund where intent_id = $1`, [intent.id])).rows[0].n).toBe(1);
    await waitFor('the other node to record the refund', async () => (await db.query(`select status from payments.refund where intent_id = $1`, [intent.id])).rows[0]?.status === 'succeeded');
    expect(revokes()).toBe(1);
    expect(fakePaybox.payments.get(intent.providerPaymentId)!.refundedAmount).toBe(20_000);
    const got = await acme.get(`/api/payments/intents/${intent.id}`);
    expect(got.body).toMatchObject({ status: 'partially_refunded', amountRefunded: 20_000 });
    // the client's retry with its key answers the same refund, and sends nothing
    const retry = await acme.post(`/api/payments/intents/${intent.id}/refunds`, { amount: 20_000 }, { headers: { 'idempotency-key': 'crash-refund-1' } });
    expect(retry.body.refund).toMatchObject({ amount: 20_000, status: 'succeeded' });
    expect(revokes()).toBe(1);
  });
});

describe("the providers' idempotency ledger is in PostgreSQL", () => {
  it('a Kaspi QR created with a key on one node is answered again, not created again, on another node and after a restart', async () => {
    const call = (node: TestKernel) => node.kernel.broker.call('payments-kaspi.provider.create', {
      intentId: crypto.randomUUID(), amount: 150_000, currency: 'KZT', description: 'Ledger', flow: 'qr', capture: 'automatic',
      webhookUrl: `${tk.url}/api/payments/webhooks/kaspi/${acme.tenantId}`, idempotencyKey: 'atrium-ledger-qr-2', metadata: {},
    }, { meta: { system: true, tenantId: acme.tenantId } });
    // `call`: the key below with another payment (another request under the same key)
    const creates = () => fakeKaspi.requests.filter((r) => r.path.endsWith('/qr/create')).length;
    const before = creates();
    // the same call must be the same request (a key reused for other parameters is refused): fix the intent id
    const intentId = crypto.randomUUID();
    const same = (node: TestKernel) => node.kernel.broker.call('payments-kaspi.provider.create', {
      intentId, amount: 150_000, currency: 'KZT', description: 'Ledger', flow: 'qr', capture: 'automatic',
      webhookUrl: `${tk.url}/api/payments/webhooks/kaspi/${acme.tenantId}`, idempotencyKey: 'atrium-ledger-qr-2', metadata: {},
    }, { meta: { system: true, tenantId: acme.tenantId } });
    const first: any = await same(tk);
    expect(creates()).toBe(before + 1);
    // another node (its own process memory): the record is in PostgreSQL
    const node2 = await createTestKernel({ plugins: [payments, stripe, paybox, kaspi], config: config(), join: tk });
    const second: any = await same(node2);
    expect(second.providerPaymentId).toBe(first.providerPaymentId);
    expect(creates()).toBe(before + 1);
    // a restart: the node is gone, a new one starts
    await node2.stop();
    const node3 = await createTestKernel({ plugins: [payments, stripe, paybox, kaspi], config: config(), join: tk });
    try {
      const third: any = await same(node3);
      expect(third.providerPaymentId).toBe(first.providerPaymentId);
      expect(creates()).toBe(before + 1);
      // a different request under the key is refused, whatever node
      await expect(call(node3)).rejects.toThrow(/already used with different parameters/);
      // and the table is the only memory of it: without its row, the key is new to every node
      // (in-process "nodes" share module state, so this is what shows nothing is kept in memory)
      const row = await db.query(`delete from payments.provider_idempotency where tenant_id = $1 and provider = 'kaspi' and key like '%atrium-ledger-qr-2' returning state`, [acme.tenantId]);
      expect(row.rows).toEqual([{ state: 'done' }]);
      await same(node3);
      expect(creates()).toBe(before + 2);
    } finally {
      await node3.stop();
    }
    // the record is the tenant's (RLS): another tenant's transaction does not see it
    const app = new pg.Client({ connectionString: tk.databaseUrls.app });
    await app.connect();
    try {
      await app.query('begin');
      await app.query(`select set_config('app.tenant_id', $1, true)`, [globex.tenantId]);
      expect((await app.query(`select count(*)::int as n from payments.provider_idempotency where key like '%atrium-ledger-qr-2'`)).rows[0].n).toBe(0);
      await app.query(`select set_config('app.tenant_id', $1, true)`, [acme.tenantId]);
      expect((await app.query(`select state from payments.provider_idempotency where provider = 'kaspi' and key like '%atrium-ledger-qr-2'`)).rows).toEqual([{ state: 'done' }]);
      expect((await app.query(`select count(*)::int as n from payments.provider_idempotency where tenant_id = $1`, [globex.tenantId])).rows[0].n).toBe(0);
      await app.query('rollback');
    } finally {
      await app.end();
    }
  });
});

describe('tenant-safe references', () => {
  it("transitions, refunds and holds reference their intent by (tenant_id, id): a row cannot point at another tenant's intent", async () => {
    const { rows } = await db.query(`select conname, pg_get_constraintdef(oid) as def from pg_constraint where contype = 'f' and connamespace = 'payments'::regnamespace order by conname`);
    expect(rows.map((r) => r.conname)).toEqual(['hold_intent_fk', 'refund_intent_fk', 'transition_intent_fk']);
    for (const r of rows) expect(r.def).toMatch(/^FOREIGN KEY \(tenant_id, intent_id\) REFERENCES payments\.intent\(tenant_id, id\)/);
    // even a role that bypasses RLS (nothing but the key in the way) cannot link Globex's refund to Acme's intent
    const a = (await acme.post('/api/payments/intents', { amount: 700, currency: 'USD', provider: 'stripe' })).body;
    const sys = new pg.Client({ connectionString: tk.databaseUrls.system });
    await sys.connect();
    try {
      await expect(sys.query(
        `insert into payments.refund (id, tenant_id, intent_id, amount, currency, status, idempotency_key) values (gen_random_uuid(), $1, $2, 1, 'USD', 'pending', 'cross-tenant')`,
        [globex.tenantId, a.id],
      )).rejects.toThrow(/refund_intent_fk/);
    } finally {
      await sys.end();
    }
  });
});

describe('provider base URLs come from the operator, never from a tenant', () => {
  it('a tenant cannot point a provider at another host: the setting is refused naming the field, and nothing is sent there', async () => {
    const r = await acme.put('/api/plugins/payments-stripe/settings', { settings: { apiBaseUrl: elsewhere.baseUrl, secretKey: fakeStripe.secretKey, webhookSecrets: [WHSEC] } });
    expect(r.status).toBe(422);
    expect(r.body.error).toMatchObject({ code: 'OUTBOUND_NOT_ALLOWED', fields: [{ field: 'apiBaseUrl', message: expect.any(String) }] });
    // the setting did not change: payments still go to the allowed Stripe
    expect((await acme.post('/api/payments/intents', { amount: 100, currency: 'USD', provider: 'stripe' })).status).toBe(201);
    // a URL stored before the operator narrowed the list is refused when called, before any byte is sent
    await db.query(`update kernel.tenant_plugin set settings = jsonb_set(settings, '{apiBaseUrl}', to_jsonb($2::text)) where tenant_id = $1 and plugin_id = 'payments-stripe'`, [acme.tenantId, elsewhere.baseUrl]);
    tk.kernel.deps.gate.invalidateSettings(acme.tenantId, 'payments-stripe');
    try {
      const refused = await acme.post('/api/payments/intents', { amount: 100, currency: 'USD', provider: 'stripe' });
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('OUTBOUND_NOT_ALLOWED');
      expect(elsewhere.received).toHaveLength(0);
    } finally {
      await db.query(`update kernel.tenant_plugin set settings = jsonb_set(settings, '{apiBaseUrl}', to_jsonb($2::text)) where tenant_id = $1 and plugin_id = 'payments-stripe'`, [acme.tenantId, fakeStripe.baseUrl]);
      tk.kernel.deps.gate.invalidateSettings(acme.tenantId, 'payments-stripe');
    }
    // and the webhook of a verified event is still answered (no outside call there)
    const body = JSON.stringify({ id: `evt_${crypto.randomUUID()}`, object: 'event', type: 'customer.created', created: 1, livemode: false, data: { object: { id: 'cus_1', object: 'customer' } } });
    const hook = await fetch(`${tk.url}/api/payments/webhooks/stripe/${acme.tenantId}`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signStripePayload({ rawBody: body, secrets: [WHSEC] }) }, body });
    expect(hook.status).toBe(200);
  });
});
