import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, at, bootCentre, createGroup, createStudent, key, localDay, ok, runJob, sellPass, setupPlace, stopCentre, type Centre, type Place } from './fixtures.ts';

/**
 * Attendance and passes through the real kernel and PostgreSQL: concurrent marks on one pass, marks
 * changed and taken back, visits without a pass charged as debts, freezes, expiry by date, and
 * make-up credits booked and consumed exactly once.
 */
let c: Centre;
let p: Place;
const TZ = 'Asia/Almaty';
const today = () => localDay(TZ);

beforeAll(async () => {
  c = await bootCentre();
  p = await setupPlace(c, { timeZone: TZ });
});
afterAll(() => stopCentre(c));

const everyDay = (time: string, minutes = 60) => [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, startTime: time, minutes }));

async function lessonsBetween(groupId: string, from: string, to: string) {
  return ok(await c.manager.get('/api/school/lessons', { query: { groupId, from: at(from, '00:00', TZ), to: at(addDays(to, 1), '00:00', TZ) } })).items as any[];
}

async function enrol(groupId: string, studentId: string, joinedOn: string) {
  return ok(await c.manager.post(`/api/school/groups/${groupId}/members`, { studentId, joinedOn }), 201);
}

const passRow = async (id: string) => (await c.sys.query('select lessons_used, lessons_total, status, to_char(valid_until, \'YYYY-MM-DD\') as valid_until from school.pass where id = $1', [id])).rows[0];

