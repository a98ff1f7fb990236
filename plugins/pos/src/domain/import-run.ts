import { currencyDigits, defineJob, type JobContext, NotFoundError, type RequestContext } from '@atrium/sdk';
import { posSettings } from './settings.ts';
import {
  applyRows, assertImportFields, checkRowsAgainstDb, detectFormat, parseRows, readTable,
  type Column, type ParsedRow, type RowError,
} from './import-export.ts';

/**
 * Running an import. Files up to SYNC_ROWS rows are imported inside the upload request. Bigger
 * ones become a chain of `importProducts` jobs: each checks (and in `valid` mode writes) one
 * chunk in its own transaction and commits its progress, so `GET /products/imports/:id` shows it
 * moving; in `all` mode a last job writes every row in one transaction, or nothing.
 */

export const SYNC_ROWS = 2000;
const CHUNK = 1000;
/** Errors kept per import (a file of 50,000 bad rows does not need 50,000 messages stored). */
const MAX_ERRORS = 5000;

export type ImportMode = 'all' | 'valid';

/**
 * An import as the API answers it. Row problems are stored as codes and params; `words` (the
 * request's `ctx.t`) puts each `message` in the reader's language — the stored English is for
 * imports read before codes existed.
 */
export function importView(r: any, opts: { errorLimit?: number; words?: RequestContext['t'] } = {}) {
  const t = opts.words;
  const errors: RowError[] = (r.errors ?? []).map((e: RowError) => (t && e.code ? { ...e, message: t(`fields.${e.code}`, e.params) } : e));
  const stored = Array.isArray(r.rows) ? r.rows.length : null;
  const limit = opts.errorLimit ?? 1000;
  return {
    id: r.id,
    status: r.status,
    phase: r.status === 'running' ? r.phase : null,
    mode: r.mode,
    dryRun: r.dry_run,
    format: r.format,
    fileName: r.file_name,
    columns: r.columns,
    totalRows: r.total_rows,
    processedRows: r.processed_rows,
    progress: r.status !== 'running' ? 100 : stored ? Math.min(99, Math.floor((r.processed_rows / stored) * (r.mode === 'all' ? 90 : 100))) : 0,
    created: r.created,
    updated: r.updated,
    errorCount: errors.length,
    errors: errors.slice(0, limit),
    createdAt: r.created_at,
    finishedAt: r.finished_at,
  };
}

const sortErrors = (e: RowError[]) => [...e].sort((a, b) => a.row - b.row).slice(0, MAX_ERRORS);

export async function startImport(
  ctx: RequestContext,
  input: { body: Buffer; contentType: string; fileName?: string; mode: ImportMode; dryRun: boolean },
): Promise<ReturnType<typeof importView>> {
  const format = detectFormat(input.body, input.contentType, input.fileName);
  const table = await readTable(input.body, format);
  assertImportFields(ctx, table.columns);
  const digits = currencyDigits((await posSettings(ctx)).currency);
  const { rows, errors } = parseRows(table, digits);
  const id = crypto.randomUUID();
  await ctx.em.execute(
    `insert into pos.import_job (tenant_id, id, format, mode, dry_run, file_name, columns, total_rows, created_by)
     values (?, ?, ?, ?, ?, ?, (select array(select jsonb_array_elements_text(?::jsonb))), ?, ?)`,
    [ctx.tenantId, id, format, input.mode, input.dryRun, input.fileName ?? null, JSON.stringify(table.columns), table.rows.length, ctx.user?.id ?? null],
  );
  if (rows.length + errors.length <= SYNC_ROWS) {
    const checked = await checkRowsAgainstDb(ctx, rows);
    const all = sortErrors([...errors, ...checked.errors]);
    let counts = { created: 0, updated: 0 };
    let status = 'done';
    if (input.mode === 'all' && all.length) status = 'failed';
    else if (input.dryRun) counts = dryCounts(checked.ok, checked.lookups.existing);
    else counts = await applyRows(ctx, table.columns, checked.ok, checked.lookups);
    await finish(ctx, id, status, counts, all, rows.length);
  } else {
    await ctx.em.execute('update pos.import_job set rows = ?::jsonb, errors = ?::jsonb where id = ?', [JSON.stringify(rows), JSON.stringify(sortErrors(errors)), id]);
    await ctx.jobs.enqueue('importProducts', { importId: id }, { jobId: `${id}-0` });
  }
  return importView(await load(ctx, id), { words: ctx.t });
}

