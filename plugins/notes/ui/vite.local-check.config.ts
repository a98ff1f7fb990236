// Same build as ui/vite.config.ts, but reaching the preset by path. Only needed until
// sdk/package.json exports "./ui" and "./ui/vite"; delete it then.
//   (from plugins/notes) npx vite build --config ui/vite.local-check.config.ts
import { fileURLToPath } from 'node:url';
import { atriumPluginViteConfig } from '../../../sdk/ui/vite.ts';

export default atriumPluginViteConfig({
  pluginId: 'notes',
  entry: 'ui/src/index.ts',
  extend: { resolve: { alias: { '@atrium/sdk/ui': fileURLToPath(new URL('../../../sdk/ui/index.ts', import.meta.url)) } } },
});
