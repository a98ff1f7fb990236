import crypto from 'node:crypto';
import { ConflictError, defineAction, defineService, listPage, NotFoundError, Paging, sqlWhere, Type, UnprocessableError, ValidationError, type RequestContext } from '@atrium/sdk';
import { BOOKING_STATUSES, canMove, canReschedule, SETTABLE_STATUSES, type BookingStatus } from '../domain/booking-flow.ts';
import { BOOKING_FROM, BOOKING_SELECT, bookingView, planReminders, skipReminders, type BookingRow } from '../domain/booking-rows.ts';
import { salonSettings } from '../domain/settings.ts';
import { assignUnits, isFree } from '../domain/slots.ts';
import { BOOKING_CREATED, BOOKING_MOVED, BOOKING_STATUS_CHANGED } from '../events.ts';
import { checkInstant, checkVersion, cleanName, constraintOf, cleanPhone, Id, isDuplicate, isOverlap, Version } from './common.ts';
import { loadCalendars, loadResourceNeeds, loadServiceOptions } from './calendar.ts';

const SUBJECT = 'salon.Booking';
const Instant = Type.String({ format: 'date-time' });
const Status = Type.Union(BOOKING_STATUSES.map((s) => Type.Literal(s)));
const MIN = 60_000;

const slotTaken = (details?: Record<string, unknown>) =>
  new ConflictError('This time is already taken for the master; pick another slot', 'SLOT_TAKEN', details);

const resourceTaken = (index: number, resourceId: string) =>
  new ConflictError('A room, chair or device the service needs is taken then; pick another slot', 'RESOURCE_TAKEN', { field: `items.${index}.startsAt`, resourceId });

/** One booking the caller may act on (`action` is the route's, so the row rule is the one for it). */
async function loadFor(ctx: RequestContext, id: string, action: string, lock = false): Promise<BookingRow> {
  const rule = ctx.rulesSql(action, SUBJECT, { alias: 'b', firstParam: 3 });
  const [r] = await ctx.sql<BookingRow>(
    `select ${BOOKING_SELECT} from ${BOOKING_FROM} where b.tenant_id = $1::uuid and b.id = $2::uuid and ${rule.sql}${lock ? ' for update of b' : ''}`,
    [ctx.tenantId, id, ...rule.params],
  );
  if (!r) throw new NotFoundError('Booking not found', { subject: 'salon.booking' });
  return r;
}

async function loadChain(ctx: RequestContext, chainId: string): Promise<BookingRow[]> {
  return ctx.sql<BookingRow>(`select ${BOOKING_SELECT} from ${BOOKING_FROM} where b.tenant_id = $1::uuid and b.chain_id = $2::uuid order by b.position`, [ctx.tenantId, chainId]);
}

/** Holds past their expiry that stand in the way are marked expired first (the job does the rest). */
async function expireHoldsIn(ctx: RequestContext, staffIds: string[], from: Date, to: Date, resourceIds: string[] = []): Promise<void> {
  const expired = await ctx.sql<{ id: string; chain_id: string }>(
    `update salon.booking b set status = 'expired', hold_expires_at = null, updated_at = now(), version = version + 1
      where b.tenant_id = $1::uuid and b.status = 'held' and b.hold_expires_at <= now() and b.blocked && tstzrange($3::timestamptz, $4::timestamptz)
        and (b.staff_id = any($2::uuid[]) or exists (select 1 from salon.booking_resource br where br.tenant_id = b.tenant_id and br.booking_id = b.id and br.resource_id = any($5::uuid[])))
      returning b.id, b.chain_id`, [ctx.tenantId, staffIds, from, to, resourceIds]);
  for (const e of expired) await ctx.emit(BOOKING_STATUS_CHANGED, { id: e.id, chainId: e.chain_id, from: 'held', to: 'expired', by: 'platform' });
}

