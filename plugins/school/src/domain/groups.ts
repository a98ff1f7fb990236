import { UnprocessableError, type RequestContext } from '@atrium/sdk';
import { conflictError, findConflicts, type Conflict } from './conflicts.ts';

/**
 * What changes to a group do to its lessons. A new teacher, room or subject applies to the group's
 * planned lessons from a date on (held and canceled ones keep their history; a lesson moved by hand
 * or given a substitute keeps what was decided for it). Ending a slot or archiving the group removes
 * its future lessons that nobody touched — no attendance, no move, no extra student.
 */

export const SLOT_COLUMNS = `sl.id, sl.weekday, to_char(sl.start_time, 'HH24:MI') as "startTime", sl.minutes, sl.room_id as "roomId", sl.teacher_id as "teacherId",
  to_char(sl.valid_from, 'YYYY-MM-DD') as "validFrom", to_char(sl.valid_to, 'YYYY-MM-DD') as "validTo"`;

type Ctx = Pick<RequestContext, 'sql' | 'tenantId' | 'rulesSql'>;

/** A group may not be larger than its room. */
export async function checkRoomFits(ctx: Ctx, roomId: string | null, capacity: number): Promise<void> {
  if (!roomId) return;
  const [r] = await ctx.sql<{ capacity: number; name: string }>('select capacity, name from school.room where tenant_id = $1::uuid and id = $2::uuid', [ctx.tenantId, roomId]);
  if (r && capacity > r.capacity) {
    throw new UnprocessableError(`The room "${r.name}" seats ${r.capacity}`, 'ROOM_TOO_SMALL', { field: 'capacity', room: r.name, roomCapacity: r.capacity, capacity });
  }
}

// $3: the first day, $4: the group's time zone (where that day starts)
const FUTURE_PLANNED = `l.tenant_id = $1::uuid and l.group_id = $2::uuid and l.status = 'planned' and not l.moved and l.starts_at >= ($3::date::timestamp at time zone $4::text)`;

/**
 * Applies a group's new teacher / room / subject to its planned lessons from `from`. Every lesson
 * that would then overlap another is listed in one 409, and nothing changes; the exclusion
 * constraints guard what happens between the check and the update.
 */
export async function applyGroupChange(ctx: Ctx, groupId: string, from: string, timeZone: string, change: { teacherId?: string; roomId?: string | null; subjectId?: string }): Promise<number> {
  if (!change.teacherId && change.roomId === undefined && !change.subjectId) return 0;
  const lessons = await ctx.sql<{ id: string; starts_at: string; ends_at: string; teacher_effective: string; room_id: string | null; substitute_id: string | null }>(
    `select l.id, l.starts_at, l.ends_at, l.teacher_effective, l.room_id, l.substitute_id from school.lesson l where ${FUTURE_PLANNED} order by l.starts_at limit 2000`,
    [ctx.tenantId, groupId, from, timeZone],
  );
  const conflicts: Conflict[] = [];
  for (const l of lessons) {
    const teacherId = change.teacherId && !l.substitute_id ? change.teacherId : l.teacher_effective;
    const roomId = change.roomId === undefined ? l.room_id : change.roomId;
    if (teacherId === l.teacher_effective && roomId === l.room_id) continue;
    const found = await findConflicts(ctx, { teacherId, roomId, groupId, startsAt: l.starts_at, endsAt: l.ends_at, excludeLessonId: l.id });
    conflicts.push(...found.filter((c) => c.kind !== 'group'));
    if (conflicts.length >= 200) break;
  }
  if (conflicts.length) throw conflictError(conflicts);
  await ctx.sql('savepoint school_group_change');
  try {
    const rows = await ctx.sql(
      `update school.lesson l set teacher_id = case when $5::uuid is not null and l.substitute_id is null then $5::uuid else l.teacher_id end,
              room_id = case when $6::bool then $7::uuid else l.room_id end, subject_id = coalesce($8::uuid, l.subject_id), updated_at = now(), version = l.version + 1
        where ${FUTURE_PLANNED} returning l.id`,
      [ctx.tenantId, groupId, from, timeZone, change.teacherId ?? null, change.roomId !== undefined, change.roomId ?? null, change.subjectId ?? null],
    );
    await ctx.sql('release savepoint school_group_change');
    return rows.length;
  } catch (e) {
    await ctx.sql('rollback to savepoint school_group_change');
    if ((e as { code?: string }).code === '23P01') throw conflictError([]);
    throw e;
  }
}

/**
 * Removes generated, planned lessons from `from` (to `to`) of a slot, a group, a branch or the whole
 * centre that nobody touched. Answers how many.
 */
export async function dropUntouchedLessons(ctx: Ctx, scope: { slotId?: string; groupId?: string; branchId?: string; from: string; to?: string }): Promise<number> {
  const rows = await ctx.sql(
    `delete from school.lesson l
      where l.tenant_id = $1::uuid and ($2::uuid is null or l.slot_id = $2::uuid) and ($3::uuid is null or l.group_id = $3::uuid) and ($5::uuid is null or l.branch_id = $5::uuid)
        and l.status = 'planned' and not l.moved and l.slot_date >= $4::date and ($6::date is null or l.slot_date <= $6::date)
        and not exists (select 1 from school.attendance a where a.tenant_id = l.tenant_id and a.lesson_id = l.id)
        and not exists (select 1 from school.lesson_student ls where ls.tenant_id = l.tenant_id and ls.lesson_id = l.id)
        and not exists (select 1 from school.makeup_credit c where c.tenant_id = l.tenant_id and (c.source_lesson_id = l.id or c.booked_lesson_id = l.id))
        and not exists (select 1 from school.lead ld where ld.tenant_id = l.tenant_id and ld.trial_lesson_id = l.id)
      returning l.id`,
    [ctx.tenantId, scope.slotId ?? null, scope.groupId ?? null, scope.from, scope.branchId ?? null, scope.to ?? null],
  );
  return rows.length;
}
