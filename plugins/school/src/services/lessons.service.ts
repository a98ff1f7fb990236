import crypto from 'node:crypto';
import { ConflictError, defineAction, defineService, numbered, sqlSet, sqlWhere, Type, UnprocessableError } from '@atrium/sdk';
import { recordActivity } from '../domain/activity.ts';
import { bookOrConflict, findConflicts } from '../domain/conflicts.ts';
import { badField, Id, Instant, LessonKind, NullableId, PositiveMinor, Version } from '../domain/fields.ts';
import { lessonColumns, LESSON_FROM, lessonFor, requireSeat } from '../domain/lessons.ts';
import { unbookCredit } from '../domain/makeup-credits.ts';
import { requireRef } from '../domain/records.ts';

const SUBJECT = 'school.Lesson';
const Topic = Type.Union([Type.String({ maxLength: 300 }), Type.Null()]);
const MAX_LESSON_MS = 12 * 3600_000;

function checkTimes(startsAt: string, endsAt: string) {
  const ms = Date.parse(endsAt) - Date.parse(startsAt);
  if (!(ms > 0)) throw badField('endsAt', 'DATE_BEFORE_START', 'must be after startsAt');
  if (ms > MAX_LESSON_MS) throw badField('endsAt', 'LESSON_TOO_LONG', 'a lesson lasts at most 12 hours', { maxHours: 12 });
}

/**
 * Lessons: the calendar (a week by teacher, room, group or branch), one-off lessons (individual,
 * trial, make-up, an extra group lesson), moving or cancelling one lesson, substitutes, and the
 * conflict preview the calendar shows while a lesson is dragged. Every write that takes time is
 * guarded by the exclusion constraints; a refusal is a 409 listing every conflict.
 */
