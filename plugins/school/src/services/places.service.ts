import crypto from 'node:crypto';
import { defineAction, defineService, listPage, Paging, sqlSet, sqlWhere, Type, UnprocessableError } from '@atrium/sdk';
import { badField, Color, Id, ShortName, Version } from '../domain/fields.ts';
import { patchRecord, requireRef } from '../domain/records.ts';

const TimeZone = Type.Union([Type.String({ pattern: '^(UTC|[A-Za-z]+(/[A-Za-z0-9_+-]+){1,2})$', maxLength: 64 }), Type.Null()]);
const Archived = Type.Optional(Type.Boolean());

function checkZone(tz: string | null | undefined) {
  if (!tz) return;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    throw badField('timeZone', 'UNKNOWN_TIME_ZONE', 'is not a time zone (IANA, e.g. Asia/Almaty)', { value: tz });
  }
}

const BRANCH = `id, name, address, phone, time_zone as "timeZone", archived, version`;
const ROOM = `id, branch_id as "branchId", name, capacity, archived, version`;
const SUBJECT = `id, name, color, archived, version`;

/** Branches of the centre, each with its address and (optionally) its own time zone. */
export const branchesService = defineService({
  name: 'branches',
  actions: {
    list: defineAction({
      rest: 'GET /',
      permission: ['read', 'school.Branch'],
      params: Type.Object({ ...Paging, archived: Archived }, { additionalProperties: false }),
      handler(ctx) {
        const where = sqlWhere().always('tenant_id = ?', ctx.tenantId).add('archived = ?', ctx.params.archived ?? false);
        return listPage(ctx, { select: BRANCH, from: 'school.branch', where, orderBy: 'lower(name), id', limit: ctx.params.limit ?? 100, offset: ctx.params.offset ?? 0 });
      },
    }),
    create: defineAction({
      rest: 'POST /',
      permission: ['manage', 'school.Branch'],
      status: 201,
      idempotent: true,
      params: Type.Object({ name: ShortName, address: Type.Optional(Type.String({ maxLength: 300 })), phone: Type.Optional(Type.String({ maxLength: 20 })), timeZone: Type.Optional(TimeZone) }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        checkZone(p.timeZone);
        const [row] = await ctx.sql(
          `insert into school.branch (tenant_id, id, name, address, phone, time_zone) values ($1::uuid, $2::uuid, $3::text, $4::text, $5::text, $6::text) returning ${BRANCH}`,
          [ctx.tenantId, crypto.randomUUID(), p.name.trim(), p.address ?? null, p.phone ?? null, p.timeZone ?? null],
        );
        return row;
      },
    }),
    update: defineAction({
      rest: 'PATCH /:id',
      permission: ['manage', 'school.Branch'],
      params: Type.Object({ id: Id, version: Type.Optional(Version), name: Type.Optional(ShortName), address: Type.Optional(Type.Union([Type.String({ maxLength: 300 }), Type.Null()])),
        phone: Type.Optional(Type.Union([Type.String({ maxLength: 20 }), Type.Null()])), timeZone: Type.Optional(TimeZone), archived: Archived }, { additionalProperties: false }),
      handler(ctx) {
        const p = ctx.params;
        checkZone(p.timeZone);
        const set = sqlSet().add('name = ?', p.name?.trim()).add('address = ?', p.address).add('phone = ?', p.phone).add('time_zone = ?', p.timeZone).add('archived = ?', p.archived);
        return patchRecord(ctx, { table: 'school.branch', subject: 'school.Branch', id: p.id, version: p.version, set, returning: BRANCH, touch: false });
      },
    }),
  },
});

