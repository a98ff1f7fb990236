import { defineJob } from '@atrium/sdk';
import { sendNotice } from '../domain/notices.ts';
import { expirePasses } from '../domain/pass-ledger.ts';
import { schoolSettings, todayIn } from '../domain/settings.ts';
import { formatDate, formatMoney, NOTICES } from '../domain/words.ts';

/**
 * Every hour, per centre (each step is idempotent, so the hour it runs in does not matter):
 *  - passes whose last valid day has passed expire — expiry by date, not only by count — and
 *    open make-up credits past their date too;
 *  - students with an overdue debt are reminded, at most every `debtReminderDays` days.
 */
export const housekeepingJob = defineJob({
  cron: '7 * * * *',
  async handler(ctx) {
    const s = await schoolSettings(ctx);
    const tz = (await ctx.tenant()).timeZone || 'UTC';
    const today = todayIn(tz);
    const expired = await expirePasses(ctx, today);
    let reminded = 0;
    if (s.debtReminderDays > 0) {
      const debtors = await ctx.sql<{ id: string; name: string; debt: string; currency: string; since: string; pay_url: string | null }>(
        `select st.id, st.name, sum(i.total - i.paid) as debt, min(i.currency) as currency, to_char(min(i.due_on), 'YYYY-MM-DD') as since,
                (array_agg(i.pay_url order by i.due_on) filter (where i.pay_url is not null))[1] as pay_url
           from school.invoice i join school.student st on st.tenant_id = i.tenant_id and st.id = i.student_id
          where i.tenant_id = $1::uuid and i.status = 'open' and i.due_on < $2::date and st.status <> 'left'
            and not exists (select 1 from school.notification n where n.tenant_id = i.tenant_id and n.student_id = st.id and n.kind = 'debt'
                             and n.created_at > now() - make_interval(days => $3::int))
          group by st.id, st.name limit 500`,
        [ctx.tenantId, today, s.debtReminderDays],
      );
      for (const d of debtors) {
        const r = await sendNotice(ctx, {
          kind: 'debt', key: `debt:${d.id}:${today}`, studentId: d.id,
          text: (loc) => NOTICES[loc].debt({ student: d.name, amount: formatMoney(Number(d.debt), d.currency, loc), since: formatDate(d.since, loc), link: d.pay_url }),
        });
        reminded += r.filter((x) => x.status === 'queued').length;
      }
    }
    return { ...expired, debtReminders: reminded };
  },
});
