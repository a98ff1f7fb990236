import { definePlugin } from '@atrium/sdk';
import manifest from '../atrium.plugin.json' with { type: 'json' };
import { kaspiProvider } from './kaspi.provider.ts';

export default definePlugin({
  manifest: manifest as any,
  services: [kaspiProvider],
});