describe('marks and the pass', () => {
  it('50 concurrent attended marks on one pass of 10 lessons take exactly 10 lessons', async () => {
    const start = addDays(today(), -55);
    const g = await createGroup(c, p, { startsOn: start, slots: everyDay('08:00') });
    ok(await c.manager.post(`/api/school/groups/${g.id}/generate`, { from: start, to: addDays(today(), -1) }));
    const lessons = (await lessonsBetween(g.id, start, addDays(today(), -1))).slice(0, 50);
    expect(lessons).toHaveLength(50);
    const s = await createStudent(c);
    await enrol(g.id, s.id, start);
    const pass = await sellPass(c, s.id, { lessons: 10, validityDays: 120 }, { validFrom: addDays(start, -1) });

    // the group's teacher marks from the phone, all at once
    const results = await Promise.all(lessons.map((l) => c.anna.put(`/api/school/attendance/${l.id}`, { marks: [{ studentId: s.id, status: 'attended' }] })));
    expect(results.map((r) => r.status)).toEqual(lessons.map(() => 200));
    const charged = results.filter((r) => r.body.results[0].passId === pass.id);
    expect(charged).toHaveLength(10);
    expect(await passRow(pass.id)).toMatchObject({ lessons_used: 10, lessons_total: 10 });
    const { rows: ledger } = await c.sys.query(`select kind, sum(lessons)::int as lessons, count(*)::int as n from school.pass_ledger where pass_id = $1 group by kind order by kind`, [pass.id]);
    expect(ledger).toEqual([{ kind: 'deduct', lessons: -10, n: 10 }, { kind: 'issue', lessons: 10, n: 1 }]);
    const { rows: [att] } = await c.sys.query(`select count(*) filter (where pass_id is not null)::int as paid, count(*)::int as marked from school.attendance where student_id = $1`, [s.id]);
    expect(att).toEqual({ paid: 10, marked: 50 });

    // marking the same again changes nothing
    const again = await Promise.all(lessons.slice(0, 20).map((l) => c.anna.put(`/api/school/attendance/${l.id}`, { marks: [{ studentId: s.id, status: 'attended' }] })));
    expect(again.every((r) => r.status === 200 && r.body.results[0].changed === false)).toBe(true);
    expect((await passRow(pass.id)).lessons_used).toBe(10);
  });

  it('a changed mark gives the lesson back; a cleared mark leaves the pass as it was', async () => {
    const start = addDays(today(), -6);
    const g = await createGroup(c, p, { teacherId: p.teacherBoris, roomId: p.roomB, capacity: 8, startsOn: start, slots: everyDay('09:30') });
    ok(await c.manager.post(`/api/school/groups/${g.id}/generate`, { from: start, to: today() }));
    const [l1, l2] = await lessonsBetween(g.id, start, today());
    const s = await createStudent(c);
    await enrol(g.id, s.id, start);
    const pass = await sellPass(c, s.id, { lessons: 4, validityDays: 30, chargeUnexcused: false, makeups: false }, { validFrom: start });

    const m1 = ok(await c.boris.put(`/api/school/attendance/${l1.id}`, { marks: [{ studentId: s.id, status: 'attended' }], topic: 'Present Simple' }));
    expect(m1.results[0]).toMatchObject({ passId: pass.id, lessonsLeft: 3 });
    // unexcused is free under this tariff: the lesson goes back
    const m2 = ok(await c.boris.put(`/api/school/attendance/${l1.id}`, { marks: [{ studentId: s.id, status: 'unexcused' }] }));
    expect(m2.results[0]).toMatchObject({ passId: null, lessonsLeft: 4, previous: 'attended' });
    ok(await c.boris.put(`/api/school/attendance/${l2.id}`, { marks: [{ studentId: s.id, status: 'attended' }] }));
    expect((await passRow(pass.id)).lessons_used).toBe(1);
    ok(await c.boris.delete(`/api/school/attendance/${l2.id}/${s.id}`));
    expect((await passRow(pass.id)).lessons_used).toBe(0);
    const sheet = ok(await c.boris.get(`/api/school/attendance/${l2.id}`));
    expect(sheet.students.find((x: any) => x.studentId === s.id)).toMatchObject({ mark: null, pass: { lessonsLeft: 4 } });
    // a student who is not in the lesson cannot be marked; a future lesson cannot be marked yet
    const stranger = await createStudent(c);
    const bad = await c.boris.put(`/api/school/attendance/${l2.id}`, { marks: [{ studentId: stranger.id, status: 'attended' }] });
    expect(bad.status).toBe(422);
    expect(bad.body.error).toMatchObject({ code: 'NOT_IN_LESSON', details: { field: 'marks.0.studentId' } });
  });

  it('a visit without a pass becomes a debt at the group\'s price; excusing it cancels that invoice', async () => {
    const start = addDays(today(), -3);
    const g = await createGroup(c, p, { teacherId: p.teacherBoris, roomId: null, startsOn: start, visitPrice: 300_000, slots: everyDay('20:00') });
    ok(await c.manager.post(`/api/school/groups/${g.id}/generate`, { from: start, to: addDays(today(), -1) }));
    const [l] = await lessonsBetween(g.id, start, start);
    const s = await createStudent(c);
    await enrol(g.id, s.id, start);
    const m = ok(await c.manager.put(`/api/school/attendance/${l.id}`, { marks: [{ studentId: s.id, status: 'attended' }] }));
    expect(m.results[0].invoiceId).toBeTruthy();
    const inv = ok(await c.manager.get(`/api/school/invoices/${m.results[0].invoiceId}`));
    expect(inv).toMatchObject({ total: 300_000, paid: 0, status: 'open', source: 'visit' });
    expect(ok(await c.manager.get(`/api/school/students/${s.id}`)).balance).toBe(-300_000);
    ok(await c.manager.put(`/api/school/attendance/${l.id}`, { marks: [{ studentId: s.id, status: 'excused' }] }));
    expect(ok(await c.manager.get(`/api/school/invoices/${inv.id}`)).status).toBe('canceled');
    expect(ok(await c.manager.get(`/api/school/students/${s.id}`)).balance).toBe(0);
  });
});

