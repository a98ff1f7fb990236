import { ConflictError, NotFoundError, Paging, Sort, Type, ValidationError, defineAction, defineService, orderBy, sqlWhere, type RequestContext } from '@atrium/sdk';
import { lineAmount } from '../domain/money.ts';
import { requireStore } from '../domain/stores.ts';
import { hasValidCheckDigit, isGs1Length, gs1CheckDigit, parseWeightEan } from '../domain/barcode.ts';
import {
  BarcodeInput, STORE_JOINS, assertWritableFields, checkRefs, checkVariantAttributes, isReferenced,
  normalizeBarcodes, productSelect, productView, replaceBarcodes,
} from '../domain/products.ts';
import { searchProducts } from '../domain/product-search.ts';

/**
 * Products: CRUD with barcodes, per-store prices, images (kernel files service), search for the
 * checkout (trigram index on name, prefix index on sku) and barcode lookup including
 * weight-embedded EAN-13. Edits carry the `version` they were made against (optimistic locking);
 * a product that stock or sales refer to is archived instead of deleted.
 */

const Id = Type.String({ format: 'uuid' });
const NullableId = Type.Union([Id, Type.Null()]);
const Money = Type.Integer({ minimum: 0, maximum: 1e15 });
const Attributes = Type.Record(Type.String({ minLength: 1, maxLength: 40 }), Type.String({ maxLength: 100 }), { maxProperties: 10 });

const ProductFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  price: Money,
  cost: Type.Optional(Money),
  unit: Type.Optional(Type.Union([Type.Literal('pcs'), Type.Literal('kg'), Type.Literal('l'), Type.Literal('m')])),
  categoryId: Type.Optional(NullableId),
  taxRateId: Type.Optional(NullableId),
  supplierId: Type.Optional(NullableId),
  variantGroupId: Type.Optional(NullableId),
  attributes: Type.Optional(Attributes),
  barcodes: Type.Optional(Type.Array(BarcodeInput, { maxItems: 50 })),
  trackStock: Type.Optional(Type.Boolean()),
  trackBatches: Type.Optional(Type.Boolean()),
  lowStockMilli: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 1e15 }), Type.Null()])),
  quickKey: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 999 }), Type.Null()])),
};
const Sku = Type.String({ minLength: 1, maxLength: 64, pattern: '^\\S(.*\\S)?$' });

const SORTS = { name: 'p.name', sku: 'lower(p.sku)', price: 'p.price', createdAt: 'p.created_at', updatedAt: 'p.updated_at' };

async function loadProduct(ctx: RequestContext, id: string, storeId?: string) {
  const [r] = await ctx.em.execute(
    `select ${productSelect(!!storeId)} from pos.product p ${storeId ? STORE_JOINS : ''} where p.id = ?`,
    storeId ? [storeId, storeId, id] : [id],
  );
  if (!r) throw new NotFoundError('No such product', { subject: 'pos.Product' });
  return r;
}

async function storePrices(ctx: RequestContext, id: string) {
  const rows = await ctx.em.execute('select store_id, price from pos.store_price where product_id = ? order by store_id', [id]);
  return rows.map((r: any) => ({ storeId: r.store_id, price: Number(r.price) }));
}

async function assertSkuFree(ctx: RequestContext, sku: string, exceptId?: string) {
  const [dup] = await ctx.em.execute('select id from pos.product where lower(sku) = lower(?) and id <> coalesce(?::uuid, gen_random_uuid())', [sku, exceptId ?? null]);
  if (dup) throw new ConflictError(`SKU ${sku} is taken`, 'DUPLICATE_SKU', { sku, fields: [{ field: 'sku', code: 'taken', message: 'is taken by another product' }], productId: dup.id });
}