/** The client of a booking: an existing one by id, or found/created by phone. */
async function resolveClient(ctx: RequestContext, p: { clientId?: string; client?: { name: string; phone?: string } }): Promise<string | null> {
  if (p.clientId) {
    const [c] = await ctx.sql('select id from salon.client where tenant_id = $1::uuid and id = $2::uuid', [ctx.tenantId, p.clientId]);
    if (!c) throw new ValidationError('Invalid input: clientId', [{ field: 'clientId', code: 'unknown', message: 'is not a client of this salon' }]);
    return p.clientId;
  }
  if (!p.client) return null;
  const phone = cleanPhone(p.client.phone, 'client.phone');
  if (phone) {
    const [c] = await ctx.sql<{ id: string }>('select id from salon.client where tenant_id = $1::uuid and phone = $2::text', [ctx.tenantId, phone]);
    if (c) return c.id;
  }
  const id = crypto.randomUUID();
  try {
    await ctx.sql('insert into salon.client (tenant_id, id, name, phone) values ($1::uuid, $2::uuid, $3::text, $4::text)', [ctx.tenantId, id, cleanName(p.client.name, 'client.name'), phone]);
  } catch (e) {
    if (isDuplicate(e)) throw new ConflictError('A client with this phone number was just added; try again', 'CLIENT_PHONE_TAKEN', { field: 'client.phone' });
    throw e;
  }
  return id;
}

const Item = Type.Object({ serviceId: Id, staffId: Id, startsAt: Instant }, { additionalProperties: false });

/**
 * Bookings. A chain (manicure then pedicure) is one create: every booking of it is inserted by one
 * statement in one transaction, so it exists whole or not at all. Double booking of a master is
 * impossible: the exclusion constraint `booking_no_overlap` refuses the second of two overlapping
 * inserts however they race (409 SLOT_TAKEN); so does `booking_resource_no_overlap` for a unit of a
 * room, chair or device (409 RESOURCE_TAKEN). A held booking keeps its slot until it expires.
 * A master's row rule `{ masterUserId: me }` is applied in SQL on every route.
 */
