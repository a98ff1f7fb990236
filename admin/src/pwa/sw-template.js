/* Atrium shell service worker. Built by build/service-worker.ts, which fills in the precache list. */
const PRECACHE = __PRECACHE__;
const VERSION = __VERSION__;
const SHELL_CACHE = 'atrium-shell-' + VERSION;
// Plugin bundles carry ?v=<version> in their URL, so a cached copy never goes stale; the shell
// tells us which ones are enabled and we drop the rest. A bundle's lazily loaded chunks (named by
// their content hash) are cached when the page first fetches them, kept while their bundle is
// enabled (the shell lists them as `lazy`) and dropped with it; they are never fetched ahead.
const PLUGIN_CACHE = 'atrium-plugins';

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((c) => c.addAll(PRECACHE)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('atrium-shell-') && k !== SHELL_CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('message', (event) => {
  const msg = event.data;
  if (!msg || msg.type !== 'atrium.plugins' || !Array.isArray(msg.urls)) return;
  const abs = (u) => new URL(u, self.location.origin).href;
  const wanted = new Set(msg.urls.map(abs));
  const keep = new Set([...wanted, ...(Array.isArray(msg.lazy) ? msg.lazy.map(abs) : [])]);
  event.waitUntil(
    caches.open(PLUGIN_CACHE).then(async (cache) => {
      for (const req of await cache.keys()) if (!keep.has(req.url)) await cache.delete(req);
      for (const url of wanted) if (!(await cache.match(url))) await cache.add(url).catch(() => {});
    }),
  );
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  const scope = new URL(self.registration.scope);
  const path = url.pathname;
  // The API is never cached: stale permissions or data are worse than an offline message.
  if (path.startsWith(scope.pathname + 'api/')) return;

  if (path.startsWith(scope.pathname + 'plugins/')) {
    event.respondWith(
      caches.open(PLUGIN_CACHE).then(async (cache) => {
        const hit = await cache.match(req);
        if (hit) return hit;
        const res = await fetch(req);
        if (res.ok) cache.put(req, res.clone());
        return res;
      }),
    );
    return;
  }

  if (req.mode === 'navigate') {
    // Network first so a new deploy shows up at once; the cached shell when offline.
    event.respondWith(fetch(req).catch(() => caches.match('./', { ignoreSearch: true }).then((r) => r || caches.match('index.html'))));
    return;
  }

  event.respondWith(caches.match(req).then((hit) => hit || fetch(req)));
});
