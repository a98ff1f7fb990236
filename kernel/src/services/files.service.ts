import type { ServiceSchema } from 'moleculer';
import { Type } from 'typebox';
import { NotFoundError, PayloadTooLargeError, ValidationError } from '@atrium/sdk';
import type { KernelDeps } from '../kernel-deps.ts';
import { kernelActions } from './kernel-action.ts';
import { ListParams, likePattern, orderBy } from './list-params.ts';
import { storeFile } from '../files/store-file.ts';

/** Binary responses travel between nodes as base64 and are written raw by the gateway. */
export type BinaryResponse = { $binary: string; contentType: string; filename: string };

export function filesService(deps: () => KernelDeps): ServiceSchema {
  const d = deps;
  return {
    name: 'files',
    actions: kernelActions('files', {
      upload: {
        rest: 'POST /',
        raw: true,
        permission: ['create', 'kernel.File'],
        status: 201,
        // the gateway refuses a larger body as its bytes arrive (413 before it is all sent, nothing buffered past this)
        maxBodyBytes: d().config.files.maxBytes,
        params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 255, pattern: '^[^/\\\\]+$' }), $body: Type.String(), $contentType: Type.String({ maxLength: 200 }) }, { additionalProperties: false }),
        summary: 'Upload a file: the request body is the file; ?name= gives its name',
        async handler(ctx) {
          const { config, files } = d();
          const data = Buffer.from(ctx.params.$body, 'base64');
          const contentType = ctx.params.$contentType.split(';')[0].trim().toLowerCase();
          if (data.length === 0) throw new ValidationError('The file is empty', [{ field: 'body', code: 'emptyFile', message: 'is empty' }]);
          if (data.length > config.files.maxBytes) throw new PayloadTooLargeError(`Files may be at most ${Math.round(config.files.maxBytes / 1024 / 1024)} MB`, { limitMb: Math.round((config.files.maxBytes / 1048576) * 10) / 10 });
          if (!config.files.allowedTypes.includes(contentType)) throw new ValidationError(`Files of type ${contentType} are not allowed`, [{ field: 'contentType', code: 'enum', params: { allowedValues: config.files.allowedTypes }, message: `must be one of ${config.files.allowedTypes.join(', ')}` }]);
          return storeFile(files, ctx.locals.em, { tenantId: ctx.meta.tenantId!, name: ctx.params.name, contentType, data, ownerPlugin: ctx.meta.callerPlugin ?? null, userId: ctx.meta.user?.id });
        },
      },
      list: {
        rest: 'GET /',
        permission: ['read', 'kernel.File'],
        params: Type.Object({ ...ListParams }, { additionalProperties: false }),
        async handler(ctx) {
          const { limit = 20, offset = 0, q, sort } = ctx.params;
          const order = orderBy(sort, { name: 'name', createdAt: 'created_at', size: 'size' }, 'created_at desc');
          // the caller's row rules (a role may see only its own uploads) hold here too
          const rule = ctx.locals.req!.rulesSql('read', 'kernel.File');
          const cond = `where ${rule.sql}${q ? ' and name ilike ?' : ''}`;
          const args = [...rule.params, ...(q ? [likePattern(q)] : [])];
          const items = await ctx.locals.em.execute(`select id, name, content_type as "contentType", size::int, sha256, owner_plugin as "ownerPlugin", created_at as "createdAt" from kernel.file ${cond} order by ${order}, id limit ? offset ?`, [...args, limit, offset]);
          const [{ n }] = await ctx.locals.em.execute(`select count(*)::int as n from kernel.file ${cond}`, args);
          return { items, total: n };
        },
      },
      download: {
        rest: 'GET /:id',
        permission: ['read', 'kernel.File'],
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false }),
        async handler(ctx): Promise<BinaryResponse> {
          const rule = ctx.locals.req!.rulesSql('read', 'kernel.File');
          const [f] = await ctx.locals.em.execute(`select name, content_type, storage_key from kernel.file where id = ? and ${rule.sql}`, [ctx.params.id, ...rule.params]);
          if (!f) throw new NotFoundError('No such file', { subject: 'kernel.File' });
          return { $binary: (await d().files.get(f.storage_key)).toString('base64'), contentType: f.content_type, filename: f.name };
        },
      },
      remove: {
        rest: 'DELETE /:id',
        permission: ['delete', 'kernel.File'],
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false }),
        async handler(ctx) {
          const rule = ctx.locals.req!.rulesSql('delete', 'kernel.File');
          const [f] = await ctx.locals.em.execute(`delete from kernel.file where id = ? and ${rule.sql} returning storage_key`, [ctx.params.id, ...rule.params]);
          if (!f) throw new NotFoundError('No such file', { subject: 'kernel.File' });
          await d().files.delete(f.storage_key);
          return { ok: true };
        },
      },
    }),
  };
}
