// Builds the POS plugin's UI: `npm run build:ui -w plugins/pos` (vite build --config ui/vite.config.ts).
import { atriumPluginViteConfig } from '@atrium/sdk/ui/vite';

export default atriumPluginViteConfig({ pluginId: 'pos', entry: 'ui/src/index.ts' });
