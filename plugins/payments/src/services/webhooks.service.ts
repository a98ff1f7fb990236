import crypto from 'node:crypto';
import { defineAction, defineService, defineSubscriber, ForbiddenError, isUuid, LockMode, requestHeaders, Type, type RequestContext } from '@atrium/sdk';
import type { ProviderWebhookEvent, WebhookResult } from '@atrium/sdk/payments';
import { WEBHOOK_RECEIVED, type WebhookReceivedPayload } from '../events.ts';
import { callProvider, PROVIDER_KEY } from '../domain/providers.ts';
import { IngressBatcher, keyOf, type IngressEvent, type StoreBatch } from '../domain/ingress-batcher.ts';
import { applyState, lockIntent } from '../domain/ledger.ts';
import { SYNC_JOB } from '../domain/jobs.ts';
import { Intent, type IntentEntity } from '../entities/intent.ts';


/** Events applied per subscriber transaction; a full batch re-arms the wake-up for the rest. */
export const WEBHOOK_BATCH = 200;
const DISARM_ACTION = 'payments.webhooks.disarm';
/** The tenant's wake lock (advisory, transaction-scoped): shared by ingress, exclusive for disarming. */
const WAKE_LOCK_KEY = `hashtext('payments.webhook_wake:' || $1::text)`;

/** Whether the core applies the event to an intent; the others are published for provider plugins. */
export function appliesToIntent(ev: ProviderWebhookEvent): boolean {
  return !!(ev.status || ev.intentId || ev.providerPaymentId || ev.lookup);
}

/**
 * Stores verified events of one tenant, each once per (tenant, provider, event id), in one statement
 * (the ingress batches them, domain/ingress-batcher.ts) and, when any is new, takes the tenant's wake
 * lock in shared mode and arms the wake-up if none is on its way (migration 0002). Answers the
 * events it stored; `armed` is 1 only for the transaction that created the wake row: that one
 * publishes the wake-up.
 */
const STORE_EVENTS_SQL = `with stored as (
  insert into payments.webhook_event (tenant_id, provider, event_id, type, intent_id, payload)
  select $1::uuid, e.provider, e.event_id, e.type, e.intent_id, e.payload
  from unnest($2::text[], $3::text[], $4::text[], $5::uuid[], $6::jsonb[]) as e(provider, event_id, type, intent_id, payload)
  on conflict do nothing
  returning provider, event_id
), locked as (
  select pg_advisory_xact_lock_shared(${WAKE_LOCK_KEY}) from (select 1 from stored limit 1) s
), armed as (
  insert into payments.webhook_wake (tenant_id)
  select $1::uuid from locked
  on conflict do nothing
  returning tenant_id
)
select provider, event_id, (select count(*) from armed)::int as armed from stored`;

const STORE_ACTION = 'payments.webhooks.store';
const batcher = new IngressBatcher();
/**
 * Only the ingress above may store events: it passes this per-process token, so a plugin that
 * allowlisted `payments.webhooks.store` still cannot store an event no provider verified. `store`
 * is in the same service as `receive`, so wherever `receive` runs there is a local `store`, and the
 * kernel's broker prefers local endpoints (registry.preferLocal).
 */
const INGRESS_TOKEN = Buffer.from(crypto.randomBytes(24).toString('hex'));
const fromIngress = (token: string) => {
  const t = Buffer.from(token);
  return t.length === INGRESS_TOKEN.length && crypto.timingSafeEqual(t, INGRESS_TOKEN);
};

