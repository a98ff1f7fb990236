import { ConflictError, ForbiddenError, Type, ValidationError, type FieldError, type RequestContext } from '@atrium/sdk';
import { barcodeProblem, type BarcodeKind, type BarcodeProblem } from './barcode.ts';

/**
 * Products as the API shows them, and the rules every writer shares: which fields a user may see
 * (a cashier never sees `cost`), references that must exist, and barcodes that belong to one
 * product only.
 */

export const BarcodeInput = Type.Object({
  code: Type.String({ minLength: 1, maxLength: 64 }),
  kind: Type.Optional(Type.Union([Type.Literal('unit'), Type.Literal('weight')])),
  qtyMilli: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000_000 })),
}, { additionalProperties: false });
export type Barcode = { code: string; kind: BarcodeKind; qtyMilli: number };

/** Field names of `pos.Product` that permission rules may restrict (atrium.plugin.json). */
const RESTRICTABLE = ['sku', 'name', 'price', 'cost', 'categoryId', 'taxRateId', 'supplierId', 'barcodes', 'attributes', 'unit'] as const;

/** Can the user see purchase cost (and so margins)? Field rules on `read pos.Product` decide. */
export function canSeeCost(ctx: RequestContext): boolean {
  const fields = ctx.permittedFields('read', 'pos.Product');
  return !fields || fields.includes('cost');
}

/** Rejects a write that touches a field the user's rules for `action pos.Product` leave out. */
export function assertWritableFields(ctx: RequestContext, action: 'create' | 'update', params: Record<string, unknown>): void {
  const fields = ctx.permittedFields(action, 'pos.Product');
  if (!fields) return;
  const denied = RESTRICTABLE.filter((f) => params[f] !== undefined && !fields.includes(f));
  if (denied.length) throw new ForbiddenError(`You may not set ${denied.join(', ')} of a product`, 'FIELD_FORBIDDEN', { fields: denied });
}

/** The select list behind productView: effective price for a store, barcodes, stock in the store. */
export function productSelect(storeParam: boolean): string {
  return `p.*, ${storeParam ? 'true' : 'false'} as has_store,
    ${storeParam ? 'sp.price' : 'null::bigint'} as store_price,
    ${storeParam ? 'sl.on_hand_milli' : 'null::bigint'} as on_hand_milli,
    ${storeParam ? 'sl.reserved_milli' : 'null::bigint'} as reserved_milli,
    (select coalesce(jsonb_agg(jsonb_build_object('code', b.code, 'kind', b.kind, 'qtyMilli', b.qty_milli) order by b.kind, b.code), '[]'::jsonb)
       from pos.barcode b where b.tenant_id = p.tenant_id and b.product_id = p.id) as barcodes`;
}

/** Joins for productSelect(true); the store id is the first parameter (twice). */
export const STORE_JOINS = `
  left join pos.store_price sp on sp.tenant_id = p.tenant_id and sp.store_id = ? and sp.product_id = p.id
  left join pos.stock_level sl on sl.tenant_id = p.tenant_id and sl.store_id = ? and sl.product_id = p.id`;

const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/** What a user may see of products, worked out once per request (CASL field rules are not free, and a page has many rows). */
const visibility = new WeakMap<RequestContext, { fields: string[] | undefined; seeCost: boolean; seeMargin: boolean }>();
function visibleTo(ctx: RequestContext) {
  let v = visibility.get(ctx);
  if (!v) {
    const fields = ctx.permittedFields('read', 'pos.Product');
    v = { fields, seeCost: !fields || fields.includes('cost'), seeMargin: ctx.can('read', 'pos.Margin') };
    visibility.set(ctx, v);
  }
  return v;
}

