// Outside calls never inside a transaction (ctx.outside / ctx.fetch / ctx.transaction), the
// operator's allowlist of outbound base URLs, and the recovery of a call a crash left without an answer.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createTestKernel, waitFor, type TestClient, type TestKernel } from '@atrium/sdk/testing';
import { chargesPlugin, FakeChargesServer } from './fixtures/charges-plugin.ts';

let fake: FakeChargesServer;
let evil: FakeChargesServer;
let tk: TestKernel;
let owner: TestClient;
let other: TestClient;
let db: pg.Client;



const config = (base: string) => ({
  // a pool of 2: fewer connections than hanging calls
  database: { poolMax: 2 },
  outbound: { allow: { charges: [base] }, recoverIntervalMs: 200, timeoutMs: 1_000 },
  http: { requestTimeoutMs: 30_000 },
});

beforeAll(async () => {
  fake = await FakeChargesServer.start();
  evil = await FakeChargesServer.start();
  tk = await createTestKernel({
    plugins: [chargesPlugin],
    config: config(fake.baseUrl),
    tenants: [{ name: 'One', owner: 'owner@one.test', enable: ['charges'] }, { name: 'Two', owner: 'owner@two.test', enable: ['charges'] }],
  });
  owner = await tk.as('owner@one.test');
  other = await tk.as('owner@two.test');
  for (const c of [owner, other]) expect((await c.put('/api/plugins/charges/settings', { settings: { apiBaseUrl: fake.baseUrl } })).status).toBe(200);
  db = new pg.Client({ connectionString: tk.databaseUrls.owner });
  await db.connect();
});

afterAll(async () => {
  await db?.end();
  await tk?.stop();
  await fake?.close();
  await evil?.close();
});

