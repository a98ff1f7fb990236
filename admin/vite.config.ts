import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { quasar, transformAssetUrls } from '@quasar/vite-plugin';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';
import { importMapPlugin } from './build/import-map.ts';
import { serviceWorkerPlugin } from './build/service-worker.ts';
import { SHARED_MODULES, sharedEntryName } from './build/shared-modules.ts';

const root = fileURLToPath(new URL('.', import.meta.url));
const publicFiles = [
  'manifest.webmanifest',
  ...readdirSync(new URL('./public/icons', import.meta.url)).map((f) => `icons/${f}`),
];

// The kernel gateway serves this build at '/', the API at /api and plugin bundles at /plugins.
const kernel = process.env.ATRIUM_KERNEL_URL ?? 'http://localhost:8080';

export default defineConfig({
  root,
  // Relative asset URLs: the same build runs under the gateway, from file:// and in Capacitor.
  base: './',
  plugins: [
    vue({ template: { transformAssetUrls } }),
    quasar({ sassVariables: false }),
    importMapPlugin(),
    serviceWorkerPlugin(publicFiles),
  ],
  define: {
    // vue-i18n: composition API only, no legacy mode and no devtools in production bundles.
    __VUE_I18N_FULL_INSTALL__: true,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 700,
    rolldownOptions: {
      input: {
        index: 'index.html',
        ...Object.fromEntries(
          Object.entries(SHARED_MODULES).map(([spec, f]) => [sharedEntryName(spec), f.build]),
        ),
      },
      // Without this the facade entries come out empty: nothing inside the shell imports them.
      preserveEntrySignatures: 'exports-only',
    },
  },
  server: {
    proxy: {
      '/api/ws': { target: kernel.replace(/^http/, 'ws'), ws: true },
      '/api': kernel,
      '/plugins': kernel,
    },
  },
});
