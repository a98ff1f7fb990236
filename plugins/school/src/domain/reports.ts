import type { RequestContext } from '@atrium/sdk';
import { payroll, type HeldLesson, type PayRate } from './payroll.ts';
import type { Report } from './report-export.ts';
import { daysBetween } from './settings.ts';
import { asLocale, reportWord, SOURCE_WORDS, type Locale } from './words.ts';

/**
 * The reports: attendance, money, teacher payroll, debts and lead conversion, each over local
 * calendar days of the centre (`from`…`to` inclusive, in the tenant's time zone).
 */

type Ctx = Pick<RequestContext, 'sql' | 'tenantId' | 'locale' | 'tenant'>;
export type Period = { from: string; to: string };

async function frame(ctx: Ctx) {
  const t = await ctx.tenant();
  return { tz: t.timeZone || 'UTC', locale: asLocale(ctx.locale?.slice(0, 2)) as Locale };
}
const subtitle = (locale: Locale, p: Period) => `${reportWord(locale, 'period')}: ${p.from} — ${p.to}`;
const rate = (part: number, whole: number) => (whole ? Math.round((part / whole) * 1000) / 1000 : 0);

/** Held lessons in the period and their marks, by group, teacher or student. */
export async function attendanceReport(ctx: Ctx, p: Period & { by: 'group' | 'teacher' | 'student'; groupId?: string; teacherId?: string; branchId?: string; lessonRule: { sql: string; params: unknown[] } }, currency: string): Promise<Report> {
  const { tz, locale } = await frame(ctx);
  const key = { group: `coalesce(g.name, s.name)`, teacher: 't.name', student: 'st.name' }[p.by];
  const rows = await ctx.sql<{ name: string; lessons: number; attended: number; excused: number; unexcused: number }>(
    `select ${key} as name, count(distinct l.id)::int as lessons, count(*) filter (where a.status = 'attended')::int as attended,
            count(*) filter (where a.status = 'excused')::int as excused, count(*) filter (where a.status = 'unexcused')::int as unexcused
       from school.lesson l
       join school.attendance a on a.tenant_id = l.tenant_id and a.lesson_id = l.id
       join school.subject s on s.tenant_id = l.tenant_id and s.id = l.subject_id
       join school.teacher t on t.tenant_id = l.tenant_id and t.id = l.teacher_effective
       join school.student st on st.tenant_id = a.tenant_id and st.id = a.student_id
       left join school.study_group g on g.tenant_id = l.tenant_id and g.id = l.group_id
      where l.tenant_id = $1::uuid and l.status = 'done'
        and l.starts_at >= ($2::date::timestamp at time zone $4::text) and l.starts_at < (($3::date + 1)::timestamp at time zone $4::text)
        and ($5::uuid is null or l.group_id = $5::uuid) and ($6::uuid is null or l.teacher_effective = $6::uuid) and ($7::uuid is null or l.branch_id = $7::uuid)
        and ${p.lessonRule.sql}
      group by 1 order by 1`,
    [ctx.tenantId, p.from, p.to, tz, p.groupId ?? null, p.teacherId ?? null, p.branchId ?? null, ...p.lessonRule.params],
  );
  const marks = (r: { attended: number; excused: number; unexcused: number }) => r.attended + r.excused + r.unexcused;
  const total = rows.reduce((a, r) => ({ attended: a.attended + r.attended, excused: a.excused + r.excused, unexcused: a.unexcused + r.unexcused }), { attended: 0, excused: 0, unexcused: 0 });
  return {
    title: reportWord(locale, 'attendanceTitle'), subtitle: subtitle(locale, p), currency, locale,
    columns: [
      { key: 'name', label: reportWord(locale, p.by), type: 'text' }, { key: 'lessons', label: reportWord(locale, 'lessons'), type: 'int' },
      { key: 'attended', label: reportWord(locale, 'attended'), type: 'int' }, { key: 'excused', label: reportWord(locale, 'excused'), type: 'int' },
      { key: 'unexcused', label: reportWord(locale, 'unexcused'), type: 'int' }, { key: 'rate', label: reportWord(locale, 'rate'), type: 'percent' },
    ],
    rows: rows.map((r) => ({ ...r, rate: rate(r.attended, marks(r)) })),
    totals: { name: reportWord(locale, 'total'), ...total, rate: rate(total.attended, marks(total)) },
  };
}

