import type { Plugin } from 'vite';
import { SHARED_MODULES, sharedEntryName } from './shared-modules.ts';

// Injects <script type="importmap"> so plugin bundles loaded at runtime with import() resolve
// 'vue', 'quasar', … to the shell's own module instances (one Vue app context, one Quasar, one
// i18n). It must come first in <head>: Chromium ignores an import map added after any module load.
export function importMapPlugin(): Plugin {
  let serving = false;
  let base = '/';
  return {
    name: 'atrium:import-map',
    configResolved(cfg) {
      serving = cfg.command === 'serve';
      base = cfg.base;
    },
    transformIndexHtml: {
      order: 'post',
      handler(_html, ctx) {
        const imports: Record<string, string> = {};
        for (const [specifier, files] of Object.entries(SHARED_MODULES)) {
          if (serving) {
            imports[specifier] = '/' + files.dev;
            continue;
          }
          const name = sharedEntryName(specifier);
          const chunk = Object.values(ctx.bundle ?? {}).find(
            (c) => c.type === 'chunk' && c.isEntry && c.name === name,
          );
          if (!chunk) throw new Error(`import map: no chunk for shared module ${specifier}`);
          // Relative to the document so the shell also works from file:// (Electron) or a
          // Capacitor web view; the router uses hash history, so the document is always index.html.
          imports[specifier] = (base === './' ? './' : base) + chunk.fileName;
        }
        return [
          {
            tag: 'script',
            attrs: { type: 'importmap' },
            children: JSON.stringify({ imports }),
            injectTo: 'head-prepend',
          },
        ];
      },
    },
  };
}
