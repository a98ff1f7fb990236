import type { RequestContext } from '@atrium/sdk';
import type { ChannelLimits, OutboundMedia, OutboundMessage, SealedAccount, SendResult } from '@atrium/sdk/messaging';
import { MESSAGE_SENT, type MessageSentPayload } from '../events.ts';
import { ACCOUNT_COLUMNS, callAdapter, limitsOf, sealedAccount, type AccountRow } from './adapters.ts';
import { emitStatus } from './inbound.ts';
import { pushAccounts, pushConversations } from './live.ts';
import { HOLD_ACCOUNT_SQL, paceOf, RESERVE_SLOT_SQL } from './pacing.ts';
import { planParts, type PlannedPart } from './parts.ts';
import { STATUS_LOCK_SQL } from '../migrations/0006-status-lock.ts';
import { messagingSettings, webhookUrl } from './settings.ts';
import { ownToken } from './own-token.ts';

/**
 * Sending one queued message, in three steps that never hold a database connection while the
 * provider is called (ARCHITECTURE §9):
 *
 *  1. `claim` (a short transaction): the message is locked and checked again (still queued, account
 *     connected, consent), a pacing slot is reserved (domain/pacing.ts); a slot in the future puts
 *     it back with `not_before` and a delayed job; otherwise it becomes `sending` with a lease;
 *  2. each part goes to the adapter (`messaging-<adapter>.channel.send`), no transaction held;
 *  3. `settle` (a short transaction per outcome): a sent part's provider id is recorded at once
 *     (so a crash mid-message never re-sends the parts that went), the last one marks the message
 *     `sent` and publishes `messaging.message.sent.v1`; a provider's `retry_after` puts it back
 *     after that delay and holds the whole account; a refusal fails it; a lost answer leaves it
 *     `unknown` unless the provider de-duplicates by our message id.
 */

/** How long a claimed message may stay `sending` before the sweep decides it was interrupted. */
export const SEND_LEASE_SECONDS = 120;
/** Transient failures (the provider answered an error, the connection was refused) retried this often. */
export const MAX_ATTEMPTS = 6;
/** A slot this close counts as now (less than a job's round trip). */
const SLOT_SLACK_MS = 15;

export type ClaimResult =
  | { state: 'skip'; status: string }
  | { state: 'later'; notBefore: string }
  | { state: 'done'; status: string }
  | {
    state: 'send';
    messageId: string;
    conversationId: string;
    attempts: number;
    adapter: string;
    account: SealedAccount;
    limits: ChannelLimits;
    chatId: string;
    parts: PlannedPart[];
    done: number[];
    attachments: { fileId: string; name: string; mimeType: string }[];
    replyTo: string | null;
    threadRefs: string[];
  };

type ClaimRow = AccountRow & {
  message_id: string; message_status: string; not_before: Date | null; paced_at: Date | null; claimed_until: Date | null; body: string | null; subject: string | null;
  html: string | null; buttons: any[]; attachments: any[]; template: any; attempts: number; conversation_id: string; chat_id: string; consent: string;
  reply_provider_id: string | null; thread_refs: string[] | null; done: number[] | null; last_subject: string | null; now: Date;
};

const CLAIM_SQL = `select m.id as message_id, m.status as message_status, m.not_before, m.paced_at, m.claimed_until, m.body, m.subject, m.html, m.buttons, m.attachments, m.template,
    m.attempts, m.conversation_id, c.chat_id, i.consent, ${ACCOUNT_COLUMNS},
    coalesce(rm.provider_message_id, (select r.provider_message_id from messaging.provider_ref r where r.tenant_id = m.tenant_id and r.message_id = m.reply_to_id order by r.part limit 1)) as reply_provider_id,
    case when a.channel = 'email' then array(select t.thread_ref from messaging.message t where t.tenant_id = m.tenant_id and t.conversation_id = m.conversation_id
        and t.thread_ref is not null and t.id <> m.id order by t.created_at desc limit 20) end as thread_refs,
    array(select r.part from messaging.provider_ref r where r.tenant_id = m.tenant_id and r.message_id = m.id) as done,
    case when a.channel = 'email' and m.subject is null then (select t.subject from messaging.message t where t.tenant_id = m.tenant_id
        and t.conversation_id = m.conversation_id and t.subject is not null and t.id <> m.id order by t.created_at desc limit 1) end as last_subject,
    now() as now
  from messaging.message m
  join messaging.conversation c on c.tenant_id = m.tenant_id and c.id = m.conversation_id
  join messaging.identity i on i.tenant_id = c.tenant_id and i.id = c.identity_id
  join messaging.account a on a.tenant_id = m.tenant_id and a.id = m.account_id
  left join messaging.message rm on rm.tenant_id = m.tenant_id and rm.id = m.reply_to_id and rm.direction = 'in'
  where m.tenant_id = $1::uuid and m.id = $2::uuid and m.direction = 'out'
  for update of m`;

