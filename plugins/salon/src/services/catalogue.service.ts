import crypto from 'node:crypto';
import { ConflictError, defineAction, defineService, likePattern, listPage, NotFoundError, orderBy, Paging, Sort, sqlSet, sqlWhere, Type, type RequestContext } from '@atrium/sdk';
import { salonSettings } from '../domain/settings.ts';
import { Id, Version, checkVersion, cleanName, isDuplicate, patchRecord } from './common.ts';

const SUBJECT = 'salon.Service';
const COLUMNS = 'v.id, v.name, v.category, v.duration_min, v.buffer_before_min, v.buffer_after_min, v.price, v.currency, v.online, v.archived, v.version';
const SORTS = { name: 'v.name', price: 'v.price', durationMin: 'v.duration_min', category: 'v.category' };
const Duration = Type.Integer({ minimum: 5, maximum: 720 });
const Buffer = Type.Integer({ minimum: 0, maximum: 240 });
const Price = Type.Integer({ minimum: 0, maximum: 1e12, description: 'minor units of the salon currency' });

type ServiceRow = { id: string; name: string; category: string | null; duration_min: number; buffer_before_min: number; buffer_after_min: number; price: string; currency: string; online: boolean; archived: boolean; version: number };
export const serviceView = (r: ServiceRow) => ({
  id: r.id, name: r.name, category: r.category, durationMin: r.duration_min, bufferBeforeMin: r.buffer_before_min, bufferAfterMin: r.buffer_after_min,
  price: Number(r.price), currency: r.currency.trim(), online: r.online, archived: r.archived, version: r.version,
});

async function load(ctx: RequestContext, id: string, lock = false): Promise<ServiceRow> {
  const [r] = await ctx.sql<ServiceRow>(`select ${COLUMNS} from salon.service v where v.tenant_id = $1::uuid and v.id = $2::uuid${lock ? ' for update' : ''}`, [ctx.tenantId, id]);
  if (!r) throw new NotFoundError('Service not found', { subject: 'salon.service' });
  return r;
}

const nameTaken = () => new ConflictError('A service with this name already exists', 'SERVICE_NAME_TAKEN', { field: 'name' });

/**
 * The service catalogue: duration, cleanup buffers before and after (they block the master but
 * are not the client's time), price, category, whether clients may book it online. Masters'
 * own price and duration are set on the master (PUT /staff/:id/services).
 */
export const catalogueService = defineService({
  name: 'services',
  actions: {
    list: defineAction({
      rest: 'GET /',
      permission: ['read', SUBJECT],
      params: Type.Object({
        ...Paging, q: Type.Optional(Type.String({ maxLength: 120 })), category: Type.Optional(Type.String({ maxLength: 80 })),
        online: Type.Optional(Type.Boolean()), archived: Type.Optional(Type.Boolean()), sort: Sort,
      }, { additionalProperties: false }),
      async handler(ctx) {
        const { limit = 20, offset = 0, q, category, online, archived = false, sort } = ctx.params;
        const where = sqlWhere().add('v.name ilike ?', q?.trim() ? likePattern(q.trim()) : undefined).add('v.category = ?', category).add('v.online = ?', online).add('v.archived = ?', archived);
        return { ...(await listPage(ctx, { select: COLUMNS, from: 'salon.service v', where, orderBy: orderBy(sort, SORTS, 'v.category asc nulls first, v.name asc', 'v.id'), limit, offset }, serviceView)), limit, offset };
      },
    }),

    get: defineAction({
      rest: 'GET /:id',
      permission: ['read', SUBJECT],
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const v = serviceView(await load(ctx, ctx.params.id));
        const staff = await ctx.sql(
          `select s.id, s.name, coalesce(ss.price, $3::bigint) as price, coalesce(ss.duration_min, $4::int) as duration_min
             from salon.staff_service ss join salon.staff s on s.tenant_id = ss.tenant_id and s.id = ss.staff_id
            where ss.tenant_id = $1::uuid and ss.service_id = $2::uuid and s.active order by s.name`, [ctx.tenantId, v.id, v.price, v.durationMin]);
        return { ...v, staff: staff.map((s) => ({ staffId: s.id, name: s.name, price: Number(s.price), durationMin: s.duration_min })) };
      },
    }),

    create: defineAction({
      rest: 'POST /',
      permission: ['create', SUBJECT],
      status: 201,
      idempotent: true,
      params: Type.Object({
        name: Type.String({ minLength: 1, maxLength: 120 }), category: Type.Optional(Type.String({ maxLength: 80 })), durationMin: Duration,
        bufferBeforeMin: Type.Optional(Buffer), bufferAfterMin: Type.Optional(Buffer), price: Price, online: Type.Optional(Type.Boolean()),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const { currency } = await salonSettings(ctx);
        const id = crypto.randomUUID();
        try {
          await ctx.sql(
            `insert into salon.service (tenant_id, id, name, category, duration_min, buffer_before_min, buffer_after_min, price, currency, online)
             values ($1::uuid, $2::uuid, $3::text, $4::text, $5::int, $6::int, $7::int, $8::bigint, $9::text, $10::boolean)`,
            [ctx.tenantId, id, cleanName(p.name), p.category?.trim() || null, p.durationMin, p.bufferBeforeMin ?? 0, p.bufferAfterMin ?? 0, p.price, currency, p.online ?? true],
          );
        } catch (e) {
          if (isDuplicate(e)) throw nameTaken();
          throw e;
        }
        ctx.audit.target(id);
        return serviceView(await load(ctx, id));
      },
    }),

    update: defineAction({
      rest: 'PATCH /:id',
      permission: ['update', SUBJECT],
      params: Type.Object({
        id: Id, name: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })), category: Type.Optional(Type.Union([Type.String({ maxLength: 80 }), Type.Null()])),
        durationMin: Type.Optional(Duration), bufferBeforeMin: Type.Optional(Buffer), bufferAfterMin: Type.Optional(Buffer), price: Type.Optional(Price),
        online: Type.Optional(Type.Boolean()), archived: Type.Optional(Type.Boolean()), version: Type.Optional(Version),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const before = await load(ctx, p.id, true);
        checkVersion('service', p.version, before.version);
        // existing bookings keep the duration and price they were made with
        const set = sqlSet().add('name = ?', p.name === undefined ? undefined : cleanName(p.name)).add('category = ?', p.category === undefined ? undefined : p.category?.trim() || null)
          .add('duration_min = ?', p.durationMin).add('buffer_before_min = ?', p.bufferBeforeMin).add('buffer_after_min = ?', p.bufferAfterMin)
          .add('price = ?', p.price).add('online = ?', p.online).add('archived = ?', p.archived);
        return patchRecord(ctx, {
          table: 'salon.service', id: p.id, set, before: serviceView(before), reload: async () => serviceView(await load(ctx, p.id)), onDuplicate: nameTaken,
        });
      },
    }),
  },
});
