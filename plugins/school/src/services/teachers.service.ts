import crypto from 'node:crypto';
import { defineAction, defineService, likePattern, listPage, NotFoundError, Paging, requireMember, sqlSet, sqlWhere, Type, type RequestContext } from '@atrium/sdk';
import { badField, Color, Email, Id, IsoDate, LessonKind, Minor, Name, Note, NullableDate, NullableId, Phone, Version } from '../domain/fields.ts';
import { normalisePhone } from '../domain/phone.ts';
import { patchRecord, requireRef } from '../domain/records.ts';

const Status = Type.Union([Type.Literal('active'), Type.Literal('inactive')]);
const SubjectIds = Type.Array(Id, { maxItems: 50, uniqueItems: true });

export const TEACHER_COLUMNS = `t.id, t.name, t.phone, t.email, t.user_id as "userId", t.status, t.color, t.note, t.version,
  coalesce((select array_agg(ts.subject_id order by ts.subject_id) from school.teacher_subject ts where ts.tenant_id = t.tenant_id and ts.teacher_id = t.id), '{}') as "subjectIds"`;
const RATE_COLUMNS = `id, teacher_id as "teacherId", subject_id as "subjectId", lesson_kind as "lessonKind", per_lesson as "perLesson", per_attendee as "perAttendee",
  revenue_bp as "revenueBp", to_char(valid_from, 'YYYY-MM-DD') as "validFrom", to_char(valid_to, 'YYYY-MM-DD') as "validTo"`;

function phoneOf(v: string | null | undefined, field = 'phone') {
  const n = normalisePhone(v);
  if (n === undefined && v !== undefined) throw badField(field, 'PHONE_INVALID', 'is not a phone number (10–15 digits with the country code)');
  return n;
}

async function setSubjects(ctx: RequestContext, teacherId: string, subjectIds: string[]) {
  for (const [i, s] of subjectIds.entries()) await requireRef(ctx, 'school.subject', 'school.Subject', s, `subjectIds.${i}`);
  await ctx.sql('delete from school.teacher_subject where tenant_id = $1::uuid and teacher_id = $2::uuid and not (subject_id = any($3::uuid[]))', [ctx.tenantId, teacherId, subjectIds]);
  await ctx.sql(
    'insert into school.teacher_subject (tenant_id, teacher_id, subject_id) select $1::uuid, $2::uuid, unnest($3::uuid[]) on conflict do nothing',
    [ctx.tenantId, teacherId, subjectIds],
  );
}

async function loadTeacher(ctx: RequestContext, id: string) {
  const [t] = await ctx.sql(`select ${TEACHER_COLUMNS} from school.teacher t where t.tenant_id = $1::uuid and t.id = $2::uuid`, [ctx.tenantId, id]);
  if (!t) throw new NotFoundError('Teacher not found', { subject: 'school.Teacher', id });
  return t;
}

/**
 * Teachers: contacts, subjects, status, the member who signs in as them (the role `teacher` then
 * sees exactly this teacher's groups and lessons), and pay-rate rules for the payroll report.
 */