/** Money by day: received by method, refunded, net; and what was invoiced. */
export async function financeReport(ctx: Ctx, p: Period, currency: string): Promise<Report> {
  const { tz, locale } = await frame(ctx);
  const rows = await ctx.sql<Record<string, number | string>>(
    `with days as (select d::date as day from generate_series($2::date, $3::date, interval '1 day') d),
     pay as (select (paid_at at time zone $4::text)::date as day, method, sum(amount)::float8 as amount from school.payment where tenant_id = $1::uuid
               and paid_at >= ($2::date::timestamp at time zone $4::text) and paid_at < (($3::date + 1)::timestamp at time zone $4::text) group by 1, 2),
     ref as (select (r.created_at at time zone $4::text)::date as day, sum(r.amount)::float8 as amount from school.refund r where r.tenant_id = $1::uuid and r.status = 'done'
               and r.created_at >= ($2::date::timestamp at time zone $4::text) and r.created_at < (($3::date + 1)::timestamp at time zone $4::text) group by 1),
     inv as (select issued_on as day, sum(total)::float8 as amount from school.invoice where tenant_id = $1::uuid and status <> 'canceled' and issued_on between $2::date and $3::date group by 1)
     select to_char(d.day, 'YYYY-MM-DD') as date,
            coalesce((select amount from pay where pay.day = d.day and method = 'cash'), 0) as cash,
            coalesce((select amount from pay where pay.day = d.day and method = 'card'), 0) as card,
            coalesce((select amount from pay where pay.day = d.day and method = 'transfer'), 0) as transfer,
            coalesce((select amount from pay where pay.day = d.day and method = 'online'), 0) as online,
            coalesce((select amount from ref where ref.day = d.day), 0) as refunds,
            coalesce((select amount from inv where inv.day = d.day), 0) as invoiced
       from days d order by d.day`,
    [ctx.tenantId, p.from, p.to, tz],
  );
  const withNet = rows.map((r): Record<string, number | string> => ({ ...r, net: Number(r.cash) + Number(r.card) + Number(r.transfer) + Number(r.online) - Number(r.refunds) }))
    .filter((r) => ['cash', 'card', 'transfer', 'online', 'refunds', 'invoiced'].some((k) => Number(r[k]) !== 0));
  const keys = ['cash', 'card', 'transfer', 'online', 'refunds', 'net', 'invoiced'] as const;
  const totals: Record<string, unknown> = { date: reportWord(locale, 'total') };
  for (const k of keys) totals[k] = withNet.reduce((s, r) => s + Number(r[k]), 0);
  return {
    title: reportWord(locale, 'financeTitle'), subtitle: subtitle(locale, p), currency, locale,
    columns: [{ key: 'date', label: reportWord(locale, 'date'), type: 'date' }, ...keys.map((k) => ({ key: k, label: reportWord(locale, k), type: 'money' as const }))],
    rows: withNet, totals,
  };
}

