import { currencyDigits, defineAction, defineService, listPage, Paging, Type, ValidationError } from '@atrium/sdk';
import { posSettings } from '../domain/settings.ts';
import { canSeeCost } from '../domain/products.ts';
import { exportRows, toCsv, toXlsx } from '../domain/import-export.ts';
import { getImport, importView, startImport } from '../domain/import-run.ts';

const Id = Type.String({ format: 'uuid' });
const DELIMITERS = { semicolon: ';', comma: ',', tab: '\t' } as const;

/**
 * Catalogue import/export (CSV and .xlsx) under /api/pos/products. See domain/import-export.ts
 * for the file format and domain/import-run.ts for how big files are imported.
 */
export const productIoService = defineService({
  name: 'productIo',
  rest: 'products',
  actions: {
    import: defineAction({
      rest: 'POST /import',
      raw: true,
      maxBodyBytes: 20 * 1024 * 1024,
      permission: ['import', 'pos.Product'],
      status: 201,
      idempotent: true,
      summary: 'Import products from a CSV or .xlsx file (the request body); answers created/updated counts and every bad row',
      description: 'mode=all (default): nothing is written if any row is bad. mode=valid: good rows are imported, bad ones reported. dryRun=true only checks. '
        + 'Files over 2,000 rows are imported by a background job: poll GET /api/pos/products/imports/:id for progress.',
      params: Type.Object({
        mode: Type.Optional(Type.Union([Type.Literal('all'), Type.Literal('valid')])),
        dryRun: Type.Optional(Type.Boolean()),
        fileName: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
        $body: Type.String(),
        $contentType: Type.String({ maxLength: 200 }),
        $headers: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const body = Buffer.from(ctx.params.$body, 'base64');
        if (!body.length) throw new ValidationError('Send the file as the request body', [{ field: 'file', code: 'emptyFile', message: 'is empty' }]);
        const result = await startImport(ctx, { body, contentType: ctx.params.$contentType, fileName: ctx.params.fileName, mode: ctx.params.mode ?? 'all', dryRun: ctx.params.dryRun ?? false });
        // the audit entry gets the outcome, not the file
        ctx.audit.diff(null, { importId: result.id, fileName: result.fileName, mode: result.mode, totalRows: result.totalRows, created: result.created, updated: result.updated, errorCount: result.errorCount, status: result.status });
        ctx.audit.target(result.id);
        return result;
      },
    }),
    imports: defineAction({
      rest: 'GET /imports',
      permission: ['import', 'pos.Product'],
      summary: 'Recent imports with their status',
      params: Type.Object({ ...Paging }, { additionalProperties: false }),
      async handler(ctx) {
        const { limit = 20, offset = 0 } = ctx.params;
        return listPage(ctx, {
          select: `id, status, phase, mode, dry_run, format, file_name, columns, total_rows, processed_rows, created, updated, created_at, finished_at,
             jsonb_array_length(errors) as error_count, case when rows is null then null else jsonb_array_length(rows) end as stored`,
          from: 'pos.import_job', orderBy: 'created_at desc, id', limit, offset,
        }, (r: any) => ({ ...importView({ ...r, errors: [], rows: r.stored === null ? null : { length: Number(r.stored) } }, { errorLimit: 0 }), errorCount: Number(r.error_count) }));
      },
    }),
    importStatus: defineAction({
      rest: 'GET /imports/:id',
      permission: ['import', 'pos.Product'],
      summary: 'An import: status, progress (0–100), counts and the per-row error report',
      params: Type.Object({ id: Id, errorLimit: Type.Optional(Type.Integer({ minimum: 0, maximum: 5000 })) }, { additionalProperties: false }),
      handler: (ctx) => getImport(ctx, ctx.params.id, ctx.params.errorLimit),
    }),
    export: defineAction({
      rest: 'GET /export',
      permission: ['export', 'pos.Product'],
      summary: 'The catalogue as CSV (UTF-8 with BOM; ";" by default, as Excel in ru/uk/kk locales expects) or .xlsx, in the import format',
      params: Type.Object({
        format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('xlsx')])),
        delimiter: Type.Optional(Type.Union([Type.Literal('semicolon'), Type.Literal('comma'), Type.Literal('tab')])),
        archived: Type.Optional(Type.Boolean()),
        categoryId: Type.Optional(Id),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const { format = 'csv', delimiter = 'semicolon', archived, categoryId } = ctx.params;
        const digits = currencyDigits((await posSettings(ctx)).currency);
        const d = DELIMITERS[delimiter];
        // a comma delimiter goes with decimal points, ";" with decimal commas (how each locale's Excel reads numbers)
        const rows = await exportRows(ctx, { digits, comma: format === 'csv' && d !== ',' , withCost: canSeeCost(ctx), archived, categoryId });
        const day = new Date().toISOString().slice(0, 10);
        return format === 'xlsx'
          ? { $binary: (await toXlsx(rows)).toString('base64'), contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', filename: `products-${day}.xlsx` }
          : { $binary: toCsv(rows, d).toString('base64'), contentType: 'text/csv; charset=utf-8', filename: `products-${day}.csv` };
      },
    }),
  },
});
