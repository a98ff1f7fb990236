// @atrium/sdk/ui/vite — builds a plugin's UI as one ES module for the admin shell:
//   // plugins/<id>/ui/vite.config.ts
//   import { atriumPluginViteConfig } from '@atrium/sdk/ui/vite';
//   export default atriumPluginViteConfig({ pluginId: 'notes', entry: 'ui/src/index.ts' });
// Output: ui/dist/index.js (+ ui/dist/index.css when the plugin has styles).
import { resolve } from 'node:path';
import vue from '@vitejs/plugin-vue';
import type { UserConfig } from 'vite';

/**
 * Provided by the shell through its import map; never bundled into a plugin. Keep equal to
 * admin/build/shared-modules.ts.
 */
export const SHARED_MODULES = ['vue', 'quasar', 'vue-router', 'pinia', 'vue-i18n', '@casl/vue', '@casl/ability'];

export interface AtriumPluginViteOptions {
  pluginId: string;
  /** The module whose default export is defineUiPlugin({...}), relative to root. */
  entry: string;
  /** The plugin package folder; defaults to the working directory (npm runs scripts there). */
  root?: string;
  /** Output folder, relative to root. */
  outDir?: string;
  /** Extra Vite settings merged on top (plugins are appended). */
  extend?: UserConfig;
}

export function isShared(id: string): boolean {
  return SHARED_MODULES.some((s) => id === s || id.startsWith(s + '/'));
}

export function atriumPluginViteConfig(opts: AtriumPluginViteOptions): UserConfig {
  if (!/^[a-z][a-z0-9-]*$/.test(opts.pluginId)) throw new Error(`invalid plugin id "${opts.pluginId}"`);
  const root = opts.root ?? process.cwd();
  const { extend = {} } = opts;
  return {
    ...extend,
    root,
    // Lib mode leaves process.env in place; browsers have no process.
    define: { 'process.env.NODE_ENV': JSON.stringify('production'), __VUE_OPTIONS_API__: 'true', __VUE_PROD_DEVTOOLS__: 'false', ...extend.define },
    plugins: [vue(), ...(extend.plugins ?? [])],
    publicDir: false,
    build: {
      outDir: resolve(root, opts.outDir ?? 'ui/dist'),
      emptyOutDir: true,
      target: 'es2022',
      minify: true,
      sourcemap: false,
      cssCodeSplit: false,
      lib: {
        entry: resolve(root, opts.entry),
        formats: ['es'],
        fileName: () => 'index.js',
        cssFileName: 'index',
      },
      rolldownOptions: {
        external: isShared,
        // One file: the shell imports exactly one module per plugin.
        output: { codeSplitting: false },
      },
      ...extend.build,
    },
  };
}
