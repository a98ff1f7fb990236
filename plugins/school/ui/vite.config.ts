// Builds the school plugin's UI: `npm run build:ui -w plugins/school` (vite build --config ui/vite.config.ts).
import { atriumPluginViteConfig } from '@atrium/sdk/ui/vite';

export default atriumPluginViteConfig({ pluginId: 'school', entry: 'ui/src/index.ts' });
