import { definePlugin } from '@atrium/sdk';
import manifest from '../atrium.plugin.json' with { type: 'json' };
import { emailAdapter } from './email.adapter.ts';

export default definePlugin({
  manifest: manifest as any,
  services: [emailAdapter],
});
