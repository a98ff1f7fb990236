import type { JobContext, RequestContext } from '@atrium/sdk';
import { schoolSettings, todayIn } from '../settings.ts';
import { AlfaCrmClient } from './client.ts';
import { MONEY_STEPS } from './money-steps.ts';
import { PEOPLE_STEPS } from './people-steps.ts';
import type { Outcome, Rec, Step, StepEnv } from './refs.ts';
import { SCHEDULE_STEPS } from './schedule-steps.ts';

/**
 * One AlfaCRM import run, as a job without a transaction: each page is fetched with no connection
 * held, then written together with the run's cursor and progress in one short transaction. A run
 * that stops (the node died, AlfaCRM went away) continues from its cursor when resumed; a new run
 * over data imported before changes nothing that did not change in AlfaCRM.
 */

export const STEPS: Step[] = [...PEOPLE_STEPS, ...SCHEDULE_STEPS, ...MONEY_STEPS];
export type Cursor = { step: number; branch: number; page: number; branches?: number[]; size?: number };
export type Counts = Record<string, Record<Outcome, number>>;

type RunRow = { status: string; cursor: Cursor; counts: Counts };

async function loadRun(tx: RequestContext, runId: string): Promise<RunRow | null> {
  const [r] = await tx.sql<RunRow>('select status, cursor, counts from school.import_run where tenant_id = $1::uuid and id = $2::uuid', [tx.tenantId, runId]);
  return r ?? null;
}

async function finish(ctx: JobContext, runId: string, status: 'done' | 'failed', counts: Counts, error: string | null): Promise<void> {
  await ctx.transaction(async (tx) => {
    await tx.sql(`update school.import_run set status = $3::text, error = $4::text, finished_at = now(), progress = case when $3::text = 'done' then 100 else progress end, counts = $5::jsonb
                   where tenant_id = $1::uuid and id = $2::uuid and status = 'running'`, [tx.tenantId, runId, status, error, JSON.stringify(counts)]);
    await tx.emit('school.import.finished.v1', { runId, source: 'alfacrm', status, counts });
  });
}

export async function runAlfaCrmImport(ctx: JobContext, runId: string, opts: { firstBackoffMs?: number } = {}): Promise<{ status: string }> {
  const run = await ctx.transaction(async (tx) => {
    const r = await loadRun(tx, runId);
    if (!r || (r.status !== 'queued' && r.status !== 'running')) return null;
    await tx.sql(`update school.import_run set status = 'running', error = null, started_at = coalesce(started_at, now()) where tenant_id = $1::uuid and id = $2::uuid`, [tx.tenantId, runId]);
    return r;
  });
  if (!run) return { status: 'skipped' };
  const counts: Counts = run.counts ?? {};
  const cursor: Cursor = { ...{ step: 0, branch: 0, page: 0 }, ...run.cursor };
  const s = await schoolSettings(ctx);
  if (!s.alfacrmBaseUrl || !s.alfacrmEmail || !s.alfacrmApiKey) {
    await finish(ctx, runId, 'failed', counts, 'ALFACRM_NOT_CONFIGURED: set the AlfaCRM address, e-mail and API key in the plugin\'s settings');
    return { status: 'failed' };
  }
  const client = new AlfaCrmClient((url, init) => ctx.fetch(url, init), s.alfacrmBaseUrl, s.alfacrmEmail, s.alfacrmApiKey, { firstBackoffMs: opts.firstBackoffMs });
  const tz = (await ctx.tenant()).timeZone || 'UTC';
  const digits = new Intl.NumberFormat('en', { style: 'currency', currency: s.currency }).resolvedOptions().maximumFractionDigits ?? 2;
  const lookups = new Map<string, Rec[]>();
  const fetchAll = async (model: string, branch: number | null, filters: Record<string, unknown> = {}): Promise<Rec[]> => {
    const out: Rec[] = [];
    for (let page = 0; ; page++) {
      const p = await client.index<Rec>(model, branch, page, filters);
      out.push(...p.items);
      if (!p.count || out.length >= p.total) return out;
    }
  };
  const env: StepEnv = {
    runId, digits, currency: s.currency, tz, today: todayIn(tz),
    async lookup(model, branch) {
      const hit = lookups.get(`${model}:${branch}`);
      if (!hit) throw new Error(`import step used ${model} without declaring it in needs`);
      return hit;
    },
    count(model, outcome) {
      const c = (counts[model] ??= { created: 0, updated: 0, unchanged: 0, skipped: 0 });
      c[outcome]++;
    },
  };
  try {
    cursor.branches ??= (await fetchAll('branch', null, { is_active: 1 })).map((b) => b.id);
    const branches = cursor.branches;
    while (cursor.step < STEPS.length) {
      const step = STEPS[cursor.step]!;
      const scopes = step.scope === 'global' ? [null] : branches;
      if (cursor.branch >= scopes.length) {
        Object.assign(cursor, { step: cursor.step + 1, branch: 0, page: 0 });
        continue;
      }
      const branch = scopes[cursor.branch]!;
      for (const need of step.needs ?? []) if (!lookups.has(`${need}:${branch}`)) lookups.set(`${need}:${branch}`, await fetchAll(need, branch));
      const page = await client.index<Rec>(step.model, branch, cursor.page, step.filters ?? {});
      // the page size is what a full page holds (50 at AlfaCRM): a shorter page, or the total reached, is the last
      const size = Math.max(cursor.size ?? 0, page.count);
      const last = !page.count || page.count < size || (cursor.page + 1) * size >= page.total;
      const next: Cursor = last ? { ...cursor, branch: cursor.branch + 1, page: 0, size } : { ...cursor, page: cursor.page + 1, size };
      const pages = Math.max(1, Math.ceil(page.total / Math.max(size, 1)));
      const progress = Math.min(99, Math.floor(((cursor.step + (cursor.branch + (cursor.page + 1) / pages) / scopes.length) / STEPS.length) * 100));
      const before = structuredClone(counts);
      const stopped = await ctx.transaction(async (tx) => {
        const now = await loadRun(tx, runId);
        if (now?.status !== 'running') return true;
        await step.apply(tx, env, page.items, branch);
        await tx.sql('update school.import_run set cursor = $3::jsonb, counts = $4::jsonb, progress = $5::int where tenant_id = $1::uuid and id = $2::uuid',
          [tx.tenantId, runId, JSON.stringify(next), JSON.stringify(counts), progress]);
        return false;
      }).catch((e) => {
        // the page was not written: neither are its counts (it is done again when the run resumes)
        for (const k of Object.keys(counts)) delete counts[k];
        Object.assign(counts, before);
        throw e;
      });
      if (stopped) return { status: 'canceled' };
      Object.assign(cursor, next);
      await ctx.progress(progress);
    }
    await finish(ctx, runId, 'done', counts, null);
    return { status: 'done' };
  } catch (e) {
    const err = e as { type?: string; message?: string };
    ctx.logger.warn(`AlfaCRM import ${runId} stopped: ${err.message}`);
    await finish(ctx, runId, 'failed', counts, `${err.type ?? 'ERROR'}: ${String(err.message).slice(0, 900)}`);
    return { status: 'failed' };
  }
}