/** Step 1, in the caller's transaction. */
export async function claimMessage(ctx: RequestContext, messageId: string): Promise<ClaimResult> {
  const [m] = await ctx.sql<ClaimRow>(CLAIM_SQL, [ctx.tenantId, messageId]);
  if (!m) return { state: 'skip', status: 'missing' };
  if (m.message_status !== 'queued') return { state: 'skip', status: m.message_status };
  const now = new Date(m.now);
  if (m.not_before && new Date(m.not_before).getTime() > now.getTime() + SLOT_SLACK_MS) return later(ctx, messageId, new Date(m.not_before), now, m.attempts);
  if (m.consent === 'opted_out') {
    await finish(ctx, messageId, m.conversation_id, 'canceled', { code: 'OPTED_OUT', reason: 'opted_out', message: 'The contact opted out before the message went' });
    return { state: 'done', status: 'canceled' };
  }
  if (m.status !== 'connected') {
    await finish(ctx, messageId, m.conversation_id, 'failed', { code: 'ACCOUNT_NOT_CONNECTED', reason: 'account', message: `The account "${m.name}" is not connected` });
    return { state: 'done', status: 'failed' };
  }
  const account: AccountRow = { id: m.id, adapter: m.adapter, channel: m.channel, name: m.name, config: m.config, sealed: m.sealed, status: m.status, inbound: m.inbound, limits: m.limits, poll_cursor: m.poll_cursor };
  const limits = limitsOf(account);
  // an e-mail reply without a subject of its own answers the thread's: "Re: <subject>"
  const subject = m.subject ?? (m.last_subject ? `Re: ${m.last_subject.replace(/^((re|aw|fwd?|отв|ответ):\s*)+/i, '')}` : null);
  const content = {
    text: m.body, subject, html: m.html, buttons: limits.buttons ? m.buttons : [], attachments: m.attachments,
    providerTemplate: m.template?.providerTemplate ?? null,
  };
  const parts = planParts(content, limits);
  const done = m.done ?? [];
  // pacing: a reserved slot is used as is; otherwise reserve one per part still to go
  if (!m.paced_at) {
    const pace = paceOf(limits);
    const left = Math.max(1, parts.length - done.length);
    const [slot] = await ctx.sql<{ slot: Date; now: Date }>(RESERVE_SLOT_SQL, [ctx.tenantId, account.id, m.conversation_id, pace.accountMs * left, pace.accountToleranceMs, pace.chatMs * left, pace.chatToleranceMs]);
    const at = new Date(slot!.slot);
    if (at.getTime() > now.getTime() + SLOT_SLACK_MS) {
      await ctx.sql('update messaging.message set paced_at = $3::timestamptz where tenant_id = $1::uuid and id = $2::uuid', [ctx.tenantId, messageId, at]);
      return later(ctx, messageId, at, now, m.attempts);
    }
  }
  await ctx.sql(
    `update messaging.message set status = 'sending', claimed_until = now() + ${SEND_LEASE_SECONDS} * interval '1 second', attempts = attempts + 1, paced_at = null,
       parts_total = $3::int where tenant_id = $1::uuid and id = $2::uuid`,
    [ctx.tenantId, messageId, parts.length],
  );
  const settings = await messagingSettings(ctx);
  return {
    state: 'send', messageId, conversationId: m.conversation_id, attempts: m.attempts + 1, adapter: account.adapter,
    account: sealedAccount(account, webhookUrl(settings, ctx.tenantId, account.id)), limits, chatId: m.chat_id, parts, done,
    attachments: m.attachments, replyTo: m.reply_provider_id, threadRefs: m.thread_refs ?? [],
  };
}

