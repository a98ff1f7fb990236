import { useAtrium } from '@atrium/sdk/ui';
import { useI18n } from 'vue-i18n';
import { messagingApi } from './api.ts';
import type { Channel, Conversation } from './lib/types.ts';

/** What every messaging page needs: the host, the API, the translator and common labels. */
export function useMessaging() {
  const atrium = useAtrium();
  const { t, te } = useI18n();
  return {
    atrium,
    t,
    api: messagingApi(atrium.http),
    channelLabel: (c: Channel | string) => t(`messaging.channel.${c}`),
    /** A server error code in the user's words (the server's own message for codes we have no words for). */
    errorText: (code: string | undefined, message: string | undefined) => (code && te(`messaging.errors.${code}`) ? t(`messaging.errors.${code}`) : message ?? t('messaging.errors.FAILED')),
    /** A contact's name, else how they are reached. */
    who: (c: Pick<Conversation, 'contact' | 'identity'>) => c.contact.name || c.identity.display || (c.identity.username ? `@${c.identity.username}` : c.identity.value),
    /** A new key per thing the person means to do once (a message, an account). */
    newKey: () => (globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random().toString(36).slice(2)}`),
  };
}
