import type { RequestContext } from '@atrium/sdk';
import { badField } from './fields.ts';
import { daysBetween } from './settings.ts';

/**
 * Lessons from the groups' weekly slots over a date range, in one set-based statement (a year
 * for a hundred groups is ~10,000 lessons; bench/school.bench.ts).
 *
 * - Each slot gives one lesson per matching weekday inside the range, the slot's validity and the
 *   group's own dates, at the slot's local time in the group's branch time zone (so a lesson stays
 *   at 16:00 across a daylight-saving change).
 * - Holidays of the centre or of the branch and vacations of the group are skipped.
 * - (slot, date) is unique: what exists already — moved, canceled or held — is left alone, so
 *   generating the same range again creates nothing.
 * - A lesson that would overlap an existing one (its teacher, room or group is busy), or an
 *   earlier lesson of this same run, is not created but reported. The exclusion constraints stay
 *   the last word: if a concurrent change slips in between, the statement is refused and retried.
 */

export const MAX_RANGE_DAYS = 400;

export type GenerationConflict = { groupId: string; slotId: string; date: string; startsAt: string; endsAt: string; teacher: boolean; room: boolean; group: boolean };
export type GenerationResult = { created: number; existing: number; holidays: number; conflicts: GenerationConflict[]; conflictCount: number };

export function checkRange(from: string, to: string): void {
  if (to < from) throw badField('to', 'DATE_BEFORE_START', 'must not be before from', { from });
  if (daysBetween(from, to) > MAX_RANGE_DAYS) throw badField('to', 'RANGE_TOO_LONG', `must be at most ${MAX_RANGE_DAYS} days after from`, { max: MAX_RANGE_DAYS });
}