export const bookingsService = defineService({
  name: 'bookings',
  actions: {
    list: defineAction({
      rest: 'GET /',
      permission: ['read', SUBJECT],
      params: Type.Object({
        ...Paging, from: Type.Optional(Instant), to: Type.Optional(Instant), staffId: Type.Optional(Id), clientId: Type.Optional(Id),
        status: Type.Optional(Status), chainId: Type.Optional(Id),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const { limit = 20, offset = 0, from, to, staffId, clientId, status, chainId } = ctx.params;
        if (from) checkInstant(from, 'from');
        if (to) checkInstant(to, 'to');
        const rule = ctx.rulesSql('read', SUBJECT, { alias: 'b' });
        const where = sqlWhere().always(rule.sql, ...rule.params).add('b.ends_at > ?', from).add('b.starts_at < ?', to).add('b.staff_id = ?', staffId)
          .add('b.client_id = ?', clientId).add('b.status = ?', status).add('b.chain_id = ?', chainId);
        return { ...(await listPage(ctx, { select: BOOKING_SELECT, from: BOOKING_FROM, where, orderBy: 'b.starts_at asc, b.id', limit, offset }, bookingView)), limit, offset };
      },
    }),

    get: defineAction({
      rest: 'GET /:id',
      permission: ['read', SUBJECT],
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        return bookingView(await loadFor(ctx, ctx.params.id, 'read'));
      },
    }),

    create: defineAction({
      rest: 'POST /',
      permission: ['create', SUBJECT],
      status: 201,
      idempotent: true,
      summary: 'Book one service or a chain of them (all or nothing); hold: keep the slots for holdMinutes while a deposit is paid',
      params: Type.Object({
        items: Type.Array(Item, { minItems: 1, maxItems: 6 }),
        clientId: Type.Optional(Id),
        client: Type.Optional(Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }), phone: Type.Optional(Type.String({ maxLength: 30 })) }, { additionalProperties: false })),
        hold: Type.Optional(Type.Boolean()),
        outsideHours: Type.Optional(Type.Boolean({ description: 'book even outside the master\'s working hours (a walk-in after closing)' })),
        notes: Type.Optional(Type.String({ maxLength: 2000 })),
      }, { additionalProperties: false }),
      handler: (ctx) => createBooking(ctx, ctx.params, 'staff'),
    }),

    move: defineAction({
      rest: 'PATCH /:id',
      permission: ['update', SUBJECT],
      summary: 'Move a booking in time and/or to another master who performs the service',
      params: Type.Object({ id: Id, startsAt: Type.Optional(Instant), staffId: Type.Optional(Id), notes: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])), outsideHours: Type.Optional(Type.Boolean()), version: Type.Optional(Version) }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const before = await loadFor(ctx, p.id, 'update', true);
        checkVersion('booking', p.version, before.version);
        if (p.notes !== undefined) await ctx.sql('update salon.booking set notes = $3::text, updated_at = now() where tenant_id = $1::uuid and id = $2::uuid', [ctx.tenantId, p.id, p.notes]);
        if (p.startsAt === undefined && p.staffId === undefined) return bookingView(await loadFor(ctx, p.id, 'read'));
        if (!canReschedule(before.status as BookingStatus)) throw new UnprocessableError(`A ${before.status} booking cannot be moved`, 'BOOKING_NOT_MOVABLE', { status: before.status });
        const settings = await salonSettings(ctx);
        const staffId = p.staffId ?? before.staff_id;
        const s = (await loadServiceOptions(ctx, [before.service_id])).get(before.service_id);
        const opt = s?.options.find((o) => o.staffId === staffId);
        if (!s || !opt) throw new ValidationError('Invalid input: staffId', [{ field: 'staffId', code: 'notPerformed', message: 'does not perform this service' }]);
        const start = p.startsAt ? checkInstant(p.startsAt, 'startsAt') : new Date(before.starts_at).getTime();
        // another master: their duration; the same one: the booking keeps its length
        const length = staffId === before.staff_id ? new Date(before.ends_at).getTime() - new Date(before.starts_at).getTime() : opt.durationMin * MIN;
        const end = start + length;
        const bf = start - s.bufferBeforeMin * MIN;
        const bt = end + s.bufferAfterMin * MIN;
        if (!p.outsideHours) {
          const cal = (await loadCalendars(ctx, [staffId], bf, bt, settings.timeZone)).get(staffId)!;
          if (!isFree({ working: cal.working, busy: [] }, bf, bt)) throw new UnprocessableError('The master does not work then (startsAt); pass outsideHours to move anyway', 'OUTSIDE_HOURS', { field: 'startsAt' });
        }
        await expireHoldsIn(ctx, [staffId], new Date(bf), new Date(bt));
        try {
          await ctx.sql(
            `update salon.booking set staff_id = $3::uuid, master_user_id = $4::uuid, starts_at = $5::timestamptz, ends_at = $6::timestamptz, blocked = tstzrange($7::timestamptz, $8::timestamptz),
                    updated_at = now(), version = version + 1 where tenant_id = $1::uuid and id = $2::uuid`,
            [ctx.tenantId, p.id, staffId, opt.masterUserId, new Date(start), new Date(end), new Date(bf), new Date(bt)]);
        } catch (e) {
          // the master's constraint, or a resource unit's (its rows follow the booking by a trigger)
          if (isOverlap(e)) throw constraintOf(e) === 'booking_resource_no_overlap' ? new ConflictError('A room, chair or device the service needs is taken then; pick another slot', 'RESOURCE_TAKEN', { field: 'startsAt' }) : slotTaken();
          throw e;
        }
        const after = bookingView((await loadChain(ctx, before.chain_id)).find((b) => b.id === p.id)!);
        if (after.status === 'booked' || after.status === 'confirmed') await planReminders(ctx, [after], settings.reminderOffsetsMinutes);
        await ctx.emit(BOOKING_MOVED, { id: after.id, chainId: after.chainId, from: { staffId: before.staff_id, startsAt: new Date(before.starts_at).toISOString() }, to: { staffId, startsAt: after.startsAt, endsAt: after.endsAt } });
        ctx.audit.diff(bookingView(before), after);
        return after;
      },
    }),

    setStatus: defineAction({
      rest: 'POST /:id/status',
      permission: ['update', SUBJECT],
      summary: 'Confirm, mark arrived, done or no-show; a held chain is confirmed whole',
      params: Type.Object({ id: Id, status: Type.Union(SETTABLE_STATUSES.filter((s) => s !== 'cancelled').map((s) => Type.Literal(s))), version: Type.Optional(Version) }, { additionalProperties: false }),
      async handler(ctx) {
        const b = await loadFor(ctx, ctx.params.id, 'update', true);
        checkVersion('booking', ctx.params.version, b.version);
        return changeStatus(ctx, b, ctx.params.status, 'user');
      },
    }),

    cancel: defineAction({
      rest: 'POST /:id/cancel',
      permission: ['cancel', SUBJECT],
      summary: 'Cancel a booking (a held chain is released whole); its time is free at once',
      params: Type.Object({ id: Id, reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false }),
      async handler(ctx) {
        const b = await loadFor(ctx, ctx.params.id, 'cancel', true);
        return changeStatus(ctx, b, 'cancelled', 'user');
      },
    }),
  },
});

export type CreateBookingInput = {
  items: { serviceId: string; staffId: string; startsAt: string }[];
  clientId?: string;
  client?: { name: string; phone?: string };
  hold?: boolean;
  outsideHours?: boolean;
  notes?: string;
};

