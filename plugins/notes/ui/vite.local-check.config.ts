import { fileURLToPath } from 'node:url';
import { atriumPluginViteConfig } from '../../../sdk/ui/vite.ts';
export default atriumPluginViteConfig({ pluginId: 'notes', entry: 'ui/src/index.ts', extend: { resolve: { alias: { '@atrium/sdk/ui': fileURLToPath(new URL('../../../sdk/ui/index.ts', import.meta.url)) } } } });
