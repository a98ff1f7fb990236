import { AuthProviderStartParams, defineAction, defineService, UnprocessableError } from '@atrium/sdk';

/** The deep link's start payload: `login_<code>` (Telegram allows [A-Za-z0-9_-], 64 characters). */
export const LOGIN_PREFIX = 'login_';

/**
 * Sign-in with Telegram through the kernel's auth-provider extension point (manifest
 * `authProviders`; docs/plugin-guide.md, "Sign-in methods"). The kernel keeps the attempt, its
 * code, expiry and single use; this action only answers where to confirm: the salon bot's deep
 * link with the code. The rest is subscribers/telegram-login.ts: the bot gets `/start login_<code>`,
 * asks the person, and settles the attempt with the Telegram user id messaging verified.
 */
export const telegramLoginService = defineService({
  name: 'telegramLogin',
  actions: {
    start: defineAction({
      permission: 'internal',
      params: AuthProviderStartParams,
      async handler(ctx) {
        const { telegramBot } = await ctx.settings<{ telegramBot?: string }>();
        if (!telegramBot) throw new UnprocessableError('This salon has not set up its Telegram bot for sign-in', 'TELEGRAM_BOT_NOT_SET');
        return { url: `https://t.me/${telegramBot}?start=${LOGIN_PREFIX}${ctx.params.code}`, qr: true, mode: 'open' as const };
      },
    }),
  },
});
