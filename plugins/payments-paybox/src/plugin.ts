import { definePlugin } from '@atrium/sdk';
import manifest from '../atrium.plugin.json' with { type: 'json' };
import { payboxProvider } from './paybox.provider.ts';

export default definePlugin({
  manifest: manifest as any,
  services: [payboxProvider],
});
