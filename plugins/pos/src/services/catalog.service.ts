import { ConflictError, NotFoundError, Paging, Type, ValidationError, defineAction, defineService, likePattern, listPage, sqlSet, sqlWhere, type RequestContext } from '@atrium/sdk';
import { CATEGORY_TREE, CATEGORY_TREE_SQL } from '../domain/categories.ts';

/**
 * Categories (a tree) and tax rates. Reading needs `read pos.Catalog` (cashiers have it), changing
 * needs `manage pos.Catalog` (stockkeepers and managers).
 */

const Id = Type.String({ format: 'uuid' });
const NullableId = Type.Union([Id, Type.Null()]);

const CATEGORY_COLUMNS = 't.id, t.parent_id, t.name, t.sort, t.path, t.depth, t.created_at';
const PRODUCT_COUNT = '(select count(*) from pos.product p where p.tenant_id = t.tenant_id and p.category_id = t.id and not p.archived) as product_count';

function categoryView(r: any) {
  return { id: r.id, parentId: r.parent_id, name: r.name, sort: r.sort, path: r.path ?? r.name, depth: r.depth ?? 0, productCount: r.product_count === undefined ? undefined : Number(r.product_count), createdAt: r.created_at };
}



async function assertSiblingNameFree(ctx: RequestContext, parentId: string | null, name: string, exceptId?: string) {
  const [dup] = await ctx.em.execute(
    `select id from pos.category where coalesce(parent_id, '00000000-0000-0000-0000-000000000000'::uuid) = coalesce(?::uuid, '00000000-0000-0000-0000-000000000000'::uuid) and lower(name) = lower(?) and id <> coalesce(?::uuid, '00000000-0000-0000-0000-000000000000'::uuid)`,
    [parentId, name, exceptId ?? null],
  );
  if (dup) throw new ConflictError(`A category "${name}" already exists here`, 'DUPLICATE_NAME', { name, fields: [{ field: 'name', code: 'taken', message: 'is taken by a sibling category' }] });
}

async function assertParent(ctx: RequestContext, parentId: string | null | undefined, selfId?: string) {
  if (!parentId) return;
  if (!(await ctx.em.execute('select 1 from pos.category where id = ?', [parentId])).length) {
    throw new ValidationError('No such parent category', [{ field: 'parentId', code: 'unknown', message: 'no such category' }]);
  }
  if (selfId) {
    // moving a category under itself or one of its descendants would cut the branch off the tree
    const [cycle] = await ctx.em.execute(
      `with recursive d as (select id from pos.category where id = ? union all select c.id from pos.category c join d on c.parent_id = d.id) select 1 from d where id = ?`,
      [selfId, parentId],
    );
    if (cycle) throw new ValidationError('A category cannot move under itself', [{ field: 'parentId', code: 'categoryCycle', message: 'is the category itself or one of its subcategories' }]);
  }
}

async function loadCategory(ctx: RequestContext, id: string) {
  const [r] = await ctx.em.execute(`${CATEGORY_TREE_SQL} select ${CATEGORY_COLUMNS} from t where id = ?`, [id]);
  if (!r) throw new NotFoundError('No such category', { subject: 'pos.Category' });
  return categoryView(r);
}

type CategoryNode = ReturnType<typeof categoryView> & { children: CategoryNode[] };

