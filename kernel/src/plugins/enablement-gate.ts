import type { Database } from '../db/database.ts';

/**
 * Which plugins a tenant has enabled, cached per tenant. Every node invalidates its cache when
 * the `atrium.plugins.changed` broadcast arrives (sub-second); the TTL is only a safety net for a
 * lost broadcast.
 */
export class EnablementGate {
  private readonly cache = new Map<string, { plugins: Set<string>; at: number; pending?: Promise<Set<string>> }>();
  private readonly db: Database;
  private readonly ttlMs: number;
  /** Bumped by every invalidation: a load that started before it must not store its (stale) result. */
  private generation = 0;
  private readonly settingsCache = new Map<string, { value: Record<string, unknown>; at: number }>();
  private settingsGeneration = 0;

  constructor(db: Database, ttlMs = 15_000) {
    this.db = db;
    this.ttlMs = ttlMs;
  }

  async enabled(tenantId: string): Promise<Set<string>> {
    const hit = this.cache.get(tenantId);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.plugins;
    if (hit?.pending) return hit.pending;
    const gen = this.generation;
    const pending = this.db
      .systemQuery<{ plugin_id: string }>(`select plugin_id from kernel.tenant_plugin where tenant_id = $1 and state = 'enabled'`, [tenantId])
      .then((rows) => {
        const plugins = new Set(rows.map((r) => r.plugin_id));
        if (gen === this.generation) this.cache.set(tenantId, { plugins, at: Date.now() });
        else this.cache.delete(tenantId);
        return plugins;
      })
      .catch((e) => {
        this.cache.delete(tenantId);
        throw e;
      });
    this.cache.set(tenantId, { plugins: hit?.plugins ?? new Set(), at: 0, pending });
    return pending;
  }

  async isEnabled(tenantId: string, pluginId: string): Promise<boolean> {
    return (await this.enabled(tenantId)).has(pluginId);
  }

  invalidate(tenantId?: string): void {
    this.generation++;
    if (tenantId) this.cache.delete(tenantId);
    else this.cache.clear();
    this.invalidateSettings(tenantId);
  }

  /**
   * A plugin's settings for a tenant (decrypted secrets included), cached like the enabled set:
   * read on every sale or webhook, changed a few times a year. `atrium.plugins.settings` and
   * `atrium.plugins.changed` broadcasts drop the entry on every node.
   */
  async settings(tenantId: string, pluginId: string, load: () => Promise<Record<string, unknown>>): Promise<Record<string, unknown>> {
    const key = `${tenantId}:${pluginId}`;
    const hit = this.settingsCache.get(key);
    if (hit && Date.now() - hit.at < this.ttlMs) return structuredClone(hit.value);
    const gen = this.settingsGeneration;
    const value = await load();
    if (gen === this.settingsGeneration) this.settingsCache.set(key, { value, at: Date.now() });
    return structuredClone(value);
  }

  invalidateSettings(tenantId?: string, pluginId?: string): void {
    this.settingsGeneration++;
    if (!tenantId) return this.settingsCache.clear();
    if (pluginId) this.settingsCache.delete(`${tenantId}:${pluginId}`);
    else for (const k of this.settingsCache.keys()) if (k.startsWith(`${tenantId}:`)) this.settingsCache.delete(k);
  }
}
