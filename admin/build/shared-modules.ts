// The modules the shell shares with plugin bundles through the import map.
// Plugins built with @atrium/sdk/ui/vite mark exactly these as external; keep the two lists equal
// (sdk/ui/vite.ts SHARED_MODULES). Each facade is its own Rollup entry so its exports survive.
export const SHARED_MODULES: Record<string, { build: string; dev: string }> = {
  vue: { build: 'src/shared/vue.ts', dev: 'src/shared/vue.ts' },
  // Quasar's facade re-exports quasar/src/* so the shell and plugins use the very same component
  // modules; the bare 'quasar' entry would pull a second, prebuilt copy (dist/quasar.client.js).
  quasar: { build: 'src/shared/quasar.ts', dev: 'src/shared/quasar.dev.ts' },
  'vue-router': { build: 'src/shared/vue-router.ts', dev: 'src/shared/vue-router.ts' },
  pinia: { build: 'src/shared/pinia.ts', dev: 'src/shared/pinia.ts' },
  'vue-i18n': { build: 'src/shared/vue-i18n.ts', dev: 'src/shared/vue-i18n.ts' },
  '@casl/vue': { build: 'src/shared/casl-vue.ts', dev: 'src/shared/casl-vue.ts' },
  '@casl/ability': { build: 'src/shared/casl-ability.ts', dev: 'src/shared/casl-ability.ts' },
};

/** Rollup entry name of a shared module's facade, e.g. '@casl/vue' -> 'shared-casl-vue'. */
export function sharedEntryName(specifier: string): string {
  return 'shared-' + specifier.replace(/^@/, '').replace(/[^a-z0-9]+/gi, '-');
}
