import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, at, bootCentre, createGroup, monday, ok, setupPlace, stopCentre, type Centre, type Place } from './fixtures.ts';

/**
 * The schedule through the real kernel and PostgreSQL: lessons generated from weekly slots (again:
 * nothing twice; holidays and vacations skipped; local time across a DST change), and conflicts —
 * teacher, room and group, by time overlap — refused by the database's exclusion constraints, also
 * when requests race, with a 409 that lists every conflict.
 */
let c: Centre;
let p: Place;
const TZ = 'Asia/Almaty';

beforeAll(async () => {
  c = await bootCentre();
  p = await setupPlace(c, { timeZone: TZ });
});
afterAll(() => stopCentre(c));

const lessonsOf = async (groupId: string, from: string, to: string) =>
  ok(await c.manager.get('/api/school/lessons', { query: { groupId, from: at(from, '00:00', TZ), to: at(addDays(to, 1), '00:00', TZ) } })).items as any[];

describe('lesson generation', () => {
  it('creates one lesson per slot and week at local time, and nothing more when run again', async () => {
    const g = await createGroup(c, p, { slots: [{ weekday: 1, startTime: '16:00', minutes: 90 }, { weekday: 3, startTime: '18:30', minutes: 60 }] });
    const from = monday(1);
    const to = addDays(from, 27); // four weeks
    const first = ok(await c.manager.post(`/api/school/groups/${g.id}/generate`, { from, to }));
    expect(first).toMatchObject({ created: 8, existing: 0, holidays: 0, conflictCount: 0 });
    const lessons = await lessonsOf(g.id, from, to);
    expect(lessons).toHaveLength(8);
    expect(lessons[0].startsAt).toBe(at(from, '16:00', TZ));
    expect(lessons[1].startsAt).toBe(at(addDays(from, 2), '18:30', TZ));
    expect(new Date(lessons[1].endsAt).getTime() - new Date(lessons[1].startsAt).getTime()).toBe(60 * 60_000);
    expect(lessons.every((l) => l.teacherId === p.teacherAnna && l.roomId === p.roomA && l.status === 'planned')).toBe(true);

    const again = ok(await c.manager.post(`/api/school/groups/${g.id}/generate`, { from, to }));
    expect(again).toMatchObject({ created: 0, existing: 8 });
    // a wider range adds only the new weeks
    const wider = ok(await c.manager.post(`/api/school/groups/${g.id}/generate`, { from, to: addDays(to, 7) }));
    expect(wider).toMatchObject({ created: 2, existing: 8 });
    expect(await lessonsOf(g.id, from, addDays(to, 7))).toHaveLength(10);
  });

  it('skips the centre\'s holidays and the group\'s vacation', async () => {
    const g = await createGroup(c, p, { roomId: p.roomB, teacherId: p.teacherBoris, capacity: 8, slots: [{ weekday: 2, startTime: '10:00', minutes: 60 }] });
    const from = monday(8);
    ok(await c.manager.post('/api/school/holidays', { name: 'Наурыз', startsOn: addDays(from, 1), endsOn: addDays(from, 1) }), 201);
    ok(await c.manager.post('/api/school/holidays', { name: 'Каникулы группы', kind: 'vacation', groupId: g.id, startsOn: addDays(from, 14), endsOn: addDays(from, 20) }), 201);
    const r = ok(await c.manager.post(`/api/school/groups/${g.id}/generate`, { from, to: addDays(from, 27) }));
    expect(r).toMatchObject({ created: 2, holidays: 2 });
    const days = (await lessonsOf(g.id, from, addDays(from, 27))).map((l) => l.date);
    expect(days).toEqual([addDays(from, 8), addDays(from, 22)]);
  });

  it('keeps the wall-clock time across a daylight-saving change (Europe/Kyiv)', async () => {
    const kyiv = await setupPlace(c, { timeZone: 'Europe/Kyiv', linkUsers: false });
    const g = await createGroup(c, kyiv, { slots: [{ weekday: 6, startTime: '10:00', minutes: 45 }] });
    // the last Sunday of March 2030 is the 31st: Saturdays 23 and 30 March, 6 April
    ok(await c.manager.post(`/api/school/groups/${g.id}/generate`, { from: '2030-03-23', to: '2030-04-06' }));
    const lessons = ok(await c.manager.get('/api/school/lessons', { query: { groupId: g.id, from: '2030-03-22T00:00:00Z', to: '2030-04-07T00:00:00Z' } })).items;
    expect(lessons.map((l: any) => l.startsAt)).toEqual(['2030-03-23T08:00:00.000Z', '2030-03-30T08:00:00.000Z', '2030-04-06T07:00:00.000Z']);
  });

  it('refuses a range that is backwards or longer than 400 days, naming the field', async () => {
    const g = await createGroup(c, p, { roomId: null, teacherId: p.teacherBoris, slots: [] });
    const back = await c.manager.post(`/api/school/groups/${g.id}/generate`, { from: '2030-02-01', to: '2030-01-01' });
    expect(back.status).toBe(400);
    expect(back.body.error.fields[0].field).toBe('to');
    expect((await c.manager.post(`/api/school/groups/${g.id}/generate`, { from: '2030-01-01', to: '2031-03-01' })).status).toBe(400);
  });
});

