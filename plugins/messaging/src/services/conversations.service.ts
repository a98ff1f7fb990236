import { ConflictError, defineAction, defineService, likePattern, NotFoundError, Paging, Type, type RequestContext } from '@atrium/sdk';
import { CHANNEL_KINDS } from '@atrium/sdk/messaging';
import { Conversation } from '../entities/conversation.ts';
import { queueMessage, SendParams } from '../domain/outbound-queue.ts';
import { pushConversations } from '../domain/live.ts';
import { CONVERSATION_SELECT, conversationView, MESSAGE_COLUMNS, messageView } from '../domain/views.ts';

const SUBJECT = 'messaging.Conversation';
const Id = Type.String({ format: 'uuid' });
const Status = Type.Union([Type.Literal('open'), Type.Literal('pending'), Type.Literal('resolved')]);

/** The fields a row rule on messaging.Conversation may name (README "Permissions"). */
const ruleFields = (r: { id: string; assignee_id: string | null; team: string | null; account_id: string; status: string }) =>
  ({ id: r.id, assigneeId: r.assignee_id, team: r.team, accountId: r.account_id, status: r.status });

async function loadConversation(ctx: RequestContext, id: string, action: string): Promise<any> {
  const [row] = await ctx.sql(`${CONVERSATION_SELECT} where c.tenant_id = $1::uuid and c.id = $2::uuid`, [ctx.tenantId, id]);
  if (!row) throw new NotFoundError('Conversation not found');
  ctx.authorize(action, SUBJECT, ruleFields(row));
  return row;
}

/** The composer's send: a reply in this conversation (urgent: the person is waiting). */
const ReplyParams = Type.Object({
  id: Id,
  text: SendParams.properties.text,
  template: SendParams.properties.template,
  buttons: SendParams.properties.buttons,
  attachments: SendParams.properties.attachments,
  subject: SendParams.properties.subject,
  replyToMessageId: SendParams.properties.replyToMessageId,
  urgent: SendParams.properties.urgent,
}, { additionalProperties: false });

