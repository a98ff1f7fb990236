import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startPlatform, waitFor, type PlatformProcess } from './fixtures/platform-process.ts';

/**
 * Black box, against a started platform process: one request must never take the platform down
 * for every tenant. The attacker is a tenant that enabled PayBox for itself and sends unsigned
 * callbacks whose form keys aim at Object.prototype.
 */
let platform: PlatformProcess;
let attacker: { token: string; tenantId: string };
let victim: { token: string; tenantId: string };
const METRICS_TOKEN = 'crash-proof-metrics-token-0123456789';
const scrape = () => call(platform.url, 'GET', '/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });

async function signup(name: string, email: string) {
  const r = await call(platform.url, 'POST', '/api/auth/signup', { body: { tenantName: name, email, password: 'correct horse battery staple' } });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return { token: r.body.accessToken as string, tenantId: r.body.tenant.id as string };
}

/** The victim is served, and the process is still the one we started. */
async function stillServing() {
  for (let i = 0; i < 5; i++) {
    const me = await call(platform.url, 'GET', '/api/me', { token: victim.token });
    expect(me.status).toBe(200);
    const list = await call(platform.url, 'GET', '/api/plugins', { token: victim.token });
    expect(list.status).toBe(200);
  }
  expect(platform.alive()).toBe(true);
}

beforeAll(async () => {
  platform = await startPlatform({ plugins: ['payments', 'payments-paybox', path.join(import.meta.dirname, 'fixtures/plugins/crashy')], env: { ATRIUM_METRICS_TOKEN: METRICS_TOKEN } });
  attacker = await signup('Attacker', 'owner@attacker.test');
  victim = await signup('Victim', 'owner@victim.test');
  const s = await call(platform.url, 'PUT', '/api/plugins/payments-paybox/settings', { token: attacker.token, body: { settings: { merchantId: '12345', secretKeys: ['attacker-secret'] } } });
  expect(s.status, JSON.stringify(s.body)).toBe(200);
  for (const id of ['payments', 'payments-paybox', 'crashy']) expect((await call(platform.url, 'POST', `/api/plugins/${id}/enable`, { token: attacker.token })).status).toBe(200);
}, 180_000);
afterAll(async () => platform?.stop());

describe('one request cannot end the platform', () => {
  it('an unsigned PayBox callback aiming at Object.prototype is refused; other tenants are still served', async () => {
    const bodies = ['__proto__[x]=1', 'pg_order_id=1&__proto__[status]=1', 'a[constructor][prototype][y]=1', 'pg_sig=00000000000000000000000000000000&pg_salt=s&__proto__[]=1'];
    for (const raw of bodies) {
      const r = await call(platform.url, 'POST', `/api/payments/webhooks/paybox/${attacker.tenantId}`, { raw, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(r.status, `${raw} → ${r.status} ${JSON.stringify(r.body)}`).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
    }
    await stillServing();
    // the metrics of those requests were recorded without a label error
    await waitFor('a metrics scrape', async () => (await scrape()).status === 200 || platform.alive() === false);
    await stillServing();
  });

  it("a header named __proto__ (Node's own header parser trips on it under --disable-proto=throw) is answered, not an uncaught error", async () => {
    const { port } = new URL(platform.url);
    const statusLine = await new Promise<string>((resolve, reject) => {
      const s = net.connect(Number(port), '127.0.0.1', () => {
        s.write(`GET /api/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${victim.token}\r\n__proto__: 1\r\nConnection: close\r\n\r\n`);
      });
      let got = '';
      s.on('data', (d) => { got += d; });
      s.on('end', () => resolve(got.split('\r\n')[0]!));
      s.on('error', reject);
      s.setTimeout(10_000, () => { s.destroy(); resolve(`no answer: ${got}`); });
    });
    expect(statusLine).toBe('HTTP/1.1 200 OK');
    const m = await scrape();
    expect(m.body).toMatch(/^atrium_process_uncaught_errors 0$/m);
    await stillServing();
  });

  it("an oversized frame on the admin's push socket closes that socket, not the process", async () => {
    const { default: WebSocket } = await import('ws');
    const ws = new WebSocket(`${platform.url.replace(/^http/, 'ws')}/api/ws?token=${victim.token}`);
    await new Promise((r, j) => { ws.once('message', r); ws.once('error', j); });
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.send('x'.repeat(200 * 1024));
    expect(await closed).toBe(1009);
    expect((await scrape()).body).toMatch(/^atrium_process_uncaught_errors 0$/m);
    await stillServing();
  });

  it('runs as npm start does: with --disable-proto=throw', async () => {
    const r = await call(platform.url, 'GET', '/api/crashy/crash/probe', { token: attacker.token });
    expect(r.body).toEqual({ protoAccess: 'throws' });
  });

  it("a plugin's handler, subscriber and job that throw — now, on a timer, or in a promise nobody awaits — do not end the process", async () => {
    const t = attacker.token;
    expect((await call(platform.url, 'POST', '/api/crashy/crash/throw', { token: t })).status).toBe(500);
    for (const p of ['throw-later', 'reject-later', 'emit', 'job']) expect((await call(platform.url, 'POST', `/api/crashy/crash/${p}`, { token: t })).status, p).toBeLessThan(300);
    // the subscriber and the job run in the background: wait until all six late errors reached the process handlers
    await waitFor('the late errors', async () => {
      if (!platform.alive()) throw new Error(`the platform exited:\n${platform.log().slice(-2000)}`);
      const m = await scrape();
      const n = Number(/^atrium_process_uncaught_errors (\d+)/m.exec(m.body)?.[1] ?? 0);
      return n >= 6;
    }, 30_000);
    await stillServing();
  });
});
