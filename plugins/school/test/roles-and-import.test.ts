import crypto from 'node:crypto';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, bootCentre, createGroup, monday, ok, setupPlace, stopCentre, type Centre, type Place } from './fixtures.ts';

/**
 * Roles enforced by the server's row rules, not by the UI: a teacher's lists hold only their own
 * groups and lessons, another teacher's group, lesson and attendance sheet are simply not found,
 * and money is not theirs to see. And the Excel import of students: every bad row is reported by its
 * spreadsheet number and column; `all` writes nothing then, `valid` imports the good rows.
 */
let c: Centre;
let p: Place;

beforeAll(async () => {
  c = await bootCentre();
  p = await setupPlace(c);
});
afterAll(() => stopCentre(c));

async function workbook(rows: (string | number | null)[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Ученики');
  ws.addRow(['ФИО', 'Дата рождения', 'Телефон', 'Родитель', 'Телефон родителя', 'Язык']);
  for (const r of rows) ws.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer());
}
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const upload = (body: Buffer, mode: 'all' | 'valid') =>
  c.manager.request('POST', '/api/school/imports/students', { query: { mode }, raw: body, headers: { 'content-type': XLSX, 'idempotency-key': crypto.randomUUID() } });

describe('a teacher sees only their own', () => {
  it('lists, reads and marks only their groups and lessons; the other teacher\'s are not found; money is not theirs', async () => {
    const mine = await createGroup(c, p, { name: 'Группа Анны', teacherId: p.teacherAnna, roomId: p.roomA, slots: [{ weekday: 1, startTime: '10:00', minutes: 60 }] });
    const theirs = await createGroup(c, p, { name: 'Группа Бориса', teacherId: p.teacherBoris, roomId: p.roomB, capacity: 8, slots: [{ weekday: 1, startTime: '12:00', minutes: 60 }] });
    const from = monday(1);
    for (const g of [mine, theirs]) ok(await c.manager.post(`/api/school/groups/${g.id}/generate`, { from, to: addDays(from, 6) }));
    const week = { from: `${addDays(from, -1)}T00:00:00Z`, to: `${addDays(from, 8)}T00:00:00Z` };

    const all = ok(await c.manager.get('/api/school/lessons', { query: week }));
    expect(new Set(all.items.map((l: any) => l.groupId))).toEqual(new Set([mine.id, theirs.id]));

    const groups = ok(await c.anna.get('/api/school/groups'));
    expect(groups.items.map((g: any) => g.id)).toEqual([mine.id]);
    expect(groups.total).toBe(1);
    const lessons = ok(await c.anna.get('/api/school/lessons', { query: week }));
    expect(lessons.items.length).toBeGreaterThan(0);
    expect(lessons.items.every((l: any) => l.groupId === mine.id)).toBe(true);

    const other = all.items.find((l: any) => l.groupId === theirs.id);
    expect((await c.anna.get(`/api/school/groups/${theirs.id}`)).status).toBe(404);
    expect((await c.anna.get(`/api/school/lessons/${other.id}`)).status).toBe(404);
    expect((await c.anna.get(`/api/school/attendance/${other.id}`)).status).toBe(404);
    expect((await c.anna.put(`/api/school/attendance/${other.id}`, { marks: [{ studentId: crypto.randomUUID(), status: 'attended' }] })).status).toBe(404);
    // even asking by the other group's id gives nothing
    expect(ok(await c.anna.get('/api/school/lessons', { query: { ...week, groupId: theirs.id } })).items).toEqual([]);
    // Boris sees his, not hers
    expect(ok(await c.boris.get('/api/school/groups')).items.map((g: any) => g.id)).toEqual([theirs.id]);

    for (const path of ['/api/school/payments', '/api/school/invoices', '/api/school/students']) expect((await c.anna.get(path)).status, path).toBe(403);
    expect((await c.accountant.get('/api/school/payments')).status).toBe(200);
  });
});

describe('students from Excel', () => {
  it('reports every bad row by its number and column; `all` then writes nothing, `valid` imports the good rows', async () => {
    const tag = crypto.randomUUID().slice(0, 6);
    const body = await workbook([
      [`Алия ${tag}`, '01.02.2015', '+7 701 111 22 33', 'Мама Алии', '+7 701 111 22 34', 'русский'],
      [`Данияр ${tag}`, '2014-13-40', '+7 701 111 22 35', null, null, 'kk'],
      [null, null, '+7 701 111 22 36', null, null, null],
      [`Оксана ${tag}`, null, '12345', 'Тато', '+380 67 123 45 67', 'klingon'],
      [`Тимур ${tag}`, null, null, 'Папа Тимура', '+7 702 000 11 22', 'kk'],
    ]);
    const all = ok(await upload(body, 'all'));
    expect(all).toMatchObject({ rows: 5, valid: 2, imported: 0, mode: 'all' });
    const problems = all.problems as { row: number; field: string; code: string }[];
    const byRow = new Map<number, string[]>();
    for (const x of problems) byRow.set(x.row, [...(byRow.get(x.row) ?? []), x.field]);
    // the header is row 1: the data starts on row 2
    expect([...byRow.keys()].sort()).toEqual([3, 4, 5]);
    expect(byRow.get(3)).toContain('birth_date');
    expect(byRow.get(4)).toContain('name');
    expect(byRow.get(5)).toEqual(expect.arrayContaining(['phone', 'language']));
    expect((await c.sys.query(`select count(*)::int as n from school.student where tenant_id = $1 and name like $2`, [c.tenantId, `%${tag}`])).rows[0].n).toBe(0);

    const valid = ok(await upload(body, 'valid'));
    expect(valid).toMatchObject({ rows: 5, imported: 2, mode: 'valid' });
    const names = (await c.sys.query(`select name from school.student where tenant_id = $1 and name like $2 order by name`, [c.tenantId, `%${tag}`])).rows.map((r) => r.name);
    expect(names).toEqual([`Алия ${tag}`, `Тимур ${tag}`]);
    const parent = (await c.sys.query(`select c.name, c.phone, c.locale from school.contact c join school.student s on s.tenant_id = c.tenant_id and s.id = c.student_id where s.tenant_id = $1 and s.name = $2`, [c.tenantId, `Алия ${tag}`])).rows;
    expect(parent).toEqual([{ name: 'Мама Алии', phone: '77011112234', locale: 'ru' }]);
  });
});
