import crypto from 'node:crypto';
import { ConflictError, defineAction, defineService, likePattern, listPage, NotFoundError, Paging, sqlSet, sqlWhere, Type, UnprocessableError, type ActionContext, type Static } from '@atrium/sdk';
import { recordActivity } from '../domain/activity.ts';
import { badField, Color, Id, IsoDate, Note, NullableDate, NullableId, PositiveMinor, ShortName, TimeOfDay, Version } from '../domain/fields.ts';
import { generateLessons } from '../domain/lesson-generation.ts';
import { patchRecord, requireRef } from '../domain/records.ts';
import { todayIn, zoneOf } from '../domain/settings.ts';
import { enrolStudent } from '../domain/enrolment.ts';
import { applyGroupChange, checkRoomFits, dropUntouchedLessons, SLOT_COLUMNS } from '../domain/groups.ts';

const SUBJECT = 'school.Group';
const Status = Type.Union([Type.Literal('active'), Type.Literal('archived')]);
const Capacity = Type.Integer({ minimum: 1, maximum: 500 });
const SlotInput = Type.Object({
  weekday: Type.Integer({ minimum: 1, maximum: 7 }),
  startTime: TimeOfDay,
  minutes: Type.Integer({ minimum: 10, maximum: 600 }),
  roomId: Type.Optional(NullableId),
  teacherId: Type.Optional(NullableId),
  validFrom: Type.Optional(IsoDate),
  validTo: Type.Optional(NullableDate),
}, { additionalProperties: false });

export const GROUP_COLUMNS = `g.id, g.name, g.branch_id as "branchId", g.subject_id as "subjectId", g.teacher_id as "teacherId", g.room_id as "roomId", g.capacity,
  g.enrolled_count as "enrolled", g.status, to_char(g.starts_on, 'YYYY-MM-DD') as "startsOn", to_char(g.ends_on, 'YYYY-MM-DD') as "endsOn", g.visit_price as "visitPrice",
  g.color, g.note, g.version, t.name as "teacherName", s.name as "subjectName", r.name as "roomName"`;
const GROUP_FROM = `school.study_group g
  join school.teacher t on t.tenant_id = g.tenant_id and t.id = g.teacher_id
  join school.subject s on s.tenant_id = g.tenant_id and s.id = g.subject_id
  left join school.room r on r.tenant_id = g.tenant_id and r.id = g.room_id`;

async function groupFor(ctx: ActionContext<any>, id: string, action: string) {
  const rule = ctx.rulesSql(action, SUBJECT, { alias: 'g', firstParam: 3 });
  const [g] = await ctx.sql(`select ${GROUP_COLUMNS} from ${GROUP_FROM} where g.tenant_id = $1::uuid and g.id = $2::uuid and ${rule.sql}`, [ctx.tenantId, id, ...rule.params]);
  if (!g) throw new NotFoundError('Group not found', { subject: SUBJECT, id });
  return g;
}

async function checkRefs(ctx: ActionContext<any>, p: { branchId?: string; subjectId?: string; teacherId?: string; roomId?: string | null }) {
  if (p.branchId) await requireRef(ctx, 'school.branch', 'school.Branch', p.branchId, 'branchId', 'not archived');
  if (p.subjectId) await requireRef(ctx, 'school.subject', 'school.Subject', p.subjectId, 'subjectId', 'not archived');
  if (p.teacherId) await requireRef(ctx, 'school.teacher', 'school.Teacher', p.teacherId, 'teacherId', `status = 'active'`);
  if (p.roomId) await requireRef(ctx, 'school.room', 'school.Room', p.roomId, 'roomId', 'not archived');
}

