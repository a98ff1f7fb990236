import { definePlugin, type ActionContext, type ServiceDefinition } from '@atrium/sdk';
import { WebhookSignatureError } from '@atrium/sdk/payments';
import manifest from '../atrium.plugin.json' with { type: 'json' };
import en from '../messages/en.json' with { type: 'json' };
import kk from '../messages/kk.json' with { type: 'json' };
import ru from '../messages/ru.json' with { type: 'json' };
import uk from '../messages/uk.json' with { type: 'json' };
import { stripeProvider } from './stripe.provider.ts';
import { CONNECT_ROW_ACTION, CONNECT_SYNC_JOB, connectService, connectSyncJob, onStripeWebhook, platformFromRow, type PlatformConnectSettings } from './connect.service.ts';
import { connectCache, type ConnectSnapshot } from './connect.cache.ts';
import { connectConfig } from './platform.config.ts';
import { billingService } from './billing/billing.service.ts';
import { createConnectBilling } from './migrations/0001-connect-billing.ts';
import { billingCheckout } from './migrations/0002-billing-checkout.ts';
import { busyLease } from './migrations/0003-busy-lease.ts';

type Outcome = { ok: true; result: unknown } | { ok: false; error: unknown };

/** Whether a webhook verification's outcome may depend on a Connect row newer than the one it was made with. */
function mayDependOnConnectRow(outcome: Outcome): boolean {
  if (!outcome.ok) {
    // a bad signature: the operator's Connect secrets are tried only for a tenant with a connected account
    const e = outcome.error as { type?: string };
    if (!(e instanceof WebhookSignatureError) && e?.type !== 'WEBHOOK_SIGNATURE_INVALID') return false;
    try {
      return (connectConfig()?.webhookSecrets.length ?? 0) > 0;
    } catch {
      return false;
    }
  }
  // acknowledged and ignored (e.g. an event of a connected account this tenant does not own, as far as the row said)
  const events = (outcome.result as { events?: unknown[] } | undefined)?.events;
  return Array.isArray(events) && events.length === 0;
}

/**
 * The provider reads its configuration from `ctx.settings()`; this adds the tenant's connected
 * account (stored by Connect onboarding) and the operator's platform key, so payments of an
 * onboarded tenant go through its connected account without anyone pasting an account id.
 *
 * No provider action holds a transaction (they call Stripe), so the Connect row is read through
 * the internal `connect.row` action (a short transaction of its own). Operations (create, capture,
 * refund…) read it fresh. Webhook verification runs on every delivery: it takes the row from this
 * node's cache (connect.cache.ts; a miss reads it). A verification that a stale row could have
 * decided wrongly — a signature that only the operator's Connect secrets might verify, or an event
 * acknowledged and ignored — is decided again with a fresh read, so a change made on another node
 * within the cache's TTL loses no event.
 */
export function withPlatformConnect(service: ServiceDefinition): ServiceDefinition {
  const actions: ServiceDefinition['actions'] = {};
  const fresh = async (ctx: ActionContext<any>) => {
    const row = await ctx.call<ConnectSnapshot | null>(CONNECT_ROW_ACTION, {});
    connectCache.set(ctx.tenantId, row);
    return platformFromRow(row);
  };
  for (const [name, action] of Object.entries(service.actions)) {
    const withPlatform = (ctx: ActionContext<any>, platform: PlatformConnectSettings | undefined) => {
      const settings = async <T>() => ({ ...(await ctx.settings<Record<string, unknown>>()), ...(platform ? { _platform: platform } : {}) }) as T;
      return action.handler({ ...ctx, settings });
    };
    actions[name] = name !== 'verifyWebhook'
      ? { ...action, handler: async (ctx: ActionContext<any>) => withPlatform(ctx, await fresh(ctx)) }
      : {
        ...action,
        handler: async (ctx: ActionContext<any>) => {
          const cached = connectCache.get(ctx.tenantId);
          if (cached) {
            const outcome: Outcome = await Promise.resolve(withPlatform(ctx, platformFromRow(cached.row))).then((result: unknown) => ({ ok: true as const, result }), (error: unknown) => ({ ok: false as const, error }));
            if (!mayDependOnConnectRow(outcome)) {
              if (!outcome.ok) throw outcome.error;
              return outcome.result;
            }
          }
          return withPlatform(ctx, await fresh(ctx));
        },
      };
  }
  return { ...service, actions };
}

export default definePlugin({
  manifest: manifest as any,
  messages: { en, ru, uk, kk },
  migrations: [createConnectBilling, billingCheckout, busyLease],
  services: [withPlatformConnect(stripeProvider), connectService, billingService],
  subscribers: { 'payments.webhook.received.v1': onStripeWebhook },
  jobs: { [CONNECT_SYNC_JOB]: connectSyncJob },
});
