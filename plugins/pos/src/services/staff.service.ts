import { defineAction, defineService, NotFoundError, Type, ValidationError } from '@atrium/sdk';
import { requireMember, type TenantMember } from '../domain/members.ts';
import { hashPin } from '../domain/staff-pin.ts';

/**
 * The people who work the tills: a POS PIN per member, set by a manager (who may see the team),
 * for switching the cashier on a shared till, clocking in and out, and a manager approving a
 * discount above a cashier's limit. The till lists names only — never hashes.
 */
const SUBJECT = 'pos.Staff';
const Id = Type.String({ format: 'uuid' });
const Pin = Type.String({ pattern: '^[0-9]{4,8}$', description: '4–8 digits' });
const WEAK = new Set(['0000', '1111', '1234', '12345', '123456', '0123', '9999', '1212', '4321']);

export const staffService = defineService({
  name: 'staff',
  actions: {
    list: defineAction({
      rest: 'GET /',
      permission: ['read', SUBJECT],
      summary: 'The people with a POS PIN (who can be picked at a shared till), and whether they are clocked in',
      params: Type.Object({}, { additionalProperties: false }),
      async handler(ctx) {
        const rows = await ctx.em.execute(
          `select s.user_id, s.name, s.roles, (s.pin_hash is not null) as has_pin,
             (select c.clock_in from pos.time_clock c where c.tenant_id = s.tenant_id and c.user_id = s.user_id and c.clock_out is null) as clocked_in_at
           from pos.staff s order by lower(s.name), s.user_id`,
        );
        return { items: rows.map((r: any) => ({ userId: r.user_id, name: r.name, roles: r.roles ?? [], hasPin: r.has_pin, clockedInAt: r.clocked_in_at ?? null })), total: rows.length };
      },
    }),
    members: defineAction({
      rest: 'GET /members',
      permission: ['manage', SUBJECT],
      summary: 'The business\'s members with their POS PIN status (for the manager who sets PINs)',
      params: Type.Object({}, { additionalProperties: false }),
      async handler(ctx) {
        const members: TenantMember[] = [];
        for (let offset = 0; ; offset += 200) {
          const page = await ctx.call<{ items: TenantMember[]; total: number }>('tenants.listMembers', { limit: 200, offset });
          members.push(...page.items);
          if (members.length >= page.total || !page.items.length) break;
        }
        const pins = new Map((await ctx.em.execute('select user_id, (pin_hash is not null) as has_pin from pos.staff')).map((r: any) => [r.user_id, r.has_pin]));
        return { items: members.map((m) => ({ userId: m.userId, email: m.email, name: m.displayName || m.email, roles: m.roles, hasPin: !!pins.get(m.userId) })), total: members.length };
      },
    }),
    setPin: defineAction({
      rest: 'PUT /:userId/pin',
      permission: ['manage', SUBJECT],
      summary: 'Give a member a POS PIN (4–8 digits; not an obvious one), or a new one',
      params: Type.Object({ userId: Id, pin: Pin }, { additionalProperties: false }),
      async handler(ctx) {
        const { userId, pin } = ctx.params;
        if (WEAK.has(pin) || /^(\d)\1+$/.test(pin)) throw new ValidationError('Choose a PIN that is not easy to guess', [{ field: 'pin', code: 'weakPin', message: 'too easy to guess (1234, 0000…)' }]);
        const m = await requireMember(ctx, userId, 'userId');
        const { hash, salt } = hashPin(pin);
        await ctx.em.execute(
          `insert into pos.staff (tenant_id, user_id, name, roles, pin_hash, pin_salt) values (?, ?, ?, ?::text[], ?, ?)
           on conflict (tenant_id, user_id) do update set name = excluded.name, roles = excluded.roles, pin_hash = excluded.pin_hash, pin_salt = excluded.pin_salt, failures = 0, locked_until = null, updated_at = now()`,
          [ctx.tenantId, userId, m.displayName || m.email, `{${m.roles.map((r) => `"${r}"`).join(',')}}`, hash, salt],
        );
        ctx.audit.target(userId);
        ctx.audit.diff(null, { userId, pin: 'set' });
        return { userId, name: m.displayName || m.email, roles: m.roles, hasPin: true };
      },
    }),
    clearPin: defineAction({
      rest: 'DELETE /:userId/pin',
      permission: ['manage', SUBJECT],
      params: Type.Object({ userId: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const rows = await ctx.em.execute('update pos.staff set pin_hash = null, pin_salt = null, updated_at = now() where user_id = ? returning user_id', [ctx.params.userId]);
        if (!rows.length) throw new NotFoundError('No POS PIN for this person', { subject: 'pos.Staff' });
        ctx.audit.target(ctx.params.userId);
        return { userId: ctx.params.userId, hasPin: false };
      },
    }),
  },
});
