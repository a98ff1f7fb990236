import { ConflictError, defineAction, defineService, NotFoundError, Type } from '@atrium/sdk';
import { nextNumber } from '../domain/counters.ts';
import { requireStore } from '../domain/stores.ts';

const Id = Type.String({ format: 'uuid' });
const RoleSuffix = Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$', maxLength: 60, description: 'device-bus role suffix: receipts print on receipt@<suffix>' });

export function registerView(r: any) {
  return { id: r.id, storeId: r.store_id, code: r.code, name: r.name, deviceRoleSuffix: r.device_role_suffix, printReceipts: r.print_receipts, archived: r.archived, createdAt: r.created_at };
}

function isUniqueViolation(e: unknown): boolean {
  return (e as any)?.code === '23505' || /duplicate key/.test(String((e as any)?.message));
}

/** Cash registers (tills) per store; each one prints on `receipt@<deviceRoleSuffix>`. */
export const registersService = defineService({
  name: 'registers',
  actions: {
    list: defineAction({
      rest: 'GET /',
      permission: ['read', 'pos.Register'],
      params: Type.Object({ storeId: Type.Optional(Id), archived: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
      async handler(ctx) {
        const rows = await ctx.em.execute(
          `select * from pos.register where (?::uuid is null or store_id = ?) and archived = ? order by code`,
          [ctx.params.storeId ?? null, ctx.params.storeId ?? null, ctx.params.archived ?? false],
        );
        return { items: rows.map(registerView), total: rows.length };
      },
    }),
    get: defineAction({
      rest: 'GET /:id',
      permission: ['read', 'pos.Register'],
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const [r] = await ctx.em.execute('select * from pos.register where id = ?', [ctx.params.id]);
        if (!r) throw new NotFoundError('Register not found', { subject: 'pos.Register' });
        return registerView(r);
      },
    }),
    create: defineAction({
      rest: 'POST /',
      permission: ['create', 'pos.Register'],
      status: 201,
      idempotent: true,
      params: Type.Object({
        storeId: Id,
        name: Type.String({ minLength: 1, maxLength: 120 }),
        deviceRoleSuffix: Type.Optional(RoleSuffix),
        printReceipts: Type.Optional(Type.Boolean()),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        await requireStore(ctx, p.storeId);
        const code = await nextNumber(ctx, 'register');
        try {
          const [r] = await ctx.em.execute(
            `insert into pos.register (tenant_id, id, store_id, code, name, device_role_suffix, print_receipts) values (?, ?, ?, ?, ?, ?, ?) returning *`,
            [ctx.tenantId, crypto.randomUUID(), p.storeId, code, p.name, p.deviceRoleSuffix ?? `till-${code}`, p.printReceipts ?? true],
          );
          ctx.audit.target(r.id);
          return registerView(r);
        } catch (e) {
          if (isUniqueViolation(e)) throw new ConflictError(`A register named "${p.name}" already exists in this store`, 'REGISTER_EXISTS', { field: 'name', name: p.name });
          throw e;
        }
      },
    }),
    update: defineAction({
      rest: 'PATCH /:id',
      permission: ['update', 'pos.Register'],
      params: Type.Object({
        id: Id,
        name: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
        deviceRoleSuffix: Type.Optional(RoleSuffix),
        printReceipts: Type.Optional(Type.Boolean()),
        archived: Type.Optional(Type.Boolean()),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const [before] = await ctx.em.execute('select * from pos.register where id = ? for update', [p.id]);
        if (!before) throw new NotFoundError('Register not found', { subject: 'pos.Register' });
        if (p.archived) {
          const [open] = await ctx.em.execute(`select 1 from pos.shift where register_id = ? and status = 'open'`, [p.id]);
          if (open) throw new ConflictError('Close the open shift before archiving the register', 'SHIFT_OPEN');
        }
        try {
          const [r] = await ctx.em.execute(
            `update pos.register set name = coalesce(?, name), device_role_suffix = coalesce(?, device_role_suffix),
               print_receipts = coalesce(?, print_receipts), archived = coalesce(?, archived) where id = ? returning *`,
            [p.name ?? null, p.deviceRoleSuffix ?? null, p.printReceipts ?? null, p.archived ?? null, p.id],
          );
          ctx.audit.diff(registerView(before), registerView(r));
          return registerView(r);
        } catch (e) {
          if (isUniqueViolation(e)) throw new ConflictError(`A register named "${p.name}" already exists in this store`, 'REGISTER_EXISTS', { field: 'name', name: p.name });
          throw e;
        }
      },
    }),
  },
});
