// @atrium/sdk/ui/vite — builds a plugin's UI as one ES entry module for the admin shell:
//   // plugins/<id>/ui/vite.config.ts
//   import { atriumPluginViteConfig } from '@atrium/sdk/ui/vite';
//   export default atriumPluginViteConfig({ pluginId: 'notes', entry: 'ui/src/index.ts' });
// Output: ui/dist/index.js (+ ui/dist/index.css when the plugin has styles), and one
// ui/dist/<name>-<hash>.js per lazily loaded part (a dynamic import() in the plugin's code).
import { resolve } from 'node:path';
import vue from '@vitejs/plugin-vue';
import type { Plugin, UserConfig } from 'vite';

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

/** The entry's file name: the manifest's `ui.entry` points at it and the shell imports it. */
export const ENTRY_FILE = 'index.js';
/**
 * Named export the build adds to the entry: `{ eager, lazy }`, the other chunks' file names
 * (relative to the entry). `eager`: imported by the entry itself (code it shares with a lazily
 * loaded part), needed whenever the plugin loads; `lazy`: loaded on first use only.
 */
export const CHUNKS_EXPORT = 'atriumChunks';
export type AtriumChunks = { eager: string[]; lazy: string[] };

type OutputChunkLike = { type: 'chunk'; fileName: string; name: string; isEntry: boolean; imports: string[]; dynamicImports: string[]; exports: string[]; facadeModuleId?: string | null; code: string };

/**
 * Adds the chunk list to the entry and checks the chunks (see atriumChunksPlugin). Exported for tests.
 */
export function listChunks(bundle: Record<string, { type: string }>): AtriumChunks {
  const chunks = Object.values(bundle).filter((f): f is OutputChunkLike => f.type === 'chunk');
  const entry = chunks.find((c) => c.isEntry && c.fileName === ENTRY_FILE);
  if (!entry) throw new Error(`atrium: the build has no ${ENTRY_FILE} entry`);
  for (const c of chunks) {
    if (c !== entry && (c.imports.includes(ENTRY_FILE) || c.dynamicImports.includes(ENTRY_FILE))) {
      throw new Error(
        `atrium: the chunk ${c.fileName} (${c.facadeModuleId ?? c.name}) imports ${ENTRY_FILE}: the shell imports the entry as ` +
          `${ENTRY_FILE}?v=<version>, so this would run a second copy of the plugin. Move the code it shares with the entry ` +
          `into a module of its own, or import it dynamically.`,
      );
    }
  }
  // what the entry imports statically, directly or through other chunks
  const byName = new Map(chunks.map((c) => [c.fileName, c]));
  const eager = new Set<string>();
  const walk = (c: OutputChunkLike) => c.imports.forEach((f) => { if (!eager.has(f) && byName.has(f)) { eager.add(f); walk(byName.get(f)!); } });
  walk(entry);
  const rest = chunks.filter((c) => c !== entry).map((c) => c.fileName);
  if (entry.exports.includes(CHUNKS_EXPORT)) throw new Error(`atrium: the UI entry must not export "${CHUNKS_EXPORT}" itself`);
  const list = { eager: rest.filter((f) => eager.has(f)).sort(), lazy: rest.filter((f) => !eager.has(f)).sort() };
  entry.code += `\nexport const ${CHUNKS_EXPORT} = ${JSON.stringify(list)};\n`;
  return list;
}

/**
 * The entry stays the one module the shell imports; what the plugin loads with a dynamic
 * `import()` becomes a chunk beside it, named by its content hash (a new build never reuses a
 * name, so no `?v=` is needed), served from the same ui/ folder as the entry (same route, headers
 * and checks). The entry exports `atriumChunks` so the shell's service worker caches `eager`
 * chunks with the entry (offline start) and keeps a `lazy` chunk it cached on first use for as
 * long as that version of the plugin is enabled — without fetching it before it is needed. No
 * chunk may import the entry: that would be another URL than the shell's `index.js?v=<version>`,
 * so a second copy of the plugin (the build fails, naming the chunk).
 */
export function atriumChunksPlugin(): Plugin {
  return {
    name: 'atrium:plugin-chunks',
    apply: 'build',
    generateBundle(_options, bundle) {
      listChunks(bundle as unknown as Record<string, { type: string }>);
    },
  };
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
    plugins: [vue(), atriumChunksPlugin(), ...(extend.plugins ?? [])],
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
        fileName: () => ENTRY_FILE,
        cssFileName: 'index',
      },
      rolldownOptions: {
        external: isShared,
        // The shell imports exactly one module per plugin (the entry); dynamic imports become
        // content-hashed chunks beside it, loaded on first use (atriumChunksPlugin above).
        output: { chunkFileNames: '[name]-[hash].js' },
      },
      ...extend.build,
    },
  };
}
