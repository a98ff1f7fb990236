import { defineJob } from '@atrium/sdk';
import { rosterOf } from '../domain/attendance.ts';
import { sendNotice } from '../domain/notices.ts';
import { schoolSettings } from '../domain/settings.ts';
import { formatDateTime, NOTICES } from '../domain/words.ts';

const BATCH = 500;

/**
 * Lesson reminders, every ten minutes per centre: every planned lesson that starts within the next
 * `reminderHours` gets one reminder per student and contact (the key makes it once, however often
 * this runs). Messaging holds non-urgent messages during the centre's quiet hours.
 */
export const remindersJob = defineJob({
  cron: '*/10 * * * *',
  async handler(ctx) {
    const s = await schoolSettings(ctx);
    if (!s.remindersEnabled) return { sent: 0 };
    const tz = (await ctx.tenant()).timeZone || 'UTC';
    const lessons = await ctx.sql<{ id: string; group_id: string | null; date: string; name: string; starts_at: string; room: string | null; tz: string }>(
      `select l.id, l.group_id, to_char((l.starts_at at time zone coalesce(b.time_zone, $3::text))::date, 'YYYY-MM-DD') as date, coalesce(g.name, su.name) as name,
              to_char(l.starts_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as starts_at, r.name as room, coalesce(b.time_zone, $3::text) as tz
         from school.lesson l
         join school.branch b on b.tenant_id = l.tenant_id and b.id = l.branch_id
         join school.subject su on su.tenant_id = l.tenant_id and su.id = l.subject_id
         left join school.study_group g on g.tenant_id = l.tenant_id and g.id = l.group_id
         left join school.room r on r.tenant_id = l.tenant_id and r.id = l.room_id
        where l.tenant_id = $1::uuid and l.status = 'planned' and l.starts_at > now() and l.starts_at <= now() + make_interval(hours => $2::int)
          and not exists (select 1 from school.notification n where n.tenant_id = l.tenant_id and n.key like 'reminder:' || l.id::text || ':%')
        order by l.starts_at limit ${BATCH}`,
      [ctx.tenantId, s.reminderHours, tz],
    );
    let sent = 0;
    for (const l of lessons) {
      for (const who of await rosterOf(ctx, l)) {
        const r = await sendNotice(ctx, {
          kind: 'reminder', key: `reminder:${l.id}:${who.studentId}`, studentId: who.studentId,
          text: (loc) => NOTICES[loc].reminder({ student: who.name, lesson: l.name, when: formatDateTime(l.starts_at, loc, l.tz), room: l.room }),
        });
        sent += r.filter((x) => x.status === 'queued').length;
      }
    }
    return { lessons: lessons.length, sent };
  },
});
