import crypto from 'node:crypto';
import { ConflictError, defineAction, defineJob, defineService, listPage, NotFoundError, Paging, sqlWhere, Type, UnprocessableError } from '@atrium/sdk';
import { AlfaCrmClient } from '../domain/alfacrm/client.ts';
import { runAlfaCrmImport, STEPS } from '../domain/alfacrm/run.ts';
import { badField, Id, iso } from '../domain/fields.ts';
import { schoolSettings } from '../domain/settings.ts';
import { importStudents, importTemplate } from '../domain/student-import.ts';
import { asLocale } from '../domain/words.ts';

const RUN = `r.id, r.source, r.status, r.cursor, r.counts, r.progress, r.error, r.started_by as "startedBy", ${iso('r.created_at')} as "createdAt", ${iso('r.started_at')} as "startedAt", ${iso('r.finished_at')} as "finishedAt",
  (select count(*) from school.import_skip k where k.tenant_id = r.tenant_id and k.run_id = r.id)::int as skipped`;

/** The AlfaCRM import, run as a job: one request at a time, page by page, resumable. */
export const alfacrmImportJob = defineJob({
  transaction: false,
  maxAttempts: 1,
  handler: (ctx) => runAlfaCrmImport(ctx, String(ctx.data.runId), { firstBackoffMs: typeof ctx.data.firstBackoffMs === 'number' ? ctx.data.firstBackoffMs : undefined }),
});

/**
 * Moving in: the AlfaCRM import (start, progress, what was skipped and why, resume, cancel; a
 * connection check first) and students from an Excel workbook with a report by row number.
 */
