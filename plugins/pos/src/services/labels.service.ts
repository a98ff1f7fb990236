import { defineAction, defineService, NotFoundError, Type, ValidationError } from '@atrium/sdk';
import { printLabels, printTarget } from '../domain/printing.ts';

/**
 * Barcode labels and shelf price tags for the products a user picks, printed on the label printer
 * of a register (`label@<its role suffix>`), in the price that register's store sells at.
 */
const Id = Type.String({ format: 'uuid' });
const MAX_LABELS = 500;

export const labelsService = defineService({
  name: 'labels',
  actions: {
    print: defineAction({
      rest: 'POST /',
      permission: ['read', 'pos.Product'],
      mutates: true,
      summary: 'Print barcode labels (kind=barcode) or shelf price tags (kind=shelf) on label@<register>: copies per product',
      params: Type.Object({
        registerId: Id,
        kind: Type.Union([Type.Literal('barcode'), Type.Literal('shelf')]),
        items: Type.Array(Type.Object({ productId: Id, copies: Type.Integer({ minimum: 1, maximum: 100 }) }, { additionalProperties: false }), { minItems: 1, maxItems: 200 }),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        ctx.authorize('print', 'kernel.Device');
        const total = p.items.reduce((a, x) => a + x.copies, 0);
        if (total > MAX_LABELS) throw new ValidationError(`At most ${MAX_LABELS} labels at a time`, [{ field: 'items', code: 'tooManyLabels', params: { count: total, max: MAX_LABELS }, message: `${total} labels asked for; at most ${MAX_LABELS}` }]);
        const target = await printTarget(ctx, p.registerId);
        if (!target) throw new NotFoundError('No such register (registerId)');
        const rows = await ctx.sql<any>(
          `select p.id, p.name, p.sku, p.unit, coalesce(sp.price, p.price) as price,
             (select coalesce(jsonb_agg(jsonb_build_object('code', b.code, 'kind', b.kind) order by b.kind, b.code), '[]'::jsonb) from pos.barcode b where b.tenant_id = p.tenant_id and b.product_id = p.id) as barcodes
           from pos.product p left join pos.store_price sp on sp.tenant_id = p.tenant_id and sp.product_id = p.id and sp.store_id = $2::uuid
           where p.id = any($1::uuid[])`,
          [p.items.map((x) => x.productId), target.store_id],
        );
        const byId = new Map(rows.map((r) => [r.id, { id: r.id, name: r.name, sku: r.sku, unit: r.unit, price: Number(r.price), barcodes: r.barcodes }]));
        const missing = p.items.flatMap((x, i) => (byId.has(x.productId) ? [] : [{ field: `items.${i}.productId`, code: 'unknown', message: 'no such product' }]));
        if (missing.length) throw new ValidationError('Unknown products', missing);
        const out = await printLabels(ctx, target, p.items.map((x) => ({ product: byId.get(x.productId)!, copies: x.copies })), p.kind, ctx.idempotencyKey ?? crypto.randomUUID());
        ctx.audit.diff(null, { kind: p.kind, registerId: p.registerId, labels: total, printed: out.printed, error: out.error });
        return out;
      },
    }),
  },
});
