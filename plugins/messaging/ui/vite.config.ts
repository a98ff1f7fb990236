// Builds the messaging plugin's UI: `vite build --config ui/vite.config.ts` from plugins/messaging.
import { atriumPluginViteConfig } from '@atrium/sdk/ui/vite';

export default atriumPluginViteConfig({ pluginId: 'messaging', entry: 'ui/src/index.ts' });
