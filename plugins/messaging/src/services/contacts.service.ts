import crypto from 'node:crypto';
import { ConflictError, defineAction, defineService, likePattern, listPage, NotFoundError, Paging, sqlWhere, Type, UnprocessableError, ValidationError, type RequestContext } from '@atrium/sdk';
import { IDENTITY_KINDS, type IdentityKind } from '@atrium/sdk/messaging';
import { CONSENT_CHANGED } from '../events.ts';
import { normaliseAddress } from '../domain/recipients.ts';
import { CONTACT_COLUMNS, contactView, identityView } from '../domain/views.ts';
import { pushConversations } from '../domain/live.ts';

const SUBJECT = 'messaging.Contact';
const Id = Type.String({ format: 'uuid' });
const Locale = Type.Union([Type.Literal('ru'), Type.Literal('uk'), Type.Literal('kk'), Type.Literal('en'), Type.Null()]);
const IdentityInput = Type.Object({
  kind: Type.Union(IDENTITY_KINDS.map((k) => Type.Literal(k))),
  value: Type.String({ minLength: 1, maxLength: 320 }),
  display: Type.Optional(Type.String({ maxLength: 200 })),
}, { additionalProperties: false });

const IDENTITY_COLUMNS = 'id, contact_id, kind, scope, value, display, username, consent, consent_at, consent_source, consent_reason, created_at';

async function loadContact(ctx: RequestContext, id: string, lock = false) {
  const [c] = await ctx.sql(`select ${CONTACT_COLUMNS} from messaging.contact ct where ct.tenant_id = $1::uuid and ct.id = $2::uuid${lock ? ' for update' : ''}`, [ctx.tenantId, id]);
  if (!c) throw new NotFoundError('Contact not found');
  return c;
}

async function contactDetail(ctx: RequestContext, id: string) {
  const c = await loadContact(ctx, id);
  const identities = await ctx.sql(`select ${IDENTITY_COLUMNS} from messaging.identity where tenant_id = $1::uuid and contact_id = $2::uuid order by created_at`, [ctx.tenantId, id]);
  const conversations = await ctx.sql<{ id: string; account_id: string; identity_id: string; status: string; last_message_at: Date | null }>(
    'select id, account_id, identity_id, status, last_message_at from messaging.conversation where tenant_id = $1::uuid and contact_id = $2::uuid order by last_message_at desc nulls last', [ctx.tenantId, id]);
  return {
    ...contactView(c, identities),
    conversations: conversations.map((v) => ({ id: v.id, accountId: v.account_id, identityId: v.identity_id, status: v.status, lastMessageAt: v.last_message_at })),
  };
}

/** Adds an identity to a contact; an address that already belongs to someone is a 409 naming who. */
async function addIdentity(ctx: RequestContext, contactId: string, i: { kind: IdentityKind; value: string; display?: string }, field: string) {
  const value = normaliseAddress(i.kind, i.value, `${field}.value`);
  const rows = await ctx.sql<{ id: string }>(
    `insert into messaging.identity (tenant_id, id, contact_id, kind, scope, value, display) values ($1::uuid, $2::uuid, $3::uuid, $4::text, '', $5::text, $6::text)
     on conflict (tenant_id, kind, scope, value) do nothing returning id`,
    [ctx.tenantId, crypto.randomUUID(), contactId, i.kind, value, i.display ?? null],
  );
  if (!rows.length) {
    const [owner] = await ctx.sql<{ contact_id: string }>('select contact_id from messaging.identity where tenant_id = $1::uuid and kind = $2::text and scope = \'\' and value = $3::text', [ctx.tenantId, i.kind, value]);
    throw new ConflictError(`${value} already belongs to a contact: merge the two instead`, 'IDENTITY_TAKEN', { field: `${field}.value`, contactId: owner?.contact_id });
  }
}

/**
 * Contacts and their identities. Merging two contacts moves every identity (and so every
 * conversation) to the one kept; splitting moves chosen identities, with their conversations, to a
 * new contact. Consent is per identity: STOP words and providers' opt-outs set it, a person may set
 * it here too.
 */