/**
 * Books one service or a chain (all or nothing) — for the front desk and for the public booking
 * page (`source: 'online'`) alike.
 */
export async function createBooking(ctx: RequestContext, p: CreateBookingInput, source: 'staff' | 'online') {
    if (p.clientId && p.client) throw new ValidationError('Invalid input: client', [{ field: 'client', code: 'notWith', params: { other: 'clientId' }, message: 'give clientId or client, not both' }]);
    const settings = await salonSettings(ctx);
    const services = await loadServiceOptions(ctx, p.items.map((i) => i.serviceId));
    const planned = p.items.map((item, i) => {
      const s = services.get(item.serviceId);
      if (!s) throw new ValidationError(`Invalid input: items.${i}.serviceId`, [{ field: `items.${i}.serviceId`, code: 'notBookable', message: 'is not a bookable service of this salon' }]);
      const opt = s.options.find((o) => o.staffId === item.staffId);
      if (!opt) throw new ValidationError(`Invalid input: items.${i}.staffId`, [{ field: `items.${i}.staffId`, code: 'notPerformed', message: 'does not perform this service' }]);
      const start = checkInstant(item.startsAt, `items.${i}.startsAt`);
      const end = start + opt.durationMin * MIN;
      return { i, id: crypto.randomUUID(), service: s, opt, start, end, blockedFrom: start - s.bufferBeforeMin * MIN, blockedTo: end + s.bufferAfterMin * MIN };
    });
    planned.forEach((x, k) => {
      if (k > 0 && x.start < planned[k - 1]!.end) throw new ValidationError(`Invalid input: items.${k}.startsAt`, [{ field: `items.${k}.startsAt`, code: 'beforePrevious', message: 'must not start before the previous service ends' }]);
    });
    if (!p.outsideHours) {
      const from = Math.min(...planned.map((x) => x.blockedFrom));
      const to = Math.max(...planned.map((x) => x.blockedTo));
      const cals = await loadCalendars(ctx, [...new Set(planned.map((x) => x.opt.staffId))], from, to, settings.timeZone);
      for (const x of planned) {
        const cal = cals.get(x.opt.staffId)!;
        if (!isFree({ working: cal.working, busy: [] }, x.blockedFrom, x.blockedTo)) {
          throw new UnprocessableError(`The master does not work then (items.${x.i}.startsAt); pass outsideHours to book anyway`, 'OUTSIDE_HOURS', { field: `items.${x.i}.startsAt` });
        }
      }
    }
    const clientId = await resolveClient(ctx, p);
    const spanFrom = Math.min(...planned.map((x) => x.blockedFrom));
    const spanTo = Math.max(...planned.map((x) => x.blockedTo));
    const needs = await loadResourceNeeds(ctx, planned.map((x) => x.service.serviceId), spanFrom, spanTo);
    const resourceIds = [...new Set([...needs.values()].flat().map((n) => n.resourceId))];
    await expireHoldsIn(ctx, planned.map((x) => x.opt.staffId), new Date(spanFrom), new Date(spanTo), resourceIds);
    const assigned = assignUnits(planned.map((x) => ({ serviceId: x.service.serviceId, blockedFrom: x.blockedFrom, blockedTo: x.blockedTo })), needs);
    if ('failed' in assigned) throw resourceTaken(assigned.failed.index, assigned.failed.resourceId);
    const chainId = crypto.randomUUID();
    const status: BookingStatus = p.hold ? 'held' : 'booked';
    const holdUntil = p.hold ? new Date(Date.now() + settings.holdMinutes * MIN) : null;
    try {
      // one statement: the chain is inserted whole or not at all
      await ctx.sql(
        `insert into salon.booking (tenant_id, id, chain_id, position, client_id, staff_id, master_user_id, service_id, starts_at, ends_at, blocked, status, hold_expires_at, price, currency, notes, created_by, source)
         select $1::uuid, id, $2::uuid, pos, $3::uuid, staff, master, service, s, e, tstzrange(bf, bt), $4::text, $5::timestamptz, price, $6::text, $7::text, $8::uuid, $19::text
           from unnest($9::uuid[], $10::int[], $11::uuid[], $12::uuid[], $13::uuid[], $14::timestamptz[], $15::timestamptz[], $16::timestamptz[], $17::timestamptz[], $18::bigint[])
             as x(id, pos, staff, master, service, s, e, bf, bt, price)`,
        [ctx.tenantId, chainId, clientId, status, holdUntil, planned[0]!.service.currency, p.notes ?? null, ctx.user?.id ?? null,
          planned.map((x) => x.id), planned.map((x) => x.i), planned.map((x) => x.opt.staffId), planned.map((x) => x.opt.masterUserId), planned.map((x) => x.service.serviceId),
          planned.map((x) => new Date(x.start)), planned.map((x) => new Date(x.end)), planned.map((x) => new Date(x.blockedFrom)), planned.map((x) => new Date(x.blockedTo)), planned.map((x) => x.opt.price), source],
      );
    } catch (e) {
      if (isOverlap(e)) throw slotTaken();
      throw e;
    }
    const taken = planned.flatMap((x, k) => assigned.units[k]!.map((u) => ({ booking: x.id, blockedFrom: x.blockedFrom, blockedTo: x.blockedTo, ...u })));
    if (taken.length) {
      try {
        await ctx.sql(
          `insert into salon.booking_resource (tenant_id, booking_id, resource_id, unit, blocked)
           select $1::uuid, b, r, u, tstzrange(f, t) from unnest($2::uuid[], $3::uuid[], $4::int[], $5::timestamptz[], $6::timestamptz[]) as x(b, r, u, f, t)`,
          [ctx.tenantId, taken.map((t) => t.booking), taken.map((t) => t.resourceId), taken.map((t) => t.unit), taken.map((t) => new Date(t.blockedFrom)), taken.map((t) => new Date(t.blockedTo))],
        );
      } catch (e) {
        // another booking took the same unit at the same moment: the whole chain is undone
        if (isOverlap(e)) throw resourceTaken(0, taken[0]!.resourceId);
        throw e;
      }
    }
    const rows = await loadChain(ctx, chainId);
    const views = rows.map(bookingView);
    if (status !== 'held') await planReminders(ctx, views, settings.reminderOffsetsMinutes);
    await ctx.emit(BOOKING_CREATED, {
      chainId, clientId, source,
      bookings: views.map((b) => ({ id: b.id, staffId: b.staff.id, serviceId: b.service.id, startsAt: b.startsAt, endsAt: b.endsAt, status: b.status })),
    });
    ctx.audit.target(chainId);
    return { chainId, status, holdExpiresAt: holdUntil?.toISOString() ?? null, bookings: views };
}

