import { ConflictError, NotFoundError, Type, defineAction, defineService, type RequestContext } from '@atrium/sdk';
import { Paging } from '../domain/list-query.ts';
import { likeEscape } from '../domain/products.ts';

const Id = Type.String({ format: 'uuid' });
const Fields = {
  phone: Type.Optional(Type.Union([Type.String({ maxLength: 32, pattern: '^[0-9+()\\- ]*$' }), Type.Null()])),
  email: Type.Optional(Type.Union([Type.String({ maxLength: 254, format: 'email' }), Type.Null()])),
  taxId: Type.Optional(Type.Union([Type.String({ maxLength: 40 }), Type.Null()])),
  notes: Type.Optional(Type.Union([Type.String({ maxLength: 4000 }), Type.Null()])),
};

function view(r: any) {
  return { id: r.id, name: r.name, phone: r.phone, email: r.email, taxId: r.tax_id, notes: r.notes, archived: r.archived, createdAt: r.created_at, productCount: r.product_count === undefined ? undefined : Number(r.product_count) };
}

async function assertNameFree(ctx: RequestContext, name: string, exceptId?: string) {
  const rows = await ctx.em.execute('select 1 from pos.supplier where lower(name) = lower(?) and id <> coalesce(?::uuid, gen_random_uuid())', [name, exceptId ?? null]);
  if (rows.length) throw new ConflictError(`A supplier "${name}" exists`, 'DUPLICATE_NAME', { fields: [{ field: 'name', message: 'is taken' }] });
}

/** Suppliers goods are received from (goods receipts) and products are bought from. */
export const suppliersService = defineService({
  name: 'suppliers',
  actions: {
    list: defineAction({
      rest: 'GET /',
      permission: ['read', 'pos.Supplier'],
      summary: 'Suppliers; q searches name, phone, e-mail and tax id',
      params: Type.Object({ ...Paging, q: Type.Optional(Type.String({ maxLength: 120 })), archived: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
      async handler(ctx) {
        const { limit = 20, offset = 0, q, archived = false } = ctx.params;
        const where = ['s.archived = ?'];
        const args: unknown[] = [archived];
        if (q?.trim()) {
          const like = `%${likeEscape(q.trim())}%`;
          where.push('(s.name ilike ? or s.phone ilike ? or s.email ilike ? or s.tax_id ilike ?)');
          args.push(like, like, like, like);
        }
        const rows = await ctx.em.execute(
          `select s.*, count(*) over () as total, (select count(*) from pos.product p where p.tenant_id = s.tenant_id and p.supplier_id = s.id) as product_count
           from pos.supplier s where ${where.join(' and ')} order by lower(s.name), s.id limit ? offset ?`,
          [...args, limit, offset],
        );
        let total = rows.length ? Number(rows[0].total) : 0;
        if (!rows.length && offset > 0) total = Number((await ctx.em.execute(`select count(*) as n from pos.supplier s where ${where.join(' and ')}`, args))[0].n);
        return { items: rows.map(view), total };
      },
    }),
    get: defineAction({
      rest: 'GET /:id',
      permission: ['read', 'pos.Supplier'],
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const [r] = await ctx.em.execute('select s.*, (select count(*) from pos.product p where p.tenant_id = s.tenant_id and p.supplier_id = s.id) as product_count from pos.supplier s where id = ?', [ctx.params.id]);
        if (!r) throw new NotFoundError('No such supplier');
        return view(r);
      },
    }),
    create: defineAction({
      rest: 'POST /',
      permission: ['create', 'pos.Supplier'],
      status: 201,
      idempotent: true,
      params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }), ...Fields }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        await assertNameFree(ctx, p.name.trim());
        const [r] = await ctx.em.execute(
          'insert into pos.supplier (tenant_id, id, name, phone, email, tax_id, notes) values (?, ?, ?, ?, ?, ?, ?) returning *',
          [ctx.tenantId, crypto.randomUUID(), p.name.trim(), p.phone ?? null, p.email ?? null, p.taxId ?? null, p.notes ?? null],
        );
        return view(r);
      },
    }),
    update: defineAction({
      rest: 'PATCH /:id',
      permission: ['update', 'pos.Supplier'],
      params: Type.Object({ id: Id, name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), archived: Type.Optional(Type.Boolean()), ...Fields }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const [before] = await ctx.em.execute('select * from pos.supplier where id = ? for update', [p.id]);
        if (!before) throw new NotFoundError('No such supplier');
        if (p.name) await assertNameFree(ctx, p.name.trim(), p.id);
        const pick = <T>(v: T | undefined, old: T) => (v === undefined ? old : v);
        const [r] = await ctx.em.execute(
          'update pos.supplier set name = ?, phone = ?, email = ?, tax_id = ?, notes = ?, archived = ? where id = ? returning *',
          [p.name?.trim() ?? before.name, pick(p.phone, before.phone), pick(p.email, before.email), pick(p.taxId, before.tax_id), pick(p.notes, before.notes), p.archived ?? before.archived, p.id],
        );
        ctx.audit.diff(view(before), view(r));
        return view(r);
      },
    }),
    remove: defineAction({
      rest: 'DELETE /:id',
      permission: ['delete', 'pos.Supplier'],
      summary: 'Delete a supplier; one that products or goods receipts refer to is archived instead',
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const [r] = await ctx.em.execute(
          `select id, exists(select 1 from pos.product p where p.supplier_id = s.id) or exists(select 1 from pos.stock_document d where d.supplier_id = s.id) as used
           from pos.supplier s where id = ? for update`,
          [ctx.params.id],
        );
        if (!r) throw new NotFoundError('No such supplier');
        if (r.used) {
          await ctx.em.execute('update pos.supplier set archived = true where id = ?', [ctx.params.id]);
          return { id: ctx.params.id, archived: true, deleted: false };
        }
        await ctx.em.execute('delete from pos.supplier where id = ?', [ctx.params.id]);
        return { id: ctx.params.id, archived: false, deleted: true };
      },
    }),
  },
});
