import { definePlugin } from '@atrium/sdk';
import manifest from '../atrium.plugin.json' with { type: 'json' };
import { metaAdapter } from './meta.adapter.ts';

export default definePlugin({
  manifest: manifest as any,
  services: [metaAdapter],
});