function dryCounts(rows: ParsedRow[], existing: Map<string, unknown>) {
  const updated = rows.filter((r) => existing.has(r.sku.toLowerCase())).length;
  return { created: rows.length - updated, updated };
}

async function load(ctx: RequestContext, id: string) {
  const [r] = await ctx.em.execute('select * from pos.import_job where id = ?', [id]);
  if (!r) throw new NotFoundError('No such import', { subject: 'pos.Import' });
  return r;
}

async function finish(ctx: RequestContext, id: string, status: string, counts: { created: number; updated: number }, errors: RowError[], processed: number) {
  await ctx.em.execute(
    `update pos.import_job set status = ?, created = created + ?, updated = updated + ?, errors = ?::jsonb, processed_rows = ?, rows = null, finished_at = now(), updated_at = now() where id = ?`,
    [status, counts.created, counts.updated, JSON.stringify(errors), processed, id],
  );
}

/** One step of a big import (see the module comment). */
export async function runImportStep(ctx: JobContext): Promise<unknown> {
  const id = String(ctx.data.importId ?? '');
  const [job] = await ctx.em.execute('select * from pos.import_job where id = ? for update', [id]);
  if (!job || job.status !== 'running') return { skipped: true };
  const rows: ParsedRow[] = job.rows ?? [];
  const columns: Column[] = job.columns;
  const errors: RowError[] = job.errors ?? [];
  if (job.phase === 'apply') {
    const checked = await checkRowsAgainstDb(ctx, rows);
    if (checked.errors.length) {
      await finish(ctx, id, 'failed', { created: 0, updated: 0 }, sortErrors([...errors, ...checked.errors]), rows.length);
      return { failed: checked.errors.length };
    }
    const counts = await applyRows(ctx, columns, checked.ok, checked.lookups);
    await finish(ctx, id, 'done', counts, errors, rows.length);
    return counts;
  }
  const from = job.processed_rows;
  // each step of the chain starts where the last one ended: the jobs API shows the import's progress all along
  await ctx.progress(Math.floor((from / Math.max(1, rows.length)) * 100));
  const chunk = rows.slice(from, from + CHUNK);
  const checked = await checkRowsAgainstDb(ctx, chunk);
  let counts = { created: 0, updated: 0 };
  if (job.mode === 'valid') counts = job.dry_run ? dryCounts(checked.ok, checked.lookups.existing) : await applyRows(ctx, columns, checked.ok, checked.lookups);
  const allErrors = sortErrors([...errors, ...checked.errors]);
  const processed = from + chunk.length;
  await ctx.progress(Math.floor((processed / Math.max(1, rows.length)) * 100));
  if (processed < rows.length) {
    await ctx.em.execute(
      'update pos.import_job set processed_rows = ?, created = created + ?, updated = updated + ?, errors = ?::jsonb, updated_at = now() where id = ?',
      [processed, counts.created, counts.updated, JSON.stringify(allErrors), id],
    );
    await ctx.jobs.enqueue('importProducts', { importId: id }, { jobId: `${id}-${processed}` });
    return { processed };
  }
  if (job.mode === 'valid') {
    await finish(ctx, id, 'done', counts, allErrors, processed);
  } else if (allErrors.length) {
    await finish(ctx, id, 'failed', counts, allErrors, processed);
  } else if (job.dry_run) {
    await finish(ctx, id, 'done', dryCounts(rows, await existingOf(ctx, rows)), allErrors, processed);
  } else {
    await ctx.em.execute(`update pos.import_job set phase = 'apply', processed_rows = ?, updated_at = now() where id = ?`, [processed, id]);
    await ctx.jobs.enqueue('importProducts', { importId: id }, { jobId: `${id}-apply` });
  }
  return { processed };
}

async function existingOf(ctx: RequestContext, rows: ParsedRow[]): Promise<Map<string, unknown>> {
  return (await checkRowsAgainstDb(ctx, rows)).lookups.existing;
}

export const importProductsJob = defineJob({ maxAttempts: 3, handler: runImportStep });

export async function getImport(ctx: RequestContext, id: string, errorLimit?: number) {
  return importView(await load(ctx, id), { errorLimit, words: ctx.t });
}
