import crypto from 'node:crypto';
import { ConflictError, defineAction, defineService, likePattern, listPage, NotFoundError, orderBy, Paging, Sort, sqlSet, sqlWhere, Type, type RequestContext } from '@atrium/sdk';
import { clientSegment } from '../domain/segments.ts';
import { Id, Version, checkVersion, cleanName, cleanPhone, isDuplicate, patchRecord } from './common.ts';

const SUBJECT = 'salon.Client';
const COLUMNS = 'c.id, c.name, c.phone, c.email, c.locale, c.contact_id, c.notes, c.version, c.created_at';
const SORTS = { name: 'c.name', createdAt: 'c.created_at' };
const Locale = Type.Union(['en', 'ru', 'uk', 'kk'].map((l) => Type.Literal(l)));
const Email = Type.String({ format: 'email', maxLength: 254 });

type ClientRow = { id: string; name: string; phone: string | null; email: string | null; locale: string | null; contact_id: string | null; notes: string | null; version: number; created_at: Date };
const view = (r: ClientRow) => ({ id: r.id, name: r.name, phone: r.phone, email: r.email, locale: r.locale, contactId: r.contact_id, notes: r.notes, version: r.version, createdAt: r.created_at });

async function load(ctx: RequestContext, id: string, lock = false): Promise<ClientRow> {
  const [r] = await ctx.sql<ClientRow>(`select ${COLUMNS} from salon.client c where c.tenant_id = $1::uuid and c.id = $2::uuid${lock ? ' for update' : ''}`, [ctx.tenantId, id]);
  if (!r) throw new NotFoundError('Client not found', { subject: 'salon.client' });
  return r;
}

const phoneTaken = () => new ConflictError('A client with this phone number already exists', 'CLIENT_PHONE_TAKEN', { field: 'phone' });

/** Clients: contact details, language for reminders, the messaging contact, notes; their history and segment (domain/segments.ts). */
export const clientsService = defineService({
  name: 'clients',
  actions: {
    list: defineAction({
      rest: 'GET /',
      permission: ['read', SUBJECT],
      params: Type.Object({ ...Paging, q: Type.Optional(Type.String({ maxLength: 120 })), sort: Sort }, { additionalProperties: false }),
      async handler(ctx) {
        const { limit = 20, offset = 0, q, sort } = ctx.params;
        const term = q?.trim();
        const digits = term?.replace(/\D/g, '');
        const where = sqlWhere();
        if (term) where.always(digits && digits.length >= 3 ? '(c.name ilike ? or c.phone like ?)' : 'c.name ilike ?', likePattern(term), ...(digits && digits.length >= 3 ? [likePattern(digits)] : []));
        return { ...(await listPage(ctx, { select: COLUMNS, from: 'salon.client c', where, orderBy: orderBy(sort, SORTS, 'c.name asc', 'c.id'), limit, offset }, view)), limit, offset };
      },
    }),

    get: defineAction({
      rest: 'GET /:id',
      permission: ['read', SUBJECT],
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const c = view(await load(ctx, ctx.params.id));
        const [stats] = await ctx.sql<{ visits: number; spent: string; last_visit: Date | null; upcoming: number }>(
          `select count(*) filter (where status = 'done')::int as visits, coalesce(sum(price) filter (where status = 'done'), 0) as spent,
                  max(starts_at) filter (where status = 'done') as last_visit, count(*) filter (where status in ('held', 'booked', 'confirmed') and starts_at > now())::int as upcoming
             from salon.booking where tenant_id = $1::uuid and client_id = $2::uuid`, [ctx.tenantId, c.id]);
        const history = { visits: stats!.visits, spent: Number(stats!.spent), lastVisitAt: stats!.last_visit };
        return { ...c, ...history, upcoming: stats!.upcoming, segment: clientSegment(history) };
      },
    }),

    create: defineAction({
      rest: 'POST /',
      permission: ['create', SUBJECT],
      status: 201,
      idempotent: true,
      params: Type.Object({
        name: Type.String({ minLength: 1, maxLength: 200 }), phone: Type.Optional(Type.String({ maxLength: 30 })), email: Type.Optional(Email),
        locale: Type.Optional(Locale), contactId: Type.Optional(Id), notes: Type.Optional(Type.String({ maxLength: 5000 })),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const id = crypto.randomUUID();
        try {
          await ctx.sql('insert into salon.client (tenant_id, id, name, phone, email, locale, contact_id, notes) values ($1::uuid, $2::uuid, $3::text, $4::text, $5::text, $6::text, $7::uuid, $8::text)',
            [ctx.tenantId, id, cleanName(p.name), cleanPhone(p.phone), p.email ?? null, p.locale ?? null, p.contactId ?? null, p.notes ?? null]);
        } catch (e) {
          if (isDuplicate(e)) throw phoneTaken();
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
        id: Id, name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), phone: Type.Optional(Type.Union([Type.String({ maxLength: 30 }), Type.Null()])),
        email: Type.Optional(Type.Union([Email, Type.Null()])), locale: Type.Optional(Type.Union([Locale, Type.Null()])), contactId: Type.Optional(Type.Union([Id, Type.Null()])),
        notes: Type.Optional(Type.Union([Type.String({ maxLength: 5000 }), Type.Null()])), version: Type.Optional(Version),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const before = await load(ctx, p.id, true);
        checkVersion('client', p.version, before.version);
        const set = sqlSet().add('name = ?', p.name === undefined ? undefined : cleanName(p.name)).add('phone = ?', p.phone === undefined ? undefined : cleanPhone(p.phone))
          .add('email = ?', p.email).add('locale = ?', p.locale).add('contact_id = ?', p.contactId).add('notes = ?', p.notes);
        return patchRecord(ctx, {
          table: 'salon.client', id: p.id, set, before: view(before), reload: async () => view(await load(ctx, p.id)), onDuplicate: phoneTaken,
        });
      },
    }),
  },
});