const StoredEvent = Type.Object({
  provider: Type.String({ pattern: PROVIDER_KEY.source, maxLength: 30 }),
  eventId: Type.String({ minLength: 1, maxLength: 255 }),
  type: Type.String({ maxLength: 100 }),
  intentId: Type.Union([Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' }), Type.Null()]),
  event: Type.Object({}, { additionalProperties: true }),
}, { additionalProperties: false });

/**
 * Webhook ingress: `POST /api/payments/webhooks/:provider/:tenantKey`. The provider plugin
 * verifies the signature over the exact bytes (400 and nothing stored when it fails); each
 * verified event is stored once per (tenant, provider, event id), and the outbox gets a wake-up for
 * the subscriber below in the same transaction (once per burst, not per event); the answer goes out
 * once the events are committed, and the work happens in the subscriber.
 *
 * No transaction of its own (`transaction: false`): verifying needs none, and the store goes
 * through the tenant's ingress batcher — the webhooks of a tenant that arrive while its previous
 * store commits share the next transaction (`store` below), so a burst costs a fraction of a
 * transaction per webhook.
 */
export const webhooksService = defineService({
  name: 'webhooks',
  actions: {
    receive: defineAction({
      rest: 'POST /:provider/:tenantKey',
      raw: true,
      permission: 'public',
      tenantFromParam: 'tenantKey',
      transaction: false,
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
          headers: requestHeaders(ctx.params.$headers),
          path: `/api/payments/webhooks/${provider}/${tenantKey}`,
        });
        const store: StoreBatch = async (events) => (await ctx.call<{ stored: string[] }>(STORE_ACTION, { token: INGRESS_TOKEN.toString(), events })).stored;
        const outcomes = await Promise.all(result.events.map((ev) => {
          const intentId = isUuid(ev.intentId) ? ev.intentId : null;
          return batcher.submit(ctx.tenantId, { provider, eventId: ev.eventId.slice(0, 255), type: ev.type.slice(0, 100), intentId, event: ev as unknown as Record<string, unknown> }, store);
        }));
        const stored = outcomes.filter(Boolean).length;
        const duplicates = outcomes.length - stored;
        if (result.response) {
          return { $binary: Buffer.from(result.response.body, 'utf8').toString('base64'), contentType: result.response.contentType, filename: 'response.xml' };
        }
        return { received: true, stored, duplicates };
      },
    }),
    store: defineAction({
      permission: 'internal',
      summary: 'Stores verified webhook events of the tenant once each, in one transaction, and publishes the wake-up (called by the ingress batcher)',
      params: Type.Object({ token: Type.String({ maxLength: 100 }), events: Type.Array(StoredEvent, { minItems: 1, maxItems: 1000 }) }, { additionalProperties: false }),
      async handler(ctx) {
        ctx.audit.skip();
        if (!fromIngress(ctx.params.token)) throw new ForbiddenError('Webhook events are stored by the payments webhook ingress only', 'INGRESS_ONLY');
        const events = ctx.params.events as IngressEvent[];
        const rows = await ctx.sql<{ provider: string; event_id: string; armed: number }>(STORE_EVENTS_SQL, [
          ctx.tenantId, events.map((e) => e.provider), events.map((e) => e.eventId), events.map((e) => e.type), events.map((e) => e.intentId), events.map((e) => JSON.stringify(e.event)),
        ]);
        const stored = new Set(rows.map((r) => keyOf({ provider: r.provider, eventId: r.event_id })));
        let woken = false;
        const armed = (rows[0]?.armed ?? 0) > 0;
        for (const e of events) {
          if (!stored.has(keyOf(e))) continue;
          const ev = e.event as unknown as ProviderWebhookEvent;
          const wake: boolean = !woken && armed;
          if (wake || !appliesToIntent(ev)) {
            const payload: WebhookReceivedPayload = { provider: e.provider, eventId: e.eventId, event: ev, wake };
            await ctx.emit(WEBHOOK_RECEIVED, payload);
            woken ||= wake;
          }
        }
        return { stored: [...stored] };
      },
    }),
    disarm: defineAction({
      permission: 'internal',
      summary: 'Deletes the tenant\'s webhook wake rows in a transaction of its own (called by the subscriber and the sweep)',
      params: Type.Object({ olderThanMs: Type.Optional(Type.Integer({ minimum: 0 })) }, { additionalProperties: false }),
      async handler(ctx) {
        // The exclusive lock waits for every ingress transaction holding it shared (they may have
        // seen the row and not published); once this commits, their events are visible to the
        // caller's next statement. Its own short transaction, so webhooks arriving meanwhile queue
        // only behind this, not behind the batch the caller is about to apply.
        await ctx.sql(`select pg_advisory_xact_lock(${WAKE_LOCK_KEY})`, [ctx.tenantId]);
        const rows = ctx.params.olderThanMs === undefined
          ? await ctx.sql('delete from payments.webhook_wake where tenant_id = $1::uuid returning tenant_id', [ctx.tenantId])
          : await ctx.sql(`delete from payments.webhook_wake where tenant_id = $1::uuid and armed_at < now() - ($2::int * interval '1 millisecond') returning tenant_id`, [ctx.tenantId, ctx.params.olderThanMs]);
        return { disarmed: rows.length };
      },
    }),
  },
});

async function findIntent(ctx: RequestContext, provider: string, ev: ProviderWebhookEvent): Promise<IntentEntity | null> {
  if (isUuid(ev.intentId)) {
    const byId = await lockIntent(ctx, { id: ev.intentId, provider });
    if (byId) return byId;
  }
  if (ev.providerPaymentId) {
    const byRef = await lockIntent(ctx, { provider, providerPaymentId: ev.providerPaymentId });
    if (byRef) return byRef;
  }
  if (ev.lookup?.key && ev.lookup.value) {
    const rows = await ctx.sql<{ id: string }>('select id from payments.intent where tenant_id = $1::uuid and provider = $2::text and provider_data->>$3::text = $4::text limit 1', [ctx.tenantId, provider, ev.lookup.key, ev.lookup.value]);
    if (rows.length) return lockIntent(ctx, { id: rows[0]!.id });
  }
  return null;
}

