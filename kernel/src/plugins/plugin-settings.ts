import type { KernelDeps } from '../kernel-deps.ts';

const SETTINGS_SQL = 'select settings, secrets from kernel.tenant_plugin where tenant_id = ? and plugin_id = ?';

/**
 * Whether `em` can run a statement. An action declared `transaction: false` gets an EntityManager
 * stand-in whose every property access throws (pipeline.middleware.ts): there is no request
 * transaction to read in.
 */
function usable(em: any): boolean {
  try {
    return typeof em?.execute === 'function';
  } catch {
    return false;
  }
}

/**
 * A plugin's settings for a tenant: public values merged with decrypted secrets, schema defaults applied.
 * Read in the request's transaction; an action without one (`transaction: false`, e.g. a provider's
 * webhook verification) reads in a short read-only transaction of its own under the same tenant's RLS
 * setting (`Database.transaction`), never through the system pool, so tenant A's read cannot see B's row.
 * Callers go through the enablement gate's settings cache, so this happens once per TTL per tenant and plugin.
 */
export async function loadPluginSettings(deps: KernelDeps, em: any, tenantId: string, pluginId: string): Promise<Record<string, unknown>> {
  const rows = usable(em)
    ? await em.execute(SETTINGS_SQL, [tenantId, pluginId])
    : await deps.db.transaction({ tenantId }, (own) => own.execute(SETTINGS_SQL, [tenantId, pluginId]), { readOnly: true });
  const defaults: Record<string, unknown> = {};
  const props = (deps.registry.get(pluginId)?.manifest.settings?.schema as any)?.properties ?? {};
  for (const [k, s] of Object.entries<any>(props)) if (s && 'default' in s) defaults[k] = s.default;
  if (!rows.length) return defaults;
  return { ...defaults, ...rows[0].settings, ...deps.secrets.open(rows[0].secrets) };
}
