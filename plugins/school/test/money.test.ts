import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, bootCentre, createStudent, key, localDay, ok, sellPass, stopCentre, type Centre } from './fixtures.ts';
import { allocate } from '../src/domain/settlement.ts';

/**
 * Money through the real kernel and PostgreSQL: invoices, payments settling the oldest debt first,
 * money on account paying new invoices, refunds re-opening debts, concurrent payments, and the
 * ledger invariant (balance = Σ ledger = unallocated money − unpaid invoices) after all of it.
 */
let c: Centre;
const TZ = 'Asia/Almaty';

beforeAll(async () => {
  c = await bootCentre();
});
afterAll(() => stopCentre(c));

async function invoice(studentId: string, amount: number, issuedOn: string, note = 'x') {
  return ok(await c.accountant.post('/api/school/invoices', { studentId, issuedOn, dueDays: 0, note, lines: [{ description: note, unitPrice: amount }] }, key()), 201);
}
const pay = async (studentId: string, amount: number, extra: Record<string, unknown> = {}) =>
  ok(await c.accountant.post('/api/school/payments', { studentId, amount, method: 'cash', ...extra }, key()), 201);
const invoiceRow = async (id: string) => (await c.sys.query('select paid::int, status from school.invoice where id = $1', [id])).rows[0];

/** The invariant every student's money keeps, checked straight in the database. */
async function ledgerProblems(tenantId: string) {
  const { rows } = await c.sys.query(
    `select s.id, s.balance, coalesce(l.sum, 0) as ledger, coalesce(p.unallocated, 0) - coalesce(i.unpaid, 0) as derived
       from school.student s
       left join (select student_id, sum(amount) as sum from school.money_ledger where tenant_id = $1 group by 1) l on l.student_id = s.id
       left join (select student_id, sum(amount - refunded - allocated) as unallocated from school.payment where tenant_id = $1 group by 1) p on p.student_id = s.id
       left join (select student_id, sum(total - paid) as unpaid from school.invoice where tenant_id = $1 and status = 'open' group by 1) i on i.student_id = s.id
      where s.tenant_id = $1 and (s.balance <> coalesce(l.sum, 0) or s.balance <> coalesce(p.unallocated, 0) - coalesce(i.unpaid, 0))`,
    [tenantId],
  );
  return rows;
}

