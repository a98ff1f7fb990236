// Builds the payments plugin's UI: `vite build --config ui/vite.config.ts` from plugins/payments.
import { atriumPluginViteConfig } from '@atrium/sdk/ui/vite';

export default atriumPluginViteConfig({ pluginId: 'payments', entry: 'ui/src/index.ts' });
