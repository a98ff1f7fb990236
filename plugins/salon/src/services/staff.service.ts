import crypto from 'node:crypto';
import { ConflictError, defineAction, defineService, likePattern, listPage, NotFoundError, orderBy, Paging, requireMember, Sort, sqlSet, sqlWhere, Type, ValidationError, type FieldError, type RequestContext } from '@atrium/sdk';
import { Day, Id, Minutes, Version, checkDay, checkVersion, cleanName, cleanPhone, isDuplicate, patchRecord } from './common.ts';

const SUBJECT = 'salon.Staff';
const Role = Type.Union([Type.Literal('master'), Type.Literal('receptionist')]);
const COLUMNS = 's.id, s.user_id, s.name, s.role, s.phone, s.active, s.version, s.created_at';
const SORTS = { name: 's.name', createdAt: 's.created_at' };

type StaffRow = { id: string; user_id: string | null; name: string; role: string; phone: string | null; active: boolean; version: number; created_at: Date };
const view = (r: StaffRow) => ({ id: r.id, userId: r.user_id, name: r.name, role: r.role, phone: r.phone, active: r.active, version: r.version, createdAt: r.created_at });

async function load(ctx: RequestContext, id: string, lock = false): Promise<StaffRow> {
  const [r] = await ctx.sql<StaffRow>(`select ${COLUMNS} from salon.staff s where s.tenant_id = $1::uuid and s.id = $2::uuid${lock ? ' for update' : ''}`, [ctx.tenantId, id]);
  if (!r) throw new NotFoundError('Staff member not found', { subject: 'salon.staffMember' });
  return r;
}

const userTaken = () => new ConflictError('This user is already a staff member', 'STAFF_USER_TAKEN', { field: 'userId' });

const HoursItem = Type.Object({ weekday: Type.Integer({ minimum: 1, maximum: 7 }), startsMin: Minutes, endsMin: Minutes }, { additionalProperties: false });
const ServiceItem = Type.Object({ serviceId: Id, price: Type.Optional(Type.Integer({ minimum: 0, maximum: 1e12 })), durationMin: Type.Optional(Type.Integer({ minimum: 5, maximum: 720 })) }, { additionalProperties: false });

/** Weekly intervals must not overlap within a day (a gap between two of them is a break). */
function checkHours(hours: { weekday: number; startsMin: number; endsMin: number }[]) {
  const fields: FieldError[] = [];
  hours.forEach((h, i) => { if (h.endsMin <= h.startsMin) fields.push({ field: `hours.${i}.endsMin`, code: 'afterStart', message: 'must be after startsMin' }); });
  const sorted = hours.map((h, i) => ({ ...h, i })).sort((a, b) => a.weekday - b.weekday || a.startsMin - b.startsMin);
  for (let k = 1; k < sorted.length; k++) {
    const a = sorted[k - 1]!;
    const b = sorted[k]!;
    if (a.weekday === b.weekday && b.startsMin < a.endsMin) fields.push({ field: `hours.${b.i}.startsMin`, code: 'hoursOverlap', params: { weekday: b.weekday }, message: `overlaps another interval of weekday ${b.weekday}` });
  }
  if (fields.length) throw new ValidationError('Invalid input: hours', fields);
}

/**
 * Masters and receptionists: their sign-in user (a master sees their own bookings), weekly hours
 * with breaks, exceptions (days off, sick leave, extra shifts) and the services each performs
 * with their own price and duration.
 */
