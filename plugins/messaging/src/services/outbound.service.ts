import { defineAction, defineService, NotFoundError, Type, UnprocessableError, ValidationError } from '@atrium/sdk';
import { claimMessage, settleMessage, type SettleInput } from '../domain/outbound-dispatch.ts';
import { queueMessage, SendParams } from '../domain/outbound-queue.ts';
import { pushConversations } from '../domain/live.ts';
import { assertOwn } from '../domain/own-token.ts';

const Id = Type.String({ format: 'uuid' });

/**
 * The send API. `messaging.outbound.send` is what other plugins call (allowlist it in their
 * manifest's `calls`): to a conversation, a contact, an identity or an address; text or a
 * template with typed variables; buttons; attachments (kernel files); an idempotency key, required:
 * a retry with the same key answers the message queued the first time. It answers at once with the
 * queued message; delivery is a job (retries, pacing, quiet hours), and the outcome comes as
 * `messaging.message.sent.v1` / `…delivered.v1` / `…failed.v1`.
 */
export const outboundService = defineService({
  name: 'outbound',
  actions: {
    send: defineAction({
      permission: 'internal',
      summary: 'Queue a message (other plugins: allowlist messaging.outbound.send)',
      params: SendParams,
      async handler(ctx) {
        if (!ctx.params.idempotencyKey) throw new ValidationError('An idempotency key is required', [{ field: 'idempotencyKey', code: 'required', message: 'is required: the same key for every retry of one send' }]);
        const r = await queueMessage(ctx, ctx.params, { createdBy: ctx.user?.id ?? null });
        ctx.audit.target(r.messageId);
        return r;
      },
    }),
    retry: defineAction({
      rest: 'POST /messages/:id/retry',
      permission: ['reply', 'messaging.Conversation'],
      summary: 'Send a failed message again (or one whose outcome is unknown — it may then arrive twice)',
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const [m] = await ctx.sql<{ id: string; status: string; conversation_id: string; assignee_id: string | null; account_id: string }>(
          `select m.id, m.status, m.conversation_id, c.assignee_id, c.account_id from messaging.message m join messaging.conversation c on c.tenant_id = m.tenant_id and c.id = m.conversation_id
           where m.tenant_id = $1::uuid and m.id = $2::uuid and m.direction = 'out' for update of m`, [ctx.tenantId, ctx.params.id]);
        if (!m) throw new NotFoundError('Message not found');
        ctx.authorize('reply', 'messaging.Conversation', { id: m.conversation_id, assigneeId: m.assignee_id, accountId: m.account_id });
        if (m.status !== 'failed' && m.status !== 'unknown') throw new UnprocessableError('Only a failed message can be sent again', 'NOT_FAILED', { status: m.status });
        await ctx.sql(`update messaging.message set status = 'queued', not_before = null, claimed_until = null, paced_at = null, attempts = 0, error = null, failed_at = null
          where tenant_id = $1::uuid and id = $2::uuid`, [ctx.tenantId, m.id]);
        await ctx.jobs.enqueue('deliver', { messageId: m.id }, { jobId: `${m.id}.manual.${Date.now()}` });
        pushConversations(ctx, [m.conversation_id]);
        return { id: m.id, status: 'queued' };
      },
    }),
    claim: defineAction({
      permission: 'internal',
      mutates: false,
      params: Type.Object({ messageId: Id, token: Type.String({ maxLength: 100 }) }, { additionalProperties: false }),
      handler(ctx) {
        assertOwn(ctx.params.token);
        return claimMessage(ctx, ctx.params.messageId);
      },
    }),
    settle: defineAction({
      permission: 'internal',
      mutates: false,
      params: Type.Object({ messageId: Id, token: Type.String({ maxLength: 100 }), settle: Type.Object({}, { additionalProperties: true }) }, { additionalProperties: false }),
      handler(ctx) {
        assertOwn(ctx.params.token);
        return settleMessage(ctx, ctx.params.messageId, ctx.params.settle as unknown as SettleInput);
      },
    }),
  },
});
