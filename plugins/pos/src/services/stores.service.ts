import { ValidationError, defineAction, defineService, NotFoundError, sqlSet, Type } from '@atrium/sdk';
import { kernelStores } from '../domain/stores.ts';

const Id = Type.String({ format: 'uuid' });
// text[] from a JSON array parameter (array parameters would be expanded into lists by the driver)
const TEXT_ARRAY = `(select array(select jsonb_array_elements_text(?::jsonb)))`;
const Lines = Type.Array(Type.String({ maxLength: 64 }), { maxItems: 8 });

const COLUMNS = 'store_id, name, allow_negative_stock, receipt_header, receipt_footer, updated_at';

function view(r: any) {
  return { storeId: r.store_id, name: r.name, allowNegativeStock: r.allow_negative_stock, receiptHeader: r.receipt_header, receiptFooter: r.receipt_footer, updatedAt: r.updated_at };
}

/**
 * The stores the POS runs in. A POS store is one of the tenant's kernel stores with POS settings
 * (negative stock allowed?, receipt header/footer). `POST /stores` sets one up: either an existing
 * kernel store (`storeId`) or a new one created through the kernel (`name`).
 */
export const storesService = defineService({
  name: 'stores',
  actions: {
    list: defineAction({
      rest: 'GET /',
      permission: ['read', 'pos.Store'],
      summary: 'Stores set up for POS, and the tenant stores that are not yet',
      params: Type.Object({}, { additionalProperties: false }),
      async handler(ctx) {
        const rows = await ctx.em.execute(`select ${COLUMNS} from pos.store_settings order by name, store_id`);
        const configured = new Set(rows.map((r: any) => r.store_id));
        // the tenant's other stores are for whoever sets stores up; a cashier or stockkeeper sees the POS ones
        const all = ctx.can('read', 'kernel.Store') ? await kernelStores(ctx) : [];
        return { items: rows.map(view), available: all.filter((s) => !configured.has(s.id)) };
      },
    }),
    setup: defineAction({
      rest: 'POST /',
      permission: ['update', 'pos.Store'],
      status: 201,
      idempotent: true,
      summary: 'Set up a store for POS: an existing tenant store (storeId) or a new one (name)',
      params: Type.Object({
        storeId: Type.Optional(Id),
        name: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
        address: Type.Optional(Type.String({ maxLength: 500 })),
        allowNegativeStock: Type.Optional(Type.Boolean()),
        receiptHeader: Type.Optional(Lines),
        receiptFooter: Type.Optional(Lines),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        let store: { id: string; name: string };
        if (p.storeId) {
          const found = (await kernelStores(ctx)).find((s) => s.id === p.storeId);
          if (!found) throw new NotFoundError(`Store ${p.storeId} does not exist (storeId)`, { subject: 'kernel.Store', field: 'storeId' });
          store = found;
        } else if (p.name) {
          store = await ctx.call<{ id: string; name: string }>('tenants.createStore', { name: p.name, ...(p.address ? { address: p.address } : {}) });
        } else {
          throw new ValidationError('Give storeId (an existing store) or name (a new store)', [{ field: 'storeId', code: 'storeOrName', message: 'storeId or name is required' }]);
        }
        const [row] = await ctx.em.execute(
          `insert into pos.store_settings (tenant_id, store_id, name, allow_negative_stock, receipt_header, receipt_footer) values (?, ?, ?, ?, ${TEXT_ARRAY}, ${TEXT_ARRAY})
           on conflict (tenant_id, store_id) do update set name = excluded.name, updated_at = now()
           returning ${COLUMNS}`,
          [ctx.tenantId, store.id, p.name ?? store.name, p.allowNegativeStock ?? false, JSON.stringify(p.receiptHeader ?? [store.name]), JSON.stringify(p.receiptFooter ?? [])],
        );
        ctx.audit.target(store.id);
        return view(row);
      },
    }),
    update: defineAction({
      rest: 'PATCH /:storeId',
      permission: ['update', 'pos.Store'],
      params: Type.Object({
        storeId: Id,
        name: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
        allowNegativeStock: Type.Optional(Type.Boolean()),
        receiptHeader: Type.Optional(Lines),
        receiptFooter: Type.Optional(Lines),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const [before] = await ctx.em.execute(`select ${COLUMNS} from pos.store_settings where store_id = ? for update`, [p.storeId]);
        if (!before) throw new NotFoundError(`Store ${p.storeId} is not set up for POS (storeId)`, { subject: 'pos.Store', field: 'storeId' }, 'STORE_NOT_SET_UP');
        const set = sqlSet().add('name = ?', p.name).add('allow_negative_stock = ?', p.allowNegativeStock)
          .add(`receipt_header = ${TEXT_ARRAY}`, p.receiptHeader === undefined ? undefined : JSON.stringify(p.receiptHeader))
          .add(`receipt_footer = ${TEXT_ARRAY}`, p.receiptFooter === undefined ? undefined : JSON.stringify(p.receiptFooter))
          .always('updated_at = now()');
        const [row] = await ctx.em.execute(`update pos.store_settings set ${set.text()} where store_id = ? returning ${COLUMNS}`, [...set.params, p.storeId]);
        ctx.audit.diff(view(before), view(row));
        return view(row);
      },
    }),
  },
});