export const contactsService = defineService({
  name: 'contacts',
  actions: {
    list: defineAction({
      rest: 'GET /',
      permission: ['read', SUBJECT],
      params: Type.Object({ ...Paging, q: Type.Optional(Type.String({ maxLength: 200 })), optedOut: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
      async handler(ctx) {
        const { limit = 20, offset = 0 } = ctx.params;
        const q = ctx.params.q?.trim().toLowerCase();
        const where = sqlWhere('ct.merged_into is null').always('ct.tenant_id = ?::uuid', ctx.tenantId);
        if (q) {
          where.add(`(lower(ct.name) like ? or exists (select 1 from messaging.identity i where i.tenant_id = ct.tenant_id and i.contact_id = ct.id and (lower(i.value) like ? or lower(i.username) like ?)))`,
            likePattern(q), likePattern(q.replace(/^@/, ''), 'prefix'), likePattern(q.replace(/^@/, ''), 'prefix'));
        }
        if (ctx.params.optedOut !== undefined) {
          where.add(`${ctx.params.optedOut ? '' : 'not '}exists (select 1 from messaging.identity i where i.tenant_id = ct.tenant_id and i.contact_id = ct.id and i.consent = 'opted_out')`);
        }
        const page = await listPage(ctx, { select: CONTACT_COLUMNS, from: 'messaging.contact ct', where, orderBy: 'ct.created_at desc, ct.id', limit, offset });
        const ids = page.items.map((c: any) => c.id);
        const identities = ids.length ? await ctx.sql(`select ${IDENTITY_COLUMNS} from messaging.identity where tenant_id = $1::uuid and contact_id = any($2::uuid[]) order by created_at`, [ctx.tenantId, ids]) : [];
        return { items: page.items.map((c: any) => contactView(c, identities.filter((i: any) => i.contact_id === c.id))), total: page.total };
      },
    }),
    get: defineAction({
      rest: 'GET /:id',
      permission: ['read', SUBJECT],
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      handler: (ctx) => contactDetail(ctx, ctx.params.id),
    }),
    create: defineAction({
      rest: 'POST /',
      permission: ['create', SUBJECT],
      status: 201,
      idempotent: true,
      params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }), locale: Type.Optional(Locale), note: Type.Optional(Type.String({ maxLength: 10_000 })), identities: Type.Array(IdentityInput, { minItems: 1, maxItems: 20 }) }, { additionalProperties: false }),
      async handler(ctx) {
        const id = crypto.randomUUID();
        await ctx.sql('insert into messaging.contact (tenant_id, id, name, locale, note) values ($1::uuid, $2::uuid, $3::text, $4::text, $5::text)', [ctx.tenantId, id, ctx.params.name.trim(), ctx.params.locale ?? null, ctx.params.note ?? null]);
        for (const [n, i] of ctx.params.identities.entries()) await addIdentity(ctx, id, i, `identities.${n}`);
        return contactDetail(ctx, id);
      },
    }),
    update: defineAction({
      rest: 'PATCH /:id',
      permission: ['update', SUBJECT],
      params: Type.Object({ id: Id, version: Type.Integer({ minimum: 1 }), name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), locale: Type.Optional(Locale), note: Type.Optional(Type.Union([Type.String({ maxLength: 10_000 }), Type.Null()])) }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const before = await loadContact(ctx, p.id);
        const rows = await ctx.sql(
          `update messaging.contact set name = coalesce($4::text, name), locale = case when $5::boolean then $6::text else locale end, note = case when $7::boolean then $8::text else note end,
             updated_at = now(), version = version + 1 where tenant_id = $1::uuid and id = $2::uuid and version = $3::int returning id`,
          [ctx.tenantId, p.id, p.version, p.name?.trim() ?? null, p.locale !== undefined, p.locale ?? null, p.note !== undefined, p.note ?? null]);
        if (!rows.length) throw new ConflictError('The contact was changed by someone else: reload it', 'VERSION_CONFLICT');
        const after = await contactDetail(ctx, p.id);
        ctx.audit.diff({ name: before.name, locale: before.locale, note: before.note }, { name: after.name, locale: after.locale, note: after.note });
        return after;
      },
    }),
    addIdentity: defineAction({
      rest: 'POST /:id/identities',
      permission: ['update', SUBJECT],
      status: 201,
      params: Type.Object({ id: Id, ...IdentityInput.properties }, { additionalProperties: false }),
      async handler(ctx) {
        const { id, ...identity } = ctx.params;
        await loadContact(ctx, id);
        await addIdentity(ctx, id, identity, 'identity');
        return contactDetail(ctx, id);
      },
    }),
    merge: defineAction({
      rest: 'POST /:id/merge',
      permission: ['merge', SUBJECT],
      summary: 'Merge another contact into this one: its identities and conversations move here; it is kept as a pointer',
      params: Type.Object({ id: Id, otherId: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const { id, otherId } = ctx.params;
        if (id === otherId) throw new ValidationError('A contact cannot be merged into itself', [{ field: 'otherId', code: 'mergeSelf', message: 'must be another contact' }]);
        // lock both in one order, so two opposite merges cannot deadlock
        const [first, second] = [id, otherId].sort();
        const a = await loadContact(ctx, first!, true);
        const b = await loadContact(ctx, second!, true);
        const [keep, gone] = a.id === id ? [a, b] : [b, a];
        if (keep.merged_into || gone.merged_into) throw new ConflictError('One of the contacts was already merged into another', 'ALREADY_MERGED');
        const moved = await ctx.sql<{ id: string }>('update messaging.identity set contact_id = $2::uuid where tenant_id = $1::uuid and contact_id = $3::uuid returning id', [ctx.tenantId, keep.id, gone.id]);
        const conversations = await ctx.sql<{ id: string }>('update messaging.conversation set contact_id = $2::uuid, updated_at = now() where tenant_id = $1::uuid and contact_id = $3::uuid returning id', [ctx.tenantId, keep.id, gone.id]);
        await ctx.sql(
          `update messaging.contact set locale = coalesce(locale, $3::text), note = nullif(concat_ws(E'\\n\\n', note, $4::text), ''), updated_at = now(), version = version + 1
           where tenant_id = $1::uuid and id = $2::uuid`, [ctx.tenantId, keep.id, gone.locale, gone.note]);
        await ctx.sql('update messaging.contact set merged_into = $2::uuid, updated_at = now(), version = version + 1 where tenant_id = $1::uuid and id = $3::uuid', [ctx.tenantId, keep.id, gone.id]);
        ctx.audit.diff({ merged: gone.id, name: gone.name }, { into: keep.id, identities: moved.map((m) => m.id), conversations: conversations.map((c) => c.id) });
        pushConversations(ctx, conversations.map((c) => c.id));
        return contactDetail(ctx, keep.id);
      },
    }),
    split: defineAction({
      rest: 'POST /:id/split',
      permission: ['merge', SUBJECT],
      status: 201,
      summary: 'Move some identities (and their conversations) of this contact to a new contact',
      params: Type.Object({ id: Id, identityIds: Type.Array(Id, { minItems: 1, maxItems: 50 }), name: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
      async handler(ctx) {
        const { id, identityIds, name } = ctx.params;
        await loadContact(ctx, id, true);
        const own = await ctx.sql<{ id: string }>('select id from messaging.identity where tenant_id = $1::uuid and contact_id = $2::uuid', [ctx.tenantId, id]);
        const mine = new Set(own.map((o) => o.id));
        identityIds.forEach((x, i) => {
          if (!mine.has(x)) throw new ValidationError('Not an identity of this contact', [{ field: `identityIds.${i}`, code: 'unknown', message: 'is not an identity of this contact' }]);
        });
        if (new Set(identityIds).size >= own.length) throw new UnprocessableError('A contact keeps at least one identity: move fewer', 'SPLIT_ALL');
        const newId = crypto.randomUUID();
        await ctx.sql('insert into messaging.contact (tenant_id, id, name) values ($1::uuid, $2::uuid, $3::text)', [ctx.tenantId, newId, name.trim()]);
        await ctx.sql('update messaging.identity set contact_id = $2::uuid where tenant_id = $1::uuid and id = any($3::uuid[])', [ctx.tenantId, newId, identityIds]);
        const conversations = await ctx.sql<{ id: string }>('update messaging.conversation set contact_id = $2::uuid, updated_at = now() where tenant_id = $1::uuid and identity_id = any($3::uuid[]) returning id', [ctx.tenantId, newId, identityIds]);
        ctx.audit.diff({ contact: id, identities: identityIds }, { contact: newId, conversations: conversations.map((c) => c.id) });
        pushConversations(ctx, conversations.map((c) => c.id));
        return contactDetail(ctx, newId);
      },
    }),
    consent: defineAction({
      rest: 'POST /identities/:identityId/consent',
      permission: ['update', SUBJECT],
      summary: 'Record that a person opted out of (or back into) messages on one identity',
      params: Type.Object({ identityId: Id, consent: Type.Union([Type.Literal('opted_out'), Type.Literal('granted')]), reason: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false }),
      async handler(ctx) {
        const [row] = await ctx.sql(
          `update messaging.identity set consent = $3::text, consent_at = now(), consent_source = 'user', consent_reason = $4::text where tenant_id = $1::uuid and id = $2::uuid returning ${IDENTITY_COLUMNS}`,
          [ctx.tenantId, ctx.params.identityId, ctx.params.consent, ctx.params.reason ?? null]);
        if (!row) throw new NotFoundError('Identity not found');
        await ctx.emit(CONSENT_CHANGED, { identityId: row.id, contactId: row.contact_id, consent: ctx.params.consent, source: 'user' });
        const convs = await ctx.sql<{ id: string }>('select id from messaging.conversation where tenant_id = $1::uuid and identity_id = $2::uuid', [ctx.tenantId, row.id]);
        pushConversations(ctx, convs.map((c) => c.id));
        return identityView(row);
      },
    }),
  },
});