/** Not yet: `not_before` is set and a delayed delivery job waits for it. */
async function later(ctx: RequestContext, messageId: string, at: Date, now: Date, attempts: number): Promise<ClaimResult> {
  await ctx.sql('update messaging.message set not_before = $3::timestamptz where tenant_id = $1::uuid and id = $2::uuid', [ctx.tenantId, messageId, at]);
  await ctx.jobs.enqueue('deliver', { messageId }, { jobId: `${messageId}.${attempts}.${at.getTime()}`, delayMs: Math.max(0, at.getTime() - now.getTime()) });
  return { state: 'later', notBefore: at.toISOString() };
}

export type SettleInput =
  | { type: 'part'; part: number; result: SendResult; last: boolean }
  | { type: 'retry'; afterMs: number; holdAccount: boolean; error: MessageError }
  | { type: 'failed'; error: MessageError; accountError?: boolean }
  | { type: 'unknown'; error: MessageError };

export type MessageError = { code: string; reason: string; message: string; providerCode?: string | null };

/** Step 3, in the caller's transaction. */
export async function settleMessage(ctx: RequestContext, messageId: string, s: SettleInput): Promise<{ status: string }> {
  if (s.type === 'part' && s.result.providerMessageId) {
    // before the message row: the same order as a status webhook's transaction (migration 0006)
    const [acc] = await ctx.sql<{ account_id: string }>('select account_id from messaging.message where tenant_id = $1::uuid and id = $2::uuid', [ctx.tenantId, messageId]);
    if (acc) await ctx.sql(`select ${STATUS_LOCK_SQL}`, [acc.account_id, s.result.providerMessageId.slice(0, 255)]);
  }
  const [m] = await ctx.sql<{ conversation_id: string; account_id: string; status: string; attempts: number; sender_plugin: string | null; idempotency_key: string | null }>(
    'select conversation_id, account_id, status, attempts, sender_plugin, idempotency_key from messaging.message where tenant_id = $1::uuid and id = $2::uuid for update',
    [ctx.tenantId, messageId],
  );
  if (!m) return { status: 'missing' };
  if (s.type === 'part' && s.result.providerMessageId) {
    await ctx.sql(
      `insert into messaging.provider_ref (tenant_id, account_id, provider_message_id, message_id, part, status) values ($1::uuid, $2::uuid, $3::text, $4::uuid, $5::int, $6::text)
       on conflict do nothing`,
      [ctx.tenantId, m.account_id, s.result.providerMessageId.slice(0, 255), messageId, s.part, s.result.status === 'failed' ? 'failed' : s.result.status ?? 'sent'],
    );
    if (s.result.threadRef) await ctx.sql('update messaging.message set thread_ref = $3::text where tenant_id = $1::uuid and id = $2::uuid', [ctx.tenantId, messageId, s.result.threadRef.slice(0, 998)]);
    // statuses the provider sent before this was recorded
    const pending = await ctx.sql<{ status: string; error: unknown }>(
      'delete from messaging.status_pending where tenant_id = $1::uuid and account_id = $2::uuid and provider_message_id = $3::text returning status, error', [ctx.tenantId, m.account_id, s.result.providerMessageId.slice(0, 255)]);
    for (const p of pending.sort((a, b) => rank(a.status) - rank(b.status))) {
      await ctx.sql('update messaging.provider_ref set status = case when status = \'failed\' then status when messaging.status_rank($4::text) > messaging.status_rank(status) then $4::text else status end, error = coalesce($5::jsonb, error) where tenant_id = $1::uuid and account_id = $2::uuid and provider_message_id = $3::text',
        [ctx.tenantId, m.account_id, s.result.providerMessageId.slice(0, 255), p.status, p.error ? JSON.stringify(p.error) : null]);
    }
  }
  if (s.type === 'part') {
    if (!s.last) return { status: 'sending' };
    await ctx.sql(`update messaging.message set status = 'sent', sent_at = now(), claimed_until = null, not_before = null, error = null where tenant_id = $1::uuid and id = $2::uuid`, [ctx.tenantId, messageId]);
    const refs = await ctx.sql<{ provider_message_id: string }>('select provider_message_id from messaging.provider_ref where tenant_id = $1::uuid and message_id = $2::uuid order by part', [ctx.tenantId, messageId]);
    const [acc] = await ctx.sql<{ channel: string }>('select channel from messaging.account where tenant_id = $1::uuid and id = $2::uuid', [ctx.tenantId, m.account_id]);
    const payload: MessageSentPayload = {
      messageId, conversationId: m.conversation_id, accountId: m.account_id, channel: acc!.channel, providerMessageIds: refs.map((r) => r.provider_message_id),
      senderPlugin: m.sender_plugin, idempotencyKey: m.idempotency_key,
    };
    await ctx.emit(MESSAGE_SENT, payload);
    const [refreshed] = await ctx.sql<{ new_status: string | null }>('select new_status from messaging.refresh_message_status($1::uuid, $2::uuid)', [ctx.tenantId, messageId]);
    if (refreshed?.new_status) await emitStatus(ctx, messageId, m.conversation_id, refreshed.new_status);
    pushConversations(ctx, [m.conversation_id]);
    return { status: refreshed?.new_status ?? 'sent' };
  }
  if (s.type === 'retry') {
    const at = new Date(Date.now() + s.afterMs);
    await ctx.sql(`update messaging.message set status = 'queued', not_before = $3::timestamptz, claimed_until = null, paced_at = null, error = $4::jsonb where tenant_id = $1::uuid and id = $2::uuid`,
      [ctx.tenantId, messageId, at, JSON.stringify(s.error)]);
    if (s.holdAccount) await ctx.sql(HOLD_ACCOUNT_SQL, [ctx.tenantId, m.account_id, at]);
    await ctx.jobs.enqueue('deliver', { messageId }, { jobId: `${messageId}.${m.attempts}.retry`, delayMs: s.afterMs });
    pushConversations(ctx, [m.conversation_id]);
    return { status: 'queued' };
  }
  if (s.type === 'unknown') {
    await ctx.sql(`update messaging.message set status = 'unknown', claimed_until = null, error = $3::jsonb where tenant_id = $1::uuid and id = $2::uuid`, [ctx.tenantId, messageId, JSON.stringify(s.error)]);
    pushConversations(ctx, [m.conversation_id]);
    return { status: 'unknown' };
  }
  if (s.accountError) {
    await ctx.sql(`update messaging.account set status = 'error', last_error = $3::text, last_error_at = now(), updated_at = now() where tenant_id = $1::uuid and id = $2::uuid`, [ctx.tenantId, m.account_id, s.error.message]);
    pushAccounts(ctx, [m.account_id]);
  }
  await finish(ctx, messageId, m.conversation_id, 'failed', s.error);
  return { status: 'failed' };
}

