import { defineSubscriber, type RequestContext } from '@atrium/sdk';
import type { AttendanceMarkedPayload, PassLowPayload } from '../events.ts';
import { sendNotice } from '../domain/notices.ts';
import { schoolSettings } from '../domain/settings.ts';
import { formatDate, formatTime, lessonsWord, NOTICES } from '../domain/words.ts';

/** What a notice says about a lesson: its name, when, where, and the time zone to say it in. */
export async function lessonInfo(ctx: Pick<RequestContext, 'sql' | 'tenantId' | 'tenant'>, lessonId: string) {
  const [l] = await ctx.sql<{ name: string; starts_at: string; room: string | null; tz: string | null }>(
    `select coalesce(g.name, s.name) as name, to_char(l.starts_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as starts_at, r.name as room, b.time_zone as tz
       from school.lesson l join school.subject s on s.tenant_id = l.tenant_id and s.id = l.subject_id
       join school.branch b on b.tenant_id = l.tenant_id and b.id = l.branch_id
       left join school.study_group g on g.tenant_id = l.tenant_id and g.id = l.group_id
       left join school.room r on r.tenant_id = l.tenant_id and r.id = l.room_id
      where l.tenant_id = $1::uuid and l.id = $2::uuid`, [ctx.tenantId, lessonId]);
  if (!l) return null;
  return { ...l, tz: l.tz ?? ((await ctx.tenant()).timeZone || 'UTC') };
}

async function studentName(ctx: Pick<RequestContext, 'sql' | 'tenantId'>, id: string): Promise<string | null> {
  const [s] = await ctx.sql<{ name: string }>('select name from school.student where tenant_id = $1::uuid and id = $2::uuid', [ctx.tenantId, id]);
  return s?.name ?? null;
}

/** An unexcused miss: the parents hear about it the same day. */
export const absenceNotice = defineSubscriber<AttendanceMarkedPayload>({
  async handler(ctx) {
    const e = ctx.event.payload;
    if (e.status !== 'unexcused' || !(await schoolSettings(ctx)).absenceNotices) return;
    const [lesson, student] = [await lessonInfo(ctx, e.lessonId), await studentName(ctx, e.studentId)];
    if (!lesson || !student) return;
    await sendNotice(ctx, {
      kind: 'absence', key: `absence:${e.lessonId}:${e.studentId}`, studentId: e.studentId, urgent: true,
      text: (loc) => NOTICES[loc].absence({ student, lesson: lesson.name, time: formatTime(lesson.starts_at, loc, lesson.tz) }),
    });
  },
});

/** A pass is running low: the parents are told how many lessons are left and until when. */
export const passLowNotice = defineSubscriber<PassLowPayload>({
  async handler(ctx) {
    const e = ctx.event.payload;
    if ((await schoolSettings(ctx)).passLowLessons <= 0) return;
    const student = await studentName(ctx, e.studentId);
    if (!student) return;
    await sendNotice(ctx, {
      kind: 'pass_low', key: `pass_low:${e.passId}:${e.lessonsLeft}`, studentId: e.studentId,
      text: (loc) => NOTICES[loc].passLow({ student, pass: e.name, left: lessonsWord(loc, e.lessonsLeft), until: formatDate(e.validUntil, loc) }),
    });
  },
});
