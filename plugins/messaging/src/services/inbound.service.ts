import { type ActionContext, defineAction, defineService, NotFoundError, requestHeaders, Type } from '@atrium/sdk';
import type { InboundEvent, InboundResult } from '@atrium/sdk/messaging';
import { callAdapter, sealedAccount } from '../domain/adapters.ts';
import { ingressAccounts, type IngressAccount } from '../domain/account-cache.ts';
import { GroupCommit } from '../domain/group-commit.ts';
import { isNew, storeInbound, type IngestRow } from '../domain/inbound.ts';
import { assertOwn, ownToken } from '../domain/own-token.ts';
import { messagingSettings, webhookUrl } from '../domain/settings.ts';

const STORE_ACTION = 'messaging.inbound.store';
const RESERVED = new Set(['$body', '$contentType', '$headers', 'tenantKey', 'accountId']);
const batches = new GroupCommit<InboundEvent, IngestRow>();


function queryOf(params: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) if (!RESERVED.has(k)) out[k] = String(v);
  return out;
}

/** The public URL the provider called (Twilio signs it, with its query string). */
async function publicUrl(ctx: ActionContext<any>, accountId: string, query: Record<string, string>): Promise<string> {
  const base = webhookUrl(await messagingSettings(ctx), ctx.tenantId, accountId) ?? `/api/messaging/inbound/${ctx.tenantId}/${accountId}`;
  const qs = new URLSearchParams(query).toString();
  return qs ? `${base}?${qs}` : base;
}

/**
 * Verifies a request with the account's adapter. The account comes from this node's cache; a
 * signature that fails against a cached account is checked once more against a fresh read (its
 * secret may have changed on another node a moment ago).
 */
async function verify(ctx: ActionContext<any>, accountId: string, op: 'verifyWebhook' | 'challenge', payload: Record<string, unknown>): Promise<{ account: IngressAccount; result: any }> {
  let { account, cached } = await ingressAccounts.get(ctx, accountId);
  for (;;) {
    if (!account || account.status === 'disabled') throw new NotFoundError('Unknown account');
    try {
      const result = await callAdapter(ctx, account.adapter, op, { account: sealedAccount(account, null), ...payload });
      return { account, result };
    } catch (e: any) {
      if (!cached || e?.type !== 'WEBHOOK_SIGNATURE_INVALID') throw e;
      ({ account, cached } = await ingressAccounts.get(ctx, accountId, true));
    }
  }
}

/**
 * Inbound delivery: `POST /api/messaging/inbound/<tenant id>/<account id>` — the URL an account's
 * webhook is registered with. No transaction while verifying: the adapter checks the signature over
 * the exact bytes (401 and nothing stored when it fails), then the events go to the account's group
 * commit (`store`, one transaction for as many webhooks as arrived meanwhile), and the answer goes
 * out once they are committed. A tenant's URL reaches only that tenant's accounts (RLS; the account
 * id is looked up under the tenant in the path) and is verified with that account's own secret.
 * `GET` on the same URL answers a provider's verification challenge (Meta's hub.challenge).
 */
export const inboundService = defineService({
  name: 'inbound',
  actions: {
    receive: defineAction({
      rest: 'POST /:tenantKey/:accountId',
      raw: true,
      permission: 'public',
      tenantFromParam: 'tenantKey',
      transaction: false,
      maxBodyBytes: 1024 * 1024,
      summary: 'Provider webhooks (verified by the account\'s adapter, stored exactly once)',
      params: Type.Object({
        tenantKey: Type.String({ maxLength: 64 }),
        accountId: Type.String({ format: 'uuid' }),
        $body: Type.String(),
        $contentType: Type.Optional(Type.String()),
        $headers: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      }, { additionalProperties: true }),
      async handler(ctx) {
        ctx.audit.skip();
        const query = queryOf(ctx.params);
        const { account, result } = await verify(ctx, ctx.params.accountId, 'verifyWebhook', {
          body: ctx.params.$body, contentType: ctx.params.$contentType ?? '', headers: requestHeaders(ctx.params.$headers), query, method: 'POST',
          url: await publicUrl(ctx, ctx.params.accountId, query),
        }) as { account: IngressAccount; result: InboundResult };
        const rows = await batches.submit(`${ctx.tenantId}:${account.id}`, result.events, async (events) =>
          (await ctx.call<{ rows: IngestRow[] }>(STORE_ACTION, { token: ownToken(), accountId: account.id, events })).rows);
        acknowledge(ctx, account, result.events, rows);
        if (result.response) return { $raw: result.response.body, contentType: result.response.contentType, status: result.response.status ?? 200 };
        const stored = rows.filter(isNew).length;
        return { ok: true, stored, duplicates: rows.length - stored };
      },
    }),
    challenge: defineAction({
      rest: 'GET /:tenantKey/:accountId',
      permission: 'public',
      tenantFromParam: 'tenantKey',
      transaction: false,
      summary: 'A provider\'s webhook verification request (answered by the account\'s adapter)',
      params: Type.Object({ tenantKey: Type.String({ maxLength: 64 }), accountId: Type.String({ format: 'uuid' }) }, { additionalProperties: true }),
      async handler(ctx) {
        ctx.audit.skip();
        const { result } = await verify(ctx, ctx.params.accountId, 'challenge', { query: queryOf(ctx.params) });
        return { $raw: String(result.body), contentType: result.contentType, status: 200 };
      },
    }),
    store: defineAction({
      permission: 'internal',
      mutates: false,
      summary: 'Stores verified inbound events of one account exactly once (the webhook ingress and the pollers only)',
      params: Type.Object({
        token: Type.String({ maxLength: 100 }),
        accountId: Type.String({ format: 'uuid' }),
        events: Type.Array(Type.Object({}, { additionalProperties: true }), { maxItems: 2000 }),
        cursor: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])),
      }, { additionalProperties: false }),
      async handler(ctx) {
        assertOwn(ctx.params.token);
        const [account] = await ctx.sql<{ id: string; channel: any }>('select id, channel from messaging.account where tenant_id = $1::uuid and id = $2::uuid', [ctx.tenantId, ctx.params.accountId]);
        if (!account) throw new NotFoundError('Unknown account');
        const rows = await storeInbound(ctx, account, ctx.params.events as unknown as InboundEvent[], ctx.params.cursor);
        return { rows };
      },
    }),
  },
});

/** Tells the adapter which new events were stored (Telegram: stop the pressed button's spinner). Best effort, not awaited. */
export function acknowledge(ctx: Pick<ActionContext<any>, 'call' | 'logger'>, account: IngressAccount, events: InboundEvent[], rows: IngestRow[]): void {
  const fresh = new Set(rows.filter(isNew).map((r) => r.event_id));
  for (const ev of events) {
    if (ev.type !== 'button' || !ev.ack || !fresh.has(ev.eventId.slice(0, 255))) continue;
    callAdapter(ctx, account.adapter, 'acknowledge', { account: sealedAccount(account, null), event: ev })
      .catch((e) => ctx.logger.warn({ err: e, accountId: account.id }, 'acknowledging an inbound event failed'));
  }
}
