import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestClient } from '@atrium/sdk/testing';
import { FakeAlfaCrm, seedSampleCentre } from '../src/testing/index.ts';
import { bootCentre, ok, stopCentre, until, type Centre } from './fixtures.ts';

/**
 * The AlfaCRM import against the stateful fake over real HTTP (the operator allows its address for
 * the plugin): sign-in, 401 renewal, 429 back-off, paging, one request at a time, every model the
 * issue lists, the skip report, balances carried over through the ledger — and a second run that
 * changes nothing, and a run that stops half-way and resumes.
 */
let c: Centre;
let fake: FakeAlfaCrm;
const EMAIL = 'api@centre.test';
const KEY = 'alfa-key-123456';

const TABLES = ['branch', 'room', 'subject', 'teacher', 'custom_field', 'student', 'contact', 'lead_status', 'lead_source', 'lead_reject_reason', 'lead', 'study_group', 'group_slot', 'enrolment',
  'lesson', 'lesson_student', 'attendance', 'tariff', 'pass', 'pass_ledger', 'invoice', 'invoice_line', 'payment', 'allocation', 'money_ledger', 'activity'];

/** Everything the import writes, as rows of the tenant's tables (ordered, timestamps included). */
async function snapshot(tenantId: string) {
  const out: Record<string, unknown[]> = {};
  for (const t of TABLES) out[t] = (await c.sys.query(`select * from school.${t} where tenant_id = $1 order by 2, 3`, [tenantId])).rows.map((r) => JSON.stringify(r)).sort();
  return out;
}

async function configure(api: TestClient) {
  ok(await api.put('/api/plugins/school/settings', { settings: { alfacrmBaseUrl: fake.baseUrl, alfacrmEmail: EMAIL, alfacrmApiKey: KEY } }));
}

async function runToEnd(api: TestClient, start: () => Promise<any>) {
  const run = await start();
  return until('the import to finish', async () => {
    const r = ok(await api.get(`/api/school/imports/${run.id}`, { query: { limit: 200 } }));
    return r.status === 'running' || r.status === 'queued' ? null : r;
  }, 120_000);
}

beforeAll(async () => {
  fake = await FakeAlfaCrm.start({ email: EMAIL, apiKey: KEY });
  seedSampleCentre(fake);
  c = await bootCentre({ config: { outbound: { allow: { school: [fake.baseUrl] } } } });
});
afterAll(async () => {
  await stopCentre(c);
  await fake?.close();
});