describe('freezes and expiry', () => {
  it('a freeze extends the pass by its days, within the tariff\'s limit, and absences in it are free', async () => {
    const s = await createStudent(c);
    const validFrom = addDays(today(), -10);
    const pass = await sellPass(c, s.id, { lessons: 8, validityDays: 30, maxFreezeDays: 14 }, { validFrom });
    expect(pass.validUntil).toBe(addDays(validFrom, 29));
    const f = ok(await c.manager.post(`/api/school/passes/${pass.id}/freeze`, { from: today(), to: addDays(today(), 9), reason: 'болезнь' }));
    expect(f).toMatchObject({ validUntil: addDays(validFrom, 39), frozenDays: 10 });
    expect((await passRow(pass.id)).valid_until).toBe(addDays(validFrom, 39));
    const overlap = await c.manager.post(`/api/school/passes/${pass.id}/freeze`, { from: addDays(today(), 5), to: addDays(today(), 6) });
    expect(overlap.status).toBe(409);
    expect(overlap.body.error.code).toBe('FREEZE_OVERLAP');
    const tooLong = await c.manager.post(`/api/school/passes/${pass.id}/freeze`, { from: addDays(today(), 12), to: addDays(today(), 16) });
    expect(tooLong.status).toBe(422);
    expect(tooLong.body.error).toMatchObject({ code: 'FREEZE_LIMIT', details: { leftDays: 4 } });
    const detail = ok(await c.manager.get(`/api/school/passes/${pass.id}`));
    expect(detail.freezes).toHaveLength(1);
    expect(detail.ledger.map((e: any) => e.kind)).toEqual(['issue', 'freeze']);

    // an unexcused miss during the freeze is not charged
    const g = await createGroup(c, p, { teacherId: p.teacherBoris, roomId: null, startsOn: today(), slots: everyDay('06:00', 30) });
    ok(await c.manager.post(`/api/school/groups/${g.id}/generate`, { from: today(), to: today() }));
    await enrol(g.id, s.id, today());
    const [l] = await lessonsBetween(g.id, today(), today());
    const m = ok(await c.manager.put(`/api/school/attendance/${l.id}`, { marks: [{ studentId: s.id, status: 'unexcused' }] }));
    expect(m.results[0].passId).toBeNull();
    expect((await passRow(pass.id)).lessons_used).toBe(0);
  });

  it('a pass expires by date: the housekeeping job burns what is left and no lesson is taken after', async () => {
    const s = await createStudent(c);
    const pass = await sellPass(c, s.id, { lessons: 8, validityDays: 5 }, { validFrom: addDays(today(), -10) });
    expect(pass.status).toBe('active');
    const r = await runJob(c, 'housekeeping');
    expect(r.passes).toBeGreaterThanOrEqual(1);
    expect((await passRow(pass.id)).status).toBe('expired');
    const { rows } = await c.sys.query(`select kind, lessons from school.pass_ledger where pass_id = $1 order by id`, [pass.id]);
    expect(rows).toEqual([{ kind: 'issue', lessons: 8 }, { kind: 'expire', lessons: -8 }]);
    expect((await runJob(c, 'housekeeping')).passes).toBe(0);
  });
});

