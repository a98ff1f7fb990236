import { defineStore } from 'pinia';
import { Notify } from 'quasar';
import { computed, defineComponent, h, markRaw, ref, shallowRef, type Component } from 'vue';
import type { RouteRecordRaw, Router } from 'vue-router';
import { pluginsApi } from '../api/endpoints.ts';
import { isApiError } from '../api/errors.ts';
import { resolveUrl } from '../api/http.ts';
import type { Contribution, UiManifestPlugin } from '../api/types.ts';
import { i18n, localized, mergePluginMessages } from '../i18n/index.ts';
import { cachedUiManifest, saveCachedUiManifest } from '../stores/offline-session.ts';
import { useSessionStore } from '../stores/session.ts';
import PluginBoundary from './PluginBoundary.vue';
import type { UiPluginModule } from './types.ts';

// The plugin host: turns GET /api/ui-manifest into routes, menu items and widgets, and keeps them
// in step with the manifest (enable/disable in the plugin manager, the plugins.changed push)
// without a rebuild or a reload.

/** First path segments the shell owns; a plugin with such an id would be shadowed. */
export const RESERVED_IDS = new Set([
  'login', 'signup', 'forgot-password', 'reset-password', 'accept-invitation', 'dashboard',
  'profile', 'plugins', 'users', 'roles', 'audit', 'jobs', 'api', 'p',
]);

interface LoadedPlugin {
  manifest: UiManifestPlugin;
  status: 'loading' | 'ready' | 'failed';
  error?: string;
  module?: UiPluginModule;
  removeRoutes: (() => void)[];
  cssLinks: HTMLLinkElement[];
  /** The bundle's other chunks (absolute URLs): `eager` ones the entry imports, `lazy` ones loaded on first use. */
  chunkUrls: { eager: string[]; lazy: string[] };
}

let router: Router | null = null;
export function attachRouter(r: Router) {
  router = r;
}

/** A built plugin entry: the defineUiPlugin() default export and the chunks the SDK's build lists. */
type PluginEntryModule = { default?: UiPluginModule; atriumChunks?: unknown };
const importModule = (url: string): Promise<PluginEntryModule> => import(/* @vite-ignore */ url);

/**
 * The chunk URLs of a plugin entry (`atriumChunks: { eager, lazy }`, file names relative to the
 * entry, added by @atrium/sdk/ui/vite). Only plain file names beside the entry are taken: nothing
 * outside the plugin's folder, no other origin.
 */
export function chunkUrlsOf(entryUrl: string, list: unknown): { eager: string[]; lazy: string[] } {
  const base = new URL(entryUrl, globalThis.location?.href ?? 'http://localhost/');
  const urls = (files: unknown) =>
    Array.isArray(files)
      ? files.filter((f): f is string => typeof f === 'string' && /^[\w-][\w.-]*\.js$/.test(f)).map((f) => new URL(f, base).href)
      : [];
  const l = (list && typeof list === 'object' ? list : {}) as { eager?: unknown; lazy?: unknown };
  return { eager: urls(l.eager), lazy: urls(l.lazy) };
}

export const pluginBasePath = (id: string) => `/${id}`;

export function contributionPath(pluginId: string, c: Contribution): string {
  if (c.path === undefined) return pluginBasePath(pluginId);
  if (c.path.startsWith('/')) return c.path;
  return `${pluginBasePath(pluginId)}/${c.path}`.replace(/\/$/, '');
}

function wrapInBoundary(pluginName: () => string, component: Component, compact = false): Component {
  return markRaw(
    defineComponent({
      name: 'AtriumPluginView',
      inheritAttrs: false,
      setup(_props, { attrs }) {
        return () => h(PluginBoundary, { pluginName: pluginName(), compact }, { default: () => h(component, attrs) });
      },
    }),
  );
}

