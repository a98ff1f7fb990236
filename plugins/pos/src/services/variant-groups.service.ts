import { ConflictError, NotFoundError, Paging, Type, ValidationError, defineAction, defineService, likePattern, listPage, sqlWhere, type RequestContext } from '@atrium/sdk';
import { assertWritableFields, checkRefs, productSelect, productView } from '../domain/products.ts';

/**
 * Variant groups: a product family (a T-shirt) with attribute names (size, color). Each variant
 * is an ordinary product with its own SKU, barcodes, price and stock, linked by
 * `variant_group_id` and holding one value per attribute.
 */

const Id = Type.String({ format: 'uuid' });
const AttrName = Type.String({ minLength: 1, maxLength: 40, pattern: '^[^\\s].*$' });
const MAX_VARIANTS = 200;

const COLUMNS = 'g.id, g.name, g.attributes, (select count(*) from pos.product p where p.tenant_id = g.tenant_id and p.variant_group_id = g.id) as variant_count';

function view(r: any) {
  return { id: r.id, name: r.name, attributes: r.attributes, variantCount: r.variant_count === undefined ? undefined : Number(r.variant_count) };
}

async function load(ctx: RequestContext, id: string) {
  const [g] = await ctx.em.execute(`select ${COLUMNS} from pos.variant_group g where id = ?`, [id]);
  if (!g) throw new NotFoundError('No such variant group', { subject: 'pos.VariantGroup' });
  return g;
}

function uniqueAttributes(attrs: string[]): string[] {
  const out = attrs.map((a) => a.trim());
  const dup = out.find((a, i) => out.findIndex((b) => b.toLowerCase() === a.toLowerCase()) !== i);
  if (dup) throw new ValidationError('Attribute names repeat', [{ field: 'attributes', code: 'listedTwice', params: { value: dup }, message: `"${dup}" is listed twice` }]);
  return out;
}

/** Every combination of the value lists, in the order given (size × color → S/red, S/blue, M/red…). */
export function combinations(attrs: string[], values: Record<string, string[]>): Record<string, string>[] {
  let out: Record<string, string>[] = [{}];
  for (const a of attrs) out = out.flatMap((c) => values[a].map((v) => ({ ...c, [a]: v })));
  return out;
}

const slug = (v: string) => v.trim().replace(/\s+/g, '-').replace(/[^0-9A-Za-zА-Яа-яЁёІіЇїЄєҐґӘәҒғҚқҢңӨөҰұҮүҺһ._-]/g, '').toUpperCase();