export const categoriesService = defineService({
  name: 'categories',
  actions: {
    list: defineAction({
      rest: 'GET /',
      permission: ['read', 'pos.Catalog'],
      summary: 'Categories with path, depth and product count; tree=true nests them',
      params: Type.Object({
        ...Paging,
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 500 })),
        q: Type.Optional(Type.String({ maxLength: 120 })),
        parentId: Type.Optional(Id),
        tree: Type.Optional(Type.Boolean()),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const { limit = 500, offset = 0, q, parentId, tree } = ctx.params;
        const where = sqlWhere().add('t.name ilike ?', q ? likePattern(q) : undefined).add('t.parent_id = ?', parentId);
        const page = await listPage(ctx, { with: CATEGORY_TREE, select: `${CATEGORY_COLUMNS}, ${PRODUCT_COUNT}`, from: 't', where, orderBy: 't.ord, t.id', limit: tree ? 100_000 : limit, offset: tree ? 0 : offset }, categoryView);
        const { items, total } = page;
        if (!tree) return page;
        const byId = new Map<string, CategoryNode>(items.map((c: any) => [c.id, { ...c, children: [] }]));
        const roots: CategoryNode[] = [];
        for (const c of byId.values()) (c.parentId && byId.get(c.parentId) ? byId.get(c.parentId)!.children : roots).push(c);
        return { items: roots, total };
      },
    }),
    get: defineAction({
      rest: 'GET /:id',
      permission: ['read', 'pos.Catalog'],
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      handler: (ctx) => loadCategory(ctx, ctx.params.id),
    }),
    create: defineAction({
      rest: 'POST /',
      permission: ['manage', 'pos.Catalog'],
      status: 201,
      idempotent: true,
      params: Type.Object({
        name: Type.String({ minLength: 1, maxLength: 120 }),
        parentId: Type.Optional(NullableId),
        sort: Type.Optional(Type.Integer({ minimum: -1_000_000, maximum: 1_000_000 })),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const name = p.name.trim();
        if (!name || name.includes(' / ')) throw new ValidationError('Invalid category name', [{ field: 'name', code: 'categoryName', message: 'must not be blank or contain " / " (the path separator)' }]);
        await assertParent(ctx, p.parentId);
        await assertSiblingNameFree(ctx, p.parentId ?? null, name);
        const id = crypto.randomUUID();
        await ctx.em.execute('insert into pos.category (tenant_id, id, parent_id, name, sort) values (?, ?, ?, ?, ?)', [ctx.tenantId, id, p.parentId ?? null, name, p.sort ?? 0]);
        return loadCategory(ctx, id);
      },
    }),
    update: defineAction({
      rest: 'PATCH /:id',
      permission: ['manage', 'pos.Catalog'],
      params: Type.Object({
        id: Id,
        name: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
        parentId: Type.Optional(NullableId),
        sort: Type.Optional(Type.Integer({ minimum: -1_000_000, maximum: 1_000_000 })),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const [before] = await ctx.em.execute('select id, parent_id, name, sort, created_at from pos.category where id = ? for update', [p.id]);
        if (!before) throw new NotFoundError('No such category', { subject: 'pos.Category' });
        const name = p.name?.trim() ?? before.name;
        if (!name || name.includes(' / ')) throw new ValidationError('Invalid category name', [{ field: 'name', code: 'categoryName', message: 'must not be blank or contain " / "' }]);
        const parentId = p.parentId === undefined ? before.parent_id : p.parentId;
        await assertParent(ctx, parentId, p.id);
        await assertSiblingNameFree(ctx, parentId, name, p.id);
        await ctx.em.execute('update pos.category set name = ?, parent_id = ?, sort = ? where id = ?', [name, parentId, p.sort ?? before.sort, p.id]);
        const after = await loadCategory(ctx, p.id);
        ctx.audit.diff(categoryView(before), after);
        return after;
      },
    }),
    remove: defineAction({
      rest: 'DELETE /:id',
      permission: ['manage', 'pos.Catalog'],
      summary: 'Delete an empty category (no subcategories, no products)',
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const [c] = await ctx.em.execute(
          `select c.id, exists(select 1 from pos.category k where k.parent_id = c.id) as has_children, exists(select 1 from pos.product p where p.category_id = c.id) as has_products
           from pos.category c where c.id = ? for update`,
          [ctx.params.id],
        );
        if (!c) throw new NotFoundError('No such category', { subject: 'pos.Category' });
        if (c.has_children || c.has_products) throw new ConflictError('Move its subcategories and products elsewhere first', 'CATEGORY_NOT_EMPTY', { hasChildren: c.has_children, hasProducts: c.has_products });
        await ctx.em.execute('delete from pos.category where id = ?', [ctx.params.id]);
        return { id: ctx.params.id, deleted: true };
      },
    }),
  },
});

const TAX_COLUMNS = 'id, name, rate_bp, included, archived';

function taxView(r: any) {
  return { id: r.id, name: r.name, rateBp: r.rate_bp, included: r.included, archived: r.archived };
}