describe('settlement', () => {
  it('the rule: money pays invoices in order, the first payment the oldest invoice', () => {
    expect(allocate([{ id: 'p1', available: 700 }, { id: 'p2', available: 500 }], [{ id: 'i1', remaining: 500 }, { id: 'i2', remaining: 400 }, { id: 'i3', remaining: 1000 }])).toEqual([
      { paymentId: 'p1', invoiceId: 'i1', amount: 500 }, { paymentId: 'p1', invoiceId: 'i2', amount: 200 }, { paymentId: 'p2', invoiceId: 'i2', amount: 200 }, { paymentId: 'p2', invoiceId: 'i3', amount: 300 },
    ]);
    expect(allocate([], [{ id: 'i1', remaining: 5 }])).toEqual([]);
    expect(allocate([{ id: 'p1', available: 5 }], [])).toEqual([]);
  });

  it('a payment settles the oldest debt first, then the next; the rest stays on account and pays the next invoice', async () => {
    const s = await createStudent(c);
    const today = localDay(TZ);
    const newer = await invoice(s.id, 300_000, addDays(today, -5), 'May');
    const oldest = await invoice(s.id, 500_000, addDays(today, -40), 'March');
    const middle = await invoice(s.id, 400_000, addDays(today, -20), 'April');
    expect(ok(await c.accountant.get(`/api/school/students/${s.id}`))).toMatchObject({ balance: -1_200_000, debt: 1_200_000 });

    const p1 = await pay(s.id, 700_000);
    expect(p1).toMatchObject({ allocated: 700_000, unallocated: 0, balance: -500_000 });
    expect(await invoiceRow(oldest.id)).toEqual({ paid: 500_000, status: 'paid' });
    expect(await invoiceRow(middle.id)).toEqual({ paid: 200_000, status: 'open' });
    expect(await invoiceRow(newer.id)).toEqual({ paid: 0, status: 'open' });

    const p2 = await pay(s.id, 600_000);
    expect(p2).toMatchObject({ allocated: 500_000, unallocated: 100_000, balance: 100_000 });
    expect(await invoiceRow(middle.id)).toEqual({ paid: 400_000, status: 'paid' });
    expect(await invoiceRow(newer.id)).toEqual({ paid: 300_000, status: 'paid' });
    // money on account pays a new invoice at once
    const next = await invoice(s.id, 250_000, today, 'June');
    expect(next).toMatchObject({ paid: 100_000, status: 'open', due: 150_000 });
    expect(await ledgerProblems(c.tenantId)).toEqual([]);
  });

  it('a pass sold with a payment: its invoice is paid, the student owes nothing', async () => {
    const s = await createStudent(c);
    const pass = await sellPass(c, s.id, { price: 1_500_000 }, { payment: { method: 'card', amount: 1_500_000, reference: 'RRN-1' } });
    expect(pass.invoice).toMatchObject({ total: 1_500_000, paid: 1_500_000, status: 'paid' });
    expect(ok(await c.accountant.get(`/api/school/students/${s.id}`)).balance).toBe(0);
  });

  it('refunds: first what is on account, then the newest paid invoice opens again; never more than was paid', async () => {
    const s = await createStudent(c);
    const today = localDay(TZ);
    const a = await invoice(s.id, 400_000, addDays(today, -10), 'A');
    const b = await invoice(s.id, 300_000, addDays(today, -5), 'B');
    const p = await pay(s.id, 800_000);
    expect(p).toMatchObject({ allocated: 700_000, unallocated: 100_000 });
    const r = ok(await c.accountant.post(`/api/school/payments/${p.id}/refunds`, { amount: 250_000, reason: 'переезд' }, key()), 201);
    expect(r).toMatchObject({ status: 'done', reopened: 150_000, balance: -150_000 });
    expect(await invoiceRow(b.id)).toEqual({ paid: 150_000, status: 'open' });
    expect(await invoiceRow(a.id)).toEqual({ paid: 400_000, status: 'paid' });
    const tooMuch = await c.accountant.post(`/api/school/payments/${p.id}/refunds`, { amount: 600_000 }, key());
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.error).toMatchObject({ code: 'REFUND_TOO_LARGE', details: { field: 'amount', refundable: 550_000 } });
    expect(await ledgerProblems(c.tenantId)).toEqual([]);
  });

  it('twenty concurrent payments and invoices on one student keep the ledger exact', async () => {
    const s = await createStudent(c);
    const today = localDay(TZ);
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? pay(s.id, 10_000 + i) : invoice(s.id, 15_000 + i, addDays(today, -i), `#${i}`))));
    expect(await ledgerProblems(c.tenantId)).toEqual([]);
    const { rows: [sum] } = await c.sys.query(`select sum(amount)::int as ledger from school.money_ledger where student_id = $1`, [s.id]);
    const paid = Array.from({ length: 20 }, (_, i) => i).filter((i) => i % 2).reduce((t, i) => t + 10_000 + i, 0);
    const owed = Array.from({ length: 20 }, (_, i) => i).filter((i) => !(i % 2)).reduce((t, i) => t + 15_000 + i, 0);
    expect(sum.ledger).toBe(paid - owed);
  });

  it('bad input is a 4xx naming the field; the ledger refuses to be edited', async () => {
    const s = await createStudent(c);
    const neg = await c.accountant.post('/api/school/payments', { studentId: s.id, amount: -5, method: 'cash' });
    expect(neg.status).toBe(400);
    expect(neg.body.error.fields[0].field).toBe('amount');
    const method = await c.accountant.post('/api/school/payments', { studentId: s.id, amount: 5, method: 'barter' });
    expect(method.status).toBe(400);
    const unknown = await c.accountant.post('/api/school/payments', { studentId: crypto.randomUUID(), amount: 5, method: 'cash' });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.details.field).toBe('studentId');
    await expect(c.sys.query(`update school.money_ledger set amount = 1 where tenant_id = $1`, [c.tenantId])).rejects.toThrow(/append-only/);
    // teachers see no money
    expect((await c.anna.get('/api/school/invoices')).status).toBe(403);
    expect((await c.anna.post('/api/school/payments', { studentId: s.id, amount: 5, method: 'cash' })).status).toBe(403);
  });
});