export const variantGroupsService = defineService({
  name: 'variantGroups',
  rest: 'variant-groups',
  actions: {
    list: defineAction({
      rest: 'GET /',
      permission: ['read', 'pos.Catalog'],
      params: Type.Object({ ...Paging, q: Type.Optional(Type.String({ maxLength: 120 })) }, { additionalProperties: false }),
      async handler(ctx) {
        const { limit = 20, offset = 0, q } = ctx.params;
        const where = sqlWhere().add('g.name ilike ?', q ? likePattern(q) : undefined);
        return listPage(ctx, { select: COLUMNS, from: 'pos.variant_group g', where, orderBy: 'lower(g.name), g.id', limit, offset }, view);
      },
    }),
    get: defineAction({
      rest: 'GET /:id',
      permission: ['read', 'pos.Catalog'],
      summary: 'A variant group with its variants',
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const g = await load(ctx, ctx.params.id);
        const rows = await ctx.em.execute(`select ${productSelect(false)} from pos.product p where p.variant_group_id = ? order by p.sku`, [g.id]);
        const variants = ctx.can('read', 'pos.Product') ? rows.map((r: any) => productView(ctx, r)) : [];
        return { ...view(g), variants };
      },
    }),
    create: defineAction({
      rest: 'POST /',
      permission: ['manage', 'pos.Catalog'],
      status: 201,
      idempotent: true,
      params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }), attributes: Type.Array(AttrName, { minItems: 1, maxItems: 5 }) }, { additionalProperties: false }),
      async handler(ctx) {
        const [r] = await ctx.em.execute(
          'insert into pos.variant_group (tenant_id, id, name, attributes) values (?, ?, ?, (select array(select jsonb_array_elements_text(?::jsonb)))) returning *',
          [ctx.tenantId, crypto.randomUUID(), ctx.params.name.trim(), JSON.stringify(uniqueAttributes(ctx.params.attributes))],
        );
        return { ...view(r), variantCount: 0 };
      },
    }),
    update: defineAction({
      rest: 'PATCH /:id',
      permission: ['manage', 'pos.Catalog'],
      summary: 'Rename the group or its attributes; attributes can change only while it has no variants',
      params: Type.Object({ id: Id, name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), attributes: Type.Optional(Type.Array(AttrName, { minItems: 1, maxItems: 5 })) }, { additionalProperties: false }),
      async handler(ctx) {
        const before = await load(ctx, ctx.params.id);
        if (ctx.params.attributes && Number(before.variant_count) > 0 && JSON.stringify(ctx.params.attributes) !== JSON.stringify(before.attributes)) {
          throw new ConflictError('Attributes cannot change while the group has variants', 'GROUP_HAS_VARIANTS', { fields: [{ field: 'attributes', code: 'groupHasVariants', message: 'the group has variants' }] });
        }
        const [r] = await ctx.em.execute(
          'update pos.variant_group set name = ?, attributes = (select array(select jsonb_array_elements_text(?::jsonb))) where id = ? returning *',
          [ctx.params.name?.trim() ?? before.name, JSON.stringify(ctx.params.attributes ? uniqueAttributes(ctx.params.attributes) : before.attributes), ctx.params.id],
        );
        ctx.audit.diff(view(before), view(r));
        return { ...view(r), variantCount: Number(before.variant_count) };
      },
    }),
    remove: defineAction({
      rest: 'DELETE /:id',
      permission: ['manage', 'pos.Catalog'],
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const g = await load(ctx, ctx.params.id);
        if (Number(g.variant_count) > 0) throw new ConflictError('Delete or move its variants first', 'GROUP_HAS_VARIANTS');
        await ctx.em.execute('delete from pos.variant_group where id = ?', [g.id]);
        return { id: g.id, deleted: true };
      },
    }),
    generate: defineAction({
      rest: 'POST /:id/variants',
      permission: ['create', 'pos.Product'],
      status: 201,
      idempotent: true,
      summary: 'Create a variant for every combination of the given attribute values; combinations that exist are skipped',
      params: Type.Object({
        id: Id,
        values: Type.Record(Type.String({ minLength: 1, maxLength: 40 }), Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { minItems: 1, maxItems: 50 })),
        skuPrefix: Type.String({ minLength: 1, maxLength: 30, pattern: '^\\S+$' }),
        price: Type.Integer({ minimum: 0, maximum: 1e15 }),
        cost: Type.Optional(Type.Integer({ minimum: 0, maximum: 1e15 })),
        unit: Type.Optional(Type.Union([Type.Literal('pcs'), Type.Literal('kg'), Type.Literal('l'), Type.Literal('m')])),
        categoryId: Type.Optional(Id),
        taxRateId: Type.Optional(Id),
        supplierId: Type.Optional(Id),
        trackBatches: Type.Optional(Type.Boolean()),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        assertWritableFields(ctx, 'create', p);
        const g = await load(ctx, p.id);
        const attrs: string[] = g.attributes;
        const errors = [
          ...attrs.filter((a) => !p.values[a]).map((a) => ({ field: `values.${a}`, code: 'required', message: 'is required: values for every attribute of the group' })),
          ...Object.keys(p.values).filter((a) => !attrs.includes(a)).map((a) => ({ field: `values.${a}`, code: 'notAnAttribute', message: 'is not an attribute of the group' })),
        ];
        if (errors.length) throw new ValidationError('Give values for exactly the group\'s attributes', errors);
        const combos = combinations(attrs, Object.fromEntries(attrs.map((a) => [a, [...new Set(p.values[a].map((v) => v.trim()))]])));
        if (combos.length > MAX_VARIANTS) throw new ValidationError(`At most ${MAX_VARIANTS} variants at once`, [{ field: 'values', code: 'tooManyVariants', params: { count: combos.length, max: MAX_VARIANTS }, message: `gives ${combos.length} combinations` }]);
        await checkRefs(ctx, p);
        const existing = await ctx.em.execute('select attributes from pos.product where variant_group_id = ?', [g.id]);
        const key = (a: Record<string, string>) => JSON.stringify(attrs.map((n) => a[n]));
        const have = new Set(existing.map((e: any) => key(e.attributes)));
        const fresh = combos.filter((c) => !have.has(key(c)));
        const rows = fresh.map((c) => ({
          id: crypto.randomUUID(),
          sku: `${p.skuPrefix}-${attrs.map((a) => slug(c[a])).join('-')}`.slice(0, 64),
          name: `${g.name} ${attrs.map((a) => c[a]).join(' / ')}`.slice(0, 200),
          attributes: c,
        }));
        const taken = rows.length
          ? await ctx.em.execute('select sku from pos.product where lower(sku) in (select lower(jsonb_array_elements_text(?::jsonb)))', [JSON.stringify(rows.map((r) => r.sku))])
          : [];
        if (taken.length) throw new ConflictError(`SKU ${taken.map((t: any) => t.sku).join(', ')} is taken`, 'DUPLICATE_SKU', { fields: [{ field: 'skuPrefix', code: 'skusTaken', params: { skus: taken.map((t: any) => t.sku) }, message: 'gives SKUs that other products have' }] });
        if (rows.length) {
          await ctx.em.execute(
            `insert into pos.product (tenant_id, id, sku, name, variant_group_id, attributes, unit, category_id, tax_rate_id, supplier_id, price, cost, track_batches)
             select ?, x.id, x.sku, x.name, ?, x.attributes, ?, ?, ?, ?, ?, ?, ? from jsonb_to_recordset(?::jsonb) as x(id uuid, sku text, name text, attributes jsonb)`,
            [ctx.tenantId, g.id, p.unit ?? 'pcs', p.categoryId ?? null, p.taxRateId ?? null, p.supplierId ?? null, p.price, p.cost ?? 0, p.trackBatches ?? false, JSON.stringify(rows)],
          );
        }
        const created = rows.length
          ? await ctx.em.execute(`select ${productSelect(false)} from pos.product p where p.id in (select (jsonb_array_elements_text(?::jsonb))::uuid) order by p.sku`, [JSON.stringify(rows.map((r) => r.id))])
          : [];
        ctx.audit.target(g.id);
        return { created: created.map((r: any) => productView(ctx, r)), skipped: combos.length - fresh.length };
      },
    }),
  },
});
