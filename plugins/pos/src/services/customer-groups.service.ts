import { ConflictError, defineAction, defineService, likePattern, listPage, NotFoundError, orderBy, Paging, Sort, sqlSet, sqlWhere, Type, ValidationError, type RequestContext } from '@atrium/sdk';

const SUBJECT = 'pos.CustomerGroup';
const Id = Type.String({ format: 'uuid' });
const Name = Type.String({ minLength: 1, maxLength: 120 });
// basis points: 500 = 5 %; the sale applies it to members automatically
const DiscountBp = Type.Integer({ minimum: 0, maximum: 10000 });
const Segment = Type.Union([Type.String({ minLength: 1, maxLength: 32, pattern: '^[a-z0-9_]+$' }), Type.Null()]);
const CustomerIds = Type.Array(Id, { minItems: 1, maxItems: 1000, uniqueItems: true });

const SORTS = { name: 'g.name', discountBp: 'g.discount_bp', members: 'members', createdAt: 'g.created_at' };

const COLUMNS = `g.id, g.name, g.discount_bp, g.rfm_segment, g.created_at,
  (select count(*)::int from pos.customer c where c.tenant_id = g.tenant_id and c.group_id = g.id and not c.archived) as members`;
const SELECT = `select ${COLUMNS} from pos.customer_group g`;

function view(r: any) {
  return { id: r.id, name: r.name, discountBp: r.discount_bp, rfmSegment: r.rfm_segment, members: r.members ?? 0, createdAt: r.created_at };
}

async function load(ctx: RequestContext, id: string, lock = false) {
  const [row] = await ctx.em.execute(`${SELECT} where g.id = ?${lock ? ' for update of g' : ''}`, [id]);
  if (!row) throw new NotFoundError('Customer group not found', { subject: 'pos.CustomerGroup', groupId: id });
  return row;
}

function nameTaken(name: string) {
  return new ConflictError(`A customer group named "${name}" already exists (name)`, 'GROUP_NAME_TAKEN', { field: 'name', name });
}

function cleanName(name: string): string {
  const n = name.trim();
  if (!n) throw new ValidationError('Invalid input: name is blank', [{ field: 'name', code: 'blank', message: 'must not be blank' }]);
  return n;
}

/**
 * Groups of customers with an automatic discount (the sale reads `discount_bp` of the buyer's
 * group). Analytics may feed a group from an RFM segment (`rfmSegment`).
 */