const GENERATE_SQL = `
with g as (
  select g.id, g.branch_id, g.subject_id, g.teacher_id, g.room_id, g.starts_on, g.ends_on, coalesce(b.time_zone, $5::text) as tz
    from school.study_group g
    join school.branch b on b.tenant_id = g.tenant_id and b.id = g.branch_id
   where g.tenant_id = $1::uuid and g.status = 'active' and ($2::uuid[] is null or g.id = any($2::uuid[]))
),
span as (
  select s.id as slot_id, s.weekday, s.start_time, s.minutes, g.id as group_id, g.branch_id, g.subject_id, g.tz,
         coalesce(s.teacher_id, g.teacher_id) as teacher_id, coalesce(s.room_id, g.room_id) as room_id,
         greatest($3::date, s.valid_from, coalesce(g.starts_on, $3::date)) as lo,
         least($4::date, coalesce(s.valid_to, $4::date), coalesce(g.ends_on, $4::date)) as hi
    from g join school.group_slot s on s.tenant_id = $1::uuid and s.group_id = g.id
),
cand as (
  select sp.slot_id, d::date as slot_date, sp.group_id, sp.branch_id, sp.subject_id, sp.teacher_id, sp.room_id,
         (d::date + sp.start_time) at time zone sp.tz as starts_at,
         ((d::date + sp.start_time) at time zone sp.tz) + make_interval(mins => sp.minutes) as ends_at
    from span sp
    cross join lateral generate_series(sp.lo + ((sp.weekday - extract(isodow from sp.lo)::int + 7) % 7), sp.hi, interval '7 days') d
   where sp.lo <= sp.hi
),
classified as (
  select c.*,
    exists (select 1 from school.lesson l where l.tenant_id = $1::uuid and l.slot_id = c.slot_id and l.slot_date = c.slot_date) as existing,
    exists (select 1 from school.holiday h where h.tenant_id = $1::uuid and c.slot_date between h.starts_on and h.ends_on
             and (h.group_id = c.group_id or (h.group_id is null and (h.branch_id is null or h.branch_id = c.branch_id)))) as holiday
    from cand c
),
fresh as (
  select c.* from classified c where not c.existing and not c.holiday
),
-- busy: an existing lesson overlaps (gist indexes of the exclusion constraints), or an earlier
-- candidate of this run with the same teacher / room / group ends after this one starts
judged as (
  select f.*,
    exists (select 1 from school.lesson l where l.tenant_id = $1::uuid and l.status <> 'canceled' and l.teacher_effective = f.teacher_id
             and l.during && tstzrange(f.starts_at, f.ends_at, '[)'))
      or coalesce(max(f.ends_at) over (partition by f.teacher_id order by f.starts_at, f.slot_id rows between unbounded preceding and 1 preceding) > f.starts_at, false) as teacher_busy,
    f.room_id is not null and (
      exists (select 1 from school.lesson l where l.tenant_id = $1::uuid and l.status <> 'canceled' and l.room_id = f.room_id
               and l.during && tstzrange(f.starts_at, f.ends_at, '[)'))
      or coalesce(max(f.ends_at) over (partition by f.room_id order by f.starts_at, f.slot_id rows between unbounded preceding and 1 preceding) > f.starts_at, false)) as room_busy,
    exists (select 1 from school.lesson l where l.tenant_id = $1::uuid and l.status <> 'canceled' and l.group_id = f.group_id
             and l.during && tstzrange(f.starts_at, f.ends_at, '[)'))
      or coalesce(max(f.ends_at) over (partition by f.group_id order by f.starts_at, f.slot_id rows between unbounded preceding and 1 preceding) > f.starts_at, false) as group_busy
    from fresh f
),
ins as (
  insert into school.lesson (tenant_id, id, kind, group_id, subject_id, branch_id, teacher_id, room_id, starts_at, ends_at, slot_id, slot_date)
  select $1::uuid, gen_random_uuid(), 'group', j.group_id, j.subject_id, j.branch_id, j.teacher_id, j.room_id, j.starts_at, j.ends_at, j.slot_id, j.slot_date
    from judged j where not (j.teacher_busy or j.room_busy or j.group_busy)
  on conflict (tenant_id, slot_id, slot_date) where slot_id is not null do nothing
  returning 1
)
select (select count(*) from ins)::int as created,
       (select count(*) from classified where existing)::int as existing,
       (select count(*) from classified where holiday and not existing)::int as holidays,
       (select count(*) from judged where teacher_busy or room_busy or group_busy)::int as conflict_count,
       coalesce((select json_agg(json_build_object('groupId', x.group_id, 'slotId', x.slot_id, 'date', x.slot_date, 'startsAt', x.starts_at, 'endsAt', x.ends_at,
                                                  'teacher', x.teacher_busy, 'room', x.room_busy, 'group', x.group_busy) order by x.starts_at)
                   from (select * from judged where teacher_busy or room_busy or group_busy order by starts_at limit 200) x), '[]') as conflicts`;

/**
 * Generates the lessons of `groupIds` (all active groups when null) from `from` to `to` inclusive.
 * Runs under a savepoint: if a concurrent change makes the insert overlap after all (the exclusion
 * constraints refuse the whole statement), it is rolled back and run again — a few times at most.
 */
export async function generateLessons(
  ctx: Pick<RequestContext, 'sql' | 'tenantId'>,
  opts: { groupIds: string[] | null; from: string; to: string; tenantZone: string },
): Promise<GenerationResult> {
  checkRange(opts.from, opts.to);
  for (let attempt = 1; ; attempt++) {
    await ctx.sql('savepoint school_generate');
    try {
      const [r] = await ctx.sql<{ created: number; existing: number; holidays: number; conflict_count: number; conflicts: GenerationConflict[] }>(
        GENERATE_SQL, [ctx.tenantId, opts.groupIds, opts.from, opts.to, opts.tenantZone],
      );
      await ctx.sql('release savepoint school_generate');
      return { created: r!.created, existing: r!.existing, holidays: r!.holidays, conflicts: r!.conflicts, conflictCount: r!.conflict_count };
    } catch (e) {
      await ctx.sql('rollback to savepoint school_generate');
      const code = (e as { code?: string }).code ?? (e as { cause?: { code?: string } }).cause?.code;
      if (code !== '23P01' || attempt >= 3) throw e;
    }
  }
}
