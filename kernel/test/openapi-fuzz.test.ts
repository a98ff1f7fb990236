import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeStripeServer } from '@atrium/plugin-payments-stripe/testing';
import { FakePayboxServer } from '@atrium/plugin-payments-paybox/testing';
import { FakeKaspiServer } from '@atrium/plugin-payments-kaspi/testing';
import { call, startPlatform, type PlatformProcess } from './fixtures/platform-process.ts';
import { HOSTILE, int, invalidBody, pick, rngOf, validValue, type IdPool, type Rng, type SampleContext } from './fuzz/schema-sample.ts';

/**
 * Every operation of the live OpenAPI document, fuzzed against a started platform process with
 * every first-party plugin enabled: valid and invalid bodies, queries, path params, headers and
 * content types, as an owner, a staff member, the owner of another tenant and nobody. Tenant B
 * (the victim) holds data with recognisable markers and takes no part: no answer to anyone else
 * may contain them. No 5xx, no process exit, nothing reaching the process-level handlers.
 *
 * ATRIUM_FUZZ_REQUESTS (default 10,000) and ATRIUM_FUZZ_SEED (fixed by default) tune a run.
 */
const REQUESTS = Number(process.env.ATRIUM_FUZZ_REQUESTS ?? 10_000);
const SEED = Number(process.env.ATRIUM_FUZZ_SEED ?? 20261207);
const CONCURRENCY = 8;
const PASSWORD = 'fuzz-password-0123';
const MARKER = 'MRKB7Q';
const METRICS_TOKEN = 'openapi-fuzz-metrics-token-000000';
const root = path.resolve(import.meta.dirname, '../..');
const FIRST_PARTY = fs.readdirSync(path.join(root, 'plugins')).filter((d) => fs.existsSync(path.join(root, 'plugins', d, 'atrium.plugin.json')));

type Who = { name: string; token: string; email?: string; tenantId?: string };
let platform: PlatformProcess;
let doc: any;
let stripe: FakeStripeServer;
let paybox: FakePayboxServer;
let kaspi: FakeKaspiServer;
const who: Record<'owner' | 'staff' | 'other' | 'nobody', Who> = {} as any;
let victim: Who;
const ids: IdPool = { uuids: [], other: [] };
const findings: string[] = [];
const leaks: string[] = [];
let sent = 0;
/** Answers by status class, and the operations that answered a 2xx at least once (the valid half must be valid). */
const statuses: Record<string, number> = {};
const succeeded = new Set<string>();

const api = (method: string, p: string, w: Who | null, opts: { body?: unknown; raw?: string; headers?: Record<string, string> } = {}) =>
  call(platform.url, method, p, { token: w?.token || undefined, ...opts });

