import crypto from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKernel, type TestClient, type TestKernel } from '@atrium/sdk/testing';
import { normalizePhone, phoneSearchSuffix } from '../src/domain/phone.ts';
import { openTill, sale, seedProduct, seedStock } from './fixtures.ts';

/**
 * Customers, groups and gift cards through the real kernel and Postgres: phone normalisation and
 * uniqueness, search by phone suffix and Cyrillic name, idempotent and concurrent deposits,
 * repayments, credit limits against real credit sales, points, purchase history, gift card issue /
 * lookup / block, and tenant isolation.
 */
let tk: TestKernel;
let sys: pg.Client;
let owner: TestClient;
let cashier: TestClient;
let rival: TestClient;

beforeAll(async () => {
  tk = await createTestKernel({
    plugins: [path.resolve(import.meta.dirname, '..')],
    tenants: [
      { name: 'Corner shop', owner: 'owner@corner.test', users: [{ email: 'cashier@corner.test', roles: ['cashier'] }], enable: ['pos'] },
      { name: 'Rival', owner: 'owner@rival.test', enable: ['pos'] },
    ],
  });
  sys = new pg.Client({ connectionString: tk.databaseUrls.system });
  await sys.connect();
  owner = await tk.as('owner@corner.test');
  cashier = await tk.as('cashier@corner.test');
  rival = await tk.as('owner@rival.test');
});

afterAll(async () => {
  await sys?.end();
  await tk?.stop();
});

const key = () => ({ headers: { 'idempotency-key': crypto.randomUUID() } });

async function newCustomer(c: TestClient, body: Record<string, unknown>) {
  const r = await c.post('/api/pos/customers', body);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
}

describe('phone normalisation', () => {
  it('reads KZ/RU/UA national forms as E.164 digits', () => {
    expect(normalizePhone('+7 (701) 123-45-67')).toBe('77011234567');
    expect(normalizePhone('8 701 123 4567')).toBe('77011234567');
    expect(normalizePhone('7011234567')).toBe('77011234567');
    expect(normalizePhone('067 123 45 67')).toBe('380671234567');
    expect(normalizePhone('+380 67 123 4567')).toBe('380671234567');
    expect(normalizePhone('0049 30 1234567')).toBe('49301234567');
    expect(() => normalizePhone('12-34')).toThrow(/phone/);
    expect(() => normalizePhone('call me')).toThrow(/phone/);
    expect(phoneSearchSuffix('45-67')).toBe('4567');
    expect(phoneSearchSuffix('8 701 123 45 67')).toBe('7011234567');
    expect(phoneSearchSuffix('456')).toBeNull();
    expect(phoneSearchSuffix('Иван')).toBeNull();
  });
});

