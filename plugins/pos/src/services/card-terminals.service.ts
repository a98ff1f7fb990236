import { ConflictError, defineAction, defineService, listPage, NotFoundError, Paging, sqlSet, sqlWhere, Type } from '@atrium/sdk';
import { requireStore } from '../domain/stores.ts';

/** The shop's card terminals, a card tender's `terminalId` (read by every till, set up by managers). */
const Id = Type.String({ format: 'uuid' });
const COLUMNS = 'id, store_id, name, archived, created_at';
const view = (r: any) => ({ id: r.id, storeId: r.store_id, name: r.name, archived: r.archived, createdAt: r.created_at });
const nameTaken = (name: string) => new ConflictError(`A terminal named "${name}" exists`, 'DUPLICATE_NAME', { name, fields: [{ field: 'name', code: 'taken', message: 'is taken' }] });

export const cardTerminalsService = defineService({
  name: 'cardTerminals',
  rest: 'card-terminals',
  actions: {
    list: defineAction({
      rest: 'GET /',
      permission: ['read', 'pos.Register'],
      summary: 'Card terminals; storeId: the ones usable in that store (its own and the shop-wide ones)',
      params: Type.Object({ ...Paging, storeId: Type.Optional(Id), archived: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
      async handler(ctx) {
        const { limit = 50, offset = 0, storeId, archived = false } = ctx.params;
        const where = sqlWhere().always('archived = ?', archived).add('(store_id is null or store_id = ?)', storeId);
        return listPage(ctx, { select: COLUMNS, from: 'pos.card_terminal', where, orderBy: 'lower(name), id', limit, offset }, view);
      },
    }),
    create: defineAction({
      rest: 'POST /',
      permission: ['update', 'pos.Register'],
      status: 201,
      idempotent: true,
      params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 80 }), storeId: Type.Optional(Type.Union([Id, Type.Null()])) }, { additionalProperties: false }),
      async handler(ctx) {
        if (ctx.params.storeId) await requireStore(ctx, ctx.params.storeId);
        const name = ctx.params.name.trim();
        const rows = await ctx.em.execute(`insert into pos.card_terminal (tenant_id, id, store_id, name) values (?, ?, ?, ?) on conflict do nothing returning ${COLUMNS}`, [ctx.tenantId, crypto.randomUUID(), ctx.params.storeId ?? null, name]);
        if (!rows.length) throw nameTaken(name);
        return view(rows[0]);
      },
    }),
    update: defineAction({
      rest: 'PATCH /:id',
      permission: ['update', 'pos.Register'],
      params: Type.Object({ id: Id, name: Type.Optional(Type.String({ minLength: 1, maxLength: 80 })), storeId: Type.Optional(Type.Union([Id, Type.Null()])), archived: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const [before] = await ctx.em.execute(`select ${COLUMNS} from pos.card_terminal where id = ? for update`, [p.id]);
        if (!before) throw new NotFoundError('No such card terminal');
        if (p.storeId) await requireStore(ctx, p.storeId);
        if (p.name && (await ctx.em.execute('select 1 from pos.card_terminal where lower(name) = lower(?) and id <> ? and not archived', [p.name.trim(), p.id])).length) throw nameTaken(p.name.trim());
        const set = sqlSet().add('name = ?', p.name?.trim()).add('store_id = ?', p.storeId).add('archived = ?', p.archived);
        const [after] = set.empty ? [before] : await ctx.em.execute(`update pos.card_terminal set ${set.text()} where id = ? returning ${COLUMNS}`, [...set.params, p.id]);
        ctx.audit.diff(view(before), view(after));
        return view(after);
      },
    }),
  },
});