export const usePluginHost = defineStore('plugin-host', () => {
  const plugins = shallowRef(new Map<string, LoadedPlugin>());
  const synced = ref(false);
  let chain: Promise<void> = Promise.resolve();

  const list = computed(() => [...plugins.value.values()]);

  const navItems = computed(() =>
    list.value
      .flatMap((p) =>
        p.manifest.contributions
          .filter((c) => c.slot === 'nav')
          .map((c) => ({
            key: `${p.manifest.id}:${c.id}`,
            pluginId: p.manifest.id,
            label: localized(c.label, localized(p.manifest.displayName, p.manifest.id)),
            icon: c.icon || 'extension',
            to: contributionPath(p.manifest.id, c),
            order: c.order ?? 100,
            failed: p.status === 'failed',
          })),
      )
      .sort((a, b) => a.order - b.order || a.label.localeCompare(b.label)),
  );

  /** Contributions to a named slot ('dashboard.widgets', 'settings', …) with their components. */
  function slot(name: string) {
    return list.value.flatMap((p) =>
      p.manifest.contributions
        .filter((c) => c.slot === name)
        .map((c) => {
          const comp = c.component ? p.module?.components?.[c.component] : undefined;
          return {
            key: `${p.manifest.id}:${c.id}`,
            pluginId: p.manifest.id,
            pluginName: localized(p.manifest.displayName, p.manifest.id),
            label: localized(c.label, ''),
            icon: c.icon,
            status: p.status,
            error: p.status === 'failed' ? p.error : comp || !c.component ? undefined : `component "${c.component}" is not exported`,
            component: comp ? wrapInBoundary(() => localized(p.manifest.displayName, p.manifest.id), comp, true) : undefined,
          };
        }),
    );
  }

  function unload(p: LoadedPlugin) {
    p.removeRoutes.forEach((fn) => fn());
    p.cssLinks.forEach((l) => l.remove());
    const current = router?.currentRoute.value;
    if (current?.meta.pluginId === p.manifest.id) void router?.replace({ name: 'dashboard' });
  }

  async function load(m: UiManifestPlugin): Promise<LoadedPlugin> {
    const entry: LoadedPlugin = { manifest: m, status: 'loading', removeRoutes: [], cssLinks: [], chunkUrls: { eager: [], lazy: [] } };
    if (RESERVED_IDS.has(m.id)) {
      return { ...entry, status: 'failed', error: `plugin id "${m.id}" is reserved by the shell` };
    }
    const name = () => localized(m.displayName, m.id);
    try {
      if (typeof document !== 'undefined') {
        for (const href of m.css ?? []) {
          const link = document.createElement('link');
          link.rel = 'stylesheet';
          link.href = resolveUrl(href);
          link.dataset.plugin = m.id;
          document.head.appendChild(link);
          entry.cssLinks.push(link);
        }
      }
      const url = resolveUrl(m.entry);
      const ns = await importModule(url);
      const mod = ns.default;
      if (!mod || typeof mod !== 'object') throw new Error('the bundle has no default export from defineUiPlugin()');
      entry.chunkUrls = chunkUrlsOf(url, ns.atriumChunks);
      entry.module = markRaw(mod);
      mergePluginMessages(m.id, mod.messages);
      for (const [i, r] of (mod.routes ?? []).entries()) {
        const record: RouteRecordRaw = {
          path: `${m.id}${r.path ? '/' + r.path.replace(/^\//, '') : ''}`,
          name: `plugin:${m.id}:${r.name ?? i}`,
          component: wrapInBoundary(name, r.component),
          meta: { ...r.meta, pluginId: m.id },
        };
        if (router) entry.removeRoutes.push(router.addRoute('main', record));
      }
      entry.status = 'ready';
    } catch (e) {
      entry.status = 'failed';
      entry.error = e instanceof Error ? e.message : String(e);
      console.error(`[atrium] could not load UI of plugin ${m.id}`, e);
      Notify.create({ type: 'negative', message: i18n.global.t('plugins.loadFailed', { name: name() }), caption: entry.error });
    }
    return entry;
  }

  /**
   * Which plugin files the service worker keeps: `urls` (entries, styles and the chunks an entry
   * imports) it caches now, for an offline start; `lazy` (chunks loaded on first use, e.g. the
   * camera reader) only once the page has fetched them — kept while that bundle is enabled,
   * dropped with it.
   */
  function tellServiceWorker(manifest: UiManifestPlugin[], loaded: Map<string, LoadedPlugin>) {
    const sw = globalThis.navigator?.serviceWorker?.controller;
    if (!sw) return;
    const urls = manifest.flatMap((m) => [resolveUrl(m.entry), ...(m.css ?? []).map(resolveUrl), ...(loaded.get(m.id)?.chunkUrls.eager ?? [])]);
    const lazy = manifest.flatMap((m) => loaded.get(m.id)?.chunkUrls.lazy ?? []);
    sw.postMessage({ type: 'atrium.plugins', urls, lazy });
  }

  /** Applies a manifest: loads new/upgraded plugins, removes plugins that are gone. */
  async function apply(manifest: UiManifestPlugin[]) {
    const next = new Map(plugins.value);
    const wanted = new Map(manifest.map((m) => [m.id, m]));
    for (const [id, p] of plugins.value) {
      const m = wanted.get(id);
      if (!m || m.version !== p.manifest.version || m.entry !== p.manifest.entry) {
        unload(p);
        next.delete(id);
      } else {
        // Same bundle; contributions may still differ (abilities changed).
        next.set(id, { ...p, manifest: m });
      }
    }
    const fresh = await Promise.all(manifest.filter((m) => !next.has(m.id)).map(load));
    for (const p of fresh) next.set(p.manifest.id, p);
    plugins.value = next;
    synced.value = true;
    tellServiceWorker(manifest, next);
  }

  /**
   * Re-reads the manifest. Calls are serialized so two pushes never race each other. The last
   * manifest fetched is cached per user and tenant; when the kernel cannot be reached (an offline
   * start) the cached one is applied, so the plugin pages render from the service worker's copy
   * of their bundles.
   */
  function sync(): Promise<void> {
    chain = chain
      .catch(() => {})
      .then(async () => {
        const session = useSessionStore();
        const who = session.user && session.tenant ? { userId: session.user.id, tenantId: session.tenant.id } : null;
        let manifest: UiManifestPlugin[];
        try {
          manifest = (await pluginsApi.uiManifest()).plugins ?? [];
        } catch (e) {
          const cached = isApiError(e, 'NETWORK') && who ? cachedUiManifest(who.userId, who.tenantId) : null;
          if (!cached) throw e;
          // Offline: keep what is loaded if it already matches, or load the cached set.
          if (!synced.value) await apply(cached);
          return;
        }
        if (who) saveCachedUiManifest(who.userId, who.tenantId, manifest);
        await apply(manifest);
      });
    return chain;
  }

  // A worker that takes control after the bundles were loaded never saw them: tell it now, so
  // the enabled plugins are cached for offline use from the very first visit.
  globalThis.navigator?.serviceWorker?.addEventListener?.('controllerchange', () => {
    tellServiceWorker([...plugins.value.values()].map((p) => p.manifest), plugins.value);
  });

  function reset() {
    for (const p of plugins.value.values()) unload(p);
    plugins.value = new Map();
    synced.value = false;
  }

  return { plugins, list, synced, navItems, slot, sync, apply, reset };
});