describe('customers', () => {
  it('creates with a normalised phone; the same number typed differently is a 409 naming phone', async () => {
    const a = await newCustomer(cashier, { name: 'Айгерим Сатпаева', phone: '+7 (701) 123-45-67', email: 'aigerim@example.kz' });
    expect(a).toMatchObject({ kind: 'person', phone: '77011234567', balance: 0, creditLimit: 0, availableCredit: 0, points: 0, group: null, archived: false });
    const created = await sys.query(`select payload from kernel.outbox where tenant_id = $1 and name = 'pos.customer.created.v1' and payload->>'id' = $2`, [owner.tenantId, a.id]);
    expect(created.rows.map((r) => r.payload)).toEqual([{ id: a.id, kind: 'person', name: 'Айгерим Сатпаева', phone: '77011234567', email: 'aigerim@example.kz', groupId: null }]);
    const dup = await cashier.post('/api/pos/customers', { name: 'Someone else', phone: '8 701 123 4567' });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('PHONE_TAKEN');
    expect(dup.body.error.message).toMatch(/phone/);
    expect(dup.body.error.details).toMatchObject({ field: 'phone', customerId: a.id });

    const badPhone = await cashier.post('/api/pos/customers', { name: 'X', phone: '12-34' });
    expect(badPhone.status).toBe(400);
    expect(badPhone.body.error.fields[0].field).toBe('phone');
    const noName = await cashier.post('/api/pos/customers', { phone: '87770000000' });
    expect(noName.status).toBe(400);
    expect(JSON.stringify(noName.body.error.fields)).toContain('name');
    const badEmail = await cashier.post('/api/pos/customers', { name: 'X', email: 'not-an-email' });
    expect(badEmail.status).toBe(400);
    // an empty form field is "none"
    const blank = await newCustomer(cashier, { name: 'Без телефона', phone: '', email: '', taxId: ' ' });
    expect(blank).toMatchObject({ phone: null, email: null, taxId: null });
    const extra = await cashier.post('/api/pos/customers', { name: 'X', balance: 100000 });
    expect(extra.status).toBe(400);
    // a cashier may register customers but not give them credit
    const credit = await cashier.post('/api/pos/customers', { name: 'Credit please', creditLimit: 100000 });
    expect(credit.status).toBe(403);

    const company = await newCustomer(owner, { kind: 'company', name: 'ТОО «Береке»', phone: '8 (727) 250-00-00', taxId: '123456789012', creditLimit: 500000 });
    expect(company).toMatchObject({ kind: 'company', phone: '77272500000', creditLimit: 500000, availableCredit: 500000 });

    // changing the phone to a taken one is a 409 as well; to a free one works and is normalised
    const taken = await owner.patch(`/api/pos/customers/${company.id}`, { phone: '+77011234567' });
    expect(taken.status).toBe(409);
    const moved = await owner.patch(`/api/pos/customers/${company.id}`, { phone: '8 727 250 00 01', version: company.version });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body.phone).toBe('77272500001');
    const stale = await owner.patch(`/api/pos/customers/${company.id}`, { name: 'Old tab', version: company.version });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('STALE');
  });

  it('finds customers by any phone suffix of 4+ digits and by a Cyrillic name fragment, paginated', async () => {
    const ivanova = await newCustomer(cashier, { name: 'Иванова Мария Петровна', phone: '8 702 999 88 77' });
    const petrov = await newCustomer(cashier, { name: 'Петров Иван', phone: '+7 705 111 22 33' });
    await newCustomer(cashier, { name: 'Сидоров Пётр', phone: '+7 705 444 55 66' });

    const bySuffix = await cashier.get('/api/pos/customers', { query: { q: '8877' } });
    expect(bySuffix.status).toBe(200);
    expect(bySuffix.body.items.map((c: any) => c.id)).toEqual([ivanova.id]);
    // typed with spaces and dashes, or as the full number with the 8 prefix
    expect((await cashier.get('/api/pos/customers', { query: { q: '99-88-77' } })).body.items.map((c: any) => c.id)).toEqual([ivanova.id]);
    expect((await cashier.get('/api/pos/customers', { query: { q: '8 702 999 88 77' } })).body.items.map((c: any) => c.id)).toEqual([ivanova.id]);
    // a middle part of the number is not a suffix
    expect((await cashier.get('/api/pos/customers', { query: { q: '9998' } })).body.total).toBe(0);

    const byName = await cashier.get('/api/pos/customers', { query: { q: 'ванов' } });
    expect(byName.body.items.map((c: any) => c.id)).toEqual([ivanova.id]);
    const byOtherCase = await cashier.get('/api/pos/customers', { query: { q: 'ИВАН' } });
    expect(byOtherCase.body.items.map((c: any) => c.id).sort()).toEqual([ivanova.id, petrov.id].sort());
    // LIKE wildcards typed by the user are literal
    expect((await cashier.get('/api/pos/customers', { query: { q: '%' } })).body.total).toBe(0);

    // inside a word, across words, and longer than the 16 characters the name index keeps
    const ids = async (q: string, extra: Record<string, unknown> = {}) => (await cashier.get('/api/pos/customers', { query: { q, ...extra } })).body.items.map((c: any) => c.id).sort();
    expect(await ids('рия пет')).toEqual([ivanova.id]);
    expect(await ids('ИВАНОВА МАРИЯ ПЕТРОВНА')).toEqual([ivanova.id]);
    expect(await ids('иванова мария петровнаа')).toEqual([]);
    expect(await ids('анова мария петр')).toEqual([ivanova.id]);
    // the full number written the long way (more than 16 characters of text)
    expect(await ids('+7 (702) 999-88-77')).toEqual([ivanova.id]);
    // one or two letters: matched by a scan, same semantics
    expect(await ids('ПЁ')).toEqual([(await ids('сидор'))[0]]);
    // a page past the end still says how many there are
    const past = await cashier.get('/api/pos/customers', { query: { q: 'ивано', offset: 40 } });
    expect(past.body).toMatchObject({ items: [], total: 1 });
    expect((await cashier.get('/api/pos/customers', { query: { q: 'ивано', kind: 'company' } })).body.total).toBe(0);

    const page1 = await cashier.get('/api/pos/customers', { query: { limit: 2, offset: 0, sort: 'name' } });
    const page2 = await cashier.get('/api/pos/customers', { query: { limit: 2, offset: 2, sort: 'name' } });
    expect(page1.body.items).toHaveLength(2);
    expect(page1.body.total).toBe(page2.body.total);
    expect(page1.body.total).toBeGreaterThanOrEqual(5);
    expect(page2.body.items.map((c: any) => c.id)).not.toContain(page1.body.items[0].id);
    const badSort = await cashier.get('/api/pos/customers', { query: { sort: 'password' } });
    expect(badSort.status).toBe(400);
    expect(badSort.body.error.fields[0].field).toBe('sort');
  });

  it('deposits are idempotent: the same Idempotency-Key twice makes one ledger row', async () => {
    const c = await newCustomer(cashier, { name: 'Депозит Тест', phone: '+7 700 100 00 01' });
    const headers = { 'idempotency-key': `dep-${c.id}` };
    const first = await owner.post(`/api/pos/customers/${c.id}/deposits`, { amount: 15000, note: 'за месяц вперёд' }, { headers });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const again = await owner.post(`/api/pos/customers/${c.id}/deposits`, { amount: 15000, note: 'за месяц вперёд' }, { headers });
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(first.body).toMatchObject({ balance: 15000, entry: { kind: 'deposit', amount: 15000, balanceAfter: 15000, refType: 'cash', note: 'за месяц вперёд' } });

    // the same key sent five times at once (a till retrying on a flaky network) still deposits once
    const burstKey = { headers: { 'idempotency-key': `burst-${c.id}` } };
    const burst = await Promise.all(Array.from({ length: 5 }, () => owner.post(`/api/pos/customers/${c.id}/deposits`, { amount: 2500 }, burstKey)));
    expect(burst.every((r) => r.status === 201 || r.status === 200)).toBe(true);
    expect(new Set(burst.map((r) => r.body.entry.id)).size).toBe(1);

    const ledger = await owner.get(`/api/pos/customers/${c.id}/ledger`);
    expect(ledger.body.total).toBe(2);
    expect((await owner.get(`/api/pos/customers/${c.id}`)).body.balance).toBe(17500);
    // a cashier cannot take money on account (credit permission)
    expect((await cashier.post(`/api/pos/customers/${c.id}/deposits`, { amount: 100 }, key())).status).toBe(403);
    expect((await owner.post(`/api/pos/customers/${c.id}/deposits`, { amount: 0 }, key())).status).toBe(400);
    expect((await owner.post(`/api/pos/customers/${c.id}/deposits`, { amount: -5 }, key())).status).toBe(400);
    expect((await owner.post(`/api/pos/customers/${crypto.randomUUID()}/deposits`, { amount: 5 }, key())).status).toBe(404);
  });

  it('20 concurrent deposits: balance = their sum, 20 ledger rows, balances after each in order', async () => {
    const c = await newCustomer(owner, { name: 'Concurrent', phone: '+7 700 100 00 02' });
    const amounts = Array.from({ length: 20 }, (_, i) => 1000 + i * 37);
    const results = await Promise.all(amounts.map((amount) => owner.post(`/api/pos/customers/${c.id}/deposits`, { amount }, key())));
    expect(results.map((r) => r.status)).toEqual(amounts.map(() => 201));
    const sum = amounts.reduce((a, b) => a + b, 0);
    expect((await owner.get(`/api/pos/customers/${c.id}`)).body.balance).toBe(sum);
    const ledger = await owner.get(`/api/pos/customers/${c.id}/ledger`, { query: { limit: 50 } });
    expect(ledger.body.total).toBe(20);
    // the projection equals the ledger sum, and each row's balance_after chains from the previous
    const rows = [...ledger.body.items].reverse();
    let running = 0;
    for (const r of rows) {
      running += r.amount;
      expect(r.balanceAfter).toBe(running);
    }
    expect(running).toBe(sum);
  });

  it('credit: a credit sale makes debt; the limit cannot go below it (422 creditLimit); repayments pay it back, no more', async () => {
    const till = await openTill(owner, { storeName: 'Credit store' });
    const flour = await seedProduct(sys, owner.tenantId, { name: 'Мука 2 кг', price: 1200 });
    await seedStock(sys, owner.tenantId, till.storeId, flour, 100_000);
    const c = await newCustomer(owner, { name: 'Должник', phone: '+7 700 100 00 03', creditLimit: 10000 });
    const s = await cashier.post('/api/pos/sales', sale(till.registerId, [{ productId: flour, qtyMilli: 5000 }], [{ method: 'credit', amount: 6000 }], { customerId: c.id }), key());
    expect(s.status, JSON.stringify(s.body)).toBe(201);
    const after = (await owner.get(`/api/pos/customers/${c.id}`)).body;
    expect(after).toMatchObject({ balance: -6000, debt: 6000, creditLimit: 10000, availableCredit: 4000 });

    const low = await owner.patch(`/api/pos/customers/${c.id}`, { creditLimit: 5000 });
    expect(low.status).toBe(422);
    expect(low.body.error.code).toBe('CREDIT_LIMIT_BELOW_DEBT');
    expect(low.body.error.fields.map((f: any) => f.field)).toContain('creditLimit');
    expect(low.body.error.details).toMatchObject({ field: 'creditLimit', debt: 6000 });
    expect((await owner.get(`/api/pos/customers/${c.id}`)).body.creditLimit).toBe(10000);
    // down to exactly the debt is allowed; a cashier may not change it at all
    expect((await cashier.patch(`/api/pos/customers/${c.id}`, { creditLimit: 6000 })).status).toBe(403);
    const exact = await owner.patch(`/api/pos/customers/${c.id}`, { creditLimit: 6000 });
    expect(exact.status).toBe(200);
    expect(exact.body.availableCredit).toBe(0);

    // archiving a customer who owes is refused; deleting one with history archives (after settling)
    const arch = await owner.patch(`/api/pos/customers/${c.id}`, { archived: true });
    expect(arch.status).toBe(422);
    expect(arch.body.error.details.field).toBe('archived');

    const tooMuch = await owner.post(`/api/pos/customers/${c.id}/repayments`, { amount: 7000, method: 'cash' }, key());
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.error).toMatchObject({ code: 'REPAYMENT_EXCEEDS_DEBT', details: { field: 'amount', debt: 6000 } });
    const badMethod = await owner.post(`/api/pos/customers/${c.id}/repayments`, { amount: 100, method: 'barter' }, key());
    expect(badMethod.status).toBe(400);
    const k = key();
    const r1 = await owner.post(`/api/pos/customers/${c.id}/repayments`, { amount: 4000, method: 'card', note: 'terminal RRN 1234' }, k);
    expect(r1.status, JSON.stringify(r1.body)).toBe(201);
    const r1again = await owner.post(`/api/pos/customers/${c.id}/repayments`, { amount: 4000, method: 'card', note: 'terminal RRN 1234' }, k);
    expect(r1again.body).toEqual(r1.body);
    expect(r1.body).toMatchObject({ balance: -2000, entry: { kind: 'repayment', amount: 4000, refType: 'card' } });
    const r2 = await owner.post(`/api/pos/customers/${c.id}/repayments`, { amount: 2000, method: 'cash' }, key());
    expect(r2.body.balance).toBe(0);
    expect((await owner.post(`/api/pos/customers/${c.id}/repayments`, { amount: 1, method: 'cash' }, key())).body.error.code).toBe('NO_DEBT');

    const ledger = await owner.get(`/api/pos/customers/${c.id}/ledger`);
    expect(ledger.body.items.map((e: any) => [e.kind, e.amount])).toEqual([['repayment', 2000], ['repayment', 4000], ['credit_sale', -6000]]);
    expect((await owner.get(`/api/pos/customers/${c.id}/ledger`, { query: { kind: 'repayment' } })).body.total).toBe(2);

    // purchase history: the credit sale with its line and payment
    const hist = await cashier.get(`/api/pos/customers/${c.id}/sales`);
    expect(hist.status, JSON.stringify(hist.body)).toBe(200);
    expect(hist.body.total).toBe(1);
    expect(hist.body.items[0]).toMatchObject({ id: s.body.id, total: 6000, status: 'completed', lines: [{ productId: flour, name: 'Мука 2 кг', qtyMilli: 5000 }], payments: [{ method: 'credit', amount: 6000 }] });
    expect(hist.body.summary).toMatchObject({ completedSales: 1, spent: 6000 });

    const del = await owner.delete(`/api/pos/customers/${c.id}`);
    expect(del.body).toEqual({ id: c.id, deleted: false, archived: true });
    expect((await owner.get('/api/pos/customers', { query: { q: 'Должник' } })).body.total).toBe(0);
    expect((await owner.get('/api/pos/customers', { query: { q: 'Должник', archived: true } })).body.total).toBe(1);
  });

  it('hasDebt and groupId filters; an empty purchase history; a customer without history is really deleted', async () => {
    const g = await owner.post('/api/pos/customer-groups', { name: 'Оптовики', discountBp: 700 });
    const c = await newCustomer(owner, { name: 'Фильтр', phone: '+7 700 100 00 04', groupId: g.body.id });
    expect(c.group).toEqual({ id: g.body.id, name: 'Оптовики', discountBp: 700 });
    const inGroup = await owner.get('/api/pos/customers', { query: { groupId: g.body.id } });
    expect(inGroup.body.items.map((x: any) => x.id)).toEqual([c.id]);
    const debtors = await owner.get('/api/pos/customers', { query: { hasDebt: true, limit: 200 } });
    expect(debtors.body.items.every((x: any) => x.balance < 0)).toBe(true);
    expect(debtors.body.items.map((x: any) => x.id)).not.toContain(c.id);

    const empty = await owner.get(`/api/pos/customers/${c.id}/sales`);
    expect(empty.body).toEqual({ items: [], total: 0, summary: { completedSales: 0, spent: 0, lastPurchaseAt: null }, limit: 20, offset: 0 });
    expect((await owner.delete(`/api/pos/customers/${c.id}`)).body).toEqual({ id: c.id, deleted: true, archived: false });
    expect((await owner.get(`/api/pos/customers/${c.id}`)).status).toBe(404);
    // the name index goes with the customer (a trigger, no foreign key)
    expect((await sys.query('select count(*)::int as n from pos.customer_term where customer_id = $1', [c.id])).rows[0].n).toBe(0);
  });

  it('the name index follows renames in the same transaction', async () => {
    const c = await newCustomer(owner, { name: 'Жаксылыков Ерболат' });
    expect((await owner.get('/api/pos/customers', { query: { q: 'сылык' } })).body.items.map((x: any) => x.id)).toEqual([c.id]);
    const renamed = await owner.patch(`/api/pos/customers/${c.id}`, { name: 'Тохтаров Ерболат', version: c.version });
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
    expect((await owner.get('/api/pos/customers', { query: { q: 'сылык' } })).body.total).toBe(0);
    expect((await owner.get('/api/pos/customers', { query: { q: 'хтаров ер' } })).body.items.map((x: any) => x.id)).toEqual([c.id]);
    // the index holds exactly the new name's suffixes
    const terms = (await sys.query('select term from pos.customer_term where customer_id = $1 order by term', [c.id])).rows.map((r) => r.term);
    expect(terms).toContain('тохтаров ерболат');
    expect(terms).toContain('ерболат');
    expect(terms.some((t: string) => t.includes('жаксы') || t.includes('сылык'))).toBe(false);
  });

  it('points: manual adjustment needs a reason and the points permission; cannot go below zero', async () => {
    const c = await newCustomer(cashier, { name: 'Бонусы', phone: '+7 700 100 00 05' });
    expect((await cashier.post(`/api/pos/customers/${c.id}/points`, { points: 100, reason: 'gift' }, key())).status).toBe(403);
    const noReason = await owner.post(`/api/pos/customers/${c.id}/points`, { points: 100 }, key());
    expect(noReason.status).toBe(400);
    expect(JSON.stringify(noReason.body.error.fields)).toContain('reason');
    expect((await owner.post(`/api/pos/customers/${c.id}/points`, { points: 100, reason: '   ' }, key())).status).toBe(400);
    expect((await owner.post(`/api/pos/customers/${c.id}/points`, { points: 0, reason: 'zero' }, key())).status).toBe(400);
    const add = await owner.post(`/api/pos/customers/${c.id}/points`, { points: 500, reason: 'День рождения' }, key());
    expect(add.status, JSON.stringify(add.body)).toBe(201);
    expect(add.body).toMatchObject({ points: 500, entry: { kind: 'adjust', points: 500, pointsAfter: 500, note: 'День рождения' } });
    const tooMany = await owner.post(`/api/pos/customers/${c.id}/points`, { points: -600, reason: 'ошибка' }, key());
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.error.code).toBe('INSUFFICIENT_POINTS');
    await owner.post(`/api/pos/customers/${c.id}/points`, { points: -200, reason: 'ошибка кассира' }, key());
    const ledger = await cashier.get(`/api/pos/customers/${c.id}/points`);
    expect(ledger.body).toMatchObject({ total: 2, points: 300 });
    expect(ledger.body.items.map((e: any) => [e.points, e.note])).toEqual([[-200, 'ошибка кассира'], [500, 'День рождения']]);
  });
});

