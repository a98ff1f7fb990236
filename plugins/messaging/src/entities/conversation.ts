import { defineEntity, p, tenantFilter, tenantIdProperty, uuidPrimaryKey } from '@atrium/sdk';

/**
 * A conversation, mapped for reading lists through the ORM: the caller's CASL rules on
 * `messaging.Conversation` (e.g. `{ assigneeId: '${user.id}' }` for a role that sees only its own
 * conversations, or `{ team: 'sales' }`) become MikroORM conditions with `ctx.accessibleWhere`.
 * Writes are SQL in services/conversations.service.ts and the ingest function.
 */
export const Conversation = defineEntity({
  name: 'MessagingConversation',
  schema: 'messaging',
  tableName: 'conversation',
  properties: {
    id: uuidPrimaryKey(),
    tenantId: tenantIdProperty(),
    accountId: p.uuid(),
    identityId: p.uuid(),
    contactId: p.uuid(),
    chatId: p.string().length(320),
    status: p.string().length(10),
    assigneeId: p.uuid().nullable(),
    team: p.string().length(60).nullable(),
    labels: p.array().default([]),
    unread: p.integer().default(0),
    lastMessageAt: p.datetime().nullable(),
    lastInboundAt: p.datetime().nullable(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
    version: p.integer().version(),
  },
  filters: tenantFilter as any,
});

export type ConversationEntity = InstanceType<typeof Conversation.class>;