describe('conflicts', () => {
  it('generation reports lessons whose teacher or room is busy instead of double-booking them', async () => {
    const from = monday(20);
    const g1 = await createGroup(c, p, { slots: [{ weekday: 4, startTime: '12:00', minutes: 90 }] });
    ok(await c.manager.post(`/api/school/groups/${g1.id}/generate`, { from, to: addDays(from, 6) }));
    // same room, another teacher, overlapping 12:30–13:30
    const g2 = await createGroup(c, p, { teacherId: p.teacherBoris, slots: [{ weekday: 4, startTime: '12:30', minutes: 60 }] });
    const r = ok(await c.manager.post(`/api/school/groups/${g2.id}/generate`, { from, to: addDays(from, 6) }));
    expect(r.created).toBe(0);
    expect(r.conflicts).toEqual([expect.objectContaining({ groupId: g2.id, room: true, teacher: false, group: false })]);
  });

  it('a one-off lesson that overlaps on teacher and room is refused with 409 listing both conflicts', async () => {
    const day = addDays(monday(22), 1);
    const g = await createGroup(c, p, { slots: [{ weekday: 2, startTime: '09:00', minutes: 90 }] });
    ok(await c.manager.post(`/api/school/groups/${g.id}/generate`, { from: day, to: day }));
    const r = await c.manager.post('/api/school/lessons', { kind: 'individual', subjectId: p.subjectId, teacherId: p.teacherAnna, branchId: p.branchId, roomId: p.roomA,
      startsAt: at(day, '10:00', TZ), endsAt: at(day, '11:00', TZ) });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('SCHEDULE_CONFLICT');
    const kinds = r.body.error.details.conflicts.map((x: any) => x.kind).sort();
    expect(kinds).toEqual(['room', 'teacher']);
    // touching end to start is not an overlap
    ok(await c.manager.post('/api/school/lessons', { kind: 'individual', subjectId: p.subjectId, teacherId: p.teacherAnna, branchId: p.branchId, roomId: p.roomA,
      startsAt: at(day, '10:30', TZ), endsAt: at(day, '11:00', TZ) }), 201);
  });

  it('of many concurrent bookings of one room and teacher at overlapping times, exactly one succeeds', async () => {
    const day = addDays(monday(24), 4);
    const attempts = Array.from({ length: 12 }, (_, i) => c.manager.post('/api/school/lessons', {
      kind: 'individual', subjectId: p.subjectId, teacherId: i % 2 ? p.teacherAnna : p.teacherBoris, branchId: p.branchId, roomId: p.roomB,
      startsAt: at(day, `14:${String(i * 4).padStart(2, '0')}`, TZ), endsAt: at(day, '15:30', TZ),
    }));
    const results = await Promise.all(attempts);
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    const refused = results.filter((r) => r.status === 409);
    expect(refused).toHaveLength(11);
    for (const r of refused) expect(r.body.error.details.conflicts.length).toBeGreaterThan(0);
    const [{ n }] = (await c.sys.query(`select count(*)::int as n from school.lesson where tenant_id = $1 and room_id = $2 and status <> 'canceled' and starts_at::date = $3::date`, [c.tenantId, p.roomB, day])).rows;
    expect(n).toBe(1);
  });

  it('moving, substitutes and cancelling: the preview lists conflicts before saving, a cancelled lesson frees its time', async () => {
    const day = addDays(monday(26), 2);
    const ga = await createGroup(c, p, { slots: [{ weekday: 3, startTime: '15:00', minutes: 60 }] });
    const gb = await createGroup(c, p, { teacherId: p.teacherBoris, roomId: p.roomB, capacity: 8, slots: [{ weekday: 3, startTime: '17:00', minutes: 60 }] });
    ok(await c.manager.post('/api/school/groups/generate', { from: day, to: day, groupIds: [ga.id, gb.id] }));
    const [la] = await lessonsOf(ga.id, day, day);
    const [lb] = await lessonsOf(gb.id, day, day);

    const preview = ok(await c.manager.post('/api/school/lessons/check', { lessonId: la.id, startsAt: at(day, '17:30', TZ), endsAt: at(day, '18:30', TZ), roomId: p.roomB }));
    expect(preview.ok).toBe(false);
    expect(preview.conflicts.map((x: any) => x.kind)).toEqual(['room']);
    expect(preview.conflicts[0].lessonId).toBe(lb.id);
    const refused = await c.manager.patch(`/api/school/lessons/${la.id}`, { startsAt: at(day, '17:30', TZ), endsAt: at(day, '18:30', TZ), roomId: p.roomB });
    expect(refused.status).toBe(409);

    // boris substitutes anna at 15:00 — fine; then boris' own lesson cannot move onto it
    const sub = ok(await c.manager.patch(`/api/school/lessons/${la.id}`, { substituteId: p.teacherBoris }));
    expect(sub.teacherEffectiveId).toBe(p.teacherBoris);
    const clash = await c.manager.patch(`/api/school/lessons/${lb.id}`, { startsAt: at(day, '15:30', TZ) });
    expect(clash.status).toBe(409);
    expect(clash.body.error.details.conflicts.map((x: any) => x.kind)).toEqual(['teacher']);
    // cancel the substituted lesson: its time is free
    ok(await c.manager.post(`/api/school/lessons/${la.id}/cancel`, { reason: 'болезнь' }));
    const moved = ok(await c.manager.patch(`/api/school/lessons/${lb.id}`, { startsAt: at(day, '15:30', TZ) }));
    expect(moved).toMatchObject({ moved: true, startsAt: at(day, '15:30', TZ), endsAt: at(day, '16:30', TZ) });
    // restoring the cancelled lesson now clashes with boris at 15:30
    const restore = await c.manager.post(`/api/school/lessons/${la.id}/restore`);
    expect(restore.status).toBe(409);
  });
});
