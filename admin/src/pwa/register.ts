// Registers the service worker only where it makes sense: a production build served over http(s).
// Capacitor/Electron builds bundle the shell themselves and skip this.
export function registerServiceWorker() {
  if (import.meta.env.DEV) return;
  const nav = globalThis.navigator;
  const loc = globalThis.location;
  if (!nav?.serviceWorker || !loc || !/^https?:$/.test(loc.protocol)) return;
  if (loc.protocol === 'http:' && !['localhost', '127.0.0.1'].includes(loc.hostname) && !globalThis.isSecureContext) return;
  window.addEventListener('load', () => {
    nav.serviceWorker.register('./sw.js').catch((e) => console.warn('[atrium] service worker not registered', e));
  });
}
