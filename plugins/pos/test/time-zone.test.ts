import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKernel, type TestClient, type TestKernel } from '@atrium/sdk/testing';
import { openTill, sale, seedProduct, seedStock } from './fixtures.ts';

/**
 * Issue 13, bug 4: receipts, reports, shifts and "today" in the tenant's time zone — chosen at
 * sign-up from the browser (kernel.tenant.time_zone), overridable by the POS setting timeZone.
 */
let tk: TestKernel;
let sys: pg.Client;

beforeAll(async () => {
  tk = await createTestKernel({ plugins: [path.resolve(import.meta.dirname, '..')] });
  sys = new pg.Client({ connectionString: tk.databaseUrls.system });
  await sys.connect();
});

afterAll(async () => {
  await sys?.end();
  await tk?.stop();
});

const stampIn = (iso: string, timeZone: string) => {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(iso)).map((x) => [x.type, x.value]));
  return `${p.day}.${p.month}.${p.year} ${p.hour}:${p.minute}`;
};

describe('time zones', () => {
  it('sign-up takes the browser\'s zone (an unknown one is a 400 naming timeZone); the tenant can change it', async () => {
    const anon = tk.anonymous();
    const bad = await anon.post('/api/auth/signup', { tenantName: 'Бад', email: 'tz-bad@almaty.test', password: 'correct horse battery staple', timeZone: 'Asia/Atlantis' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields.map((f: any) => f.field)).toEqual(['timeZone']);
    const ok = await anon.post('/api/auth/signup', { tenantName: 'Алма', email: 'tz@almaty.test', password: 'correct horse battery staple', timeZone: 'Asia/Almaty' });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    const owner = await tk.as('tz@almaty.test');
    expect((await owner.get('/api/tenants/current')).body.timeZone).toBe('Asia/Almaty');
    // without a zone at sign-up the tenant is on UTC until told otherwise
    const plain = await tk.signup('Plain', 'tz-plain@almaty.test');
    expect((await plain.get('/api/tenants/current')).body.timeZone).toBe('UTC');
    expect((await plain.patch('/api/tenants/current', { timeZone: 'Europe/Kyiv' })).body.timeZone).toBe('Europe/Kyiv');
    expect((await plain.patch('/api/tenants/current', { timeZone: 'Nowhere/Land' })).status).toBe(400);
  });

  it('a receipt prints the shop\'s clock (Asia/Almaty), not UTC; the POS setting overrides the tenant\'s zone; reports count "today" there', async () => {
    const owner = await tk.as('tz@almaty.test');
    expect((await owner.post('/api/plugins/pos/enable')).status).toBe(200);
    const till = await openTill(owner);
    const p = await seedProduct(sys, owner.tenantId, { name: 'Лепёшка', price: 250_00 });
    await seedStock(sys, owner.tenantId, till.storeId, p, 5000);
    const s = await owner.post('/api/pos/sales', sale(till.registerId, [{ productId: p, qtyMilli: 1000 }], [{ method: 'cash', amount: 250_00 }]), { headers: { 'accept-language': 'ru' } });
    expect(s.status, JSON.stringify(s.body)).toBe(201);
    const doc = await owner.get(`/api/pos/sales/${s.body.id}/receipt-document`, { headers: { 'accept-language': 'ru' } });
    expect(doc.body.header.lines).toContain(stampIn(s.body.soldAt, 'Asia/Almaty'));
    expect(stampIn(s.body.soldAt, 'Asia/Almaty')).not.toBe(stampIn(s.body.soldAt, 'UTC'));
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Almaty' }).format(new Date());
    expect((await owner.get('/api/pos/reports/daily')).body).toMatchObject({ timeZone: 'Asia/Almaty', today });
    // the shop's own POS setting wins over the tenant's zone
    expect((await owner.put('/api/plugins/pos/settings', { settings: { timeZone: 'Asia/Tokyo' } })).status).toBe(200);
    const tokyo = await owner.get(`/api/pos/sales/${s.body.id}/receipt-document`, { headers: { 'accept-language': 'ru' } });
    expect(tokyo.body.header.lines).toContain(stampIn(s.body.soldAt, 'Asia/Tokyo'));
    expect((await owner.put('/api/plugins/pos/settings', { settings: {} })).status).toBe(200);
    // and a change of the tenant's zone reaches receipts at once (ctx.tenant() is invalidated)
    expect((await owner.patch('/api/tenants/current', { timeZone: 'Europe/Kyiv' })).status).toBe(200);
    const kyiv = await owner.get(`/api/pos/sales/${s.body.id}/receipt-document`, { headers: { 'accept-language': 'ru' } });
    expect(kyiv.body.header.lines).toContain(stampIn(s.body.soldAt, 'Europe/Kyiv'));
  });
});