/** What each teacher earned in the period from the pay-rate rules, with the lessons behind it. */
export async function payrollReport(ctx: Ctx, p: Period & { teacherId?: string }, currency: string): Promise<Report & { details: Record<string, { lessonId: string; date: string; attendees: number; revenue: number; amount: number; rateId: string | null }[]> }> {
  const { tz, locale } = await frame(ctx);
  const lessons = await ctx.sql<{ id: string; teacher: string; teacher_name: string; date: string; subject_id: string; kind: string; attendees: number; revenue: number }>(
    `select l.id, l.teacher_effective as teacher, t.name as teacher_name, to_char((l.starts_at at time zone coalesce(b.time_zone, $4::text))::date, 'YYYY-MM-DD') as date,
            l.subject_id, l.kind, count(a.*) filter (where a.status = 'attended')::int as attendees,
            coalesce(sum(case when p.id is not null then round(p.price::numeric / p.lessons_total) when i.id is not null and i.status <> 'canceled' then i.total else 0 end), 0)::float8 as revenue
       from school.lesson l
       join school.teacher t on t.tenant_id = l.tenant_id and t.id = l.teacher_effective
       join school.branch b on b.tenant_id = l.tenant_id and b.id = l.branch_id
       left join school.attendance a on a.tenant_id = l.tenant_id and a.lesson_id = l.id
       left join school.pass p on p.tenant_id = a.tenant_id and p.id = a.pass_id
       left join school.invoice i on i.tenant_id = a.tenant_id and i.id = a.invoice_id
      where l.tenant_id = $1::uuid and l.status = 'done' and ($5::uuid is null or l.teacher_effective = $5::uuid)
        and l.starts_at >= ($2::date::timestamp at time zone $4::text) and l.starts_at < (($3::date + 1)::timestamp at time zone $4::text)
      group by l.tenant_id, l.id, t.name, b.time_zone order by t.name, l.starts_at`,
    [ctx.tenantId, p.from, p.to, tz, p.teacherId ?? null],
  );
  const rates = await ctx.sql<PayRate & { teacherId: string }>(
    `select id, teacher_id as "teacherId", subject_id as "subjectId", lesson_kind as "lessonKind", per_lesson::float8 as "perLesson", per_attendee::float8 as "perAttendee",
            revenue_bp as "revenueBp", to_char(valid_from, 'YYYY-MM-DD') as "validFrom", to_char(valid_to, 'YYYY-MM-DD') as "validTo" from school.pay_rate where tenant_id = $1::uuid`,
    [ctx.tenantId],
  );
  const byTeacher = new Map<string, { name: string; lessons: HeldLesson[] }>();
  for (const l of lessons) {
    const e = byTeacher.get(l.teacher) ?? { name: l.teacher_name, lessons: [] };
    e.lessons.push({ id: l.id, date: l.date, subjectId: l.subject_id, kind: l.kind, attendees: l.attendees, revenue: Number(l.revenue) });
    byTeacher.set(l.teacher, e);
  }
  const rows: Record<string, unknown>[] = [];
  const details: Record<string, { lessonId: string; date: string; attendees: number; revenue: number; amount: number; rateId: string | null }[]> = {};
  for (const [teacherId, t] of byTeacher) {
    const r = payroll(rates.filter((x) => x.teacherId === teacherId), t.lessons);
    rows.push({ teacherId, name: t.name, lessons: t.lessons.length, attendees: t.lessons.reduce((s, l) => s + l.attendees, 0), revenue: t.lessons.reduce((s, l) => s + l.revenue, 0), unrated: r.unrated, pay: r.total });
    details[teacherId] = r.lines.map((line, i) => ({ ...line, date: t.lessons[i]!.date, attendees: t.lessons[i]!.attendees, revenue: t.lessons[i]!.revenue }));
  }
  const sum = (k: string) => rows.reduce((s, r) => s + Number(r[k]), 0);
  return {
    title: reportWord(locale, 'payrollTitle'), subtitle: subtitle(locale, p), currency, locale,
    columns: [
      { key: 'name', label: reportWord(locale, 'teacher'), type: 'text' }, { key: 'lessons', label: reportWord(locale, 'lessons'), type: 'int' },
      { key: 'attendees', label: reportWord(locale, 'attendees'), type: 'int' }, { key: 'revenue', label: reportWord(locale, 'revenue'), type: 'money' },
      { key: 'unrated', label: reportWord(locale, 'unrated'), type: 'int' }, { key: 'pay', label: reportWord(locale, 'pay'), type: 'money' },
    ],
    rows, totals: { name: reportWord(locale, 'total'), lessons: sum('lessons'), attendees: sum('attendees'), revenue: sum('revenue'), unrated: sum('unrated'), pay: sum('pay') },
    details,
  };
}

/** Who owes what today: open invoices by student, the overdue part and the oldest due date. */
export async function debtsReport(ctx: Ctx, today: string, currency: string): Promise<Report> {
  const { locale } = await frame(ctx);
  const rows = await ctx.sql<{ studentId: string; name: string; phone: string | null; debt: number; overdue: number; oldest_due: string }>(
    `select s.id as "studentId", s.name, coalesce((select c.phone from school.contact c where c.tenant_id = s.tenant_id and c.student_id = s.id order by c.is_payer desc, c.position limit 1), s.phone) as phone,
            sum(i.total - i.paid)::float8 as debt, coalesce(sum(i.total - i.paid) filter (where i.due_on < $2::date), 0)::float8 as overdue, to_char(min(i.due_on), 'YYYY-MM-DD') as oldest_due
       from school.invoice i join school.student s on s.tenant_id = i.tenant_id and s.id = i.student_id
      where i.tenant_id = $1::uuid and i.status = 'open' group by s.tenant_id, s.id order by overdue desc, debt desc, s.name`,
    [ctx.tenantId, today],
  );
  return {
    title: reportWord(locale, 'debtsTitle'), subtitle: today, currency, locale,
    columns: [
      { key: 'name', label: reportWord(locale, 'student'), type: 'text' }, { key: 'phone', label: reportWord(locale, 'phone'), type: 'text' },
      { key: 'debt', label: reportWord(locale, 'debt'), type: 'money' }, { key: 'overdue', label: reportWord(locale, 'overdue'), type: 'money' },
      { key: 'oldestDue', label: reportWord(locale, 'oldestDue'), type: 'date' }, { key: 'daysOverdue', label: reportWord(locale, 'daysOverdue'), type: 'int' },
    ],
    rows: rows.map((r) => ({ studentId: r.studentId, name: r.name, phone: r.phone ? `+${r.phone}` : '', debt: r.debt, overdue: r.overdue, oldestDue: r.oldest_due, daysOverdue: Math.max(0, daysBetween(r.oldest_due, today)) })),
    totals: { name: reportWord(locale, 'total'), debt: rows.reduce((s, r) => s + r.debt, 0), overdue: rows.reduce((s, r) => s + r.overdue, 0) },
  };
}

