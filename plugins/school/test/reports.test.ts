import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, bootCentre, createStudent, key, localDay, ok, sellPass, setupPlace, stopCentre, type Centre } from './fixtures.ts';

/**
 * Reports on screen and as files, on an empty centre and on one with money and lessons: every report
 * answers JSON with rows and totals, `format=xlsx` an Excel workbook and `format=pdf` a PDF; a role
 * without the report's permission gets 403.
 */
let c: Centre;
const TZ = 'Asia/Almaty';
const REPORTS = ['attendance', 'finance', 'payroll', 'debts', 'leads'] as const;

beforeAll(async () => {
  c = await bootCentre();
});
afterAll(() => stopCentre(c));

function query(report: string, format?: string) {
  const today = localDay(TZ);
  return { ...(report === 'debts' ? {} : { from: addDays(today, -30), to: today }), ...(format ? { format } : {}) };
}

describe('reports', () => {
  it('an empty centre: every report answers, on screen and as Excel and PDF files', async () => {
    for (const r of REPORTS) {
      const json = await c.manager.get(`/api/school/reports/${r}`, { query: query(r) });
      expect(json.status, `${r}: ${JSON.stringify(json.body)}`).toBe(200);
      expect(Array.isArray(json.body.rows), r).toBe(true);
      for (const [format, magic] of [['xlsx', 'PK'], ['pdf', '%PDF']] as const) {
        const file = await c.manager.get(`/api/school/reports/${r}`, { query: query(r, format) });
        expect(file.status, `${r}.${format}: ${JSON.stringify(file.body).slice(0, 300)}`).toBe(200);
        expect(String(file.body).startsWith(magic), `${r}.${format}`).toBe(true);
      }
    }
  });

  it('with money owed and paid: the debts and finance reports add up', async () => {
    await setupPlace(c);
    const s = await createStudent(c, 'Должник Отчётов');
    await sellPass(c, s.id, { price: 1_500_000 });
    ok(await c.accountant.post('/api/school/payments', { studentId: s.id, amount: 500_000, method: 'cash' }, key()), 201);
    const debts = ok(await c.accountant.get('/api/school/reports/debts'));
    expect(JSON.stringify(debts.rows)).toContain('Должник Отчётов');
    ok(await c.manager.post('/api/school/leads', { name: 'Лид Отчётов', phone: '+77015550001' }), 201);
    const leads = ok(await c.manager.get('/api/school/reports/leads', { query: query('leads') }));
    expect(leads.totals.leads).toBe(1);
    const finance = ok(await c.accountant.get('/api/school/reports/finance', { query: query('finance') }));
    expect(finance.rows.length).toBeGreaterThan(0);
    for (const r of REPORTS) {
      const pdf = await c.accountant.get(`/api/school/reports/${r}`, { query: query(r, 'pdf') });
      expect(pdf.status, `${r}: ${JSON.stringify(pdf.body).slice(0, 300)}`).toBe(r === 'leads' ? 403 : 200);
    }
  });

  it('a teacher may not see the money reports', async () => {
    for (const r of ['finance', 'payroll', 'debts'] as const) expect((await c.anna.get(`/api/school/reports/${r}`, { query: query(r) })).status).toBe(403);
  });
});
