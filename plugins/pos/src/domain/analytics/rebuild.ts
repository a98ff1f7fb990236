import { ValidationError, type JobContext, type RequestContext } from '@atrium/sdk';
import { storeDaily } from './daily-report.ts';
import { addDays, dayList, daysBetween, type ReportClock } from './report-clock.ts';
import { storeSnapshot } from './stock-snapshot.ts';

/**
 * Rebuilding the stored daily rows and stock snapshots of a range of closed days. A long range
 * runs as a chain of jobs, CHUNK_DAYS days each: every chunk commits its rows and its progress
 * (`report_run.days_done`) together, so progress is visible while it runs and a failed chunk is
 * retried alone. The chain's job ids are derived from (run, position), so a duplicate enqueue
 * is a no-op.
 */
export const CHUNK_DAYS = 31;
export const REBUILD_JOB = 'dailyReport';
/** A running rebuild whose last chunk committed longer ago than this is taken as stalled. */
export const STALLED_AFTER_MINUTES = 10;

export function runView(r: any) {
  return {
    id: r.id, kind: r.kind, storeId: r.store_id, from: r.from_text, to: r.to_text, daysTotal: r.days_total, daysDone: r.days_done,
    progress: Math.floor((r.days_done * 100) / r.days_total), status: r.status, createdBy: r.created_by, createdAt: r.created_at,
    updatedAt: r.updated_at, finishedAt: r.finished_at,
  };
}

const SELECT_RUN = `select r.*, to_char(r.from_day, 'YYYY-MM-DD') as from_text, to_char(r.to_day, 'YYYY-MM-DD') as to_text from pos.report_run r`;

export async function loadRun(ctx: RequestContext, id: string, lock = false) {
  const [r] = await ctx.em.execute(`${SELECT_RUN} where r.id = ?${lock ? ' for update' : ''}`, [id]);
  return r ?? null;
}

/** Starts a rebuild of `from`..`to` (clamped to yesterday: today is always live). */
export async function startRebuild(ctx: RequestContext, clock: ReportClock, p: { from: string; to: string; storeId?: string }) {
  const yesterday = addDays(clock.today, -1);
  if (p.from > yesterday) throw new ValidationError('Only closed days can be rebuilt', [{ field: 'from', code: 'closedDaysOnly', params: { limit: yesterday }, message: `must be ${yesterday} or earlier (today is computed live)` }]);
  const to = p.to > yesterday ? yesterday : p.to;
  // the same range already being rebuilt: that run is the answer — unless it has stalled (its
  // chunk failed every retry, or the enqueue after a commit was lost): then it resumes where it
  // stopped, under a fresh job id (BullMQ keeps failed jobs, and an id it knows is not re-added)
  const [same] = await ctx.em.execute(
    `${SELECT_RUN} where r.status = 'running' and r.from_day = ? and r.to_day = ? and r.store_id is not distinct from ?::uuid
     order by r.created_at desc limit 1 for update`,
    [p.from, to, p.storeId ?? null],
  );
  if (same) {
    const [stalled] = await ctx.em.execute(`select (? < now() - interval '${STALLED_AFTER_MINUTES} minutes') as yes`, [same.updated_at]);
    if (!stalled.yes) return { run: runView(same), started: false };
    await ctx.em.execute('update pos.report_run set updated_at = now() where id = ?', [same.id]);
    await ctx.jobs.enqueue(REBUILD_JOB, { runId: same.id }, { jobId: `${same.id}.${same.days_done}.resume${Date.now()}` });
    return { run: runView(await loadRun(ctx, same.id)), started: true };
  }
  const id = crypto.randomUUID();
  await ctx.em.execute(
    `insert into pos.report_run (tenant_id, id, kind, store_id, from_day, to_day, days_total, created_by) values (?, ?, 'daily_rebuild', ?, ?, ?, ?, ?)`,
    [ctx.tenantId, id, p.storeId ?? null, p.from, to, daysBetween(p.from, to) + 1, ctx.user?.id ?? null],
  );
  await ctx.jobs.enqueue(REBUILD_JOB, { runId: id }, { jobId: `${id}.0` });
  return { run: runView(await loadRun(ctx, id)), started: true };
}

/** One chunk of a rebuild run; enqueues the next one until the range is done. */
export async function rebuildChunk(ctx: JobContext, clock: ReportClock, runId: string) {
  const run = await loadRun(ctx, runId, true);
  if (!run || run.status !== 'running') return { runId, skipped: run ? run.status : 'missing' };
  const start = addDays(run.from_text, run.days_done);
  const chunkEnd = addDays(start, CHUNK_DAYS - 1);
  const end = chunkEnd < run.to_text ? chunkEnd : run.to_text;
  const storeId = run.store_id ?? undefined;
  const rows = await storeDaily(ctx, clock.timeZone, start, end, storeId);
  let snapshots = 0;
  for (const day of dayList(start, end)) snapshots += (await storeSnapshot(ctx, clock.timeZone, day, storeId)).rows;
  const done = run.days_done + daysBetween(start, end) + 1;
  const finished = done >= run.days_total;
  await ctx.em.execute(
    `update pos.report_run set days_done = ?, status = ?, updated_at = now(), finished_at = ${finished ? 'now()' : 'null'} where id = ?`,
    [done, finished ? 'done' : 'running', runId],
  );
  await ctx.progress(Math.floor((done * 100) / run.days_total));
  if (!finished) await ctx.jobs.enqueue(REBUILD_JOB, { runId }, { jobId: `${runId}.${done}` });
  return { runId, from: start, to: end, dailyRows: rows, snapshotRows: snapshots, done, finished };
}
