import type { AtriumConfig } from '@atrium/config';
import { ForbiddenError, type FieldError } from '@atrium/sdk';
import type { PluginRegistry } from '../plugins/plugin-registry.ts';
import { TenantSlots } from '../db/tenant-slots.ts';

/** A base URL as compared: origin plus a path prefix that ends with '/'. */
type Base = { origin: string; path: string; text: string };

function baseOf(text: string): Base | null {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return null;
  }
  if ((u.protocol !== 'https:' && u.protocol !== 'http:') || u.username || u.password || u.search || u.hash) return null;
  const path = u.pathname.endsWith('/') ? u.pathname : `${u.pathname}/`;
  return { origin: u.origin, path, text };
}

/** Whether `u` lies under `base`: same scheme, host and port, and a path at or below the base's. */
function within(u: URL, base: Base): boolean {
  if (u.origin !== base.origin || u.username || u.password) return false;
  const path = u.pathname.endsWith('/') ? u.pathname : `${u.pathname}/`;
  return path.startsWith(base.path);
}

/**
 * Where plugins may send requests. Outbound HTTP carries a tenant's secrets (API keys, signed
 * bodies); if a tenant could point a provider's base URL anywhere, it could make the server send
 * those secrets — and its requests — to any host, internal ones included (SSRF). So base URLs are
 * never a tenant's free text: each plugin may reach what its manifest declares
 * (`outbound.baseUrls`: the provider's real production/sandbox URLs) and what the platform
 * operator adds in the config (`outbound.allow.<plugin id>`: test servers, sandboxes, a proxy).
 * A settings field that names a base URL (`outbound.settings`) is checked when saved, and every
 * call is checked again when made (the operator may have narrowed the list since).
 */
export class OutboundPolicy {
  private readonly config: AtriumConfig;
  private readonly registry: PluginRegistry;
  /** Each tenant's share of this node's outbound calls. */
  readonly slots: TenantSlots;

  constructor(config: AtriumConfig, registry: PluginRegistry) {
    this.config = config;
    this.registry = registry;
    this.slots = new TenantSlots({ limit: config.outbound.tenantMaxConcurrent, waitMs: config.outbound.tenantQueueTimeoutMs, what: 'outside calls' });
  }

  /** The base URLs `pluginId` may reach: its manifest's, then the operator's. */
  allowed(pluginId: string): string[] {
    const declared = this.registry.get(pluginId)?.manifest.outbound?.baseUrls ?? [];
    const operator = this.config.outbound.allow[pluginId] ?? [];
    return [...new Set([...declared, ...operator])];
  }

  private bases(pluginId: string): Base[] {
    return this.allowed(pluginId).map(baseOf).filter((b): b is Base => b !== null);
  }

  /** Throws 403 OUTBOUND_NOT_ALLOWED unless `url` lies under one of the plugin's allowed base URLs. */
  check(pluginId: string, url: URL): void {
    if (this.bases(pluginId).some((b) => within(url, b))) return;
    throw new ForbiddenError(
      `${pluginId} may not call ${url.origin}: the platform allows it ${this.allowed(pluginId).join(', ') || 'no outside service'} (an operator adds more in the config, outbound.allow.${pluginId})`,
      'OUTBOUND_NOT_ALLOWED',
      { plugin: pluginId, origin: url.origin, allowed: this.allowed(pluginId) },
    );
  }

  /**
   * Settings a tenant saves: every field the manifest names in `outbound.settings` must be one of
   * the allowed base URLs (or a path below one). Answers the offending fields.
   */
  checkSettings(pluginId: string, values: Record<string, unknown>): FieldError[] {
    const fields = this.registry.get(pluginId)?.manifest.outbound?.settings ?? [];
    const out: FieldError[] = [];
    for (const field of fields) {
      const v = values[field];
      if (v === undefined || v === null || v === '') continue;
      const base = typeof v === 'string' ? baseOf(v) : null;
      let ok = false;
      if (base) {
        const u = new URL(base.origin + base.path);
        ok = this.bases(pluginId).some((b) => within(u, b));
      }
      if (!ok) out.push({ field, code: 'addressNotAllowed', params: { allowed: this.allowed(pluginId) }, message: `must be one of the addresses this platform allows: ${this.allowed(pluginId).join(', ') || '(none)'}` });
    }
    return out;
  }
}
