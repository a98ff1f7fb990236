import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKernel, type TestClient, type TestKernel } from '@atrium/sdk/testing';
import { fieldsOf, openTill, sale, seedProduct, seedStock } from './fixtures.ts';

/**
 * The shared till's people (issue 13): POS PINs set by a manager; switching the cashier by PIN
 * (the sale records who served, and their discount limit applies); a manager's PIN approving one
 * discount above the limit; clock-in/out and hours; parked sales picked up once.
 */
let tk: TestKernel;
let sys: pg.Client;
let owner: TestClient;
let manager: TestClient;
let device: TestClient;
let till: Awaited<ReturnType<typeof openTill>>;
const ids = { aigerim: '', dana: '', boss: '' };
let tea: string;

beforeAll(async () => {
  tk = await createTestKernel({
    plugins: [path.resolve(import.meta.dirname, '..')],
    tenants: [{
      name: 'Дүкен', owner: 'owner@staff.test', enable: ['pos'],
      users: [{ email: 'aigerim@staff.test', roles: ['cashier'] }, { email: 'dana@staff.test', roles: ['cashier'] }, { email: 'boss@staff.test', roles: ['manager'] }, { email: 'till@staff.test', roles: ['manager'] }],
    }],
  });
  sys = new pg.Client({ connectionString: tk.databaseUrls.system });
  await sys.connect();
  owner = await tk.as('owner@staff.test');
  manager = await tk.as('boss@staff.test');
  device = await tk.as('till@staff.test'); // the account the shared till is signed in with
  till = await openTill(owner, { float: 0 });
  const t = tk.tenants['Дүкен'].users;
  ids.aigerim = t['aigerim@staff.test'].id;
  ids.dana = t['dana@staff.test'].id;
  ids.boss = t['boss@staff.test'].id;
  tea = await seedProduct(sys, owner.tenantId, { name: 'Чай', price: 1000_00 });
  await seedStock(sys, owner.tenantId, till.storeId, tea, 100_000);
});

afterAll(async () => {
  await sys?.end();
  await tk?.stop();
});

