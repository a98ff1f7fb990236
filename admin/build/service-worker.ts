import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';

// Emits sw.js with the list of every file of this build, so the installed PWA opens offline.
// The worker's logic lives in src/pwa/sw-template.js; the build only fills in the file list and a
// cache name derived from it (a new build means a new cache and the old one is dropped).
export function serviceWorkerPlugin(publicFiles: string[]): Plugin {
  return {
    name: 'atrium:service-worker',
    apply: 'build',
    enforce: 'post',
    generateBundle(_opts, bundle) {
      const files = Object.keys(bundle).filter((f) => !f.endsWith('.map') && f !== 'sw.js');
      const precache = ['./', ...files, ...publicFiles].sort();
      const version = createHash('sha256').update(precache.join('\n')).digest('hex').slice(0, 12);
      const template = readFileSync(
        fileURLToPath(new URL('../src/pwa/sw-template.js', import.meta.url)),
        'utf8',
      );
      const source = template
        .replace('__PRECACHE__', JSON.stringify(precache))
        .replace('__VERSION__', JSON.stringify(version));
      this.emitFile({ type: 'asset', fileName: 'sw.js', source });
    },
  };
}