describe('make-up credits', () => {
  it('an excused miss gives a credit that books one lesson of another group exactly once, and is used when the student comes', async () => {
    const start = addDays(today(), -2);
    const own = await createGroup(c, p, { startsOn: start, roomId: null, slots: everyDay('07:00', 45) });
    const other = await createGroup(c, p, { teacherId: p.teacherBoris, roomId: null, startsOn: start, slots: everyDay('21:00', 45) });
    ok(await c.manager.post('/api/school/groups/generate', { from: start, to: addDays(today(), 3), groupIds: [own.id, other.id] }));
    const s = await createStudent(c);
    await enrol(own.id, s.id, start);
    const pass = await sellPass(c, s.id, { lessons: 8, validityDays: 30, makeups: true, chargeExcused: false }, { validFrom: start });
    const [missed] = await lessonsBetween(own.id, start, start);
    const m = ok(await c.anna.put(`/api/school/attendance/${missed.id}`, { marks: [{ studentId: s.id, status: 'excused' }] }));
    const creditId = m.results[0].creditId;
    expect(creditId).toBeTruthy();
    expect(m.results[0].passId).toBeNull();
    const [credit] = ok(await c.manager.get('/api/school/passes/credits', { query: { studentId: s.id } })).items;
    expect(credit).toMatchObject({ id: creditId, status: 'open', expiresOn: pass.validUntil });

    // two people book the same credit into two lessons at once: one booking
    const targets = [...await lessonsBetween(other.id, today(), today()), ...await lessonsBetween(other.id, addDays(today(), 1), addDays(today(), 1))];
    const [a, b] = await Promise.all(targets.slice(0, 2).map((l) => c.manager.post(`/api/school/passes/credits/${creditId}/book`, { lessonId: l.id }, key())));
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const booked = a.status === 200 ? targets[0] : targets[1];
    expect((a.status === 409 ? a : b).body.error.code).toBe('CREDIT_NOT_AVAILABLE');
    const { rows: seats } = await c.sys.query('select lesson_id from school.lesson_student where makeup_credit_id = $1', [creditId]);
    expect(seats).toEqual([{ lesson_id: booked.id }]);

    if (booked.date === today()) {
      // the student comes to the make-up: the credit is used, one lesson comes off the pass it came from
      const came = ok(await c.boris.put(`/api/school/attendance/${booked.id}`, { marks: [{ studentId: s.id, status: 'attended' }] }));
      expect(came.results[0]).toMatchObject({ passId: pass.id, lessonsLeft: 7 });
      expect((await c.sys.query('select status from school.makeup_credit where id = $1', [creditId])).rows[0].status).toBe('used');
      ok(await c.boris.put(`/api/school/attendance/${booked.id}`, { marks: [{ studentId: s.id, status: 'attended' }] }));
      expect((await passRow(pass.id)).lessons_used).toBe(1);
      // a used credit books nothing more, and the excused miss can no longer be re-marked away from it
      const [later] = await lessonsBetween(other.id, addDays(today(), 2), addDays(today(), 2));
      const again = await c.manager.post(`/api/school/passes/credits/${creditId}/book`, { lessonId: later.id });
      expect(again.status).toBe(409);
      const remark = await c.anna.put(`/api/school/attendance/${missed.id}`, { marks: [{ studentId: s.id, status: 'attended' }] });
      expect(remark.status).toBe(409);
      expect(remark.body.error.code).toBe('CREDIT_IN_USE');
      expect((await passRow(pass.id)).lessons_used).toBe(1);
    } else {
      // today's lesson was taken by the other request's order: unbook and the credit is open again
      ok(await c.manager.post(`/api/school/passes/credits/${creditId}/unbook`));
      expect((await c.sys.query('select status from school.makeup_credit where id = $1', [creditId])).rows[0].status).toBe('open');
    }
  });

  it('a credit cannot book a lesson of another subject, nor a lesson after it expires', async () => {
    const start = addDays(today(), -1);
    const own = await createGroup(c, p, { startsOn: start, roomId: null, slots: everyDay('05:00', 30) });
    const same = await createGroup(c, p, { teacherId: p.teacherBoris, roomId: null, startsOn: start, slots: everyDay('23:00', 30) });
    const other = ok(await c.manager.post('/api/school/subjects', { name: `Математика ${Date.now()}` }), 201);
    const maths = await createGroup(c, p, { subjectId: other.id, teacherId: p.teacherBoris, roomId: null, startsOn: start, slots: everyDay('22:00', 30) });
    ok(await c.manager.post('/api/school/groups/generate', { from: start, to: addDays(today(), 20), groupIds: [own.id, same.id, maths.id] }));
    const s = await createStudent(c);
    await enrol(own.id, s.id, start);
    const pass = await sellPass(c, s.id, { lessons: 8, validityDays: 10, makeups: true }, { validFrom: start });
    const [missed] = await lessonsBetween(own.id, start, start);
    const { results: [r] } = ok(await c.anna.put(`/api/school/attendance/${missed.id}`, { marks: [{ studentId: s.id, status: 'excused' }] }));
    const [mathLesson] = await lessonsBetween(maths.id, addDays(today(), 1), addDays(today(), 1));
    const wrong = await c.manager.post(`/api/school/passes/credits/${r.creditId}/book`, { lessonId: mathLesson.id });
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.code).toBe('MAKEUP_OTHER_SUBJECT');
    const [tooLate] = await lessonsBetween(same.id, addDays(pass.validUntil, 2), addDays(pass.validUntil, 2));
    const late = await c.manager.post(`/api/school/passes/credits/${r.creditId}/book`, { lessonId: tooLate.id });
    expect(late.status).toBe(422);
    expect(late.body.error.code).toBe('CREDIT_EXPIRES_BEFORE_LESSON');
    expect((await c.sys.query('select status from school.makeup_credit where id = $1', [r.creditId])).rows[0].status).toBe('open');
  });
});
