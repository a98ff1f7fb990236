/**
 * The words that mean "stop" and "start again" when a person sends one of them alone (case and
 * trailing punctuation ignored). Telegram's blocking of the bot and a provider's own STOP handling
 * (Twilio) arrive as opt-out events instead. Tenants add words in the settings.
 */
export const OPT_OUT_WORDS = [
  'stop', 'stopall', 'unsubscribe', 'cancel', 'end', 'quit',
  'стоп', 'отписаться', 'отписка', 'отменить подписку',
  'відписатися', 'відписка', 'припинити',
  'тоқтат', 'тоқтату', 'жазылымнан бас тарту',
];
export const OPT_IN_WORDS = ['start', 'unstop', 'yes', 'старт', 'подписаться', 'підписатися', 'бастау'];

const norm = (w: string) => w.trim().toLowerCase();

export function consentWords(settings: { optOutWords?: string[]; optInWords?: string[] }): { optOut: string[]; optIn: string[] } {
  return {
    optOut: [...new Set([...OPT_OUT_WORDS, ...(settings.optOutWords ?? []).map(norm)].filter(Boolean))],
    optIn: [...new Set([...OPT_IN_WORDS, ...(settings.optInWords ?? []).map(norm)].filter(Boolean))],
  };
}
