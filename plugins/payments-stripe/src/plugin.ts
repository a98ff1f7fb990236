import { definePlugin, type ActionContext, type ServiceDefinition } from '@atrium/sdk';
import manifest from '../atrium.plugin.json' with { type: 'json' };
import { stripeProvider } from './stripe.provider.ts';
import { connectService, onStripeWebhook, platformConnectSettings } from './connect.service.ts';
import { billingService } from './billing.service.ts';
import { createConnectBilling } from './migrations/0001-connect-billing.ts';
import { billingCheckout } from './migrations/0002-billing-checkout.ts';

/**
 * The provider reads its configuration from `ctx.settings()`; this adds the tenant's connected
 * account (stored by Connect onboarding) and the operator's platform key, so payments of an
 * onboarded tenant go through its connected account without anyone pasting an account id.
 */
export function withPlatformConnect(service: ServiceDefinition): ServiceDefinition {
  const actions: ServiceDefinition['actions'] = {};
  for (const [name, action] of Object.entries(service.actions)) {
    actions[name] = {
      ...action,
      handler: async (ctx: ActionContext<any>) => {
        const platform = await platformConnectSettings(ctx);
        const settings = async <T>() => ({ ...(await ctx.settings<Record<string, unknown>>()), ...(platform ? { _platform: platform } : {}) }) as T;
        return action.handler({ ...ctx, settings });
      },
    };
  }
  return { ...service, actions };
}

export default definePlugin({
  manifest: manifest as any,
  migrations: [createConnectBilling, billingCheckout],
  services: [withPlatformConnect(stripeProvider), connectService, billingService],
  subscribers: { 'payments.webhook.received.v1': onStripeWebhook },
});
