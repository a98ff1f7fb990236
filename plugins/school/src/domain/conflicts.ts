import { ConflictError, type RequestContext } from '@atrium/sdk';
import { iso as isoSql } from './fields.ts';

/**
 * Schedule conflicts. The database refuses overlapping lessons (exclusion constraints
 * `lesson_teacher_busy`, `lesson_room_busy`, `lesson_group_busy`, migration 0002); this module turns
 * such a refusal into a 409 that lists every lesson in the way — for the teacher, the room and the
 * group — and answers the same list before a change is saved (the calendar's drag preview).
 */

export type ConflictKind = 'teacher' | 'room' | 'group';

export type Conflict = {
  kind: ConflictKind;
  lessonId: string;
  startsAt: string;
  endsAt: string;
  groupId: string | null;
  groupName: string | null;
  teacherId: string;
  teacherName: string;
  roomId: string | null;
  roomName: string | null;
};

/** What a lesson would occupy: its (effective) teacher, room and group over [startsAt, endsAt). */
export type Booking = {
  teacherId: string;
  roomId: string | null;
  groupId: string | null;
  startsAt: string | Date;
  endsAt: string | Date;
  /** The lesson being moved: it does not conflict with itself. */
  excludeLessonId?: string | null;
};

type Row = {
  id: string; starts_at: string; ends_at: string; group_id: string | null; group_name: string | null; teacher_effective: string; teacher_name: string;
  room_id: string | null; room_name: string | null; teacher_clash: boolean; room_clash: boolean; group_clash: boolean;
};

const iso = (v: string | Date) => (v instanceof Date ? v.toISOString() : v);

type Ctx = Pick<RequestContext, 'sql' | 'tenantId' | 'rulesSql'>;

/**
 * Every planned or held lesson that overlaps the booking on its teacher, room or group (one entry
 * per clash). A lesson the caller may not read is not described: it only counts, in `hidden`.
 */
export async function findConflicts(ctx: Ctx, b: Booking): Promise<Conflict[] & { hidden?: number }> {
  const rule = ctx.rulesSql('read', 'school.Lesson', { alias: 'l', firstParam: 8 });
  const rows = await ctx.sql<Row & { visible: boolean }>(
    `select l.id, ${isoSql('l.starts_at')} as starts_at, ${isoSql('l.ends_at')} as ends_at, l.group_id, g.name as group_name, l.teacher_effective, t.name as teacher_name, l.room_id, r.name as room_name,
            l.teacher_effective = $2::uuid as teacher_clash, coalesce(l.room_id = $3::uuid, false) as room_clash, coalesce(l.group_id = $4::uuid, false) as group_clash,
            coalesce(${rule.sql}, false) as visible
       from school.lesson l
       join school.teacher t on t.tenant_id = l.tenant_id and t.id = l.teacher_effective
       left join school.study_group g on g.tenant_id = l.tenant_id and g.id = l.group_id
       left join school.room r on r.tenant_id = l.tenant_id and r.id = l.room_id
      where l.tenant_id = $1::uuid and l.status <> 'canceled'
        and l.during && tstzrange($5::timestamptz, $6::timestamptz, '[)')
        and (l.teacher_effective = $2::uuid or l.room_id = $3::uuid or l.group_id = $4::uuid)
        and ($7::uuid is null or l.id <> $7::uuid)
      order by l.starts_at, l.id`,
    [ctx.tenantId, b.teacherId, b.roomId, b.groupId, iso(b.startsAt), iso(b.endsAt), b.excludeLessonId ?? null, ...rule.params],
  );
  const out: Conflict[] & { hidden?: number } = [];
  out.hidden = rows.filter((r) => !r.visible).length;
  for (const r of rows.filter((x) => x.visible)) {
    const base = {
      lessonId: r.id, startsAt: r.starts_at, endsAt: r.ends_at, groupId: r.group_id, groupName: r.group_name,
      teacherId: r.teacher_effective, teacherName: r.teacher_name, roomId: r.room_id, roomName: r.room_name,
    };
    if (r.teacher_clash) out.push({ kind: 'teacher', ...base });
    if (r.room_clash) out.push({ kind: 'room', ...base });
    if (r.group_clash) out.push({ kind: 'group', ...base });
  }
  return out;
}

export function conflictError(conflicts: Conflict[] & { hidden?: number }): ConflictError {
  const kinds = [...new Set(conflicts.map((c) => c.kind))];
  const count = conflicts.length + (conflicts.hidden ?? 0);
  return new ConflictError(
    `The lesson overlaps ${count} other lesson(s) (${kinds.join(', ') || 'a change made at the same time: try again'})`,
    'SCHEDULE_CONFLICT',
    { conflicts, kinds, count, hidden: conflicts.hidden ?? 0 },
  );
}

const isExclusionViolation = (e: unknown) => {
  const err = e as { code?: string; cause?: { code?: string } };
  return (err.code ?? err.cause?.code) === '23P01';
};

/**
 * Runs `write` (an INSERT or UPDATE of one lesson) under a savepoint. If the database refuses it as
 * overlapping another lesson, the savepoint is rolled back (the request's transaction stays usable)
 * and a 409 lists every conflict of `booking` — read after the refusal, when whatever caused it has
 * committed, so two people booking the same room at once see each other's lesson.
 */
export async function bookOrConflict<T>(ctx: Ctx, booking: Booking, write: () => Promise<T>): Promise<T> {
  await ctx.sql('savepoint school_booking');
  try {
    const out = await write();
    await ctx.sql('release savepoint school_booking');
    return out;
  } catch (e) {
    await ctx.sql('rollback to savepoint school_booking');
    if (!isExclusionViolation(e)) throw e;
    throw conflictError(await findConflicts(ctx, booking));
  }
}