async function processOne(ctx: RequestContext, provider: string, eventId: string, event: ProviderWebhookEvent, preloaded: Map<string, IntentEntity>): Promise<{ outcome: string; intentId: string | null }> {
  const pre = event.intentId ? preloaded.get(event.intentId) : undefined;
  const intent = pre && pre.provider === provider ? pre : await findIntent(ctx, provider, event);
  if (!intent) return { outcome: 'unmatched', intentId: null }; // not ours in this tenant (or not created yet): the poller covers real intents
  const applied = await applyState(ctx, intent, event, { source: 'webhook', eventId, detail: { type: event.type } });
  if (applied !== 'conflict') return { outcome: applied, intentId: intent.id };
  // Out of order (or a state we can't reach from here): the provider's current status decides —
  // read by the `sync` job once this transaction committed (never a provider call inside it)
  return { outcome: 'reread:queued', intentId: intent.id };
}

/**
 * Applies stored webhook events. Woken once per burst (see the ingress): it first disarms the
 * tenant's wake-up in a short transaction of its own — under the exclusive wake lock, which waits
 * for the ingress transactions that may have counted on it — so every event they stored is pending
 * and visible here; webhooks stored later arm a new wake-up. Then it applies up to WEBHOOK_BATCH pending events (FOR UPDATE
 * SKIP LOCKED, so concurrent wake-ups split the work) and re-arms itself when that was not all.
 * Intents are row-locked, so webhooks, the poller and API calls on one intent are serialised.
 */
export const onWebhookReceived = defineSubscriber<WebhookReceivedPayload>({
  maxAttempts: 8,
  async handler(ctx) {
    // published for provider plugins: the wake-up armed by the same ingress applies it
    if (ctx.event.payload.wake === false) return;
    await ctx.call(DISARM_ACTION, {});
    const n = await processPendingWebhooks(ctx);
    if (n >= WEBHOOK_BATCH) {
      const rearm: WebhookReceivedPayload = { provider: '', eventId: '', event: null, wake: true };
      await ctx.emit(WEBHOOK_RECEIVED, rearm);
    }
  },
});

// No time condition for the subscriber: `now()` is its transaction's start, and events committed
// by ingress transactions that started later must be taken too.
const PENDING_SQL = `select provider, event_id, payload from payments.webhook_event
  where tenant_id = $1::uuid and processed_at is null
  order by received_at limit $2::int for update skip locked`;
const PENDING_OLDER_THAN_SQL = `select provider, event_id, payload from payments.webhook_event
  where tenant_id = $1::uuid and processed_at is null and received_at <= now() - ($3::int * interval '1 millisecond')
  order by received_at limit $2::int for update skip locked`;
const MARK_PROCESSED_SQL = `update payments.webhook_event w
  set processed_at = now(), outcome = d.outcome, intent_id = coalesce(w.intent_id, d.intent_id)
  from unnest($2::text[], $3::text[], $4::text[], $5::uuid[]) as d(provider, event_id, outcome, intent_id)
  where w.tenant_id = $1::uuid and w.provider = d.provider and w.event_id = d.event_id`;

/** Applies up to `limit` unprocessed webhook events of the tenant (subscriber, and the poller's sweep). */
export async function processPendingWebhooks(ctx: RequestContext, olderThanMs = 0, limit = WEBHOOK_BATCH): Promise<number> {
  const rows = olderThanMs > 0
    ? await ctx.sql<{ provider: string; event_id: string; payload: ProviderWebhookEvent }>(PENDING_OLDER_THAN_SQL, [ctx.tenantId, limit, olderThanMs])
    : await ctx.sql<{ provider: string; event_id: string; payload: ProviderWebhookEvent }>(PENDING_SQL, [ctx.tenantId, limit]);
  if (!rows.length) return 0;
  const ids = [...new Set(rows.map((r) => r.payload.intentId).filter((x): x is string => isUuid(x)))].sort();
  const preloaded = new Map<string, IntentEntity>();
  if (ids.length) {
    const found = await ctx.em.find(Intent, { id: { $in: ids } } as any, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true, orderBy: { id: 'asc' } } as any);
    for (const i of found) preloaded.set(i.id, i);
  }
  const done: { provider: string; eventId: string; outcome: string; intentId: string | null }[] = [];
  for (const r of rows) done.push({ provider: r.provider, eventId: r.event_id, ...(await processOne(ctx, r.provider, r.event_id, r.payload, preloaded)) });
  await ctx.sql(MARK_PROCESSED_SQL, [ctx.tenantId, done.map((d) => d.provider), done.map((d) => d.eventId), done.map((d) => d.outcome), done.map((d) => d.intentId)]);
  const reread = done.filter((d) => d.outcome === 'reread:queued' && d.intentId);
  if (reread.length) await ctx.jobs.enqueue(SYNC_JOB, { intents: reread.map((d) => ({ intentId: d.intentId, eventId: d.eventId })) });
  return rows.length;
}
