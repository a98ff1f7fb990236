import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKernel, type TestClient, type TestKernel } from '@atrium/sdk/testing';
import { definePlugin, defineAction, defineService } from '@atrium/sdk';
import notes from '../../plugins/notes/src/index.ts';
import { tallyPlugin } from './fixtures/test-plugins.ts';

/**
 * What a response tells the browser, and what the edge shows to whom: CSP and frame protection on
 * the API and the admin (with the hash of the admin's inline import map), HSTS and Secure cookies
 * behind TLS, X-Request-Id checked before it reaches headers, logs and the audit, /metrics not
 * public, queue numbers per tenant.
 */
const METRICS_TOKEN = 'metrics-token-for-the-header-test';
const IMPORT_MAP = '{"imports":{"vue":"./assets/shared-vue.js"}}';

const page = definePlugin({
  manifest: { id: 'page', version: '0.1.0', displayName: { en: 'Page' }, engines: { sdk: '^1.0.0' } } as any,
  services: [defineService({ name: 'html', actions: { show: defineAction({ rest: 'GET /', permission: 'public', tenantScoped: false, handler: () => ({ $raw: '<!doctype html><style>b{color:red}</style><b>hi</b>', contentType: 'text/html; charset=utf-8' }) }) } })],
});

let tk: TestKernel;
let a: TestClient;
let b: TestClient;
let adminDist: string;

beforeAll(async () => {
  adminDist = fs.mkdtempSync(path.join(os.tmpdir(), 'admin-csp-'));
  fs.writeFileSync(path.join(adminDist, 'index.html'), `<!doctype html><head><script type="importmap">${IMPORT_MAP}</script><script type="module" src="./assets/index.js"></script></head>`);
  tk = await createTestKernel({
    plugins: [notes, tallyPlugin, page], adminDist,
    config: { http: { trustProxy: true }, metrics: { token: METRICS_TOKEN, port: 0 } },
    tenants: [{ name: 'A', owner: 'owner@a.test', enable: ['notes', 'tally'] }, { name: 'B', owner: 'owner@b.test', enable: ['notes', 'tally'] }],
  });
  a = await tk.as('owner@a.test');
  b = await tk.as('owner@b.test');
});
afterAll(async () => {
  await tk?.stop();
  fs.rmSync(adminDist, { recursive: true, force: true });
});

const get = (p: string, headers: Record<string, string> = {}) => fetch(new URL(p, tk.url), { headers });

describe('security headers', () => {
  it('the API: no document may run from it, it cannot be framed', async () => {
    const r = await a.get('/api/notes/notes');
    expect(r.headers.get('content-security-policy')).toMatch(/default-src 'none'.*frame-ancestors 'none'/);
    expect(r.headers.get('x-frame-options')).toBe('DENY');
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('strict-transport-security')).toBeNull();
    const err = await get('/api/nope');
    expect(err.headers.get('x-frame-options')).toBe('DENY');
  });

  it('the admin: scripts from this origin and its own import map (by hash), unframeable', async () => {
    const r = await get('/');
    const csp = r.headers.get('content-security-policy')!;
    const hash = crypto.createHash('sha256').update(IMPORT_MAP).digest('base64');
    expect(csp).toContain(`script-src 'self' 'wasm-unsafe-eval' 'sha256-${hash}'`);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("'unsafe-inline' 'sha256");
    expect(r.headers.get('x-frame-options')).toBe('DENY');
    // an in-browser route gets the same
    expect((await get('/devices')).headers.get('content-security-policy')).toBe(csp);
  });

  it("a plugin's HTML page may style itself but run no script", async () => {
    const r = await get('/api/page/html');
    expect(r.headers.get('content-type')).toContain('text/html');
    expect(r.headers.get('content-security-policy')).toMatch(/^default-src 'none'; style-src 'unsafe-inline'/);
  });

  it('behind a trusted TLS proxy: HSTS, and the refresh cookie is Secure', async () => {
    const login = await tk.anonymous().post('/api/auth/login', { email: 'owner@a.test', password: 'correct horse battery staple' }, { headers: { 'x-forwarded-proto': 'https' } });
    expect(login.status).toBe(200);
    expect(login.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    expect(login.headers.get('set-cookie')).toMatch(/atrium_refresh=.*; Secure/);
    const plain = await tk.anonymous().post('/api/auth/login', { email: 'owner@a.test', password: 'correct horse battery staple' });
    expect(plain.headers.get('set-cookie')).not.toMatch(/Secure/);
  });
});

describe('X-Request-Id', () => {
  it('a sane id is kept; an 8 KB or odd one is replaced before it reaches headers and the audit', async () => {
    const good = await a.post('/api/notes/notes', { title: 'traced' }, { headers: { 'x-request-id': 'trace-42.a:b' } });
    expect(good.headers.get('x-request-id')).toBe('trace-42.a:b');
    for (const bad of ['x'.repeat(8192), 'a b', 'id<script>', '']) {
      const r = await a.post('/api/notes/notes', { title: 'junk' }, { headers: { 'x-request-id': bad } });
      expect(r.status).toBe(201);
      expect(r.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
    const c = new pg.Client({ connectionString: tk.databaseUrls.owner });
    await c.connect();
    const { rows } = await c.query(`select request_id from kernel.audit where action = 'notes.notes.create'`);
    await c.end();
    expect(rows.map((r) => r.request_id)).toContain('trace-42.a:b');
    expect(rows.every((r) => /^(trace-42\.a:b|[0-9a-f-]{36})$/.test(r.request_id))).toBe(true);
  });
});

describe('what the edge shows to whom', () => {
  it('/metrics is not public on the main port; with the token, or on the metrics port, it is', async () => {
    expect((await get('/metrics')).status).toBe(404);
    expect((await get('/metrics', { authorization: 'Bearer wrong-token-of-the-same-len' })).status).toBe(404);
    const ok = await get('/metrics', { authorization: `Bearer ${METRICS_TOKEN}` });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('atrium_http_request_duration_seconds');
    const port = tk.kernel.broker.getLocalService('gateway').metricsPort;
    const side = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(side.status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/api/me`)).status).toBe(404);
  });

  it("/api/jobs/queues counts the caller's tenant only; the platform-wide numbers are the operator's metric", async () => {
    const events = async (c: TestClient) => (await c.get('/api/jobs/queues')).body.items.find((q: any) => q.name === 'events').counts;
    await tk.drainEvents();
    const aBefore = await events(a);
    const bBefore = await events(b);
    for (let i = 0; i < 5; i++) expect((await b.post('/api/notes/notes', { title: `b${i}` })).status).toBe(201);
    await tk.drainEvents();
    // B's deliveries (tally counts B's notes) show in B's numbers only
    expect((await events(b)).completed).toBe(bBefore.completed + 5);
    expect(await events(a)).toEqual(aBefore);
    const metrics = await (await get('/metrics', { authorization: `Bearer ${METRICS_TOKEN}` })).text();
    const platform = Number(/^atrium_queue_jobs\{queue="events",state="completed"\} (\d+)$/m.exec(metrics)?.[1]);
    expect(platform).toBe(aBefore.completed + bBefore.completed + 5);
  });
});