async function login(email: string): Promise<string> {
  const r = await api('POST', '/api/auth/login', null, { body: { email, password: PASSWORD } });
  if (r.status !== 200) throw new Error(`login ${email}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.accessToken;
}

/** Ids in an answer of the fuzzers' own tenants: later requests use them as path and body values. */
function harvest(v: unknown, depth = 0): void {
  if (depth > 6 || ids.uuids.length > 400) return;
  if (typeof v === 'string') {
    if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v)) { if (!ids.uuids.includes(v)) ids.uuids.push(v); }
    else if (/^(term|job)_[0-9a-f-]{36}$/.test(v) && !ids.other.includes(v)) ids.other.push(v);
    return;
  }
  if (Array.isArray(v)) for (const x of v.slice(0, 20)) harvest(x, depth + 1);
  else if (v && typeof v === 'object') for (const x of Object.values(v).slice(0, 40)) harvest(x, depth + 1);
}

async function configureProviders(w: Who): Promise<void> {
  const put = (id: string, settings: Record<string, unknown>) => api('PUT', `/api/plugins/${id}/settings`, w, { body: { settings } });
  await put('payments', { publicBaseUrl: platform.url, defaultProvider: 'stripe' });
  await put('payments-stripe', { apiBaseUrl: stripe.baseUrl, secretKey: stripe.secretKey, webhookSecrets: ['whsec_fuzz_0123456789'] });
  await put('payments-paybox', { apiBaseUrl: paybox.baseUrl, merchantId: '12345', secretKeys: ['paybox-secret'] });
  await put('payments-kaspi', { apiBaseUrl: kaspi.baseUrl, organizationBin: '123456789012', apiKey: 'kaspi-key-0123', tradePointId: 77 });
}

/** Every first-party plugin on, dependencies first (a failed enable is retried after the others). */
async function enableAll(w: Who): Promise<void> {
  let pending = [...FIRST_PARTY];
  for (let round = 0; round < 4 && pending.length; round++) {
    const left: string[] = [];
    for (const id of pending) if ((await api('POST', `/api/plugins/${id}/enable`, w)).status !== 200) left.push(id);
    pending = left;
  }
}

async function signupTenant(name: string, email: string): Promise<Who> {
  const r = await api('POST', '/api/auth/signup', null, { body: { tenantName: name, email, password: PASSWORD } });
  if (r.status !== 201) throw new Error(`signup ${email}: ${r.status} ${JSON.stringify(r.body)}`);
  const w = { name, token: r.body.accessToken, email, tenantId: r.body.tenant.id };
  await configureProviders(w);
  await enableAll(w);
  return w;
}

/** Text values: the victim's carry the marker, the fuzzers' are plain words. */
const textOf = (rng: Rng, marker: string | null) => () => (marker ? `${marker}-${int(rng, 1000, 9999)}` : pick(rng, ['Хлеб', 'Coffee', 'Ұн', 'ґрунт', 'note', 'x', 'Main St 1', '12.50']));

function fill(route: string, rng: Rng, op: any, valid: boolean, c: SampleContext): string {
  return route.replace(/\{([a-zA-Z]+)\}/g, (_m, name) => {
    const prm = (op.parameters ?? []).find((p: any) => p.in === 'path' && p.name === name);
    const v = valid || rng() < 0.5 ? validValue(prm?.schema ?? { type: 'string' }, c) : pick(rng, ['..%2F..', '%00', '%E0%A4%A', 'x'.repeat(3000), '-1', 'null', '__proto__', "'"]);
    return typeof v === 'string' && v.includes('%') ? v : encodeURIComponent(String(v));
  });
}

type Op = { method: string; route: string; op: any };

async function fuzzOne(o: Op, rng: Rng, w: Who | null): Promise<void> {
  const c: SampleContext = { rng, ids, text: textOf(rng, null) };
  const valid = rng() < 0.55;
  let url = fill(o.route, rng, o.op, valid, c);
  const query = new URLSearchParams();
  for (const p of (o.op.parameters ?? []).filter((x: any) => x.in === 'query')) {
    if (!(p.required || rng() < 0.4)) continue;
    const v = valid || rng() < 0.5 ? validValue(p.schema, c) : pick(rng, HOSTILE)(rng);
    query.append(p.name, Array.isArray(v) ? v.join(',') : typeof v === 'object' ? JSON.stringify(v) : String(v));
  }
  if (!valid && rng() < 0.2) query.append(pick(rng, ['__proto__', 'constructor', 'sort', 'limit', 'unknown', 'q']), pick(rng, ['constructor', '-1', 'toString', '1e9', 'a\u0000']));
  if ([...query].length) url += `?${query}`;
  const headers: Record<string, string> = {};
  // (header values a client can send at all: fetch refuses characters above U+00FF)
  if (rng() < 0.3) headers['idempotency-key'] = pick(rng, [`k-${int(rng, 1, 50)}`, 'x'.repeat(300), 'k\u00e9y', '']);
  if (rng() < 0.1) headers['x-request-id'] = pick(rng, ['r-1', 'x'.repeat(9000), 'a b']);
  if (rng() < 0.05) headers['accept-language'] = pick(rng, ['ru', 'kk-KZ', 'zz', '*']);
  let raw: string | undefined;
  const schema = o.op.requestBody?.content?.['application/json']?.schema;
  if (o.op.requestBody) {
    if (o.op.requestBody.content?.['*/*']) {
      raw = pick(rng, ['', '{}', 'a=1&__proto__[x]=1', 'x'.repeat(int(rng, 1, 5000)), '<xml/>', '\u0000']);
      headers['content-type'] = pick(rng, ['application/octet-stream', 'application/json', 'application/x-www-form-urlencoded', 'image/png', 'text/csv']);
    } else {
      const body = valid ? validValue(schema, c) : invalidBody(schema, c);
      raw = rng() < 0.05 ? pick(rng, ['{"a":', '[]', 'null', '"str"', '{"a":1}{"b":2}', `{${'"a":1,'.repeat(5)}"a":2}`]) : JSON.stringify(body);
      headers['content-type'] = valid || rng() < 0.8 ? 'application/json' : pick(rng, ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', '']);
    }
  }
  if (w && !valid && rng() < 0.05) w = { ...w, token: pick(rng, ['garbage', `${w.token}x`, w.token.split('.').slice(0, 2).join('.') + '.']) };
  const label = `${o.method} ${url.slice(0, 200)} as ${w?.name ?? 'nobody'}${raw !== undefined ? ` body ${raw.slice(0, 200)}` : ''}`;
  sent++;
  let r: Awaited<ReturnType<typeof call>>;
  try {
    r = await api(o.method, url, w, { raw, headers });
  } catch (e) {
    findings.push(`${label} → no answer: ${(e as Error).message}`);
    return;
  }
  const text = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
  statuses[`${String(r.status)[0]}xx`] = (statuses[`${String(r.status)[0]}xx`] ?? 0) + 1;
  if (r.status < 300) succeeded.add(`${o.method} ${o.route}`);
  if (r.status >= 500) findings.push(`${label} → ${r.status} ${text.slice(0, 300)}`);
  if (text?.includes(MARKER)) leaks.push(`${label} → ${r.status} ${text.slice(0, 300)}`);
  if (r.status < 300 && w) harvest(r.body);
}

/**
 * Logs the fuzzers in again and turns their plugins back on (the fuzz may sign them out or disable
 * things) — and puts the staff member back on the team when the owner's fuzz removed them (a
 * legitimate request: which one the seed hits depends on the operations every plugin adds).
 */
async function repair(): Promise<void> {
  for (const k of ['owner', 'staff', 'other'] as const) {
    const w = who[k];
    if ((await api('GET', '/api/me', w)).status === 200) continue;
    if (k === 'staff') {
      const pg = (await import('pg')).default;
      const c = new pg.Client({ connectionString: platform.databaseUrl });
      await c.connect();
      await c.query(`insert into kernel.membership (tenant_id, user_id, roles) select $1, id, '{staff}' from kernel."user" where email = $2 on conflict do nothing`, [w.tenantId, w.email]);
      await c.end();
    }
    w.token = await login(w.email!);
  }
  await enableAll(who.owner);
  await enableAll(who.other);
}

beforeAll(async () => {
  stripe = await FakeStripeServer.start();
  paybox = await FakePayboxServer.start({ '12345': 'paybox-secret' });
  kaspi = await FakeKaspiServer.start({ apiKey: 'kaspi-key-0123', organizations: { '123456789012': [{ id: 77, name: 'Main' }] }, pollIntervalSeconds: 1 });
  const allow = JSON.stringify({ 'payments-stripe': [stripe.baseUrl], 'payments-paybox': [paybox.baseUrl], 'payments-kaspi': [kaspi.baseUrl] });
  platform = await startPlatform({
    plugins: FIRST_PARTY,
    env: {
      ATRIUM__OUTBOUND__ALLOW: allow, ATRIUM_METRICS_TOKEN: METRICS_TOKEN, ATRIUM_LOG_LEVEL: 'error',
      // the operator's Stripe billing and Connect, against the fake: those routes are fuzzed for real
      ATRIUM_BILLING_STRIPE_SECRET_KEY: stripe.secretKey, ATRIUM_BILLING_STRIPE_BASE_URL: stripe.baseUrl, ATRIUM_BILLING_WEBHOOK_SECRETS: 'whsec_billing_fuzz_0123',
      ATRIUM_BILLING_PLANS: JSON.stringify([{ id: 'basic', name: 'Basic', priceMinor: 990, currency: 'kzt', interval: 'month' }]),
      ATRIUM_STRIPE_CONNECT_SECRET_KEY: stripe.secretKey, ATRIUM_STRIPE_CONNECT_BASE_URL: stripe.baseUrl, ATRIUM_STRIPE_CONNECT_WEBHOOK_SECRETS: 'whsec_connect_fuzz_0123',
      ATRIUM__RATE_LIMIT__API_PER_MINUTE: '1000000', ATRIUM__AUTH__LOGIN_MAX_PER_IP_PER_MINUTE: '100000', ATRIUM__AUTH__LOGIN_MAX_PER_ACCOUNT_PER15_MINUTES: '100000', ATRIUM__AUTH__SIGNUP_MAX_PER_IP_PER_HOUR: '100000',
    },
  });
  victim = await signupTenant(`Victim ${MARKER}`, 'owner@victim.test');
  const owner = await signupTenant('Fuzz A', 'owner@a.fuzz.test');
  const pg = (await import('pg')).default;
  who.owner = owner;
  who.other = await signupTenant('Fuzz C', 'owner@c.fuzz.test');
  who.nobody = { name: 'nobody', token: '' };
  // staff: a member of A with the staff role, added as the operator would
  const c = new pg.Client({ connectionString: platform.databaseUrl });
  await c.connect();
  const hash = (await c.query(`select password_hash from kernel."user" where email = 'owner@a.fuzz.test'`)).rows[0].password_hash;
  const staffId = crypto.randomUUID();
  await c.query(`insert into kernel."user" (id, email, display_name, password_hash) values ($1, 'staff@a.fuzz.test', 'Staff', $2)`, [staffId, hash]);
  await c.query(`insert into kernel.membership (tenant_id, user_id, roles) values ($1, $2, '{staff}')`, [owner.tenantId, staffId]);
  await c.end();
  who.staff = { name: 'staff', token: await login('staff@a.fuzz.test'), email: 'staff@a.fuzz.test', tenantId: owner.tenantId };
  doc = (await api('GET', '/api/openapi.json', null)).body;
}, 300_000);

afterAll(async () => {
  await platform?.stop();
  await stripe?.close();
  await paybox?.close();
  await kaspi?.close();
});

describe('OpenAPI-driven fuzz', () => {
  it(`seeds the victim tenant with marked data through its own API`, async () => {
    const rng = rngOf(SEED ^ 0x5eed);
    const c: SampleContext = { rng, ids: { uuids: [], other: [] }, text: textOf(rng, MARKER) };
    let stored = 0;
    for (const [route, ops] of Object.entries<any>(doc.paths)) {
      const o = ops.post;
      if (!o || route.includes('{') || !o.requestBody?.content?.['application/json'] || route.startsWith('/api/auth')) continue;
      for (let k = 0; k < 6; k++) {
        const r = await api('POST', route, victim, { body: validValue(o.requestBody.content['application/json'].schema, c) });
        if (r.status < 300) stored++;
        expect(r.status, `${route}: ${JSON.stringify(r.body).slice(0, 200)}`).toBeLessThan(500);
      }
    }
    // the marker really is in the victim's data, so not finding it elsewhere means something
    expect(stored).toBeGreaterThan(10);
    expect(JSON.stringify((await api('GET', '/api/tenants/current', victim)).body)).toContain(MARKER);
  });

  it(`${REQUESTS} generated requests over every operation: no 5xx, no cross-tenant read, the process stays up`, async () => {
    const ops: Op[] = Object.entries<any>(doc.paths).flatMap(([route, m]) => Object.entries<any>(m).map(([method, op]) => ({ method: method.toUpperCase(), route, op })));
    expect(ops.length).toBeGreaterThan(100);
    const rng = rngOf(SEED);
    const identities = [who.owner, who.owner, who.staff, who.other, null];
    // the order is fixed by the seed: every operation once per round, each round shuffled
    const plan: { o: Op; w: Who | null; seed: number }[] = [];
    while (plan.length < REQUESTS) {
      const round = [...ops].sort(() => rng() - 0.5);
      for (const o of round) if (plan.length < REQUESTS) plan.push({ o, w: pick(rng, identities), seed: Math.floor(rng() * 2 ** 32) });
    }
    for (let i = 0; i < plan.length; i += 400) {
      const batch = plan.slice(i, i + 400);
      let next = 0;
      await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
        while (next < batch.length) {
          const p = batch[next++]!;
          await fuzzOne(p.o, rngOf(p.seed), p.w ? who[(Object.keys(who) as (keyof typeof who)[]).find((k) => who[k].name === p.w!.name)!] : null);
        }
      }));
      expect(platform.alive(), platform.log().slice(-2000)).toBe(true);
      await repair();
    }
    expect(sent).toBeGreaterThanOrEqual(REQUESTS);
    console.log(`fuzz: ${sent} requests, ${JSON.stringify(statuses)}, ${succeeded.size} of ${ops.length} operations answered 2xx at least once`);
    expect(succeeded.size).toBeGreaterThan(ops.length * 0.3);
    expect(findings.slice(0, 40)).toEqual([]);
    expect(leaks.slice(0, 20)).toEqual([]);
  }, 1_200_000);

  it('the process is alive, healthy, and no error reached its last-resort handlers', async () => {
    expect(platform.alive()).toBe(true);
    expect((await api('GET', '/api/health', null)).status).toBe(200);
    const m = await api('GET', '/metrics', null, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(m.body).toMatch(/^atrium_process_uncaught_errors 0$/m);
  });
});