describe('customer groups', () => {
  it('CRUD with member counts, bulk assignment all-or-nothing, delete keeps the customers', async () => {
    const g = await owner.post('/api/pos/customer-groups', { name: 'VIP', discountBp: 1000 });
    expect(g.status, JSON.stringify(g.body)).toBe(201);
    expect(g.body).toMatchObject({ name: 'VIP', discountBp: 1000, members: 0 });
    expect((await owner.post('/api/pos/customer-groups', { name: 'vip' })).status).toBe(409);
    expect((await owner.post('/api/pos/customer-groups', { name: 'Too much', discountBp: 10001 })).status).toBe(400);
    expect((await cashier.post('/api/pos/customer-groups', { name: 'Cashier group' })).status).toBe(403);

    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await newCustomer(owner, { name: `VIP ${i}`, phone: `+7 700 200 00 0${i}` })).id);
    const partial = await owner.post(`/api/pos/customer-groups/${g.body.id}/members`, { customerIds: [...ids, crypto.randomUUID()] });
    expect(partial.status).toBe(404);
    expect(partial.body.error.details.field).toBe('customerIds');
    expect((await owner.get(`/api/pos/customer-groups/${g.body.id}`)).body.members).toBe(0);
    const tooMany = await owner.post(`/api/pos/customer-groups/${g.body.id}/members`, { customerIds: Array.from({ length: 1001 }, () => crypto.randomUUID()) });
    expect(tooMany.status).toBe(400);

    const ok = await owner.post(`/api/pos/customer-groups/${g.body.id}/members`, { customerIds: ids });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body).toMatchObject({ assigned: 3, members: 3 });
    expect((await owner.get(`/api/pos/customers/${ids[0]}`)).body.group).toEqual({ id: g.body.id, name: 'VIP', discountBp: 1000 });
    const removed = await owner.post(`/api/pos/customer-groups/${g.body.id}/members/remove`, { customerIds: [ids[0]] });
    expect(removed.body).toMatchObject({ removed: 1, members: 2 });

    const upd = await owner.patch(`/api/pos/customer-groups/${g.body.id}`, { discountBp: 1500 });
    expect(upd.body.discountBp).toBe(1500);
    const list = await cashier.get('/api/pos/customer-groups', { query: { q: 'vi' } });
    expect(list.body.items.find((x: any) => x.id === g.body.id)).toMatchObject({ members: 2, discountBp: 1500 });

    const del = await owner.delete(`/api/pos/customer-groups/${g.body.id}`);
    expect(del.status, JSON.stringify(del.body)).toBe(200);
    expect(del.body).toMatchObject({ deleted: true, membersUnassigned: 2 });
    const kept = await owner.get(`/api/pos/customers/${ids[1]}`);
    expect(kept.status).toBe(200);
    expect(kept.body.groupId).toBeNull();
  });
});

