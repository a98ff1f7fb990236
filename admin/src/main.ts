import { abilitiesPlugin } from '@casl/vue';
import { createPinia } from 'pinia';
import { Dialog, Notify, Quasar } from 'quasar';
import { createApp } from 'vue';
import '@quasar/extras/material-icons/material-icons.css';
import 'quasar/dist/quasar.css';
import './styles/app.css';
import App from './App.vue';
import { setSessionLostHandler } from './api/http.ts';
import { i18n } from './i18n/index.ts';
import { applyQuasarLang } from './i18n/quasar-lang.ts';
import { createHostApi, HOST_KEY } from './plugin-host/host-api.ts';
import { usePluginHost } from './plugin-host/host.ts';
import { registerServiceWorker } from './pwa/register.ts';
import { createAppRouter } from './router/index.ts';
import { ability } from './stores/ability.ts';
import { useSessionStore } from './stores/session.ts';

const app = createApp(App);
const pinia = createPinia();
app.use(pinia);
app.use(Quasar, {
  plugins: { Notify, Dialog },
  config: {
    brand: { primary: '#4f46e5', secondary: '#0ea5e9', accent: '#f59e0b', positive: '#16a34a', negative: '#dc2626', info: '#2563eb', warning: '#f59e0b' },
    notify: { position: 'top' },
  },
});
app.use(i18n);
app.use(abilitiesPlugin, ability, { useGlobalProperties: true });
app.provide(HOST_KEY, createHostApi());

const router = createAppRouter();
app.use(router);

setSessionLostHandler(() => {
  useSessionStore().clear();
  usePluginHost().reset();
  const current = router.currentRoute.value;
  if (!current.meta.public) void router.replace({ name: 'login', query: { redirect: current.fullPath } });
});

// Started offline from the cached session: once the network is back, re-read the profile,
// abilities and ui-manifest (the first request refreshes the expired token; a refused session
// signs out through the handler above).
window.addEventListener('online', () => {
  const session = useSessionStore();
  if (!session.offline) return;
  void session.revalidate().then(() => (session.offline ? undefined : usePluginHost().sync().catch(() => {})));
});

// Errors that escape every boundary: log, never blank the screen.
app.config.errorHandler = (err) => console.error('[atrium]', err);

void applyQuasarLang(i18n.global.locale.value as 'en');
document.documentElement.lang = i18n.global.locale.value;
app.mount('#app');
registerServiceWorker();
