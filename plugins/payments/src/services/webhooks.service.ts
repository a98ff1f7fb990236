import { defineAction, defineService, defineSubscriber, LockMode, Type, type RequestContext } from '@atrium/sdk';
import type { ProviderWebhookEvent, WebhookResult } from '@atrium/sdk/payments';
import { WEBHOOK_RECEIVED } from '../events.ts';
import { callProvider, PROVIDER_KEY } from '../domain/providers.ts';
import { applyState, lockIntent } from '../domain/ledger.ts';
import { refreshIntent } from '../domain/intents.ts';
import { Intent, type IntentEntity } from '../entities/intent.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function headerMap(raw: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw ?? {})) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v ?? '');
  return out;
}

/**
 * Webhook ingress: `POST /api/payments/webhooks/:provider/:tenantKey`. The provider plugin
 * verifies the signature over the exact bytes (400 and nothing stored when it fails); each
 * verified event is stored once per (tenant, provider, event id) and handed to the outbox in the
 * same transaction; the answer goes out at once and the work happens in the subscriber below.
 */
export const webhooksService = defineService({
  name: 'webhooks',
  actions: {
    receive: defineAction({
      rest: 'POST /:provider/:tenantKey',
      raw: true,
      permission: 'public',
      tenantFromParam: 'tenantKey',
      maxBodyBytes: 512 * 1024,
      summary: 'Provider webhooks and callbacks (signature verified by the provider plugin)',
      params: Type.Object({
        provider: Type.String({ pattern: PROVIDER_KEY.source, maxLength: 30 }),
        tenantKey: Type.String({ maxLength: 64 }),
        $body: Type.String(),
        $contentType: Type.Optional(Type.String()),
        $headers: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      }, { additionalProperties: true }),
      async handler(ctx) {
        ctx.audit.skip();
        const { provider, tenantKey } = ctx.params;
        const result = await callProvider<WebhookResult>(ctx, provider, 'verifyWebhook', {
          body: ctx.params.$body,
          contentType: ctx.params.$contentType ?? '',
          headers: headerMap(ctx.params.$headers),
          path: `/api/payments/webhooks/${provider}/${tenantKey}`,
        });
        let stored = 0;
        let duplicates = 0;
        for (const ev of result.events) {
          const intentId = ev.intentId && UUID.test(ev.intentId) ? ev.intentId : null;
          const rows = await ctx.em.execute(
            `insert into payments.webhook_event (tenant_id, provider, event_id, type, intent_id, payload) values (?, ?, ?, ?, ?, ?)
             on conflict do nothing returning 1 as ok`,
            [ctx.tenantId, provider, ev.eventId.slice(0, 255), ev.type.slice(0, 100), intentId, JSON.stringify(ev)],
          );
          if (!rows.length) {
            duplicates++;
            continue;
          }
          stored++;
          await ctx.emit(WEBHOOK_RECEIVED, { provider, eventId: ev.eventId.slice(0, 255), event: ev as unknown as Record<string, unknown> });
        }
        if (result.response) {
          return { $binary: Buffer.from(result.response.body, 'utf8').toString('base64'), contentType: result.response.contentType, filename: 'response.xml' };
        }
        return { received: true, stored, duplicates };
      },
    }),
  },
});

async function findIntent(ctx: RequestContext, provider: string, ev: ProviderWebhookEvent): Promise<IntentEntity | null> {
  if (ev.intentId && UUID.test(ev.intentId)) {
    const byId = await lockIntent(ctx, { id: ev.intentId, provider });
    if (byId) return byId;
  }
  if (ev.providerPaymentId) {
    const byRef = await lockIntent(ctx, { provider, providerPaymentId: ev.providerPaymentId });
    if (byRef) return byRef;
  }
  if (ev.lookup?.key && ev.lookup.value) {
    const rows = await ctx.em.execute(`select id from payments.intent where provider = ? and provider_data->>? = ? limit 1`, [provider, ev.lookup.key, ev.lookup.value]);
    if (rows.length) return lockIntent(ctx, { id: rows[0].id });
  }
  return null;
}

async function processOne(ctx: RequestContext, provider: string, eventId: string, event: ProviderWebhookEvent, preloaded: Map<string, IntentEntity>): Promise<{ outcome: string; intentId: string | null }> {
  const pre = event.intentId ? preloaded.get(event.intentId) : undefined;
  const intent = pre && pre.provider === provider ? pre : await findIntent(ctx, provider, event);
  if (!intent) return { outcome: 'unmatched', intentId: null }; // not ours in this tenant (or not created yet): the poller covers real intents
  const applied = await applyState(ctx, intent, event, { source: 'webhook', eventId, detail: { type: event.type } });
  if (applied !== 'conflict') return { outcome: applied, intentId: intent.id };
  // Out of order (or a state we can't reach from here): the provider's current status decides.
  const r = await refreshIntent(ctx, intent, 'webhook', eventId);
  return { outcome: `reread:${r.outcome}`, intentId: intent.id };
}

/**
 * Applies stored webhook events. Runs once per event (kernel inbox); each delivery also takes up
 * every other unprocessed event of the tenant (FOR UPDATE SKIP LOCKED, oldest first, up to 200),
 * so a burst is applied in few transactions and the later deliveries find their event done.
 * Intents are row-locked, so webhooks, the poller and API calls on one intent are serialised.
 */
export const onWebhookReceived = defineSubscriber<{ provider: string; eventId: string; event: ProviderWebhookEvent }>({
  maxAttempts: 8,
  async handler(ctx) {
    const { provider, eventId } = ctx.event.payload;
    const own = await ctx.em.execute('select processed_at from payments.webhook_event where provider = ? and event_id = ?', [provider, eventId]);
    if (!own.length || own[0].processed_at) return;
    await processPendingWebhooks(ctx);
  },
});

/** Applies up to `limit` unprocessed webhook events of the tenant (subscriber, and the poller's sweep). */
export async function processPendingWebhooks(ctx: RequestContext, olderThanMs = 0, limit = 200): Promise<number> {
    const rows: { provider: string; event_id: string; payload: ProviderWebhookEvent }[] = await ctx.em.execute(
      `select provider, event_id, payload from payments.webhook_event where processed_at is null and received_at <= now() - (? * interval '1 millisecond')
        order by received_at limit ? for update skip locked`,
      [olderThanMs, limit],
    );
    if (!rows.length) return 0;
    const ids = [...new Set(rows.map((r) => r.payload.intentId).filter((x): x is string => !!x && UUID.test(x)))].sort();
    const preloaded = new Map<string, IntentEntity>();
    if (ids.length) {
      const found = await ctx.em.find(Intent, { id: { $in: ids } } as any, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true, orderBy: { id: 'asc' } } as any);
      for (const i of found) preloaded.set(i.id, i);
    }
    const done: { provider: string; eventId: string; outcome: string; intentId: string | null }[] = [];
    for (const r of rows) done.push({ provider: r.provider, eventId: r.event_id, ...(await processOne(ctx, r.provider, r.event_id, r.payload, preloaded)) });
    await ctx.em.execute(
      `update payments.webhook_event w set processed_at = now(), outcome = d.outcome, intent_id = coalesce(w.intent_id, d.intent_id::uuid)
         from (select * from jsonb_to_recordset(?::jsonb) as x(provider text, "eventId" text, outcome text, "intentId" text)) d(provider, event_id, outcome, intent_id)
        where w.provider = d.provider and w.event_id = d.event_id`,
      [JSON.stringify(done)],
    );
    return rows.length;
}
