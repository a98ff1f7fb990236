import { ValidationError, type RequestContext } from '@atrium/sdk';
import { posTimeZone } from '../settings.ts';

/**
 * Which calendar day a sale belongs to: the shop's time zone decides (posTimeZone — the tenant's
 * own, chosen at sign-up, unless the POS setting `timeZone` overrides it): a shop in Almaty wants
 * its 23:30 sale on that evening's report, not on the next UTC day. All day arithmetic happens in
 * Postgres (`at time zone`), so the database's own zone database is the one that counts.
 */
export type ReportClock = { timeZone: string; today: string };

export async function reportClock(ctx: RequestContext): Promise<ReportClock> {
  const timeZone = await posTimeZone(ctx);
  const [r] = await ctx.em.execute(`select to_char((now() at time zone ?)::date, 'YYYY-MM-DD') as today`, [timeZone]);
  return { timeZone, today: r.today };
}

/** SQL for the instant a day starts in the report's zone; bind (day, timeZone). */
export const DAY_START = `((?::date)::timestamp at time zone ?)`;

const DAY_MS = 86_400_000;

export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

export function dayList(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}

/**
 * A `from`..`to` range of days (inclusive) from query params, with defaults ending today and a
 * cap on its length; errors name the field.
 */
export function dayRange(p: { from?: string; to?: string }, clock: ReportClock, opts: { defaultDays: number; maxDays: number }): { from: string; to: string } {
  const to = p.to ?? clock.today;
  const from = p.from ?? addDays(to, -(opts.defaultDays - 1));
  if (from > to) throw new ValidationError('from is after to', [{ field: 'from', code: 'notAfterTo', message: 'must not be after to' }]);
  if (daysBetween(from, to) + 1 > opts.maxDays) throw new ValidationError(`At most ${opts.maxDays} days at a time`, [{ field: 'to', code: 'rangeTooLong', params: { maxDays: opts.maxDays }, message: `the range may span at most ${opts.maxDays} days` }]);
  return { from, to };
}