describe('PINs and the shared till', () => {
  it('a manager sets PINs (not an obvious one); the till lists names, never hashes', async () => {
    const weak = await manager.put(`/api/pos/staff/${ids.aigerim}/pin`, { pin: '1234' });
    expect(weak.status).toBe(400);
    expect(fieldsOf(weak)).toEqual(['pin']);
    for (const [id, pin] of [[ids.aigerim, '4821'], [ids.dana, '7306'], [ids.boss, '9052']]) {
      const r = await manager.put(`/api/pos/staff/${id}/pin`, { pin });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
    const cashier = await tk.as('aigerim@staff.test');
    expect((await cashier.put(`/api/pos/staff/${ids.dana}/pin`, { pin: '5555' })).status).toBe(403);
    const list = await cashier.get('/api/pos/staff');
    expect(list.status).toBe(200);
    expect(list.body.items.map((s: any) => s.hasPin)).toEqual([true, true, true]);
    expect(JSON.stringify(list.body)).not.toMatch(/hash|salt/);
  });

  it('switching the cashier by PIN: wrong PINs are counted (five lock it), the sale records who served and their limit applies', async () => {
    const wrong = await device.post('/api/pos/till/operator', { registerId: till.registerId, userId: ids.dana, pin: '0001' }, { headers: { 'accept-language': 'ru' } });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.code).toBe('PIN_WRONG');
    expect(wrong.body.error.details.attemptsLeft).toBe(4);
    // the cashier reads it in their language, the PIN field flagged
    expect(wrong.body.error.message).toBe('Неверный PIN: осталось 4 попытки');
    expect(fieldsOf(wrong)).toEqual(['pin']);
    for (let i = 0; i < 4; i++) await device.post('/api/pos/till/operator', { registerId: till.registerId, userId: ids.dana, pin: '0001' });
    const locked = await device.post('/api/pos/till/operator', { registerId: till.registerId, userId: ids.dana, pin: '7306' });
    expect(locked.body.error.code).toBe('PIN_LOCKED');
    const op = await device.post('/api/pos/till/operator', { registerId: till.registerId, userId: ids.aigerim, pin: '4821' });
    expect(op.status, JSON.stringify(op.body)).toBe(200);
    expect(op.body).toMatchObject({ userId: ids.aigerim, maxDiscountBp: 1000 });
    const body = (extra: Record<string, unknown>, amount: number) => sale(till.registerId, [{ productId: tea, qtyMilli: 1000 }], [{ method: 'card', amount, reference: 'RRN' }], extra);
    const r = await device.post('/api/pos/sales', body({ operatorToken: op.body.token }, 1000_00));
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.operatorId).toBe(ids.aigerim);
    // the device account is a manager, but Aigerim serves: her 10 % limit holds
    const big = await device.post('/api/pos/sales', body({ operatorToken: op.body.token, discount: { bp: 3000 } }, 700_00));
    expect(big.status).toBe(403);
    expect(big.body.error.code).toBe('DISCOUNT_LIMIT');
    expect((await device.post('/api/pos/sales', body({ operatorToken: 'x'.repeat(43) }, 1000_00))).status).toBe(403);

    // a manager's PIN approves it, once
    expect((await device.post('/api/pos/till/approval', { registerId: till.registerId, userId: ids.aigerim, pin: '4821' })).body.error.code).toBe('NOT_A_MANAGER');
    const ok = await device.post('/api/pos/till/approval', { registerId: till.registerId, userId: ids.boss, pin: '9052' });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    const approved = await device.post('/api/pos/sales', body({ operatorToken: op.body.token, discount: { bp: 3000 }, approvalToken: ok.body.token }, 700_00));
    expect(approved.status, JSON.stringify(approved.body)).toBe(201);
    expect(approved.body).toMatchObject({ operatorId: ids.aigerim, discountApprovedBy: ids.boss });
    const reused = await device.post('/api/pos/sales', body({ operatorToken: op.body.token, discount: { bp: 3000 }, approvalToken: ok.body.token }, 700_00));
    expect(reused.status).toBe(403);
    expect(reused.body.error.code).toBe('APPROVAL_INVALID');
  });

  it('clock in and out by PIN; the hours report adds them up', async () => {
    const from = new Date(Date.now() - 60_000).toISOString();
    const inn = await device.post('/api/pos/till/clock', { registerId: till.registerId, userId: ids.aigerim, pin: '4821', action: 'in' });
    expect(inn.status, JSON.stringify(inn.body)).toBe(200);
    expect((await device.post('/api/pos/till/clock', { registerId: till.registerId, userId: ids.aigerim, pin: '4821', action: 'in' })).body.error.code).toBe('ALREADY_CLOCKED_IN');
    expect((await device.get('/api/pos/staff')).body.items.find((s: any) => s.userId === ids.aigerim).clockedInAt).toBeTruthy();
    const out = await device.post('/api/pos/till/clock', { registerId: till.registerId, userId: ids.aigerim, pin: '4821', action: 'out' });
    expect(out.body.clockOut).toBeTruthy();
    const hours = await manager.get('/api/pos/till/clock', { query: { from, to: new Date(Date.now() + 60_000).toISOString() } });
    expect(hours.status).toBe(200);
    expect(hours.body.people).toHaveLength(1);
    expect(hours.body.people[0]).toMatchObject({ userId: ids.aigerim, entries: 1 });
    expect((await (await tk.as('dana@staff.test')).get('/api/pos/till/clock', { query: { from, to: from } })).status).toBe(403);
  });

  it('a parked sale is listed for the store and picked up once', async () => {
    const p = await device.post('/api/pos/till/parked', { registerId: till.registerId, label: 'Айгерим, забыла кошелёк', cart: { lines: [{ productId: tea, qtyMilli: 2000 }] }, total: 2000_00 });
    expect(p.status, JSON.stringify(p.body)).toBe(201);
    const list = await device.get('/api/pos/till/parked', { query: { storeId: till.storeId } });
    expect(list.body.items).toMatchObject([{ id: p.body.id, label: 'Айгерим, забыла кошелёк', total: 2000_00, lines: 1 }]);
    const [a, b] = await Promise.all([device.post(`/api/pos/till/parked/${p.body.id}/resume`), device.post(`/api/pos/till/parked/${p.body.id}/resume`)]);
    expect([a.status, b.status].sort()).toEqual([200, 404]);
    expect((a.status === 200 ? a : b).body.cart).toEqual({ lines: [{ productId: tea, qtyMilli: 2000 }] });
  });
});