describe('outside calls', () => {
  it('records the intent, calls out, records the result; a retry with the same key answers the same without a second charge', async () => {
    const id = crypto.randomUUID();
    const first = await owner.post('/api/charges/charges', { id, amount: 500 });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({ id, status: 'paid', providerId: expect.stringMatching(/^ch_/) });
    const again = await owner.post('/api/charges/charges', { id, amount: 500 });
    expect(again.body).toEqual(first.body);
    expect([...fake.charges.values()].filter((c) => c.key === `charge-${id}`)).toHaveLength(1);
    const { rows } = await db.query(`select state, attempts from kernel.outside_call where key = $1`, [`charge-${id}`]);
    expect(rows).toEqual([{ state: 'done', attempts: 1 }]);
    // the same key for another request is a client bug, refused
    expect((await owner.post('/api/charges/charges', { id, amount: 501 })).body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('a provider that hangs holds no database connection: the pool is free and other requests are served', async () => {
    fake.hangNext(4);
    const ids = Array.from({ length: 4 }, () => crypto.randomUUID());
    const calls = ids.map((id) => owner.post('/api/charges/charges', { id, amount: 700 }));
    await waitFor('the calls to hang at the provider', () => fake.hanging === 4);
    // four requests waiting on the provider, a pool of two connections: none of them is held
    // (sampled: background work — jobs, deliveries — takes a connection for a moment now and then;
    // a connection held by a waiting request would be in use in every sample)
    expect(await tk.leastConnectionsInUse()).toBe(0);
    const { rows } = await db.query(`select count(*)::int as n from pg_stat_activity where datname = current_database() and usename = 'atrium_app' and state like 'idle in transaction%' and state_change < now() - interval '500 milliseconds'`);
    expect(rows[0].n).toBe(0);
    // the intents are recorded (committed) before the call
    expect((await db.query(`select count(*)::int as n from charges.charge where id = any($1::uuid[]) and status = 'pending'`, [ids])).rows[0].n).toBe(4);
    // reads and writes of the same and another tenant go through meanwhile
    expect((await owner.get('/api/charges/charges')).status).toBe(200);
    expect((await other.post('/api/charges/charges', { id: crypto.randomUUID(), amount: 1 })).status).toBe(201);
    // the provider lets go without answering: outcome unknown → 502, the intent stays pending for recovery
    fake.releaseHung();
    const results = await Promise.all(calls);
    for (const r of results) expect(r.status, JSON.stringify(r.body)).toBeGreaterThanOrEqual(500);
    // nothing was charged (the fake never processed them); recovery finds no charge and sends them once
    await waitFor('recovery to charge them once each', async () => (await db.query(`select count(*)::int as n from charges.charge where id = any($1::uuid[]) and status = 'paid'`, [ids])).rows[0].n === 4);
    for (const id of ids) expect([...fake.charges.values()].filter((c) => c.key === `charge-${id}`)).toHaveLength(1);
  });

  it('an answer lost after the provider charged is recovered by asking the provider with the same key: one charge', async () => {
    const id = crypto.randomUUID();
    fake.dropAnswersNext(1);
    const r = await owner.post('/api/charges/charges', { id, amount: 900 });
    expect(r.status).toBeGreaterThanOrEqual(500);
    expect(fake.charges.get(`charge-${id}`)).toBeDefined();
    await waitFor('recovery to record the charge', async () => (await db.query(`select status from charges.charge where id = $1`, [id])).rows[0]?.status === 'paid');
    const posts = fake.received.filter((q) => q.method === 'POST' && q.headers['idempotency-key'] === `charge-${id}`);
    expect(posts).toHaveLength(1); // recovered by a lookup, never by sending again
    // the client's retry now gets the recorded answer
    expect((await owner.post('/api/charges/charges', { id, amount: 900 })).body).toMatchObject({ id, status: 'paid' });
  });

  it('a refusal is recorded and answered again to a retry', async () => {
    const id = crypto.randomUUID();
    fake.declineAmount = 666;
    const r = await owner.post('/api/charges/charges', { id, amount: 666 });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('CARD_DECLINED');
    expect((await db.query(`select status from charges.charge where id = $1`, [id])).rows[0].status).toBe('declined');
    const again = await owner.post('/api/charges/charges', { id, amount: 666 });
    expect(again.status).toBe(422);
    expect(fake.received.filter((q) => q.method === 'POST' && q.headers['idempotency-key'] === `charge-${id}`)).toHaveLength(1);
  });

  it('Idempotency-Key on an action without a transaction: a retry (also concurrent) gets the first answer, the call runs once', async () => {
    const pings = () => fake.received.filter((q) => q.method === 'GET' && q.query.get('key') === 'ping').length;
    const before = pings();
    fake.latencyMs = 200;
    const key = { headers: { 'idempotency-key': `ping-${crypto.randomUUID()}` } };
    try {
      const results = await Promise.all([1, 2, 3].map(() => owner.post('/api/charges/charges/ping', { tag: 'a' }, key)));
      expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
      expect(results.map((r) => r.body)).toEqual([{ status: 404 }, { status: 404 }, { status: 404 }]);
      expect(results.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(2);
    } finally {
      fake.latencyMs = 0;
    }
    expect(pings()).toBe(before + 1);
    expect((await owner.post('/api/charges/charges/ping', { tag: 'a' }, key)).headers.get('idempotent-replayed')).toBe('true');
    expect((await owner.post('/api/charges/charges/ping', { tag: 'b' }, key)).body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    // another user's key is another key
    expect((await other.post('/api/charges/charges/ping', { tag: 'a' }, key)).headers.get('idempotent-replayed')).toBeNull();
    expect(pings()).toBe(before + 2);
  });

  it('ctx.fetch inside a transaction is refused before anything is sent', async () => {
    const before = fake.received.length;
    const r = await owner.post('/api/charges/charges/in-transaction', {});
    expect(r.status).toBe(500);
    expect(fake.received.length).toBe(before);
  });
});

describe('outbound allowlist (SSRF)', () => {
  it('a tenant cannot point a base URL anywhere: the setting is refused with 422 naming the field', async () => {
    const r = await owner.put('/api/plugins/charges/settings', { settings: { apiBaseUrl: evil.baseUrl } });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('OUTBOUND_NOT_ALLOWED');
    expect(r.body.error.fields).toEqual([{ field: 'apiBaseUrl', code: 'addressNotAllowed', params: { allowed: expect.arrayContaining([fake.baseUrl]) }, message: expect.stringContaining(fake.baseUrl) }]);
    for (const bad of ['http://169.254.169.254/latest/meta-data', `${fake.baseUrl.replace('127.0.0.1', 'localhost')}`, `http://user:pw@${fake.baseUrl.slice(7)}`]) {
      expect((await owner.put('/api/plugins/charges/settings', { settings: { apiBaseUrl: bad } })).status, bad).toBe(422);
    }
    // the manifest's own production URL and the operator's are allowed
    expect((await owner.put('/api/plugins/charges/settings', { settings: { apiBaseUrl: 'https://api.charges.example' } })).status).toBe(200);
    expect((await owner.put('/api/plugins/charges/settings', { settings: { apiBaseUrl: fake.baseUrl } })).status).toBe(200);
  });

  it('a base URL stored before the operator narrowed the list is refused at call time; nothing is sent', async () => {
    // as if saved before: straight into the row, past the API's check
    await db.query(`update kernel.tenant_plugin set settings = jsonb_set(settings, '{apiBaseUrl}', to_jsonb($2::text)) where tenant_id = $1 and plugin_id = 'charges'`, [owner.tenantId, evil.baseUrl]);
    tk.kernel.deps.gate.invalidateSettings(owner.tenantId, 'charges');
    const r = await owner.post('/api/charges/charges/ping', {});
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('OUTBOUND_NOT_ALLOWED');
    expect(evil.received).toHaveLength(0);
    await db.query(`update kernel.tenant_plugin set settings = jsonb_set(settings, '{apiBaseUrl}', to_jsonb($2::text)) where tenant_id = $1 and plugin_id = 'charges'`, [owner.tenantId, fake.baseUrl]);
    tk.kernel.deps.gate.invalidateSettings(owner.tenantId, 'charges');
    expect((await owner.post('/api/charges/charges/ping', {})).body).toEqual({ status: 404 });
  });
});

describe('a crash between the call and its result', () => {
  it('the node dies while the provider holds the answer; another node recovers it with the same key: one charge', async () => {
    const id = crypto.randomUUID();
    // the provider takes the charge, then keeps the connection open without answering
    const node1 = await createTestKernel({ plugins: [chargesPlugin], config: config(fake.baseUrl), join: tk });
    const c1 = await node1.as('owner@one.test');
    fake.holdAnswersNext(1, (rq) => rq.method === 'POST' && rq.headers['idempotency-key'] === `charge-${id}`);
    const pending = c1.post('/api/charges/charges', { id, amount: 1234 }).catch(() => null);
    await waitFor('the provider to take the charge', () => fake.charges.has(`charge-${id}`));
    // node 1 dies (its pool, broker and HTTP server go) before it could record the result
    await node1.stop();
    fake.releaseHung();
    await pending;
    expect((await db.query(`select status from charges.charge where id = $1`, [id])).rows[0].status).toBe('pending');
    // the other node's sweep takes it over once the lease ran out, asks the provider, records it
    await waitFor('the other node to recover the call', async () => (await db.query(`select status from charges.charge where id = $1`, [id])).rows[0]?.status === 'paid');
    expect(fake.received.filter((q) => q.method === 'POST' && q.headers['idempotency-key'] === `charge-${id}`)).toHaveLength(1);
    expect([...fake.charges.values()].filter((c) => c.key === `charge-${id}`)).toHaveLength(1);
    const { rows } = await db.query(`select state, attempts from kernel.outside_call where key = $1`, [`charge-${id}`]);
    expect(rows[0].state).toBe('done');
    expect(rows[0].attempts).toBeGreaterThanOrEqual(2);
  });
});