/**
 * Moves a booking (or, while held, its whole chain) to `to` by a guarded update, so two requests
 * (or a button pressed twice) change it once; plans or drops its reminders; announces it.
 */
export async function changeStatus(ctx: RequestContext, b: BookingRow, to: BookingStatus, by: 'user' | 'client' | 'platform') {
  const from = b.status as BookingStatus;
  if (from === to) return { changed: 0, bookings: [bookingView(b)] };
  if (!canMove(from, to)) throw new UnprocessableError(`A ${from} booking cannot become ${to}`, 'BAD_STATUS_TRANSITION', { from, to });
  if (from === 'held' && b.hold_expires_at && new Date(b.hold_expires_at).getTime() <= Date.now() && to !== 'cancelled') {
    throw new ConflictError('The hold has expired; book again', 'HOLD_EXPIRED');
  }
  const whole = from === 'held';
  const changed = await ctx.sql<{ id: string; starts_at: Date }>(
    `update salon.booking set status = $4::text, hold_expires_at = null, updated_at = now(), version = version + 1
      where tenant_id = $1::uuid and status = $3::text and ${whole ? 'chain_id = $2::uuid' : 'id = $2::uuid'} returning id, starts_at`,
    [ctx.tenantId, whole ? b.chain_id : b.id, from, to]);
  const ids = changed.map((c) => c.id);
  if (to === 'booked' || to === 'confirmed') {
    if (from === 'held') await planReminders(ctx, changed.map((c) => ({ id: c.id, startsAt: c.starts_at })), (await salonSettings(ctx)).reminderOffsetsMinutes);
  } else if (to === 'cancelled' || to === 'no_show' || to === 'expired') {
    await skipReminders(ctx, ids, to);
  }
  for (const id of ids) await ctx.emit(BOOKING_STATUS_CHANGED, { id, chainId: b.chain_id, from, to, by });
  const rows = (await loadChain(ctx, b.chain_id)).filter((r) => ids.includes(r.id) || r.id === b.id);
  return { changed: ids.length, bookings: rows.map(bookingView) };
}