async function insertSlot(ctx: ActionContext<any>, groupId: string, s: Static<typeof SlotInput>, field: string, defaultFrom: string) {
  if (s.roomId) await requireRef(ctx, 'school.room', 'school.Room', s.roomId, `${field}.roomId`, 'not archived');
  if (s.teacherId) await requireRef(ctx, 'school.teacher', 'school.Teacher', s.teacherId, `${field}.teacherId`, `status = 'active'`);
  if (s.validTo && s.validTo < (s.validFrom ?? defaultFrom)) throw badField(`${field}.validTo`, 'DATE_BEFORE_START', 'must not be before validFrom');
  const [row] = await ctx.sql(
    `insert into school.group_slot as sl (tenant_id, id, group_id, weekday, start_time, minutes, room_id, teacher_id, valid_from, valid_to)
     values ($1::uuid, $2::uuid, $3::uuid, $4::int, $5::time, $6::int, $7::uuid, $8::uuid, $9::date, $10::date) returning ${SLOT_COLUMNS}`,
    [ctx.tenantId, crypto.randomUUID(), groupId, s.weekday, s.startTime, s.minutes, s.roomId ?? null, s.teacherId ?? null, s.validFrom ?? defaultFrom, s.validTo ?? null],
  );
  return row;
}

/**
 * Groups: capacity, teacher, room, a weekly schedule of slots, members (enrolments, never more than
 * the capacity — a guarded counter, so two managers adding the last seat at once get one yes and
 * one 409), and lesson generation over a range. Teachers (role `teacher`) see only their groups.
 */
