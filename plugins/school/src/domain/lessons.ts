import { NotFoundError, UnprocessableError, type RequestContext } from '@atrium/sdk';
import { iso } from './fields.ts';

/** How lessons are read: the calendar, a lesson's page, the attendance sheet. */

/** The lesson columns; `tz` is the SQL of the tenant's time zone (a parameter), for the local `date`. */
export const lessonColumns = (tz: string) => `l.id, l.kind, l.status, ${iso('l.starts_at')} as "startsAt", ${iso('l.ends_at')} as "endsAt", l.group_id as "groupId", g.name as "groupName",
  l.subject_id as "subjectId", s.name as "subjectName", coalesce(g.color, s.color) as color, l.branch_id as "branchId",
  l.teacher_id as "teacherId", l.substitute_id as "substituteId", l.teacher_effective as "teacherEffectiveId", t.name as "teacherName", st.name as "substituteName",
  l.room_id as "roomId", r.name as "roomName", l.moved, l.topic, l.note, l.cancel_reason as "cancelReason", l.capacity, l.visit_price as "visitPrice", l.version,
  to_char(l.slot_date, 'YYYY-MM-DD') as "slotDate", to_char((l.starts_at at time zone coalesce(b.time_zone, ${tz}))::date, 'YYYY-MM-DD') as date`;

export const LESSON_FROM = `school.lesson l
  join school.subject s on s.tenant_id = l.tenant_id and s.id = l.subject_id
  join school.teacher t on t.tenant_id = l.tenant_id and t.id = l.teacher_id
  join school.branch b on b.tenant_id = l.tenant_id and b.id = l.branch_id
  left join school.teacher st on st.tenant_id = l.tenant_id and st.id = l.substitute_id
  left join school.study_group g on g.tenant_id = l.tenant_id and g.id = l.group_id
  left join school.room r on r.tenant_id = l.tenant_id and r.id = l.room_id`;

export type LessonView = {
  id: string; kind: string; status: string; startsAt: string; endsAt: string; groupId: string | null; groupName: string | null; subjectId: string; branchId: string;
  teacherId: string; substituteId: string | null; teacherEffectiveId: string; roomId: string | null; capacity: number | null; version: number; moved: boolean; date: string;
  [k: string]: unknown;
};

/** One lesson the caller's rules for `action` reach, or 404. */
export async function lessonFor(ctx: Pick<RequestContext, 'sql' | 'tenantId' | 'rulesSql' | 'tenant'>, id: string, action: string, lock = false): Promise<LessonView> {
  const rule = ctx.rulesSql(action, 'school.Lesson', { alias: 'l', firstParam: 4 });
  const [l] = await ctx.sql<LessonView>(
    `select ${lessonColumns('$3::text')} from ${LESSON_FROM} where l.tenant_id = $1::uuid and l.id = $2::uuid and ${rule.sql}${lock ? ' for update of l' : ''}`,
    [ctx.tenantId, id, (await ctx.tenant()).timeZone || 'UTC', ...rule.params],
  );
  if (!l) throw new NotFoundError('Lesson not found', { subject: 'school.Lesson', id });
  return l;
}

/** How many students fit in a lesson: its own capacity, its group's, else its room's. */
export async function seatsOf(ctx: Pick<RequestContext, 'sql' | 'tenantId'>, lesson: { id: string; group_id?: string | null; groupId?: string | null }): Promise<{ capacity: number; taken: number }> {
  const [r] = await ctx.sql<{ capacity: number | null; taken: number }>(
    `select coalesce(l.capacity, g.capacity, rm.capacity, 1) as capacity,
            (case when l.group_id is null then 0 else (select count(*) from school.enrolment e where e.tenant_id = l.tenant_id and e.group_id = l.group_id
               and e.joined_on <= l.starts_at::date and (e.left_on is null or e.left_on > l.starts_at::date)) end
             + (select count(*) from school.lesson_student ls where ls.tenant_id = l.tenant_id and ls.lesson_id = l.id))::int as taken
       from school.lesson l
       left join school.study_group g on g.tenant_id = l.tenant_id and g.id = l.group_id
       left join school.room rm on rm.tenant_id = l.tenant_id and rm.id = l.room_id
      where l.tenant_id = $1::uuid and l.id = $2::uuid`,
    [ctx.tenantId, lesson.id],
  );
  return { capacity: Number(r?.capacity ?? 1), taken: Number(r?.taken ?? 0) };
}

/** 409-free seat check before adding someone to a lesson: 422 LESSON_FULL naming the capacity. */
export async function requireSeat(ctx: Pick<RequestContext, 'sql' | 'tenantId'>, lessonId: string): Promise<void> {
  const { capacity, taken } = await seatsOf(ctx, { id: lessonId });
  if (taken >= capacity) throw new UnprocessableError(`The lesson is full (${capacity})`, 'LESSON_FULL', { field: 'lessonId', capacity });
}
