import type { KernelDeps } from '../kernel-deps.ts';

/** A plugin's settings for a tenant: public values merged with decrypted secrets, schema defaults applied. */
export async function loadPluginSettings(deps: KernelDeps, em: any, tenantId: string, pluginId: string): Promise<Record<string, unknown>> {
  const rows = await em.execute('select settings, secrets from kernel.tenant_plugin where tenant_id = ? and plugin_id = ?', [tenantId, pluginId]);
  const defaults: Record<string, unknown> = {};
  const props = (deps.registry.get(pluginId)?.manifest.settings?.schema as any)?.properties ?? {};
  for (const [k, s] of Object.entries<any>(props)) if (s && 'default' in s) defaults[k] = s.default;
  if (!rows.length) return defaults;
  return { ...defaults, ...rows[0].settings, ...deps.secrets.open(rows[0].secrets) };
}