describe('AlfaCRM import', () => {
  it('refuses an address the operator did not allow, and a wrong API key is a clear 422', async () => {
    const elsewhere = await c.owner.put('/api/plugins/school/settings', { settings: { alfacrmBaseUrl: 'http://169.254.169.254', alfacrmEmail: EMAIL, alfacrmApiKey: KEY } });
    expect(elsewhere.status).toBe(422);
    expect(elsewhere.body.error.code).toBe('OUTBOUND_NOT_ALLOWED');
    ok(await c.owner.put('/api/plugins/school/settings', { settings: { alfacrmBaseUrl: fake.baseUrl, alfacrmEmail: EMAIL, alfacrmApiKey: 'wrong-key-000' } }));
    const wrong = await c.manager.post('/api/school/imports/alfacrm/check');
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.code).toBe('ALFACRM_AUTH_FAILED');
    await configure(c.owner);
    const check = ok(await c.manager.post('/api/school/imports/alfacrm/check'));
    expect(check.branches.map((b: any) => b.name)).toEqual(['Центр на Абая', 'Филиал Самал']);
    // the settings never give the key back
    expect(JSON.stringify((await c.owner.get('/api/plugins/school')).body)).not.toContain(KEY);
  });

  it('imports every model one request at a time, renewing the token and backing off on 429, and reports what it skipped', async () => {
    fake.tokenCalls = 25;
    fake.throttleNext(2);
    fake.maxInFlight = 0;
    const loginsBefore = fake.logins;
    const run = await runToEnd(c.manager, async () => ok(await c.manager.post('/api/school/imports/alfacrm'), 201));
    expect(run.error).toBeNull();
    expect(run.status).toBe('done');
    expect(run.progress).toBe(100);
    expect(fake.maxInFlight).toBe(1);
    expect(fake.throttled).toBe(2);
    expect(fake.logins - loginsBefore).toBeGreaterThan(1);
    const created = (m: string) => run.counts[m]?.created ?? 0;
    expect(created('branch')).toBe(2);
    expect(created('room')).toBe(4);
    expect(created('subject')).toBe(3);
    expect(created('teacher')).toBe(5);
    expect(created('customer')).toBe(120);
    expect(created('lead')).toBe(20);
    expect(created('group')).toBe(7);
    expect(created('regular-lesson')).toBe(14);
    expect(created('cgi')).toBeGreaterThan(100);
    expect(created('lesson')).toBeGreaterThan(50);
    expect(created('tariff')).toBe(3);
    expect(created('customer-tariff')).toBe(120);
    expect(created('pay')).toBe(120);
    const reasons = Object.fromEntries(run.reasons.map((r: any) => [`${r.model}:${r.reason}`, r.count]));
    expect(reasons).toMatchObject({ 'group:NO_TEACHER': 1, 'regular-lesson:INDIVIDUAL_SCHEDULE': 1, 'pay:NOT_INCOME': 1, 'lesson:CONFLICT': 1, 'customer.phone:PHONE_INVALID': 1 });
    expect(reasons['regular-lesson:GROUP_NOT_IMPORTED']).toBe(2);
    expect(run.skips.items.find((s: any) => s.reason === 'CONFLICT').detail).toMatch(/lesson_(teacher|room)_busy/);

    const t = c.tenantId;
    const q = async (sql: string) => (await c.sys.query(sql, [t])).rows;
    // students' money starts as it ended there: every sixth owes half a month
    const debtors = await q(`select count(*)::int as n, min(balance)::int as lo, max(balance)::int as hi from school.student where tenant_id = $1 and balance <> 0`);
    expect(debtors[0]).toEqual({ n: 20, lo: -1_200_000, hi: -1_200_000 });
    const broken = await q(`select s.id from school.student s left join (select student_id, sum(amount) as l from school.money_ledger where tenant_id = $1 group by 1) m on m.student_id = s.id
      where s.tenant_id = $1 and s.balance <> coalesce(m.l, 0)`);
    expect(broken).toEqual([]);
    // held lessons keep their marks; lessons on a slot are that slot's (generating later adds nothing twice)
    expect((await q(`select count(*)::int as n from school.attendance where tenant_id = $1`))[0].n).toBeGreaterThan(300);
    const linked = await q(`select count(*) filter (where slot_id is not null)::int as linked, count(*) filter (where kind = 'group')::int as grp from school.lesson where tenant_id = $1`);
    expect(linked[0].linked).toBe(linked[0].grp);
    const g = await q(`select id from school.study_group where tenant_id = $1 limit 1`);
    const today = new Date().toISOString().slice(0, 10);
    const gen = ok(await c.manager.post(`/api/school/groups/${g[0].id}/generate`, { from: today, to: new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10) }));
    expect(gen.existing).toBeGreaterThan(0);
    // custom fields came as defined fields; a lead's trial lesson is linked
    expect((await q(`select key from school.custom_field where tenant_id = $1 order by key`)).map((r) => r.key)).toEqual(['grade', 'school']);
    expect((await q(`select count(*)::int as n from school.lead where tenant_id = $1 and trial_lesson_id is not null`))[0].n).toBe(1);
    // passes keep what AlfaCRM still counts as paid
    const left = new Map((await q(`select r.external_id, p.lessons_total - p.lessons_used as left from school.external_ref r
      join school.pass p on p.tenant_id = r.tenant_id and p.id = r.local_id where r.tenant_id = $1 and r.model = 'customer-tariff'`)).map((r) => [r.external_id, r.left]));
    expect(left.size).toBe(120);
    for (const ct of fake.records('customer-tariff')) expect(left.get(String(ct.id)), `customer tariff ${ct.id}`).toBe(ct.paid_lesson_count);
  });

  it('a second run changes nothing', async () => {
    fake.tokenCalls = Number.POSITIVE_INFINITY;
    const before = await snapshot(c.tenantId);
    const run = await runToEnd(c.manager, async () => ok(await c.manager.post('/api/school/imports/alfacrm'), 201));
    expect(run.status).toBe('done');
    for (const [model, n] of Object.entries<any>(run.counts)) {
      expect(n.created, model).toBe(0);
      expect(n.updated, model).toBe(0);
    }
    expect(await snapshot(c.tenantId)).toEqual(before);
  });

  it('a run that stops half-way resumes from where it stopped and ends as a clean one', async () => {
    await configure(c.rival);
    // AlfaCRM answers the lessons' pages with an error: the run stops there
    fake.failNext(1, { status: 400, headers: { 'content-type': 'application/json' }, body: '{"name":"Bad Request","message":"Something broke","status":400}' }, (req) => req.path.endsWith('/lesson/index'));
    const stopped = await runToEnd(c.rival, async () => ok(await c.rival.post('/api/school/imports/alfacrm'), 201));
    expect(stopped.status).toBe('failed');
    expect(stopped.error).toMatch(/400/);
    expect(stopped.cursor.step).toBeGreaterThan(0);
    expect(stopped.progress).toBeLessThan(100);
    const half = (await c.sys.query('select count(*)::int as n from school.lesson where tenant_id = $1', [c.rival.tenantId])).rows[0].n;
    expect(half).toBe(0);
    ok(await c.rival.post(`/api/school/imports/${stopped.id}/resume`));
    const done = await until('the resumed import', async () => {
      const r = ok(await c.rival.get(`/api/school/imports/${stopped.id}`));
      return r.status === 'done' || r.status === 'failed' ? r : null;
    }, 120_000);
    expect(done.status).toBe('done');
    for (const t of ['student', 'lesson', 'attendance', 'payment', 'pass', 'enrolment', 'group_slot']) {
      const [a, b] = await Promise.all([c.tenantId, c.rival.tenantId].map(async (id) => (await c.sys.query(`select count(*)::int as n from school.${t} where tenant_id = $1`, [id])).rows[0].n));
      expect(b, t).toBe(a);
    }
  });
});