export const conversationsService = defineService({
  name: 'conversations',
  actions: {
    list: defineAction({
      rest: 'GET /',
      permission: ['read', SUBJECT],
      summary: 'The inbox: conversations, newest activity first, with channel / status / assignee / label filters and search',
      params: Type.Object({
        ...Paging,
        status: Type.Optional(Status),
        channel: Type.Optional(Type.Union(CHANNEL_KINDS.map((c) => Type.Literal(c)))),
        accountId: Type.Optional(Id),
        assignee: Type.Optional(Type.Union([Type.Literal('me'), Type.Literal('none'), Id])),
        team: Type.Optional(Type.String({ maxLength: 60 })),
        label: Type.Optional(Type.String({ maxLength: 40 })),
        unread: Type.Optional(Type.Boolean()),
        contactId: Type.Optional(Id),
        q: Type.Optional(Type.String({ maxLength: 200 })),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const { limit = 20, offset = 0 } = p;
        // the caller's read rules as conditions ({} for most roles), then the filters
        const and: Record<string, unknown>[] = [ctx.accessibleWhere('read', SUBJECT)];
        if (p.status) and.push({ status: p.status });
        if (p.accountId) and.push({ accountId: p.accountId });
        if (p.channel) {
          const accounts = await ctx.sql<{ id: string }>('select id from messaging.account where tenant_id = $1::uuid and channel = $2::text', [ctx.tenantId, p.channel]);
          and.push({ accountId: { $in: accounts.map((a) => a.id) } });
        }
        if (p.assignee === 'me') and.push({ assigneeId: ctx.user?.id ?? null });
        else if (p.assignee === 'none') and.push({ assigneeId: null });
        else if (p.assignee) and.push({ assigneeId: p.assignee });
        if (p.team) and.push({ team: p.team });
        if (p.label) and.push({ labels: { $contains: [p.label] } });
        if (p.unread !== undefined) and.push({ unread: p.unread ? { $gt: 0 } : 0 });
        if (p.contactId) and.push({ contactId: p.contactId });
        const q = p.q?.trim();
        if (q) {
          // a name, or the beginning of an address / phone / username
          const found = await ctx.sql<{ contact_id: string }>(
            `select ct.id as contact_id from messaging.contact ct where ct.tenant_id = $1::uuid and ct.merged_into is null and lower(ct.name) like $2::text
             union select i.contact_id from messaging.identity i where i.tenant_id = $1::uuid and (lower(i.value) like $3::text or lower(i.username) like $3::text or lower(i.display) like $2::text)
             limit 500`,
            [ctx.tenantId, likePattern(q.toLowerCase()), likePattern(q.toLowerCase().replace(/^@/, ''), 'prefix')],
          );
          and.push({ contactId: { $in: found.map((f) => f.contact_id) } });
        }
        const [page, total] = await ctx.em.findAndCount(Conversation, { $and: and } as any, {
          fields: ['id'] as any, limit, offset, orderBy: [{ lastMessageAt: 'desc nulls last' }, { id: 'asc' }] as any,
        });
        const ids = page.map((c) => c.id);
        const rows = ids.length ? await ctx.sql(`${CONVERSATION_SELECT} where c.tenant_id = $1::uuid and c.id = any($2::uuid[])`, [ctx.tenantId, ids]) : [];
        const byId = new Map(rows.map((r: any) => [r.id, r]));
        return { items: ids.map((id) => conversationView(byId.get(id))), total };
      },
    }),
    counts: defineAction({
      rest: 'GET /counts',
      permission: ['read', SUBJECT],
      summary: 'Unread badges: conversations with unread messages, per status, within what the caller may read',
      async handler(ctx) {
        const rows = await ctx.em.find(Conversation, { $and: [ctx.accessibleWhere('read', SUBJECT), { unread: { $gt: 0 } }] } as any, { fields: ['status', 'assigneeId'] as any, limit: 10_000 });
        const mine = rows.filter((r) => r.assigneeId === ctx.user?.id).length;
        const by = (s: string) => rows.filter((r) => r.status === s).length;
        return { unread: rows.length, open: by('open'), pending: by('pending'), resolved: by('resolved'), mine };
      },
    }),
    get: defineAction({
      rest: 'GET /:id',
      permission: ['read', SUBJECT],
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        return conversationView(await loadConversation(ctx, ctx.params.id, 'read'));
      },
    }),
    messages: defineAction({
      rest: 'GET /:id/messages',
      permission: ['read', SUBJECT],
      summary: 'Messages of a conversation, oldest first; `before` (a message id) pages back in time',
      params: Type.Object({ id: Id, before: Type.Optional(Id), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })) }, { additionalProperties: false }),
      async handler(ctx) {
        await loadConversation(ctx, ctx.params.id, 'read');
        const limit = ctx.params.limit ?? 50;
        const rows = await ctx.sql(
          `select ${MESSAGE_COLUMNS} from messaging.message m
           where m.tenant_id = $1::uuid and m.conversation_id = $2::uuid
             and ($3::uuid is null or (m.created_at, m.id) < (select b.created_at, b.id from messaging.message b where b.tenant_id = $1::uuid and b.id = $3::uuid))
           order by m.created_at desc, m.id desc limit $4::int`,
          [ctx.tenantId, ctx.params.id, ctx.params.before ?? null, limit + 1],
        );
        const more = rows.length > limit;
        return { items: rows.slice(0, limit).reverse().map(messageView), hasMore: more };
      },
    }),
    reply: defineAction({
      rest: 'POST /:id/messages',
      permission: ['reply', SUBJECT],
      status: 201,
      idempotent: true,
      summary: 'Send a message in this conversation (text, a template, buttons, attachments); Idempotency-Key makes "send" safe to press again',
      params: ReplyParams,
      async handler(ctx) {
        const row = await loadConversation(ctx, ctx.params.id, 'reply');
        const { id, ...content } = ctx.params;
        const r = await queueMessage(ctx, { ...content, to: { conversationId: id } }, { createdBy: ctx.user?.id ?? null, urgentByDefault: true });
        ctx.audit.target(r.messageId);
        const [m] = await ctx.sql(`select ${MESSAGE_COLUMNS} from messaging.message m where m.tenant_id = $1::uuid and m.id = $2::uuid`, [ctx.tenantId, r.messageId]);
        return { ...messageView(m), conversationId: row.id };
      },
    }),
    read: defineAction({
      rest: 'POST /:id/read',
      permission: ['read', SUBJECT],
      mutates: false,
      summary: 'Mark the conversation read (its unread count goes to 0)',
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        await loadConversation(ctx, ctx.params.id, 'read');
        const rows = await ctx.sql('update messaging.conversation set unread = 0 where tenant_id = $1::uuid and id = $2::uuid and unread > 0 returning id', [ctx.tenantId, ctx.params.id]);
        if (rows.length) pushConversations(ctx, [ctx.params.id]);
        return { ok: true };
      },
    }),
    update: defineAction({
      rest: 'PATCH /:id',
      permission: ['update', SUBJECT],
      summary: 'Resolve / reopen / set pending, assign, team, labels (send the version you read)',
      params: Type.Object({
        id: Id,
        version: Type.Integer({ minimum: 1 }),
        status: Type.Optional(Status),
        assigneeId: Type.Optional(Type.Union([Id, Type.Null()])),
        team: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 60 }), Type.Null()])),
        labels: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 40 }), { maxItems: 20 })),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const row = await loadConversation(ctx, p.id, 'update');
        if (p.assigneeId !== undefined && p.assigneeId !== row.assignee_id) ctx.authorize('assign', SUBJECT, ruleFields(row));
        if (p.assigneeId) {
          const members = await ctx.call<{ items: { id: string }[] }>('tenants.members', { limit: 200 }).catch(() => null);
          if (members && !members.items.some((m) => m.id === p.assigneeId)) throw new NotFoundError('No such member of this tenant', { field: 'assigneeId' });
        }
        const labels = p.labels ? [...new Set(p.labels.map((l) => l.trim()).filter(Boolean))] : undefined;
        const rows = await ctx.sql(
          `update messaging.conversation set status = coalesce($4::text, status),
             assignee_id = case when $5::boolean then $6::uuid else assignee_id end,
             team = case when $7::boolean then $8::text else team end,
             labels = coalesce($9::text[], labels), updated_at = now(), version = version + 1
           where tenant_id = $1::uuid and id = $2::uuid and version = $3::int returning id`,
          [ctx.tenantId, p.id, p.version, p.status ?? null, p.assigneeId !== undefined, p.assigneeId ?? null, p.team !== undefined, p.team ?? null, labels ?? null],
        );
        if (!rows.length) throw new ConflictError('The conversation was changed by someone else: reload it', 'VERSION_CONFLICT');
        ctx.audit.diff({ status: row.status, assigneeId: row.assignee_id, team: row.team, labels: row.labels }, { status: p.status, assigneeId: p.assigneeId, team: p.team, labels });
        pushConversations(ctx, [p.id]);
        return conversationView(await loadConversation(ctx, p.id, 'read'));
      },
    }),
  },
});
