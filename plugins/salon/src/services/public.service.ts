import { defineAction, defineService, Type, UnprocessableError } from '@atrium/sdk';
import { cleanPhone, checkInstant, Id } from './common.ts';
import { createBooking } from './bookings.service.ts';
import { searchSlots, SearchParams } from './availability.service.ts';

const TenantKey = Type.String({ format: 'uuid', description: 'the salon (tenant) id, as in the link the salon shares' });
/** Upcoming online bookings one phone number may hold at a time (a bot or a prank cannot fill the book). */
export const ONLINE_BOOKINGS_PER_PHONE = 3;

/**
 * The public booking page's API (no sign-in; the salon's id in the path): services that may be
 * booked online with their masters, free slots, and a booking with the client's name and phone.
 * Only online services, only future times, only the master's working hours, and at most
 * ONLINE_BOOKINGS_PER_PHONE upcoming online bookings per phone; the gateway's per-address rate
 * limit applies as to every route, and an Idempotency-Key makes a retried submit book once.
 */
export const publicService = defineService({
  name: 'public',
  actions: {
    services: defineAction({
      rest: 'GET /:tenantKey/services',
      permission: 'public',
      tenantFromParam: 'tenantKey',
      mutates: false,
      params: Type.Object({ tenantKey: TenantKey }, { additionalProperties: false }),
      async handler(ctx) {
        const rows = await ctx.sql<{ id: string; name: string; category: string | null; duration_min: number; price: string; currency: string; staff: { id: string; name: string }[] }>(
          `select v.id, v.name, v.category, v.duration_min, v.price, v.currency,
                  coalesce((select jsonb_agg(jsonb_build_object('id', s.id, 'name', s.name) order by s.name) from salon.staff_service ss
                    join salon.staff s on s.tenant_id = ss.tenant_id and s.id = ss.staff_id and s.active where ss.tenant_id = v.tenant_id and ss.service_id = v.id), '[]') as staff
             from salon.service v where v.tenant_id = $1::uuid and v.online and not v.archived order by v.category nulls first, v.name`, [ctx.tenantId]);
        const items = rows.filter((r) => r.staff.length).map((r) => ({ id: r.id, name: r.name, category: r.category, durationMin: r.duration_min, price: Number(r.price), currency: r.currency.trim(), staff: r.staff }));
        return { items, total: items.length };
      },
    }),

    availability: defineAction({
      rest: 'POST /:tenantKey/availability',
      permission: 'public',
      tenantFromParam: 'tenantKey',
      mutates: false,
      params: Type.Object({ tenantKey: TenantKey, ...SearchParams.properties }, { additionalProperties: false }),
      handler: (ctx) => {
        const { tenantKey: _, ...p } = ctx.params;
        return searchSlots(ctx, { ...p, days: Math.min(p.days ?? 1, 14), limit: Math.min(p.limit ?? 200, 200) }, true);
      },
    }),

    book: defineAction({
      rest: 'POST /:tenantKey/bookings',
      permission: 'public',
      tenantFromParam: 'tenantKey',
      status: 201,
      idempotent: true,
      params: Type.Object({
        tenantKey: TenantKey,
        items: Type.Array(Type.Object({ serviceId: Id, staffId: Id, startsAt: Type.String({ format: 'date-time' }) }, { additionalProperties: false }), { minItems: 1, maxItems: 4 }),
        client: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }), phone: Type.String({ minLength: 5, maxLength: 30 }) }, { additionalProperties: false }),
        notes: Type.Optional(Type.String({ maxLength: 500 })),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const phone = cleanPhone(p.client.phone, 'client.phone')!;
        p.items.forEach((item, i) => {
          if (checkInstant(item.startsAt, `items.${i}.startsAt`) < Date.now()) throw new UnprocessableError(`This time has passed (items.${i}.startsAt)`, 'TIME_PASSED', { field: `items.${i}.startsAt` });
        });
        const offline = await ctx.sql<{ id: string }>('select id from salon.service where tenant_id = $1::uuid and id = any($2::uuid[]) and (not online or archived)', [ctx.tenantId, p.items.map((i) => i.serviceId)]);
        if (offline.length) {
          const i = p.items.findIndex((x) => x.serviceId === offline[0]!.id);
          throw new UnprocessableError(`This service cannot be booked online (items.${i}.serviceId)`, 'NOT_BOOKABLE_ONLINE', { field: `items.${i}.serviceId` });
        }
        // serialised per phone for this tenant, so two submits at once cannot both pass the count
        await ctx.sql(`select pg_advisory_xact_lock(hashtext($1::text))`, [`salon.online:${ctx.tenantId}:${phone}`]);
        const [{ n }] = await ctx.sql<{ n: number }>(
          `select count(*)::int as n from salon.booking b join salon.client c on c.tenant_id = b.tenant_id and c.id = b.client_id
            where b.tenant_id = $1::uuid and c.phone = $2::text and b.source = 'online' and b.status in ('held', 'booked', 'confirmed') and b.starts_at > now()`, [ctx.tenantId, phone]);
        if (n + p.items.length > ONLINE_BOOKINGS_PER_PHONE) {
          throw new UnprocessableError('Too many upcoming online bookings for this phone number; call the salon', 'TOO_MANY_ONLINE_BOOKINGS', { limit: ONLINE_BOOKINGS_PER_PHONE });
        }
        const r = await createBooking(ctx, { items: p.items, client: { name: p.client.name, phone }, notes: p.notes }, 'online');
        // what the page shows back: no ids of other people, no prices of the master's own rules beyond this booking
        return { chainId: r.chainId, status: r.status, bookings: r.bookings.map((b) => ({ id: b.id, service: b.service.name, master: b.staff.name, startsAt: b.startsAt, endsAt: b.endsAt, price: b.price, currency: b.currency })) };
      },
    }),
  },
});