export const customerGroupsService = defineService({
  name: 'customerGroups',
  rest: 'customer-groups',
  actions: {
    list: defineAction({
      rest: 'GET /',
      permission: ['read', SUBJECT],
      params: Type.Object({ ...Paging, q: Type.Optional(Type.String({ maxLength: 120 })), sort: Sort }, { additionalProperties: false }),
      async handler(ctx) {
        const { limit = 50, offset = 0, q, sort } = ctx.params;
        const where = sqlWhere().add('g.name ilike ?', q?.trim() ? likePattern(q.trim()) : undefined);
        return { ...(await listPage(ctx, { select: COLUMNS, from: 'pos.customer_group g', where, orderBy: orderBy(sort, SORTS, 'g.name asc', 'g.id'), limit, offset }, view)), limit, offset };
      },
    }),

    get: defineAction({
      rest: 'GET /:id',
      permission: ['read', SUBJECT],
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        return view(await load(ctx, ctx.params.id));
      },
    }),

    create: defineAction({
      rest: 'POST /',
      permission: ['create', SUBJECT],
      status: 201,
      idempotent: true,
      params: Type.Object({ name: Name, discountBp: Type.Optional(DiscountBp), rfmSegment: Type.Optional(Segment) }, { additionalProperties: false }),
      async handler(ctx) {
        const name = cleanName(ctx.params.name);
        const id = crypto.randomUUID();
        const rows = await ctx.em.execute(
          'insert into pos.customer_group (tenant_id, id, name, discount_bp, rfm_segment) values (?, ?, ?, ?, ?) on conflict do nothing returning id',
          [ctx.tenantId, id, name, ctx.params.discountBp ?? 0, ctx.params.rfmSegment ?? null],
        );
        if (!rows.length) throw nameTaken(name);
        return view(await load(ctx, id));
      },
    }),

    update: defineAction({
      rest: 'PATCH /:id',
      permission: ['update', SUBJECT],
      params: Type.Object({ id: Id, name: Type.Optional(Name), discountBp: Type.Optional(DiscountBp), rfmSegment: Type.Optional(Segment) }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const before = await load(ctx, p.id, true);
        const set = sqlSet();
        if (p.name !== undefined) {
          const name = cleanName(p.name);
          const [other] = await ctx.em.execute('select id from pos.customer_group where lower(name) = lower(?) and id <> ?', [name, p.id]);
          if (other) throw nameTaken(name);
          set.add('name = ?', name);
        }
        set.add('discount_bp = ?', p.discountBp).add('rfm_segment = ?', p.rfmSegment);
        if (set.empty) return view(before);
        await ctx.em.execute(`update pos.customer_group set ${set.text()} where id = ?`, [...set.params, p.id]);
        const after = view(await load(ctx, p.id));
        ctx.audit.diff(view(before), after);
        return after;
      },
    }),

    remove: defineAction({
      rest: 'DELETE /:id',
      permission: ['delete', SUBJECT],
      summary: 'Delete a group; its members stay, without a group',
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const before = await load(ctx, ctx.params.id, true);
        // unlink members first: the (tenant_id, group_id) foreign key's ON DELETE SET NULL would
        // null tenant_id too, which the NOT NULL column refuses
        const unlinked = await ctx.em.execute('update pos.customer set group_id = null, updated_at = now(), version = version + 1 where group_id = ? returning id', [before.id]);
        await ctx.em.execute('delete from pos.customer_group where id = ?', [before.id]);
        ctx.audit.diff(view(before), null);
        return { id: before.id, deleted: true, membersUnassigned: unlinked.length };
      },
    }),

    addMembers: defineAction({
      rest: 'POST /:id/members',
      permission: ['update', SUBJECT],
      summary: 'Put up to 1000 customers into this group (moving them from their current group); all or nothing',
      params: Type.Object({ id: Id, customerIds: CustomerIds }, { additionalProperties: false }),
      async handler(ctx) {
        ctx.authorize('update', 'pos.Customer');
        const group = await load(ctx, ctx.params.id, true);
        const moved = await setGroup(ctx, ctx.params.customerIds, group.id);
        ctx.audit.diff(null, { groupId: group.id, customerIds: ctx.params.customerIds });
        return { groupId: group.id, assigned: moved, members: (await load(ctx, group.id)).members };
      },
    }),

    removeMembers: defineAction({
      rest: 'POST /:id/members/remove',
      permission: ['update', SUBJECT],
      summary: 'Take customers out of this group (customers in other groups are left alone)',
      params: Type.Object({ id: Id, customerIds: CustomerIds }, { additionalProperties: false }),
      async handler(ctx) {
        ctx.authorize('update', 'pos.Customer');
        const group = await load(ctx, ctx.params.id, true);
        const rows = await ctx.em.execute(
          `update pos.customer set group_id = null, updated_at = now(), version = version + 1
            where group_id = ? and id in (select jsonb_array_elements_text(?::jsonb)::uuid) returning id`,
          [group.id, JSON.stringify(ctx.params.customerIds)],
        );
        ctx.audit.diff({ groupId: group.id, customerIds: rows.map((r: any) => r.id) }, null);
        return { groupId: group.id, removed: rows.length, members: (await load(ctx, group.id)).members };
      },
    }),
  },
});

/** Moves the customers into the group in one statement; any unknown id → 404 listing them, nothing changed. */
async function setGroup(ctx: RequestContext, customerIds: string[], groupId: string): Promise<number> {
  const rows = await ctx.em.execute(
    `update pos.customer set group_id = ?, updated_at = now(), version = version + 1
      where id in (select jsonb_array_elements_text(?::jsonb)::uuid) returning id`,
    [groupId, JSON.stringify(customerIds)],
  );
  if (rows.length !== customerIds.length) {
    const found = new Set(rows.map((r: any) => r.id));
    const missing = customerIds.filter((id) => !found.has(id));
    // throwing rolls the whole update back: all or nothing
    throw new NotFoundError(`${missing.length} of the customers do not exist (customerIds)`, { subject: 'pos.Customer', field: 'customerIds', missing: missing.slice(0, 50), count: missing.length }, 'CUSTOMERS_NOT_FOUND');
  }
  return rows.length;
}
