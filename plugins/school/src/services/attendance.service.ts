import { defineAction, defineService, Type, UnprocessableError } from '@atrium/sdk';
import { clearMark, lessonForMark, markStudent, participantOf, rosterOf } from '../domain/attendance.ts';
import { badField, Id } from '../domain/fields.ts';
import { candidatePasses } from '../domain/pass-ledger.ts';
import { schoolSettings } from '../domain/settings.ts';

const Mark = Type.Union([Type.Literal('attended'), Type.Literal('excused'), Type.Literal('unexcused')]);

/**
 * The attendance sheet of a lesson — what a teacher opens on the phone: the roster with each
 * student's mark and what is left on their pass — and the marks themselves. A teacher (role
 * `teacher`) reaches only their own lessons: the rule `{ teacherUserId: '${user.id}' }` is part of
 * the statement that loads (and locks) the lesson, so another teacher's lesson is simply not found.
 */
export const attendanceService = defineService({
  name: 'attendance',
  actions: {
    sheet: defineAction({
      rest: 'GET /:lessonId',
      permission: ['read', 'school.Lesson'],
      params: Type.Object({ lessonId: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const tz = (await ctx.tenant()).timeZone || 'UTC';
        const lesson = await lessonForMark(ctx, ctx.params.lessonId, tz, 'read');
        const roster = await rosterOf(ctx, lesson);
        const marks = await ctx.sql<{ student_id: string; status: string; pass_id: string | null; invoice_id: string | null; credit_id: string | null }>(
          'select student_id, status, pass_id, invoice_id, credit_id from school.attendance where tenant_id = $1::uuid and lesson_id = $2::uuid', [ctx.tenantId, lesson.id]);
        const byStudent = new Map(marks.map((m) => [m.student_id, m]));
        const seeMoney = ctx.can('read', 'school.Invoice');
        const students = [];
        for (const r of roster) {
          const m = byStudent.get(r.studentId);
          const [pass] = m?.pass_id
            ? await ctx.sql<{ name: string; lessons_total: number; lessons_used: number; valid_until: string }>(`select name, lessons_total, lessons_used, to_char(valid_until, 'YYYY-MM-DD') as valid_until from school.pass where tenant_id = $1::uuid and id = $2::uuid`, [ctx.tenantId, m.pass_id])
            : await candidatePasses(ctx, { studentId: r.studentId, date: lesson.date, subjectId: lesson.subject_id, groupId: lesson.group_id });
          const [money] = seeMoney ? await ctx.sql<{ balance: string }>('select balance from school.student where tenant_id = $1::uuid and id = $2::uuid', [ctx.tenantId, r.studentId]) : [];
          students.push({
            studentId: r.studentId, name: r.name, kind: r.kind, mark: m?.status ?? null, charged: !!(m?.pass_id || m?.invoice_id), creditId: m?.credit_id ?? null,
            pass: pass ? { name: pass.name, lessonsLeft: pass.lessons_total - pass.lessons_used, validUntil: pass.valid_until } : null,
            balance: money ? Number(money.balance) : null,
          });
        }
        return {
          lesson: { id: lesson.id, kind: lesson.kind, status: lesson.status, groupId: lesson.group_id, groupName: lesson.group_name, subjectName: lesson.subject_name, startsAt: lesson.starts_at, date: lesson.date },
          students,
          canMark: lesson.status !== 'canceled' && lesson.date <= lesson.today && ctx.can('mark', 'school.Lesson', { id: lesson.id, teacherUserId: lesson.teacher_user_id, branchId: lesson.branch_id, groupId: lesson.group_id }),
        };
      },
    }),
    mark: defineAction({
      rest: 'PUT /:lessonId',
      permission: ['mark', 'school.Lesson'],
      summary: 'Mark students of a lesson attended / excused / unexcused (all or nothing); marking the same again changes nothing',
      params: Type.Object({
        lessonId: Id,
        marks: Type.Array(Type.Object({ studentId: Id, status: Mark }, { additionalProperties: false }), { minItems: 1, maxItems: 200 }),
        topic: Type.Optional(Type.Union([Type.String({ maxLength: 300 }), Type.Null()])),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const tz = (await ctx.tenant()).timeZone || 'UTC';
        const lesson = await lessonForMark(ctx, ctx.params.lessonId, tz, 'mark');
        if (lesson.status === 'canceled') throw new UnprocessableError('The lesson is canceled', 'LESSON_CANCELED', { lessonId: lesson.id });
        if (lesson.date > lesson.today) throw new UnprocessableError('Attendance is marked on the day of the lesson or later', 'LESSON_IN_FUTURE', { date: lesson.date });
        const seen = new Set<string>();
        ctx.params.marks.forEach((m, i) => {
          if (seen.has(m.studentId)) throw badField(`marks.${i}.studentId`, 'DUPLICATE_STUDENT', 'is marked twice');
          seen.add(m.studentId);
        });
        const roster = await rosterOf(ctx, lesson);
        const who = ctx.params.marks.map((m, i) => ({ mark: m, participant: participantOf(roster, m.studentId, `marks.${i}.studentId`) }));
        if (lesson.status === 'planned') {
          await ctx.sql(`update school.lesson set status = 'done', updated_at = now(), version = version + 1 where tenant_id = $1::uuid and id = $2::uuid`, [ctx.tenantId, lesson.id]);
        }
        if (ctx.params.topic !== undefined) await ctx.sql('update school.lesson set topic = $3::text where tenant_id = $1::uuid and id = $2::uuid', [ctx.tenantId, lesson.id, ctx.params.topic]);
        const settings = await schoolSettings(ctx);
        // one order for everyone (by student): concurrent sheets lock passes and balances alike
        who.sort((a, b) => a.mark.studentId.localeCompare(b.mark.studentId));
        const results = [];
        for (const w of who) results.push(await markStudent(ctx, lesson, w.participant, w.mark.status, settings));
        return { lessonId: lesson.id, status: 'done', results };
      },
    }),
    clear: defineAction({
      rest: 'DELETE /:lessonId/:studentId',
      permission: ['mark', 'school.Lesson'],
      summary: 'Take a mark back: everything it did is undone',
      params: Type.Object({ lessonId: Id, studentId: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const tz = (await ctx.tenant()).timeZone || 'UTC';
        const lesson = await lessonForMark(ctx, ctx.params.lessonId, tz, 'mark');
        const roster = await rosterOf(ctx, lesson);
        const cleared = await clearMark(ctx, lesson, participantOf(roster, ctx.params.studentId, 'studentId'));
        const [left] = await ctx.sql('select 1 from school.attendance where tenant_id = $1::uuid and lesson_id = $2::uuid limit 1', [ctx.tenantId, lesson.id]);
        if (!left && lesson.status === 'done') await ctx.sql(`update school.lesson set status = 'planned', updated_at = now(), version = version + 1 where tenant_id = $1::uuid and id = $2::uuid`, [ctx.tenantId, lesson.id]);
        return { cleared };
      },
    }),
  },
});
