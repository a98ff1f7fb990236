import { ConflictError, defineAction, defineService, ForbiddenError, NotFoundError, Type, type RequestContext } from '@atrium/sdk';
import { discountLimitBp, MANAGER_ROLES, NO_LIMIT_BP } from '../domain/sale-rules.ts';
import { posSettings } from '../domain/settings.ts';
import { openTillSession, verifyPin, type StaffMember } from '../domain/staff-pin.ts';

/**
 * The shared till's people workflow (issue 13): switch who is serving by PIN (the sales record the
 * operator, whose discount limit applies), a manager's PIN to approve one discount above the
 * cashier's limit, clocking in and out by PIN, and sales parked at the till for later. PIN checks
 * run in short transactions of their own (`transaction: false`), so a wrong PIN is counted.
 */
const Id = Type.String({ format: 'uuid' });
const Pin = Type.String({ pattern: '^[0-9]{4,8}$' });

async function requireRegister(ctx: RequestContext, registerId: string) {
  const [r] = await ctx.em.execute('select id, store_id, archived from pos.register where id = ?', [registerId]);
  if (!r) throw new NotFoundError('No such register', { subject: 'pos.Register', field: 'registerId' });
  return r;
}

export const tillService = defineService({
  name: 'till',
  actions: {
    switchOperator: defineAction({
      rest: 'POST /operator',
      permission: ['create', 'pos.Sale'],
      transaction: false,
      mutates: true,
      summary: 'Who serves at this register from now: picked by name, proven by their POS PIN; the till sends the token with its sales',
      params: Type.Object({ registerId: Id, userId: Id, pin: Pin }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const who = await verifyPin(ctx, p.userId, p.pin);
        const session = await ctx.transaction(async (tx) => {
          await requireRegister(tx, p.registerId);
          return openTillSession(tx, p.registerId, who.userId, 'operator');
        });
        const settings = await posSettings(ctx);
        ctx.audit.target(p.registerId);
        ctx.audit.diff(null, { operator: who.userId, name: who.name });
        return { ...session, userId: who.userId, name: who.name, maxDiscountBp: discountLimitBp(settings, who.roles, who.roles.some((r) => MANAGER_ROLES.includes(r))) };
      },
    }),
    approve: defineAction({
      rest: 'POST /approval',
      permission: ['create', 'pos.Sale'],
      transaction: false,
      mutates: true,
      summary: 'A manager\'s PIN approves one discount above the cashier\'s limit: a token the sale spends (10 minutes, once)',
      params: Type.Object({ registerId: Id, userId: Id, pin: Pin }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const who: StaffMember = await verifyPin(ctx, p.userId, p.pin);
        const settings = await posSettings(ctx);
        const limit = discountLimitBp(settings, who.roles, who.roles.some((r) => MANAGER_ROLES.includes(r)));
        if (limit < NO_LIMIT_BP && !who.roles.some((r) => MANAGER_ROLES.includes(r))) {
          throw new ForbiddenError(`${who.name} may not approve discounts`, 'NOT_A_MANAGER', { name: who.name, fields: [{ field: 'userId', code: 'notAManager', message: 'not a manager' }] });
        }
        const session = await ctx.transaction(async (tx) => {
          await requireRegister(tx, p.registerId);
          return openTillSession(tx, p.registerId, who.userId, 'approval');
        });
        ctx.audit.target(p.registerId);
        ctx.audit.diff(null, { approvedBy: who.userId, name: who.name });
        return { ...session, userId: who.userId, name: who.name, maxDiscountBp: limit };
      },
    }),
    clock: defineAction({
      rest: 'POST /clock',
      permission: ['create', 'pos.Sale'],
      transaction: false,
      mutates: true,
      summary: 'Clock in or out at this register by POS PIN',
      params: Type.Object({ registerId: Id, userId: Id, pin: Pin, action: Type.Union([Type.Literal('in'), Type.Literal('out')]) }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const who = await verifyPin(ctx, p.userId, p.pin);
        const entry = await ctx.transaction(async (tx) => {
          const reg = await requireRegister(tx, p.registerId);
          if (p.action === 'in') {
            const rows = await tx.em.execute(
              `insert into pos.time_clock (tenant_id, id, user_id, store_id, register_id) values (?, ?, ?, ?, ?) on conflict do nothing returning id, clock_in, clock_out`,
              [tx.tenantId, crypto.randomUUID(), who.userId, reg.store_id, reg.id],
            );
            if (!rows.length) throw new ConflictError(`${who.name} is clocked in already`, 'ALREADY_CLOCKED_IN', { name: who.name });
            return rows[0];
          }
          const rows = await tx.em.execute('update pos.time_clock set clock_out = now() where user_id = ? and clock_out is null returning id, clock_in, clock_out', [who.userId]);
          if (!rows.length) throw new ConflictError(`${who.name} is not clocked in`, 'NOT_CLOCKED_IN', { name: who.name });
          return rows[0];
        });
        ctx.audit.target(who.userId);
        return { userId: who.userId, name: who.name, action: p.action, clockIn: entry.clock_in, clockOut: entry.clock_out ?? null };
      },
    }),
    hours: defineAction({
      rest: 'GET /clock',
      permission: ['read', 'pos.Report'],
      summary: 'Clock-in/out entries and hours worked per person over a period',
      params: Type.Object({ from: Type.String({ format: 'date-time' }), to: Type.String({ format: 'date-time' }), userId: Type.Optional(Id) }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const rows = await ctx.em.execute(
          `select c.user_id, s.name, c.clock_in, c.clock_out, c.store_id,
             extract(epoch from (least(coalesce(c.clock_out, now()), ?::timestamptz) - greatest(c.clock_in, ?::timestamptz)))::bigint as seconds
           from pos.time_clock c left join pos.staff s on s.tenant_id = c.tenant_id and s.user_id = c.user_id
           where c.clock_in < ?::timestamptz and coalesce(c.clock_out, now()) > ?::timestamptz and (?::uuid is null or c.user_id = ?::uuid)
           order by c.clock_in`,
          [p.to, p.from, p.to, p.from, p.userId ?? null, p.userId ?? null],
        );
        const people = new Map<string, { userId: string; name: string; seconds: number; entries: number }>();
        for (const r of rows) {
          const x = people.get(r.user_id) ?? { userId: r.user_id, name: r.name ?? '', seconds: 0, entries: 0 };
          x.seconds += Math.max(0, Number(r.seconds));
          x.entries++;
          people.set(r.user_id, x);
        }
        return {
          entries: rows.map((r: any) => ({ userId: r.user_id, name: r.name ?? '', storeId: r.store_id, clockIn: r.clock_in, clockOut: r.clock_out ?? null })),
          people: [...people.values()].map((x) => ({ ...x, hours: Math.round((x.seconds / 3600) * 100) / 100 })),
        };
      },
    }),
    park: defineAction({
      rest: 'POST /parked',
      permission: ['create', 'pos.Sale'],
      status: 201,
      idempotent: true,
      summary: 'Put the till\'s cart aside (the customer went for their wallet) to pick it up later, on any till of the store',
      params: Type.Object({
        registerId: Id,
        label: Type.Optional(Type.String({ maxLength: 120 })),
        cart: Type.Record(Type.String(), Type.Unknown()),
        total: Type.Integer({ minimum: 0, maximum: 1_000_000_000_000 }),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        if (JSON.stringify(p.cart).length > 200_000) throw new ConflictError('The cart is too big to park', 'CART_TOO_BIG', { field: 'cart' });
        await requireRegister(ctx, p.registerId);
        const [r] = await ctx.em.execute(
          'insert into pos.parked_sale (tenant_id, id, register_id, label, cart, total, parked_by) values (?, ?, ?, ?, ?::jsonb, ?, ?) returning id, register_id, label, total, parked_by, parked_at',
          [ctx.tenantId, crypto.randomUUID(), p.registerId, p.label?.trim() || null, JSON.stringify(p.cart), p.total, ctx.user?.id ?? null],
        );
        return { id: r.id, registerId: r.register_id, label: r.label, total: Number(r.total), parkedBy: r.parked_by, parkedAt: r.parked_at };
      },
    }),
    parked: defineAction({
      rest: 'GET /parked',
      permission: ['create', 'pos.Sale'],
      summary: 'Parked carts of a store (oldest first)',
      params: Type.Object({ storeId: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const rows = await ctx.em.execute(
          `select p.id, p.register_id, r.name as register_name, p.label, p.total, p.parked_by, p.parked_at, jsonb_array_length(coalesce(p.cart->'lines', '[]'::jsonb)) as lines
           from pos.parked_sale p join pos.register r on r.tenant_id = p.tenant_id and r.id = p.register_id where r.store_id = ? order by p.parked_at`,
          [ctx.params.storeId],
        );
        return { items: rows.map((r: any) => ({ id: r.id, registerId: r.register_id, registerName: r.register_name, label: r.label, total: Number(r.total), lines: Number(r.lines), parkedBy: r.parked_by, parkedAt: r.parked_at })), total: rows.length };
      },
    }),
    resume: defineAction({
      rest: 'POST /parked/:id/resume',
      permission: ['create', 'pos.Sale'],
      summary: 'Take a parked cart back to the till: it is removed from the list (two tills cannot both take it)',
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const rows = await ctx.em.execute('delete from pos.parked_sale where id = ? returning id, cart, total, label', [ctx.params.id]);
        if (!rows.length) throw new NotFoundError('This parked sale was picked up already (or never existed)');
        return { id: rows[0].id, cart: rows[0].cart, total: Number(rows[0].total), label: rows[0].label };
      },
    }),
  },
});
