/**
 * The words of a booking reminder in the client's language, with the date and time in the salon's
 * zone as that language writes them, and the button labels.
 */
export type Locale = 'en' | 'ru' | 'uk' | 'kk';
export const LOCALES: readonly Locale[] = ['en', 'ru', 'uk', 'kk'];

const WORDS: Record<Locale, { reminder: (v: Vars) => string; confirm: string; cancel: string; confirmed: string; cancelled: string }> = {
  en: {
    reminder: (v) => `Reminder: ${v.service} with ${v.master} on ${v.date} at ${v.time}${v.salon ? ` — ${v.salon}` : ''}.`,
    confirm: 'Confirm', cancel: 'Cancel', confirmed: 'Your booking is confirmed. See you!', cancelled: 'Your booking is cancelled.',
  },
  ru: {
    reminder: (v) => `Напоминаем: ${v.service}, мастер ${v.master}, ${v.date} в ${v.time}${v.salon ? ` — ${v.salon}` : ''}.`,
    confirm: 'Подтвердить', cancel: 'Отменить', confirmed: 'Запись подтверждена. Ждём вас!', cancelled: 'Запись отменена.',
  },
  uk: {
    reminder: (v) => `Нагадуємо: ${v.service}, майстер ${v.master}, ${v.date} о ${v.time}${v.salon ? ` — ${v.salon}` : ''}.`,
    confirm: 'Підтвердити', cancel: 'Скасувати', confirmed: 'Запис підтверджено. Чекаємо на вас!', cancelled: 'Запис скасовано.',
  },
  kk: {
    reminder: (v) => `Еске салу: ${v.service}, шебер ${v.master}, ${v.date}, сағат ${v.time}${v.salon ? ` — ${v.salon}` : ''}.`,
    confirm: 'Растау', cancel: 'Болдырмау', confirmed: 'Жазылу расталды. Күтеміз!', cancelled: 'Жазылу болдырылмады.',
  },
};

type Vars = { service: string; master: string; date: string; time: string; salon: string | null };

export const asLocale = (l: string | null | undefined, fallback: Locale = 'ru'): Locale => (LOCALES.includes(l as Locale) ? (l as Locale) : fallback);

export function reminderText(locale: Locale, v: { service: string; master: string; startsAt: Date; timeZone: string; salon: string | null }): string {
  const date = new Intl.DateTimeFormat(locale, { timeZone: v.timeZone, weekday: 'short', day: 'numeric', month: 'long' }).format(v.startsAt);
  const time = new Intl.DateTimeFormat(locale, { timeZone: v.timeZone, hour: '2-digit', minute: '2-digit', hourCycle: locale === 'en' ? 'h12' : 'h23' }).format(v.startsAt);
  return WORDS[locale].reminder({ service: v.service, master: v.master, date, time, salon: v.salon });
}

export const buttonLabels = (locale: Locale) => ({ confirm: WORDS[locale].confirm, cancel: WORDS[locale].cancel });
export const answerText = (locale: Locale, to: 'confirmed' | 'cancelled') => WORDS[locale][to];

/** Button ids carry the action and the booking: `salon:confirm:<uuid>` (≤ 64 printable ASCII). */
export const buttonId = (action: 'confirm' | 'cancel', bookingId: string) => `salon:${action}:${bookingId}`;
export function parseButtonId(id: string): { action: 'confirm' | 'cancel'; bookingId: string } | null {
  const m = /^salon:(confirm|cancel):([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/.exec(id);
  return m ? { action: m[1] as 'confirm' | 'cancel', bookingId: m[2]! } : null;
}
