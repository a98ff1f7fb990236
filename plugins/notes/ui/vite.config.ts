// Builds the notes plugin's UI: `vite build --config ui/vite.config.ts` from plugins/notes.
import { atriumPluginViteConfig } from '@atrium/sdk/ui/vite';

export default atriumPluginViteConfig({ pluginId: 'notes', entry: 'ui/src/index.ts' });