/** Rooms of a branch, with how many people fit (a group may not be larger than its room). */
export const roomsService = defineService({
  name: 'rooms',
  actions: {
    list: defineAction({
      rest: 'GET /',
      permission: ['read', 'school.Branch'],
      params: Type.Object({ ...Paging, branchId: Type.Optional(Id), archived: Archived }, { additionalProperties: false }),
      handler(ctx) {
        const where = sqlWhere().always('tenant_id = ?', ctx.tenantId).add('branch_id = ?', ctx.params.branchId).add('archived = ?', ctx.params.archived ?? false);
        return listPage(ctx, { select: ROOM, from: 'school.room', where, orderBy: 'lower(name), id', limit: ctx.params.limit ?? 200, offset: ctx.params.offset ?? 0 });
      },
    }),
    create: defineAction({
      rest: 'POST /',
      permission: ['manage', 'school.Branch'],
      status: 201,
      idempotent: true,
      params: Type.Object({ branchId: Id, name: Type.String({ minLength: 1, maxLength: 80 }), capacity: Type.Integer({ minimum: 1, maximum: 1000 }) }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        await requireRef(ctx, 'school.branch', 'school.Branch', p.branchId, 'branchId', 'not archived');
        const [row] = await ctx.sql(
          `insert into school.room (tenant_id, id, branch_id, name, capacity) values ($1::uuid, $2::uuid, $3::uuid, $4::text, $5::int) returning ${ROOM}`,
          [ctx.tenantId, crypto.randomUUID(), p.branchId, p.name.trim(), p.capacity],
        );
        return row;
      },
    }),
    update: defineAction({
      rest: 'PATCH /:id',
      permission: ['manage', 'school.Branch'],
      params: Type.Object({ id: Id, version: Type.Optional(Version), name: Type.Optional(Type.String({ minLength: 1, maxLength: 80 })), capacity: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })), archived: Archived }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        if (p.capacity !== undefined) {
          // a room may not become smaller than a group that studies in it
          const [big] = await ctx.sql<{ name: string; capacity: number }>(
            `select name, capacity from school.study_group where tenant_id = $1::uuid and room_id = $2::uuid and status = 'active' and capacity > $3::int order by capacity desc limit 1`,
            [ctx.tenantId, p.id, p.capacity],
          );
          if (big) throw new UnprocessableError(`The group "${big.name}" of ${big.capacity} studies in this room`, 'ROOM_TOO_SMALL', { field: 'capacity', group: big.name, groupCapacity: big.capacity });
        }
        const set = sqlSet().add('name = ?', p.name?.trim()).add('capacity = ?', p.capacity).add('archived = ?', p.archived);
        return patchRecord(ctx, { table: 'school.room', subject: 'school.Branch', id: p.id, version: p.version, set, returning: ROOM, touch: false });
      },
    }),
  },
});

export const subjectsService = defineService({
  name: 'subjects',
  actions: {
    list: defineAction({
      rest: 'GET /',
      permission: ['read', 'school.Subject'],
      params: Type.Object({ ...Paging, archived: Archived }, { additionalProperties: false }),
      handler(ctx) {
        const where = sqlWhere().always('tenant_id = ?', ctx.tenantId).add('archived = ?', ctx.params.archived ?? false);
        return listPage(ctx, { select: SUBJECT, from: 'school.subject', where, orderBy: 'lower(name), id', limit: ctx.params.limit ?? 200, offset: ctx.params.offset ?? 0 });
      },
    }),
    create: defineAction({
      rest: 'POST /',
      permission: ['manage', 'school.Subject'],
      status: 201,
      idempotent: true,
      params: Type.Object({ name: ShortName, color: Type.Optional(Color) }, { additionalProperties: false }),
      async handler(ctx) {
        const [row] = await ctx.sql(`insert into school.subject (tenant_id, id, name, color) values ($1::uuid, $2::uuid, $3::text, $4::text) returning ${SUBJECT}`,
          [ctx.tenantId, crypto.randomUUID(), ctx.params.name.trim(), ctx.params.color ?? null]);
        return row;
      },
    }),
    update: defineAction({
      rest: 'PATCH /:id',
      permission: ['manage', 'school.Subject'],
      params: Type.Object({ id: Id, version: Type.Optional(Version), name: Type.Optional(ShortName), color: Type.Optional(Color), archived: Archived }, { additionalProperties: false }),
      handler(ctx) {
        const p = ctx.params;
        const set = sqlSet().add('name = ?', p.name?.trim()).add('color = ?', p.color).add('archived = ?', p.archived);
        return patchRecord(ctx, { table: 'school.subject', subject: 'school.Subject', id: p.id, version: p.version, set, returning: SUBJECT, touch: false });
      },
    }),
  },
});
