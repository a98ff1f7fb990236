import { defineAction, defineService, Type } from '@atrium/sdk';
import { badField, Id, IsoDate } from '../domain/fields.ts';
import { reportAnswer } from '../domain/report-export.ts';
import { attendanceReport, debtsReport, financeReport, leadsReport, payrollReport } from '../domain/reports.ts';
import { daysBetween, schoolSettings, todayIn } from '../domain/settings.ts';

const Format = Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('xlsx'), Type.Literal('pdf')]));
const PeriodParams = { from: IsoDate, to: IsoDate, format: Format };

function checkPeriod(p: { from: string; to: string }) {
  if (p.to < p.from) throw badField('to', 'DATE_BEFORE_START', 'must not be before from');
  if (daysBetween(p.from, p.to) > 731) throw badField('to', 'RANGE_TOO_LONG', 'a report covers at most two years', { maxDays: 731 });
}

/**
 * Reports, on screen (JSON) or as files: `format=xlsx` (Excel) or `format=pdf`. A teacher who may
 * see attendance sees it only for the lessons their rules allow.
 */
export const reportsService = defineService({
  name: 'reports',
  actions: {
    attendance: defineAction({
      rest: 'GET /attendance',
      permission: ['attendance', 'school.Report'],
      params: Type.Object({ ...PeriodParams, by: Type.Optional(Type.Union([Type.Literal('group'), Type.Literal('teacher'), Type.Literal('student')])), groupId: Type.Optional(Id), teacherId: Type.Optional(Id), branchId: Type.Optional(Id) }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        checkPeriod(p);
        const lessonRule = ctx.rulesSql('read', 'school.Lesson', { alias: 'l', firstParam: 8 });
        const r = await attendanceReport(ctx, { ...p, by: p.by ?? 'group', lessonRule }, (await schoolSettings(ctx)).currency);
        return reportAnswer(r, p.format, `attendance-${p.from}-${p.to}`);
      },
    }),
    finance: defineAction({
      rest: 'GET /finance',
      permission: ['finance', 'school.Report'],
      params: Type.Object(PeriodParams, { additionalProperties: false }),
      async handler(ctx) {
        checkPeriod(ctx.params);
        return reportAnswer(await financeReport(ctx, ctx.params, (await schoolSettings(ctx)).currency), ctx.params.format, `finance-${ctx.params.from}-${ctx.params.to}`);
      },
    }),
    payroll: defineAction({
      rest: 'GET /payroll',
      permission: ['payroll', 'school.Report'],
      params: Type.Object({ ...PeriodParams, teacherId: Type.Optional(Id) }, { additionalProperties: false }),
      async handler(ctx) {
        checkPeriod(ctx.params);
        const r = await payrollReport(ctx, ctx.params, (await schoolSettings(ctx)).currency);
        return reportAnswer(r, ctx.params.format, `payroll-${ctx.params.from}-${ctx.params.to}`);
      },
    }),
    debts: defineAction({
      rest: 'GET /debts',
      permission: ['debts', 'school.Report'],
      params: Type.Object({ format: Format }, { additionalProperties: false }),
      async handler(ctx) {
        const today = todayIn((await ctx.tenant()).timeZone || 'UTC');
        return reportAnswer(await debtsReport(ctx, today, (await schoolSettings(ctx)).currency), ctx.params.format, `debts-${today}`);
      },
    }),
    leads: defineAction({
      rest: 'GET /leads',
      permission: ['leads', 'school.Report'],
      params: Type.Object(PeriodParams, { additionalProperties: false }),
      async handler(ctx) {
        checkPeriod(ctx.params);
        const leadRule = ctx.rulesSql('read', 'school.Lead', { alias: 'ld', firstParam: 5 });
        return reportAnswer(await leadsReport(ctx, { ...ctx.params, leadRule }, (await schoolSettings(ctx)).currency), ctx.params.format, `leads-${ctx.params.from}-${ctx.params.to}`);
      },
    }),
  },
});