const rank = (s: string) => ({ sent: 1, delivered: 2, read: 3, failed: 9 })[s] ?? 0;

/** Ends a message that will not be sent: failed (with the provider's error) or canceled; publishes `failed`. */
async function finish(ctx: RequestContext, messageId: string, conversationId: string, status: 'failed' | 'canceled', error: MessageError): Promise<void> {
  await ctx.sql(`update messaging.message set status = $3::text, error = $4::jsonb, failed_at = now(), claimed_until = null where tenant_id = $1::uuid and id = $2::uuid`,
    [ctx.tenantId, messageId, status, JSON.stringify(error)]);
  await emitStatus(ctx, messageId, conversationId, 'failed');
  pushConversations(ctx, [conversationId]);
}

/** What the dispatcher needs from its context: calls into this plugin and to adapters. No transaction. */
export type DispatchApi = Pick<RequestContext, 'call' | 'logger'>;

const CLAIM_ACTION = 'messaging.outbound.claim';
const SETTLE_ACTION = 'messaging.outbound.settle';

/** Exponential back-off for transient failures: 2 s, 4 s … at most 5 minutes. */
export const backoffMs = (attempt: number) => Math.min(300_000, 1000 * 2 ** Math.max(1, attempt));

/** Steps 1–3 for one message. Runs without a transaction (each step opens its own). */
export async function dispatchMessage(api: DispatchApi, messageId: string): Promise<{ status: string }> {
  const c = await api.call<ClaimResult>(CLAIM_ACTION, { messageId, token: ownToken() });
  if (c.state !== 'send') return { status: c.state === 'later' ? 'queued' : c.status };
  const settle = (s: SettleInput) => api.call<{ status: string }>(SETTLE_ACTION, { messageId, token: ownToken(), settle: s });
  const files = new Map<string, OutboundMedia>();
  const todo = c.parts.map((p, i) => ({ p, i })).filter(({ i }) => !c.done.includes(i));
  if (!todo.length) return settle({ type: 'part', part: c.parts.length - 1, result: { providerMessageId: '' }, last: true });
  for (const [n, { p, i }] of todo.entries()) {
    let media: OutboundMedia[] | undefined;
    try {
      media = p.media?.length ? await Promise.all(p.media.map((ix, k) => loadFile(api, c.attachments[ix]!, files, k === 0 ? p.caption : undefined))) : undefined;
    } catch (e) {
      return settle({ type: 'failed', error: { code: 'ATTACHMENT_MISSING', reason: 'rejected', message: `An attachment could not be read: ${(e as Error).message}` } });
    }
    const message: OutboundMessage = {
      messageId: c.messageId, part: i, chatId: c.chatId,
      ...(p.text !== undefined ? { text: p.text } : {}), ...(p.subject ? { subject: p.subject } : {}), ...(p.html ? { html: p.html } : {}),
      ...(p.buttons?.length ? { buttons: p.buttons } : {}), ...(media ? { media } : {}), ...(p.providerTemplate ? { providerTemplate: p.providerTemplate } : {}),
      ...(i === 0 && c.replyTo ? { replyTo: c.replyTo } : {}), ...(c.threadRefs.length ? { threadRefs: c.threadRefs } : {}),
    };
    let result: SendResult;
    try {
      result = await callAdapter<SendResult>(api, c.adapter, 'send', { account: c.account, message });
    } catch (e) {
      return settle(failureOf(e, c.attempts, c.limits));
    }
    await settle({ type: 'part', part: i, result, last: n === todo.length - 1 });
  }
  return { status: 'sent' };
}

