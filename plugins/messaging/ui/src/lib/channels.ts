import type { Channel } from './types.ts';

/** An icon and a colour per channel (Material icons in the shell's font; no brand assets). */
export const CHANNEL_LOOK: Record<Channel, { icon: string; color: string }> = {
  telegram: { icon: 'send', color: 'light-blue-7' },
  whatsapp: { icon: 'chat', color: 'green-7' },
  instagram: { icon: 'photo_camera', color: 'pink-6' },
  facebook: { icon: 'forum', color: 'indigo-6' },
  email: { icon: 'mail', color: 'blue-grey-7' },
  sms: { icon: 'sms', color: 'teal-7' },
};

/** The adapters that serve each channel (first-party; third-party adapters show by their plugin). */
export const ADAPTERS_OF: Record<Channel, string[]> = {
  telegram: ['telegram'], whatsapp: ['whatsapp'], instagram: ['meta'], facebook: ['meta'], email: ['email'], sms: ['sms'],
};

/** `messaging-telegram` → `telegram` */
export const adapterKey = (pluginId: string) => pluginId.replace(/^messaging-/, '');