export const taxRatesService = defineService({
  name: 'taxRates',
  rest: 'tax-rates',
  actions: {
    list: defineAction({
      rest: 'GET /',
      permission: ['read', 'pos.Catalog'],
      params: Type.Object({ ...Paging, archived: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
      async handler(ctx) {
        const { limit = 20, offset = 0, archived = false } = ctx.params;
        return listPage(ctx, { select: TAX_COLUMNS, from: 'pos.tax_rate', where: sqlWhere().always('archived = ?', archived), orderBy: 'rate_bp, name, id', limit, offset }, taxView);
      },
    }),
    create: defineAction({
      rest: 'POST /',
      permission: ['manage', 'pos.Catalog'],
      status: 201,
      idempotent: true,
      summary: 'A tax rate in basis points (1200 = 12 %), included in prices or added on top',
      params: Type.Object({
        name: Type.String({ minLength: 1, maxLength: 60 }),
        rateBp: Type.Integer({ minimum: 0, maximum: 10000 }),
        included: Type.Optional(Type.Boolean()),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        if ((await ctx.em.execute('select 1 from pos.tax_rate where lower(name) = lower(?)', [p.name.trim()])).length) {
          throw new ConflictError(`A tax rate "${p.name}" exists`, 'DUPLICATE_NAME', { name: p.name, fields: [{ field: 'name', code: 'taken', message: 'is taken' }] });
        }
        const [r] = await ctx.em.execute(`insert into pos.tax_rate (tenant_id, id, name, rate_bp, included) values (?, ?, ?, ?, ?) returning ${TAX_COLUMNS}`, [ctx.tenantId, crypto.randomUUID(), p.name.trim(), p.rateBp, p.included ?? true]);
        return taxView(r);
      },
    }),
    update: defineAction({
      rest: 'PATCH /:id',
      permission: ['manage', 'pos.Catalog'],
      params: Type.Object({
        id: Id,
        name: Type.Optional(Type.String({ minLength: 1, maxLength: 60 })),
        rateBp: Type.Optional(Type.Integer({ minimum: 0, maximum: 10000 })),
        included: Type.Optional(Type.Boolean()),
        archived: Type.Optional(Type.Boolean()),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const [before] = await ctx.em.execute(`select ${TAX_COLUMNS} from pos.tax_rate where id = ? for update`, [p.id]);
        if (!before) throw new NotFoundError('No such tax rate', { subject: 'pos.TaxRate' });
        if (p.name && (await ctx.em.execute('select 1 from pos.tax_rate where lower(name) = lower(?) and id <> ?', [p.name.trim(), p.id])).length) {
          throw new ConflictError(`A tax rate "${p.name}" exists`, 'DUPLICATE_NAME', { name: p.name, fields: [{ field: 'name', code: 'taken', message: 'is taken' }] });
        }
        const set = sqlSet().add('name = ?', p.name?.trim()).add('rate_bp = ?', p.rateBp).add('included = ?', p.included).add('archived = ?', p.archived);
        const [r] = set.empty ? [before] : await ctx.em.execute(`update pos.tax_rate set ${set.text()} where id = ? returning ${TAX_COLUMNS}`, [...set.params, p.id]);
        ctx.audit.diff(taxView(before), taxView(r));
        return taxView(r);
      },
    }),
    remove: defineAction({
      rest: 'DELETE /:id',
      permission: ['manage', 'pos.Catalog'],
      summary: 'Delete a tax rate; one that products use is archived instead',
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const [r] = await ctx.em.execute('select id, exists(select 1 from pos.product p where p.tax_rate_id = t.id) as used from pos.tax_rate t where id = ? for update', [ctx.params.id]);
        if (!r) throw new NotFoundError('No such tax rate', { subject: 'pos.TaxRate' });
        if (r.used) {
          await ctx.em.execute('update pos.tax_rate set archived = true where id = ?', [ctx.params.id]);
          return { id: ctx.params.id, archived: true, deleted: false };
        }
        await ctx.em.execute('delete from pos.tax_rate where id = ?', [ctx.params.id]);
        return { id: ctx.params.id, archived: false, deleted: true };
      },
    }),
  },
});
