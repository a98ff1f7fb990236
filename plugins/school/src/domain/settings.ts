import type { RequestContext } from '@atrium/sdk';

/** The tenant's settings of this plugin (atrium.plugin.json, `settings.schema`) with their defaults. */
export type SchoolSettings = {
  currency: string;
  invoiceDueDays: number;
  remindersEnabled: boolean;
  reminderHours: number;
  absenceNotices: boolean;
  passLowLessons: number;
  debtReminderDays: number;
  alfacrmBaseUrl?: string;
  alfacrmEmail?: string;
  alfacrmApiKey?: string;
};

const DEFAULTS: SchoolSettings = {
  currency: 'KZT',
  invoiceDueDays: 7,
  remindersEnabled: true,
  reminderHours: 24,
  absenceNotices: true,
  passLowLessons: 1,
  debtReminderDays: 7,
};

export async function schoolSettings(ctx: Pick<RequestContext, 'settings'>): Promise<SchoolSettings> {
  const s = await ctx.settings<Partial<SchoolSettings>>();
  return { ...DEFAULTS, ...Object.fromEntries(Object.entries(s ?? {}).filter(([, v]) => v !== null && v !== undefined)) } as SchoolSettings;
}

/** The IANA zone lessons of a branch are counted in: the branch's own, else the tenant's. */
export async function zoneOf(ctx: RequestContext, branchId: string | null | undefined): Promise<string> {
  if (branchId) {
    const [b] = await ctx.sql<{ time_zone: string | null }>('select time_zone from school.branch where tenant_id = $1::uuid and id = $2::uuid', [ctx.tenantId, branchId]);
    if (b?.time_zone) return b.time_zone;
  }
  return (await ctx.tenant()).timeZone || 'UTC';
}

/** Today's date (YYYY-MM-DD) in a time zone. */
export function todayIn(timeZone: string, now = new Date()): string {
  return localDate(now, timeZone);
}

/** The calendar date of an instant in a time zone. */
export function localDate(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** Whole days from `a` to `b` (ISO dates). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}