/** How a failed send is settled (see the module comment). */
export function failureOf(e: any, attempts: number, limits: ChannelLimits): SettleInput {
  const code: string = e?.type ?? 'CHANNEL_UNAVAILABLE';
  const error: MessageError = { code, reason: e?.data?.details?.reason ?? code.toLowerCase(), message: String(e?.message ?? e), providerCode: e?.data?.details?.providerCode ?? null };
  if (code === 'CHANNEL_RATE_LIMITED') {
    const s = Number(e?.data?.details?.retryAfterSeconds ?? e?.retryAfterSeconds ?? 1);
    return { type: 'retry', afterMs: Math.max(1, Math.min(3600, s)) * 1000, holdAccount: true, error };
  }
  if (code === 'CHANNEL_REJECTED' || code === 'WINDOW_CLOSED' || code === 'OUTBOUND_NOT_ALLOWED' || code === 'VALIDATION_FAILED') return { type: 'failed', error };
  // the platform had no outbound slot for the tenant (503 with Retry-After): nothing left this node
  if (e?.code === 503 || code === 'TENANT_BUSY' || code === 'BUSY') {
    const s = Number(e?.data?.details?.retryAfterSeconds ?? 1);
    return attempts >= MAX_ATTEMPTS * 3 ? { type: 'failed', error: { ...error, reason: 'gave_up' } } : { type: 'retry', afterMs: Math.max(1, s) * 1000, holdAccount: false, error };
  }
  if (code === 'CHANNEL_AUTH_FAILED') return { type: 'failed', error: { ...error, reason: 'auth' }, accountError: true };
  const outcome = e?.data?.details?.outcome ?? e?.outcome;
  // an adapter plugin that is disabled or not running: nothing was sent
  const notSent = outcome === 'not_sent' || code === 'PLUGIN_DISABLED' || code === 'ADAPTER_NOT_INSTALLED' || code === 'SERVICE_NOT_AVAILABLE';
  if (notSent || limits.dedupesByMessageId) {
    return attempts >= MAX_ATTEMPTS ? { type: 'failed', error: { ...error, reason: 'gave_up' } } : { type: 'retry', afterMs: backoffMs(attempts), holdAccount: false, error };
  }
  return { type: 'unknown', error: { ...error, reason: 'unknown_outcome' } };
}

async function loadFile(api: DispatchApi, a: { fileId: string; name: string; mimeType: string }, cache: Map<string, OutboundMedia>, caption?: string): Promise<OutboundMedia> {
  let f = cache.get(a.fileId);
  if (!f) {
    const r = await api.call<{ $binary: string; contentType: string; filename: string }>('files.download', { id: a.fileId });
    f = { name: a.name || r.filename, mimeType: a.mimeType || r.contentType, data: r.$binary };
    cache.set(a.fileId, f);
  }
  return caption ? { ...f, caption } : f;
}
