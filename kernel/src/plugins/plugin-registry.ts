import semver from 'semver';
import { ConflictError, pluginSchemaName, type PluginDefinition, type PluginManifest } from '@atrium/sdk';

export type LoadedPlugin = {
  id: string;
  manifest: PluginManifest;
  definition: PluginDefinition;
  /** Directory of the package (for UI bundles); undefined for plugins passed in-process. */
  dir?: string;
  schema: string;
};

/** Every node loads every installed plugin's definition (cheap) so that any node can check
 * dependencies, allowlists and permissions; which services a node *runs* is a separate choice. */
export class PluginRegistry {
  private readonly plugins = new Map<string, LoadedPlugin>();
  private readonly subscribers = new Map<string, { consumer: string; attempts: number }[]>();

  add(definition: PluginDefinition, dir?: string): LoadedPlugin {
    const { manifest } = definition;
    if (this.plugins.has(manifest.id)) throw new ConflictError(`Plugin "${manifest.id}" is installed twice`, 'PLUGIN_DUPLICATE', { plugin: manifest.id });
    this.subscribers.clear();
    const loaded = { id: manifest.id, manifest, definition, dir, schema: pluginSchemaName(manifest.id) };
    this.plugins.set(manifest.id, loaded);
    return loaded;
  }

  get(id: string): LoadedPlugin | undefined {
    return this.plugins.get(id);
  }

  list(): LoadedPlugin[] {
    return [...this.plugins.values()];
  }

  /** The plugins that subscribe to `eventName` (manifest and handler), with their delivery attempts. */
  subscribersOf(eventName: string): { consumer: string; attempts: number }[] {
    let found = this.subscribers.get(eventName);
    if (!found) {
      found = this.list()
        .filter((p) => p.manifest.events?.subscribes?.includes(eventName) && p.definition.subscribers?.[eventName])
        .map((p) => ({ consumer: p.id, attempts: p.definition.subscribers![eventName].maxAttempts ?? 5 }));
      this.subscribers.set(eventName, found);
    }
    return found;
  }

  /** Plugins in dependency order (dependencies first), for migrations and boot. */
  ordered(): LoadedPlugin[] {
    const out: LoadedPlugin[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (p: LoadedPlugin, trail: string[]) => {
      if (state.get(p.id) === 'done') return;
      if (state.get(p.id) === 'visiting') throw new ConflictError(`Plugin dependency cycle: ${[...trail, p.id].join(' → ')}`, 'DEPENDENCY_CYCLE', { cycle: [...trail, p.id].join(' → ') });
      state.set(p.id, 'visiting');
      for (const dep of Object.keys(p.manifest.dependencies ?? {})) {
        const d = this.plugins.get(dep);
        if (d) visit(d, [...trail, p.id]);
      }
      state.set(p.id, 'done');
      out.push(p);
    };
    for (const p of this.plugins.values()) visit(p, []);
    return out;
  }

  /** Missing or incompatible dependencies of `id`, as human-readable reasons keyed by plugin id. */
  unmetDependencies(id: string, enabled: Set<string>): { plugin: string; reason: string }[] {
    const p = this.plugins.get(id);
    if (!p) return [];
    const out: { plugin: string; reason: string }[] = [];
    for (const [dep, range] of Object.entries(p.manifest.dependencies ?? {})) {
      const d = this.plugins.get(dep);
      if (!d) out.push({ plugin: dep, reason: `"${dep}" ${range} is not installed on this platform` });
      else if (!semver.satisfies(d.manifest.version, range)) out.push({ plugin: dep, reason: `"${dep}" ${d.manifest.version} is installed but ${range} is required` });
      else if (!enabled.has(dep)) out.push({ plugin: dep, reason: `"${dep}" must be enabled first` });
    }
    for (const cap of p.manifest.requires ?? []) {
      const providers = this.list().filter((x) => x.manifest.provides?.includes(cap));
      if (!providers.some((x) => enabled.has(x.id))) {
        out.push({
          plugin: providers[0]?.id ?? cap,
          reason: providers.length
            ? `needs capability "${cap}": enable one of ${providers.map((x) => x.id).join(', ')}`
            : `needs capability "${cap}", which no installed plugin provides`,
        });
      }
    }
    return out;
  }

  /** Enabled plugins that depend on `id` (directly) — they block disabling it. */
  enabledDependents(id: string, enabled: Set<string>): string[] {
    return this.list()
      .filter((p) => enabled.has(p.id) && Object.keys(p.manifest.dependencies ?? {}).includes(id))
      .map((p) => p.id);
  }

  /** Whether plugin `caller` may call action `action` (its own, or matched by its manifest's `calls`). */
  mayCall(caller: string, action: string): boolean {
    if (action.startsWith(`${caller}.`)) return true;
    const patterns = this.plugins.get(caller)?.manifest.calls ?? [];
    return patterns.some((pat) => {
      // `capability:payment-provider.provider.*` — any plugin that provides the capability
      const cap = /^capability:([a-z0-9:-]+)\.(.+)$/.exec(pat);
      if (cap) {
        return this.list().some((p) => p.manifest.provides?.includes(cap[1]) && matchPattern(`${p.id}.${cap[2]}`, action));
      }
      return matchPattern(pat, action);
    });
  }
}

/** `*` matches any run of characters (`payments-*.provider.*`); anything else is literal. */
export function matchPattern(pattern: string, name: string): boolean {
  if (pattern === '*' || pattern === name) return true;
  if (!pattern.includes('*')) return false;
  const re = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(name);
}