describe('gift cards', () => {
  it('issue → lookup by code → ledger has the issue row; codes unique; blocked cards cannot pay', async () => {
    const k = key();
    const issued = await owner.post('/api/pos/gift-cards', { amount: 10000 }, k);
    expect(issued.status, JSON.stringify(issued.body)).toBe(201);
    expect(issued.body.code).toMatch(/^[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}$/);
    expect(issued.body).toMatchObject({ status: 'active', balance: 10000, initialAmount: 10000 });
    const replay = await owner.post('/api/pos/gift-cards', { amount: 10000 }, k);
    expect(replay.body.id).toBe(issued.body.id);

    const look = await cashier.get(`/api/pos/gift-cards/${issued.body.code.toLowerCase()}`);
    expect(look.status).toBe(200);
    expect(look.body).toMatchObject({ id: issued.body.id, balance: 10000, status: 'active' });
    const ledger = await cashier.get(`/api/pos/gift-cards/${issued.body.code}/ledger`);
    expect(ledger.body.total).toBe(1);
    expect(ledger.body.items[0]).toMatchObject({ kind: 'issue', amount: 10000, balanceAfter: 10000 });

    const c = await newCustomer(owner, { name: 'Card owner', phone: '+7 700 300 00 01' });
    const printed = await owner.post('/api/pos/gift-cards', { amount: 5000, code: 'promo-2026-01', customerId: c.id, expiresOn: '2099-12-31' }, key());
    expect(printed.status, JSON.stringify(printed.body)).toBe(201);
    expect(printed.body).toMatchObject({ code: 'PROMO-2026-01', customerId: c.id, customerName: 'Card owner', expiresOn: '2099-12-31' });
    const dup = await owner.post('/api/pos/gift-cards', { amount: 5000, code: 'PROMO-2026-01' }, key());
    expect(dup.status).toBe(409);
    expect(dup.body.error.message).toMatch(/code/);
    expect((await owner.post('/api/pos/gift-cards', { amount: 5000, code: 'bad code!' }, key())).status).toBe(400);
    expect((await owner.post('/api/pos/gift-cards', { amount: 0 }, key())).status).toBe(400);
    expect((await owner.post('/api/pos/gift-cards', { amount: 100, expiresOn: '2001-01-01' }, key())).status).toBe(422);
    expect((await owner.post('/api/pos/gift-cards', { amount: 100, customerId: crypto.randomUUID() }, key())).status).toBe(404);
    expect((await cashier.post('/api/pos/gift-cards', { amount: 100 }, key())).status).toBe(403);
    expect((await cashier.get('/api/pos/gift-cards/NOSUCH-CARD')).status).toBe(404);

    // blocking needs the block permission; a blocked card is refused at the till
    expect((await cashier.post(`/api/pos/gift-cards/${issued.body.code}/block`, {})).status).toBe(403);
    const blocked = await owner.post(`/api/pos/gift-cards/${issued.body.code}/block`, { reason: 'lost' });
    expect(blocked.body.status).toBe('blocked');
    const till = await openTill(owner, { storeName: 'Gift store' });
    const choc = await seedProduct(sys, owner.tenantId, { name: 'Шоколад', price: 900 });
    await seedStock(sys, owner.tenantId, till.storeId, choc, 10_000);
    const refused = await cashier.post('/api/pos/sales', sale(till.registerId, [{ productId: choc, qtyMilli: 1000 }], [{ method: 'gift_card', amount: 900, giftCardCode: issued.body.code }]), key());
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('GIFT_CARD_INACTIVE');
    expect((await owner.get(`/api/pos/gift-cards/${issued.body.code}/ledger`)).body.total).toBe(1);

    const unblocked = await owner.post(`/api/pos/gift-cards/${issued.body.code}/unblock`, {});
    expect(unblocked.body.status).toBe('active');
    const paid = await cashier.post('/api/pos/sales', sale(till.registerId, [{ productId: choc, qtyMilli: 1000 }], [{ method: 'gift_card', amount: 900, giftCardCode: issued.body.code }]), key());
    expect(paid.status, JSON.stringify(paid.body)).toBe(201);
    const card = await cashier.get(`/api/pos/gift-cards/${issued.body.code}/ledger`);
    expect(card.body.card.balance).toBe(9100);
    expect(card.body.items.map((e: any) => [e.kind, e.amount])).toEqual([['redeem', -900], ['issue', 10000]]);

    const active = await owner.get('/api/pos/gift-cards', { query: { status: 'blocked' } });
    expect(active.body.items.map((x: any) => x.id)).not.toContain(issued.body.id);
    const byCustomer = await owner.get('/api/pos/gift-cards', { query: { customerId: c.id } });
    expect(byCustomer.body.items.map((x: any) => x.code)).toEqual(['PROMO-2026-01']);
  });
});