export const importsService = defineService({
  name: 'imports',
  actions: {
    checkAlfaCrm: defineAction({
      rest: 'POST /alfacrm/check',
      permission: ['run', 'school.Import'],
      transaction: false,
      mutates: false,
      summary: 'Sign in to AlfaCRM with the settings and list its branches: whether an import can start',
      params: Type.Object({}, { additionalProperties: false }),
      async handler(ctx) {
        const s = await schoolSettings(ctx);
        if (!s.alfacrmBaseUrl || !s.alfacrmEmail || !s.alfacrmApiKey) throw new UnprocessableError('Set the AlfaCRM address, e-mail and API key in the plugin\'s settings', 'ALFACRM_NOT_CONFIGURED', {});
        const client = new AlfaCrmClient((url, init) => ctx.fetch(url, init), s.alfacrmBaseUrl, s.alfacrmEmail, s.alfacrmApiKey, { maxAttempts: 2 });
        const page = await client.index<{ id: number; name: string }>('branch', null, 0, { is_active: 1 });
        return { ok: true, branches: page.items.map((b) => ({ id: b.id, name: b.name })) };
      },
    }),
    startAlfaCrm: defineAction({
      rest: 'POST /alfacrm',
      permission: ['run', 'school.Import'],
      status: 201,
      idempotent: true,
      summary: 'Start importing from AlfaCRM (progress: GET /imports/:id); a second run changes only what changed there',
      params: Type.Object({}, { additionalProperties: false }),
      async handler(ctx) {
        const [busy] = await ctx.sql<{ id: string }>(`select id from school.import_run where tenant_id = $1::uuid and source = 'alfacrm' and status in ('queued', 'running')`, [ctx.tenantId]);
        if (busy) throw new ConflictError('An AlfaCRM import is running already', 'IMPORT_RUNNING', { runId: busy.id });
        const id = crypto.randomUUID();
        await ctx.sql(`insert into school.import_run (tenant_id, id, source, started_by) values ($1::uuid, $2::uuid, 'alfacrm', $3::uuid)`, [ctx.tenantId, id, ctx.user?.id ?? null]);
        await ctx.jobs.enqueue('alfacrmImport', { runId: id }, { jobId: `alfacrm-${id}-0` });
        const [run] = await ctx.sql(`select ${RUN} from school.import_run r where r.tenant_id = $1::uuid and r.id = $2::uuid`, [ctx.tenantId, id]);
        return { ...run, steps: STEPS.length };
      },
    }),
    list: defineAction({
      rest: 'GET /',
      permission: ['read', 'school.Import'],
      params: Type.Object({ ...Paging }, { additionalProperties: false }),
      handler(ctx) {
        return listPage(ctx, { select: RUN, from: 'school.import_run r', where: sqlWhere().always('r.tenant_id = ?', ctx.tenantId), orderBy: 'r.created_at desc, r.id', limit: ctx.params.limit ?? 20, offset: ctx.params.offset ?? 0 });
      },
    }),
    get: defineAction({
      rest: 'GET /:id',
      permission: ['read', 'school.Import'],
      summary: 'A run: status, progress, counts per model, and (paged) what was skipped and why',
      params: Type.Object({ id: Id, ...Paging, reason: Type.Optional(Type.String({ maxLength: 40 })) }, { additionalProperties: false }),
      async handler(ctx) {
        const [run] = await ctx.sql(`select ${RUN} from school.import_run r where r.tenant_id = $1::uuid and r.id = $2::uuid`, [ctx.tenantId, ctx.params.id]);
        if (!run) throw new NotFoundError('Import not found', { subject: 'school.Import', id: ctx.params.id });
        const where = sqlWhere().always('k.tenant_id = ?', ctx.tenantId).always('k.run_id = ?', ctx.params.id).add('k.reason = ?', ctx.params.reason);
        const skips = await listPage(ctx, { select: 'k.model, k.external_id as "externalId", k.reason, k.detail', from: 'school.import_skip k', where, orderBy: 'k.id', limit: ctx.params.limit ?? 100, offset: ctx.params.offset ?? 0 });
        const reasons = await ctx.sql(`select model, reason, count(*)::int as count from school.import_skip where tenant_id = $1::uuid and run_id = $2::uuid group by 1, 2 order by 1, 2`, [ctx.tenantId, ctx.params.id]);
        return { ...run, steps: STEPS.length, skips, reasons };
      },
    }),
    resume: defineAction({
      rest: 'POST /:id/resume',
      permission: ['run', 'school.Import'],
      summary: 'Continue a failed or canceled run from where it stopped',
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const rows = await ctx.sql<{ id: string }>(`update school.import_run set status = 'queued', error = null, finished_at = null where tenant_id = $1::uuid and id = $2::uuid and status in ('failed', 'canceled') returning id`, [ctx.tenantId, ctx.params.id]);
        if (!rows.length) throw new ConflictError('Only a failed or canceled import can be resumed', 'IMPORT_NOT_RESUMABLE', { runId: ctx.params.id });
        await ctx.jobs.enqueue('alfacrmImport', { runId: ctx.params.id }, { jobId: `alfacrm-${ctx.params.id}-${Date.now()}` });
        return { id: ctx.params.id, status: 'queued' };
      },
    }),
    cancel: defineAction({
      rest: 'POST /:id/cancel',
      permission: ['run', 'school.Import'],
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const rows = await ctx.sql<{ id: string }>(`update school.import_run set status = 'canceled', finished_at = now() where tenant_id = $1::uuid and id = $2::uuid and status in ('queued', 'running') returning id`, [ctx.tenantId, ctx.params.id]);
        if (!rows.length) throw new ConflictError('The import is not running', 'IMPORT_NOT_RUNNING', { runId: ctx.params.id });
        return { id: ctx.params.id, status: 'canceled' };
      },
    }),
    students: defineAction({
      rest: 'POST /students',
      raw: true,
      maxBodyBytes: 10 * 1024 * 1024,
      permission: ['import', 'school.Student'],
      idempotent: true,
      summary: 'Students from an Excel workbook (.xlsx, the request body): every bad row reported by its number; mode=all writes nothing if any row is bad, mode=valid imports the good ones; dryRun only checks',
      params: Type.Object({
        mode: Type.Optional(Type.Union([Type.Literal('all'), Type.Literal('valid')])),
        dryRun: Type.Optional(Type.Boolean()),
        $body: Type.String(),
        $contentType: Type.String({ maxLength: 200 }),
        $headers: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const body = Buffer.from(ctx.params.$body, 'base64');
        if (!body.length) throw badField('file', 'FILE_EMPTY', 'send the workbook as the request body');
        const report = await importStudents(ctx, body, { mode: ctx.params.mode ?? 'all', dryRun: ctx.params.dryRun ?? false });
        ctx.audit.diff(null, { rows: report.rows, imported: report.imported, problems: report.problems.length, mode: report.mode, dryRun: report.dryRun });
        return report;
      },
    }),
    template: defineAction({
      rest: 'GET /students/template',
      // a blank workbook, no student's data: whoever may run imports gets it (a GET on
      // school.Student would have to be a list its row rules filter)
      permission: ['run', 'school.Import'],
      params: Type.Object({}, { additionalProperties: false }),
      async handler(ctx) {
        const customs = await ctx.sql<{ key: string; label: Record<string, string> }>('select key, label from school.custom_field where tenant_id = $1::uuid and not archived order by position, key', [ctx.tenantId]);
        const file = await importTemplate(asLocale(ctx.locale?.slice(0, 2)), customs);
        return { $binary: file.toString('base64'), contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', filename: 'students.xlsx' };
      },
    }),
  },
});