/** Without a text query, totals are exact up to this many products, then capped. */
const LIST_CAP = 10_000;
/** A product whose barcode was scanned, ready for a cart line. */
type LookupHit = { row: any; qtyMilli: number; barcode: { code: string; kind: string; qtyMilli: number } | null; matchedBy: 'barcode' | 'weight' | 'sku' };

async function findByCode(ctx: RequestContext, code: string, storeId: string | undefined): Promise<LookupHit | null> {
  // the store check rides along in the same query: a scan is one round trip to the database
  const storeOk = storeId ? ', exists(select 1 from pos.store_settings ss where ss.store_id = ?) as store_ok' : '';
  const sel = `select ${productSelect(!!storeId)}, b.code as b_code, b.kind as b_kind, b.qty_milli as b_qty${storeOk}
               from pos.barcode b join pos.product p on p.tenant_id = b.tenant_id and p.id = b.product_id ${storeId ? STORE_JOINS : ''}
               where b.code = ? and b.kind = ? and not p.archived`;
  const args = (c: string, kind: string) => (storeId ? [storeId, storeId, storeId, c, kind] : [c, kind]);
  const [exact] = await ctx.em.execute(sel, args(code, 'unit'));
  if (exact) return { row: exact, qtyMilli: Number(exact.b_qty), barcode: { code: exact.b_code, kind: exact.b_kind, qtyMilli: Number(exact.b_qty) }, matchedBy: 'barcode' };
  const weight = parseWeightEan(code);
  if (weight) {
    if (!hasValidCheckDigit(code)) throw new ValidationError('Wrong check digit', [{ field: 'code', code: 'checkDigit', params: { expected: gs1CheckDigit(code.slice(0, 12)) }, message: `the EAN-13 check digit should be ${gs1CheckDigit(code.slice(0, 12))}` }]);
    const [w] = await ctx.em.execute(sel, args(weight.prefix, 'weight'));
    if (w) return { row: w, qtyMilli: weight.grams, barcode: { code: w.b_code, kind: w.b_kind, qtyMilli: weight.grams }, matchedBy: 'weight' };
  }
  const [bySku] = await ctx.em.execute(
    `select ${productSelect(!!storeId)}${storeOk} from pos.product p ${storeId ? STORE_JOINS : ''} where lower(p.sku) = lower(?) and not p.archived`,
    storeId ? [storeId, storeId, storeId, code] : [code],
  );
  if (bySku) return { row: bySku, qtyMilli: 1000, barcode: null, matchedBy: 'sku' };
  if (isGs1Length(code) && !hasValidCheckDigit(code)) {
    throw new ValidationError('Wrong check digit', [{ field: 'code', code: 'checkDigit', params: { expected: gs1CheckDigit(code.slice(0, -1)) }, message: `the check digit should be ${gs1CheckDigit(code.slice(0, -1))}` }]);
  }
  return null;
}