export const teachersService = defineService({
  name: 'teachers',
  actions: {
    list: defineAction({
      rest: 'GET /',
      permission: ['read', 'school.Teacher'],
      params: Type.Object({ ...Paging, q: Type.Optional(Type.String({ maxLength: 100 })), status: Type.Optional(Status), subjectId: Type.Optional(Id) }, { additionalProperties: false }),
      handler(ctx) {
        const p = ctx.params;
        const where = sqlWhere().always('t.tenant_id = ?', ctx.tenantId).add('t.status = ?', p.status).add('t.name ilike ?', p.q && likePattern(p.q))
          .add('exists (select 1 from school.teacher_subject ts where ts.tenant_id = t.tenant_id and ts.teacher_id = t.id and ts.subject_id = ?)', p.subjectId);
        return listPage(ctx, { select: TEACHER_COLUMNS, from: 'school.teacher t', where, orderBy: 'lower(t.name), t.id', limit: p.limit ?? 100, offset: p.offset ?? 0 });
      },
    }),
    get: defineAction({
      rest: 'GET /:id',
      permission: ['read', 'school.Teacher'],
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const t = await loadTeacher(ctx, ctx.params.id);
        const rates = ctx.can('read', 'school.PayRate')
          ? await ctx.sql(`select ${RATE_COLUMNS} from school.pay_rate where tenant_id = $1::uuid and teacher_id = $2::uuid order by valid_from desc, id`, [ctx.tenantId, ctx.params.id])
          : null;
        return { ...t, payRates: rates };
      },
    }),
    create: defineAction({
      rest: 'POST /',
      permission: ['create', 'school.Teacher'],
      status: 201,
      idempotent: true,
      params: Type.Object({
        name: Name, phone: Type.Optional(Phone), email: Type.Optional(Email), userId: Type.Optional(NullableId), status: Type.Optional(Status),
        color: Type.Optional(Color), note: Type.Optional(Note), subjectIds: Type.Optional(SubjectIds),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        if (p.userId) await requireMember(ctx, p.userId, 'userId');
        const id = crypto.randomUUID();
        await ctx.sql(
          `insert into school.teacher (tenant_id, id, name, phone, email, user_id, status, color, note) values ($1::uuid, $2::uuid, $3::text, $4::text, $5::text, $6::uuid, $7::text, $8::text, $9::text)`,
          [ctx.tenantId, id, p.name.trim(), phoneOf(p.phone) ?? null, p.email ?? null, p.userId ?? null, p.status ?? 'active', p.color ?? null, p.note ?? null],
        );
        if (p.subjectIds?.length) await setSubjects(ctx, id, p.subjectIds);
        return loadTeacher(ctx, id);
      },
    }),
    update: defineAction({
      rest: 'PATCH /:id',
      permission: ['update', 'school.Teacher'],
      params: Type.Object({
        id: Id, version: Type.Optional(Version), name: Type.Optional(Name), phone: Type.Optional(Phone), email: Type.Optional(Email), userId: Type.Optional(NullableId),
        status: Type.Optional(Status), color: Type.Optional(Color), note: Type.Optional(Note), subjectIds: Type.Optional(SubjectIds),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        if (p.userId) await requireMember(ctx, p.userId, 'userId');
        const set = sqlSet().add('name = ?', p.name?.trim()).add('phone = ?', p.phone === undefined ? undefined : phoneOf(p.phone)).add('email = ?', p.email)
          .add('user_id = ?', p.userId).add('status = ?', p.status).add('color = ?', p.color).add('note = ?', p.note);
        const before = await loadTeacher(ctx, p.id);
        await patchRecord(ctx, { table: 'school.teacher', subject: 'school.Teacher', id: p.id, version: p.version, set, returning: 'id' });
        if (p.subjectIds) await setSubjects(ctx, p.id, p.subjectIds);
        const after = await loadTeacher(ctx, p.id);
        ctx.audit.diff(before, after);
        return after;
      },
    }),
    addPayRate: defineAction({
      rest: 'POST /:id/pay-rates',
      permission: ['manage', 'school.PayRate'],
      status: 201,
      params: Type.Object({
        id: Id, subjectId: Type.Optional(NullableId), lessonKind: Type.Optional(Type.Union([LessonKind, Type.Null()])),
        perLesson: Type.Optional(Minor), perAttendee: Type.Optional(Minor), revenueBp: Type.Optional(Type.Integer({ minimum: 0, maximum: 10000 })),
        validFrom: Type.Optional(IsoDate), validTo: Type.Optional(NullableDate),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        await requireRef(ctx, 'school.teacher', 'school.Teacher', p.id, 'id');
        if (p.subjectId) await requireRef(ctx, 'school.subject', 'school.Subject', p.subjectId, 'subjectId');
        if (!p.perLesson && !p.perAttendee && !p.revenueBp) throw badField('perLesson', 'PAY_RATE_EMPTY', 'give an amount per lesson, per attendee or a share of revenue');
        if (p.validTo && p.validFrom && p.validTo < p.validFrom) throw badField('validTo', 'DATE_BEFORE_START', 'must not be before validFrom', { from: p.validFrom });
        const [row] = await ctx.sql(
          `insert into school.pay_rate (tenant_id, id, teacher_id, subject_id, lesson_kind, per_lesson, per_attendee, revenue_bp, valid_from, valid_to)
           values ($1::uuid, $2::uuid, $3::uuid, $4::uuid, $5::text, $6::bigint, $7::bigint, $8::int, coalesce($9::date, '2000-01-01'), $10::date) returning ${RATE_COLUMNS}`,
          [ctx.tenantId, crypto.randomUUID(), p.id, p.subjectId ?? null, p.lessonKind ?? null, p.perLesson ?? 0, p.perAttendee ?? 0, p.revenueBp ?? 0, p.validFrom ?? null, p.validTo ?? null],
        );
        return row;
      },
    }),
    removePayRate: defineAction({
      rest: 'DELETE /:id/pay-rates/:rateId',
      permission: ['manage', 'school.PayRate'],
      params: Type.Object({ id: Id, rateId: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const rows = await ctx.sql(`delete from school.pay_rate where tenant_id = $1::uuid and teacher_id = $2::uuid and id = $3::uuid returning ${RATE_COLUMNS}`, [ctx.tenantId, ctx.params.id, ctx.params.rateId]);
        if (!rows.length) throw new NotFoundError('Pay rate not found', { subject: 'school.PayRate', id: ctx.params.rateId });
        ctx.audit.diff(rows[0], null);
        return { deleted: true };
      },
    }),
  },
});
