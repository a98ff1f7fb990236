import { ConflictError, NotFoundError, Paging, Type, defineAction, defineService, likePattern, listPage, sqlSet, sqlWhere, type RequestContext } from '@atrium/sdk';

const Id = Type.String({ format: 'uuid' });
const Fields = {
  phone: Type.Optional(Type.Union([Type.String({ maxLength: 32, pattern: '^[0-9+()\\- ]*$' }), Type.Null()])),
  email: Type.Optional(Type.Union([Type.String({ maxLength: 254, format: 'email' }), Type.Null()])),
  taxId: Type.Optional(Type.Union([Type.String({ maxLength: 40 }), Type.Null()])),
  notes: Type.Optional(Type.Union([Type.String({ maxLength: 4000 }), Type.Null()])),
};

const COLUMNS = 's.id, s.name, s.phone, s.email, s.tax_id, s.notes, s.archived, s.created_at';
const PRODUCT_COUNT = '(select count(*) from pos.product p where p.tenant_id = s.tenant_id and p.supplier_id = s.id) as product_count';

function view(r: any) {
  return { id: r.id, name: r.name, phone: r.phone, email: r.email, taxId: r.tax_id, notes: r.notes, archived: r.archived, createdAt: r.created_at, productCount: r.product_count === undefined ? undefined : Number(r.product_count) };
}

async function assertNameFree(ctx: RequestContext, name: string, exceptId?: string) {
  const rows = await ctx.em.execute('select 1 from pos.supplier where lower(name) = lower(?) and id <> coalesce(?::uuid, gen_random_uuid())', [name, exceptId ?? null]);
  if (rows.length) throw new ConflictError(`A supplier "${name}" exists`, 'DUPLICATE_NAME', { name, fields: [{ field: 'name', code: 'taken', message: 'is taken' }] });
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
        const like = q?.trim() ? likePattern(q.trim()) : undefined;
        const where = sqlWhere().always('s.archived = ?', archived).add('s.name ilike ? or s.phone ilike ? or s.email ilike ? or s.tax_id ilike ?', like, like, like, like);
        return listPage(ctx, { select: `${COLUMNS}, ${PRODUCT_COUNT}`, from: 'pos.supplier s', where, orderBy: 'lower(s.name), s.id', limit, offset }, view);
      },
    }),
    get: defineAction({
      rest: 'GET /:id',
      permission: ['read', 'pos.Supplier'],
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const [r] = await ctx.em.execute(`select ${COLUMNS}, ${PRODUCT_COUNT} from pos.supplier s where id = ?`, [ctx.params.id]);
        if (!r) throw new NotFoundError('No such supplier', { subject: 'pos.Supplier' });
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
          `insert into pos.supplier as s (tenant_id, id, name, phone, email, tax_id, notes) values (?, ?, ?, ?, ?, ?, ?) returning ${COLUMNS}`,
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
        const [before] = await ctx.em.execute(`select ${COLUMNS} from pos.supplier s where id = ? for update`, [p.id]);
        if (!before) throw new NotFoundError('No such supplier', { subject: 'pos.Supplier' });
        if (p.name) await assertNameFree(ctx, p.name.trim(), p.id);
        const set = sqlSet().add('name = ?', p.name?.trim()).add('phone = ?', p.phone).add('email = ?', p.email).add('tax_id = ?', p.taxId).add('notes = ?', p.notes).add('archived = ?', p.archived);
        const [r] = set.empty ? [before] : await ctx.em.execute(`update pos.supplier s set ${set.text()} where id = ? returning ${COLUMNS}`, [...set.params, p.id]);
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
        if (!r) throw new NotFoundError('No such supplier', { subject: 'pos.Supplier' });
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
