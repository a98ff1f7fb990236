import crypto from 'node:crypto';
import { defineAction, defineService, NotFoundError, numbered, sqlSet, Type, type ServiceDefinition } from '@atrium/sdk';
import { Color, Id, ShortName } from '../domain/fields.ts';

/**
 * The centre's own lists for leads: where they come from, the pipeline's statuses (the Kanban's
 * columns, each open, won or lost) and why leads are turned down. The built-in entries carry a
 * code that the UI words in the reader's language until someone gives them a name.
 */
function listService(name: string, table: string, extra: { columns: string; create: Record<string, any>; update: Record<string, any> }): ServiceDefinition {
  const COLUMNS = `id, code, name, position, archived${extra.columns}`;
  return defineService({
    name,
    actions: {
      list: defineAction({
        rest: 'GET /',
        // the pipeline's vocabulary, not leads: readable by whoever reads the school's settings
        permission: ['read', 'school.Settings'],
        params: Type.Object({ archived: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
        async handler(ctx) {
          const items = await ctx.sql(`select ${COLUMNS} from ${table} where tenant_id = $1::uuid and archived = $2::bool order by position, id`, [ctx.tenantId, ctx.params.archived ?? false]);
          return { items, total: items.length };
        },
      }),
      create: defineAction({
        rest: 'POST /',
        permission: ['manage', 'school.Settings'],
        status: 201,
        params: Type.Object({ name: ShortName, position: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })), ...extra.create }, { additionalProperties: false }),
        async handler(ctx) {
          const p = ctx.params as Record<string, any>;
          const cols = Object.keys(extra.create).map((k) => k.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`));
          const vals = Object.keys(extra.create).map((k) => p[k] ?? null);
          const [row] = await ctx.sql(
            `insert into ${table} (tenant_id, id, name, position${cols.map((c) => `, ${c}`).join('')})
             values ($1::uuid, $2::uuid, $3::text, coalesce($4::int, (select coalesce(max(position) + 1, 0) from ${table} where tenant_id = $1::uuid))${cols.map((_, i) => `, $${5 + i}`).join('')})
             returning ${COLUMNS}`,
            [ctx.tenantId, crypto.randomUUID(), p.name.trim(), p.position ?? null, ...vals],
          );
          return row;
        },
      }),
      update: defineAction({
        rest: 'PATCH /:id',
        permission: ['manage', 'school.Settings'],
        params: Type.Object({ id: Id, name: Type.Optional(ShortName), position: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })), archived: Type.Optional(Type.Boolean()), ...extra.update }, { additionalProperties: false }),
        async handler(ctx) {
          const p = ctx.params as Record<string, any>;
          const set = sqlSet().add('name = ?', p.name?.trim()).add('position = ?', p.position).add('archived = ?', p.archived);
          for (const k of Object.keys(extra.update)) set.add(`${k.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`)} = ?`, p[k]);
          const [row] = await ctx.sql(...numbered(`update ${table} set ${set.empty ? 'name = name' : set.text()} where tenant_id = ? and id = ? returning ${COLUMNS}`, [...set.params, ctx.tenantId, p.id]));
          if (!row) throw new NotFoundError('Not found', { subject: 'school.Settings', id: p.id });
          return row;
        },
      }),
    },
  });
}

const Kind = Type.Union([Type.Literal('open'), Type.Literal('won'), Type.Literal('lost')]);

export const leadSourcesService = listService('leadSources', 'school.lead_source', { columns: '', create: {}, update: {} });
export const leadStatusesService = listService('leadStatuses', 'school.lead_status', {
  columns: ', kind, color', create: { kind: Type.Optional(Kind), color: Type.Optional(Color) }, update: { color: Type.Optional(Color) },
});
export const rejectReasonsService = listService('rejectReasons', 'school.lead_reject_reason', { columns: '', create: {}, update: {} });
