// Provider plugins as the kernel's plugin API lists them (GET /api/plugins), and the webhook
// address each needs: POST /api/payments/webhooks/{provider}/{tenantKey}, where the tenant key
// is the tenant's id (the gateway resolves the tenant from that path segment; see
// plugins/payments/src/services/webhooks.service.ts `tenantFromParam` and domain/intents.ts webhookUrl).

/**
 * Who gets the Providers tab and page: the kernel lets staff read the plugin list, but the page is
 * for setting providers up, so it needs the permission to configure plugins. The same pair is in
 * the manifest's `payments-providers` route contribution (checked in test/ui-logic.test.ts).
 */
export const PROVIDERS_PERMISSION = ['configure', 'kernel.Plugin'] as const;

export interface PluginInfo {
  id: string;
  version: string;
  displayName: Record<string, string>;
  description: Record<string, string>;
  state: string;
  provides: string[];
  settingsSchema: JsonSchema | null;
  secretFields: string[];
  settings: Record<string, unknown>;
  secretsSet: string[];
}

export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  default?: unknown;
  description?: string;
  title?: string;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
}

export const PROVIDER_PREFIX = 'payments-';

/** Provider plugins (id `payments-<key>`, provides `payment-provider`), sorted by id. */
export function providerPlugins(all: PluginInfo[]): PluginInfo[] {
  return all.filter((p) => p.id.startsWith(PROVIDER_PREFIX) && (p.provides ?? []).includes('payment-provider')).sort((a, b) => a.id.localeCompare(b.id));
}

export const providerKey = (pluginId: string) => (pluginId.startsWith(PROVIDER_PREFIX) ? pluginId.slice(PROVIDER_PREFIX.length) : pluginId);

/** The same URL the server gives the provider: `${publicBaseUrl}/api/payments/webhooks/${key}/${tenantId}`. */
export function webhookUrl(base: string, key: string, tenantId: string): string {
  return `${base.replace(/\/+$/, '')}/api/payments/webhooks/${encodeURIComponent(key)}/${encodeURIComponent(tenantId)}`;
}

/** How each first-party provider uses the URL (a third-party provider gets the generic text). */
export type WebhookSetup = 'dashboard' | 'perPayment' | 'polled' | 'generic';
export function webhookSetup(key: string): WebhookSetup {
  return key === 'stripe' ? 'dashboard' : key === 'paybox' ? 'perPayment' : key === 'kaspi' ? 'polled' : 'generic';
}

/** test | live from the provider's `mode` setting (default test). */
export const providerMode = (p: PluginInfo): 'test' | 'live' => (p.settings?.mode === 'live' ? 'live' : 'test');

/** Required settings still missing (secrets count when set). */
export function missingRequired(p: PluginInfo): string[] {
  const req = p.settingsSchema?.required ?? [];
  return req.filter((k) => {
    if (p.secretFields.includes(k)) return !p.secretsSet.includes(k);
    const v = p.settings?.[k];
    return v === undefined || v === null || v === '';
  });
}
