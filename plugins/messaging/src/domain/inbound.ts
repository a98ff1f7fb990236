import type { RequestContext } from '@atrium/sdk';
import type { ChannelKind, InboundEvent } from '@atrium/sdk/messaging';
import { BUTTON_PRESSED, CONSENT_CHANGED, MESSAGE_DELIVERED, MESSAGE_FAILED, MESSAGE_RECEIVED, type ButtonPressedPayload, type MessageDeliveredPayload, type MessageFailedPayload, type MessageReceivedPayload } from '../events.ts';
import { ingressAccounts } from './account-cache.ts';
import { consentWords } from './consent.ts';
import { messagingSettings } from './settings.ts';
import { pushAccounts, pushConversations } from './live.ts';

/** One row per stored event (messaging.ingest, migration 0004). */
export type IngestRow = {
  event_id: string;
  outcome: string;
  kind: string;
  message_id: string | null;
  conversation_id: string | null;
  contact_id: string | null;
  identity_id: string | null;
  status: string | null;
};

const INGEST_SQL = `select event_id, outcome, kind, message_id, conversation_id, contact_id, identity_id, status
  from messaging.ingest($1::uuid, $2::uuid, $3::jsonb, $4::text[], $5::text[])`;

/** New (not duplicate) outcomes whose events mean something happened. */
export const isNew = (r: IngestRow) => r.outcome !== 'duplicate' && r.outcome !== 'duplicate_message';

/**
 * Stores an account's inbound events exactly once (one statement for the batch) and, for the new
 * ones, publishes the events other plugins listen to and pushes the changed conversations to the
 * admin. `cursor` (long polling) is saved in the same transaction, so events and the place to poll
 * from next commit together. Runs in the caller's transaction.
 */
export async function storeInbound(ctx: RequestContext, account: { id: string; channel: ChannelKind }, events: InboundEvent[], cursor?: string | null): Promise<IngestRow[]> {
  const words = consentWords(await messagingSettings(ctx));
  const rows = events.length
    ? await ctx.sql<IngestRow>(INGEST_SQL, [ctx.tenantId, account.id, JSON.stringify(events), words.optOut, words.optIn])
    : [];
  if (cursor !== undefined) {
    await ctx.sql('update messaging.account set poll_cursor = $3::text, polled_at = now() where tenant_id = $1::uuid and id = $2::uuid', [ctx.tenantId, account.id, cursor]);
  }
  const byEvent = new Map(events.map((e) => [e.eventId.slice(0, 255), e]));
  const changed = new Set<string>();
  for (const r of rows) {
    if (!isNew(r)) continue;
    const ev = byEvent.get(r.event_id);
    if (r.conversation_id) changed.add(r.conversation_id);
    if (ev?.type === 'message' && r.message_id) {
      const payload: MessageReceivedPayload = {
        messageId: r.message_id, conversationId: r.conversation_id!, contactId: r.contact_id!, identityId: r.identity_id!, accountId: account.id,
        channel: account.channel, text: ev.text ?? null, attachments: ev.attachments?.length ?? 0, startPayload: ev.startPayload ?? null,
      };
      await ctx.emit(MESSAGE_RECEIVED, payload);
      if (r.outcome === 'message_optout' || r.outcome === 'message_optin') {
        await ctx.emit(CONSENT_CHANGED, { identityId: r.identity_id!, contactId: r.contact_id!, consent: r.outcome === 'message_optout' ? 'opted_out' : 'granted', source: 'keyword' });
      }
    } else if (ev?.type === 'button' && r.message_id) {
      const replyTo = await ctx.sql<{ reply_to_id: string | null }>('select reply_to_id from messaging.message where tenant_id = $1::uuid and id = $2::uuid', [ctx.tenantId, r.message_id]);
      const payload: ButtonPressedPayload = {
        conversationId: r.conversation_id!, contactId: r.contact_id!, messageId: r.message_id, replyToMessageId: replyTo[0]?.reply_to_id ?? null, buttonId: ev.buttonId, accountId: account.id,
      };
      await ctx.emit(BUTTON_PRESSED, payload);
    } else if ((ev?.type === 'optout' || ev?.type === 'optin') && r.identity_id) {
      await ctx.emit(CONSENT_CHANGED, { identityId: r.identity_id, contactId: r.contact_id!, consent: ev.type === 'optout' ? 'opted_out' : 'granted', source: 'provider' });
    } else if (ev?.type === 'status' && r.outcome === 'status' && r.message_id && r.status) {
      await emitStatus(ctx, r.message_id, r.conversation_id!, r.status);
    } else if (ev?.type === 'account') {
      await recordAccountState(ctx, account.id, ev.status, ev.detail);
    }
  }
  pushConversations(ctx, [...changed]);
  return rows;
}

/** The event for a message's new delivery status (delivered/read, or failed). */
export async function emitStatus(ctx: RequestContext, messageId: string, conversationId: string, status: string): Promise<void> {
  if (status === 'delivered' || status === 'read') {
    const payload: MessageDeliveredPayload = { messageId, conversationId, status };
    await ctx.emit(MESSAGE_DELIVERED, payload);
  } else if (status === 'failed') {
    const [m] = await ctx.sql<{ sender_plugin: string | null; idempotency_key: string | null; error: Record<string, string> | null }>(
      'select sender_plugin, idempotency_key, error from messaging.message where tenant_id = $1::uuid and id = $2::uuid', [ctx.tenantId, messageId]);
    const payload: MessageFailedPayload = {
      messageId, conversationId, senderPlugin: m?.sender_plugin ?? null, idempotencyKey: m?.idempotency_key ?? null,
      code: m?.error?.code ?? 'FAILED', reason: m?.error?.reason ?? 'rejected', message: m?.error?.message ?? 'The provider could not deliver the message',
    };
    await ctx.emit(MESSAGE_FAILED, payload);
  }
}

/** An adapter said the account changed state at the provider (a WAHA session scanned or lost). */
async function recordAccountState(ctx: RequestContext, accountId: string, status: 'connected' | 'pending' | 'error', detail?: string): Promise<void> {
  const rows = await ctx.sql(
    `update messaging.account set status = $3::text,
       connected_at = case when $3::text = 'connected' and status <> 'connected' then now() else connected_at end,
       last_error = case when $3::text = 'error' then $4::text when $3::text = 'connected' then null else last_error end,
       last_error_at = case when $3::text = 'error' then now() else last_error_at end, updated_at = now(), version = version + 1
     where tenant_id = $1::uuid and id = $2::uuid and status <> 'disabled' and status <> $3::text returning id`,
    [ctx.tenantId, accountId, status, detail?.slice(0, 2000) ?? null]);
  ingressAccounts.drop(ctx.tenantId, accountId);
  if (rows.length) pushAccounts(ctx, [accountId]);
}
