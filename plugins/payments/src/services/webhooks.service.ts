import { defineAction, defineService, defineSubscriber, Type, type EventContext } from '@atrium/sdk';
import type { ProviderWebhookEvent, WebhookResult } from '@atrium/sdk/payments';
import { WEBHOOK_RECEIVED } from '../events.ts';
import { callProvider, PROVIDER_KEY } from '../domain/providers.ts';
import { applyState, lockIntent } from '../domain/ledger.ts';
import { refreshIntent } from '../domain/intents.ts';
import type { IntentEntity } from '../entities/intent.ts';

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

async function findIntent(ctx: EventContext, provider: string, ev: ProviderWebhookEvent): Promise<IntentEntity | null> {
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

/** Applies one stored webhook event. Runs once per event (kernel inbox), serialised per intent (row lock). */
export const onWebhookReceived = defineSubscriber<{ provider: string; eventId: string; event: ProviderWebhookEvent }>({
  maxAttempts: 8,
  async handler(ctx) {
    const { provider, eventId, event } = ctx.event.payload;
    const intent = await findIntent(ctx, provider, event);
    let outcome: string;
    if (!intent) {
      // Not ours in this tenant (or not created yet): the poller covers real intents.
      outcome = 'unmatched';
    } else {
      const cause = { source: 'webhook' as const, eventId, detail: { type: event.type } };
      const applied = await applyState(ctx, intent, event, cause);
      outcome = applied;
      if (applied === 'conflict') {
        // Out of order (or a state we can't reach from here): the provider's current status decides.
        const r = await refreshIntent(ctx, intent, 'webhook', eventId);
        outcome = `reread:${r.outcome}`;
      }
    }
    await ctx.em.execute(`update payments.webhook_event set processed_at = now(), outcome = ?, intent_id = coalesce(intent_id, ?) where provider = ? and event_id = ?`,
      [outcome, intent?.id ?? null, provider, eventId]);
  },
});
