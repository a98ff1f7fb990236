import crypto from 'node:crypto';
import { ConflictError, defineAction, defineService, listPage, NotFoundError, orderBy, Paging, Sort, sqlSet, sqlWhere, Type, ValidationError, type RequestContext } from '@atrium/sdk';
import { checkVersion, cleanName, Id, isDuplicate, patchRecord, Version } from './common.ts';

// resources are part of the catalogue: who may change services may change what they need
const SUBJECT = 'salon.Service';
const Kind = Type.Union(['room', 'chair', 'device', 'other'].map((k) => Type.Literal(k)));
const Capacity = Type.Integer({ minimum: 1, maximum: 100 });
const COLUMNS = 'r.id, r.name, r.kind, r.capacity, r.active, r.version';

type ResourceRow = { id: string; name: string; kind: string; capacity: number; active: boolean; version: number };
const view = (r: ResourceRow) => ({ id: r.id, name: r.name, kind: r.kind, capacity: r.capacity, active: r.active, version: r.version });

async function load(ctx: RequestContext, id: string, lock = false): Promise<ResourceRow> {
  const [r] = await ctx.sql<ResourceRow>(`select ${COLUMNS} from salon.resource r where r.tenant_id = $1::uuid and r.id = $2::uuid${lock ? ' for update' : ''}`, [ctx.tenantId, id]);
  if (!r) throw new NotFoundError('Resource not found', { subject: 'salon.resource' });
  return r;
}
const nameTaken = () => new ConflictError('A resource with this name already exists', 'RESOURCE_NAME_TAKEN', { field: 'name' });

/**
 * Rooms, chairs and devices with a capacity (three pedicure chairs: one resource, capacity 3), and
 * which of them each service needs. A booking takes one unit of each for its blocked range.
 */
export const resourcesService = defineService({
  name: 'resources',
  actions: {
    list: defineAction({
      rest: 'GET /',
      permission: ['read', SUBJECT],
      params: Type.Object({ ...Paging, kind: Type.Optional(Kind), sort: Sort }, { additionalProperties: false }),
      async handler(ctx) {
        const { limit = 20, offset = 0, kind, sort } = ctx.params;
        return { ...(await listPage(ctx, { select: COLUMNS, from: 'salon.resource r', where: sqlWhere().add('r.kind = ?', kind), orderBy: orderBy(sort, { name: 'r.name', capacity: 'r.capacity' }, 'r.name asc', 'r.id'), limit, offset }, view)), limit, offset };
      },
    }),

    create: defineAction({
      rest: 'POST /',
      permission: ['create', SUBJECT],
      status: 201,
      idempotent: true,
      params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 120 }), kind: Type.Optional(Kind), capacity: Type.Optional(Capacity) }, { additionalProperties: false }),
      async handler(ctx) {
        const id = crypto.randomUUID();
        try {
          await ctx.sql('insert into salon.resource (tenant_id, id, name, kind, capacity) values ($1::uuid, $2::uuid, $3::text, $4::text, $5::int)',
            [ctx.tenantId, id, cleanName(ctx.params.name), ctx.params.kind ?? 'room', ctx.params.capacity ?? 1]);
        } catch (e) {
          if (isDuplicate(e)) throw nameTaken();
          throw e;
        }
        ctx.audit.target(id);
        return view(await load(ctx, id));
      },
    }),

    update: defineAction({
      rest: 'PATCH /:id',
      permission: ['update', SUBJECT],
      summary: 'Rename, change the capacity (units in use by bookings cannot go away) or retire a resource',
      params: Type.Object({ id: Id, name: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })), kind: Type.Optional(Kind), capacity: Type.Optional(Capacity), active: Type.Optional(Type.Boolean()), version: Type.Optional(Version) }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const before = await load(ctx, p.id, true);
        checkVersion('resource', p.version, before.version);
        if (p.capacity !== undefined && p.capacity < before.capacity) {
          const [used] = await ctx.sql<{ unit: number }>(
            `select max(unit)::int as unit from salon.booking_resource where tenant_id = $1::uuid and resource_id = $2::uuid and live and upper(blocked) > now()`, [ctx.tenantId, p.id]);
          if (used?.unit && used.unit > p.capacity) {
            throw new ValidationError('Invalid input: capacity', [{ field: 'capacity', code: 'minimum', params: { limit: used.unit }, message: `must be at least ${used.unit}: upcoming bookings use that many units` }]);
          }
        }
        const set = sqlSet().add('name = ?', p.name === undefined ? undefined : cleanName(p.name)).add('kind = ?', p.kind).add('capacity = ?', p.capacity).add('active = ?', p.active);
        return patchRecord(ctx, { table: 'salon.resource', id: p.id, set, before: view(before), reload: async () => view(await load(ctx, p.id)), onDuplicate: nameTaken });
      },
    }),

    setForService: defineAction({
      rest: 'PUT /for-service/:serviceId',
      permission: ['update', SUBJECT],
      summary: 'Replace the resources a service needs (one unit of each per booking)',
      params: Type.Object({ serviceId: Id, resourceIds: Type.Array(Id, { maxItems: 10, uniqueItems: true }) }, { additionalProperties: false }),
      async handler(ctx) {
        const { serviceId, resourceIds } = ctx.params;
        const [svc] = await ctx.sql('select id from salon.service where tenant_id = $1::uuid and id = $2::uuid for update', [ctx.tenantId, serviceId]);
        if (!svc) throw new NotFoundError('Service not found', { subject: 'salon.service' });
        const known = new Set((await ctx.sql<{ id: string }>('select id from salon.resource where tenant_id = $1::uuid and id = any($2::uuid[])', [ctx.tenantId, resourceIds])).map((r) => r.id));
        const bad = resourceIds.flatMap((id, i) => (known.has(id) ? [] : [{ field: `resourceIds.${i}`, code: 'unknown', message: 'is not a resource of this salon' }]));
        if (bad.length) throw new ValidationError('Invalid input: resourceIds', bad);
        await ctx.sql('delete from salon.service_resource where tenant_id = $1::uuid and service_id = $2::uuid', [ctx.tenantId, serviceId]);
        if (resourceIds.length) await ctx.sql('insert into salon.service_resource (tenant_id, service_id, resource_id) select $1::uuid, $2::uuid, r from unnest($3::uuid[]) r', [ctx.tenantId, serviceId, resourceIds]);
        ctx.audit.target(serviceId);
        return { serviceId, resourceIds };
      },
    }),
  },
});
