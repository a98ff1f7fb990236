import { definePlugin } from '@atrium/sdk';
import manifest from '../atrium.plugin.json' with { type: 'json' };
import { stripeProvider } from './stripe.provider.ts';

export default definePlugin({
  manifest: manifest as any,
  services: [stripeProvider],
});
