import { defineAction, defineService, numbered, Type } from '@atrium/sdk';
import { addDays, schoolSettings, todayIn } from '../domain/settings.ts';
import { iso } from '../domain/fields.ts';

/**
 * What the dashboard widgets show, in one call: today's lessons (the caller's, for a teacher),
 * this week's attendance, money received today and this month, debts, and this month's lead
 * conversion — each part only for those who may see it (null otherwise).
 */
export const dashboardService = defineService({
  name: 'dashboard',
  actions: {
    summary: defineAction({
      rest: 'GET /',
      permission: 'authenticated',
      params: Type.Object({}, { additionalProperties: false }),
      async handler(ctx) {
        const tz = (await ctx.tenant()).timeZone || 'UTC';
        const today = todayIn(tz);
        const monthStart = `${today.slice(0, 8)}01`;
        const weekStart = addDays(today, -((new Date(`${today}T00:00:00Z`).getUTCDay() + 6) % 7));
        const { currency } = await schoolSettings(ctx);
        let todayLessons = null;
        if (ctx.can('read', 'school.Lesson')) {
          const rule = ctx.rulesSql('read', 'school.Lesson', { alias: 'l' });
          todayLessons = await ctx.sql(...numbered(
            `select l.id, ${iso('l.starts_at')} as "startsAt", ${iso('l.ends_at')} as "endsAt", l.status, coalesce(g.name, s.name) as name, t.name as "teacherName", r.name as "roomName",
                    (select count(*) from school.attendance a where a.tenant_id = l.tenant_id and a.lesson_id = l.id)::int as marked
               from school.lesson l join school.subject s on s.tenant_id = l.tenant_id and s.id = l.subject_id join school.teacher t on t.tenant_id = l.tenant_id and t.id = l.teacher_effective
               left join school.study_group g on g.tenant_id = l.tenant_id and g.id = l.group_id left join school.room r on r.tenant_id = l.tenant_id and r.id = l.room_id
              where l.tenant_id = ? and l.status <> 'canceled' and l.starts_at >= (?::date::timestamp at time zone ?::text) and l.starts_at < ((?::date + 1)::timestamp at time zone ?::text) and ${rule.sql}
              order by l.starts_at limit 100`, [ctx.tenantId, today, tz, today, tz, ...rule.params]));
        }
        let attendance = null;
        if (ctx.can('attendance', 'school.Report')) {
          const [a] = await ctx.sql<{ attended: number; marks: number }>(
            `select count(*) filter (where a.status = 'attended')::int as attended, count(*)::int as marks from school.attendance a join school.lesson l on l.tenant_id = a.tenant_id and l.id = a.lesson_id
              where a.tenant_id = $1::uuid and l.starts_at >= ($2::date::timestamp at time zone $3::text)`, [ctx.tenantId, weekStart, tz]);
          attendance = { since: weekStart, attended: a!.attended, marks: a!.marks, rate: a!.marks ? a!.attended / a!.marks : null };
        }
        let payments = null;
        if (ctx.can('read', 'school.Payment')) {
          const [p] = await ctx.sql<{ today: number; month: number; count_today: number }>(
            `select coalesce(sum(amount - refunded) filter (where paid_at >= ($2::date::timestamp at time zone $4::text)), 0)::float8 as today,
                    coalesce(sum(amount - refunded), 0)::float8 as month, count(*) filter (where paid_at >= ($2::date::timestamp at time zone $4::text))::int as count_today
               from school.payment where tenant_id = $1::uuid and paid_at >= ($3::date::timestamp at time zone $4::text)`, [ctx.tenantId, today, monthStart, tz]);
          const recent = await ctx.sql(`select p.id, s.name, p.amount::float8 as amount, p.method, ${iso('p.paid_at')} as "paidAt" from school.payment p join school.student s on s.tenant_id = p.tenant_id and s.id = p.student_id
            where p.tenant_id = $1::uuid order by p.paid_at desc limit 5`, [ctx.tenantId]);
          payments = { today: p!.today, month: p!.month, countToday: p!.count_today, currency, recent };
        }
        let debts = null;
        if (ctx.can('debts', 'school.Report')) {
          const [d] = await ctx.sql<{ total: number; overdue: number; students: number }>(
            `select coalesce(sum(total - paid), 0)::float8 as total, coalesce(sum(total - paid) filter (where due_on < $2::date), 0)::float8 as overdue, count(distinct student_id)::int as students
               from school.invoice where tenant_id = $1::uuid and status = 'open'`, [ctx.tenantId, today]);
          debts = { ...d, currency };
        }
        let conversion = null;
        if (ctx.can('leads', 'school.Report')) {
          const rule = ctx.rulesSql('read', 'school.Lead', { alias: 'ld', firstParam: 4 });
          const [c] = await ctx.sql<{ leads: number; trials: number; enrolled: number }>(
            `select count(*)::int as leads, count(*) filter (where trial_lesson_id is not null)::int as trials, count(*) filter (where converted_at is not null)::int as enrolled
               from school.lead ld where ld.tenant_id = $1::uuid and ld.created_at >= ($2::date::timestamp at time zone $3::text) and ${rule.sql}`, [ctx.tenantId, monthStart, tz, ...rule.params]);
          conversion = { since: monthStart, ...c, rate: c!.leads ? c!.enrolled / c!.leads : null };
        }
        return { today, todayLessons, attendance, payments, debts, conversion };
      },
    }),
  },
});