export function productView(ctx: RequestContext, r: any, opts: { seeCost?: boolean } = {}) {
  const vis = visibleTo(ctx);
  const seeCost = opts.seeCost ?? vis.seeCost;
  const price = Number(r.price);
  const storePrice = n(r.store_price);
  const out: Record<string, unknown> = {
    id: r.id,
    sku: r.sku,
    name: r.name,
    // the price that applies: the store's own when a store was asked for and it has one
    price: storePrice ?? price,
    basePrice: price,
    storePrice,
    cost: Number(r.cost),
    unit: r.unit,
    categoryId: r.category_id,
    taxRateId: r.tax_rate_id,
    supplierId: r.supplier_id,
    variantGroupId: r.variant_group_id,
    attributes: r.attributes ?? {},
    barcodes: (r.barcodes ?? []).map((b: any) => ({ code: b.code, kind: b.kind, qtyMilli: Number(b.qtyMilli) })),
    trackStock: r.track_stock,
    trackBatches: r.track_batches,
    lowStockMilli: n(r.low_stock_milli),
    imageFileId: r.image_file_id,
    quickKey: r.quick_key,
    archived: r.archived,
    version: r.version,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
  if (r.has_store) {
    out.onHandMilli = n(r.on_hand_milli) ?? 0;
    out.availableMilli = (n(r.on_hand_milli) ?? 0) - (n(r.reserved_milli) ?? 0);
  }
  const fields = vis.fields;
  if (fields) for (const f of RESTRICTABLE) if (!fields.includes(f)) delete out[f];
  if (fields && !fields.includes('price')) {
    delete out.basePrice;
    delete out.storePrice;
  }
  if (!seeCost) delete out.cost;
  else if (vis.seeMargin) out.margin = (out.price as number) - Number(r.cost);
  return out;
}

/** 400 naming the field when a referenced category/tax rate/supplier/variant group does not exist. */
export async function checkRefs(ctx: RequestContext, refs: { categoryId?: string | null; taxRateId?: string | null; supplierId?: string | null; variantGroupId?: string | null }): Promise<{ variantAttributes?: string[] }> {
  const checks: [keyof typeof refs, string][] = [
    ['categoryId', 'select 1 from pos.category where id = ?'],
    ['taxRateId', 'select 1 from pos.tax_rate where id = ? and not archived'],
    ['supplierId', 'select 1 from pos.supplier where id = ? and not archived'],
  ];
  const errors: FieldError[] = [];
  for (const [field, sql] of checks) {
    const id = refs[field];
    if (id && !(await ctx.em.execute(sql, [id])).length) errors.push({ field, code: 'unknown', message: `no such ${field.replace(/Id$/, '')} (or it is archived)` });
  }
  let variantAttributes: string[] | undefined;
  if (refs.variantGroupId) {
    const [g] = await ctx.em.execute('select attributes from pos.variant_group where id = ?', [refs.variantGroupId]);
    if (!g) errors.push({ field: 'variantGroupId', code: 'unknown', message: 'no such variant group' });
    else variantAttributes = g.attributes;
  }
  if (errors.length) throw new ValidationError(`Unknown ${errors.map((e) => e.field).join(', ')}`, errors);
  return { variantAttributes };
}

/** A variant's attributes must name exactly its group's attributes, each with a value. */
export function checkVariantAttributes(groupAttributes: string[], attributes: Record<string, unknown>): void {
  const missing = groupAttributes.filter((a) => typeof attributes[a] !== 'string' || !(attributes[a] as string).trim());
  const extra = Object.keys(attributes).filter((a) => !groupAttributes.includes(a));
  if (missing.length || extra.length) {
    throw new ValidationError('A variant has a value for each attribute of its group, and no others', [
      ...missing.map((a) => ({ field: `attributes.${a}`, code: 'required', message: 'is required by the variant group' })),
      ...extra.map((a) => ({ field: `attributes.${a}`, code: 'notAnAttribute', message: 'is not an attribute of the variant group' })),
    ]);
  }
}

export function normalizeBarcodes(input: { code: string; kind?: BarcodeKind; qtyMilli?: number }[], field = 'barcodes'): Barcode[] {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  const out: Barcode[] = [];
  input.forEach((b, i) => {
    const code = b.code.trim();
    const kind = b.kind ?? 'unit';
    const problem: BarcodeProblem | null = barcodeProblem(code, kind);
    if (problem) errors.push({ field: `${field}[${i}].code`, code: problem.code, params: problem.params, message: problem.message });
    else if (seen.has(code)) errors.push({ field: `${field}[${i}].code`, code: 'listedTwice', params: { value: code }, message: 'is listed twice' });
    seen.add(code);
    out.push({ code, kind, qtyMilli: kind === 'weight' ? 1000 : (b.qtyMilli ?? 1000) });
  });
  if (errors.length) throw new ValidationError('Invalid barcodes', errors);
  return out;
}

/** Replaces a product's barcodes; a code that another product has answers 409 naming it. */
export async function replaceBarcodes(ctx: RequestContext, productId: string, barcodes: Barcode[]): Promise<void> {
  if (barcodes.length) {
    const taken = await ctx.em.execute(
      `select b.code, p.sku from pos.barcode b join pos.product p on p.tenant_id = b.tenant_id and p.id = b.product_id
       where b.code in (select jsonb_array_elements_text(?::jsonb)) and b.product_id <> ?`,
      [JSON.stringify(barcodes.map((b) => b.code)), productId],
    );
    if (taken.length) {
      throw new ConflictError(`Barcode ${taken.map((t: any) => `${t.code} (${t.sku})`).join(', ')} belongs to another product`, 'BARCODE_TAKEN', {
        fields: taken.map((t: any) => ({ field: `barcodes[${barcodes.findIndex((b) => b.code === t.code)}].code`, code: 'barcodeOwner', params: { code: t.code, sku: t.sku }, message: `belongs to product ${t.sku}` })),
      });
    }
  }
  await ctx.em.execute('delete from pos.barcode where product_id = ?', [productId]);
  if (barcodes.length) {
    await ctx.em.execute(
      `insert into pos.barcode (tenant_id, code, product_id, kind, qty_milli)
       select ?, x.code, ?, x.kind, x.qty_milli from jsonb_to_recordset(?::jsonb) as x(code text, kind text, qty_milli bigint)`,
      [ctx.tenantId, productId, JSON.stringify(barcodes.map((b) => ({ code: b.code, kind: b.kind, qty_milli: b.qtyMilli })))],
    );
  }
}

/** Has the product been used (stock moved, sold, on a document)? Then it is archived, not deleted. */
export async function isReferenced(ctx: RequestContext, productId: string): Promise<boolean> {
  const [r] = await ctx.em.execute(
    `select exists(select 1 from pos.stock_move where product_id = ?)
         or exists(select 1 from pos.stock_document_line where product_id = ?)
         or exists(select 1 from pos.sale_line where product_id = ?)
         or exists(select 1 from pos.batch where product_id = ?)
         or exists(select 1 from pos.stock_level where product_id = ?) as used`,
    [productId, productId, productId, productId, productId],
  );
  return !!r.used;
}