export const groupsService = defineService({
  name: 'groups',
  actions: {
    list: defineAction({
      rest: 'GET /',
      permission: ['read', SUBJECT],
      params: Type.Object({
        ...Paging, q: Type.Optional(Type.String({ maxLength: 100 })), status: Type.Optional(Status), branchId: Type.Optional(Id), subjectId: Type.Optional(Id), teacherId: Type.Optional(Id),
      }, { additionalProperties: false }),
      handler(ctx) {
        const p = ctx.params;
        const rule = ctx.rulesSql('read', SUBJECT, { alias: 'g' });
        const where = sqlWhere().always('g.tenant_id = ?', ctx.tenantId).always(rule.sql, ...rule.params).add('g.status = ?', p.status ?? 'active')
          .add('g.branch_id = ?', p.branchId).add('g.subject_id = ?', p.subjectId).add('g.teacher_id = ?', p.teacherId).add('g.name ilike ?', p.q && likePattern(p.q));
        return listPage(ctx, { select: GROUP_COLUMNS, from: GROUP_FROM, where, orderBy: 'lower(g.name), g.id', limit: p.limit ?? 50, offset: p.offset ?? 0 });
      },
    }),
    get: defineAction({
      rest: 'GET /:id',
      permission: ['read', SUBJECT],
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const g = await groupFor(ctx, ctx.params.id, 'read');
        const slots = await ctx.sql(`select ${SLOT_COLUMNS} from school.group_slot sl where sl.tenant_id = $1::uuid and sl.group_id = $2::uuid order by sl.valid_to nulls first, sl.weekday, sl.start_time`, [ctx.tenantId, ctx.params.id]);
        return { ...g, slots };
      },
    }),
    create: defineAction({
      rest: 'POST /',
      permission: ['create', SUBJECT],
      status: 201,
      idempotent: true,
      params: Type.Object({
        name: ShortName, branchId: Id, subjectId: Id, teacherId: Id, roomId: Type.Optional(NullableId), capacity: Capacity,
        startsOn: Type.Optional(NullableDate), endsOn: Type.Optional(NullableDate), visitPrice: Type.Optional(Type.Union([PositiveMinor, Type.Null()])),
        color: Type.Optional(Color), note: Type.Optional(Note), slots: Type.Optional(Type.Array(SlotInput, { maxItems: 14 })),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        await checkRefs(ctx, p);
        if (p.endsOn && p.startsOn && p.endsOn < p.startsOn) throw badField('endsOn', 'DATE_BEFORE_START', 'must not be before startsOn');
        await checkRoomFits(ctx, p.roomId ?? null, p.capacity);
        const id = crypto.randomUUID();
        await ctx.sql(
          `insert into school.study_group (tenant_id, id, name, branch_id, subject_id, teacher_id, room_id, capacity, starts_on, ends_on, visit_price, color, note)
           values ($1::uuid, $2::uuid, $3::text, $4::uuid, $5::uuid, $6::uuid, $7::uuid, $8::int, $9::date, $10::date, $11::bigint, $12::text, $13::text)`,
          [ctx.tenantId, id, p.name.trim(), p.branchId, p.subjectId, p.teacherId, p.roomId ?? null, p.capacity, p.startsOn ?? null, p.endsOn ?? null, p.visitPrice ?? null, p.color ?? null, p.note ?? null],
        );
        const from = p.startsOn ?? todayIn(await zoneOf(ctx, p.branchId));
        for (const [i, s] of (p.slots ?? []).entries()) await insertSlot(ctx, id, s, `slots.${i}`, from);
        return { ...(await groupFor(ctx, id, 'read')), slots: await ctx.sql(`select ${SLOT_COLUMNS} from school.group_slot sl where sl.tenant_id = $1::uuid and sl.group_id = $2::uuid order by sl.weekday, sl.start_time`, [ctx.tenantId, id]) };
      },
    }),
    update: defineAction({
      rest: 'PATCH /:id',
      permission: ['update', SUBJECT],
      summary: 'Change a group; a new teacher or room also applies to its planned lessons from `applyFrom` (default today) — 409 listing conflicts if they are busy',
      params: Type.Object({
        id: Id, version: Type.Optional(Version), name: Type.Optional(ShortName), subjectId: Type.Optional(Id), teacherId: Type.Optional(Id), roomId: Type.Optional(NullableId),
        capacity: Type.Optional(Capacity), status: Type.Optional(Status), startsOn: Type.Optional(NullableDate), endsOn: Type.Optional(NullableDate),
        visitPrice: Type.Optional(Type.Union([PositiveMinor, Type.Null()])), color: Type.Optional(Color), note: Type.Optional(Note), applyFrom: Type.Optional(IsoDate),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const before = await groupFor(ctx, p.id, 'update');
        await checkRefs(ctx, { subjectId: p.subjectId, teacherId: p.teacherId, roomId: p.roomId });
        const capacity = p.capacity ?? before.capacity;
        if (capacity < before.enrolled) throw new UnprocessableError(`The group has ${before.enrolled} students`, 'CAPACITY_BELOW_MEMBERS', { field: 'capacity', enrolled: before.enrolled });
        if (p.capacity !== undefined || p.roomId !== undefined) await checkRoomFits(ctx, p.roomId === undefined ? before.roomId : p.roomId, capacity);
        const set = sqlSet().add('name = ?', p.name?.trim()).add('subject_id = ?', p.subjectId).add('teacher_id = ?', p.teacherId).add('room_id = ?', p.roomId).add('capacity = ?', p.capacity)
          .add('status = ?', p.status).add('starts_on = ?', p.startsOn).add('ends_on = ?', p.endsOn).add('visit_price = ?', p.visitPrice).add('color = ?', p.color).add('note = ?', p.note);
        await patchRecord(ctx, { table: 'school.study_group g', subject: SUBJECT, id: p.id, version: p.version, set, returning: 'g.id', rule: ctx.rulesSql('update', SUBJECT, { alias: 'g' }) });
        const zone = await zoneOf(ctx, before.branchId);
        const from = p.applyFrom ?? todayIn(zone);
        const moved = await applyGroupChange(ctx, p.id, from, zone, {
          teacherId: p.teacherId !== undefined && p.teacherId !== before.teacherId ? p.teacherId : undefined,
          roomId: p.roomId !== undefined && p.roomId !== before.roomId ? p.roomId : undefined,
          subjectId: p.subjectId !== undefined && p.subjectId !== before.subjectId ? p.subjectId : undefined,
        });
        if (p.status === 'archived' && before.status !== 'archived') await dropUntouchedLessons(ctx, { groupId: p.id, from });
        const after = await groupFor(ctx, p.id, 'read');
        ctx.audit.diff(before, after);
        return { ...after, lessonsChanged: moved };
      },
    }),
    addSlot: defineAction({
      rest: 'POST /:id/slots',
      permission: ['update', SUBJECT],
      status: 201,
      params: Type.Object({ id: Id, ...SlotInput.properties }, { additionalProperties: false }),
      async handler(ctx) {
        const { id, ...slot } = ctx.params;
        const g = await groupFor(ctx, id, 'update');
        return insertSlot(ctx, id, slot, 'slot', slot.validFrom ?? g.startsOn ?? todayIn(await zoneOf(ctx, g.branchId)));
      },
    }),
    endSlot: defineAction({
      rest: 'POST /:id/slots/:slotId/end',
      permission: ['update', SUBJECT],
      summary: 'End a weekly slot: its last day is the day before `from`; its planned lessons from then on that nobody touched are removed',
      params: Type.Object({ id: Id, slotId: Id, from: IsoDate }, { additionalProperties: false }),
      async handler(ctx) {
        await groupFor(ctx, ctx.params.id, 'update');
        const [slot] = await ctx.sql<{ valid_from: string }>(`select to_char(valid_from, 'YYYY-MM-DD') as valid_from from school.group_slot where tenant_id = $1::uuid and id = $2::uuid and group_id = $3::uuid`,
          [ctx.tenantId, ctx.params.slotId, ctx.params.id]);
        if (!slot) throw new NotFoundError('Slot not found', { subject: SUBJECT, id: ctx.params.slotId });
        if (ctx.params.from <= slot.valid_from) await ctx.sql('update school.group_slot set valid_to = valid_from where tenant_id = $1::uuid and id = $2::uuid', [ctx.tenantId, ctx.params.slotId]);
        const removed = await dropUntouchedLessons(ctx, { slotId: ctx.params.slotId, from: ctx.params.from });
        if (ctx.params.from <= slot.valid_from) await ctx.sql('delete from school.group_slot s where tenant_id = $1::uuid and id = $2::uuid and not exists (select 1 from school.lesson l where l.tenant_id = s.tenant_id and l.slot_id = s.id)', [ctx.tenantId, ctx.params.slotId]);
        else await ctx.sql(`update school.group_slot set valid_to = $3::date - 1 where tenant_id = $1::uuid and id = $2::uuid`, [ctx.tenantId, ctx.params.slotId, ctx.params.from]);
        return { ended: true, lessonsRemoved: removed };
      },
    }),
    members: defineAction({
      rest: 'GET /:id/members',
      permission: ['read', SUBJECT],
      params: Type.Object({ id: Id, ...Paging, all: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
      async handler(ctx) {
        await groupFor(ctx, ctx.params.id, 'read');
        const where = sqlWhere().always('e.tenant_id = ?', ctx.tenantId).always('e.group_id = ?', ctx.params.id);
        if (!ctx.params.all) where.always(`e.status = 'active'`);
        return listPage(ctx, {
          select: `e.id as "enrolmentId", s.id, s.name, s.phone, s.status as "studentStatus", e.status, to_char(e.joined_on, 'YYYY-MM-DD') as "joinedOn", to_char(e.left_on, 'YYYY-MM-DD') as "leftOn",
                   (select coalesce(sum(p.lessons_total - p.lessons_used), 0)::int from school.pass p where p.tenant_id = s.tenant_id and p.student_id = s.id and p.status = 'active') as "lessonsLeft"`,
          from: 'school.enrolment e join school.student s on s.tenant_id = e.tenant_id and s.id = e.student_id', where, orderBy: 'e.status, lower(s.name), s.id',
          limit: ctx.params.limit ?? 100, offset: ctx.params.offset ?? 0,
        });
      },
    }),
    enrol: defineAction({
      rest: 'POST /:id/members',
      permission: ['enrol', SUBJECT],
      status: 201,
      params: Type.Object({ id: Id, studentId: Id, joinedOn: Type.Optional(IsoDate) }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const g = await groupFor(ctx, p.id, 'enrol');
        const joinedOn = p.joinedOn ?? todayIn(await zoneOf(ctx, g.branchId));
        const r = await enrolStudent(ctx, { groupId: p.id, studentId: p.studentId, joinedOn });
        return { ...r, groupId: p.id, studentId: p.studentId, joinedOn };
      },
    }),
    leave: defineAction({
      rest: 'POST /:id/members/:studentId/leave',
      permission: ['enrol', SUBJECT],
      params: Type.Object({ id: Id, studentId: Id, leftOn: Type.Optional(IsoDate) }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const g = await groupFor(ctx, p.id, 'enrol');
        const leftOn = p.leftOn ?? todayIn(await zoneOf(ctx, g.branchId));
        const rows = await ctx.sql<{ joined_on: string }>(
          `update school.enrolment set status = 'left', left_on = greatest($4::date, joined_on) where tenant_id = $1::uuid and group_id = $2::uuid and student_id = $3::uuid and status = 'active'
           returning to_char(joined_on, 'YYYY-MM-DD') as joined_on`,
          [ctx.tenantId, p.id, p.studentId, leftOn],
        );
        if (!rows.length) throw new NotFoundError('The student is not in this group', { subject: SUBJECT, id: p.studentId });
        await ctx.sql('update school.study_group set enrolled_count = enrolled_count - 1, updated_at = now() where tenant_id = $1::uuid and id = $2::uuid', [ctx.tenantId, p.id]);
        await recordActivity(ctx, { studentId: p.studentId }, 'group.left', { groupId: p.id, groupName: g.name, leftOn });
        return { groupId: p.id, studentId: p.studentId, leftOn };
      },
    }),
    generate: defineAction({
      rest: 'POST /:id/generate',
      permission: ['create', 'school.Lesson'],
      summary: 'Generate the group\'s lessons from its weekly slots over [from, to]; again: nothing twice',
      params: Type.Object({ id: Id, from: IsoDate, to: IsoDate }, { additionalProperties: false }),
      async handler(ctx) {
        await groupFor(ctx, ctx.params.id, 'read');
        const r = await generateLessons(ctx, { groupIds: [ctx.params.id], from: ctx.params.from, to: ctx.params.to, tenantZone: (await ctx.tenant()).timeZone || 'UTC' });
        if (r.created) await ctx.emit('school.lesson.changed.v1', { change: 'generated', groupIds: [ctx.params.id], from: ctx.params.from, to: ctx.params.to, count: r.created });
        return r;
      },
    }),
    generateAll: defineAction({
      rest: 'POST /generate',
      permission: ['create', 'school.Lesson'],
      summary: 'Generate the lessons of several groups (all active ones when groupIds is left out) over [from, to]',
      params: Type.Object({ from: IsoDate, to: IsoDate, groupIds: Type.Optional(Type.Array(Id, { minItems: 1, maxItems: 1000, uniqueItems: true })) }, { additionalProperties: false }),
      async handler(ctx) {
        const r = await generateLessons(ctx, { groupIds: ctx.params.groupIds ?? null, from: ctx.params.from, to: ctx.params.to, tenantZone: (await ctx.tenant()).timeZone || 'UTC' });
        if (r.created) await ctx.emit('school.lesson.changed.v1', { change: 'generated', groupIds: ctx.params.groupIds ?? null, from: ctx.params.from, to: ctx.params.to, count: r.created });
        return r;
      },
    }),
  },
});
