import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, bootCentre, createGroup, key, localDay, monday, ok, setupPlace, stopCentre, type Centre, type Place } from './fixtures.ts';

/**
 * Leads through the API: the Kanban board (a status per column, leads in order, counts), moving a
 * lead (a lost status needs a reason), a trial lesson (the lead becomes a trial student in the
 * lesson), enrolment (an active student of the group; the lead is won) and the conversion numbers
 * of the leads report.
 */
let c: Centre;
let p: Place;

beforeAll(async () => {
  c = await bootCentre();
  p = await setupPlace(c);
});
afterAll(() => stopCentre(c));

const statuses = async () => ok(await c.manager.get('/api/school/lead-statuses')).items as { id: string; code: string; kind: string }[];

describe('leads', () => {
  it('the board, a move that needs a reason, a trial lesson and enrolment; the report counts the conversion', async () => {
    const list = await statuses();
    const byCode = Object.fromEntries(list.map((s) => [s.code, s.id]));
    const lead = ok(await c.manager.post('/api/school/leads', { name: 'Ерлан Касымов', contactName: 'Мама Ерлана', phone: '+7 701 222 33 44' }, key()), 201);
    const other = ok(await c.manager.post('/api/school/leads', { name: 'Асель Нурланова', phone: '+7 701 222 33 45' }, key()), 201);
    expect(lead.statusId).toBe(byCode.new);

    let board = ok(await c.manager.get('/api/school/leads/board'));
    expect(board.columns.map((col: any) => col.status.code)).toEqual(['new', 'contacted', 'trial_booked', 'trial_done', 'enrolled', 'rejected']);
    expect(board.columns[0].total).toBe(2);
    expect(board.items.map((l: any) => l.id).sort()).toEqual([lead.id, other.id].sort());

    // lost needs a reason
    const noReason = await c.manager.post(`/api/school/leads/${other.id}/move`, { statusId: byCode.rejected });
    expect(noReason.status).toBe(422);
    expect(noReason.body.error.code).toBe('REJECT_REASON_REQUIRED');
    const reason = ok(await c.manager.get('/api/school/reject-reasons')).items[0];
    expect(ok(await c.manager.post(`/api/school/leads/${other.id}/move`, { statusId: byCode.rejected, rejectReasonId: reason.id }))).toMatchObject({ statusId: byCode.rejected, rejectReasonId: reason.id });

    // a trial in a lesson of a group: the lead is a trial student of that lesson
    const group = await createGroup(c, p, { slots: [{ weekday: 2, startTime: '15:00', minutes: 60 }] });
    const from = monday(1);
    ok(await c.manager.post(`/api/school/groups/${group.id}/generate`, { from, to: addDays(from, 6) }));
    const [lesson] = ok(await c.manager.get('/api/school/lessons', { query: { groupId: group.id, from: `${from}T00:00:00Z`, to: `${addDays(from, 7)}T00:00:00Z` } })).items;
    const trial = ok(await c.manager.post(`/api/school/leads/${lead.id}/trial`, { lessonId: lesson.id }));
    expect(trial).toMatchObject({ statusId: byCode.trial_booked, trialLessonId: lesson.id });
    const sheet = ok(await c.manager.get(`/api/school/attendance/${lesson.id}`));
    expect(sheet.students).toEqual([expect.objectContaining({ studentId: trial.studentId, name: 'Ерлан Касымов', kind: 'trial' })]);
    expect((await c.manager.post(`/api/school/leads/${lead.id}/trial`, { lessonId: lesson.id })).status).toBe(409);

    // enrolled: an active student of the group, the lead won
    const won = ok(await c.manager.post(`/api/school/leads/${lead.id}/enrol`, { groupId: group.id }));
    expect(won).toMatchObject({ statusId: byCode.enrolled, studentId: trial.studentId });
    expect(won.convertedAt).toBeTruthy();
    const members = ok(await c.manager.get(`/api/school/groups/${group.id}/members`)).items;
    expect(members.map((m: any) => m.id)).toEqual([trial.studentId]);
    expect(ok(await c.manager.get(`/api/school/students/${trial.studentId}`)).contacts[0]).toMatchObject({ name: 'Мама Ерлана', phone: '77012223344' });

    board = ok(await c.manager.get('/api/school/leads/board'));
    const count = (code: string) => board.columns.find((col: any) => col.status.code === code).total;
    expect([count('new'), count('enrolled'), count('rejected')]).toEqual([0, 1, 1]);
    const today = localDay('Asia/Almaty');
    const report = ok(await c.manager.get('/api/school/reports/leads', { query: { from: addDays(today, -1), to: addDays(today, 1) } }));
    expect(report.totals).toMatchObject({ leads: 2, trials: 1, enrolled: 1, rejected: 1, conversion: 0.5 });
    expect(report.rejectReasons).toEqual([expect.objectContaining({ id: reason.id, count: 1 })]);
  });

  it('a teacher sees no leads', async () => {
    expect((await c.anna.get('/api/school/leads')).status).toBe(403);
    expect((await c.anna.get('/api/school/leads/board')).status).toBe(403);
  });
});