/** Leads created in the period by source: how many got a trial, enrolled, were turned down. */
export async function leadsReport(ctx: Ctx, p: Period & { leadRule: { sql: string; params: unknown[] } }, currency: string): Promise<Report & { rejectReasons: { id: string; code: string | null; name: string | null; count: number }[] }> {
  const { tz, locale } = await frame(ctx);
  const base = `from school.lead ld left join school.lead_status st on st.tenant_id = ld.tenant_id and st.id = ld.status_id
    where ld.tenant_id = $1::uuid and ld.created_at >= ($2::date::timestamp at time zone $4::text) and ld.created_at < (($3::date + 1)::timestamp at time zone $4::text) and ${p.leadRule.sql}`;
  const args = [ctx.tenantId, p.from, p.to, tz, ...p.leadRule.params];
  const rows = await ctx.sql<{ code: string | null; name: string | null; leads: number; trials: number; enrolled: number; rejected: number }>(
    `select src.code, src.name, count(*)::int as leads, count(*) filter (where ld.trial_lesson_id is not null)::int as trials,
            count(*) filter (where ld.converted_at is not null)::int as enrolled, count(*) filter (where st.kind = 'lost')::int as rejected
       ${base.replace('from school.lead ld', 'from school.lead ld left join school.lead_source src on src.tenant_id = ld.tenant_id and src.id = ld.source_id')}
      group by src.id, src.code, src.name, src.position order by src.position nulls last`,
    args,
  );
  const reasons = await ctx.sql<{ id: string; code: string | null; name: string | null; count: number }>(
    `select r.id, r.code, r.name, count(*)::int as count ${base.replace('from school.lead ld', 'from school.lead ld join school.lead_reject_reason r on r.tenant_id = ld.tenant_id and r.id = ld.reject_reason_id')}
      group by r.tenant_id, r.id, r.code, r.name order by count desc`,
    args,
  );
  const label = (r: { code: string | null; name: string | null }) => r.name ?? (r.code ? SOURCE_WORDS[r.code]?.[locale] ?? r.code : reportWord(locale, 'noSource'));
  const t = rows.reduce((a, r) => ({ leads: a.leads + r.leads, trials: a.trials + r.trials, enrolled: a.enrolled + r.enrolled, rejected: a.rejected + r.rejected }), { leads: 0, trials: 0, enrolled: 0, rejected: 0 });
  return {
    title: reportWord(locale, 'leadsTitle'), subtitle: subtitle(locale, p), currency, locale,
    columns: [
      { key: 'source', label: reportWord(locale, 'source'), type: 'text' }, { key: 'leads', label: reportWord(locale, 'leads'), type: 'int' },
      { key: 'trials', label: reportWord(locale, 'trials'), type: 'int' }, { key: 'enrolled', label: reportWord(locale, 'enrolled'), type: 'int' },
      { key: 'rejected', label: reportWord(locale, 'rejected'), type: 'int' }, { key: 'conversion', label: reportWord(locale, 'conversion'), type: 'percent' },
    ],
    rows: rows.map((r) => ({ source: label(r), leads: r.leads, trials: r.trials, enrolled: r.enrolled, rejected: r.rejected, conversion: rate(r.enrolled, r.leads) })),
    totals: { source: reportWord(locale, 'total'), ...t, conversion: rate(t.enrolled, t.leads) },
    rejectReasons: reasons,
  };
}