export const staffService = defineService({
  name: 'staff',
  actions: {
    list: defineAction({
      rest: 'GET /',
      permission: ['read', SUBJECT],
      params: Type.Object({ ...Paging, q: Type.Optional(Type.String({ maxLength: 120 })), role: Type.Optional(Role), active: Type.Optional(Type.Boolean()), sort: Sort }, { additionalProperties: false }),
      async handler(ctx) {
        const { limit = 20, offset = 0, q, role, active, sort } = ctx.params;
        const where = sqlWhere().add('s.name ilike ?', q?.trim() ? likePattern(q.trim()) : undefined).add('s.role = ?', role).add('s.active = ?', active);
        return { ...(await listPage(ctx, { select: COLUMNS, from: 'salon.staff s', where, orderBy: orderBy(sort, SORTS, 's.name asc', 's.id'), limit, offset }, view)), limit, offset };
      },
    }),

    get: defineAction({
      rest: 'GET /:id',
      permission: ['read', SUBJECT],
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const s = view(await load(ctx, ctx.params.id));
        const hours = await ctx.sql('select weekday, starts_min, ends_min from salon.working_hours where tenant_id = $1::uuid and staff_id = $2::uuid order by weekday, starts_min', [ctx.tenantId, s.id]);
        const exceptions = await ctx.sql(
          `select id, to_char(day, 'YYYY-MM-DD') as day, kind, starts_min, ends_min, note from salon.schedule_exception
            where tenant_id = $1::uuid and staff_id = $2::uuid and day >= current_date - 31 order by day, starts_min nulls first`, [ctx.tenantId, s.id]);
        const services = await ctx.sql(
          `select ss.service_id, v.name, ss.price, ss.duration_min from salon.staff_service ss join salon.service v on v.tenant_id = ss.tenant_id and v.id = ss.service_id
            where ss.tenant_id = $1::uuid and ss.staff_id = $2::uuid order by v.name`, [ctx.tenantId, s.id]);
        return {
          ...s,
          hours: hours.map((h) => ({ weekday: h.weekday, startsMin: h.starts_min, endsMin: h.ends_min })),
          exceptions: exceptions.map((x) => ({ id: x.id, day: x.day, kind: x.kind, startsMin: x.starts_min, endsMin: x.ends_min, note: x.note })),
          services: services.map((x) => ({ serviceId: x.service_id, name: x.name, price: x.price === null ? null : Number(x.price), durationMin: x.duration_min })),
        };
      },
    }),

    create: defineAction({
      rest: 'POST /',
      permission: ['create', SUBJECT],
      status: 201,
      idempotent: true,
      params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 120 }), role: Type.Optional(Role), phone: Type.Optional(Type.String({ maxLength: 30 })), userId: Type.Optional(Id) }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        if (p.userId) await requireMember(ctx, p.userId, 'userId');
        const id = crypto.randomUUID();
        try {
          await ctx.sql('insert into salon.staff (tenant_id, id, user_id, name, role, phone) values ($1::uuid, $2::uuid, $3::uuid, $4::text, $5::text, $6::text)',
            [ctx.tenantId, id, p.userId ?? null, cleanName(p.name), p.role ?? 'master', cleanPhone(p.phone)]);
        } catch (e) {
          if (isDuplicate(e)) throw userTaken();
          throw e;
        }
        ctx.audit.target(id);
        return view(await load(ctx, id));
      },
    }),

    update: defineAction({
      rest: 'PATCH /:id',
      permission: ['update', SUBJECT],
      params: Type.Object({
        id: Id, name: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })), role: Type.Optional(Role), phone: Type.Optional(Type.Union([Type.String({ maxLength: 30 }), Type.Null()])),
        userId: Type.Optional(Type.Union([Id, Type.Null()])), active: Type.Optional(Type.Boolean()), version: Type.Optional(Version),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const before = await load(ctx, p.id, true);
        checkVersion('staff member', p.version, before.version);
        if (p.userId) await requireMember(ctx, p.userId, 'userId');
        const set = sqlSet().add('name = ?', p.name === undefined ? undefined : cleanName(p.name)).add('role = ?', p.role).add('active = ?', p.active)
          .add('phone = ?', p.phone === undefined ? undefined : cleanPhone(p.phone)).add('user_id = ?', p.userId);
        return patchRecord(ctx, {
          table: 'salon.staff', id: p.id, set, before: view(before), reload: async () => view(await load(ctx, p.id)), onDuplicate: userTaken,
          then: async () => {
            // a master's bookings follow their sign-in, so their row rule keeps matching
            if (p.userId !== undefined) await ctx.sql('update salon.booking set master_user_id = $3::uuid where tenant_id = $1::uuid and staff_id = $2::uuid', [ctx.tenantId, p.id, p.userId]);
          },
        });
      },
    }),

    setHours: defineAction({
      rest: 'PUT /:id/hours',
      permission: ['update', SUBJECT],
      summary: 'Replace the weekly hours: intervals per ISO weekday (1 = Monday) in local minutes; gaps between intervals are breaks',
      params: Type.Object({ id: Id, hours: Type.Array(HoursItem, { maxItems: 70 }) }, { additionalProperties: false }),
      async handler(ctx) {
        const { id, hours } = ctx.params;
        checkHours(hours);
        await load(ctx, id, true);
        await ctx.sql('delete from salon.working_hours where tenant_id = $1::uuid and staff_id = $2::uuid', [ctx.tenantId, id]);
        if (hours.length) {
          await ctx.sql(
            `insert into salon.working_hours (tenant_id, staff_id, weekday, starts_min, ends_min)
             select $1::uuid, $2::uuid, w, s, e from unnest($3::int[], $4::int[], $5::int[]) as h(w, s, e)`,
            [ctx.tenantId, id, hours.map((h) => h.weekday), hours.map((h) => h.startsMin), hours.map((h) => h.endsMin)],
          );
        }
        ctx.audit.target(id);
        return { id, hours };
      },
    }),

    addException: defineAction({
      rest: 'POST /:id/exceptions',
      permission: ['update', SUBJECT],
      status: 201,
      summary: 'A day (or part of one) off, sick leave, or an extra shift',
      params: Type.Object({
        id: Id, day: Day, kind: Type.Union([Type.Literal('off'), Type.Literal('extra')]),
        startsMin: Type.Optional(Minutes), endsMin: Type.Optional(Minutes), note: Type.Optional(Type.String({ maxLength: 200 })),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const timed = p.startsMin !== undefined || p.endsMin !== undefined;
        if (timed && (p.startsMin === undefined || p.endsMin === undefined || p.endsMin <= p.startsMin)) {
          throw new ValidationError('Invalid input: endsMin', [{ field: 'endsMin', code: 'afterStart', message: 'must be given with startsMin and be after it' }]);
        }
        if (p.kind === 'extra' && !timed) throw new ValidationError('Invalid input: startsMin', [{ field: 'startsMin', code: 'required', message: 'is required for an extra shift' }]);
        checkDay(p.day, 'day');
        await load(ctx, p.id);
        const exceptionId = crypto.randomUUID();
        await ctx.sql('insert into salon.schedule_exception (tenant_id, id, staff_id, day, kind, starts_min, ends_min, note) values ($1::uuid, $2::uuid, $3::uuid, $4::date, $5::text, $6::int, $7::int, $8::text)',
          [ctx.tenantId, exceptionId, p.id, p.day, p.kind, p.startsMin ?? null, p.endsMin ?? null, p.note ?? null]);
        ctx.audit.target(p.id);
        return { id: exceptionId, staffId: p.id, day: p.day, kind: p.kind, startsMin: p.startsMin ?? null, endsMin: p.endsMin ?? null, note: p.note ?? null };
      },
    }),

    removeException: defineAction({
      rest: 'DELETE /:id/exceptions/:exceptionId',
      permission: ['update', SUBJECT],
      params: Type.Object({ id: Id, exceptionId: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const rows = await ctx.sql('delete from salon.schedule_exception where tenant_id = $1::uuid and staff_id = $2::uuid and id = $3::uuid returning id', [ctx.tenantId, ctx.params.id, ctx.params.exceptionId]);
        if (!rows.length) throw new NotFoundError('Exception not found', { subject: 'salon.exception' });
        ctx.audit.target(ctx.params.id);
        return { ok: true };
      },
    }),

    setServices: defineAction({
      rest: 'PUT /:id/services',
      permission: ['update', SUBJECT],
      summary: 'Replace the services this master performs, each with an optional own price and duration',
      params: Type.Object({ id: Id, services: Type.Array(ServiceItem, { maxItems: 500 }) }, { additionalProperties: false }),
      async handler(ctx) {
        const { id, services } = ctx.params;
        await load(ctx, id, true);
        const ids = services.map((s) => s.serviceId);
        const known = new Set((await ctx.sql<{ id: string }>('select id from salon.service where tenant_id = $1::uuid and id = any($2::uuid[])', [ctx.tenantId, ids])).map((r) => r.id));
        const bad = services.flatMap((s, i) => (known.has(s.serviceId) ? [] : [{ field: `services.${i}.serviceId`, code: 'unknown', message: 'is not a service of this salon' }]));
        if (new Set(ids).size !== ids.length) bad.push({ field: 'services', code: 'listedTwice', message: 'lists a service twice' });
        if (bad.length) throw new ValidationError('Invalid input: services', bad);
        await ctx.sql('delete from salon.staff_service where tenant_id = $1::uuid and staff_id = $2::uuid', [ctx.tenantId, id]);
        if (services.length) {
          await ctx.sql(
            `insert into salon.staff_service (tenant_id, staff_id, service_id, price, duration_min)
             select $1::uuid, $2::uuid, s, p, d from unnest($3::uuid[], $4::bigint[], $5::int[]) as x(s, p, d)`,
            [ctx.tenantId, id, ids, services.map((s) => s.price ?? null), services.map((s) => s.durationMin ?? null)],
          );
        }
        ctx.audit.target(id);
        return { id, services };
      },
    }),
  },
});