describe('tenant isolation', () => {
  it('another business cannot see or change our customers, groups or gift cards (404)', async () => {
    const c = await newCustomer(owner, { name: 'Секретный клиент', phone: '+7 700 900 00 01' });
    const g = (await owner.post('/api/pos/customer-groups', { name: 'Secret group' })).body;
    const card = (await owner.post('/api/pos/gift-cards', { amount: 777 }, key())).body;

    expect((await rival.get(`/api/pos/customers/${c.id}`)).status).toBe(404);
    expect((await rival.patch(`/api/pos/customers/${c.id}`, { name: 'stolen' })).status).toBe(404);
    expect((await rival.delete(`/api/pos/customers/${c.id}`)).status).toBe(404);
    expect((await rival.post(`/api/pos/customers/${c.id}/deposits`, { amount: 100 }, key())).status).toBe(404);
    expect((await rival.get(`/api/pos/customers/${c.id}/ledger`)).status).toBe(404);
    expect((await rival.get(`/api/pos/customers/${c.id}/sales`)).status).toBe(404);
    expect((await rival.get('/api/pos/customers', { query: { q: 'Секретный' } })).body.total).toBe(0);
    expect((await rival.get('/api/pos/customers', { query: { q: '0001' } })).body.items.map((x: any) => x.id)).not.toContain(c.id);
    // the same phone is free in another business
    expect((await rival.post('/api/pos/customers', { name: 'Их клиент', phone: '+7 700 900 00 01' })).status).toBe(201);

    expect((await rival.get(`/api/pos/customer-groups/${g.id}`)).status).toBe(404);
    expect((await rival.post(`/api/pos/customer-groups/${g.id}/members`, { customerIds: [c.id] })).status).toBe(404);
    const rivalGroup = (await rival.post('/api/pos/customer-groups', { name: 'Rival group' })).body;
    const steal = await rival.post(`/api/pos/customer-groups/${rivalGroup.id}/members`, { customerIds: [c.id] });
    expect(steal.status).toBe(404);

    expect((await rival.get(`/api/pos/gift-cards/${card.code}`)).status).toBe(404);
    expect((await rival.post(`/api/pos/gift-cards/${card.code}/block`, {})).status).toBe(404);
    expect((await rival.get('/api/pos/gift-cards')).body.items.map((x: any) => x.id)).not.toContain(card.id);

    const mine = (await owner.get(`/api/pos/customers/${c.id}`)).body;
    expect(mine).toMatchObject({ name: 'Секретный клиент', balance: 0, groupId: null });
    expect((await owner.get(`/api/pos/gift-cards/${card.code}`)).body.status).toBe('active');
  });
});