export const lessonsService = defineService({
  name: 'lessons',
  actions: {
    calendar: defineAction({
      rest: 'GET /',
      permission: ['read', SUBJECT],
      summary: 'Lessons that overlap [from, to) — a week of the calendar — by teacher, room, group or branch; without from/to, the month around now',
      params: Type.Object({
        from: Type.Optional(Instant), to: Type.Optional(Instant), teacherId: Type.Optional(Id), roomId: Type.Optional(Id), groupId: Type.Optional(Id), branchId: Type.Optional(Id), studentId: Type.Optional(Id),
        includeCanceled: Type.Optional(Type.Boolean()),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = { ...ctx.params };
        // no window given (a plain list): the month around now, within the two-month limit
        p.from ??= new Date(Date.now() - 30 * 86_400_000).toISOString();
        p.to ??= new Date(Date.parse(p.from) + 61 * 86_400_000).toISOString();
        if (Date.parse(p.to) <= Date.parse(p.from)) throw badField('to', 'DATE_BEFORE_START', 'must be after from');
        if (Date.parse(p.to) - Date.parse(p.from) > 62 * 86_400_000) throw badField('to', 'RANGE_TOO_LONG', 'the calendar shows at most two months at a time', { maxDays: 62 });
        const rule = ctx.rulesSql('read', SUBJECT, { alias: 'l' });
        // starts_at bounds use the (tenant_id, starts_at) index; a lesson lasts at most 12 hours
        const where = sqlWhere().always('l.tenant_id = ?', ctx.tenantId).always(rule.sql, ...rule.params)
          .always('l.starts_at >= ?::timestamptz - interval \'12 hours\'', p.from).always('l.starts_at < ?::timestamptz', p.to).always('l.ends_at > ?::timestamptz', p.from)
          .add('l.teacher_effective = ?', p.teacherId).add('l.room_id = ?', p.roomId).add('l.group_id = ?', p.groupId).add('l.branch_id = ?', p.branchId)
          .add(`(exists (select 1 from school.lesson_student ls where ls.tenant_id = l.tenant_id and ls.lesson_id = l.id and ls.student_id = ?::uuid)
                 or exists (select 1 from school.enrolment e where e.tenant_id = l.tenant_id and e.group_id = l.group_id and e.student_id = ?::uuid
                            and e.joined_on <= l.starts_at::date and (e.left_on is null or e.left_on > l.starts_at::date)))`, ...(p.studentId ? [p.studentId, p.studentId] : [undefined]));
        if (!p.includeCanceled) where.always(`l.status <> 'canceled'`);
        const tz = (await ctx.tenant()).timeZone || 'UTC';
        const items = await ctx.sql(...numbered(
          `select ${lessonColumns('?::text')},
                  (select count(*) from school.attendance a where a.tenant_id = l.tenant_id and a.lesson_id = l.id)::int as marked,
                  (coalesce(g.enrolled_count, 0) + (select count(*) from school.lesson_student ls where ls.tenant_id = l.tenant_id and ls.lesson_id = l.id))::int as students
             from ${LESSON_FROM} ${where.where()} order by l.starts_at, l.id limit 3000`, [tz, ...where.params]));
        return { items, total: items.length };
      },
    }),
    get: defineAction({
      rest: 'GET /:id',
      permission: ['read', SUBJECT],
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      handler(ctx) {
        return lessonFor(ctx, ctx.params.id, 'read');
      },
    }),
    check: defineAction({
      rest: 'POST /check',
      permission: ['read', SUBJECT],
      mutates: false,
      summary: 'The conflicts a lesson would have at this time (the calendar shows them while dragging, before saving)',
      params: Type.Object({
        lessonId: Type.Optional(Id), startsAt: Instant, endsAt: Instant, teacherId: Type.Optional(Id), substituteId: Type.Optional(NullableId), roomId: Type.Optional(NullableId), groupId: Type.Optional(NullableId),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        checkTimes(p.startsAt, p.endsAt);
        const l = p.lessonId ? await lessonFor(ctx, p.lessonId, 'read') : null;
        const teacherId = (p.substituteId === undefined ? l?.substituteId : p.substituteId) ?? p.teacherId ?? l?.teacherId;
        if (!teacherId) throw badField('teacherId', 'required', 'is required without lessonId');
        const conflicts = await findConflicts(ctx, {
          teacherId, roomId: p.roomId === undefined ? l?.roomId ?? null : p.roomId, groupId: p.groupId === undefined ? l?.groupId ?? null : p.groupId,
          startsAt: p.startsAt, endsAt: p.endsAt, excludeLessonId: l?.id ?? null,
        });
        return { conflicts, hidden: conflicts.hidden ?? 0, ok: conflicts.length === 0 && !conflicts.hidden };
      },
    }),
    create: defineAction({
      rest: 'POST /',
      permission: ['create', SUBJECT],
      status: 201,
      idempotent: true,
      summary: 'A one-off lesson: individual, trial, make-up, or an extra lesson of a group',
      params: Type.Object({
        kind: LessonKind, subjectId: Type.Optional(Id), teacherId: Type.Optional(Id), branchId: Type.Optional(Id), roomId: Type.Optional(NullableId), groupId: Type.Optional(Id),
        startsAt: Instant, endsAt: Instant, capacity: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })), visitPrice: Type.Optional(Type.Union([PositiveMinor, Type.Null()])),
        topic: Type.Optional(Topic), studentIds: Type.Optional(Type.Array(Id, { maxItems: 100, uniqueItems: true })),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        checkTimes(p.startsAt, p.endsAt);
        let g: { branch_id: string; subject_id: string; teacher_id: string; room_id: string | null } | undefined;
        if (p.kind === 'group') {
          if (!p.groupId) throw badField('groupId', 'required', 'is required for a group lesson');
          [g] = await ctx.sql(`select branch_id, subject_id, teacher_id, room_id from school.study_group where tenant_id = $1::uuid and id = $2::uuid and status = 'active'`, [ctx.tenantId, p.groupId]);
          if (!g) throw new UnprocessableError('No such group (groupId)', 'UNKNOWN_REFERENCE', { field: 'groupId', subject: 'school.Group' });
        } else if (p.groupId) throw badField('groupId', 'GROUP_ONLY_FOR_GROUP_LESSONS', `must be empty for a ${p.kind} lesson: add the student to a lesson of the group instead`);
        const subjectId = p.subjectId ?? g?.subject_id;
        const teacherId = p.teacherId ?? g?.teacher_id;
        const branchId = p.branchId ?? g?.branch_id;
        const roomId = p.roomId === undefined ? g?.room_id ?? null : p.roomId;
        if (!subjectId) throw badField('subjectId', 'required', 'is required');
        if (!teacherId) throw badField('teacherId', 'required', 'is required');
        if (!branchId) throw badField('branchId', 'required', 'is required');
        await requireRef(ctx, 'school.subject', 'school.Subject', subjectId, 'subjectId', 'not archived');
        await requireRef(ctx, 'school.teacher', 'school.Teacher', teacherId, 'teacherId', `status = 'active'`);
        await requireRef(ctx, 'school.branch', 'school.Branch', branchId, 'branchId', 'not archived');
        if (roomId) await requireRef(ctx, 'school.room', 'school.Room', roomId, 'roomId', 'not archived');
        for (const [i, s] of (p.studentIds ?? []).entries()) await requireRef(ctx, 'school.student', 'school.Student', s, `studentIds.${i}`, `status <> 'left'`);
        const capacity = p.kind === 'group' ? null : p.capacity ?? Math.max(1, p.studentIds?.length ?? 1);
        if (capacity !== null && (p.studentIds?.length ?? 0) > capacity) throw badField('studentIds', 'LESSON_FULL', `at most ${capacity} students`, { capacity });
        const id = crypto.randomUUID();
        await bookOrConflict(ctx, { teacherId, roomId, groupId: p.groupId ?? null, startsAt: p.startsAt, endsAt: p.endsAt }, () => ctx.sql(
          `insert into school.lesson (tenant_id, id, kind, group_id, subject_id, branch_id, teacher_id, room_id, starts_at, ends_at, capacity, visit_price, topic)
           values ($1::uuid, $2::uuid, $3::text, $4::uuid, $5::uuid, $6::uuid, $7::uuid, $8::uuid, $9::timestamptz, $10::timestamptz, $11::int, $12::bigint, $13::text)`,
          [ctx.tenantId, id, p.kind, p.groupId ?? null, subjectId, branchId, teacherId, roomId, p.startsAt, p.endsAt, capacity, p.visitPrice ?? null, p.topic ?? null],
        ));
        const kind = p.kind === 'trial' ? 'trial' : 'member';
        for (const s of p.studentIds ?? []) {
          await ctx.sql(`insert into school.lesson_student (tenant_id, lesson_id, student_id, kind, added_by) values ($1::uuid, $2::uuid, $3::uuid, $4::text, $5::uuid)`, [ctx.tenantId, id, s, kind, ctx.user?.id ?? null]);
        }
        await ctx.emit('school.lesson.changed.v1', { change: 'created', lessonId: id, kind: p.kind, startsAt: p.startsAt, endsAt: p.endsAt });
        return lessonFor(ctx, id, 'read');
      },
    }),
    update: defineAction({
      rest: 'PATCH /:id',
      permission: ['update', SUBJECT],
      summary: 'Move one lesson (startsAt/endsAt), change its room, give it a substitute (null: the teacher again), its topic or note',
      params: Type.Object({
        id: Id, version: Type.Optional(Version), startsAt: Type.Optional(Instant), endsAt: Type.Optional(Instant), roomId: Type.Optional(NullableId), substituteId: Type.Optional(NullableId),
        topic: Type.Optional(Topic), note: Type.Optional(Type.Union([Type.String({ maxLength: 5000 }), Type.Null()])),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const before = await lessonFor(ctx, p.id, 'update', true);
        if (p.version !== undefined && p.version !== before.version) throw new ConflictError('The lesson was changed by someone else; reload and try again', 'STALE', { currentVersion: before.version });
        const timeChange = p.startsAt !== undefined || p.endsAt !== undefined || p.roomId !== undefined || p.substituteId !== undefined;
        if (timeChange && before.status !== 'planned') throw new UnprocessableError(`A ${before.status} lesson cannot be moved`, 'LESSON_NOT_PLANNED', { status: before.status });
        const startsAt = p.startsAt ?? before.startsAt;
        const endsAt = p.endsAt ?? (p.startsAt ? new Date(Date.parse(p.startsAt) + (Date.parse(before.endsAt) - Date.parse(before.startsAt))).toISOString() : before.endsAt);
        checkTimes(startsAt, endsAt);
        if (p.substituteId) {
          await requireRef(ctx, 'school.teacher', 'school.Teacher', p.substituteId, 'substituteId', `status = 'active'`);
          if (p.substituteId === before.teacherId) throw badField('substituteId', 'SUBSTITUTE_IS_TEACHER', 'is the lesson\'s own teacher');
        }
        if (p.roomId) await requireRef(ctx, 'school.room', 'school.Room', p.roomId, 'roomId', 'not archived');
        const substituteId = p.substituteId === undefined ? before.substituteId : p.substituteId;
        const moved = p.startsAt !== undefined || p.endsAt !== undefined;
        const set = sqlSet().add('starts_at = ?::timestamptz', moved ? startsAt : undefined).add('ends_at = ?::timestamptz', moved ? endsAt : undefined)
          .add('room_id = ?', p.roomId).add('substitute_id = ?', p.substituteId).add('topic = ?', p.topic).add('note = ?', p.note);
        if (moved) set.always('moved = true');
        if (set.empty) return before;
        set.always('updated_at = now()').always('version = version + 1');
        await bookOrConflict(ctx, { teacherId: substituteId ?? before.teacherId, roomId: p.roomId === undefined ? before.roomId : p.roomId, groupId: before.groupId, startsAt, endsAt, excludeLessonId: p.id },
          () => ctx.sql(...numbered(`update school.lesson set ${set.text()} where tenant_id = ? and id = ?`, [...set.params, ctx.tenantId, p.id])));
        const after = await lessonFor(ctx, p.id, 'read');
        ctx.audit.diff(before, after);
        if (timeChange) {
          await ctx.emit('school.lesson.changed.v1', {
            change: moved ? 'moved' : p.substituteId !== undefined ? 'substitute' : 'room', lessonId: p.id, startsAt, endsAt, previousStartsAt: before.startsAt,
            substituteId: after.substituteId, roomId: after.roomId,
          });
        }
        return after;
      },
    }),
    cancel: defineAction({
      rest: 'POST /:id/cancel',
      permission: ['cancel', SUBJECT],
      summary: 'Cancel one lesson: it takes no time any more; booked make-ups go back to their credits',
      params: Type.Object({ id: Id, reason: Type.Optional(Type.String({ maxLength: 300 })) }, { additionalProperties: false }),
      async handler(ctx) {
        const l = await lessonFor(ctx, ctx.params.id, 'cancel', true);
        if (l.status === 'canceled') return l;
        const [marked] = await ctx.sql('select 1 from school.attendance where tenant_id = $1::uuid and lesson_id = $2::uuid limit 1', [ctx.tenantId, l.id]);
        if (marked) throw new UnprocessableError('Attendance is marked for this lesson: clear the marks before cancelling it', 'LESSON_HAS_ATTENDANCE', { lessonId: l.id });
        const booked = await ctx.sql<{ makeup_credit_id: string }>(`select makeup_credit_id from school.lesson_student where tenant_id = $1::uuid and lesson_id = $2::uuid and makeup_credit_id is not null`, [ctx.tenantId, l.id]);
        for (const b of booked) await unbookCredit(ctx, b.makeup_credit_id);
        await ctx.sql(`update school.lesson set status = 'canceled', cancel_reason = $3::text, updated_at = now(), version = version + 1 where tenant_id = $1::uuid and id = $2::uuid`, [ctx.tenantId, l.id, ctx.params.reason ?? null]);
        await ctx.emit('school.lesson.changed.v1', { change: 'canceled', lessonId: l.id, startsAt: l.startsAt, reason: ctx.params.reason ?? null, makeupsReleased: booked.length });
        return lessonFor(ctx, l.id, 'read');
      },
    }),
    restore: defineAction({
      rest: 'POST /:id/restore',
      permission: ['cancel', SUBJECT],
      summary: 'Undo a cancellation (409 listing conflicts if the time was taken meanwhile)',
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const l = await lessonFor(ctx, ctx.params.id, 'cancel', true);
        if (l.status !== 'canceled') return l;
        await bookOrConflict(ctx, { teacherId: l.teacherEffectiveId, roomId: l.roomId, groupId: l.groupId, startsAt: l.startsAt, endsAt: l.endsAt, excludeLessonId: l.id },
          () => ctx.sql(`update school.lesson set status = 'planned', cancel_reason = null, updated_at = now(), version = version + 1 where tenant_id = $1::uuid and id = $2::uuid`, [ctx.tenantId, l.id]));
        await ctx.emit('school.lesson.changed.v1', { change: 'restored', lessonId: l.id, startsAt: l.startsAt });
        return lessonFor(ctx, l.id, 'read');
      },
    }),
    addStudent: defineAction({
      rest: 'POST /:id/students',
      permission: ['update', SUBJECT],
      status: 201,
      summary: 'Add a student to one lesson: to an individual lesson, as a guest or for a trial (make-ups: POST /passes/credits/:id/book)',
      params: Type.Object({ id: Id, studentId: Id, kind: Type.Optional(Type.Union([Type.Literal('member'), Type.Literal('guest'), Type.Literal('trial')])) }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const l = await lessonFor(ctx, p.id, 'update', true);
        if (l.status === 'canceled') throw new UnprocessableError('The lesson is canceled', 'LESSON_CANCELED', { lessonId: l.id });
        await requireRef(ctx, 'school.student', 'school.Student', p.studentId, 'studentId', `status <> 'left'`);
        const [inGroup] = l.groupId ? await ctx.sql(`select 1 from school.enrolment where tenant_id = $1::uuid and group_id = $2::uuid and student_id = $3::uuid and joined_on <= $4::date and (left_on is null or left_on > $4::date)`,
          [ctx.tenantId, l.groupId, p.studentId, l.date]) : [];
        if (inGroup) throw new ConflictError('The student is in this lesson\'s group already', 'ALREADY_IN_LESSON', { field: 'studentId' });
        await requireSeat(ctx, l.id);
        const kind = p.kind ?? (l.kind === 'trial' ? 'trial' : l.groupId ? 'guest' : 'member');
        const rows = await ctx.sql(`insert into school.lesson_student (tenant_id, lesson_id, student_id, kind, added_by) values ($1::uuid, $2::uuid, $3::uuid, $4::text, $5::uuid) on conflict do nothing returning 1`,
          [ctx.tenantId, l.id, p.studentId, kind, ctx.user?.id ?? null]);
        if (!rows.length) throw new ConflictError('The student is in this lesson already', 'ALREADY_IN_LESSON', { field: 'studentId' });
        await recordActivity(ctx, { studentId: p.studentId }, 'lesson.added', { lessonId: l.id, kind, startsAt: l.startsAt });
        return { lessonId: l.id, studentId: p.studentId, kind };
      },
    }),
    removeStudent: defineAction({
      rest: 'DELETE /:id/students/:studentId',
      permission: ['update', SUBJECT],
      params: Type.Object({ id: Id, studentId: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const l = await lessonFor(ctx, ctx.params.id, 'update', true);
        const [ls] = await ctx.sql<{ makeup_credit_id: string | null }>('select makeup_credit_id from school.lesson_student where tenant_id = $1::uuid and lesson_id = $2::uuid and student_id = $3::uuid', [ctx.tenantId, l.id, ctx.params.studentId]);
        if (!ls) throw new UnprocessableError('The student was not added to this lesson', 'NOT_IN_LESSON', { field: 'studentId' });
        if (ls.makeup_credit_id) {
          await unbookCredit(ctx, ls.makeup_credit_id);
          return { removed: true, creditReleased: ls.makeup_credit_id };
        }
        const [marked] = await ctx.sql('select 1 from school.attendance where tenant_id = $1::uuid and lesson_id = $2::uuid and student_id = $3::uuid', [ctx.tenantId, l.id, ctx.params.studentId]);
        if (marked) throw new UnprocessableError('The student is marked in this lesson: clear the mark first', 'LESSON_HAS_ATTENDANCE', { field: 'studentId' });
        await ctx.sql('delete from school.lesson_student where tenant_id = $1::uuid and lesson_id = $2::uuid and student_id = $3::uuid', [ctx.tenantId, l.id, ctx.params.studentId]);
        return { removed: true };
      },
    }),
  },
});
