import { defineJob, type JobContext } from '@atrium/sdk';
import { recomputeRfm } from '../domain/analytics/customer-rfm.ts';
import { staleDays, storeDaily } from '../domain/analytics/daily-report.ts';
import { rebuildChunk } from '../domain/analytics/rebuild.ts';
import { addDays, reportClock } from '../domain/analytics/report-clock.ts';
import { storeSnapshot } from '../domain/analytics/stock-snapshot.ts';

/**
 * Nightly analytics, per tenant with POS enabled (the kernel fans each cron tick out). Times are
 * the server's clock; each job works on "yesterday" in the tenant's own time zone, which has
 * always ended by the time any tenant's job runs, whatever its offset.
 */

/**
 * Daily sales report: stores yesterday's rows, and recomputes closed days whose sales were voided
 * after their row was stored. With `{ runId }` it is one chunk of a rebuild (POST …/daily/rebuild).
 */
export async function dailyReport(ctx: JobContext) {
  const clock = await reportClock(ctx);
  if (typeof ctx.data.runId === 'string') return rebuildChunk(ctx, clock, ctx.data.runId);
  const days = [...new Set([addDays(clock.today, -1), ...(await staleDays(ctx, clock.timeZone))])].sort();
  const rows = await storeDaily(ctx, clock.timeZone, days[0], days[days.length - 1], undefined, new Set(days));
  await ctx.progress(100);
  return { days, rows };
}

/** Stock snapshot of the end of yesterday (exact from the ledger whenever it runs). */
export async function stockSnapshot(ctx: JobContext) {
  const clock = await reportClock(ctx);
  const day = addDays(clock.today, -1);
  const r = await storeSnapshot(ctx, clock.timeZone, day);
  await ctx.progress(100);
  return { day, ...r };
}

/** RFM scores and segments over the last 365 days. */
export async function rfm(ctx: JobContext) {
  const clock = await reportClock(ctx);
  const r = await recomputeRfm(ctx, clock);
  await ctx.progress(100);
  return { customers: r.customers, asOf: r.asOf };
}

export const analyticsJobs = {
  dailyReport: defineJob({ cron: '10 2 * * *', handler: dailyReport }),
  stockSnapshot: defineJob({ cron: '20 2 * * *', handler: stockSnapshot }),
  rfm: defineJob({ cron: '40 2 * * *', handler: rfm }),
};