export const productsService = defineService({
  name: 'products',
  actions: {
    list: defineAction({
      rest: 'GET /',
      permission: ['read', 'pos.Product'],
      summary: 'Products; q: every word typed starts a word of the name or the SKU (or q is a barcode); storeId gives that store\'s prices and stock',
      description: 'With q, at most 200 matches are ranked (names starting with the first word first, then by name or sort); more than that: total = 200 and totalCapped = true (type more). '
        + 'withTotal=false: no count, 60 matches ranked (search-as-you-type). Without q, total is exact up to 10,000. lowStock needs storeId: products at or below their low-stock level there.',
      params: Type.Object({
        ...Paging,
        q: Type.Optional(Type.String({ maxLength: 100 })),
        categoryId: Type.Optional(Id),
        supplierId: Type.Optional(Id),
        variantGroupId: Type.Optional(Id),
        storeId: Type.Optional(Id),
        archived: Type.Optional(Type.Boolean()),
        lowStock: Type.Optional(Type.Boolean()),
        withTotal: Type.Optional(Type.Boolean()),
        sort: Sort,
      }, { additionalProperties: false }),
      async handler(ctx) {
        const { limit = 20, offset = 0, q, categoryId, supplierId, variantGroupId, storeId, archived = false, lowStock, withTotal = true, sort } = ctx.params;
        if (lowStock && !storeId) throw new ValidationError('lowStock needs a store', [{ field: 'storeId', code: 'requiredWith', params: { other: 'lowStock' }, message: 'is required with lowStock' }]);
        if (supplierId && !ctx.permittedFields('read', 'pos.Product')?.includes('supplierId') && ctx.permittedFields('read', 'pos.Product')) {
          throw new ValidationError('You may not filter by supplier', [{ field: 'supplierId', code: 'hiddenField', message: 'is not a field you may see' }]);
        }
        const tokens = (q ?? '').trim().split(/\s+/).filter(Boolean).slice(0, 5);
        if (tokens.length) {
          // text search: the word index, one prepared statement that also checks the store (domain/product-search.ts)
          const scanned = tokens.length === 1 && /^[0-9A-Za-z._-]{4,64}$/.test(tokens[0]);
          return searchProducts(ctx, { tokens, scanned, archived, storeId, categoryId, supplierId, variantGroupId, lowStock, sort, limit, offset, withTotal }, () => requireStore(ctx, storeId!));
        }
        if (storeId) await requireStore(ctx, storeId);
        const where = sqlWhere().always('p.archived = ?', archived)
          // a category includes its subcategories
          .add('p.category_id in (with recursive d as (select id from pos.category where id = ? union all select c.id from pos.category c join d on c.parent_id = d.id) select id from d)', categoryId)
          .add('p.supplier_id = ?', supplierId).add('p.variant_group_id = ?', variantGroupId);
        if (lowStock) where.always('p.low_stock_milli is not null and coalesce(sl.on_hand_milli, 0) <= p.low_stock_milli');
        const args = where.params;
        const joinArgs = storeId ? [storeId, storeId] : [];
        const from = `from pos.product p ${storeId ? STORE_JOINS : ''} ${where.where()}`;
        const rows = await ctx.em.execute(
          `select ${productSelect(!!storeId)} ${from} order by ${orderBy(sort, SORTS, 'p.name', 'p.id')} limit ? offset ?`,
          [...joinArgs, ...args, limit, offset],
        );
        // counting all 100,000 products for every page is not worth it: exact up to 10,000
        let total: number | null = null;
        let totalCapped = false;
        if (withTotal) {
          if (rows.length && rows.length < limit) total = offset + rows.length;
          else total = Number((await ctx.em.execute(`select count(*) as n from (select 1 ${from} limit ?) x`, [...joinArgs, ...args, LIST_CAP + 1]))[0].n);
          if (total > LIST_CAP) { total = LIST_CAP; totalCapped = true; }
        }
        return { items: rows.map((r: any) => productView(ctx, r)), total, totalCapped, limit, offset };
      },
    }),
    lookup: defineAction({
      rest: 'GET /lookup',
      permission: ['read', 'pos.Product'],
      summary: 'Scan: a barcode (exact, then weight-embedded EAN-13 20–29, then SKU) → product, quantity and the store\'s unit price',
      params: Type.Object({
        code: Type.String({ minLength: 1, maxLength: 64, pattern: '^[0-9A-Za-z._-]+$' }),
        storeId: Type.Optional(Id),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const { code, storeId } = ctx.params;
        const hit = await findByCode(ctx, code, storeId);
        // an unknown store is a 404 naming storeId whether or not the code was found
        if (storeId && !hit?.row.store_ok) await requireStore(ctx, storeId);
        if (!hit) throw new NotFoundError(`No product with barcode or SKU ${code} (code)`, { subject: 'pos.Product', field: 'code', barcode: code }, 'NO_PRODUCT_FOR_CODE');
        const product = productView(ctx, hit.row);
        const unitPrice = hit.row.store_price !== null && hit.row.store_price !== undefined ? Number(hit.row.store_price) : Number(hit.row.price);
        return { product, qtyMilli: hit.qtyMilli, unitPrice, amount: lineAmount(unitPrice, hit.qtyMilli), barcode: hit.barcode, matchedBy: hit.matchedBy, storeId: storeId ?? null };
      },
    }),
    quickKeys: defineAction({
      rest: 'GET /quick-keys',
      permission: ['read', 'pos.Product'],
      summary: 'Products on the checkout\'s quick keys, in key order, with the store\'s prices',
      params: Type.Object({ storeId: Type.Optional(Id) }, { additionalProperties: false }),
      async handler(ctx) {
        const { storeId } = ctx.params;
        if (storeId) await requireStore(ctx, storeId);
        const rows = await ctx.em.execute(
          `select ${productSelect(!!storeId)} from pos.product p ${storeId ? STORE_JOINS : ''} where p.quick_key is not null and not p.archived order by p.quick_key, p.name limit 200`,
          storeId ? [storeId, storeId] : [],
        );
        return { items: rows.map((r: any) => productView(ctx, r)), total: rows.length };
      },
    }),
    get: defineAction({
      rest: 'GET /:id',
      permission: ['read', 'pos.Product'],
      params: Type.Object({ id: Id, storeId: Type.Optional(Id) }, { additionalProperties: false }),
      async handler(ctx) {
        if (ctx.params.storeId) await requireStore(ctx, ctx.params.storeId);
        const r = await loadProduct(ctx, ctx.params.id, ctx.params.storeId);
        const out = productView(ctx, r);
        if ('price' in out) out.storePrices = await storePrices(ctx, ctx.params.id);
        return out;
      },
    }),
    create: defineAction({
      rest: 'POST /',
      permission: ['create', 'pos.Product'],
      status: 201,
      idempotent: true,
      params: Type.Object({ sku: Sku, ...ProductFields }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        assertWritableFields(ctx, 'create', p);
        const barcodes = normalizeBarcodes(p.barcodes ?? []);
        const { variantAttributes } = await checkRefs(ctx, p);
        if (variantAttributes) checkVariantAttributes(variantAttributes, p.attributes ?? {});
        if (p.trackBatches && p.trackStock === false) throw new ValidationError('Batches need stock tracking', [{ field: 'trackBatches', code: 'requiredWith', params: { other: 'trackStock' }, message: 'needs trackStock' }]);
        await assertSkuFree(ctx, p.sku);
        const id = crypto.randomUUID();
        await ctx.em.execute(
          `insert into pos.product (tenant_id, id, sku, name, category_id, variant_group_id, attributes, unit, tax_rate_id, supplier_id, price, cost, track_stock, track_batches, low_stock_milli, quick_key)
           values (?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [ctx.tenantId, id, p.sku, p.name.trim(), p.categoryId ?? null, p.variantGroupId ?? null, JSON.stringify(p.attributes ?? {}), p.unit ?? 'pcs', p.taxRateId ?? null, p.supplierId ?? null,
            p.price, p.cost ?? 0, p.trackStock ?? true, p.trackBatches ?? false, p.lowStockMilli ?? null, p.quickKey ?? null],
        );
        await replaceBarcodes(ctx, id, barcodes);
        return productView(ctx, await loadProduct(ctx, id));
      },
    }),
    update: defineAction({
      rest: 'PATCH /:id',
      permission: ['update', 'pos.Product'],
      summary: 'Change a product; send the version you read (409 STALE if someone changed it since). barcodes replaces the set.',
      params: Type.Object({
        id: Id,
        version: Type.Integer({ minimum: 1 }),
        sku: Type.Optional(Sku),
        ...ProductFields,
        name: Type.Optional(ProductFields.name),
        price: Type.Optional(Money),
        archived: Type.Optional(Type.Boolean()),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        assertWritableFields(ctx, 'update', p);
        const before = await loadProduct(ctx, p.id);
        if (before.version !== p.version) throw new ConflictError('The product was changed by someone else; reload and retry', 'STALE', { version: before.version });
        const { variantAttributes } = await checkRefs(ctx, p);
        const groupId = p.variantGroupId === undefined ? before.variant_group_id : p.variantGroupId;
        const attributes = p.attributes ?? before.attributes ?? {};
        if (groupId && (p.variantGroupId !== undefined || p.attributes !== undefined)) {
          const attrs = variantAttributes ?? (await ctx.em.execute('select attributes from pos.variant_group where id = ?', [groupId]))[0]?.attributes ?? [];
          checkVariantAttributes(attrs, attributes);
        }
        if (p.sku) await assertSkuFree(ctx, p.sku, p.id);
        const trackStock = p.trackStock ?? before.track_stock;
        const trackBatches = p.trackBatches ?? before.track_batches;
        if (trackBatches && !trackStock) throw new ValidationError('Batches need stock tracking', [{ field: 'trackBatches', code: 'requiredWith', params: { other: 'trackStock' }, message: 'needs trackStock' }]);
        if (p.trackBatches !== undefined && p.trackBatches !== before.track_batches && (await isReferenced(ctx, p.id))) {
          // batch projections start with the first receipt; switching later would leave stock outside any batch
          throw new ConflictError('Batch tracking cannot change once the product has stock history', 'TRACK_BATCHES_LOCKED', { fields: [{ field: 'trackBatches', code: 'batchesLocked', message: 'is fixed after the first stock move' }] });
        }
        const pick = (v: unknown, old: unknown) => (v === undefined ? old : v);
        const rows = await ctx.em.execute(
          `update pos.product set sku = ?, name = ?, category_id = ?, variant_group_id = ?, attributes = ?::jsonb, unit = ?, tax_rate_id = ?, supplier_id = ?, price = ?, cost = ?,
             track_stock = ?, track_batches = ?, low_stock_milli = ?, quick_key = ?, archived = ?, version = version + 1, updated_at = now()
           where id = ? and version = ? returning id`,
          [p.sku ?? before.sku, p.name?.trim() ?? before.name, pick(p.categoryId, before.category_id), groupId, JSON.stringify(attributes), p.unit ?? before.unit,
            pick(p.taxRateId, before.tax_rate_id), pick(p.supplierId, before.supplier_id), p.price ?? before.price, p.cost ?? before.cost, trackStock, trackBatches,
            pick(p.lowStockMilli, before.low_stock_milli), pick(p.quickKey, before.quick_key), p.archived ?? before.archived, p.id, p.version],
        );
        if (!rows.length) throw new ConflictError('The product was changed by someone else; reload and retry', 'STALE');
        if (p.barcodes) await replaceBarcodes(ctx, p.id, normalizeBarcodes(p.barcodes));
        const after = productView(ctx, await loadProduct(ctx, p.id));
        ctx.audit.diff(productView(ctx, before), after);
        return after;
      },
    }),
    remove: defineAction({
      rest: 'DELETE /:id',
      permission: ['delete', 'pos.Product'],
      summary: 'Delete a product never used; one with stock history or sales is archived instead',
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const [r] = await ctx.em.execute('select id from pos.product where id = ? for update', [ctx.params.id]);
        if (!r) throw new NotFoundError('No such product', { subject: 'pos.Product' });
        if (await isReferenced(ctx, ctx.params.id)) {
          await ctx.em.execute('update pos.product set archived = true, version = version + 1, updated_at = now() where id = ?', [ctx.params.id]);
          return { id: ctx.params.id, archived: true, deleted: false };
        }
        await ctx.em.execute('delete from pos.product where id = ?', [ctx.params.id]);
        return { id: ctx.params.id, archived: false, deleted: true };
      },
    }),
    setStorePrice: defineAction({
      rest: 'PUT /:id/prices/:storeId',
      permission: ['update', 'pos.Product'],
      summary: 'The product\'s price in one store (overrides the default price there)',
      params: Type.Object({ id: Id, storeId: Id, price: Money }, { additionalProperties: false }),
      async handler(ctx) {
        const { id, storeId, price } = ctx.params;
        assertWritableFields(ctx, 'update', { price });
        await requireStore(ctx, storeId);
        const before = await loadProduct(ctx, id, storeId);
        await ctx.em.execute(
          `insert into pos.store_price (tenant_id, store_id, product_id, price) values (?, ?, ?, ?)
           on conflict (tenant_id, store_id, product_id) do update set price = excluded.price`,
          [ctx.tenantId, storeId, id, price],
        );
        ctx.audit.diff({ storePrice: before.store_price === null ? null : Number(before.store_price) }, { storePrice: price });
        ctx.audit.target(id);
        return { productId: id, storeId, price, basePrice: Number(before.price) };
      },
    }),
    removeStorePrice: defineAction({
      rest: 'DELETE /:id/prices/:storeId',
      permission: ['update', 'pos.Product'],
      summary: 'Drop the store\'s own price: the default price applies there again',
      params: Type.Object({ id: Id, storeId: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const rows = await ctx.em.execute('delete from pos.store_price where product_id = ? and store_id = ? returning price', [ctx.params.id, ctx.params.storeId]);
        if (!rows.length) throw new NotFoundError('The product has no own price in that store', { subject: 'pos.Product' }, 'NO_STORE_PRICE');
        ctx.audit.target(ctx.params.id);
        return { productId: ctx.params.id, storeId: ctx.params.storeId, removed: true };
      },
    }),
    uploadImage: defineAction({
      rest: 'PUT /:id/image',
      raw: true,
      maxBodyBytes: 10 * 1024 * 1024,
      permission: ['update', 'pos.Product'],
      summary: 'Set the product image: the request body is the image (PNG, JPEG, WebP); stored by the kernel files service',
      params: Type.Object({
        id: Id,
        name: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: '^[^/\\\\]+$' })),
        $body: Type.String(),
        $contentType: Type.String({ maxLength: 200 }),
        $headers: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const { id, $body, $contentType } = ctx.params;
        const type = $contentType.split(';')[0].trim().toLowerCase();
        if (!['image/png', 'image/jpeg', 'image/webp'].includes(type)) throw new ValidationError('Send a PNG, JPEG or WebP image', [{ field: 'contentType', code: 'enum', params: { allowedValues: ['image/png', 'image/jpeg', 'image/webp'] }, message: 'must be image/png, image/jpeg or image/webp' }]);
        const before = await loadProduct(ctx, id);
        const ext = type.split('/')[1].replace('jpeg', 'jpg');
        const file = await ctx.call<{ id: string; size: number }>('files.upload', { name: ctx.params.name ?? `${before.sku}.${ext}`.replace(/[/\\]/g, '_'), $body, $contentType: type });
        await ctx.em.execute('update pos.product set image_file_id = ?, version = version + 1, updated_at = now() where id = ?', [file.id, id]);
        ctx.audit.diff({ imageFileId: before.image_file_id }, { imageFileId: file.id });
        return productView(ctx, await loadProduct(ctx, id));
      },
    }),
    image: defineAction({
      rest: 'GET /:id/image',
      permission: ['read', 'pos.Product'],
      summary: 'The product image (binary)',
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const [r] = await ctx.em.execute('select image_file_id from pos.product where id = ?', [ctx.params.id]);
        if (!r) throw new NotFoundError('No such product', { subject: 'pos.Product' });
        if (!r.image_file_id) throw new NotFoundError('The product has no image', { subject: 'pos.Product' }, 'NO_IMAGE');
        return ctx.call('files.download', { id: r.image_file_id });
      },
    }),
  },
});
